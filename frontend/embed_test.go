package frontend

import (
	"crypto/sha256"
	"encoding/base64"
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// Every page renders, loads only assets that exist, and carries exactly the
// import map whose hash the CSP allows.
func TestPages(t *testing.T) {
	importMapTag := regexp.MustCompile(`<script type="importmap">(.*?)</script>`)
	assets := regexp.MustCompile(`(?:href|src)="/static/([^"]+)"`)
	for name := range pages {
		t.Run(name, func(t *testing.T) {
			html, err := Page(name)
			if err != nil {
				t.Fatal(err)
			}
			m := importMapTag.FindSubmatch(html)
			if m == nil {
				t.Fatal("no import map")
			}
			sum := sha256.Sum256(m[1])
			if got := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; got != ImportMapHash {
				t.Errorf("import map hash %s, CSP allows %s", got, ImportMapHash)
			}
			if strings.Count(string(html), "<script") != 2 {
				t.Error("a page has the import map and its module, no other script")
			}
			for _, a := range assets.FindAllSubmatch(html, -1) {
				if _, err := fs.Stat(Static, string(a[1])); err != nil {
					t.Errorf("missing asset %s", a[1])
				}
			}
		})
	}
	if _, err := Page("nope"); err == nil {
		t.Error("an unknown page rendered")
	}
}

// /static/ serves the app and vendor folders and nothing else.
func TestStaticServesOnlyAssets(t *testing.T) {
	for _, name := range []string{"app/ws.js", "vendor/preact/preact.module.js", "vendor/htm/LICENSE"} {
		if _, err := fs.Stat(Static, name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, name := range []string{"embed.go", "page.html", "importmap.json", "../go.mod"} {
		if _, err := fs.Stat(Static, name); err == nil {
			t.Errorf("%s is served", name)
		}
	}
}
