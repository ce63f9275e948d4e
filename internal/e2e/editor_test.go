package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/testserver"
)

// stepOrder is the titles of the editor's steps, in order, joined by "|".
const stepOrder = `[...document.querySelectorAll(".ed-step-title")].map((e) => e.innerText).join("|")`

// stepItem selects a step of the editor's list by its title.
func stepItem(title string) chromedp.Search {
	return chromedp.Search(fmt.Sprintf(`//button[contains(@class, "ed-step-select")][.//span[@class="ed-step-title"][normalize-space(.)=%q]]`, title))
}

// shapeOf is the tree of tags, classes and attributes under the element a
// CSS selector finds, without its text and the ids that tie it to its page:
// `div.p-options[role=group](button.p-option[aria-pressed=false][type=button](…) …)`.
func shapeOf(tb *tab, selector string) string {
	tb.b.t.Helper()
	tb.waitJS("the element "+selector, fmt.Sprintf(`!!document.querySelector(%q)`, selector))
	return evaluate[string](tb, fmt.Sprintf(`(() => {
		const ids = new Set(["id", "for", "class", "aria-labelledby", "aria-describedby"]);
		const attrs = (e) => [...e.attributes].filter((a) => !ids.has(a.name)).map((a) => "[" + a.name + "=" + a.value + "]").sort().join("");
		const walk = (e) => e.tagName.toLowerCase() + [...e.classList].sort().map((c) => "." + c).join("") + attrs(e) +
			(e.children.length ? "(" + [...e.children].map(walk).join(" ") + ")" : "");
		return walk(document.querySelector(%q));
	})()`, selector))
}

// waitIn waits until the element selected by the CSS selector shows text.
func (tb *tab) waitIn(selector, text string) {
	tb.b.t.Helper()
	tb.waitJS(fmt.Sprintf("%q in %s", text, selector), fmt.Sprintf(`!!document.querySelector(%q) && document.querySelector(%q).innerText.includes(%q)`, selector, selector, text))
}

