package httpapi_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/room"
)

// TestWorkshopFlow runs the built-in agenda's first steps with a host, a
// screen and three participants over real WebSockets, then restarts the
// server on the same database file.
func TestWorkshopFlow(t *testing.T) {
	dbPath := tempDB(t)
	ts := startServer(t, dbPath, httpapi.Config{})

	var agenda quorum.Agenda
	if status := ts.call("GET", "/api/agendas/leadership-vs-management", "", nil, &agenda); status != http.StatusOK {
		t.Fatalf("get agenda: %d", status)
	}
	if agenda.Steps[0].Kind != quorum.KindInfo || agenda.Steps[1].Kind != quorum.KindScale {
		t.Fatalf("built-in agenda should open with info then scale, got %s, %s", agenda.Steps[0].Kind, agenda.Steps[1].Kind)
	}
	points := agenda.Steps[1].Points

	s := ts.create("leadership-vs-management")
	if !regexp.MustCompile(`^\d{8}$`).MatchString(s.Code) {
		t.Errorf("join code %q is not 8 digits", s.Code)
	}
	for name, u := range map[string]string{"host": s.URLs.Host, "screen": s.URLs.Screen} {
		if !strings.Contains(u, "#key=") || strings.Contains(strings.SplitN(u, "#", 2)[0], "key") {
			t.Errorf("%s URL %q must carry its key in the fragment only", name, u)
		}
	}

	host := ts.connect("host", "host", s.ID, s.HostKey)
	host.awaitType("welcome")
	if st := host.awaitType("state").state(); st.Session.Status != quorum.StatusLobby || len(st.Steps) != len(agenda.Steps) {
		t.Fatalf("host state: status %s, %d steps", st.Session.Status, len(st.Steps))
	}
	screen := ts.connect("screen", "screen", s.ID, s.ScreenKey)
	screen.awaitType("welcome")
	screen.awaitType("state")

	var parts []*client
	var tokens []joined
	for i, seg := range []string{"Manager", "", "Executive"} {
		j := ts.join(s.Code, fmt.Sprintf("P%d", i+1), seg)
		tokens = append(tokens, j)
		p := ts.connect(fmt.Sprintf("p%d", i+1), "participant", s.ID, j.Token)
		if w := p.awaitType("welcome"); w.Role != "participant" {
			t.Fatalf("participant welcome role %q", w.Role)
		}
		p.awaitType("state")
		parts = append(parts, p)
	}
	screen.await("3 joined", func(f frame) bool { return f.Counts != nil && f.Counts.Joined == 3 && f.Counts.Connected == 3 })

	act := func(action string, extra map[string]any) {
		t.Helper()
		msg := map[string]any{"type": "action", "id": "a-" + action, "action": action}
		for k, v := range extra {
			msg[k] = v
		}
		host.send(msg)
		f := host.await("done "+action, func(f frame) bool { return (f.Type == "done" || f.Type == "error") && f.ID == "a-"+action })
		if f.Type == "error" {
			t.Fatalf("action %s refused: %s %s", action, f.Code, f.Message)
		}
	}
	awaitStep := func(c *client, step int, voting quorum.Voting) room.StateMsg {
		t.Helper()
		f := c.await(fmt.Sprintf("step %d %s", step, voting), func(f frame) bool {
			if f.Type != "state" {
				return false
			}
			st := f.state()
			return st.Step != nil && st.Step.Index == step && st.Step.Voting == voting
		})
		return f.state()
	}

	act("start", nil)
	act("next", nil)
	act("open", nil)
	for _, p := range parts {
		awaitStep(p, 1, quorum.VotingOpen)
	}
	st := awaitStep(screen, 1, quorum.VotingOpen)
	if st.Step.Left == "" || st.Step.Notes != "" {
		t.Errorf("screen step view: left %q, notes %q (notes are for the host only)", st.Step.Left, st.Step.Notes)
	}

	vote := func(p *client, id string, step, value int) frame {
		t.Helper()
		p.send(map[string]any{"type": "vote", "id": id, "step": step, "value": value})
		return p.await("reply to "+id, func(f frame) bool { return (f.Type == "ack" || f.Type == "error") && f.ID == id })
	}
	for i, v := range []int{2, 5, points} {
		if f := vote(parts[i], fmt.Sprintf("v%d", i), 1, v); f.Type != "ack" || f.Value != float64(v) {
			t.Fatalf("vote %d: %s %s %s", i, f.Type, f.Code, f.Message)
		}
	}
	// p1 changes its mind.
	if f := vote(parts[0], "v0-change", 1, 3); f.Type != "ack" {
		t.Fatalf("changed vote: %s %s", f.Code, f.Message)
	}

	wantCounts := make([]int, points)
	wantCounts[3-1]++
	wantCounts[5-1]++
	wantCounts[points-1]++
	host.await("host results with all votes", func(f frame) bool {
		return f.Type == "results" && f.Results != nil && f.Results.N == 3 && fmt.Sprint(f.Results.Counts) == fmt.Sprint(wantCounts)
	})
	screen.await("3 of 3 voted", func(f frame) bool { return f.Counts != nil && f.Counts.Voted == 3 })
	for _, c := range append([]*client{screen}, parts...) {
		for _, f := range c.seen {
			if f.Results != nil {
				t.Fatalf("%s saw results before the reveal: %s", c.name, f.raw)
			}
		}
	}

	act("reveal", nil)
	for _, c := range append([]*client{screen}, parts...) {
		f := c.await("revealed results", func(f frame) bool { return f.Results != nil })
		if f.Results.N != 3 || fmt.Sprint(f.Results.Counts) != fmt.Sprint(wantCounts) {
			t.Errorf("%s revealed results n=%d counts=%v, want 3 %v", c.name, f.Results.N, f.Results.Counts, wantCounts)
		}
		if want := float64(3+5+points) / 3; f.Results.Mean == nil || *f.Results.Mean != want {
			t.Errorf("%s mean = %v, want %v", c.name, f.Results.Mean, want)
		}
	}

	act("close", nil)
	awaitStep(parts[0], 1, quorum.VotingClosed)
	if f := vote(parts[0], "late", 1, 4); f.Type != "error" || f.Code != quorum.EVOTINGCLOSED {
		t.Errorf("vote on a closed step: got %s %s, want error %s", f.Type, f.Code, quorum.EVOTINGCLOSED)
	}

	// Step 2: a vote re-sent with the same id counts once.
	act("next", nil)
	act("open", nil)
	awaitStep(parts[1], 2, quorum.VotingOpen)
	for i := 0; i < 2; i++ {
		if f := vote(parts[1], "same-id", 2, 4); f.Type != "ack" {
			t.Fatalf("re-sent vote %d: %s %s", i, f.Code, f.Message)
		}
	}
	var state room.StateMsg
	ts.call("GET", "/api/sessions/"+s.ID, s.HostKey, nil, &state)
	if state.Results == nil || state.Results.N != 1 || state.Counts.Voted != 1 {
		t.Fatalf("after a re-sent vote: results %+v counts %+v, want one vote", state.Results, state.Counts)
	}

	// A participant reconnects with its token and keeps its vote.
	parts[1].ws.Close()
	again := ts.connect("p2-again", "participant", s.ID, tokens[1].Token)
	w := again.awaitType("welcome")
	if v, ok := w.Votes["1"]; !ok || v.Value != float64(5) {
		t.Errorf("after reconnect, own vote on step 1 = %+v, want 5", w.Votes)
	}
	if v, ok := w.Votes["2"]; !ok || v.ID != "same-id" {
		t.Errorf("after reconnect, own vote on step 2 = %+v", w.Votes)
	}

	// A second server on the same file has every session and vote.
	ts.stop()
	secrets := []string{s.HostKey, s.ScreenKey}
	for _, j := range tokens {
		secrets = append(secrets, j.Token)
	}
	for _, secret := range secrets {
		if strings.Contains(ts.logs.String(), secret) {
			t.Errorf("a key or token appears in the server log")
		}
	}
	ts2 := startServer(t, dbPath, httpapi.Config{})
	var restored room.StateMsg
	if status := ts2.call("GET", "/api/sessions/"+s.ID, s.HostKey, nil, &restored); status != http.StatusOK {
		t.Fatalf("restored state: %d", status)
	}
	if restored.Session.Status != quorum.StatusLive || restored.Session.CurrentStep != 2 || restored.Step.Voting != quorum.VotingOpen {
		t.Errorf("restored: status %s step %d voting %s", restored.Session.Status, restored.Session.CurrentStep, restored.Step.Voting)
	}
	if restored.Counts.Joined != 3 || restored.Steps[1].Votes != 3 || restored.Steps[2].Votes != 1 || !restored.Steps[1].Revealed {
		t.Errorf("restored counts %+v, step briefs %+v %+v", restored.Counts, restored.Steps[1], restored.Steps[2])
	}
	p1 := ts2.connect("p1-restart", "participant", s.ID, tokens[0].Token)
	if w := p1.awaitType("welcome"); w.Votes["1"].Value != float64(3) {
		t.Errorf("after restart, p1's vote on step 1 = %+v, want 3", w.Votes["1"])
	}
	if n, err := ts2.db.CountVotes(t.Context(), s.ID); err != nil || n != 4 {
		t.Errorf("votes in the store = %d (%v), want 4", n, err)
	}
}

