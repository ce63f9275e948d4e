// Package frontend holds the browser side of Quorum, embedded in the binary
// so that one file serves everything. There is no build step: ES modules,
// vendored Preact and htm, and an import map.
package frontend

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"strings"
)

//go:embed page.html importmap.json app vendor
var files embed.FS

// staticDirs are the folders served under /static/ (assets.go): app modules,
// styles and vendor files; never the Go source or the page shell.
var staticDirs = []string{"app", "vendor"}

// page is one HTML entry point: every page is the same shell around its
// view's module and styles.
type page struct {
	Title     string
	View      string   // app/<View>.js, and the body's class view-<View>
	Styles    []string // app/<name>.css, in order
	HTMLClass string
	AppClass  string
	Noscript  string
	// ColorScheme is "dark light" but for the report, which is paper.
	ColorScheme string
	ImportMap   template.HTML
}

const needsJS = "Quorum needs JavaScript turned on."

var pages = map[string]page{
	"landing":     {Title: "Quorum — live voting for workshops", View: "landing", Styles: []string{"base", "landing"}},
	"host":        {Title: "Host a workshop · Quorum", View: "host", Styles: []string{"base", "host"}},
	"console":     {Title: "Console · Quorum", View: "console", Styles: []string{"base", "charts", "console"}},
	"participant": {Title: "Join · Quorum", View: "participant", Styles: []string{"base", "charts", "participant"}},
	// The projector starts dark, whatever the laptop prefers.
	"screen":   {Title: "Shared screen · Quorum", View: "screen", Styles: []string{"base", "charts", "screen"}, HTMLClass: "theme-dark"},
	"sessions": {Title: "My sessions · Quorum", View: "sessions", Styles: []string{"base", "sessions"}},
	// The editor previews a step with the phone's and the screen's own styles.
	"editor": {Title: "Agendas · Quorum", View: "editor", Styles: []string{"base", "charts", "participant", "screen", "editor"}},
	"report": {Title: "Report · Quorum", View: "report", Styles: []string{"report", "sessions"}, AppClass: "report-chrome",
		Noscript: "The report needs JavaScript turned on: it reads the session's key from this browser.", ColorScheme: "light"},
}

// importMap is importmap.json's bare names (preact, htm) and every app
// module, each mapped to its hashed URL: the page loads every module from a
// URL it may keep for a year, and one changed file changes only its own URL
// (and the page's import map, which is never cached).
var importMap = func() string {
	m, err := buildImportMap(files, assets)
	if err != nil {
		panic(err)
	}
	return m
}()

func buildImportMap(fsys fs.FS, t *assetTable) (string, error) {
	data, err := fs.ReadFile(fsys, "importmap.json")
	if err != nil {
		return "", err
	}
	var m struct {
		Imports map[string]string `json:"imports"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return "", fmt.Errorf("importmap.json: %w", err)
	}
	for name, u := range m.Imports {
		if m.Imports[name], err = t.url(strings.TrimPrefix(u, "/static/")); err != nil {
			return "", fmt.Errorf("importmap.json: %s: %w", name, err)
		}
	}
	for plain, hashed := range t.modules() {
		m.Imports[plain] = hashed
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil { // keys sorted: the same bytes, the same CSP hash
		return "", err
	}
	return string(bytes.TrimSpace(b.Bytes())), nil
}

// ImportMapHash is the CSP source that allows the inline import map and no
// other inline script.
var ImportMapHash = func() string {
	sum := sha256.Sum256([]byte(importMap))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

var shell = template.Must(template.New("page.html").Funcs(template.FuncMap{"static": URL}).ParseFS(files, "page.html"))

// Page renders an entry point ("landing", "console", …) with its import map.
func Page(name string) ([]byte, error) {
	p, ok := pages[name]
	if !ok {
		return nil, fmt.Errorf("no page %q", name)
	}
	if p.Noscript == "" {
		p.Noscript = needsJS
	}
	if p.ColorScheme == "" {
		p.ColorScheme = "dark light"
	}
	// The import map's bytes must be exactly those hashed for the CSP.
	p.ImportMap = template.HTML(`<script type="importmap">` + importMap + `</script>`)
	var b bytes.Buffer
	if err := shell.Execute(&b, p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
