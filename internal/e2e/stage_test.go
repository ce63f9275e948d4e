package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/fasthttp/websocket"

	"github.com/quorum-workshop/quorum/internal/testserver"
)

// stageSizes are the projectors the stage must fit: the most common one, a
// full HD one and an old 4:3 one (letterboxed).
var stageSizes = []struct{ w, h int64 }{{1280, 720}, {1920, 1080}, {1024, 768}}

// layoutChecks are the checks the stage and the phone share, as script: a
// text box whose text does not fit is abbreviated on purpose (an ellipsis)
// with its whole text in its title, no two blocks side by side overlap, and
// headings do not skip a level.
const layoutChecks = `
	const name = (el) => el.tagName.toLowerCase() + [...el.classList].map((c) => "." + c).join("") +
		' "' + (el.textContent || "").trim().replace(/\s+/g, " ").slice(0, 50) + '"';
	const hasText = (el) => [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
	const cutText = (all, problems) => {
		for (const el of all.filter(hasText)) {
			const cs = getComputedStyle(el);
			if (cs.display === "inline" || cs.display === "contents") continue;
			if (el.scrollWidth <= el.clientWidth + 1 && el.scrollHeight <= el.clientHeight + 1) continue;
			const abbreviated = cs.textOverflow === "ellipsis" || cs.webkitLineClamp !== "none";
			if (!abbreviated) problems.push("text cut off: " + name(el));
			else if (!el.title.includes(el.textContent)) problems.push("abbreviated without its whole text in its title: " + name(el));
		}
	};
	const overlaps = (roots, boxes, problems) => {
		const inFlow = (el) => {
			const cs = getComputedStyle(el);
			const r = boxes.get(el);
			return r && r.width >= 0.5 && r.height >= 0.5 && cs.display !== "inline" && (cs.position === "static" || cs.position === "relative");
		};
		for (const el of roots) {
			const kids = [...el.children].filter((k) => boxes.has(k) && inFlow(k));
			for (let i = 0; i < kids.length; i++) {
				for (let j = i + 1; j < kids.length; j++) {
					const a = boxes.get(kids[i]), b = boxes.get(kids[j]);
					const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
					const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
					if (w > 1 && h > 1) problems.push("overlap: " + name(kids[i]) + " and " + name(kids[j]));
				}
			}
		}
	};
	const headingOrder = (problems) => {
		let level = 0;
		for (const h of document.querySelectorAll("h1, h2, h3, h4, h5, h6")) {
			if (h.closest(".visually-hidden")) continue;
			const n = Number(h.tagName[1]);
			if (n > level + 1) problems.push("heading " + h.tagName + " after h" + level + ": " + name(h));
			level = n;
		}
	};
	await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
`

