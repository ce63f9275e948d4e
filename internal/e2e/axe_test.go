package e2e

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/testserver"
)

// axeSource is axe-core (testdata/axe, see its README), the accessibility
// checker, injected into pages under test; it is never served.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// axeViolation is one failed rule of an axe run, with the nodes it failed on.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	URL    string `json:"helpUrl"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// axeRun runs axe-core on the page and returns its violations.
const axeRun = `(async () => {
	const r = await axe.run(document, { resultTypes: ["violations"] });
	return JSON.stringify(r.violations);
})()`

// checkA11y runs axe-core on the page as it is now, in the light and the
// dark colour scheme, and fails the test with every serious or critical
// violation: rule, impact, targets and help. It logs the lesser ones.
func (tb *tab) checkA11y(state string) {
	tb.b.t.Helper()
	for _, scheme := range []string{"dark", "light"} {
		tb.colorScheme(scheme)
		tb.axe(state + " (" + scheme + ")")
	}
}

// colorScheme makes the page see the device's theme as scheme.
func (tb *tab) colorScheme(scheme string) {
	tb.b.t.Helper()
	tb.run(scheme+" scheme", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		return err
	}))
}

// settle waits until the page's transitions and animations have ended
// (those that run forever aside) and none has started for five frames: bars
// grown, colours faded in.
func (tb *tab) settle() {
	tb.b.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	quiet, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`new Promise((resolve) => {
		const start = performance.now();
		let quiet = 0;
		const tick = () => {
			const busy = document.getAnimations().some((a) => a.playState === "running" && a.effect.getTiming().iterations !== Infinity);
			quiet = busy ? 0 : quiet + 1;
			if (quiet >= 5 || performance.now() - start > 10000) resolve(quiet >= 5);
			else requestAnimationFrame(tick);
		};
		requestAnimationFrame(tick);
	})`, chromedp.EvalAwaitPromise))
	if err != nil || !quiet {
		tb.b.t.Fatalf("%s: the page's transitions did not end in 10 s (%v)", tb.name, err)
	}
}

// axe runs axe-core once on the page as it is, and reports what it finds.
func (tb *tab) axe(state string) {
	tb.b.t.Helper()
	tb.settle() // a colour halfway through a transition is not the one people read
	if !evaluate[bool](tb, `typeof window.axe === "object"`) {
		tb.run("inject axe", chromedp.Evaluate[chromedp.Void](axeSource))
	}
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.b.t.Fatalf("%s: axe on %s: %v", tb.name, state, err)
	}
	var found []axeViolation
	if err := json.Unmarshal([]byte(out), &found); err != nil {
		tb.b.t.Fatalf("%s: axe's answer on %s: %v", tb.name, state, err)
	}
	shot := false
	for _, v := range found {
		var nodes []string
		for _, n := range v.Nodes {
			targets := make([]string, len(n.Target))
			for i, t := range n.Target {
				targets[i] = fmt.Sprint(t)
			}
			nodes = append(nodes, fmt.Sprintf("    %s\n      %s", strings.Join(targets, " > "), strings.ReplaceAll(n.Summary, "\n", "\n      ")))
		}
		if v.Impact != "serious" && v.Impact != "critical" {
			tb.b.t.Logf("%s: %s: %s (%s, not failing): %s\n%s", state, tb.name, v.ID, v.Impact, v.Help, strings.Join(nodes, "\n"))
			continue
		}
		if !shot {
			tb.shot("axe-" + sanitize(state))
			shot = true
		}
		tb.b.t.Errorf("%s: %s: %s (%s): %s (%s)\n%s", state, tb.name, v.ID, v.Impact, v.Help, v.URL, strings.Join(nodes, "\n"))
	}
}

