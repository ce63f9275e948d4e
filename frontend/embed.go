// Package frontend holds the browser side of Quorum, embedded in the binary
// so that one file serves everything. There is no build step: ES modules,
// vendored Preact and htm, and an import map.
package frontend

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io/fs"
	"strings"
)

//go:embed page.html importmap.json app vendor
var files embed.FS

// Static are the assets under /static/: app modules, styles and vendor files.
var Static = filteredFS{root: files, dirs: []string{"app", "vendor"}}

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

var importMap = func() string {
	data, err := files.ReadFile("importmap.json")
	if err != nil {
		panic(err)
	}
	return string(bytes.TrimSpace(data))
}()

// ImportMapHash is the CSP source that allows the inline import map and no
// other inline script.
var ImportMapHash = func() string {
	sum := sha256.Sum256([]byte(importMap))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

var shell = template.Must(template.ParseFS(files, "page.html"))

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

// filteredFS serves only the named top-level folders, so that /static/
// never serves the Go source or the page shell.
type filteredFS struct {
	root fs.FS
	dirs []string
}

func (f filteredFS) Open(name string) (fs.File, error) {
	for _, d := range f.dirs {
		if strings.HasPrefix(name, d+"/") {
			return f.root.Open(name)
		}
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}
