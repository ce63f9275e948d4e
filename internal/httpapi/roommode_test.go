package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/room"
)

const roomModeAgenda = `{
  "title": "Room mode",
  "segments": ["Manager", "Individual contributor"],
  "steps": [
    {"kind": "scale", "title": "Vision or execution today?", "left": "Vision", "right": "Execution", "points": 5,
     "dimension": "vision-execution", "series": "today", "autoReveal": "all-voted"},
    {"kind": "profile", "title": "Profile"}
  ]
}`

// The room-mode features over real WebSockets and a real SQLite file:
// auto-reveal when everyone connected has voted, a second round kept apart
// with who moved, a stale round-1 vote refused, proxy votes, reactions, the
// group split with small groups pooled, and all of it after a restart.
func TestRoomMode(t *testing.T) {
	dbPath := tempDB(t)
	ts := startServer(t, dbPath, httpapi.Config{})
	var agenda map[string]any
	if err := json.Unmarshal([]byte(roomModeAgenda), &agenda); err != nil {
		t.Fatal(err)
	}
	s := ts.create(agenda)
	host := ts.connect("host", "host", s.ID, s.HostKey)
	host.awaitType("state")
	screen := ts.connect("screen", "screen", s.ID, s.ScreenKey)
	screen.awaitType("state")
	var phones []*client
	for i, seg := range []string{"Manager", "Manager", "Individual contributor"} {
		j := ts.join(s.Code, "", seg)
		p := ts.connect(fmt.Sprintf("p%d", i), "participant", s.ID, j.Token)
		p.awaitType("state")
		phones = append(phones, p)
	}
	seq := 0
	request := func(c *client, msg map[string]any) frame {
		t.Helper()
		seq++
		id := fmt.Sprintf("m%d", seq)
		msg["id"] = id
		c.send(msg)
		return c.await("reply to "+id, func(f frame) bool {
			return (f.Type == "done" || f.Type == "ack" || f.Type == "error") && f.ID == id
		})
	}
	act := func(action string, extra map[string]any) frame {
		t.Helper()
		msg := map[string]any{"type": "action", "action": action}
		for k, v := range extra {
			msg[k] = v
		}
		return request(host, msg)
	}
	mustAct := func(action string, extra map[string]any) {
		t.Helper()
		if f := act(action, extra); f.Type != "done" {
			t.Fatalf("%s: %s %s", action, f.Code, f.Message)
		}
	}
	vote := func(p *client, value int, round any) frame {
		t.Helper()
		msg := map[string]any{"type": "vote", "step": 0, "value": value}
		if round != nil {
			msg["round"] = round
		}
		return request(p, msg)
	}

	mustAct("start", nil)
	mustAct("open", nil)
	screen.await("3 still to vote", func(f frame) bool { return f.Counts != nil && f.Counts.NotVoted == 3 && f.Counts.Connected == 3 })
	for i, v := range []int{1, 2, 4} {
		if f := vote(phones[i], v, nil); f.Type != "ack" {
			t.Fatalf("round 1 vote %d: %s %s", i, f.Code, f.Message)
		}
	}
	// The third vote completed the room: the step closed and revealed itself.
	st := screen.await("auto-reveal", func(f frame) bool {
		return f.Type == "state" && f.state().Step != nil && f.state().Step.Revealed
	}).state()
	if st.Step.Voting != quorum.VotingClosed || st.Results == nil || st.Results.N != 3 {
		t.Fatalf("after everyone voted: step %+v results %+v", st.Step, st.Results)
	}

	// Round 2: the round-1 votes stay apart; a stale round-1 vote is refused.
	if f := act("round", nil); f.Type != "done" {
		t.Fatalf("new round: %s %s", f.Code, f.Message)
	}
	mustAct("open", nil)
	if f := vote(phones[0], 5, 1); f.Type != "error" || f.Code != quorum.EVOTINGCLOSED {
		t.Errorf("a vote for round 1 in round 2: %+v", f)
	}
	for i, v := range []int{3, 2} {
		if f := vote(phones[i], v, 2); f.Type != "ack" {
			t.Fatalf("round 2 vote %d: %s %s", i, f.Code, f.Message)
		}
	}
	// A proxy vote for someone without a phone; then once more as the same proxy.
	proxy := request(host, map[string]any{"type": "proxy", "step": 0, "value": 5, "round": 2})
	if proxy.Type != "done" || proxy.Proxy == "" {
		t.Fatalf("proxy vote: %+v", proxy)
	}
	if st := host.awaitType("state").state(); len(st.Proxies) != 1 || st.Proxies[0].ID != proxy.Proxy || st.Proxies[0].Name != "Proxy 1" {
		t.Errorf("host state after a new proxy: %+v", st.Proxies)
	}
	if f := request(host, map[string]any{"type": "proxy", "step": 0, "value": 4, "proxy": proxy.Proxy}); f.Type != "done" || f.Proxy != proxy.Proxy {
		t.Fatalf("second proxy vote: %+v", f)
	}
	if f := request(phones[0], map[string]any{"type": "proxy", "step": 0, "value": 4}); f.Type != "error" || f.Code != quorum.EFORBIDDEN {
		t.Errorf("a phone sending a proxy vote: %+v", f)
	}
	// Two of three connected phones voted: not everyone, no auto-reveal.
	var now room.StateMsg
	ts.call("GET", "/api/sessions/"+s.ID, s.HostKey, nil, &now)
	if now.Step.Revealed || now.Step.Voting != quorum.VotingOpen || now.Counts.NotVoted != 1 {
		t.Errorf("round 2 with a phone still to vote: step %+v counts %+v", now.Step, now.Counts)
	}
	mustAct("close", nil)
	mustAct("reveal", nil)
	st = screen.await("round 2 revealed", func(f frame) bool {
		return f.Type == "state" && f.state().Step.Revealed && f.state().Results != nil && f.state().Step.Round == 2
	}).state()
	if st.Results.N != 3 || st.Results.Round != 2 {
		t.Errorf("round 2 results: %+v", st.Results)
	}
	if len(st.Results.Shifts) != 1 {
		t.Fatalf("shifts = %+v", st.Results.Shifts)
	}
	// p0 1 → 3 (toward Execution), p1 2 → 2 (stayed); p2 and the proxy answered one round only.
	want := quorum.Shift{Dimension: "vision-execution", Step: 0, From: "Round 1", To: "Round 2", Left: "Vision", Right: "Execution", Paired: 2, TowardRight: 1, Stayed: 1}
	if st.Results.Shifts[0] != want {
		t.Errorf("shift = %+v, want %+v", st.Results.Shifts[0], want)
	}

	// Reactions reach the screen, at most one per phone every 2 s.
	if f := request(phones[2], map[string]any{"type": "react", "emoji": "👍"}); f.Type == "error" {
		t.Fatalf("reaction: %s %s", f.Code, f.Message)
	}
	screen.await("reactions", func(f frame) bool { return f.Type == "reactions" && strings.Contains(f.raw, `"👍":1`) })
	if f := request(phones[2], map[string]any{"type": "react", "emoji": "👍"}); f.Type != "error" || f.Code != quorum.ETOOMANY {
		t.Errorf("a second reaction at once: %+v", f)
	}
	if f := request(phones[1], map[string]any{"type": "react", "emoji": "🍕"}); f.Type != "error" || f.Code != quorum.EINVALIDACTION {
		t.Errorf("an unknown reaction: %+v", f)
	}
	off := quorum.DefaultSettings()
	off.Reactions = false
	off.SplitByGroup = true
	mustAct("settings", map[string]any{"settings": off})
	if f := request(phones[0], map[string]any{"type": "react", "emoji": "👏"}); f.Type != "error" || f.Code != quorum.EINVALIDACTION {
		t.Errorf("a reaction while they are off: %+v", f)
	}

	// Split by group: round 2 has 2 managers, 1 proxy without a group and no
	// individual contributor; 2 managers are under k = 3 and pool with the proxy.
	st = screen.await("groups", func(f frame) bool {
		return f.Type == "state" && f.state().Results != nil && len(f.state().Results.Groups) > 0
	}).state()
	for _, g := range st.Results.Groups {
		if !g.Hidden && g.N < off.MinGroupSize {
			t.Errorf("group %q shows %d answers, fewer than %d", g.Group, g.N, off.MinGroupSize)
		}
	}
	if g := st.Results.Groups; len(g) != 1 || g[0].Group != quorum.OtherGroups || g[0].N != 3 {
		t.Errorf("groups = %+v, want only the pool of 3", g)
	}

	// A restart on the same file keeps the rounds, the proxy and the settings.
	ts.Stop()
	ts = startServer(t, dbPath, httpapi.Config{})
	var state room.StateMsg
	if status := ts.call("GET", "/api/sessions/"+s.ID, s.HostKey, nil, &state); status != 200 {
		t.Fatalf("state after restart: %d", status)
	}
	if state.Step.Round != 2 || state.Results.N != 3 || len(state.Results.Shifts) != 1 || state.Results.Shifts[0] != want ||
		len(state.Proxies) != 1 || state.Session.Settings != off {
		t.Errorf("after a restart: step %+v results %+v proxies %+v settings %+v", state.Step, state.Results, state.Proxies, state.Session.Settings)
	}
}
