package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/testserver"
)

// phoneSizes are the phones the layout must serve: a small Android and a
// current iPhone, in CSS pixels.
var phoneSizes = []struct{ w, h int64 }{{360, 640}, {390, 844}}

// uncovered is a script that answers "" when the element sel is whole
// inside the viewport and on top at its centre and near its four corners
// (nothing fixed or sticky over it), else says what is wrong.
func uncovered(sel string) string {
	return fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		if (!el) return "not on the page";
		const r = el.getBoundingClientRect();
		if (r.top < -0.5 || r.bottom > window.innerHeight + 0.5 || r.left < -0.5 || r.right > window.innerWidth + 0.5) {
			return "outside the viewport: top " + Math.round(r.top) + ", bottom " + Math.round(r.bottom) + " of " + window.innerHeight;
		}
		// Corners inset past a rounded border's curve.
		const dx = Math.min(14, r.width / 4), dy = Math.min(5, r.height / 4);
		const points = [[r.left + r.width / 2, r.top + r.height / 2], [r.left + dx, r.top + dy], [r.right - dx, r.top + dy], [r.left + dx, r.bottom - dy], [r.right - dx, r.bottom - dy]];
		for (const [x, y] of points) {
			const hit = document.elementFromPoint(x, y);
			if (!hit || !el.contains(hit)) return "covered at " + Math.round(x) + "," + Math.round(y) + " by " + (hit ? hit.outerHTML.slice(0, 100) : "nothing");
		}
		return "";
	})()`, sel)
}

// checkUncovered fails the test when uncovered(sel) finds a problem.
func checkUncovered(t *testing.T, p *tab, what, sel string) {
	t.Helper()
	if problem := evaluate[string](p, uncovered(sel)); problem != "" {
		p.shot("covered-" + sanitize(p.name+"-"+what))
		t.Errorf("%s: %s is %s", p.name, what, problem)
	}
}

// joinPhone opens a phone of the given size on the join link and joins.
func (s *roomSession) joinPhone(b *browser, name string, w, h int64) *tab {
	b.t.Helper()
	p := b.newTab(name, w, h, true)
	p.navigate(s.srv.URL + "/j/" + s.Code)
	p.waitText("Your name (optional)")
	p.typeInto("Your name (optional)", name)
	p.clickButton("Join")
	p.waitText("Look at the shared screen")
	return p
}

// TestPhoneConfirmationIsNeverCovered: on a small and a tall phone, with the
// reaction bar on, "Vote received ✓" is inside the viewport and on top of
// everything after a vote on each kind of question, and so are the results
// revealed while voting is still open.
func TestPhoneConfirmationIsNeverCovered(t *testing.T) {
	const title = "Phone layout check"
	b, s := startRoom(t, title, []map[string]any{
		{"kind": "info", "title": "Welcome"},
		{"kind": "choice", "title": "Which of these should the team stop doing first?", "options": []string{
			"Meetings without an agenda", "Status reports nobody reads", "Deciding by email", "Working late before releases",
		}},
		{"kind": "scale", "title": "How much room does the team have to decide for itself?", "left": "None at all", "right": "All it needs", "points": 7},
		{"kind": "text", "title": "One word for this quarter?"},
	})
	var phones []*tab
	for _, size := range phoneSizes {
		phones = append(phones, s.joinPhone(b, fmt.Sprintf("phone-%dx%d", size.w, size.h), size.w, size.h))
	}
	s.act(t, "start", nil)
	for _, p := range phones {
		p.waitText("React on the shared screen")
	}

	vote := map[string]func(p *tab){
		"choice": func(p *tab) { p.clickButton("Working late before releases") },
		"scale":  func(p *tab) { p.clickButton("6") },
		"text": func(p *tab) {
			p.run("type an answer", chromedp.SendKeys(chromedp.CSS("#answer"), "Focus", chromedp.NodeVisible))
			p.clickButton("Send")
		},
	}
	for _, kind := range []string{"choice", "scale", "text"} {
		s.act(t, "next", nil)
		s.act(t, "open", nil)
		for _, p := range phones {
			if kind == "text" {
				p.waitJS("the answer field", `!!document.querySelector("#answer")`)
			} else {
				waitVotable(p)
			}
			vote[kind](p)
			p.waitText(receivedText)
			checkUncovered(t, p, kind+" confirmation", ".p-status-ok")
			p.shot(fmt.Sprintf("phone-%s-voted-%s", kind, p.name))
		}
		// Revealed while voting is open: the results follow the
		// confirmation, and neither hides under anything.
		s.act(t, "reveal", nil)
		for _, p := range phones {
			p.waitJS("the results", `!!document.querySelector(".p-results .p-chart")`)
			checkUncovered(t, p, kind+" confirmation after the reveal", ".p-status-ok")
			p.run("scroll to the results", chromedp.Evaluate[chromedp.Void](`document.querySelector(".p-results-title").scrollIntoView({ block: "center" })`))
			checkUncovered(t, p, kind+" results heading", ".p-results-title")
			p.run("scroll to the end", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.documentElement.scrollHeight)`))
			checkUncovered(t, p, kind+" results chart", ".p-results .p-chart")
			p.shot(fmt.Sprintf("phone-%s-revealed-%s", kind, p.name))
			p.run("scroll to the top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
		}
	}
	// The reaction bar is still there, at the end of the page.
	for _, p := range phones {
		p.run("scroll to the end", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.documentElement.scrollHeight)`))
		checkUncovered(t, p, "the reaction bar", ".p-react")
	}
	b.assertNoConsoleErrors()
}

// TestPhoneJoinButtonAboveTheFold: a name and five groups to choose from,
// and the Join button is on the first screen, not under the fold.
func TestPhoneJoinButtonAboveTheFold(t *testing.T) {
	b := newBrowser(t)
	s := &roomSession{srv: startServer(t)}
	agenda := map[string]any{"title": "Leadership offsite, spring edition", "segments": []string{
		"Engineering", "Product and design", "Sales and marketing", "People and operations", "Leadership team",
	}, "steps": []map[string]any{{"kind": "info", "title": "Welcome"}}}
	apiJSON(t, s.srv, "POST", "/api/sessions", "", map[string]any{"agenda": agenda}, s, http.StatusCreated)
	for _, size := range []struct{ w, h int64 }{{360, 740}, {360, 640}, {390, 844}} {
		p := b.newTab(fmt.Sprintf("join-%dx%d", size.w, size.h), size.w, size.h, true)
		p.navigate(s.srv.URL + "/j/" + s.Code)
		p.waitText("Your name (optional)")
		p.typeInto("Your name (optional)", "Ana")
		p.shot("phone-join-form-" + p.name)
		checkUncovered(t, p, "the Join button", `.p-join button[type="submit"]`)
		// Every group can still be chosen: the last one, scrolled to, is not
		// under the button.
		p.run("scroll to the last group", chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll(".p-radio")].pop().scrollIntoView({ block: "nearest" })`))
		checkUncovered(t, p, "the last group", ".p-radio:last-of-type")
		p.run("choose the last group", chromedp.Click(chromedp.CSS(".p-radio:last-of-type"), chromedp.NodeVisible))
		p.clickButton("Join")
		p.waitText("Look at the shared screen")
	}
	var st struct {
		Counts struct{ Joined int }
	}
	apiJSON(t, s.srv, "GET", "/api/sessions/"+s.ID, s.HostKey, nil, &st, http.StatusOK)
	if st.Counts.Joined != 3 {
		t.Errorf("%d joined, want 3", st.Counts.Joined)
	}
	b.assertNoConsoleErrors()
}

