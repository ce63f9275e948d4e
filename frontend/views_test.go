package frontend

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Every module but the entries can be imported without a page: importing it
// reads no address, no storage and renders nothing, so that another page
// (the editor's preview) can use its components. Node runs the imports, with
// window, document, location, history and localStorage made to throw; the
// test is skipped where Node is not installed.
func TestViewModulesHaveNoSideEffects(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	dir := t.TempDir()
	copyTree := func(from, to string) {
		t.Helper()
		err := fs.WalkDir(files, from, func(name string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := fs.ReadFile(files, name)
			if err != nil {
				return err
			}
			dst := filepath.Join(dir, to, strings.TrimPrefix(name, from))
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			return os.WriteFile(dst, data, 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	copyTree("app", "app")
	copyTree("vendor/preact", "node_modules/preact")
	copyTree("vendor/htm", "node_modules/htm")
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("package.json", `{"type": "module"}`)
	write("node_modules/preact/package.json", `{"name": "preact", "type": "module", "exports": {".": "./preact.module.js", "./hooks": "./hooks.module.js"}}`)
	write("node_modules/htm/package.json", `{"name": "htm", "type": "module", "exports": {".": "./htm.module.js"}}`)

	var views []string
	entries, err := fs.ReadDir(files, "app")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".js") {
			views = append(views, "./app/"+e.Name())
		}
	}
	write("check.mjs", `
for (const name of ["window", "document", "location", "history", "localStorage", "sessionStorage"]) {
  Object.defineProperty(globalThis, name, { configurable: true, get() { throw new Error(name + " read at import time"); } });
}
let failed = 0;
for (const m of process.argv.slice(2)) {
  try {
    await import(m);
  } catch (err) {
    failed++;
    console.log(m + ": " + err.message);
  }
}
process.exit(failed ? 1 : 0);
`)
	cmd := exec.Command(node, append([]string{"check.mjs"}, views...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("importing the view modules: %v\n%s", err, out)
	}
	if len(views) < 15 {
		t.Errorf("%d view modules; the listing missed some", len(views))
	}
}