// stageLayout is a script that answers the problems of the shared screen's
// layout in the viewport, or an empty list: the stage is 16:9 and fills the
// viewport's width or height; every element lies inside it; a view's
// content does not overflow; no text in a view is under the stage's floor
// size; and the layoutChecks.
const stageLayout = `(async () => {` + layoutChecks + `
	const problems = [];
	const stage = document.querySelector(".sc-stage");
	if (!stage) return ["no stage on the page"];
	const S = stage.getBoundingClientRect();
	if (S.left < -0.5 || S.top < -0.5 || S.right > innerWidth + 0.5 || S.bottom > innerHeight + 0.5) problems.push("the stage is outside the viewport");
	if (Math.abs(S.width / S.height - 16 / 9) > 0.01) problems.push("the stage is " + S.width + "×" + S.height + ", not 16:9");
	if (Math.min(innerWidth - S.width, innerHeight - S.height) > 1) problems.push("the stage fills neither the viewport's width nor its height");
	const skip = (el) => el.closest(".visually-hidden, .sc-reactions") || (el.closest("svg") && el.tagName.toLowerCase() !== "svg");
	const all = [...stage.querySelectorAll("*")].filter((el) => !skip(el));
	const boxes = new Map(all.map((el) => [el, el.getBoundingClientRect()]));
	for (const el of all) {
		const r = boxes.get(el);
		if (r.width < 0.5 || r.height < 0.5) continue;
		if (r.left < S.left - 1 || r.top < S.top - 1 || r.right > S.right + 1 || r.bottom > S.bottom + 1) {
			problems.push("outside the stage: " + name(el) + " at " + [r.left, r.top, r.right, r.bottom].map(Math.round).join(","));
		}
	}
	for (const c of stage.querySelectorAll(".sc-content")) {
		if (c.scrollHeight > c.clientHeight + 1 || c.scrollWidth > c.clientWidth + 1) {
			problems.push("the content overflows its view: " + c.scrollWidth + "×" + c.scrollHeight + " in " + c.clientWidth + "×" + c.clientHeight);
		}
	}
	const floorOf = document.querySelector(".sc-view > *");
	const floor = floorOf ? parseFloat(getComputedStyle(floorOf).getPropertyValue("--floor")) : 0;
	for (const el of all.filter(hasText)) {
		const size = parseFloat(getComputedStyle(el).fontSize);
		if (floor && el.closest(".sc-view") && size < floor - 0.5) {
			problems.push("smaller than the floor (" + size + "px < " + floor.toFixed(1) + "px): " + name(el));
		}
	}
	cutText(all, problems);
	overlaps([stage, ...all], boxes, problems);
	headingOrder(problems);
	return problems;
})()`

// phoneLayout is a script that answers the problems of a phone's page, or
// an empty list: the page never scrolls sideways, nothing lies beyond the
// screen's sides, and the layoutChecks. A phone scrolls down; that is no
// problem.
const phoneLayout = `(async () => {` + layoutChecks + `
	const problems = [];
	if (document.documentElement.scrollWidth > innerWidth + 1) problems.push("the page scrolls sideways: " + document.documentElement.scrollWidth + " > " + innerWidth);
	const skip = (el) => el.closest(".visually-hidden") || (el.closest("svg") && el.tagName.toLowerCase() !== "svg");
	const all = [...document.body.querySelectorAll("*")].filter((el) => !skip(el));
	const boxes = new Map(all.map((el) => [el, el.getBoundingClientRect()]));
	for (const el of all) {
		const r = boxes.get(el);
		if (r.width >= 0.5 && r.height >= 0.5 && (r.left < -1 || r.right > innerWidth + 1)) {
			problems.push("beyond the screen's sides: " + name(el) + " at " + Math.round(r.left) + "–" + Math.round(r.right));
		}
	}
	cutText(all, problems);
	overlaps([document.body, ...all], boxes, problems);
	headingOrder(problems);
	return problems;
})()`

// checkPhone fails the test on the problems phoneLayout finds on a phone.
func checkPhone(t *testing.T, p *tab, what string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](phoneLayout, chromedp.EvalAwaitPromise))
	cancel()
	if err != nil {
		t.Fatalf("%s: %s: layout: %v", p.name, what, err)
	}
	if len(problems) > 0 {
		p.shot(sanitize("phone-problem-" + p.name + "-" + what))
		if len(problems) > 8 {
			problems = append(problems[:8], fmt.Sprintf("and %d more", len(problems)-8))
		}
		t.Errorf("%s, %s:\n\t%s", p.name, what, strings.Join(problems, "\n\t"))
	}
}

// stageCheck drives a shared screen through the sizes and themes and checks
// its layout in each.
type stageCheck struct {
	t      *testing.T
	screen *tab
	checks int
}

