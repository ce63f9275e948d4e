package httpapi

import (
	"errors"
	"io"
	"net"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"
)

// A request that fasthttp refuses before reading it through (a body over
// the limit, headers too long, a malformed request) is answered and its
// connection closed while the client may still be sending. Closing a socket
// with bytes unread makes the kernel reset the connection, and a reset that
// reaches the client before it has read the answer destroys the answer: Go's
// client, which sends the whole body before it reads, lost most 413s so.
// Such a connection is closed gently instead: the server stops writing, then
// reads and discards what the client still sends until the client closes
// (it does once it has read the answer, which says Connection: close), for
// at most lingerTimeout; only a client that sends on past that gets the
// reset. A bound in bytes would not do: over loopback, Go's client sends
// a megabyte in a fraction of a millisecond, before it has read the answer.
const lingerTimeout = 2 * time.Second

// gentleListener hands out connections that can be closed gently.
type gentleListener struct{ net.Listener }

func (l gentleListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &gentleConn{Conn: c}, nil
}

type gentleConn struct {
	net.Conn
	refused atomic.Bool // the request was refused unread: close gently
}

// SyscallConn passes the socket through the wrapper: WebSocket connections
// write to it without blocking (internal/wsconn), which they cannot do
// through a wrapper that hides it.
func (c *gentleConn) SyscallConn() (syscall.RawConn, error) {
	sc, ok := c.Conn.(syscall.Conn)
	if !ok {
		return nil, errors.ErrUnsupported
	}
	return sc.SyscallConn()
}

var _ syscall.Conn = (*gentleConn)(nil)

func (c *gentleConn) Close() error {
	if c.refused.Load() {
		if hc, ok := c.Conn.(interface{ CloseWrite() error }); ok {
			_ = hc.CloseWrite()
		}
		_ = c.Conn.SetReadDeadline(time.Now().Add(lingerTimeout))
		_, _ = io.Copy(io.Discard, c.Conn)
	}
	return c.Conn.Close()
}

// closeRefusedGently marks the connection of every request fasthttp answers
// with an error of its own (it closes the connection after that answer) to
// be closed gently, then lets answer write the answer.
func closeRefusedGently(answer func(*fasthttp.RequestCtx, error)) func(*fasthttp.RequestCtx, error) {
	return func(ctx *fasthttp.RequestCtx, err error) {
		if c, ok := ctx.Conn().(*gentleConn); ok {
			c.refused.Store(true)
		}
		answer(ctx, err)
	}
}
