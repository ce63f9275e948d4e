package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/testserver"
)

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

// startServer starts a server on a fresh database until the test ends.
func startServer(t *testing.T) *testserver.Server {
	t.Helper()
	return testserver.Start(t, testserver.TempDB(t), httpapi.Config{})
}
