// Package frontend holds the browser side of Quorum, embedded in the binary
// so that one file serves everything. There is no build step: ES modules,
// vendored Preact and htm, and an import map.
package frontend

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"io/fs"
	"strings"
)

//go:embed *.html importmap.json app vendor
var files embed.FS

// Static are the assets under /static/: app modules, styles and vendor files.
var Static = mustSub("app", "vendor")

// importMapMarker is replaced in every page by the inline import map.
const importMapMarker = "<!--importmap-->"

var importMapTag = func() string {
	data, err := files.ReadFile("importmap.json")
	if err != nil {
		panic(err)
	}
	return `<script type="importmap">` + string(bytes.TrimSpace(data)) + `</script>`
}()

// ImportMapHash is the CSP source that allows the inline import map and no
// other inline script.
var ImportMapHash = func() string {
	content := strings.TrimSuffix(strings.TrimPrefix(importMapTag, `<script type="importmap">`), `</script>`)
	sum := sha256.Sum256([]byte(content))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

// Page returns an HTML page with its import map in place.
func Page(name string) ([]byte, error) {
	data, err := files.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return bytes.Replace(data, []byte(importMapMarker), []byte(importMapTag), 1), nil
}

// mustSub keeps only the named top-level folders, so that /static/ never
// serves the Go source or the page templates.
func mustSub(dirs ...string) fs.FS {
	return filteredFS{root: files, dirs: dirs}
}

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
