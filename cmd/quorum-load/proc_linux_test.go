package main

import (
	"os"
	"testing"
	"time"
)

// readCPU counts this process's CPU time, which grows as it works.
func TestReadCPU(t *testing.T) {
	before, err := readCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for start := time.Now(); time.Since(start) < 50*time.Millisecond; {
	}
	after, err := readCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if spent := after.User + after.System - before.User - before.System; spent < 10*time.Millisecond {
		t.Errorf("CPU time %s → %s after 50 ms of spinning; want at least 10 ms more", before, after)
	}
	if _, err := readCPU(-1); err == nil {
		t.Error("readCPU(-1): want an error")
	}
}
