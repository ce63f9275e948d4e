package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/fasthttp/websocket"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/testserver"
)

// exportTitle has what HTML must escape, so that the report proves it does.
const exportTitle = `Export check <&> “quotes”`

// exportSteps is a small agenda with every kind of step.
var exportSteps = []map[string]any{
	{"kind": "info", "title": "Welcome to the retro", "body": "Join with the code on the screen."},
	{"kind": "choice", "title": "Which planet is the largest?", "options": []string{"Jupiter", "Mars", "Venus"}, "correct": 0,
		"notes": "Wait for the groans, then reveal."},
	{"kind": "scale", "title": "Where are we today?", "left": "Vision", "right": "Execution", "points": 5,
		"dimension": "vision-execution", "series": "today"},
	{"kind": "text", "title": "One word for this team"},
	{"kind": "profile", "title": "The room's profile"},
}

// The two participants' names and their votes on steps 1, 2 and 3.
var (
	exportNames = []string{"Ada", "Ben"}
	exportVotes = [][]any{{0, 2, "Curious"}, {1, 4, "Focused"}}
)

type seededSession struct {
	ID, Code, HostKey, ScreenKey string
}

// seedSession creates a session with exportSteps whose names are visible (so
// that exports with and without names can be compared), joins two
// participants who vote on every voting step over the WebSocket, as phones
// do, and reveals each step; with end, it ends the session.
func seedSession(t *testing.T, srv *testserver.Server, end bool) seededSession {
	t.Helper()
	var s seededSession
	agenda := map[string]any{"title": exportTitle, "steps": exportSteps}
	apiJSON(t, srv, "POST", "/api/sessions", "", map[string]any{"agenda": agenda, "names": "visible"}, &s, http.StatusCreated)

	var conns []*websocket.Conn
	for _, name := range exportNames {
		var j struct{ Token string }
		apiJSON(t, srv, "POST", "/api/join", "", map[string]any{"code": s.Code, "name": name}, &j, http.StatusCreated)
		ws, _, err := websocket.DefaultDialer.Dial(srv.WSURL, nil)
		if err != nil {
			t.Fatalf("%s: dial: %v", name, err)
		}
		t.Cleanup(func() { ws.Close() })
		if err := ws.WriteJSON(map[string]any{"type": "hello", "role": "participant", "session": s.ID, "token": j.Token}); err != nil {
			t.Fatalf("%s: hello: %v", name, err)
		}
		awaitFrame(t, ws, name+" welcome", func(f map[string]any) bool { return f["type"] == "welcome" })
		conns = append(conns, ws)
	}

	act := func(action string) {
		t.Helper()
		apiJSON(t, srv, "POST", "/api/sessions/"+s.ID+"/actions", s.HostKey, map[string]any{"action": action}, nil, http.StatusOK)
	}
	act("start")
	for step := 1; step <= 3; step++ {
		act("next")
		act("open")
		for i, ws := range conns {
			id := fmt.Sprintf("vote-%d-%d", i, step)
			if err := ws.WriteJSON(map[string]any{"type": "vote", "id": id, "step": step, "value": exportVotes[i][step-1]}); err != nil {
				t.Fatalf("%s: vote: %v", exportNames[i], err)
			}
			ack := awaitFrame(t, ws, exportNames[i]+" ack of "+id, func(f map[string]any) bool { return f["id"] == id })
			if ack["type"] != "ack" {
				t.Fatalf("%s: vote on step %d refused: %v", exportNames[i], step, ack)
			}
		}
		act("reveal")
	}
	act("next") // the profile
	if end {
		act("end")
	}
	return s
}

// apiJSON calls the API and fails the test unless the status is want.
func apiJSON(t *testing.T, srv *testserver.Server, method, path, bearer string, body, out any, want int) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, path, data, err)
		}
	}
}

// awaitFrame reads frames until one matches, for at most 10 seconds.
func awaitFrame(t *testing.T, ws *websocket.Conn, what string, match func(map[string]any) bool) map[string]any {
	t.Helper()
	if err := ws.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	for {
		var f map[string]any
		if err := ws.ReadJSON(&f); err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if match(f) {
			return f
		}
	}
}

// openConsole opens the console from the host link, as the facilitator
// would, which keeps the keys in the browser's local storage.
func openConsole(tb *tab, srv *testserver.Server, s seededSession) {
	tb.b.t.Helper()
	tb.navigate(fmt.Sprintf("%s/host/%s#key=%s&screen=%s", srv.URL, s.ID, s.HostKey, s.ScreenKey))
	tb.waitText(fmt.Sprintf("%d joined", len(exportNames)))
	tb.waitJS("the host key kept", fmt.Sprintf(`location.hash === "" && !!localStorage.getItem(%q)`, "quorum:host:"+s.ID))
}

