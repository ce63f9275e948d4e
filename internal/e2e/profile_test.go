package e2e

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/fasthttp/websocket"
)

// profileVotes are six participants' points (1 to 5) on the four scale
// steps: vision today is split down the middle, its target leans right
// (gap +0.75, the largest); people today sits at the midpoint and its target
// leans a little left (gap -0.25).
var profileVotes = [][4]int{
	{1, 4, 3, 2}, {1, 4, 3, 2}, {1, 4, 3, 2},
	{5, 5, 3, 3}, {5, 5, 3, 3}, {5, 5, 3, 3},
}

// TestProfileBuildsUpAndFlags: the console shows the profile so far on a
// scale step with a dimension; the screen's revealed profile flags the split
// room and the largest gap, with the gap drawn as an arrow, and says who
// moved from today to target.
func TestProfileBuildsUpAndFlags(t *testing.T) {
	const title = "Profile check"
	scale := func(title, dimension, series, left, right string) map[string]any {
		return map[string]any{"kind": "scale", "title": title, "left": left, "right": right, "points": 5, "dimension": dimension, "series": series}
	}
	b, s := startRoom(t, title, []map[string]any{
		scale("Vision today", "vision-execution", "today", "Vision", "Execution"),
		scale("Vision target", "vision-execution", "target", "Vision", "Execution"),
		scale("People today", "people-processes", "today", "People", "Processes"),
		scale("People target", "people-processes", "target", "People", "Processes"),
		{"kind": "profile", "title": "The room's profile"},
	})
	var conns []*websocket.Conn
	for i := range profileVotes {
		var j struct{ Token string }
		apiJSON(t, s.srv, "POST", "/api/join", "", map[string]any{"code": s.Code}, &j, http.StatusCreated)
		ws, _, err := websocket.DefaultDialer.Dial(s.srv.WSURL, nil)
		if err != nil {
			t.Fatalf("phone %d: dial: %v", i, err)
		}
		t.Cleanup(func() { ws.Close() })
		if err := ws.WriteJSON(map[string]any{"type": "hello", "role": "participant", "session": s.ID, "token": j.Token}); err != nil {
			t.Fatal(err)
		}
		awaitFrame(t, ws, "welcome", func(f map[string]any) bool { return f["type"] == "welcome" })
		conns = append(conns, ws)
	}
	console := b.newTab("console", 1280, 900, false)
	console.navigate(fmt.Sprintf("%s/host/%s#key=%s&screen=%s", s.srv.URL, s.ID, s.HostKey, s.ScreenKey))
	console.waitText(fmt.Sprintf("%d joined", len(profileVotes)))
	screen := s.openScreen(b, title, false)

	s.act(t, "start", nil)
	for step := 0; step < 4; step++ {
		if step > 0 {
			s.act(t, "next", nil)
		}
		s.act(t, "open", nil)
		for i, ws := range conns {
			id := fmt.Sprintf("v%d-%d", step, i)
			if err := ws.WriteJSON(map[string]any{"type": "vote", "id": id, "step": step, "value": profileVotes[i][step]}); err != nil {
				t.Fatal(err)
			}
			if ack := awaitFrame(t, ws, "ack "+id, func(f map[string]any) bool { return f["id"] == id }); ack["type"] != "ack" {
				t.Fatalf("vote %s refused: %v", id, ack)
			}
		}
		if step == 0 {
			// The facilitator sees the profile build up before any reveal.
			console.waitText("The profile so far")
			console.waitText("split room — discuss")
			if screen.hasText("split room") {
				t.Error("the screen shows the profile before the reveal")
			}
			console.waitText("0 of 6 connected still to vote")
			console.shot("console-profile-so-far")
		}
	}
	s.act(t, "next", nil)
	s.act(t, "reveal", nil)
	screen.waitText("The room's profile")
	screen.waitText("split room — discuss")
	screen.waitText("largest gap")
	screen.waitText("today → target: +1.5 points toward Execution")
	screen.waitJS("the gap arrow", `!!document.querySelector(".qp-row.is-largest-gap .qp-gap")`)
	screen.waitJS("the bars grown", `[...document.querySelectorAll(".qp-bar")].some((r) => r.getBoundingClientRect().width > 20)`)
	screen.shot("screen-profile")
	// The facilitator sees which view the screen shows, and that Next goes
	// there first.
	console.waitText("On the screen: Profile 1/2")
	// Who moved is the stage's second view: the clicker's next shows it.
	s.act(t, "forward", nil)
	// Vision: the split half moved right, the others stayed at the pole.
	screen.waitText("0 moved toward Vision, 3 stayed, 3 moved toward Execution")
	console.waitText("On the screen: Who moved 2/2")
	b.assertNoConsoleErrors()
}
