package main

import (
	"io"
	"testing"
	"time"
)

func TestFlagsFallBackToEnvironment(t *testing.T) {
	t.Setenv("QUORUM_ADDR", "127.0.0.1:9999")
	t.Setenv("QUORUM_DATA", "/tmp/q")
	t.Setenv("QUORUM_BROADCAST_INTERVAL", "250ms")
	t.Setenv("QUORUM_LOG_FORMAT", "json")
	cfg, err := parseFlags([]string{"--data", "/srv/quorum"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.addr != "127.0.0.1:9999" || cfg.data != "/srv/quorum" || cfg.broadcastInterval != 250*time.Millisecond || cfg.logFormat != "json" {
		t.Errorf("got %+v", cfg)
	}
}

func TestBadFlagsAreRefused(t *testing.T) {
	tests := map[string][]string{
		"log format":                 {"--log-format", "xml"},
		"broadcast interval":         {"--broadcast-interval", "1ms"},
		"public URL":                 {"--public-url", "quorum.example.org"},
		"unknown flag":               {"--colour", "blue"},
		"metrics":                    {"--metrics", "loud"},
		"debug on the LAN":           {"--debug-addr", "0.0.0.0:6060"},
		"debug on all":               {"--debug-addr", ":6060"},
		"negative retention":         {"--retention", "-1h"},
		"no connections per address": {"--max-conns-per-address", "0"},
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
