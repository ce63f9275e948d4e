//go:build unix

package wsconn

import (
	"net"
	"syscall"
)

// rawWriter makes single writes that do not block on a socket: Go's
// sockets are non-blocking underneath, and a write the socket buffer cannot
// take returns EAGAIN instead of parking the goroutine on the poller.
type rawWriter struct {
	rc      syscall.RawConn
	once    func(fd uintptr) bool // writeOnce, bound once: a method value passed on each write would be allocated each time
	p       []byte
	written int
}

// newRawWriter returns a rawWriter for nc's socket, nil if it has none (a
// TLS connection, a pipe in a test). A connection fasthttp hijacked hides
// its socket behind UnsafeConn.
func newRawWriter(nc net.Conn) *rawWriter {
	if u, ok := nc.(interface{ UnsafeConn() net.Conn }); ok {
		nc = u.UnsafeConn()
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	w := &rawWriter{rc: rc}
	w.once = w.writeOnce
	return w
}

// write makes one attempt to write p and returns how much of it the socket
// took: 0 if its buffer was full, or on any error, which the blocking write
// of the rest then meets again and reports.
func (w *rawWriter) write(p []byte) int {
	w.p, w.written = p, 0
	_ = w.rc.Write(w.once) // an error (a closed socket, a deadline passed) writes nothing
	w.p = nil
	return w.written
}

// writeOnce is one write system call; returning true tells the poller not to
// wait and try again.
func (w *rawWriter) writeOnce(fd uintptr) bool {
	if n, err := syscall.Write(int(fd), w.p); err == nil {
		w.written = n
	}
	return true
}
