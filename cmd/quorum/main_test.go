package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

func TestFlagsFallBackToEnvironment(t *testing.T) {
	t.Setenv("QUORUM_ADDR", "127.0.0.1:9999")
	t.Setenv("QUORUM_DATA", "/tmp/q")
	t.Setenv("QUORUM_BROADCAST_INTERVAL", "250ms")
	t.Setenv("QUORUM_LOG_FORMAT", "json")
	t.Setenv("QUORUM_LOG_LEVEL", "debug")
	cfg, err := parseFlags([]string{"--data", "/srv/quorum"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.addr != "127.0.0.1:9999" || cfg.data != "/srv/quorum" || cfg.broadcastInterval != 250*time.Millisecond || cfg.logFormat != "json" || cfg.logLevel != slog.LevelDebug {
		t.Errorf("got %+v", cfg)
	}
}

func TestBadFlagsAreRefused(t *testing.T) {
	tests := map[string][]string{
		"log format":                 {"--log-format", "xml"},
		"log level":                  {"--log-level", "chatty"},
		"broadcast interval":         {"--broadcast-interval", "1ms"},
		"public URL":                 {"--public-url", "quorum.example.org"},
		"unknown flag":               {"--colour", "blue"},
		"metrics":                    {"--metrics", "loud"},
		"debug on the LAN":           {"--debug-addr", "0.0.0.0:6060"},
		"debug on all":               {"--debug-addr", ":6060"},
		"negative retention":         {"--retention", "-1h"},
		"no connections per address": {"--max-conns-per-address", "0"},
		"database URL":               {"--database-url", "mysql://db.example.org/quorum"},
		"unknown command":            {"verison"},
	}
	for name, args := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := parseFlags(args, io.Discard); err == nil {
				t.Errorf("%v accepted", args)
			}
		})
	}
	t.Run("environment", func(t *testing.T) {
		t.Setenv("QUORUM_BROADCAST_INTERVAL", "soon")
		if _, err := parseFlags(nil, io.Discard); err == nil {
			t.Error("a malformed QUORUM_BROADCAST_INTERVAL was accepted")
		}
	})
}

// The debug listener serves profiles, metrics and a forced GC, on loopback.
func TestDebugListener(t *testing.T) {
	addr := freeAddr(t)
	stop, err := serveDebug(addr, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "metrics") }), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	for _, c := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"POST", "/debug/gc", 200, "collected"},
		{"GET", "/debug/gc", 405, ""},
		{"GET", "/metrics", 200, "metrics"},
		{"GET", "/debug/pprof/", 200, "goroutine"},
	} {
		req, _ := http.NewRequest(c.method, "http://"+addr+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || !strings.Contains(string(body), c.body) {
			t.Errorf("%s %s: %d %.60q", c.method, c.path, resp.StatusCode, body)
		}
	}
}

// buildQuorum builds this command, with extra go build flags, into a
// temporary folder and returns the binary's path.
func buildQuorum(t *testing.T, flags ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "quorum")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	args := append(append([]string{"build"}, flags...), "-o", bin, ".")
	if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return bin
}

// A release build prints what -ldflags -X set; any other build prints one
// line that names at least the Go version and platform.
func TestVersionCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the real binary; not in -short")
	}
	for _, c := range []struct {
		name, ldflags, want string
	}{
		{"release", "-X main.version=v1.2.3 -X main.commit=0123abcd -X main.date=2026-11-28T09:00:00Z",
			fmt.Sprintf("quorum v1.2.3, commit 0123abcd, built 2026-11-28T09:00:00Z, %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)},
		{"plain", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := exec.Command(buildQuorum(t, "-ldflags", c.ldflags), "version").Output()
			if err != nil {
				t.Fatal(err)
			}
			line := string(out)
			if c.want != "" && line != c.want {
				t.Errorf("version printed %q, want %q", line, c.want)
			}
			if !strings.HasPrefix(line, "quorum ") || strings.Count(line, "\n") != 1 || !strings.Contains(line, runtime.Version()) {
				t.Errorf("version printed %q, want one line naming quorum and %s", line, runtime.Version())
			}
		})
	}
}

func TestDescribeBuild(t *testing.T) {
	vcs := &debug.BuildInfo{
		Main: debug.Module{Version: "v0.0.0-20261128090000-0123abcd4567"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123abcd4567"},
			{Key: "vcs.time", Value: "2026-11-28T09:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	platform := fmt.Sprintf(", %s %s/%s", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	for _, c := range []struct {
		name                  string
		version, commit, date string
		bi                    *debug.BuildInfo
		want                  string
	}{
		{"set at release build", "v1.2.3", "feed", "2026-12-01T10:00:00Z", vcs, "quorum v1.2.3, commit feed, built 2026-12-01T10:00:00Z"},
		{"recorded by go build", "", "", "", vcs, "quorum v0.0.0-20261128090000-0123abcd4567, commit 0123abcd4567 (with uncommitted changes), built 2026-11-28T09:00:00Z"},
		{"go run", "", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "quorum devel, commit unknown, built unknown"},
		{"no build information", "", "", "", nil, "quorum devel, commit unknown, built unknown"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := describeBuild(c.version, c.commit, c.date, c.bi); got != c.want+platform {
				t.Errorf("got %q, want %q", got, c.want+platform)
			}
		})
	}
}
