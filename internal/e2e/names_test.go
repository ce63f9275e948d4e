package e2e

import (
	"fmt"
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
