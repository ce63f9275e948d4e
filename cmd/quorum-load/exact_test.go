package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// exportTally counts the current votes of one step from export.json, with
// the host key, and refuses a document in a format it does not know.
func TestExportTally(t *testing.T) {
	const doc = `{"format": %q, "votes": [
		{"step": 0, "round": 1, "participant": "P001", "value": 0},
		{"step": 1, "round": 2, "participant": "P001", "value": 3},
		{"step": 1, "round": 2, "participant": "P002", "value": 5},
		{"step": 1, "round": 2, "participant": "P003", "value": 5},
		{"step": 2, "round": 1, "participant": "P001", "value": "listen more!"}
	]}`
	// Session "old" has the format this reads, "new" a later one.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		session, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/api/sessions/"), "/export.json")
		if !ok || r.Header.Get("Authorization") != "Bearer hk" {
			http.Error(w, "not for you", http.StatusUnauthorized)
			return
		}
		format := map[string]string{"old": exportFormat, "new": "quorum-export/2"}[session]
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, doc, format)
	}))
	defer srv.Close()
	a := newAPI(srv.URL, nil, 1, 5*time.Second)
	scale := ballot{slots: 5, base: 1}

	got, err := a.exportTally(t.Context(), "old", "hk", 1, scale)
	if err != nil {
		t.Fatal(err)
	}
	if got.N != 3 || !slices.Equal(got.Counts, []int{0, 0, 1, 0, 2}) {
		t.Errorf("step 1: %+v, want 3 votes [0 0 1 0 2]", got)
	}
	if _, err := a.exportTally(t.Context(), "old", "wrong", 1, scale); err == nil {
		t.Error("a wrong host key: want an error")
	}
	if _, err := a.exportTally(t.Context(), "new", "hk", 1, scale); err == nil || !strings.Contains(err.Error(), "quorum-export/2") {
		t.Errorf("an export in another format: %v, want an error naming it", err)
	}
}
