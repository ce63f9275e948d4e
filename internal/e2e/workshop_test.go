package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/testserver"
)

const receivedText = "Vote received ✓ — you can change it until voting closes"

// TestWorkshopInTheBrowser runs a workshop as the three people would: the
// facilitator creates it and opens the screen, three phones join, vote and
// change a vote, the facilitator reveals, runs a timer, and steps with the
// keyboard; a phone reloads and still shows its vote.
func TestWorkshopInTheBrowser(t *testing.T) {
	b := newBrowser(t)
	srv := testserver.Start(t, testserver.TempDB(t), httpapi.Config{})
	agenda, err := quorum.BuiltinAgenda("leadership-vs-management")
	if err != nil {
		t.Fatal(err)
	}

	// The facilitator creates a session from the built-in agenda.
	host := b.newTab("host", 1280, 800, false)
	host.navigate(srv.URL + "/host")
	host.waitText(agenda.Title)
	host.clickButton("Create session")
	host.waitJS("the console", `location.pathname.startsWith("/host/")`)
	host.waitText("0 joined · 0 voted")
	if hash := evaluate[string](host, `location.hash`); hash != "" {
		t.Errorf("the console leaves its key in the address bar (%q), where a projector shows it", hash)
	}
	code := evaluate[string](host, `JSON.parse(localStorage.getItem("quorum:hosted"))[0].code`)
	display := quorum.FormatJoinCode(code)
	host.waitText(display)

	// ... and opens the shared screen in a new window.
	opened := chromedp.WaitNewTarget(host.ctx, func(info *target.Info) bool { return strings.Contains(info.URL, "/screen/") })
	host.clickButton("Open shared screen")
	screenCtx, cancelScreen := chromedp.NewContext(host.ctx, chromedp.WithTargetID(<-opened))
	t.Cleanup(cancelScreen)
	screen := b.attach("screen", screenCtx, 1280, 720, false)
	screen.waitText(display)
	screen.waitText("0 joined")

	// Three phones join: one through the QR code's link, two by typing the code.
	var phones []*tab
	for i := 1; i <= 3; i++ {
		p := b.newTab(fmt.Sprintf("phone-%d", i), 360, 780, true)
		if i == 1 {
			p.navigate(srv.URL + "/j/" + code)
		} else {
			p.navigate(srv.URL + "/join")
			p.typeInto("Join code", display)
			p.clickButton("Continue")
		}
		p.waitText(agenda.Title)
		p.typeInto("Your name (optional)", fmt.Sprintf("Phone %d", i))
		p.clickButton("Join")
		p.waitText("Look at the shared screen")
		phones = append(phones, p)
	}
	host.waitText("3 joined · 0 voted")
	screen.waitText("3 joined")
	screen.shot("screen-lobby")

	// Presentation-clicker keys: → starts on the welcome slide, → again moves
	// to the first question; Space opens voting.
	steps := len(agenda.Steps)
	host.key(kb.ArrowRight)
	host.waitText(fmt.Sprintf("Step 1 of %d", steps))
	screen.waitText(agenda.Steps[0].Title)
	host.key(kb.ArrowRight)
	host.waitText(fmt.Sprintf("Step 2 of %d", steps))
	question := agenda.Steps[1]
	screen.waitText(question.Title)
	host.key(" ")
	host.waitText("Close voting")
	for _, p := range phones {
		p.waitText(question.Title)
		p.waitJS("voting open", `!!document.querySelector("button[aria-pressed]:not([disabled])")`)
	}

	// Each phone votes; the first changes its mind. The acknowledgement on the
	// phone comes from the server.
	points := []int{2, 5, question.Points}
	for i, p := range phones {
		p.clickButton(fmt.Sprint(points[i]))
		p.waitText(receivedText)
	}
	phones[0].clickButton("3")
	phones[0].waitJS("changed vote acknowledged", fmt.Sprintf(`[...document.querySelectorAll("button[aria-pressed=true]")].map(b => b.innerText.trim()).join() === "3" && document.body.innerText.includes(%q)`, receivedText))
	phones[0].shot("phone-voted")

	// The screen shows how many voted, never the distribution before the reveal.
	screen.waitText("3 of 3 voted")
	if screen.hasText("mean") {
		t.Error("the screen shows a mean before the reveal")
	}
	// The facilitator sees the live results all the time.
	host.waitText("mean 5.0")
	host.waitText("Only you see this until you reveal")
	host.shot("console-live-results")

	// R reveals: the screen and the phones show the right distribution.
	host.key("r")
	screen.waitText("mean 5.0")
	screen.waitText("n = 3")
	// The chart's text alternative carries the count per point.
	counts := evaluate[string](screen, `[...document.querySelectorAll("table tbody tr")].map(r => [...r.cells].map(c => c.innerText.trim().split(" ")[0]).join(":")).join(" ")`)
	wantCounts := make([]string, question.Points)
	for p := 1; p <= question.Points; p++ {
		n := 0
		for _, v := range []int{3, 5, question.Points} {
			if v == p {
				n++
			}
		}
		wantCounts[p-1] = fmt.Sprintf("%d:%d", p, n)
	}
	if counts != strings.Join(wantCounts, " ") {
		t.Errorf("screen's revealed counts per point = %q, want %q", counts, strings.Join(wantCounts, " "))
	}
	phones[1].waitText("mean 5.0")
	screen.shot("screen-revealed")

	// A phone reloaded mid-session still shows its vote.
	phones[1].run("reload", chromedp.Reload())
	phones[1].waitText(question.Title)
	phones[1].waitJS("its own vote after a reload", `[...document.querySelectorAll("button[aria-pressed=true]")].map(b => b.innerText.trim()).join() === "5"`)

	// The timer closes voting at zero. The next step is a question.
	host.key(kb.ArrowRight)
	host.waitText(fmt.Sprintf("Step 3 of %d", steps))
	next := agenda.Steps[2]
	screen.waitText(next.Title)
	host.key("t")
	host.typeInto("Custom seconds", fmt.Sprint(quorum.MinTimerSeconds))
	host.clickButton("Start timer")
	for _, p := range phones {
		p.waitText(next.Title)
		p.waitJS("voting open", `!!document.querySelector("button[aria-pressed]:not([disabled])")`)
	}
	phones[2].clickButton("6")
	phones[2].waitText(receivedText)
	screen.waitText("1 of 3 voted")
	for _, p := range phones {
		p.waitText("Voting is closed")
	}
	host.waitText("3 joined · 1 voted")
	b.assertNoConsoleErrors()
}
