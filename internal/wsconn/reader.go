package wsconn

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/room"
)

// The read side of a connection. A connection between two messages of its
// client holds no goroutine: where the platform allows (the poller), the
// socket waits in an epoll set, and a goroutine starts only to read what
// came. Elsewhere one goroutine per connection blocks in its reads.

// readChunk is what one read takes. It is at least the HTTP server's read
// buffer (internal/httpapi), so that the first read of a hijacked
// connection takes at once whatever that buffer still held (a hello sent
// with the upgrade request) and later reads bypass it.
const readChunk = 4096

var readBuffers = sync.Pool{New: func() any { b := make([]byte, readChunk); return &b }}

// Read states of a connection that waits in the poller.
const (
	readIdle  = iota // no reader runs: the next readiness starts one
	readBusy         // a reader runs
	readAgain        // a reader runs, and the socket became readable again meanwhile
	readDone         // the read side has ended
)

// errHelloTimeout ends a connection whose hello did not come in time.
var errHelloTimeout = errors.New("no hello in time")

// readHello reads the connection's first message, blocking, within
// HelloTimeout. What came after it stays in the frame reader for serve.
func (s *Server) readHello(c *conn) ([]byte, error) {
	nc := c.ws.NetConn()
	_ = nc.SetReadDeadline(time.Now().Add(s.cfg.HelloTimeout))
	defer nc.SetReadDeadline(time.Time{})
	bp := readBuffers.Get().(*[]byte)
	defer readBuffers.Put(bp)
	var hello []byte
	closed := false
	for {
		n, err := nc.Read(*bp)
		if n > 0 {
			_, ferr := c.frames.feed((*bp)[:n], func(m inMessage) bool {
				if control, goOn := c.control(m); control {
					closed = !goOn
					return goOn
				}
				hello = []byte{} // not JSON: refused as a bad hello
				if m.opcode == opText {
					hello = append(hello, m.payload...)
				}
				return false
			})
			switch {
			case ferr != nil:
				return nil, ferr
			case closed:
				return nil, io.EOF
			case hello != nil:
				return hello, nil
			}
		}
		var netErr net.Error
		switch {
		case errors.As(err, &netErr) && netErr.Timeout():
			return nil, errHelloTimeout
		case err != nil:
			return nil, err
		}
	}
}

// serve runs an attached connection: writes start, what came after the
// hello is read, and the connection waits for its client's next bytes.
func (s *Server) serve(c *conn, session Session) {
	c.srv, c.session = s, session
	c.budget = newTokenBucket(s.cfg.MessagesPerSecond, 2*s.cfg.MessagesPerSecond)
	c.hearFrom(time.Now())
	c.startWriting()
	if !c.consume(nil) {
		c.endReading()
		return
	}
	startReading(c)
}

// consume reads the bytes that came (with what the frame reader kept of
// earlier ones), and reports whether to go on reading. A client that broke
// the protocol is closed with the code of what it broke.
func (c *conn) consume(data []byte) bool {
	ok, err := c.frames.feed(data, c.handle)
	var fe *frameError
	if errors.As(err, &fe) {
		c.Kick(fe.code, fe.text)
	}
	return ok
}

// handle takes one message of the client, and reports whether to go on
// reading.
func (c *conn) handle(m inMessage) bool {
	now := time.Now()
	c.hearFrom(now)
	if control, goOn := c.control(m); control {
		return goOn
	}
	if !c.budget.take(now) {
		c.Kick(websocket.ClosePolicyViolation, "too many messages; slow down and reconnect")
		return false
	}
	if m.opcode != opText {
		c.sendJSON(room.Refused("", quorum.Errorf(quorum.EINVALIDJSON, "send JSON in text frames")))
		return true
	}
	in := new(room.Inbound)
	if err := decodeInbound(m.payload, in); err != nil {
		// A field of the wrong type fails the decode, but encoding/json
		// still fills every field it can: the refusal echoes the id
		// whenever the frame had a string id, so that a client can tell
		// which of its messages was refused.
		c.sendJSON(room.Refused(in.ID, decodeError(err)))
		return true
	}
	var send func(m room.Member, in *room.Inbound) error
	switch {
	case in.Type == "vote" && c.role == room.RoleParticipant:
		send = c.session.Vote
	case in.Type == "react" && c.role == room.RoleParticipant:
		send = c.session.React
	case in.Type == "action" && c.role == room.RoleHost:
		send = c.session.Command
	case in.Type == "proxy" && c.role == room.RoleHost:
		send = c.session.Proxy
	case in.Type == "vote" || in.Type == "action" || in.Type == "proxy" || in.Type == "react":
		c.sendJSON(room.Refused(in.ID, quorum.Errorf(quorum.EFORBIDDEN, "a %s connection cannot send %s messages", c.role, in.Type)))
		return true
	case in.Type == "hello":
		c.sendJSON(room.Refused(in.ID, quorum.Errorf(quorum.EINVALIDREQUEST, "this connection has already said hello")))
		return true
	case in.Type == "":
		c.sendJSON(room.Refused(in.ID, quorum.Errorf(quorum.EINVALIDREQUEST, "a message needs a type (hello, vote, react, action, proxy)")))
		return true
	default:
		c.sendJSON(room.Refused(in.ID, quorum.Errorf(quorum.EUNKNOWNMESSAGE, "unknown message type %q (hello, vote, react, action, proxy)", in.Type)))
		return true
	}
	// An error: the room stopped (the server is shutting down, or the
	// session was deleted).
	return send(c, in) == nil
}

// control answers a control frame: a ping's pong goes through the writer,
// and a close ends the reading (endReading answers it). It reports whether
// m was one, and whether to go on reading.
func (c *conn) control(m inMessage) (control, goOn bool) {
	switch m.opcode {
	case opPing:
		c.pong(string(m.payload))
		return true, true
	case opPong:
		return true, true
	case opClose:
		return true, false
	}
	return false, true
}

// hearFrom notes that the client is alive.
func (c *conn) hearFrom(now time.Time) { c.heard.Store(now.UnixNano()) }

// silentTooLong tells whether the client has sent nothing, not even a
// pong, for PongTimeout.
func (c *conn) silentTooLong(now time.Time) bool {
	return now.UnixNano()-c.heard.Load() > int64(c.cfg.PongTimeout)
}

// endReading ends a connection whose read side is over: it leaves its
// session, the writer sends the close frame and stops, then the socket is
// closed. It runs on the last reader, once.
func (c *conn) endReading() {
	c.readState.Store(readDone)
	stopPolling(c)
	_ = c.session.Detach(c)
	c.Kick(websocket.CloseNormalClosure, "")
	<-c.writerOut
	// Read what the client still sends, for a moment: closing with its
	// frames unread would reset the connection, and the reset can destroy
	// the close frame before the client reads it.
	nc := c.ws.NetConn()
	_ = nc.SetReadDeadline(time.Now().Add(closeGrace))
	_, _ = io.Copy(io.Discard, nc)
	c.ws.Close()
	c.srv.untrack(c)
}

// readBlocking reads on one goroutine until the connection ends: where no
// poller runs.
func (c *conn) readBlocking() {
	nc := c.ws.NetConn()
	bp := readBuffers.Get().(*[]byte)
	for !c.stopRead.Load() {
		n, err := nc.Read(*bp)
		if n > 0 && !c.consume((*bp)[:n]) || err != nil {
			break
		}
	}
	readBuffers.Put(bp)
	c.endReading()
}
