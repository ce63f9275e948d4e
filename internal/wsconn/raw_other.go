//go:build !unix

package wsconn

import "net"

// rawWriter has no write that does not block here: every frame goes
// through the connection's writer goroutine.
type rawWriter struct{}

func newRawWriter(net.Conn) *rawWriter { return nil }

func (*rawWriter) write([]byte) int { return 0 }
