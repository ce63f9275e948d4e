//go:build !linux

package main

import "syscall"

// deferAccept is Linux's alone (listen_linux.go).
var deferAccept func(network, address string, c syscall.RawConn) error