// pdfPageCount counts the page objects of a PDF that Chromium wrote (their
// dictionaries are not compressed), or else reads the page tree's /Count.
func pdfPageCount(pdf []byte) int {
	if n := len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf, -1)); n > 0 {
		return n
	}
	n := 0
	for _, m := range regexp.MustCompile(`/Count\s+(\d+)`).FindAllSubmatch(pdf, -1) {
		if c, _ := strconv.Atoi(string(m[1])); c > n {
			n = c
		}
	}
	return n
}

// TestReportPrintsToPDF opens a finished session's report as the facilitator
// would (after the console stored the host key) and prints it to PDF: the
// cover on a page of its own, then several steps to a page, and the toolbar
// is not printed. The notes show when asked for; with names, the report
// lists the participants, and the anonymous version does not.
func TestReportPrintsToPDF(t *testing.T) {
	b := newBrowser(t)
	srv := testserver.Start(t, testserver.TempDB(t), httpapi.Config{})
	s := seedSession(t, srv, true)

	tb := b.newTab("report", 1280, 900, false)
	openConsole(tb, srv, s)
	tb.waitText("This session has ended")
	tb.navigate(srv.URL + "/host/" + s.ID + "/report")
	tb.waitText(exportTitle)
	for _, step := range exportSteps {
		tb.waitText(step["title"].(string))
	}
	tb.waitText("Curious")
	if disabled, _ := tb.buttonState("Print or save as PDF"); disabled {
		t.Error("the print button is disabled once the report is shown")
	}
	if title := evaluate[string](tb, `document.title`); !strings.Contains(title, exportTitle) {
		t.Errorf("document.title = %q, want the session's title in it", title)
	}
	sections := evaluate[int](tb, `document.querySelectorAll("section.step").length`)
	if sections != len(exportSteps) {
		t.Errorf("the report has %d step sections, want %d", sections, len(exportSteps))
	}
	tb.shot("report")

	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPrintBackground()))
	if err != nil {
		t.Fatalf("print to PDF: %v", err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("the PDF starts with %q, not %%PDF-", pdf[:min(len(pdf), 16)])
	}
	pages := pdfPageCount(pdf)
	if pages < 2 || pages >= 1+sections {
		t.Errorf("the PDF has %d pages for a cover and %d steps; want the cover alone, then several steps to a page", pages, sections)
	}
	path := filepath.Join(b.shotsDir, "report.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("PDF: %s (%d pages, %d bytes)", path, pages, len(pdf))

	// In print, the toolbar is gone.
	tb.run("print media", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return err
	}))
	if display := evaluate[string](tb, `getComputedStyle(document.querySelector(".report-toolbar")).display`); display != "none" {
		t.Errorf("the toolbar prints (display %q under print media)", display)
	}
	tb.run("screen media", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "screen"})
		return err
	}))

	// Notes only when asked for.
	const note = "Wait for the groans, then reveal."
	if tb.hasText("Facilitator notes") || tb.hasText(note) {
		t.Error("the report shows the facilitator's notes unasked")
	}
	tb.clickButton("With notes")
	tb.waitJS("the report with notes", `location.search === "?notes=1"`)
	tb.waitText(note)

	// With names, a list of participants closes the report.
	tb.waitJS("the participants listed", `(document.getElementById("participants")?.innerText || "").includes("Ada")`)
	tb.waitText("With names: the participants are listed at the end")

	// The anonymous version is one click away, keeps the notes, and says
	// which one is shown: no names anywhere.
	tb.clickButton("Anonymous")
	tb.waitJS("the anonymous report", `location.search === "?anonymous=1&notes=1" && document.querySelectorAll("section.step").length > 0`)
	tb.waitText(exportSteps[len(exportSteps)-1]["title"].(string))
	tb.waitText("Anonymous: names and groups of participants left out.")
	tb.waitText(note)
	if cur := evaluate[string](tb, `[...document.querySelectorAll(".report-toolbar [aria-current]")].map((a) => a.innerText.trim()).join()`); cur != "Anonymous,With notes" {
		t.Errorf("the toolbar marks %q as the current version, want Anonymous and With notes", cur)
	}
	if evaluate[bool](tb, `!!document.getElementById("participants")`) || tb.hasText("Ada") || tb.hasText("Ben") {
		t.Error("the anonymous report names participants")
	}
	b.assertNoConsoleErrors()
}

// allowDownloads saves the tab's downloads in dir, under their own names.
func allowDownloads(tb *tab, dir string) {
	tb.b.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	_, err := chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior:         cdpbrowser.SetDownloadBehaviorBehaviorAllow,
		BrowserContextID: chromedp.FromContext(tb.ctx).BrowserContextID,
		DownloadPath:     dir,
	})
	if err != nil {
		tb.b.t.Fatalf("allow downloads: %v", err)
	}
}

// waitDownload waits until a finished file named name is in dir, and reads it.
func waitDownload(t *testing.T, dir, name string) []byte {
	t.Helper()
	path := filepath.Join(dir, name)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(path); err == nil && len(data) > 0 {
			return data
		}
		time.Sleep(50 * time.Millisecond)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	t.Fatalf("no download %s in %s; there is: %v", name, dir, names)
	return nil
}

