package main

import (
	"cmp"
	"fmt"
	"runtime"
	"runtime/debug"
)

// The release build sets these (scripts/release.sh, the Dockerfile):
//
//	go build -ldflags "-X main.version=v1.2.0 -X main.commit=<hash> -X main.date=<RFC 3339>"
//
// Left empty, the version comes from what the Go toolchain recorded.
var version, commit, date string

// versionLine is what `quorum version` prints and the server logs at start.
func versionLine() string {
	bi, _ := debug.ReadBuildInfo()
	return describeBuild(version, commit, date, bi)
}

// describeBuild says which Quorum this is: the values set at release build,
// else the module version and the commit and its time that `go build`
// records from a Git checkout, else "devel" and "unknown". `go run` records
// no commit, so that is what it says.
func describeBuild(version, commit, date string, bi *debug.BuildInfo) string {
	settings := map[string]string{}
	if bi != nil {
		for _, s := range bi.Settings {
			settings[s.Key] = s.Value
		}
		if version == "" && bi.Main.Version != "(devel)" {
			version = bi.Main.Version
		}
	}
	if commit == "" {
		commit = settings["vcs.revision"]
		if commit != "" && settings["vcs.modified"] == "true" {
			commit += " (with uncommitted changes)"
		}
	}
	if date == "" {
		date = settings["vcs.time"]
	}
	return fmt.Sprintf("quorum %s, commit %s, built %s, %s %s/%s",
		cmp.Or(version, "devel"), cmp.Or(commit, "unknown"), cmp.Or(date, "unknown"), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
