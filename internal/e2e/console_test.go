package e2e

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/fasthttp/websocket"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/testserver"
)

// joinVoters joins n participants to the session with the given code over
// the WebSocket, as phones do, each under its name when names has one.
func joinVoters(t *testing.T, srv *testserver.Server, id, code string, names []string) []*websocket.Conn {
	t.Helper()
	var conns []*websocket.Conn
	for _, name := range names {
		var j struct{ Token string }
		apiJSON(t, srv, "POST", "/api/join", "", map[string]any{"code": code, "name": name}, &j, http.StatusCreated)
		ws, _, err := websocket.DefaultDialer.Dial(srv.WSURL, nil)
		if err != nil {
			t.Fatalf("%s: dial: %v", name, err)
		}
		t.Cleanup(func() { ws.Close() })
		if err := ws.WriteJSON(map[string]any{"type": "hello", "role": "participant", "session": id, "token": j.Token}); err != nil {
			t.Fatalf("%s: hello: %v", name, err)
		}
		awaitFrame(t, ws, name+" welcome", func(f map[string]any) bool { return f["type"] == "welcome" })
		conns = append(conns, ws)
	}
	return conns
}

// castVote votes value on step (from 0) and waits for its acknowledgement.
func castVote(t *testing.T, ws *websocket.Conn, who string, step int, value any) {
	t.Helper()
	id := fmt.Sprintf("vote-%s-%d", who, step)
	if err := ws.WriteJSON(map[string]any{"type": "vote", "id": id, "step": step, "value": value}); err != nil {
		t.Fatalf("%s: vote: %v", who, err)
	}
	if ack := awaitFrame(t, ws, who+" ack of "+id, func(f map[string]any) bool { return f["id"] == id }); ack["type"] != "ack" {
		t.Fatalf("%s: vote on step %d refused: %v", who, step, ack)
	}
}

// inView is true when the element's box lies inside the viewport and inside
// the column that scrolls it: seen without scrolling.
func inView(sel string) string {
	return fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el) return false;
		const r = el.getBoundingClientRect(), s = el.closest(".stage").getBoundingClientRect();
		return r.height > 0 && r.top >= s.top && r.bottom <= Math.min(s.bottom, innerHeight) && r.right <= innerWidth; })()`, sel)
}

// TestConsoleOnA720pLaptop runs the built-in agenda on a 1280×720 laptop, the
// warning about the host link still showing: the session's whole title is
// there, the chart of a scale question is seen without scrolling before and
// after the reveal; once the session ends, the console says so where it
// counted connections, and offers the exports.
func TestConsoleOnA720pLaptop(t *testing.T) {
	b := newBrowser(t)
	srv := testserver.Start(t, testserver.TempDB(t), httpapi.Config{})
	agenda, err := quorum.BuiltinAgenda("leadership-vs-management")
	if err != nil {
		t.Fatal(err)
	}
	var s roomSession
	apiJSON(t, srv, "POST", "/api/sessions", "", map[string]any{"agenda": agenda.ID}, &s, http.StatusCreated)
	voters := joinVoters(t, srv, s.ID, s.Code, []string{"Ada", "Ben", "Cy", "Di"})
	s.srv = srv

	console := b.newTab("console", 1280, 720, false)
	console.navigate(fmt.Sprintf("%s/host/%s#key=%s&screen=%s", srv.URL, s.ID, s.HostKey, s.ScreenKey))
	console.waitText("4 joined")
	console.waitText("This link gives control of the session.")
	if got := evaluate[string](console, `document.querySelector("h1").innerText`); got != agenda.Title {
		t.Errorf("the console's heading says %q, want %q", got, agenda.Title)
	}
	if cut := evaluate[bool](console, `(() => { const h = document.querySelector("h1"); return h.scrollWidth > h.clientWidth || h.scrollHeight > h.clientHeight + 1; })()`); cut {
		t.Errorf("the session's title is cut: %s", evaluate[string](console, `(() => { const h = document.querySelector("h1"); return h.scrollWidth + "×" + h.scrollHeight + " in " + h.clientWidth + "×" + h.clientHeight; })()`))
	}

	// Vision ↔ Execution today: a 7-point scale with a dimension, and notes.
	const step = 2
	s.act(t, "start", nil)
	s.act(t, "goto", map[string]any{"step": step})
	s.act(t, "open", nil)
	for i, ws := range voters {
		castVote(t, ws, fmt.Sprint(i), step, []int{2, 3, 3, 6}[i])
	}
	console.waitText("4 joined · 4 voted")
	console.waitText("mean 3.5")
	console.waitJS("the live chart in view", inView(".results-chart > :first-child"))
	console.settle()
	console.shot("console-720-live")
	s.act(t, "reveal", nil)
	console.waitText("Revealed: on the screen and phones")
	console.waitJS("the revealed chart in view", inView(".results-chart > :first-child"))
	console.settle()
	console.shot("console-720-revealed")

	// The other kinds: the choice with the most options, the open question
	// and the profile, each with the chart in view.
	for _, step := range []int{13, 17, 12} {
		s.act(t, "goto", map[string]any{"step": step})
		console.waitText(fmt.Sprintf("Step %d of %d", step+1, len(agenda.Steps)))
		if agenda.Steps[step].Kind != quorum.KindProfile {
			s.act(t, "open", nil)
			for i, ws := range voters {
				castVote(t, ws, fmt.Sprint(i), step, map[quorum.StepKind]any{quorum.KindChoice: i % 3, quorum.KindText: []string{"listen", "ask", "listen", "decide"}[i]}[agenda.Steps[step].Kind])
			}
			console.waitText("4 joined · 4 voted")
		}
		console.waitJS(fmt.Sprintf("step %d's chart in view", step+1), inView(".results-chart > :first-child"))
		console.settle()
		console.shot(fmt.Sprintf("console-720-step-%d", step+1))
	}

	s.act(t, "end", nil)
	console.waitText("This session has ended")
	console.waitJS("the join panel says ended", `document.querySelector(".join").innerText.includes("Ended")`)
	if console.hasText("connected now") {
		t.Error("an ended session still counts the phones connected now")
	}
	console.waitJS("the exports offered", `!!document.querySelector(".join a[href$='/report?anonymous=1']") && [...document.querySelectorAll(".join button")].some((b) => b.innerText.includes("Results (CSV)"))`)
	console.shot("console-720-ended")
	b.assertNoConsoleErrors()
}
