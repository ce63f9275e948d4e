//go:build !linux

package main

import "time"

// The server's memory and CPU come from /proc (proc_linux.go); complete
// refuses --server-pid elsewhere, before a run starts.

func readRSS(int) (int64, error) { return 0, errNoProc }

func readCPU(int) (time.Duration, error) { return 0, errNoProc }
