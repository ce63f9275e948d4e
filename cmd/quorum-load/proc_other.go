//go:build !linux

package main

// The server's memory and CPU come from /proc (proc_linux.go); complete
// refuses --server-pid elsewhere, before a run starts.

func readRSS(int) (int64, error) { return 0, errNoProc }

func readCPU(int) (cpuTime, error) { return cpuTime{}, errNoProc }
