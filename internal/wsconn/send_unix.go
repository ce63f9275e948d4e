//go:build unix && !linux

package wsconn

import "syscall"

// send writes p to the socket fd.
func send(fd int, p []byte) (int, error) { return syscall.Write(fd, p) }