// dragStep drags a step onto the top half of another, with the events a
// mouse drag fires (CDP cannot drive a native HTML5 drag).
func (tb *tab) dragStep(title, onto string) {
	tb.b.t.Helper()
	li := func(t string) string {
		return fmt.Sprintf(`[...document.querySelectorAll(".ed-step")].find((li) => li.querySelector(".ed-step-title").innerText === %q)`, t)
	}
	tb.run("drag start", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`window.dt = new DataTransfer();
		%s.dispatchEvent(new DragEvent("dragstart", { bubbles: true, cancelable: true, dataTransfer: dt }))`, li(title))))
	for _, ev := range []string{"dragover", "drop"} {
		tb.run(ev, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const li = %s; const r = li.getBoundingClientRect();
			li.dispatchEvent(new DragEvent(%q, { bubbles: true, cancelable: true, dataTransfer: dt, clientX: r.left + 10, clientY: r.top + 3 })); })()`, li(onto), ev)))
	}
	tb.run("drag end", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`%s.dispatchEvent(new DragEvent("dragend", { bubbles: true, dataTransfer: dt }))`, li(title))))
}

// TestEditorCreatesAndRunsAnAgenda builds a three-step agenda in the editor,
// moves steps by keyboard and by drag, fixes what the server refuses, saves
// it and downloads it; then a session created from it on /host runs with a
// phone voting.
func TestEditorCreatesAndRunsAnAgenda(t *testing.T) {
	b := newBrowser(t)
	srv := testserver.Start(t, testserver.TempDB(t), httpapi.Config{})
	ed := b.newTab("editor", 1280, 900, false)
	downloads := t.TempDir()
	allowDownloads(ed, downloads)
	ed.navigate(srv.URL + "/host/agendas")
	ed.clickButton("New agenda")
	ed.waitText("No steps yet: add the first one.")

	// A required field left empty says so once it is left.
	ed.run("leave the title empty", chromedp.Focus(chromedp.CSS("#agenda-title")), chromedp.KeyEvent(kb.Tab))
	ed.waitIn("#agenda-title-problem", "Give the agenda a title.")
	if invalid := evaluate[string](ed, `document.getElementById("agenda-title").getAttribute("aria-invalid") || ""`); invalid != "true" {
		t.Errorf("the empty title's aria-invalid = %q, want true", invalid)
	}
	ed.typeInto("Agenda title", "Lunch plan")
	ed.waitJS("the title's hint gone", `!document.getElementById("agenda-title-problem")`)

	// Three steps; the preview shows the selected one as the phone and the
	// screen would.
	ed.clickButton("Add an info step")
	ed.typeInto("Step title", "Welcome")
	ed.run("type the body", chromedp.SendKeys(chromedp.CSS("#step-body"), "Thanks for coming.", chromedp.NodeVisible))
	ed.waitIn(".ed-phone", "Welcome")
	ed.waitIn(".ed-phone", "Look at the shared screen")
	ed.waitIn(".ed-screen", "Thanks for coming.")

	ed.clickButton("Add a choice step")
	ed.typeInto("Step title", "Lunch?")
	ed.typeInto("Option A", "Salad")
	ed.typeInto("Option B", "Soup")
	ed.waitIn(".ed-phone", "Lunch?")
	ed.waitIn(".ed-phone", "Salad")
	ed.waitIn(".ed-screen", "Soup")
	ed.waitIn(".ed-screen", "2 / 2")
	// The preview is the phone's and the screen's own markup (checked
	// against them below, once a session runs this agenda).
	previewChoice := shapeOf(ed, ".ed-phone .p-options")
	previewOptions := shapeOf(ed, ".ed-screen .sc-options")
	ed.clickButton("Results")
	ed.waitIn(".ed-phone", "Salad — ")
	ed.waitIn(".ed-screen", "Voting closed")
	ed.clickButton("Voting")
	ed.waitIn(".ed-screen", "Voting open")

	ed.clickButton("Add a scale step")
	ed.typeInto("Step title", "Pace")
	ed.typeInto("Left pole", "Too slow")
	ed.typeInto("Right pole", "Too fast")
	ed.waitIn(".ed-phone", "← Too slow")
	ed.waitIn(".ed-screen", "Too fast")
	ed.waitIn(".ed-screen", "3 / 3")
	previewScale := shapeOf(ed, ".ed-phone .p-scale")
	previewPoles := shapeOf(ed, ".ed-screen .sc-poles")
	// The scale reveals itself once everyone connected has voted.
	ed.run("reveal mode", chromedp.Evaluate[chromedp.Void](`(() => { const el = document.getElementById("step-autoReveal");
		el.value = "all-voted"; el.dispatchEvent(new Event("change", { bubbles: true })); })()`))
	ed.waitJS("three steps", fmt.Sprintf(`%s === "Welcome|Lunch?|Pace"`, stepOrder))
	ed.shot("editor-new-agenda")

	// Alt+↑ and Alt+↓ move the focused step; the focus stays on it.
	alt := chromedp.KeyModifiers(chromedp.ModifierAlt)
	ed.run("Alt+↑ on Lunch?", chromedp.Focus(stepItem("Lunch?")), chromedp.KeyEvent(kb.ArrowUp, alt))
	ed.waitJS("Lunch? first", fmt.Sprintf(`%s === "Lunch?|Welcome|Pace"`, stepOrder))
	ed.waitJS("the focus on the moved step", `document.activeElement.classList.contains("ed-step-select") && document.activeElement.innerText.includes("Lunch?")`)
	ed.run("Alt+↓ on Lunch?", chromedp.KeyEvent(kb.ArrowDown, alt))
	ed.waitJS("Lunch? second again", fmt.Sprintf(`%s === "Welcome|Lunch?|Pace"`, stepOrder))

	// A drag puts Pace before Lunch?.
	ed.dragStep("Pace", "Lunch?")
	ed.waitJS("Pace second", fmt.Sprintf(`%s === "Welcome|Pace|Lunch?"`, stepOrder))

	// The server refuses a dimension; its message shows next to the field,
	// and in the summary under the step's new position.
	ed.run("select Pace", chromedp.Click(stepItem("Pace"), chromedp.NodeVisible))
	ed.waitIn("#step-form-title", "Step 2 of 3: Pace")
	ed.typeInto("Dimension", "Not Valid")
	ed.clickButton("Save")
	ed.waitIn("#step-dimension-problem", "use lower-case letters, digits and single dashes")
	ed.waitIn(".ed-problems", "Step 2, Dimension")
	ed.waitIn(".ed-step.is-selected", "needs a fix")
	ed.shot("editor-refused-dimension")
	ed.run("fix the dimension", chromedp.Evaluate[chromedp.Void](`document.getElementById("step-dimension").select()`), chromedp.KeyEvent("pace"))
	ed.waitJS("the dimension's problem gone", `!document.getElementById("step-dimension-problem") && !document.querySelector(".ed-problems")`)
	ed.clickButton("Save")
	ed.waitText("Saved “Lunch plan”.")
	ed.waitText("Edit agenda")
	b.forgiveRefusals(http.StatusUnprocessableEntity)

	var list struct {
		Agendas []struct {
			Title   string
			Steps   int
			Builtin bool
		}
	}
	getJSON(t, srv.URL+"/api/agendas", &list)
	saved := 0
	for _, a := range list.Agendas {
		if !a.Builtin {
			saved++
			if a.Title != "Lunch plan" || a.Steps != 3 {
				t.Errorf("saved agenda %q with %d steps, want “Lunch plan” with 3", a.Title, a.Steps)
			}
		}
	}
	if saved != 1 {
		t.Errorf("the server lists %d saved agendas, want 1", saved)
	}

	// The download is a valid agenda, with the steps in the order shown.
	ed.clickButton("Download JSON")
	ed.waitText("Downloaded lunch-plan.json")
	agenda, err := quorum.ParseAgenda(waitDownload(t, downloads, "lunch-plan.json"))
	if err != nil {
		t.Fatalf("the downloaded agenda does not parse: %v", err)
	}
	var got []string
	for _, s := range agenda.Steps {
		got = append(got, fmt.Sprintf("%s:%s", s.Kind, s.Title))
	}
	if want := "info:Welcome|scale:Pace|choice:Lunch?"; agenda.Title != "Lunch plan" || strings.Join(got, "|") != want {
		t.Errorf("downloaded %q with steps %q, want “Lunch plan” with %q", agenda.Title, strings.Join(got, "|"), want)
	}
	if len(agenda.Steps) == 3 && (agenda.Steps[1].Dimension != "pace" || strings.Join(agenda.Steps[2].Options, "|") != "Salad|Soup" ||
		agenda.Steps[1].AutoReveal != quorum.RevealOnAllVoted) {
		t.Errorf("downloaded dimension %q, options %q, reveal %q; want pace, Salad|Soup, all-voted",
			agenda.Steps[1].Dimension, agenda.Steps[2].Options, agenda.Steps[1].AutoReveal)
	}

	// A session from the saved agenda, created on /host: the editor's tab
	// follows its link there and becomes the console.
	ed.clickButton("Host a workshop")
	ed.waitJS("/host", `location.pathname === "/host"`)
	host := ed
	host.waitIn(".agenda-cards", "Lunch plan")
	host.run("pick Lunch plan", chromedp.Click(chromedp.Search(`//label[contains(@class, "agenda-card")][.//span[@class="agenda-card-title"][normalize-space(.)="Lunch plan"]]`), chromedp.NodeVisible))
	host.waitIn(".agenda-card.selected", "Saved · 3 steps")
	host.clickButton("Create session")
	host.waitJS("the console", `location.pathname.startsWith("/host/")`)
	host.waitText("0 joined · 0 voted")
	code := evaluate[string](host, `JSON.parse(localStorage.getItem("quorum:hosted"))[0].code`)
	screenLink := evaluate[string](host, `(() => { const s = JSON.parse(localStorage.getItem("quorum:hosted"))[0]; return "/screen/" + s.id + "#key=" + s.screenKey; })()`)
	screen := b.newTab("screen", 1280, 720, false)
	screen.navigate(srv.URL + screenLink)

	phone := b.newTab("phone", 360, 780, true)
	phone.navigate(srv.URL + "/j/" + code)
	phone.waitText("Lunch plan")
	phone.typeInto("Your name (optional)", "Ada")
	phone.clickButton("Join")
	phone.waitText("Look at the shared screen")
	host.waitText("1 joined · 0 voted")

	host.clickButton("Start")
	host.waitText("Step 1 of 3")
	phone.waitText("Welcome")
	host.clickButton("Next")
	host.waitText("Step 2 of 3")
	host.clickButton("Open voting")
	host.waitText("Close voting")
	samePreview(t, "a scale's points on the phone", previewScale, shapeOf(phone, ".p-scale"))
	samePreview(t, "a scale's poles on the screen", previewPoles, shapeOf(screen, ".sc-poles"))
	host.clickButton("Close voting")
	host.waitText("Open voting")
	host.clickButton("Next")
	host.waitText("Step 3 of 3")
	host.waitIn("#step-title", "Lunch?")
	host.clickButton("Open voting")
	host.waitText("Close voting")
	phone.waitText("Lunch?")
	phone.waitJS("voting open", `!!document.querySelector("button[aria-pressed]:not([disabled])")`)
	samePreview(t, "a choice's options on the phone", previewChoice, shapeOf(phone, ".p-options"))
	samePreview(t, "a choice's options on the screen", previewOptions, shapeOf(screen, ".sc-options"))
	phone.clickButton("Salad")
	phone.waitText(receivedText)
	host.waitText("1 joined · 1 voted")
	host.waitIn(".results-panel", "Salad — 1 (100%)")
	host.waitIn(".results-panel", "Soup — 0 (0%)")
	host.shot("console-editor-agenda")
	b.assertNoConsoleErrors()
}