// TestAxe runs axe-core on every page in the states that matter, and fails
// on any serious or critical violation: landing, the host page, the join
// forms, the phone, the console and the screen through a session (lobby,
// voting open, revealed, the profile, ended), the report, "My sessions" and
// the editor (new, with steps, with problems to fix).
func TestAxe(t *testing.T) {
	b := newBrowser(t)
	srv := testserver.Start(t, testserver.TempDB(t), httpapi.Config{})
	const title = "Axe check"
	s := &roomSession{srv: srv}
	agenda := map[string]any{"title": title, "segments": []string{"Manager", "Team"}, "steps": []map[string]any{
		{"kind": "info", "title": "Welcome", "body": "Join with the code on the screen.", "notes": "Say hello."},
		{"kind": "choice", "title": "Which planet is the largest?", "options": []string{"Jupiter", "Mars"}, "correct": 0},
		{"kind": "scale", "title": "Where are we today?", "left": "Vision", "right": "Execution", "points": 5,
			"dimension": "vision-execution", "series": "today"},
		{"kind": "text", "title": "One word for this team"},
		{"kind": "profile", "title": "The room's profile"},
	}}
	apiJSON(t, srv, "POST", "/api/sessions", "", map[string]any{"agenda": agenda}, s, http.StatusCreated)

	page := b.newTab("page", 1280, 720, false)
	page.navigate(srv.URL + "/")
	page.waitText("Host a workshop")
	page.checkA11y("landing")
	page.navigate(srv.URL + "/host")
	page.waitText("Create session")
	page.checkA11y("host")

	console := b.newTab("console", 1280, 720, false)
	console.navigate(fmt.Sprintf("%s/host/%s#key=%s&screen=%s", srv.URL, s.ID, s.HostKey, s.ScreenKey))
	console.waitText("0 joined")
	console.checkA11y("console lobby")
	screen := s.openScreen(b, title, false)
	screen.checkA11y("screen lobby")

	phone := b.newTab("phone", 360, 780, true)
	phone.navigate(srv.URL + "/join")
	phone.waitText("Join code")
	phone.checkA11y("join code form")
	phone.navigate(srv.URL + "/j/" + s.Code)
	phone.waitText("Your name (optional)")
	phone.checkA11y("join form")
	phone.typeInto("Your name (optional)", "Ada")
	phone.clickButton("Join")
	phone.waitText("Look at the shared screen")
	phone.checkA11y("phone waiting")

	s.act(t, "start", nil)
	s.act(t, "next", nil)
	s.act(t, "open", nil)
	waitVotable(phone)
	phone.checkA11y("phone voting")
	console.waitText("Close voting")
	console.checkA11y("console open")
	screen.waitText("Which planet is the largest?")
	screen.checkA11y("screen open")
	phone.clickButton("Jupiter")
	phone.waitText(receivedText)
	phone.checkA11y("phone voted")
	s.act(t, "reveal", nil)
	phone.waitText("Jupiter — ")
	phone.checkA11y("phone revealed")
	console.waitText("Revealed: on the screen and phones")
	console.checkA11y("console revealed")
	console.key("e")
	console.waitText("Printable report")
	console.checkA11y("console export menu")
	console.key(kb.Escape)
	console.key("?")
	console.waitText("Keyboard shortcuts")
	console.checkA11y("console help")
	console.key(kb.Escape)
	console.clickButton("Room settings")
	console.waitText("Smallest group shown on its own")
	console.checkA11y("console room settings")
	console.clickButton("Cancel")
	screen.waitText("Jupiter — 1 (100%)")
	screen.checkA11y("screen revealed")

	s.nextVote(t, phone, "2")
	s.act(t, "reveal", nil)
	screen.waitText("mean 2.0")
	screen.checkA11y("screen revealed scale")
	s.act(t, "goto", map[string]any{"step": 4})
	s.act(t, "reveal", nil)
	screen.waitText("The room's profile")
	screen.waitJS("the profile drawn", `!!document.querySelector(".qp-row")`)
	screen.checkA11y("screen profile")
	screen.clickButton("Light theme") // the screen starts dark, whatever the device says
	screen.waitJS("the light theme", `document.documentElement.classList.contains("theme-light")`)
	screen.checkA11y("screen profile, light theme")

	s.act(t, "end", nil)
	console.waitText("This session has ended")
	console.checkA11y("console ended")
	phone.waitText("ended")
	phone.checkA11y("phone ended")

	console.navigate(srv.URL + "/host/" + s.ID + "/report")
	console.waitText("Which planet is the largest?")
	console.checkA11y("report")
	console.navigate(srv.URL + "/host/sessions")
	console.waitText(title)
	console.checkA11y("my sessions")

	ed := b.newTab("editor", 1280, 720, false)
	ed.navigate(srv.URL + "/host/agendas")
	ed.clickButton("New agenda")
	ed.waitText("No steps yet: add the first one.")
	ed.checkA11y("editor new")
	ed.typeInto("Agenda title", "Lunch plan")
	ed.clickButton("Add a choice step")
	ed.typeInto("Step title", "Lunch?")
	ed.typeInto("Option A", "Salad")
	ed.clickButton("Add a scale step")
	ed.typeInto("Step title", "Pace")
	ed.waitIn(".ed-screen", "Pace")
	ed.typeInto("Left pole", strings.Repeat("v", 70)) // near its limit: a counter
	ed.waitIn("#step-left-count", "70 / 80 characters")
	ed.checkA11y("editor with steps")
	ed.typeInto("Dimension", "Not Valid")
	ed.run("leave the title empty", chromedp.Evaluate[chromedp.Void](`(() => { const t = document.getElementById("agenda-title"); t.focus(); t.select(); })()`), chromedp.KeyEvent(kb.Delete))
	ed.waitJS("the title empty", `document.getElementById("agenda-title").value === ""`)
	ed.run("leave the title", chromedp.KeyEvent(kb.Tab))
	ed.clickButton("Save")
	ed.waitIn("#agenda-title-problem", "Give the agenda a title.")
	ed.checkA11y("editor with problems")
	b.forgiveRefusals(http.StatusUnprocessableEntity)
	b.assertNoConsoleErrors()
}
