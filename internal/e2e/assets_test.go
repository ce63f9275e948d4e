package e2e

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/quorum-workshop/quorum/frontend"
)

// requestLog is a proxy in front of a server that keeps the path of every
// request that reaches it: what a browser did not take from its cache.
type requestLog struct {
	URL   string
	mu    sync.Mutex
	paths []string
}

func logRequests(t *testing.T, target string) *requestLog {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u) // keeps the Host, so the origin check passes
	l := &requestLog{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		l.paths = append(l.paths, r.URL.Path)
		l.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	l.URL = srv.URL
	return l
}

// take returns the paths requested since the last take.
func (l *requestLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.paths
	l.paths = nil
	return p
}

// statics are the /static/ paths among paths, and those of them that are
// not hashed (served with no-cache).
func statics(paths []string) (all, plain []string) {
	for _, p := range paths {
		if !strings.HasPrefix(p, "/static/") {
			continue
		}
		all = append(all, p)
		if a, ok := frontend.Lookup(p); !ok || !a.Immutable {
			plain = append(plain, p)
		}
	}
	return all, plain
}

// TestPagesLoadOnlyHashedAssets opens every page and a phone twice: every
// module, style and icon comes by its hashed URL, and a phone that loads
// the page again asks the server for nothing but the page and its data.
func TestPagesLoadOnlyHashedAssets(t *testing.T) {
	b, s := startRoom(t, "Cache check", []map[string]any{
		{"kind": "choice", "title": "Tea or coffee?", "options": []string{"Tea", "Coffee"}},
	})
	log := logRequests(t, s.srv.URL)

	phone := b.newTab("phone", 360, 740, true)
	phone.navigate(log.URL + "/j/" + s.Code)
	phone.waitText("Your name (optional)")
	phone.clickButton("Join")
	phone.waitText("Look at the shared screen")
	s.act(t, "start", nil)
	s.act(t, "open", nil)
	phone.waitText("Tea or coffee?")
	// The charts load as the page starts, in the background.
	phone.waitJS("every module loaded", `performance.getEntriesByType("resource").some((e) => e.name.includes("/static/app/charts."))`)
	first, plain := statics(log.take())
	if len(plain) > 0 {
		t.Errorf("the phone asked for unhashed assets: %v", plain)
	}

	phone.navigate(log.URL + "/j/" + s.Code)
	phone.waitText("Tea or coffee?")
	phone.waitJS("voting open", `!!document.querySelector(".p-option:not([disabled])")`)
	again := log.take()
	second, _ := statics(again)
	t.Logf("a phone's first load asked for %d assets, its second load for %d; all requests of the second load: %v", len(first), len(second), again)
	if len(first) < 10 {
		t.Errorf("the first load asked for %d assets: %v; the proxy missed some", len(first), first)
	}
	if len(second) > 0 {
		t.Errorf("the second load asked the server again for %v", second)
	}

	// Every other page, each when it has done what it does on opening (the
	// console lists the session under My sessions; the report adds the
	// stylesheets its export names).
	host := b.newTab("host", 1280, 800, false)
	for _, page := range []struct{ path, ready string }{
		{"/", `!!document.querySelector(".landing")`},
		{"/host", `document.body.innerText.includes("Create session")`},
		{"/host/agendas", `document.body.innerText.includes("New agenda")`},
		{"/host/" + s.ID + "#key=" + s.HostKey, `document.body.innerText.includes("Tea or coffee?")`},
		{"/host/sessions", `document.body.innerText.includes("Cache check")`},
		{"/host/" + s.ID + "/report", `!!document.querySelector(".rt-primary:not([disabled])")`},
		{"/screen/" + s.ID + "#key=" + s.ScreenKey, `!!document.querySelector(".sc-step")`},
	} {
		host.navigate(log.URL + page.path)
		host.waitJS(page.path, page.ready)
		if _, plain := statics(log.take()); len(plain) > 0 {
			t.Errorf("%s asked for unhashed assets: %v", page.path, plain)
		}
	}
	b.assertNoConsoleErrors()
}