// check checks the layout at every size in both themes, once the screen
// shows ready (a selector). It ends in the dark theme at 1280×720, as the
// screen starts.
func (c *stageCheck) check(what, ready string) {
	c.t.Helper()
	c.screen.waitJS(what, fmt.Sprintf(`!!document.querySelector(%q)`, ready))
	for _, theme := range []string{"light", "dark"} {
		// The theme button, then the frame that shows its theme.
		c.screen.run("theme "+theme, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`new Promise((resolve) => {
			const want = %q;
			const root = document.documentElement;
			if (!root.classList.contains("theme-" + want)) {
				[...document.querySelectorAll(".sc-control")].find((b) => b.textContent === (want === "light" ? "Light theme" : "Dark theme")).click();
			}
			const wait = () => root.classList.contains("theme-" + want) ? resolve() : requestAnimationFrame(wait);
			wait();
		})`, theme), chromedp.EvalAwaitPromise))
		for _, size := range stageSizes {
			c.screen.run("resize", chromedp.EmulateViewport(size.w, size.h))
			ctx, cancel := context.WithTimeout(c.screen.ctx, 20*time.Second)
			problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](stageLayout, chromedp.EvalAwaitPromise))
			cancel()
			if err != nil {
				c.t.Fatalf("%s: layout at %dx%d: %v", what, size.w, size.h, err)
			}
			c.checks++
			if len(problems) > 0 {
				c.screen.shot(sanitize(fmt.Sprintf("stage-problem-%s-%dx%d-%s", what, size.w, size.h, theme)))
				if len(problems) > 8 {
					problems = append(problems[:8], fmt.Sprintf("and %d more", len(problems)-8))
				}
				c.t.Errorf("%s at %dx%d, %s theme:\n\t%s", what, size.w, size.h, theme, strings.Join(problems, "\n\t"))
			}
		}
	}
	c.screen.run("resize", chromedp.EmulateViewport(1280, 720))
}

// crowd is a room of participants voting over their WebSockets, as phones
// do, without a browser each. Every connection is read all the time, so
// that none falls behind and is closed as too slow.
type crowd struct {
	t    *testing.T
	acks []chan map[string]any
	ws   []*websocket.Conn
	seq  int
}

// joinCrowd joins n participants to the session with the code, each in one
// of groups in turn, and connects them.
func joinCrowd(t *testing.T, srv *testserver.Server, sessionID, code string, groups []string, n int) *crowd {
	t.Helper()
	c := &crowd{t: t}
	for i := range n {
		var j struct{ Token string }
		apiJSON(t, srv, "POST", "/api/join", "", map[string]any{"code": code, "segment": groups[i%len(groups)]}, &j, http.StatusCreated)
		ws, _, err := websocket.DefaultDialer.Dial(srv.WSURL, nil)
		if err != nil {
			t.Fatalf("participant %d: dial: %v", i, err)
		}
		t.Cleanup(func() { ws.Close() })
		if err := ws.WriteJSON(map[string]any{"type": "hello", "role": "participant", "session": sessionID, "token": j.Token}); err != nil {
			t.Fatal(err)
		}
		awaitFrame(t, ws, "welcome", func(f map[string]any) bool { return f["type"] == "welcome" })
		if err := ws.SetReadDeadline(time.Time{}); err != nil {
			t.Fatal(err)
		}
		acks := make(chan map[string]any, 16)
		go func() {
			for {
				var f map[string]any
				if err := ws.ReadJSON(&f); err != nil {
					return
				}
				if f["type"] == "ack" || (f["type"] == "error" && f["id"] != nil) {
					acks <- f
				}
			}
		}()
		c.ws = append(c.ws, ws)
		c.acks = append(c.acks, acks)
	}
	return c
}

// vote has every participant vote on step, participant i for value(i), and
// waits until each vote is acknowledged.
func (c *crowd) vote(step int, value func(i int) any) {
	c.t.Helper()
	c.seq++
	for i, ws := range c.ws {
		if err := ws.WriteJSON(map[string]any{"type": "vote", "id": fmt.Sprintf("v%d-%d", c.seq, i), "step": step, "value": value(i)}); err != nil {
			c.t.Fatalf("participant %d: vote: %v", i, err)
		}
	}
	for i, acks := range c.acks {
		select {
		case f := <-acks:
			if f["type"] != "ack" {
				c.t.Fatalf("participant %d: vote on step %d refused: %v", i, step, f)
			}
		case <-time.After(10 * time.Second):
			c.t.Fatalf("participant %d: no ack of the vote on step %d", i, step)
		}
	}
}

