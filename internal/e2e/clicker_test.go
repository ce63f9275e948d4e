package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/testserver"
)

// hostView is what the clicker test reads back from the server: where the
// session is, and the two things a stray key used to change.
type hostView struct {
	Session struct {
		CurrentStep int
		StepCount   int
		Settings    struct{ SplitByGroup bool }
	}
	Step struct {
		Index      int
		Voting     string
		AutoReveal string
	}
}

// consoleClicker drives the console with the mouse, as a facilitator does,
// and then with the keys a presentation clicker sends.
type consoleClicker struct {
	t       *testing.T
	s       *roomSession
	console *tab
	split   bool              // the split toggle, as the mouse last left it
	reveal  map[int]string    // each step's reveal mode, as the mouse last left it
	clicks  map[string]string // label -> selector, for controls clickButton cannot name
}

func (c *consoleClicker) view() hostView {
	c.t.Helper()
	var v hostView
	apiJSON(c.t, c.s.srv, "GET", "/api/sessions/"+c.s.ID, c.s.HostKey, nil, &v, http.StatusOK)
	return v
}

// waitServer polls the server until ok holds for its host view.
func (c *consoleClicker) waitServer(what string, ok func(hostView) bool) hostView {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		v := c.view()
		if ok(v) {
			return v
		}
		if time.Now().After(deadline) {
			c.console.shot("clicker-" + sanitize(what))
			page := evaluate[string](c.console, `(document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : "no focus") + " | " + [...document.querySelectorAll(".toast")].map((e) => e.innerText).join(" | ")`)
			c.t.Fatalf("%s: server state %+v; focus and toasts: %s", what, v, page)
		}
		time.Sleep(40 * time.Millisecond)
	}
}

// unchanged fails when a key changed the split or the reveal mode.
func (c *consoleClicker) unchanged(after string, v hostView) {
	c.t.Helper()
	if v.Session.Settings.SplitByGroup != c.split {
		c.t.Errorf("after %s: split by group is %v, the mouse left it %v", after, v.Session.Settings.SplitByGroup, c.split)
	}
	if want, ok := c.reveal[v.Step.Index]; ok && v.Step.AutoReveal != want {
		c.t.Errorf("after %s: step %d reveals %q, the mouse left it %q", after, v.Step.Index+1, v.Step.AutoReveal, want)
	}
}

// clicker sends what a presentation clicker sends after control was touched:
// → then ←, Page Down then Page Up; each must move the step on the server.
func (c *consoleClicker) clicker(control string) {
	c.t.Helper()
	base := c.view()
	from := base.Session.CurrentStep
	dir := 1
	if from == base.Session.StepCount-1 {
		dir = -1 // the last step: back first
	}
	keys := []struct {
		name, key string
		delta     int
	}{{"→", kb.ArrowRight, dir}, {"←", kb.ArrowLeft, -dir}, {"Page Down", kb.PageDown, dir}, {"Page Up", kb.PageUp, -dir}}
	if dir < 0 {
		keys[0], keys[1], keys[2], keys[3] = keys[1], keys[0], keys[3], keys[2]
	}
	at := from
	for _, k := range keys {
		at += k.delta
		want := at
		c.settle()
		c.console.key(k.key)
		v := c.waitServer(fmt.Sprintf("%s after %s moves to step %d", k.name, control, want+1), func(v hostView) bool { return v.Session.CurrentStep == want })
		c.unchanged(k.name+" after "+control, v)
		// The console follows before the next key, as a presenter's eyes do.
		c.console.waitText(fmt.Sprintf("Step %d of %d", want+1, v.Session.StepCount))
	}
}

// settle waits until the console has rendered what it received and run its
// effects (two frames; Preact falls back to a 100 ms timer in a page the
// browser does not paint), as a person's next move comes after they see the page.
func (c *consoleClicker) settle() {
	c.t.Helper()
	c.console.run("settle", chromedp.Evaluate[chromedp.Void](`new Promise((done) => {
		requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 20)));
		setTimeout(done, 150);
	})`, chromedp.EvalAwaitPromise))
}