// samePreview fails the test when the editor's preview of what shows differs
// from what a running session shows.
func samePreview(t *testing.T, what, preview, live string) {
	t.Helper()
	if preview != live {
		t.Errorf("the editor's preview of %s is\n\t%s\nthe session's is\n\t%s", what, preview, live)
	}
}

// TestEditorAsksForTheHostPassword asks for the password before it lists the
// saved agendas, uploads a file the server refuses, fixes it, saves it
// without asking again, and deletes it after confirming.
func TestEditorAsksForTheHostPassword(t *testing.T) {
	b := newBrowser(t)
	srv := testserver.Start(t, testserver.TempDB(t), httpapi.Config{HostPassword: "s3cret"})
	file := filepath.Join(t.TempDir(), "retro.json")
	doc := `{"title": "Retro", "steps": [{"kind": "choice", "title": "Q", "options": ["Yes", "No"], "option": "typo"}]}`
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	ed := b.newTab("editor", 390, 844, true)
	ed.navigate(srv.URL + "/host/agendas")
	// Saved agendas are locked behind the password: the editor asks at once.
	ed.typeInto("Host password", "wrong")
	ed.clickButton("Continue")
	ed.waitText("That password is not right. Try again.")
	ed.run("the right password", chromedp.Evaluate[chromedp.Void](`document.getElementById("host-password").select()`), chromedp.KeyEvent("s3cret"))
	ed.clickButton("Continue")
	ed.waitText("Saved on this server")
	ed.run("upload", chromedp.SetUploadFiles(chromedp.CSS(".ed-start input[type=file]"), []string{file}))
	ed.waitText("New agenda")
	ed.waitIn(".ed-phone", "Yes")

	// The password given once serves the writes too.
	ed.clickButton("Save")
	// The field the file got wrong is named, with a way to drop it.
	ed.waitText("is not a field of the agenda format")
	ed.clickButton("Remove “option”")
	ed.waitNoText("is not a field of the agenda format")
	ed.clickButton("Save")
	ed.waitText("Saved “Retro”.")
	b.forgiveRefusals(http.StatusUnauthorized, http.StatusUnprocessableEntity)
	if ed.hasText("Host password") {
		t.Error("the editor asks for the password again")
	}

	ed.clickButton("All agendas")
	ed.waitText("Retro")
	ed.clickButton("Delete")
	ed.waitText("Sessions created from it keep their own copy.")
	ed.clickButton("Delete agenda")
	ed.waitText("Deleted “Retro”.")
	ed.waitText("No saved agendas yet")
	b.assertNoConsoleErrors()
}

