package e2e

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/testserver"
)

// roomSession is a session created over the HTTP API, with its links.
type roomSession struct {
	srv                          *testserver.Server
	ID, Code, HostKey, ScreenKey string
	URLs                         struct{ Screen string }
}

// startRoom starts a browser and a server, and creates a session with the
// given steps over the HTTP API.
func startRoom(t *testing.T, title string, steps []map[string]any) (*browser, *roomSession) {
	t.Helper()
	b := newBrowser(t)
	srv := testserver.Start(t, testserver.TempDB(t), httpapi.Config{})
	s := &roomSession{srv: srv}
	agenda := map[string]any{"title": title, "steps": steps}
	apiJSON(t, srv, "POST", "/api/sessions", "", map[string]any{"agenda": agenda}, s, http.StatusCreated)
	return b, s
}

// act runs a host command over the REST API, as the console's fallback does.
func (s *roomSession) act(t *testing.T, action string, args map[string]any) {
	t.Helper()
	body := map[string]any{"action": action}
	for k, v := range args {
		body[k] = v
	}
	apiJSON(t, s.srv, "POST", "/api/sessions/"+s.ID+"/actions", s.HostKey, body, nil, http.StatusOK)
}

// openScreen opens the shared screen from its link, as a projector's browser
// would; with reduced, the browser asks for reduced motion.
func (s *roomSession) openScreen(b *browser, title string, reduced bool) *tab {
	b.t.Helper()
	name := "screen"
	if reduced {
		name = "screen-reduced-motion"
	}
	screen := b.newTab(name, 1280, 720, false)
	if reduced {
		screen.run("reduced motion", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}},
			})
			return err
		}))
	}
	screen.navigate(s.URLs.Screen)
	screen.waitText(title)
	return screen
}

// joinPhones opens n phones on the join link; each joins under a name.
func (s *roomSession) joinPhones(b *browser, title string, n int) []*tab {
	b.t.Helper()
	var phones []*tab
	for i := 1; i <= n; i++ {
		p := b.newTab(fmt.Sprintf("phone-%d", i), 360, 780, true)
		p.navigate(s.srv.URL + "/j/" + s.Code)
		p.waitText(title)
		p.typeInto("Your name (optional)", fmt.Sprintf("Phone %d", i))
		p.clickButton("Join")
		p.waitText("Look at the shared screen")
		phones = append(phones, p)
	}
	return phones
}

// nextVote moves the session to its next step, opens voting and votes on the
// phone with the button labelled choice, until the phone says it is received.
func (s *roomSession) nextVote(t *testing.T, phone *tab, choice string) {
	t.Helper()
	s.act(t, "next", nil)
	s.act(t, "open", nil)
	waitVotable(phone)
	phone.clickButton(choice)
	phone.waitText(receivedText)
}

// waitVotable waits until the phone's voting buttons can be tapped.
func waitVotable(p *tab) {
	p.b.t.Helper()
	p.waitJS("voting open", `!!document.querySelector("button[aria-pressed]:not([disabled])")`)
}

// TestRoomModeAutoReveal: a step that reveals itself once everyone connected
// has voted. The screen counts who is still to vote, then shows the chart
// with no reveal command from anyone.
func TestRoomModeAutoReveal(t *testing.T) {
	const title = "Auto-reveal check"
	b, s := startRoom(t, title, []map[string]any{
		{"kind": "info", "title": "Welcome"},
		{"kind": "choice", "title": "Which colour for the poster?", "options": []string{"Red", "Blue"}, "autoReveal": "all-voted"},
	})
	screen := s.openScreen(b, title, false)
	phones := s.joinPhones(b, title, 2)
	screen.waitText("2 joined")

	s.act(t, "start", nil)
	s.act(t, "next", nil)
	s.act(t, "open", nil)
	screen.waitText("Which colour for the poster?")
	screen.waitText("0 of 2 voted")
	screen.waitText("2 still to vote")
	for _, p := range phones {
		waitVotable(p)
	}

	phones[0].clickButton("Red")
	phones[0].waitText(receivedText)
	screen.waitText("1 of 2 voted")
	screen.waitText("1 still to vote")
	if screen.hasText("Red — 1") {
		t.Error("the screen shows the distribution before everyone voted")
	}

	phones[1].clickButton("Blue")
	// Nobody reveals: the last vote does.
	screen.waitJS("the revealed chart", `!!document.querySelector(".sc-step.is-revealed .chart-choice")`)
	screen.waitText("Red — 1 (50%)")
	screen.waitText("Blue — 1 (50%)")
	screen.waitText("Voting closed")
	screen.shot("roommode-auto-revealed")
	for _, p := range phones {
		p.waitText("Results")
		p.waitText("Blue — 1 (50%)")
	}
	b.assertNoConsoleErrors()
}

