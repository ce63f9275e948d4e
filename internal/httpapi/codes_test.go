package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/quorum"
)

// Join codes are cached for join bursts; an ended session's code, taken by
// a new session, leads to the new one, and a deleted one to nothing.
func TestJoinCodeCacheFollowsTheSession(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{})
	old := ts.create("leadership-vs-management")
	if j := ts.join(old.Code, "", ""); j.SessionID != old.ID {
		t.Fatalf("joined %s, want %s", j.SessionID, old.ID)
	}
	ts.call("POST", "/api/sessions/"+old.ID+"/actions", old.HostKey, `{"action":"end"}`, nil)

	// A new session takes the freed code while the cache still names the old
	// one: a join in a hello and then one over HTTP find the new session.
	reuse := func() (*quorum.Session, quorum.Credentials) {
		t.Helper()
		agenda, _ := quorum.BuiltinAgenda("leadership-vs-management")
		next, keys, err := quorum.NewSession(agenda, "", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		next.Code = old.Code
		if err := ts.db.CreateSession(t.Context(), next); err != nil {
			t.Fatal(err)
		}
		if next.Code != old.Code {
			t.Fatalf("the store gave the new session another code: %s", next.Code)
		}
		return next, keys
	}
	next, nextKeys := reuse()
	frames, err := helloFrames(t, ts, map[string]any{"type": "hello", "role": "participant", "code": old.Code})
	if err != nil || frames[0]["type"] != "welcome" || frames[0]["session"] != next.ID {
		t.Errorf("the reused code joined in a hello: %v, %v; want a welcome to the new session %s", frames, err, next.ID)
	}
	ts.call("POST", "/api/sessions/"+next.ID+"/actions", nextKeys.HostKey, `{"action":"end"}`, nil)
	third, _ := reuse()
	if j := ts.join(old.Code, "", ""); j.SessionID != third.ID {
		t.Errorf("the reused code joined %s, want the new session %s", j.SessionID, third.ID)
	}

	// An ended session's code, with nobody to take it, says so.
	ended := ts.create("leadership-vs-management")
	ts.join(ended.Code, "", "")
	ts.call("POST", "/api/sessions/"+ended.ID+"/actions", ended.HostKey, `{"action":"end"}`, nil)
	var e apiError
	if status := ts.call("POST", "/api/join", "", map[string]any{"code": ended.Code}, &e); status != http.StatusNotFound || e.Error.Code != quorum.ESESSIONENDED {
		t.Errorf("join an ended session: %d %q", status, e.Error.Code)
	}

	// A deleted session's code leads nowhere.
	gone := ts.create("leadership-vs-management")
	ts.join(gone.Code, "", "")
	ts.call("DELETE", "/api/sessions/"+gone.ID, gone.HostKey, nil, nil)
	if status := ts.call("POST", "/api/join", "", map[string]any{"code": gone.Code}, &e); status != http.StatusNotFound || e.Error.Code != quorum.ECODENOTFOUND {
		t.Errorf("join a deleted session: %d %q", status, e.Error.Code)
	}
}
