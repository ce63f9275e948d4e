package httpapi_test

import (
	"testing"

	"github.com/quorum-workshop/quorum/internal/httpapi"
)

// An ack carries the vote as recorded, as docs/protocol.md says: a text
// answer with its spaces folded, and for a re-sent id the value recorded the
// first time, whatever value the re-send carries.
func TestAckShowsTheRecordedVote(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{})
	s := ts.create(map[string]any{"title": "Acks", "steps": []map[string]any{
		{"kind": "text", "title": "One word?"},
		{"kind": "choice", "title": "Q", "options": []string{"A", "B", "C"}},
	}})
	act := func(body string) {
		t.Helper()
		if status := ts.call("POST", "/api/sessions/"+s.ID+"/actions", s.HostKey, body, nil); status != 200 {
			t.Fatalf("%s: %d", body, status)
		}
	}
	act(`{"action":"start"}`)
	act(`{"action":"open"}`)
	phone := ts.connect("phone", "participant", s.ID, ts.join(s.Code, "", "").Token)
	phone.awaitType("state")
	ack := func(id string, vote map[string]any) frame {
		t.Helper()
		vote["type"], vote["id"] = "vote", id
		phone.send(vote)
		f := phone.await("the answer to "+id, func(f frame) bool { return f.ID == id })
		if f.Type != "ack" {
			t.Fatalf("%s: %s %s", id, f.Code, f.Message)
		}
		return f
	}
	if f := ack("t1", map[string]any{"step": 0, "value": "  Listen \t  more "}); f.Value != "Listen more" || f.Round != 1 {
		t.Errorf("text ack: value %q round %d, want \"Listen more\" in round 1", f.Value, f.Round)
	}
	act(`{"action":"next"}`)
	act(`{"action":"open"}`)
	ack("c1", map[string]any{"step": 1, "value": 2})
	if f := ack("c1", map[string]any{"step": 1, "value": 0}); f.Value != float64(2) {
		t.Errorf("re-sent id with another value acknowledged with %v, want the recorded 2", f.Value)
	}
	if c := ts.counts(s); c.Voted != 1 {
		t.Errorf("%d votes, want 1", c.Voted)
	}
}
