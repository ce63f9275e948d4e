//go:build !unix

package wsconn

import "net"

// rawWriter has no write that does not block here: every frame goes
// through the connection's writer goroutine.
type rawWriter struct{ ok bool }

func newRawWriter(net.Conn) rawWriter { return rawWriter{} }

func (rawWriter) write([]byte) int { return 0 }
