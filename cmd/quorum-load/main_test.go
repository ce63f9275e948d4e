package main

import (
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLoopbackURL(t *testing.T) {
	for raw, want := range map[string]string{
		"http://127.0.0.1:8080":   "http://127.0.0.1:8080",
		"http://127.0.0.1:8080/":  "http://127.0.0.1:8080",
		"http://127.3.4.5:9000":   "http://127.3.4.5:9000",
		"http://localhost:8080":   "http://127.0.0.1:8080",
		"http://LOCALHOST:8080":   "http://127.0.0.1:8080",
		"http://[::1]:8080":       "http://[::1]:8080",
		"http://127.0.0.1":        "http://127.0.0.1:80",
		"http://0x7f.0.0.1:8080/": "",
	} {
		u, err := loopbackURL(raw)
		switch {
		case want == "" && err == nil:
			t.Errorf("loopbackURL(%q) = %s, want an error", raw, u)
		case want != "" && err != nil:
			t.Errorf("loopbackURL(%q): %v", raw, err)
		case want != "" && u.String() != want:
			t.Errorf("loopbackURL(%q) = %s, want %s", raw, u, want)
		}
	}
	for _, raw := range []string{
		"http://192.168.1.20:8080",
		"http://10.0.0.1:8080",
		"http://0.0.0.0:8080",
		"http://[::]:8080",
		"http://[::ffff:8.8.8.8]:8080",
		"http://example.org:8080",
		"http://localhost.example.org:8080",
		"http://127.0.0.1.nip.io:8080",
		"https://127.0.0.1:8443",
		"ws://127.0.0.1:8080",
		"127.0.0.1:8080",
		"http://127.0.0.1:8080/api",
		"http://user@127.0.0.1:8080",
	} {
		if u, err := loopbackURL(raw); err == nil {
			t.Errorf("loopbackURL(%q) = %s, want an error", raw, u)
		}
	}
	_, err := loopbackURL("http://192.168.1.20:8080")
	if err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Errorf("error for a LAN address: %v", err)
	}
}

func TestFlagDefaults(t *testing.T) {
	for _, c := range []struct {
		args             []string
		workers, sources int
	}{
		{[]string{"-n", "200"}, 1, 2},
		{[]string{"-n", "5000"}, 1, 2},
		{[]string{"-n", "10000"}, 1, 3},
		{[]string{"-n", "16000"}, 1, 5},
		{[]string{"-n", "16001"}, 2, 5},
		{[]string{"-n", "19000"}, 2, 5},
		{[]string{"-n", "50000"}, 4, 11},
		{[]string{"-n", "5", "--workers", "9"}, 5, 2},
		{[]string{"-n", "100", "--url", "http://[::1]:8080"}, 1, 1},
	} {
		cfg, err := parseFlags(c.args, io.Discard)
		if !spreadSources {
			// One source address off Linux, and its ports bound a run.
			c.sources = 1
			if cfg.n > maxConnsOneSource {
				if err == nil {
					t.Errorf("%v: want an error: one source address has too few ports", c.args)
				}
				continue
			}
		}
		if err != nil {
			t.Errorf("%v: %v", c.args, err)
			continue
		}
		if cfg.workers != c.workers || cfg.sources != c.sources {
			t.Errorf("%v: %d workers, %d sources; want %d, %d", c.args, cfg.workers, cfg.sources, c.workers, c.sources)
		}
	}
	if cfg, err := parseFlags(nil, io.Discard); err != nil || cfg.pace != 2*time.Second {
		t.Errorf("default --pace %s, %v; want 2s", cfg.pace, err)
	}
	if cfg, err := parseFlags(nil, io.Discard); err != nil || cfg.joinIn != "hello" {
		t.Errorf("default --join %q, %v; want hello, as phones join", cfg.joinIn, err)
	}
	if cfg, err := parseFlags([]string{"--pace", "0"}, io.Discard); err != nil || cfg.pace != 0 {
		t.Errorf("--pace 0: %s, %v; want 0, no error", cfg.pace, err)
	}
	args, want := []string{"-n", "30000", "--sources", "3"}, []string{"127.0.0.2", "127.0.0.3", "127.0.0.4"}
	if !spreadSources {
		args, want = []string{"-n", "100"}, []string{"127.0.0.1"}
	}
	cfg, err := parseFlags(args, io.Discard)
	if ips := cfg.sourceIPs(); err != nil || !slices.Equal(ips, want) {
		t.Errorf("%v: source addresses %v, %v; want %v", args, ips, err, want)
	}
	refused := [][]string{
		{"--url", "http://10.1.2.3:8080"},
		{"-n", "0"},
		{"-n", "20000", "--workers", "1"},
		{"-n", "60000", "--workers", "8", "--sources", "2"},
		{"--change-share", "1.5"},
		{"--session", "abc"},
		{"--host-key", "k"},
		{"--pace", "-1s"},
		{"--pace", "1m"},
		{"--pace", "5s", "--timeout", "3s"},
		{"--join", "carrier-pigeon"},
		{"--step-rounds", "2"},
		{"--step-rounds", "0"},
	}
	if !spreadSources {
		refused = append(refused, []string{"--sources", "2"}, []string{"--server-pid", "1"})
	}
	for _, args := range refused {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("%v: want an error", args)
		}
	}
}

