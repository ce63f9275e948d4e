package listener

import (
	"context"
	"net"
	"testing"
	"time"
)

// The listener hands over a connection once its request has come, not at
// the handshake.
func TestListenerAcceptsOnceTheRequestCame(t *testing.T) {
	ln, err := Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case sc := <-accepted:
		sc.Close()
		t.Fatal("the connection was accepted before it sent anything")
	case <-time.After(200 * time.Millisecond):
	}
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\n")); err != nil {
		t.Fatal(err)
	}
	select {
	case sc := <-accepted:
		sc.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("the connection was not accepted once its request came")
	}
}