// TestCodeBoxesShowTheWholeCode: at 360 px, the landing page's and the join
// page's code boxes show "1234 5678" whole, as the placeholder and typed.
func TestCodeBoxesShowTheWholeCode(t *testing.T) {
	b := newBrowser(t)
	srv := startServer(t)
	for _, page := range []struct{ path, label string }{{"/", "Join with the code on the screen"}, {"/join", "Join code"}} {
		p := b.newTab("code box "+page.path, 360, 640, true)
		p.navigate(srv.URL + page.path)
		p.waitText(page.label)
		p.shot("code-box-" + sanitize(page.path))
		// The placeholder is as wide as the code in the same font: measure
		// the field holding it.
		fits := `(() => { const el = document.getElementById("code"); return el.scrollWidth <= el.clientWidth ? "" : el.scrollWidth + " > " + el.clientWidth; })()`
		if got := evaluate[string](p, `document.getElementById("code").placeholder`); got != "1234 5678" {
			t.Errorf("%s: placeholder %q", page.path, got)
		}
		p.run("the placeholder as a value", chromedp.Evaluate[chromedp.Void](`document.getElementById("code").value = "1234 5678"`))
		if problem := evaluate[string](p, fits); problem != "" {
			t.Errorf("%s: the code box clips 1234 5678: scroll width %s", page.path, problem)
		}
		p.run("clear", chromedp.Evaluate[chromedp.Void](`document.getElementById("code").value = ""`))
		p.typeInto(page.label, "12345678")
		if problem := evaluate[string](p, fits); problem != "" {
			t.Errorf("%s: the typed code clips: scroll width %s", page.path, problem)
		}
		p.shot("code-box-typed-" + sanitize(page.path))
	}
	b.assertNoConsoleErrors()
}

