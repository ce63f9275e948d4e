package schema

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

func TestList(t *testing.T) {
	for _, tc := range []struct {
		name    string
		files   []string
		want    []int
		wantErr string
	}{
		{"in version order", []string{"0010_later.sql", "0002_b.sql", "0001_a.sql"}, []int{1, 2, 10}, ""},
		{"a name without a version", []string{"init.sql"}, nil, "must start with a version number"},
		{"version zero", []string{"0000_init.sql"}, nil, "must start with a version number"},
		{"two of one version", []string{"0001_a.sql", "01_b.sql"}, nil, "have the same version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, name := range tc.files {
				fsys["migrations/"+name] = &fstest.MapFile{Data: []byte("-- " + name)}
			}
			list, err := List(fsys, "migrations")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("List: %v, want an error saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var versions []int
			for _, m := range list {
				versions = append(versions, m.Version)
				if m.Script != "-- "+m.Name {
					t.Errorf("%s holds %q", m.Name, m.Script)
				}
			}
			if !reflect.DeepEqual(versions, tc.want) {
				t.Errorf("versions %v, want %v", versions, tc.want)
			}
		})
	}
}
