package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/room"
)

// Deleting a session removes all its data; afterwards it answers 404
// everywhere and its open connections are closed with 4404.
func TestDeleteSession(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{})
	s := ts.create("leadership-vs-management")
	other := ts.create("leadership-vs-management")
	p := ts.join(s.Code, "Ada", "")
	ts.call("POST", "/api/sessions/"+s.ID+"/actions", s.HostKey, `{"action":"goto","step":1}`, nil)
	ts.call("POST", "/api/sessions/"+s.ID+"/actions", s.HostKey, `{"action":"open"}`, nil)
	part := ts.connect("p", "participant", s.ID, p.Token)
	part.awaitType("state")
	part.send(map[string]any{"type": "vote", "id": "v1", "step": 1, "value": 4})
	part.awaitType("ack")

	var e apiError
	for name, key := range map[string]string{"no key": "", "screen key": s.ScreenKey, "another session's key": other.HostKey} {
		if status := ts.call("DELETE", "/api/sessions/"+s.ID, key, nil, &e); status != http.StatusUnauthorized {
			t.Errorf("delete with %s: %d %q", name, status, e.Error.Code)
		}
	}

	var res struct {
		Deleted quorum.Deleted `json:"deleted"`
	}
	if status := ts.call("DELETE", "/api/sessions/"+s.ID, s.HostKey, nil, &res); status != http.StatusOK {
		t.Fatalf("delete: %d", status)
	}
	want := quorum.Deleted{Session: s.ID, Participants: 1, Votes: 1, Events: 2}
	if res.Deleted != want {
		t.Errorf("deleted %+v, want %+v", res.Deleted, want)
	}
	if code := part.awaitClose(); code != room.CloseNotFound {
		t.Errorf("participant closed with %d, want %d", code, room.CloseNotFound)
	}

	checks := []struct{ method, path, key, body string }{
		{"GET", "/api/sessions/" + s.ID, s.HostKey, ""},
		{"POST", "/api/sessions/" + s.ID + "/actions", s.HostKey, `{"action":"next"}`},
		{"DELETE", "/api/sessions/" + s.ID, s.HostKey, ""},
		{"GET", "/api/sessions/" + s.ID + "/qr.svg", "", ""},
		{"GET", "/api/codes/" + s.Code, "", ""},
	}
	for _, c := range checks {
		var body any
		if c.body != "" {
			body = c.body
		}
		if status := ts.call(c.method, c.path, c.key, body, nil); status != http.StatusNotFound {
			t.Errorf("%s %s after delete: %d, want 404", c.method, c.path, status)
		}
	}
	again := ts.connect("p-again", "participant", s.ID, p.Token)
	if code := again.awaitClose(); code != room.CloseNotFound {
		t.Errorf("reconnect after delete closed with %d, want %d", code, room.CloseNotFound)
	}
	if n, _ := ts.db.CountVotes(t.Context(), s.ID); n != 0 {
		t.Errorf("%d votes left in the store", n)
	}
	// The other session is untouched.
	if status := ts.call("GET", "/api/sessions/"+other.ID, other.HostKey, nil, nil); status != http.StatusOK {
		t.Errorf("the other session: %d", status)
	}
}
