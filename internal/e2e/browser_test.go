package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// findBrowser returns Chromium's path, or skips (fails under
// QUORUM_REQUIRE_BROWSER) when there is none.
func findBrowser(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("QUORUM_CHROME"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium found: install Debian's chromium (apt-get install chromium) or set QUORUM_CHROME to run the browser tests"
	if os.Getenv("QUORUM_REQUIRE_BROWSER") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browser is one headless Chromium; each tab is a context of it.
type browser struct {
	t        *testing.T
	ctx      context.Context
	shotsDir string

	mu     sync.Mutex
	errors []string // console errors and uncaught exceptions, from every tab
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := findBrowser(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("start Chromium at %s: %v", path, err)
	}
	t.Cleanup(func() { cancel(); cancelAlloc() })
	dir := os.Getenv("QUORUM_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "quorum-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, ctx: ctx, shotsDir: dir}
}

// tab is one page, with its viewport.
type tab struct {
	b    *browser
	name string
	ctx  context.Context
}

// newTab opens a tab of the given size; mobile emulates a phone. Each tab is
// its own browser context, as each person has their own device: no shared
// local storage.
func (b *browser) newTab(name string, width, height int64, mobile bool) *tab {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	return b.attach(name, ctx, width, height, mobile)
}

// attach prepares a tab that already exists (a window the page opened).
func (b *browser) attach(name string, ctx context.Context, width, height int64, mobile bool) *tab {
	b.t.Helper()
	tb := &tab{b: b, name: name, ctx: ctx}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				if !expectedError(m) {
					b.recordError(name, m.String()+" at "+m.URL)
				}
			}
		}
	}()
	emulate := chromedp.EmulateViewport(width, height)
	if mobile {
		emulate = chromedp.EmulateViewport(width, height, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	tb.run("prepare", emulate)
	return tb
}

// expectedError passes over the browser's own report of a WebSocket closed
// under it, which the tests cause on purpose when they restart the server.
func expectedError(m chromedp.ConsoleMessage) bool {
	return strings.Contains(m.Text, "WebSocket")
}

func (b *browser) recordError(tab, msg string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.errors = append(b.errors, tab+": "+msg)
}

// assertNoConsoleErrors fails the test with every error any page logged.
func (b *browser) assertNoConsoleErrors() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errors {
		b.t.Errorf("console error in %s", e)
	}
}

func (tb *tab) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.b.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.shot("failed-" + sanitize(what))
		tb.b.t.Fatalf("%s: %s: %v", tb.name, what, err)
	}
}

func (tb *tab) navigate(url string) { tb.b.t.Helper(); tb.run("open "+url, chromedp.Navigate(url)) }

// waitText waits until the page shows text (in what a person can read).
func (tb *tab) waitText(text string) {
	tb.b.t.Helper()
	tb.waitJS("text "+text, fmt.Sprintf(`document.body && document.body.innerText.includes(%q)`, text))
}

// waitNoText waits until text is gone from the page.
func (tb *tab) waitNoText(text string) {
	tb.b.t.Helper()
	tb.waitJS("no text "+text, fmt.Sprintf(`document.body && !document.body.innerText.includes(%q)`, text))
}

func (tb *tab) hasText(text string) bool {
	tb.b.t.Helper()
	return evaluate[bool](tb, fmt.Sprintf(`document.body.innerText.includes(%q)`, text))
}

// evaluate runs JavaScript in the page and returns its value.
func evaluate[T any](tb *tab, expr string) T {
	tb.b.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.b.t.Fatalf("%s: evaluate %s: %v", tb.name, expr, err)
	}
	return v
}

// waitJS polls expr until it is true. It evaluates again after errors, since
// a navigation destroys the page's context under a running poll.
func (tb *tab) waitJS(what, expr string) {
	tb.b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var lastErr error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(tb.ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		lastErr = err
		time.Sleep(50 * time.Millisecond)
	}
	tb.shot("timeout-" + sanitize(what))
	body, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	tb.b.t.Fatalf("%s: waiting for %s (last error: %v)\npage text:\n%s", tb.name, what, lastErr, body)
}

// clickButton clicks the button (or link) whose visible text or accessible
// name is label, as a person would, with the mouse.
func (tb *tab) clickButton(label string) {
	tb.b.t.Helper()
	sel := fmt.Sprintf(`//*[self::button or self::a or @role="button" or @role="radio"][normalize-space(.)=%q or @aria-label=%q]`, label, label)
	// A click on a button the page has not enabled yet would be lost.
	tb.run("click "+label, chromedp.WaitEnabled(chromedp.Search(sel)), chromedp.Click(chromedp.Search(sel), chromedp.NodeVisible))
}

// buttonState reads a button's disabled and aria-pressed state.
func (tb *tab) buttonState(label string) (disabled bool, pressed string) {
	tb.b.t.Helper()
	sel := fmt.Sprintf(`//*[self::button or @role="button"][normalize-space(.)=%q or @aria-label=%q]`, label, label)
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.Search(sel), chromedp.NodeVisible))
	if err != nil {
		tb.b.t.Fatalf("%s: find %s: %v", tb.name, label, err)
	}
	_, disabled = nodes[0].Attribute("disabled")
	pressed, _ = nodes[0].Attribute("aria-pressed")
	return disabled, pressed
}

// typeInto types into the field with the given label text, as a keyboard would.
func (tb *tab) typeInto(label, text string) {
	tb.b.t.Helper()
	sel := fmt.Sprintf(`//input[@id=//label[normalize-space(.)=%q]/@for] | //label[normalize-space(.)=%q]//input`, label, label)
	tb.run("type into "+label, chromedp.SendKeys(chromedp.Search(sel), text, chromedp.NodeVisible))
}

func (tb *tab) key(keys string) { tb.b.t.Helper(); tb.run("press "+keys, chromedp.KeyEvent(keys)) }

// shot saves a screenshot of the viewport under the screenshots folder.
func (tb *tab) shot(name string) string {
	png, err := chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.b.t.Logf("%s: screenshot %s: %v", tb.name, name, err)
		return ""
	}
	path := filepath.Join(tb.b.shotsDir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.b.t.Logf("save %s: %v", path, err)
		return ""
	}
	tb.b.t.Logf("screenshot: %s", path)
	return path
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, strings.ToLower(s))
}
