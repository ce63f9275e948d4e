//go:build !linux

package listener

import "syscall"

// deferAccept is Linux's alone (defer_linux.go).
var deferAccept func(network, address string, c syscall.RawConn) error