// hostStage is the views of the current step's stage and the one shown, as
// the host's state says.
type hostStage struct {
	Session struct{ CurrentStep int }
	Step    struct {
		Kind     string
		Options  []string
		Points   int
		Views    []string
		View     int
		Revealed bool
	}
}

func (s *roomSession) stage(t *testing.T) hostStage {
	t.Helper()
	var st hostStage
	apiJSON(t, s.srv, "GET", "/api/sessions/"+s.ID, s.HostKey, nil, &st, http.StatusOK)
	return st
}

// on is the selector of the screen showing step i on view v, in a voting
// state and round.
func on(step, view int, voting string, round int) string {
	return fmt.Sprintf(`.sc-step[data-step="%d"][data-view="%d"][data-voting="%s"][data-round="%d"]`, step, view, voting, round)
}

// stageRun steps a session through its agenda with a crowd voting and checks
// the stage in every state: voting open, closed, revealed and each of its
// views; on the steps in split, also split by group, and on the step round2,
// a second round.
type stageRun struct {
	t     *testing.T
	s     *roomSession
	c     *stageCheck
	crowd *crowd
	split map[int]bool
	round int // a scale step to ask twice
	timer int // a step to open with a countdown
	// reload is a step whose screen reloads on its last view, from url.
	reload int
	url    string
	// The crowd's answers, participant i's: an option of a choice, a point
	// of a scale, a text.
	choice func(i, options int) int
	scale  func(step, round, points, i int) int
	text   func(i int) string
	// phones are browsers of the session's participants, which vote on
	// each question before the crowd and are checked in every state.
	phones []*tab
	shots  map[string]string // a state, by "step/view", "step/view/split", "step/closed" or "step/phone", and its screenshot's name
}

// checkPhones checks the layout of every phone in a state.
func (r *stageRun) checkPhones(what string) {
	r.t.Helper()
	for _, p := range r.phones {
		checkPhone(r.t, p, what)
	}
}

// phonesVote has each phone vote on the open step, and checks that its
// confirmation is in sight and its page fits.
func (r *stageRun) phonesVote(what, kind string, step int) {
	t := r.t
	t.Helper()
	for _, p := range r.phones {
		switch kind {
		case "text":
			p.waitJS("the answer field", `!!document.querySelector("#answer")`)
			p.run("type an answer", chromedp.SendKeys(chromedp.CSS("#answer"), "Focus", chromedp.NodeVisible))
			p.clickButton("Send")
		default: // a choice's last option, a scale's middle point
			waitVotable(p)
			p.run("vote", chromedp.Evaluate[chromedp.Void](`(() => {
				const buttons = [...document.querySelectorAll(".p-option, .p-point")];
				buttons[document.querySelector(".p-point") ? buttons.length >> 1 : buttons.length - 1].click();
			})()`))
		}
		p.waitText(receivedText)
		checkUncovered(t, p, what+": the confirmation", ".p-status-ok")
		if name := r.shots[fmt.Sprintf("%d/phone", step)]; name != "" {
			p.shot(name + "-" + p.name)
		}
	}
	r.checkPhones(what)
}

// shot takes the screenshot of a state, if it has one, at 1280×720; with
// QUORUM_STAGE_SHOTS=all, also at the other sizes.
func (r *stageRun) shot(key string) {
	name := r.shots[key]
	if name == "" {
		return
	}
	r.c.screen.shot(name)
	if os.Getenv("QUORUM_STAGE_SHOTS") != "all" {
		return
	}
	for _, size := range stageSizes[1:] {
		r.c.screen.run("resize", chromedp.EmulateViewport(size.w, size.h))
		r.c.screen.waitJS("the stage resized", fmt.Sprintf(`innerWidth === %d`, size.w))
		r.c.screen.shot(fmt.Sprintf("%s-%dx%d", name, size.w, size.h))
	}
	r.c.screen.run("resize", chromedp.EmulateViewport(1280, 720))
	r.c.screen.clickButton("Light theme")
	r.c.screen.waitJS("the light theme", `document.documentElement.classList.contains("theme-light")`)
	r.c.screen.shot(name + "-light")
	r.c.screen.clickButton("Dark theme")
	r.c.screen.waitJS("the dark theme", `document.documentElement.classList.contains("theme-dark")`)
}