// TestRoomModeReactions: a phone's 👍 floats up the screen and is gone after
// its animation (a screen that asks for reduced motion counts it instead);
// the bar pauses for 2 s after a tap; when the facilitator turns reactions
// off, the bar leaves the phone.
func TestRoomModeReactions(t *testing.T) {
	const title = "Reactions check"
	b, s := startRoom(t, title, []map[string]any{
		{"kind": "info", "title": "Welcome to the demo", "body": "React to what you see."},
	})
	screen := s.openScreen(b, title, false)
	calm := s.openScreen(b, title, true)
	phone := s.joinPhones(b, title, 1)[0]
	const thumbsUp = "React: thumbs up"
	if phone.hasText("React on the shared screen") {
		t.Error("the reaction bar shows in the lobby")
	}

	s.act(t, "start", nil)
	screen.waitText("Welcome to the demo")
	phone.waitText("React on the shared screen")
	phone.clickButton(thumbsUp)
	screen.waitJS("a floating 👍", `[...document.querySelectorAll(".sc-float")].some(e => e.textContent === "👍" && e.closest('[aria-hidden="true"]'))`)
	screen.shot("roommode-reaction")
	calm.waitJS("the static count", `document.querySelector(".sc-reaction-count")?.getAttribute("aria-label") === "Reactions: 1 thumbs up"`)
	if n := evaluate[int](calm, `document.querySelectorAll(".sc-float").length`); n != 0 {
		t.Errorf("the screen under reduced motion floats %d reactions", n)
	}

	// The phone pauses the bar for 2 s, and says so.
	phone.waitText("Sent 👍")
	if disabled, _ := phone.buttonState("React: heart"); !disabled {
		t.Error("the reaction bar is not paused right after a tap")
	}
	phone.shot("roommode-phone-reacted")
	phone.waitJS("the bar back after the pause", `!document.querySelector('[aria-label="React: heart"]').disabled`)
	// The floating emoji leaves the page once its animation is over.
	screen.waitJS("the reaction gone", `!document.querySelector(".sc-float")`)

	// The same person in a second tab reacts within 2 s of the first: the
	// server refuses, and that tab says why.
	tabCtx, cancelTab := chromedp.NewContext(phone.ctx)
	t.Cleanup(cancelTab)
	second := b.attach("phone-1-second-tab", tabCtx, 360, 780, true)
	second.navigate(s.srv.URL + "/j/" + s.Code)
	second.waitText("React on the shared screen")
	phone.clickButton("React: heart")
	second.clickButton("React: applause")
	second.waitText("One reaction every 2 seconds.")

	s.act(t, "settings", map[string]any{"settings": map[string]any{"minGroupSize": 3, "splitShare": 0.3, "reactions": false, "splitByGroup": false}})
	phone.waitJS("no reaction bar", fmt.Sprintf(`!document.querySelector('[aria-label=%q]')`, thumbsUp))
	phone.waitNoText("React on the shared screen")
	b.assertNoConsoleErrors()
}

