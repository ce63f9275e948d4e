package e2e

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/testserver"
)

// The sentences a phone shows under the name field (frontend/app/names.js,
// quoted in docs/protocol.md).
const (
	promiseHidden  = "Your answers are anonymous. Your name only shows on your own phone."
	promiseVisible = "Your name, and your role if you pick one, will be visible to the facilitator next to your answers."
)

// A facilitator creates a session on /host with the default (anonymous
// answers) and one with names visible, each time seeing the phone's words;
// the phone's join form says exactly those words, and the console's export
// menu offers names only where the phone said they are visible.
func TestThePhonesPromiseIsTheExportMenus(t *testing.T) {
	b := newBrowser(t)
	srv := testserver.Start(t, testserver.TempDB(t), httpapi.Config{})
	host := b.newTab("host", 1280, 800, false)
	phone := b.newTab("phone", 360, 740, true)

	for _, tc := range []struct {
		option     string // the host page's choice; "" keeps the default
		promise    string
		other      string
		wantChoice bool
	}{
		{"", promiseHidden, promiseVisible, false},
		{"Names visible to you", promiseVisible, promiseHidden, true},
	} {
		host.navigate(srv.URL + "/host")
		host.waitText("Create session")
		// The host page quotes both sentences before anything is created.
		host.waitText(fmt.Sprintf("Phones say: “%s”", promiseHidden))
		host.waitText(fmt.Sprintf("Phones say: “%s”", promiseVisible))
		if evaluate[string](host, `document.querySelector('input[name="names"]:checked').value`) != "hidden" {
			t.Error("the host page does not start on anonymous answers")
		}
		if tc.option == "" {
			evaluate[bool](host, `(document.querySelector(".names-choice").scrollIntoView(), true)`)
			host.shot("host-names-choice")
		}
		if tc.option != "" {
			host.run("pick "+tc.option, chromedp.Click(chromedp.Search(fmt.Sprintf(`//label[contains(@class, "names-option")][.//span[@class="names-label"][normalize-space(.)=%q]]`, tc.option)), chromedp.NodeVisible))
			host.waitJS("the choice taken", `document.querySelector('input[name="names"]:checked').value === "visible"`)
		}
		host.clickButton("Create session")
		host.waitJS("the console", `location.pathname.startsWith("/host/") && location.pathname.split("/").length === 3`)
		host.waitText("0 joined · 0 voted")
		code := evaluate[string](host, `JSON.parse(localStorage.getItem("quorum:hosted"))[0].code`)

		phone.navigate(srv.URL + "/j/" + code)
		phone.waitText("Your name (optional)")
		if got := evaluate[string](phone, `document.getElementById("name-hint").innerText.trim()`); got != tc.promise {
			t.Errorf("the join form says %q, want %q", got, tc.promise)
		}
		if phone.hasText(tc.other) || phone.hasText("either way") {
			t.Errorf("the join form also says %q", tc.other)
		}
		phone.shot("phone-join-" + map[bool]string{true: "names-visible", false: "anonymous"}[tc.wantChoice])
		phone.typeInto("Your name (optional)", "Ana Test")
		phone.clickButton("Join")
		phone.waitText("Look at the shared screen")
		host.waitText("1 joined")

		host.clickButton("Export")
		host.waitText("Printable report")
		hasBox := evaluate[bool](host, `!!document.querySelector('.export-menu input[type="checkbox"]')`)
		if hasBox != tc.wantChoice {
			t.Errorf("names %q: the export menu offers to leave out names: %v, want %v", tc.promise, hasBox, tc.wantChoice)
		}
		if tc.wantChoice {
			host.waitText("Leave out names (anonymous)")
		} else {
			host.waitText(fmt.Sprintf("Anonymous: phones were told “%s” No export holds a name.", promiseHidden))
			if !evaluate[bool](host, `document.querySelector(".export-menu a").getAttribute("href").endsWith("/report?anonymous=1")`) {
				t.Error("the report link of an anonymous session does not ask for the anonymous report")
			}
			host.shot("console-export-menu-anonymous")
		}
		host.key(kb.Escape)
		host.waitNoText("Printable report")
	}
	b.assertNoConsoleErrors()
}

// A session whose phones were told their answers are anonymous: its report
// offers no version with names, not even when the address asks for one (the
// server exports it anonymously anyway), and "My sessions" offers to leave
// names out only for the session that has them, whose report link alone can
// carry names.
func TestAnonymousSessionsOfferNoNames(t *testing.T) {
	b := newBrowser(t)
	srv := testserver.Start(t, testserver.TempDB(t), httpapi.Config{})
	named := seedSession(t, srv, true)
	var hidden roomSession
	apiJSON(t, srv, "POST", "/api/sessions", "", map[string]any{"agenda": map[string]any{"title": "Anonymous check", "steps": exportSteps}}, &hidden, http.StatusCreated)
	joinVoters(t, srv, hidden.ID, hidden.Code, []string{"Zed Secret"})

	tb := b.newTab("host", 1280, 800, false)
	tb.navigate(fmt.Sprintf("%s/host/%s#key=%s&screen=%s", srv.URL, hidden.ID, hidden.HostKey, hidden.ScreenKey))
	tb.waitText("1 joined")
	for _, query := range []string{"", "?anonymous=0"} {
		tb.navigate(srv.URL + "/host/" + hidden.ID + "/report" + query)
		tb.waitText("Anonymous, as the phones promised: no names, no groups of participants.")
		tb.waitText("Anonymous: the phones promised it")
		if tb.hasText("With names") || tb.hasText("Zed") || evaluate[bool](tb, `!!document.getElementById("participants")`) {
			t.Errorf("report%s of an anonymous session: offers names, or shows one", query)
		}
	}
	tb.shot("report-anonymous-session")

	// My sessions: the session with names visible alone has the choice.
	openConsole(tb, srv, named)
	tb.clickButton("My sessions")
	tb.waitText("Anonymous answers: no export holds a name")
	tb.waitText("Names visible")
	tb.waitText("Leave out names (anonymous) in downloads and reports of sessions with names visible")
	reports := `[...document.querySelectorAll(".session")].map((li) => li.querySelector("h2").innerText + "=" + li.querySelector("a[href*='/report']").getAttribute("href")).join(" ")`
	want := fmt.Sprintf("%s=/host/%s/report Anonymous check=/host/%s/report?anonymous=1", exportTitle, named.ID, hidden.ID)
	if got := evaluate[string](tb, reports); got != want {
		t.Errorf("the report links are %q, want %q", got, want)
	}
	tb.shot("my-sessions-names")

	// With only the anonymous session left, there is no choice at all.
	tb.run("forget the named session", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`localStorage.setItem("quorum:hosted", JSON.stringify(JSON.parse(localStorage.getItem("quorum:hosted")).filter((s) => s.id !== %q)))`, named.ID)))
	tb.run("reload", chromedp.Reload())
	tb.waitText("Anonymous answers: no export holds a name")
	if tb.hasText("Leave out names") {
		t.Error("My sessions offers to leave out names where there are none")
	}
	b.assertNoConsoleErrors()
}
