package frontend

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

var importMapTag = regexp.MustCompile(`<script type="importmap">(.*?)</script>`)

// Every page renders, loads every asset by its hashed URL, and carries
// exactly the import map whose hash the CSP allows.
func TestPages(t *testing.T) {
	assetRefs := regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)
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
			refs := assetRefs.FindAllSubmatch(html, -1)
			if len(refs) < 3 {
				t.Errorf("%d assets, want the icon, styles and the entry module", len(refs))
			}
			for _, a := range refs {
				if asset, ok := Lookup(string(a[1])); !ok || !asset.Immutable {
					t.Errorf("%s: found %v, immutable %v; a page names only hashed URLs", a[1], ok, asset.Immutable)
				}
			}
		})
	}
	if _, err := Page("nope"); err == nil {
		t.Error("an unknown page rendered")
	}
}

// The import map maps the bare names and every app module to a hashed URL,
// and every relative import of every module resolves to a URL it maps: no
// module is ever fetched by a URL that could be cached stale.
func TestImportMapCoversEveryImport(t *testing.T) {
	var m struct{ Imports map[string]string }
	if err := json.Unmarshal([]byte(importMap), &m); err != nil {
		t.Fatal(err)
	}
	for from, to := range m.Imports {
		if a, ok := Lookup(to); !ok || !a.Immutable {
			t.Errorf("%s maps to %s: found %v, immutable %v", from, to, ok, a.Immutable)
		}
	}
	for _, bare := range []string{"preact", "preact/hooks", "htm"} {
		if m.Imports[bare] == "" {
			t.Errorf("no %s in the import map", bare)
		}
	}
	imports := regexp.MustCompile(`(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)"([^"]+)"`)
	modules := 0
	err := fs.WalkDir(files, "app", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(name, ".js") {
			return err
		}
		modules++
		if m.Imports["/static/"+name] == "" {
			t.Errorf("the import map does not map /static/%s", name)
		}
		src, err := fs.ReadFile(files, name)
		if err != nil {
			return err
		}
		for _, imp := range imports.FindAllSubmatch(src, -1) {
			spec := string(imp[1])
			key := spec
			if strings.HasPrefix(spec, ".") {
				key = "/static/" + path.Join(path.Dir(name), spec)
			}
			if m.Imports[key] == "" {
				t.Errorf("%s imports %q (%s), which the import map does not map", name, spec, key)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if modules < 20 {
		t.Errorf("%d app modules read: the walk missed some", modules)
	}
}

// A file is served at its plain URL and at one named by its content's hash;
// a changed file has a new hashed URL and the old one is gone.
func TestAssetHashes(t *testing.T) {
	fsys := fstest.MapFS{
		"app/ui.js":          {Data: []byte("export const a = 1;\n")},
		"app/entry/x.js":     {Data: []byte(`import "../ui.js";`)},
		"vendor/htm/LICENSE": {Data: []byte("Apache-2.0")},
		"other/secret.txt":   {Data: []byte("not served")},
	}
	before, err := newAssetTable(fsys, "app", "vendor")
	if err != nil {
		t.Fatal(err)
	}
	hashed, err := before.url("app/ui.js")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^/static/app/ui\.[0-9a-f]{10}\.js$`).MatchString(hashed) {
		t.Errorf("hashed URL %s, want /static/app/ui.<10 hex digits>.js", hashed)
	}
	for u, want := range map[string]bool{hashed: true, "/static/app/ui.js": false} {
		a, ok := before.byURL[u]
		if !ok || string(a.Data) != "export const a = 1;\n" || a.Immutable != want || a.ContentType != "text/javascript; charset=utf-8" {
			t.Errorf("%s: found %v, immutable %v (want %v), type %q", u, ok, a.Immutable, want, a.ContentType)
		}
	}
	if u, _ := before.url("vendor/htm/LICENSE"); !regexp.MustCompile(`^/static/vendor/htm/LICENSE\.[0-9a-f]{10}$`).MatchString(u) {
		t.Errorf("a file without an extension is at %s", u)
	}
	if _, err := before.url("other/secret.txt"); err == nil {
		t.Error("a file outside the served folders has a URL")
	}
	if got := before.modules(); len(got) != 2 || got["/static/app/ui.js"] != hashed {
		t.Errorf("modules %v, want app/ui.js and app/entry/x.js", got)
	}

	fsys["app/ui.js"] = &fstest.MapFile{Data: []byte("export const a = 2;\n")}
	after, err := newAssetTable(fsys, "app", "vendor")
	if err != nil {
		t.Fatal(err)
	}
	changed, _ := after.url("app/ui.js")
	if changed == hashed {
		t.Errorf("a changed file kept its URL %s", hashed)
	}
	if _, ok := after.byURL[hashed]; ok {
		t.Error("the old hashed URL still serves")
	}
	if a, b := before.hashed["app/entry/x.js"], after.hashed["app/entry/x.js"]; a != b {
		t.Errorf("an unchanged file moved from %s to %s", a, b)
	}
}

// /static/ serves the app and vendor folders and nothing else.
func TestStaticServesOnlyAssets(t *testing.T) {
	for _, name := range []string{"app/ws.js", "vendor/preact/preact.module.js", "vendor/htm/LICENSE"} {
		if _, ok := Lookup("/static/" + name); !ok {
			t.Errorf("%s is not served", name)
		}
		if _, ok := Lookup(URL(name)); !ok {
			t.Errorf("%s is not served at %s", name, URL(name))
		}
	}
	for _, name := range []string{"embed.go", "page.html", "importmap.json", "../go.mod", "app/../embed.go", "app"} {
		if _, ok := Lookup("/static/" + name); ok {
			t.Errorf("%s is served", name)
		}
	}
}