func (r *stageRun) run(title string, steps int) {
	t := r.t
	r.s.act(t, "start", nil)
	for step := 0; step < steps; step++ {
		if step > 0 {
			r.advance(step)
		}
		st := r.s.stage(t)
		if st.Session.CurrentStep != step {
			t.Fatalf("forward went to step %d, want %d", st.Session.CurrentStep, step)
		}
		what := func(s string) string { return fmt.Sprintf("%s step %d (%s) %s", title, step+1, st.Step.Kind, s) }
		rounds := 1
		if step == r.round {
			rounds = 2
		}
		switch st.Step.Kind {
		case "info":
			r.c.check(what("info"), on(step, 0, "pending", 1))
			r.shot(fmt.Sprintf("%d/0", step))
			r.checkPhones(what("info"))
			continue
		case "profile":
			r.s.act(t, "reveal", nil)
		default:
			for round := 1; round <= rounds; round++ {
				if round > 1 {
					r.s.act(t, "round", nil)
				}
				if step == r.timer {
					r.s.act(t, "timer", map[string]any{"seconds": 600})
					r.c.screen.waitJS("the countdown", `!!document.querySelector(".sc-countdown")`)
				} else {
					r.s.act(t, "open", nil)
				}
				r.c.check(what(fmt.Sprintf("round %d open", round)), on(step, 0, "open", round))
				r.phonesVote(what(fmt.Sprintf("round %d voted", round)), st.Step.Kind, step)
				r.crowd.vote(step, func(i int) any {
					switch st.Step.Kind {
					case "choice":
						return r.choice(i, len(st.Step.Options))
					case "text":
						return r.text(i)
					}
					return r.scale(step, round, st.Step.Points, i)
				})
				r.s.act(t, "close", nil)
				r.c.check(what(fmt.Sprintf("round %d closed", round)), on(step, 0, "closed", round))
				r.shot(fmt.Sprintf("%d/closed", step))
				r.checkPhones(what(fmt.Sprintf("round %d closed", round)))
				r.s.act(t, "reveal", nil)
			}
		}
		r.views(what, step, rounds, "")
		r.checkPhones(what("revealed"))
		if r.split[step] {
			settings := map[string]any{"minGroupSize": 3, "splitShare": 0.3, "reactions": true, "splitByGroup": true}
			r.s.act(t, "settings", map[string]any{"settings": settings})
			r.views(what, step, rounds, "split by group")
			r.checkPhones(what("revealed, split by group"))
			settings["splitByGroup"] = false
			r.s.act(t, "settings", map[string]any{"settings": settings})
		}
	}
}

// advance goes on to step with forward: through the views of the step
// before, if it is not on its last, then onto the step.
func (r *stageRun) advance(step int) {
	t := r.t
	st := r.s.stage(t)
	for v := st.Step.View; v < len(st.Step.Views)-1; v++ {
		r.s.act(t, "forward", nil)
	}
	r.s.act(t, "forward", nil)
	if got := r.s.stage(t).Session.CurrentStep; got != step {
		t.Fatalf("forward from the last view went to step %d, want %d", got, step)
	}
}

// views checks every view of the revealed step, stepping through them with
// forward, then back to the first with back.
func (r *stageRun) views(what func(string) string, step, round int, how string) {
	t := r.t
	st := r.s.stage(t)
	voting := "closed"
	if st.Step.Kind == "profile" {
		voting = "pending"
	}
	for v := range st.Step.Views {
		if v > 0 {
			r.s.act(t, "forward", nil)
		}
		r.c.check(what(fmt.Sprintf("%s view %d/%d (%s)", how, v+1, len(st.Step.Views), st.Step.Views[v])),
			on(step, v, voting, round)+".is-revealed")
		key := fmt.Sprintf("%d/%d", step, v)
		if how != "" {
			key += "/split"
		}
		r.shot(key)
	}
	if last := len(st.Step.Views) - 1; last > 0 && step == r.reload && how == "" {
		// A screen that reloads comes back on the view the others show.
		r.c.screen.navigate(r.url)
		r.c.screen.waitJS("the same view after a reload", fmt.Sprintf(`!!document.querySelector(%q)`, on(step, last, voting, round)+".is-revealed"))
	}
	for v := len(st.Step.Views) - 1; v > 0; v-- {
		r.s.act(t, "back", nil)
	}
	if got := r.s.stage(t).Step.View; got != 0 {
		t.Fatalf("back through the views ended on view %d", got)
	}
}