// TestRoomModeRounds: a scale question asked again. In round 2 a phone shows
// no earlier vote and votes again; after the reveal the screen and the phone
// show who moved between the rounds.
func TestRoomModeRounds(t *testing.T) {
	const title = "Rounds check"
	b, s := startRoom(t, title, []map[string]any{
		{"kind": "scale", "title": "How ready is the team?", "left": "Not ready", "right": "Ready", "points": 5},
	})
	screen := s.openScreen(b, title, false)
	phones := s.joinPhones(b, title, 2)

	s.act(t, "start", nil)
	s.act(t, "open", nil)
	for _, p := range phones {
		waitVotable(p)
	}
	for i, v := range []string{"2", "4"} {
		phones[i].clickButton(v)
		phones[i].waitText(receivedText)
	}
	screen.waitText("2 of 2 voted")
	s.act(t, "reveal", nil)
	screen.waitText("n = 2")
	if screen.hasText("Round 2") {
		t.Error("the screen shows a round badge in round 1")
	}

	s.act(t, "close", nil)
	s.act(t, "round", nil)
	s.act(t, "open", nil)
	screen.waitJS("the round 2 badge", `document.querySelector(".sc-round")?.innerText === "Round 2"`)
	screen.waitText("0 of 2 voted")
	for _, p := range phones {
		p.waitText("Round 2 — vote again")
		waitVotable(p)
		if n := evaluate[int](p, `document.querySelectorAll("button[aria-pressed=true]").length`); n != 0 {
			t.Errorf("%s: %d answers selected at the start of round 2, want none", p.name, n)
		}
		if p.hasText(receivedText) {
			t.Errorf("%s: says its vote was received before it voted in round 2", p.name)
		}
	}
	phones[0].shot("roommode-phone-round2")

	// Phone 1 moves from 2 to 4, phone 2 stays on 4.
	for _, p := range phones {
		p.clickButton("4")
		p.waitText(receivedText)
	}
	screen.waitText("2 of 2 voted")
	s.act(t, "reveal", nil)
	screen.waitText("Who moved")
	screen.waitText("0 moved toward Not ready, 1 stayed, 1 moved toward Ready")
	screen.waitText("Round 1 → Round 2")
	screen.shot("roommode-screen-who-moved")
	phones[0].waitText("Who moved")
	phones[0].waitText("0 moved toward Not ready, 1 stayed, 1 moved toward Ready")
	phones[0].shot("roommode-phone-who-moved")
	b.assertNoConsoleErrors()
}

// TestConsoleProxyVoteAndNewRound: the facilitator enters a vote for someone
// without a phone from the console, and asks the step again as round 2.
func TestConsoleProxyVoteAndNewRound(t *testing.T) {
	const title = "Proxy check"
	b, s := startRoom(t, title, []map[string]any{
		{"kind": "choice", "title": "Which colour for the poster?", "options": []string{"Red", "Blue"}},
	})
	console := b.newTab("console", 1280, 900, false)
	console.navigate(fmt.Sprintf("%s/host/%s#key=%s&screen=%s", s.srv.URL, s.ID, s.HostKey, s.ScreenKey))
	console.waitText("0 joined")
	s.act(t, "start", nil)
	s.act(t, "open", nil)
	console.waitText("Voting open")

	console.run("open the proxy form", chromedp.Click(chromedp.Search(`//summary[normalize-space(.)="Vote for someone without a phone"]`), chromedp.NodeVisible))
	console.run("choose Red", chromedp.Evaluate[chromedp.Void](`(() => {
		const el = [...document.querySelectorAll(".proxy-vote select")].pop();
		el.value = "0"; el.dispatchEvent(new Event("change", { bubbles: true })); })()`))
	console.clickButton("Count this vote")
	console.waitText("Proxy vote counted for a new proxy.")
	console.waitText("Red — 1 (100%)")
	console.waitText("1 joined · 1 voted")
	// The same proxy again replaces its vote: still one vote.
	console.run("again as Proxy 1", chromedp.Evaluate[chromedp.Void](`(() => {
		const [who, answer] = document.querySelectorAll(".proxy-vote select");
		who.value = [...who.options].find((o) => o.text.startsWith("Proxy 1")).value; who.dispatchEvent(new Event("change", { bubbles: true }));
		answer.value = "1"; answer.dispatchEvent(new Event("change", { bubbles: true })); })()`))
	console.clickButton("Count this vote")
	console.waitText("Blue — 1 (100%)")
	console.waitText("Red — 0 (0%)")

	// Room settings: the smallest group shown and reactions, saved on the server.
	console.clickButton("Room settings")
	console.run("smallest group 2", chromedp.Evaluate[chromedp.Void](`(() => {
		const k = document.querySelector(".settings input[type=number]");
		k.value = "2"; k.dispatchEvent(new Event("input", { bubbles: true })); })()`))
	console.run("reactions off", chromedp.Evaluate[chromedp.Void](`document.querySelector(".settings input[type=checkbox]").click()`))
	console.clickButton("Save")
	console.waitJS("the dialog closed", `!document.querySelector("dialog.settings")`)
	var st struct {
		Session struct {
			Settings struct {
				MinGroupSize int
				Reactions    bool
			}
		}
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		apiJSON(t, s.srv, "GET", "/api/sessions/"+s.ID, s.HostKey, nil, &st, http.StatusOK)
		if st.Session.Settings.MinGroupSize == 2 && !st.Session.Settings.Reactions {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("settings after saving: %+v", st.Session.Settings)
		}
	}

	s.act(t, "close", nil)
	console.clickButton("New round")
	console.clickButton("Start a new round")
	console.waitText("Round 2")
	console.waitText("Voting not opened yet")
	b.assertNoConsoleErrors()
}
