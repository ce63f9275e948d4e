//go:build unix

package wsconn

import (
	"net"
	"syscall"
)

// rawWriter makes single writes that do not block on a socket: Go's
// sockets are non-blocking underneath, and a write the socket buffer cannot
// take returns EAGAIN instead of parking the goroutine on the poller.
//
// It writes to the socket's descriptor with a bare system call, without
// the poller's lock and deadline checks (a tenth of a broadcast's own CPU
// per phone). That is safe because a conn's socket is closed only once
// its last writer has stopped for good (serve waits for writerOut), and a
// direct write holds the writer role for its whole length: the descriptor
// cannot be closed, or reused by another socket, under it.
//
// A conn holds it by value: a broadcast reads it for each of thousands of
// connections, and a pointer would cost each one more cache miss.
type rawWriter struct {
	fd int
	ok bool // fd is the socket's; the zero value has none
}

// newRawWriter returns a rawWriter for nc's socket, one that is not ok if
// it has none (a TLS connection, a pipe in a test). A connection fasthttp
// hijacked hides its socket behind UnsafeConn.
func newRawWriter(nc net.Conn) rawWriter {
	if u, ok := nc.(interface{ UnsafeConn() net.Conn }); ok {
		nc = u.UnsafeConn()
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return rawWriter{}
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return rawWriter{}
	}
	w := rawWriter{fd: -1}
	if err := rc.Control(func(fd uintptr) { w.fd = int(fd) }); err != nil || w.fd < 0 {
		return rawWriter{}
	}
	w.ok = true
	return w
}

// write makes one attempt to write p and returns how much of it the socket
// took: 0 if its buffer was full, or on any error, which the blocking write
// of the rest then meets again and reports.
func (w rawWriter) write(p []byte) int {
	for {
		n, err := send(w.fd, p)
		switch {
		case err == nil:
			return n
		case err == syscall.EINTR:
			continue
		}
		return 0
	}
}