// click clicks a control with the mouse: by its visible text or label, or by
// a CSS selector for those without one.
func (c *consoleClicker) click(label string) {
	c.t.Helper()
	c.settle()
	if sel, ok := c.clicks[label]; ok {
		c.console.run("click "+label, chromedp.WaitEnabled(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
		return
	}
	c.console.clickButton(label)
}

// pick chooses an option of a select as a mouse does: a press on the select,
// then the option from its list (which the browser draws outside the page).
func (c *consoleClicker) pick(sel, value string) {
	c.t.Helper()
	c.settle()
	c.console.run("pick "+value, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		el.dispatchEvent(new PointerEvent("pointerdown", { bubbles: true }));
		el.focus();
		el.value = %q;
		el.dispatchEvent(new Event("input", { bubbles: true }));
		el.dispatchEvent(new Event("change", { bubbles: true }));
	})()`, sel, value)))
}

// noMove presses → where the console must not take it (a text field, an
// open dialog), and checks that the step stayed.
func (c *consoleClicker) noMove(where string) {
	c.t.Helper()
	before := c.view().Session.CurrentStep
	c.console.key(kb.ArrowRight)
	// A key the console took reaches the server within a few round trips.
	time.Sleep(300 * time.Millisecond)
	if now := c.view().Session.CurrentStep; now != before {
		c.t.Errorf("→ %s moved the step from %d to %d", where, before+1, now+1)
	}
}

// TestClickerAfterEveryConsoleControl: after the facilitator touches any
// control of the console with the mouse, the keys a presentation clicker
// sends (→, ←, Page Down, Page Up) still move the step, and never change the
// reveal mode or the split by group. Inside a text field or an open dialog
// they do not act. The keyboard still reaches and works the controls.
func TestClickerAfterEveryConsoleControl(t *testing.T) {
	const title = "Clicker check"
	b := newBrowser(t)
	s := &roomSession{srv: testserver.Start(t, testserver.TempDB(t), httpapi.Config{})}
	agenda := map[string]any{"title": title, "segments": []string{"Design", "Build"}, "steps": []map[string]any{
		{"kind": "info", "title": "Welcome"},
		{"kind": "scale", "title": "How ready are we?", "left": "Not ready", "right": "Ready", "points": 5},
		{"kind": "choice", "title": "Tea or coffee?", "options": []string{"Tea", "Coffee"}},
		{"kind": "info", "title": "Thanks"},
	}}
	// Names visible: the export menu then has its "leave out names" box.
	apiJSON(t, s.srv, "POST", "/api/sessions", "", map[string]any{"agenda": agenda, "names": "visible"}, s, http.StatusCreated)

	console := b.newTab("console", 1280, 720, false)
	console.navigate(fmt.Sprintf("%s/host/%s#key=%s&screen=%s", s.srv.URL, s.ID, s.HostKey, s.ScreenKey))
	console.waitText("0 joined")
	c := &consoleClicker{t: t, s: s, console: console, reveal: map[int]string{1: "", 2: ""},
		clicks: map[string]string{
			"agenda: step 2":  ".agenda li:nth-child(2) button",
			"split by group":  ".split-toggle input",
			"split label":     ".split-toggle span",
			"proxy summary":   ".proxy-vote summary",
			"leave out names": ".export-anon input",
		}}
	onStep := func(i int) {
		c.waitServer(fmt.Sprintf("step %d", i+1), func(v hostView) bool { return v.Session.CurrentStep == i })
	}
	voting := func(want string) {
		c.waitServer("voting "+want, func(v hostView) bool { return v.Step.Voting == want })
		console.waitText(map[string]string{"open": "Close voting", "closed": "Open voting"}[want])
	}

	c.click("Start")
	onStep(0)
	c.clicker("Start")
	c.click("Dismiss")
	c.clicker("Dismiss (the key warning)")
	c.click("Next")
	onStep(1)
	c.clicker("Next")
	c.click("Previous")
	onStep(0)
	c.clicker("Previous")
	c.click("agenda: step 2")
	onStep(1)
	c.clicker("an agenda step")

	// Voting, the proxy form, and each of its fields. A step left behind
	// closes its voting: open it again before each.
	c.click("Open voting")
	voting("open")
	c.clicker("Open voting")
	c.click("Open voting")
	voting("open")
	c.click("Close voting")
	voting("closed")
	c.clicker("Close voting")
	c.click("Open voting")
	voting("open")
	c.click("proxy summary")
	c.clicker("the proxy form's summary")
	c.click("Open voting")
	voting("open")
	c.click("proxy summary")
	c.pick(".proxy-vote select", "")
	c.pick(".proxy-vote label:nth-child(2) select", "4")
	c.clicker("the proxy form's selects")
	c.click("Open voting")
	voting("open")
	c.click("proxy summary")
	c.pick(".proxy-vote label:nth-child(2) select", "4")
	c.click("Count this vote")
	console.waitText("Proxy vote counted")
	c.clicker("Count this vote")

	c.click("Reveal results")
	console.waitText("Hide results")
	c.clicker("Reveal results")
	c.click("Hide results")
	console.waitText("Reveal results")
	c.clicker("Hide results")

	// The split toggle: after a click, the clicker's keys move the step and
	// Space opens and closes voting, not the split.
	for _, on := range []bool{true, false} {
		target := "split by group"
		if !on {
			target = "split label" // a click on its words ticks it too
		}
		c.click(target)
		c.split = on
		c.waitServer(fmt.Sprintf("split %v", on), func(v hostView) bool { return v.Session.Settings.SplitByGroup == on })
		c.clicker(fmt.Sprintf("the split toggle (%v)", on))
		if on {
			console.shot("clicker-console-split")
		}
		for _, want := range []string{"open", "closed"} {
			console.key(" ")
			c.unchanged("Space after the split toggle", c.waitServer("Space: voting "+want, func(v hostView) bool { return v.Step.Voting == want }))
			console.waitText(map[string]string{"open": "Close voting", "closed": "Open voting"}[want])
		}
	}

	// The reveal select: chosen with the mouse, it hands the focus back.
	c.pick(".auto-reveal select", "timer")
	c.reveal[1] = "timer"
	c.waitServer("reveal when the timer ends", func(v hostView) bool { return v.Step.AutoReveal == "timer" })
	if got := evaluate[string](console, `document.activeElement.tagName + "." + document.activeElement.className`); got != "MAIN.stage" {
		t.Errorf("after a pick in the reveal select, the focus is on %s, want the stage", got)
	}
	c.clicker("the reveal select")
	// Focused from the keyboard, the select keeps the focus, and still
	// leaves → and ← to the clicker; ↓ changes it, as a keyboard user expects.
	console.run("focus the reveal select", chromedp.Focus(chromedp.CSS(".auto-reveal select")))
	c.clicker("the reveal select, focused")
	if got := evaluate[string](console, `document.activeElement.tagName`); got != "SELECT" {
		t.Errorf("the keyboard-focused reveal select lost the focus to %s", got)
	}
	console.key(kb.ArrowUp)
	c.reveal[1] = "all-voted"
	c.waitServer("↑ on the reveal select", func(v hostView) bool { return v.Step.AutoReveal == "all-voted" })
	c.pick(".auto-reveal select", "")
	c.reveal[1] = ""
	c.waitServer("reveal by hand", func(v hostView) bool { return v.Step.AutoReveal == "" })
	c.clicker("the reveal select, back to by hand")

	// The split toggle from the keyboard: Tab reaches it, Space ticks it.
	console.run("focus the split toggle", chromedp.Focus(chromedp.CSS(".split-toggle input")))
	console.key(" ")
	c.split = true
	c.waitServer("Space on the focused split toggle", func(v hostView) bool { return v.Session.Settings.SplitByGroup })
	console.key(" ")
	c.split = false
	c.waitServer("Space again on the focused split toggle", func(v hostView) bool { return !v.Session.Settings.SplitByGroup })

	// The timer menu: opened, a field typed in, closed.
	c.click("Timer")
	console.waitJS("the timer menu", `!!document.querySelector(".timer-menu")`)
	c.clicker("Timer (the menu open)")
	c.click("Timer")
	console.typeInto("Custom seconds", "4")
	c.noMove("in the timer's seconds field")
	console.key(kb.Escape)
	console.waitJS("the timer menu closed", `!document.querySelector(".timer-menu")`)
	c.clicker("the timer menu closed with Esc")
	c.click("Timer")
	c.click("Timer")
	console.waitJS("the timer menu closed", `!document.querySelector(".timer-menu")`)
	c.clicker("Timer (opened and closed)")
	c.click("Timer")
	c.click("30 s")
	voting("open")
	c.clicker("a timer preset")

	// The commands that ask first: the dialog holds the keys, Cancel hands them back.
	c.click("Reveal results") // a round needs votes, voting closed
	for _, control := range []string{"New round", "Reset this step", "End session", "Room settings"} {
		c.click(control)
		console.waitJS(control+" dialog", `!!document.querySelector("dialog[open]")`)
		c.noMove("in the " + control + " dialog")
		c.click("Cancel")
		console.waitJS("no dialog", `!document.querySelector("dialog[open]")`)
		c.clicker(control + " (cancelled)")
	}
	c.click("Keyboard shortcuts")
	console.waitText("Presentation clickers send")
	c.noMove("in the help")
	console.key(kb.Escape)
	console.waitJS("the help closed", `!document.querySelector("dialog[open]")`)
	c.clicker("Keyboard shortcuts (closed with Esc)")
	c.click("Keyboard shortcuts")
	console.waitText("Presentation clickers send")
	c.click("Close")
	c.clicker("Keyboard shortcuts (closed with Close)")

	// The export menu: open, its checkbox, closed, and its delete, cancelled.
	c.click("Export")
	console.waitJS("the export menu", `!!document.querySelector(".export-menu")`)
	c.clicker("Export (the menu open)")
	c.click("leave out names")
	c.clicker("Leave out names")
	c.click("Export")
	console.waitJS("the export menu closed", `!document.querySelector(".export-menu")`)
	c.clicker("Export (closed)")
	c.click("Export")
	c.click("Delete session…")
	c.noMove("in the delete dialog")
	c.click("Cancel")
	console.waitJS("no dialog", `!document.querySelector("dialog[open]")`)
	c.clicker("Delete session… (cancelled)")

	c.click("Copy link")
	c.clicker("Copy link")
	c.click("Open shared screen")
	c.clicker("Open shared screen")
	c.click("Edit agendas")
	c.clicker("Edit agendas")

	b.assertNoConsoleErrors()
}