// reducedMotion asks the page for reduced motion, so that nothing is in
// the middle of moving when the layout is measured.
func reducedMotion(tb *tab) {
	tb.run("reduced motion", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}},
		})
		return err
	}))
}

// TestStageAlwaysFits: the built-in agenda with 50 participants in three
// groups, and an agenda with the longest content the editor takes, each
// stepped through on the shared screen at 1280×720, 1920×1080 and 1024×768
// in both themes: in every step and state (voting open and closed,
// revealed, a second round, split by group, each view) nothing lies outside
// the stage, overflows or overlaps, and no text is cut off or under the
// stage's floor size. A screen reloaded on the profile's second view comes
// back on it. Two phones, 360×640 and 390×844, follow both agendas: they
// vote on every question, see their confirmation, and in every state their
// page never scrolls sideways, cuts no text and overlaps nothing.
func TestStageAlwaysFits(t *testing.T) {
	b := newBrowser(t)
	srv := startServer(t)
	start := time.Now()

	// The built-in agenda.
	s := &roomSession{srv: srv}
	apiJSON(t, srv, "POST", "/api/sessions", "", map[string]any{"agenda": "leadership-vs-management"}, s, http.StatusCreated)
	screen := b.newTab("stage", 1280, 720, false)
	reducedMotion(screen)
	screen.navigate(s.URLs.Screen)
	check := &stageCheck{t: t, screen: screen}
	check.check("built-in lobby, nobody joined", ".sc-lobby")
	var phones []*tab
	for _, size := range phoneSizes {
		p := s.joinPhone(b, fmt.Sprintf("phone-%dx%d", size.w, size.h), size.w, size.h)
		reducedMotion(p) // the confirmation scrolls into view at once
		phones = append(phones, p)
	}
	people := joinCrowd(t, srv, s.ID, s.Code, []string{"Executive", "Manager", "Team lead"}, 48)
	screen.waitText("50 joined")
	check.check("built-in lobby", ".sc-lobby")
	screen.shot("stage-lobby")

	words := []string{"Trust", "Clarity", "Focus", "Listen more", "Courage", "Ownership", "Speed", "Feedback", "Purpose", "Patience", "Calm"}
	builtin := &stageRun{t: t, s: s, c: check, crowd: people, phones: phones,
		split:  map[int]bool{2: true, 12: true, 13: true},
		round:  2,
		timer:  13,
		reload: 12,
		url:    s.URLs.Screen,
		choice: func(i, options int) int { return []int{1, 0, 1, 2, 1, 0, 1, 3, 1, 4}[i%10] % options },
		text:   func(i int) string { return words[(i*i+i)%len(words)] },
		// Around a centre per dimension, the target off today's by a
		// gap per dimension; in round 2 some move right.
		scale: func(step, round, points, i int) int {
			d, k := step/2, i
			centre := []int{4, 4, 3, 5, 3, 4}[d%6]
			if step%2 == 1 && step > 1 {
				centre += []int{0, 1, 2, -1, 2, 1}[d%6]
				k = i * 7 // not everyone moves alike
			}
			p := centre + []int{-2, -1, -1, 0, 0, 0, 1, 1, 2, -1, 0, 1}[k%12]
			if round > 1 && i%3 != 0 {
				p++
			}
			return max(1, min(points, p))
		},
		shots: map[string]string{
			"1/closed": "stage-scale-closed", "4/0": "stage-revealed-scale", "2/0": "stage-round-2", "2/1/split": "stage-split-scale",
			"13/1/split": "stage-split-by-group", "12/0": "stage-profile", "12/1": "stage-who-moved", "12/2/split": "stage-profile-groups",
			"17/0": "stage-words", "13/0": "stage-choice",
		},
	}
	builtin.run("built-in", 19)
	r := s.stage(t)
	if r.Session.CurrentStep != 18 {
		t.Fatalf("the built-in agenda ended on step %d", r.Session.CurrentStep)
	}
	s.act(t, "end", nil)
	check.check("built-in ended", ".sc-ended")

	// The longest content the editor takes: titles of 200 characters,
	// bodies of 2,000, 8 options of 80, poles of 80, 12 groups of 40, seven
	// dimensions (two views of the profile), answers of 80.
	long := func(prefix string, n int) string {
		out := prefix
		for i := 0; len([]rune(out)) < n; i++ {
			out += " " + words[i%len(words)]
		}
		return string([]rune(out)[:n])
	}
	var groups []string
	for i := range 12 {
		groups = append(groups, long(fmt.Sprintf("Group %d", i+1), 40))
	}
	var options []string
	for i := range 8 {
		options = append(options, long(fmt.Sprintf("Option %c:", 'A'+i), 80))
	}
	body := long("Body", 2000)
	steps := []map[string]any{
		{"kind": "info", "title": long("Welcome", 200), "body": body},
		{"kind": "choice", "title": long("Which", 200), "body": body, "options": options, "correct": 3},
	}
	for d := range 7 {
		steps = append(steps, map[string]any{"kind": "scale", "title": long(fmt.Sprintf("Dimension %d today", d+1), 200), "body": body,
			"left": long("Left pole", 80), "right": long("Right pole", 80), "points": 7,
			"dimension": fmt.Sprintf("d%d", d+1), "series": "today"})
	}
	steps = append(steps,
		map[string]any{"kind": "scale", "title": long("Dimension 1 target", 200), "left": long("Left pole", 80), "right": long("Right pole", 80),
			"points": 7, "dimension": "d1", "series": "target"},
		map[string]any{"kind": "text", "title": long("One sentence", 200), "body": body},
		map[string]any{"kind": "profile", "title": long("The profile", 200), "body": body},
	)
	agenda := map[string]any{"title": long("A workshop", 200), "segments": groups, "steps": steps}
	ls := &roomSession{srv: srv}
	apiJSON(t, srv, "POST", "/api/sessions", "", map[string]any{"agenda": agenda}, ls, http.StatusCreated)
	screen.navigate(ls.URLs.Screen)
	longPeople := joinCrowd(t, srv, ls.ID, ls.Code, groups, 48)
	for i, size := range phoneSizes {
		phones[i] = ls.joinPhone(b, fmt.Sprintf("long-phone-%dx%d", size.w, size.h), size.w, size.h)
		reducedMotion(phones[i])
	}
	screen.waitText("50 joined")
	check.check("long lobby", ".sc-lobby")

	var answers []string
	for i := range 20 {
		answers = append(answers, long(fmt.Sprintf("Answer %d:", i+1), 80))
	}
	longRun := &stageRun{t: t, s: ls, c: check, crowd: longPeople, phones: phones,
		split:  map[int]bool{1: true, 2: true, 11: true},
		round:  2,
		timer:  1,
		choice: func(i, options int) int { return i % options },
		text:   func(i int) string { return answers[(i*i)%len(answers)] },
		scale:  func(step, round, points, i int) int { return 1 + (i*5+step+round)%points },
		shots: map[string]string{"1/0": "stage-long-choice", "1/closed": "stage-long-choice-closed", "11/0": "stage-long-profile",
			"1/phone": "stage-phone-long-choice"},
	}
	longRun.run("long", len(steps))
	ls.act(t, "end", nil)
	check.check("long ended", ".sc-ended")

	b.assertNoConsoleErrors()
	t.Logf("%d layouts checked in %s", check.checks, time.Since(start).Round(time.Second))
}