// offline cuts the tab's network (and says so to the page, as a phone's
// system does), or brings it back.
func (tb *tab) offline(off bool) {
	tb.b.t.Helper()
	tb.run(fmt.Sprintf("offline %v", off), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		conds := []*network.Conditions{}
		if off {
			conds = append(conds, &network.Conditions{Offline: true, DownloadThroughput: -1, UploadThroughput: -1})
		}
		if _, err := cdp.Call(ctx, tg, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: conds}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: off, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	}))
}

// TestPhoneVotesOffline: offline, the phone says what it does: a vote
// given meanwhile is kept on the phone and sent on the way back, and counts
// if voting is still open then; if voting closed meanwhile, the phone says
// its vote was not counted.
func TestPhoneVotesOffline(t *testing.T) {
	const title = "Offline check"
	b, s := startRoom(t, title, []map[string]any{
		{"kind": "choice", "title": "Tea or coffee?", "options": []string{"Tea", "Coffee"}},
		{"kind": "choice", "title": "Cake or fruit?", "options": []string{"Cake", "Fruit"}},
	})
	p := s.joinPhone(b, "phone", 360, 640)
	voted := func() int {
		t.Helper()
		var st struct{ Counts struct{ Voted int } }
		apiJSON(t, s.srv, "GET", "/api/sessions/"+s.ID, s.HostKey, nil, &st, http.StatusOK)
		return st.Counts.Voted
	}
	s.act(t, "start", nil)
	s.act(t, "open", nil)
	waitVotable(p)

	p.offline(true)
	p.waitJS("the offline banner", `!!document.querySelector(".banner-offline")`)
	banner := evaluate[string](p, `document.querySelector(".banner-offline").innerText`)
	p.shot("phone-offline")
	if !strings.Contains(banner, "still vote") {
		t.Errorf("the offline banner says %q; voting works offline, and it should say so", banner)
	}
	// What the banner promises: the buttons take a vote, kept on the phone.
	waitVotable(p)
	p.clickButton("Coffee")
	p.waitText("Saved on this phone")
	p.shot("phone-offline-voted")
	checkUncovered(t, p, "the offline vote's status", ".p-status")
	if n := voted(); n != 0 {
		t.Errorf("%d votes on the server while the phone is offline", n)
	}
	p.offline(false)
	p.waitText(receivedText)
	if n := voted(); n != 1 {
		t.Errorf("%d votes on the server after the phone came back, want 1", n)
	}

	// Voting closes while the phone is offline: its vote cannot count, and
	// the phone says so when it is back.
	s.act(t, "next", nil)
	s.act(t, "open", nil)
	p.waitText("Cake or fruit?")
	waitVotable(p)
	p.offline(true)
	p.waitJS("the offline banner", `!!document.querySelector(".banner-offline")`)
	p.clickButton("Fruit")
	p.waitText("Saved on this phone")
	s.act(t, "close", nil)
	p.offline(false)
	p.waitText("Voting is closed")
	p.waitText("was not sent in time")
	p.shot("phone-offline-too-late")
	if n := voted(); n != 0 {
		t.Errorf("%d votes on the closed step, want 0", n)
	}
	b.assertNoConsoleErrors()
}

// startServer starts a server on a fresh database until the test ends.
func startServer(t *testing.T) *testserver.Server {
	t.Helper()
	return testserver.Start(t, testserver.TempDB(t), httpapi.Config{})
}
