package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/quorum-workshop/quorum/internal/storetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestStoreContract(t *testing.T) {
	storetest.Run(t, backend)
}

// backend makes databases in the test's temporary folder.
var backend = storetest.Backend{
	NewDatabase: tempDBPath,
	Open:        func(tb testing.TB, path string) storetest.Store { return openTestDB(tb, path) },
}

func openTestDB(tb testing.TB, path string) *DB {
	tb.Helper()
	db, err := Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

func tempDBPath(tb testing.TB) string {
	tb.Helper()
	return filepath.Join(tb.TempDir(), "data", "quorum.db")
}

func TestOpenCreatesSchema(t *testing.T) {
	db := openTestDB(t, tempDBPath(t))
	ctx := context.Background()

	var names []string
	rows, err := db.read.QueryContext(ctx, `SELECT name FROM sqlite_schema
		WHERE type IN ('table', 'index', 'view', 'trigger') AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{"agendas", "current_votes", "events", "events_by_session", "participants", "schema_migrations",
		"sessions", "sessions_ended_code", "sessions_open_code", "step_states", "vote_history",
		"vote_history_by_session", "vote_history_participant_in_session"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("schema objects:\n got %v\nwant %v", names, want)
	}

	for _, tc := range []struct {
		pool   string
		pragma string
		want   string
	}{
		{"write", "journal_mode", "wal"},
		{"write", "synchronous", "2"}, // FULL
		{"write", "foreign_keys", "1"},
		{"write", "busy_timeout", "5000"},
		{"write", "wal_autocheckpoint", "0"}, // runCheckpoints does it beside the writer
		{"read", "foreign_keys", "1"},
		{"read", "query_only", "1"},
	} {
		h := db.read
		if tc.pool == "write" {
			h = db.write
		}
		var got string
		if err := h.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&got); err != nil {
			t.Fatalf("%s pragma %s: %v", tc.pool, tc.pragma, err)
		}
		if got != tc.want {
			t.Errorf("%s pragma %s = %s, want %s", tc.pool, tc.pragma, got, tc.want)
		}
	}
}

func TestReopenAppliesNoMigrationTwice(t *testing.T) {
	path := tempDBPath(t)
	applied := func() map[int]int64 {
		t.Helper()
		db := openTestDB(t, path)
		defer db.Close()
		rows, err := db.read.QueryContext(context.Background(), `SELECT version, applied_at FROM schema_migrations`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[int]int64{}
		for rows.Next() {
			var version int
			var at int64
			if err := rows.Scan(&version, &at); err != nil {
				t.Fatal(err)
			}
			out[version] = at
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}

	first := applied()
	list, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != len(list) || len(list) == 0 {
		t.Fatalf("applied %v, want one row per migration of %v", first, list)
	}
	if second := applied(); !reflect.DeepEqual(second, first) {
		t.Errorf("after reopening, schema_migrations holds %v, want %v unchanged", second, first)
	}
}

func TestOpenReportsPathAndCause(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "not-a-directory")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		path  string
		cause string
	}{
		{"parent is a file", filepath.Join(file, "quorum.db"), "not a directory"},
		{"path is a directory", dir, "unable to open database file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := Open(tc.path)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if msg := err.Error(); !strings.Contains(msg, tc.path) || !strings.Contains(msg, tc.cause) {
				t.Errorf("error %q does not name %s and %q", msg, tc.path, tc.cause)
			}
		})
	}
}

// The path goes into a file: URI, where these characters mean something.
func TestOpenPathWithURICharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "what? #1 50%", "quorum.db")
	clk := storetest.NewClock()
	db := openTestDB(t, path)
	s := storetest.NewSession(t, db, clk)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	db = openTestDB(t, path)
	if _, err := db.LoadSession(context.Background(), s.ID); err != nil {
		t.Fatal(err)
	}
}
