//go:build !linux

package wsconn

// Without epoll, each connection reads on a goroutine of its own.

type poller struct{}

func startReading(c *conn) { go c.readBlocking() }

func stopPolling(*conn) {}

func wakeReader(*conn) {}
