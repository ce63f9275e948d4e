package httpapi

import (
	"net"
	"syscall"
	"testing"
)

// The listener's wrapper keeps the socket reachable: WebSocket connections
// write to it without blocking only through SyscallConn.
func TestAcceptedConnectionsShowTheirSocket(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c, err := gentleListener{ln}.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sc, ok := c.(syscall.Conn)
	if !ok {
		t.Fatalf("%T hides its socket", c)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	called := false
	if err := rc.Control(func(uintptr) { called = true }); err != nil || !called {
		t.Errorf("the socket's Control: called %v, %v", called, err)
	}
}
