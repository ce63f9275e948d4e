package frontend

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"strings"
)

// hashLen is how many hex digits of a file's SHA-256 go in its URL: 40 bits,
// so that two versions of one file do not share a name by chance.
const hashLen = 10

// Asset is a file served under /static/.
type Asset struct {
	Data        []byte
	ContentType string
	// ETag is the file's content hash, quoted.
	ETag string
	// Immutable is true at the hashed URL, whose content never changes: a
	// browser keeps it a year without asking again. The plain URL, kept for
	// links from before (and the downloaded report's stylesheet), must be
	// revalidated.
	Immutable bool
}

// assetTable serves each embedded file at two URLs: /static/app/ui.js and
// /static/app/ui.<hash>.js, the hash taken from its content (as miniflux's
// static.go does), so that a new version has a new URL.
type assetTable struct {
	byURL  map[string]Asset
	hashed map[string]string // "app/ui.js" -> "/static/app/ui.<hash>.js"
}

// newAssetTable reads the files under the folders dirs of fsys.
func newAssetTable(fsys fs.FS, dirs ...string) (*assetTable, error) {
	t := &assetTable{byURL: map[string]Asset{}, hashed: map[string]string{}}
	for _, dir := range dirs {
		if err := t.add(fsys, dir); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (t *assetTable) add(fsys fs.FS, dir string) error {
	return fs.WalkDir(fsys, dir, func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		hash := hex.EncodeToString(sum[:])[:hashLen]
		a := Asset{Data: data, ContentType: mime.TypeByExtension(path.Ext(name)), ETag: `"` + hash + `"`}
		if a.ContentType == "" {
			a.ContentType = "application/octet-stream"
		}
		plain := "/static/" + name
		hashed := "/static/" + hashedName(name, hash)
		t.byURL[plain] = a
		a.Immutable = true
		t.byURL[hashed] = a
		t.hashed[name] = hashed
		return nil
	})
}

// hashedName puts the hash before the extension: "app/ui.js" ->
// "app/ui.<hash>.js", so that a module's relative imports ("./charts.js")
// still resolve beside it, to the plain URL the import map maps.
func hashedName(name, hash string) string {
	ext := path.Ext(name)
	return strings.TrimSuffix(name, ext) + "." + hash + ext
}

// url is the hashed URL of an embedded file ("app/ui.js").
func (t *assetTable) url(name string) (string, error) {
	u, ok := t.hashed[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return u, nil
}

// modules maps the plain URL of every app module to its hashed URL, for the
// import map: a relative import in a module resolves to the plain URL, which
// the browser looks up in the map.
func (t *assetTable) modules() map[string]string {
	m := map[string]string{}
	for name, u := range t.hashed {
		if strings.HasPrefix(name, "app/") && strings.HasSuffix(name, ".js") {
			m["/static/"+name] = u
		}
	}
	return m
}

var assets = func() *assetTable {
	t, err := newAssetTable(files, staticDirs...)
	if err != nil {
		panic(err)
	}
	return t
}()

// Lookup finds what /static/… serves at urlPath (the whole path, from
// "/static/"): the file at its hashed URL or at its plain one.
func Lookup(urlPath string) (Asset, bool) {
	a, ok := assets.byURL[urlPath]
	return a, ok
}

// URL is the hashed URL of an embedded file: "app/ui.js" ->
// "/static/app/ui.<hash>.js". It panics for a file that is not embedded,
// which is a mistake in the code.
func URL(name string) string {
	u, err := assets.url(name)
	if err != nil {
		panic(err)
	}
	return u
}
