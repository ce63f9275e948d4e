package httpapi_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/quorum-workshop/quorum/frontend"
	"github.com/quorum-workshop/quorum/internal/httpapi"
)

const immutable = "public, max-age=31536000, immutable"

// Every URL a page names, in its HTML and its import map, answers 200 with
// the long-lived cache; the plain URL of a file answers with no-cache and an
// ETag that a revalidation matches.
func TestStaticAssetsAreHashedAndCached(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{})
	importMapTag := regexp.MustCompile(`<script type="importmap">(.*?)</script>`)
	refs := regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)

	urls := map[string]bool{}
	for _, page := range []string{"/", "/join", "/j/12345678", "/host", "/host/sessions", "/host/agendas", "/host/x", "/host/x/report", "/screen/x"} {
		status, header, body := ts.do("GET", page, "", nil)
		if status != http.StatusOK || header.Get("Cache-Control") != "no-cache" {
			t.Fatalf("%s: %d, Cache-Control %q; want 200, no-cache", page, status, header.Get("Cache-Control"))
		}
		for _, m := range refs.FindAllSubmatch(body, -1) {
			urls[string(m[1])] = true
		}
		m := importMapTag.FindSubmatch(body)
		if m == nil {
			t.Fatalf("%s: no import map", page)
		}
		var im struct{ Imports map[string]string }
		if err := json.Unmarshal(m[1], &im); err != nil {
			t.Fatalf("%s: import map: %v", page, err)
		}
		for _, u := range im.Imports {
			urls[u] = true
		}
	}
	if len(urls) < 30 {
		t.Errorf("the pages name %d assets; the walk missed some", len(urls))
	}
	for u := range urls {
		status, header, _ := ts.do("GET", u, "", nil)
		if status != http.StatusOK || header.Get("Cache-Control") != immutable || header.Get("Content-Type") == "" {
			t.Errorf("%s: %d, Cache-Control %q, Content-Type %q; want 200, %q", u, status, header.Get("Cache-Control"), header.Get("Content-Type"), immutable)
		}
	}

	// The plain URL still serves the same file, revalidated each time.
	hashed := frontend.URL("app/ui.js")
	_, _, want := ts.do("GET", hashed, "", nil)
	status, header, body := ts.do("GET", "/static/app/ui.js", "", nil)
	etag := header.Get("ETag")
	if status != http.StatusOK || header.Get("Cache-Control") != "no-cache" || etag == "" || string(body) != string(want) ||
		!strings.HasPrefix(header.Get("Content-Type"), "text/javascript") {
		t.Errorf("/static/app/ui.js: %d, Cache-Control %q, ETag %q, Content-Type %q, same body %v",
			status, header.Get("Cache-Control"), etag, header.Get("Content-Type"), string(body) == string(want))
	}
	req, err := http.NewRequest("GET", ts.url+"/static/app/ui.js", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("If-None-Match", etag)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("a revalidation with the ETag answered %d, want 304", resp.StatusCode)
	}

	for _, u := range []string{"/static/app/ui.0000000000.js", "/static/embed.go", "/static/page.html", "/static/app/../embed.go", "/static/app"} {
		if status, _, _ := ts.do("GET", u, "", nil); status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", u, status)
		}
	}
}
