//go:build unix

package main

import (
	"fmt"
	"syscall"
)

// raiseFileLimit lifts the soft limit of open files to the hard one, as far
// as the system lets it, and returns the soft limit in force: every
// connection is a file. Go raises it at start to one below the hard limit;
// raising it here too makes it the limit the workers inherit, which main
// checks once for all of them. macOS refuses a soft limit of "unlimited",
// its usual hard one: there the limit Go chose (kern.maxfilesperproc)
// stands.
func raiseFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("read the open-file limit: %w", err)
	}
	if lim.Cur < lim.Max {
		raised := syscall.Rlimit{Cur: lim.Max, Max: lim.Max}
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) == nil {
			return raised.Cur, nil
		}
	}
	return lim.Cur, nil
}
