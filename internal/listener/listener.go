// Package listener opens the TCP listener Quorum serves on, with the socket
// options a hall of phones joining at once wants. quorum-load's floor opens
// its listener here too, so that the floor's accepts make the server's
// system calls.
package listener

import (
	"context"
	"net"
)

// Listen listens on addr (host:port). No TCP keep-alive: WebSocket pings
// find a vanished phone, the idle timeout an idle HTTP client, and the four
// socket options on every accepted connection cost a join burst 2 % of the
// server's CPU. On Linux, accept waits for the request (deferAccept).
func Listen(ctx context.Context, addr string) (net.Listener, error) {
	return (&net.ListenConfig{KeepAlive: -1, Control: deferAccept}).Listen(ctx, "tcp", addr)
}
