//go:build !unix

package main

import "math"

// raiseFileLimit has nothing to raise where there is no RLIMIT_NOFILE: a
// Windows process may hold millions of handles, sockets among them.
func raiseFileLimit() (uint64, error) { return math.MaxUint64, nil }