// A phone whose connection drops right after it sent a vote, before the
// ack, reconnects, sees what the server has and re-sends: one vote counts.
func TestVoteResentAfterDropCountsOnce(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{})
	s := ts.openChoice("Drop")
	j := ts.join(s.Code, "", "")
	for round := 0; round < 20; round++ {
		p := ts.connect(fmt.Sprint("drop", round), "participant", s.ID, j.Token)
		p.awaitType("state")
		id := fmt.Sprint("v", round)
		p.send(map[string]any{"type": "vote", "id": id, "step": 0, "value": round % 2})
		p.ws.Close() // gone before the ack, or not: either way the client re-sends

		again := ts.connect(fmt.Sprint("again", round), "participant", s.ID, j.Token)
		again.awaitType("state")
		// Re-send whether or not the server had it (its welcome would tell):
		// either way it must count once.
		again.send(map[string]any{"type": "vote", "id": id, "step": 0, "value": round % 2})
		if f := again.await("ack", func(f frame) bool { return f.Type == "ack" || f.Type == "error" }); f.Type != "ack" || f.ID != id {
			t.Fatalf("round %d: %s %s %s", round, f.Type, f.Code, f.Message)
		}
		again.ws.Close()
		var st room.StateMsg
		ts.call("GET", "/api/sessions/"+s.ID, s.HostKey, nil, &st)
		if st.Results.N != 1 || st.Results.Counts[round%2] != 1 {
			t.Fatalf("round %d: results %+v, want exactly one vote for option %d", round, st.Results, round%2)
		}
	}
}