// forgiveRefusals drops the browser's own report of the answers a test
// provokes on purpose: Chromium logs every 4xx of a fetch as an error.
func (b *browser) forgiveRefusals(statuses ...int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	kept := b.errors[:0]
	for _, e := range b.errors {
		expected := false
		for _, s := range statuses {
			expected = expected || strings.Contains(e, fmt.Sprintf("the server responded with a status of %d", s)) && strings.Contains(e, "/api/agendas")
		}
		if !expected {
			kept = append(kept, e)
		}
	}
	b.errors = kept
}

func getJSON(t *testing.T, url string, out any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

// TestEditorCountsSavesAndRuns: a new, empty agenda has nothing unsaved; a
// text near its limit shows how much room is left; "Run this agenda" saves
// it, creates a session of it and opens its console.
func TestEditorCountsSavesAndRuns(t *testing.T) {
	b := newBrowser(t)
	srv := testserver.Start(t, testserver.TempDB(t), httpapi.Config{})
	ed := b.newTab("editor", 1280, 800, false)
	ed.navigate(srv.URL + "/host/agendas")
	ed.clickButton("New agenda")
	ed.waitText("No steps yet: add the first one.")
	ed.waitIn(".ed-status", "Not saved yet")
	if ed.hasText("Unsaved changes") {
		t.Error("a new, empty agenda says it has unsaved changes")
	}
	if disabled, _ := ed.buttonState("Run this agenda"); !disabled {
		t.Error("an agenda without steps can be run")
	}

	ed.typeInto("Agenda title", "Run check")
	ed.waitIn(".ed-status", "Unsaved changes")
	ed.clickButton("Add a choice step")
	// 150 of 200 characters: no counter; 160 and on: a counter, tied to the field.
	ed.typeInto("Step title", strings.Repeat("a", 150))
	if evaluate[bool](ed, `!!document.getElementById("step-title-count")`) {
		t.Error("a title far from its limit shows a counter")
	}
	ed.typeInto("Step title", strings.Repeat("b", 15))
	ed.waitIn("#step-title-count", "165 / 200 characters")
	if d := evaluate[string](ed, `document.getElementById("step-title").getAttribute("aria-describedby")`); !strings.Contains(d, "step-title-count") {
		t.Errorf("the title's aria-describedby %q leaves out its counter", d)
	}
	ed.typeInto("Step title", strings.Repeat("c", 50)) // the field stops at 200
	ed.waitIn("#step-title-count", "200 / 200 characters: the limit")
	ed.typeInto("Option A", strings.Repeat("x", 70))
	ed.waitIn("#step-option-0-count", "70 / 80 characters")
	ed.typeInto("Option B", "No")
	ed.shot("editor-counters")

	ed.clickButton("Run this agenda")
	ed.waitJS("the console", `/^\/host\/[0-9a-f-]{36}$/.test(location.pathname)`)
	ed.waitText("0 joined · 0 voted")
	ed.waitIn("h1", "Run check")
	id := evaluate[string](ed, `location.pathname.split("/")[2]`)
	var list struct {
		Agendas []struct{ Title string }
	}
	getJSON(t, srv.URL+"/api/agendas", &list)
	saved := false
	for _, a := range list.Agendas {
		saved = saved || a.Title == "Run check"
	}
	if !saved {
		t.Error("running the agenda did not save it first")
	}
	if hosted := evaluate[string](ed, `JSON.parse(localStorage.getItem("quorum:hosted"))[0].id`); hosted != id {
		t.Errorf("My sessions lists %q first, want the session just run, %q", hosted, id)
	}
	b.assertNoConsoleErrors()
}
