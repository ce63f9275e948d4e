package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/room"
)

// A phone whose round-1 ack was lost reconnects during round 2, after a
// restart: welcome.votes still shows its round-1 vote, with the round, and
// the vote re-sent as docs/protocol.md describes is acknowledged as that
// round-1 vote without counting in round 2.
func TestResentVoteAcrossRounds(t *testing.T) {
	dbPath := tempDB(t)
	ts := startServer(t, dbPath, httpapi.Config{})
	s := ts.create(map[string]any{"title": "Rounds", "steps": []map[string]any{
		{"kind": "scale", "title": "How ready?", "left": "Not", "right": "Very", "points": 5},
	}})
	act := func(ts *testServer, action string) {
		t.Helper()
		if status := ts.call("POST", "/api/sessions/"+s.ID+"/actions", s.HostKey, map[string]any{"action": action}, nil); status != http.StatusOK {
			t.Fatalf("%s: %d", action, status)
		}
	}
	act(ts, "start")
	act(ts, "open")
	p := ts.join(s.Code, "", "")
	phone := ts.connect("phone", "participant", s.ID, p.Token)
	phone.awaitType("state")
	phone.send(map[string]any{"type": "vote", "id": "r1", "step": 0, "value": 4, "round": 1})
	if f := phone.await("the round-1 ack", func(f frame) bool { return f.ID == "r1" }); f.Type != "ack" || f.Round != 1 {
		t.Fatalf("round-1 vote: %+v", f)
	}
	// The phone never saw that ack; round 2 begins, and the server restarts.
	act(ts, "close")
	act(ts, "round")
	act(ts, "open")
	ts.stop()
	ts = startServer(t, dbPath, httpapi.Config{})

	again := ts.connect("phone again", "participant", s.ID, p.Token)
	w := again.awaitType("welcome")
	if v := w.Votes["0"]; v.ID != "r1" || v.Round != 1 || v.Value != float64(4) {
		t.Errorf("welcome.votes = %+v, want the round-1 vote r1", w.Votes)
	}
	again.awaitType("state")
	// A client that skips the check and re-sends, with or without the round.
	for _, vote := range []map[string]any{
		{"type": "vote", "id": "r1", "step": 0, "value": 4},
		{"type": "vote", "id": "r1", "step": 0, "value": 4, "round": 1},
	} {
		again.send(vote)
		if f := again.await("the re-sent vote's answer", func(f frame) bool { return f.ID == "r1" }); f.Type != "ack" || f.Round != 1 || f.Value != float64(4) {
			t.Errorf("re-sent %v: %+v, want the ack of round 1", vote, f)
		}
	}
	if c := ts.counts(s); c.Voted != 0 {
		t.Errorf("round 2 counts %d votes, want 0", c.Voted)
	}
	// A vote for a round that has not begun.
	again.send(map[string]any{"type": "vote", "id": "r3", "step": 0, "value": 2, "round": 3})
	if f := again.await("the answer to r3", func(f frame) bool { return f.ID == "r3" }); f.Type != "error" || f.Code != quorum.EVOTINGCLOSED || f.Message != "round 3 of this question has not begun; it is on round 2" {
		t.Errorf("a vote for round 3: %+v", f)
	}
	// Nobody voted in round 2: nobody "stayed".
	act(ts, "close")
	act(ts, "reveal")
	var st room.StateMsg
	ts.call("GET", "/api/sessions/"+s.ID, s.HostKey, nil, &st)
	if st.Results.N != 0 || len(st.Results.Shifts) != 0 {
		t.Errorf("round 2's results: n %d, shifts %+v", st.Results.N, st.Results.Shifts)
	}
}