// exportFilename asks the server which name it gives an export.
func exportFilename(t *testing.T, srv *testserver.Server, s seededSession, pathAndQuery string) string {
	t.Helper()
	req, err := http.NewRequest("GET", srv.URL+"/api/sessions/"+s.ID+"/"+pathAndQuery, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.HostKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	m := regexp.MustCompile(`filename="([^"]+)"`).FindStringSubmatch(resp.Header.Get("Content-Disposition"))
	if m == nil {
		t.Fatalf("%s: no file name in Content-Disposition %q", pathAndQuery, resp.Header.Get("Content-Disposition"))
	}
	return m[1]
}

// TestExportMenuDownloads exports from the console of a live session, with
// and without names, finds it in "My sessions", then deletes it.
func TestExportMenuDownloads(t *testing.T) {
	b := newBrowser(t)
	srv := testserver.Start(t, testserver.TempDB(t), httpapi.Config{})
	s := seedSession(t, srv, false)
	dir := t.TempDir()

	tb := b.newTab("console", 1280, 800, false)
	allowDownloads(tb, dir)
	openConsole(tb, srv, s)

	// Results (CSV), with names.
	tb.clickButton("Export")
	tb.waitText("Leave out names (anonymous)")
	tb.shot("console-export-menu")
	tb.clickButton("Results (CSV)")
	name := exportFilename(t, srv, s, "export.csv")
	tb.waitText("Downloaded " + name)
	csv := string(waitDownload(t, dir, name))
	if !strings.HasPrefix(strings.TrimPrefix(csv, "\ufeff"), "step,") || !strings.Contains(csv, "Ada") || !strings.Contains(csv, "Curious") {
		t.Errorf("the results CSV lacks its header, a name or an answer:\n%s", csv)
	}

	// E opens the menu again; the summary without names.
	tb.key("e")
	tb.waitText("Printable report")
	tb.run("tick anonymous", chromedp.Click(chromedp.Search(`//label[normalize-space(.)="Leave out names (anonymous)"]`), chromedp.NodeVisible))
	tb.waitJS("the report link follows the checkbox", `document.querySelector(".export-menu a").getAttribute("href").endsWith("/report?anonymous=1")`)
	tb.clickButton("Summary (CSV)")
	name = exportFilename(t, srv, s, "export.csv?summary=1&anonymous=1")
	tb.waitText("Downloaded " + name)
	summary := string(waitDownload(t, dir, name))
	if strings.Contains(summary, "Ada") || !strings.Contains(summary, "Which planet is the largest?") {
		t.Errorf("the anonymous summary has a name, or lacks a step:\n%s", summary)
	}
	if evaluate[bool](tb, `!!document.querySelector(".toast-error")`) {
		t.Errorf("an export shows an error: %s", evaluate[string](tb, `document.querySelector(".toast-error").innerText`))
	}

	// Escape closes the menu; the help lists E.
	tb.key("e")
	tb.waitText("Printable report")
	tb.key(kb.Escape)
	tb.waitNoText("Printable report")
	tb.key("?")
	tb.waitText("Export menu: downloads, report, delete")
	tb.key(kb.Escape)
	tb.waitNoText("Keyboard shortcuts")

	// "My sessions" lists it, live, with its count.
	tb.clickButton("My sessions")
	tb.waitJS("My sessions", `location.pathname === "/host/sessions"`)
	tb.waitText(exportTitle)
	tb.waitText("Live")
	tb.waitText(strconv.Itoa(len(exportNames)) + " joined")
	tb.shot("my-sessions")

	// Delete it from the console.
	tb.clickButton("Open console")
	tb.waitJS("the console", fmt.Sprintf(`location.pathname === %q`, "/host/"+s.ID))
	tb.waitText(fmt.Sprintf("%d joined", len(exportNames)))
	tb.clickButton("Export")
	tb.clickButton("Delete session…")
	tb.waitText("Delete this session and all its votes? This cannot be undone.")
	tb.shot("console-delete-confirm")
	tb.clickButton("Delete session")
	tb.waitText("Session deleted")
	tb.waitText(fmt.Sprintf("%d participants", len(exportNames)))
	tb.waitText(fmt.Sprintf("%d votes", len(exportNames)*3))
	tb.shot("console-deleted")
	apiJSON(t, srv, "GET", "/api/sessions/"+s.ID, s.HostKey, nil, nil, http.StatusNotFound)
	if kept := evaluate[bool](tb, fmt.Sprintf(`!!localStorage.getItem(%q) || (localStorage.getItem("quorum:hosted") || "").includes(%q)`, "quorum:host:"+s.ID, s.ID)); kept {
		t.Error("the browser still keeps the deleted session's keys")
	}
	tb.clickButton("My sessions")
	tb.waitText("No sessions hosted from this browser yet")
	b.assertNoConsoleErrors()
}
