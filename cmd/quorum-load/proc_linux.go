package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// readRSS returns a process's resident memory in KiB, from /proc/<pid>/status.
func readRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("server memory: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest) // "123456 kB"
		if len(fields) != 2 || fields[1] != "kB" {
			break
		}
		return strconv.ParseInt(fields[0], 10, 64)
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("server memory: %w", err)
	}
	return 0, fmt.Errorf("server memory: no VmRSS line in /proc/%d/status", pid)
}

// userHZ is the unit of /proc/<pid>/stat's CPU times: fixed at 100 a second
// in Linux's user-space ABI, whatever the kernel's own tick.
const userHZ = 100

// readCPU returns the CPU time a process has used, user and system, from
// /proc/<pid>/stat, in steps of 10 ms.
func readCPU(pid int) (cpuTime, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return cpuTime{}, fmt.Errorf("CPU time of process %d: %w", pid, err)
	}
	// The command name, in parentheses, may hold spaces; the fields after it
	// start with the state (field 3), so utime and stime (14, 15) are the
	// 12th and 13th.
	var fields []string
	if i := strings.LastIndexByte(string(b), ')'); i >= 0 {
		fields = strings.Fields(string(b[i+1:]))
	}
	if len(fields) < 13 {
		return cpuTime{}, fmt.Errorf("CPU time: /proc/%d/stat is not as expected", pid)
	}
	var ticks [2]int64
	for i, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return cpuTime{}, fmt.Errorf("CPU time: /proc/%d/stat: %w", pid, err)
		}
		ticks[i] = n
	}
	return cpuTime{User: time.Duration(ticks[0]) * time.Second / userHZ, System: time.Duration(ticks[1]) * time.Second / userHZ}, nil
}