// --url takes several nodes: the first is the host's, the screen's unless
// --screen-url says otherwise, and each must be a loopback address.
func TestSeveralURLs(t *testing.T) {
	cfg, err := parseFlags([]string{"--url", "http://127.0.0.1:8081, http://localhost:8082,http://127.0.0.1:8083"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"http://127.0.0.1:8081", "http://127.0.0.1:8082", "http://127.0.0.1:8083"}
	if got := cfg.urlStrings(); !slices.Equal(got, want) || cfg.url.String() != want[0] || cfg.screenURL.String() != want[0] {
		t.Errorf("urls %v, host %s, screen %s; want %v, the first for both", got, cfg.url, cfg.screenURL, want)
	}
	cfg, err = parseFlags([]string{"--url", "http://127.0.0.1:8081,http://127.0.0.1:8082", "--screen-url", "http://127.0.0.1:8082"}, io.Discard)
	if err != nil || cfg.screenURL.String() != "http://127.0.0.1:8082" || cfg.url.String() != "http://127.0.0.1:8081" {
		t.Errorf("--screen-url: host %s, screen %s, %v", cfg.url, cfg.screenURL, err)
	}
	// One URL is a run as before: the setup's only node is it.
	cfg, err = parseFlags([]string{"--url", "http://127.0.0.1:8081", "-n", "10"}, io.Discard)
	if err != nil || len(cfg.urls) != 1 || !slices.Equal(cfg.split("CODE")[0].URLs, []string{"http://127.0.0.1:8081"}) {
		t.Errorf("one URL: %v, %v", cfg.urls, err)
	}
	for _, args := range [][]string{
		{"--url", "http://127.0.0.1:8081,http://10.0.0.2:8081"},
		{"--url", "http://127.0.0.1:8081,"},
		{"--url", "http://127.0.0.1:8081,http://localhost:8081"},
		{"--url", "http://127.0.0.1:8081,http://[::1]:8082"},
		{"--url", "http://[::1]:8081,http://127.0.0.1:8082"},
		{"--url", "http://127.0.0.1:8081", "--screen-url", "http://192.168.1.2:8081"},
	} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("%v: want an error", args)
		}
	}
}

// The floor runs in two processes of this binary and times every message.
// The kernel's share of a message is measured on Linux only.
func TestFloor(t *testing.T) {
	sources := []string{"127.0.0.2", "127.0.0.3"}
	if !spreadSources {
		sources = []string{"127.0.0.1"}
	}
	f, err := runFloor(t.Context(), 50, 8, sources, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if measured := runtime.GOOS == "linux"; measured != (f.KernelMicros > 0) {
		t.Errorf("the kernel's share of a message on %s: %.2f µs", runtime.GOOS, f.KernelMicros)
	}
	// Each process's CPU per message, read from /proc: on Linux only, and
	// never negative (50 messages may take less than its 10 ms steps).
	for name, cpu := range map[string]*MessageCPU{"writer": f.WriterCPU, "reader": f.ReaderCPU} {
		if measured := runtime.GOOS == "linux"; measured != (cpu != nil) || cpu != nil && (cpu.User < 0 || cpu.System < 0) {
			t.Errorf("the %s's CPU a message on %s: %+v", name, runtime.GOOS, cpu)
		}
	}
	if measured := runtime.GOOS == "linux"; f.Join.Seconds <= 0 || measured != (f.Join.WriterCPU != nil) {
		t.Errorf("the join burst's floor on %s: %+v", runtime.GOOS, f.Join)
	}
	if len(f.Rounds) != floorRounds {
		t.Fatalf("%d rounds, want %d", len(f.Rounds), floorRounds)
	}
	for i, d := range f.Rounds {
		if d.Count != 50 || d.P50 <= 0 || d.P99 < d.P50 || d.Max < d.P99 {
			t.Errorf("round %d: %+v", i+1, d)
		}
	}
}
