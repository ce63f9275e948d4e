package realtime

import (
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"
)

// conn is one WebSocket client. The Fiber handler goroutine reads; one writer
// goroutine owns every write except the library's own control frames.
type conn struct {
	ws       *websocket.Conn
	cfg      *Config
	role     Role
	attached bool // counted in the metrics; set and read by the room only

	participantID string // participant connections only
	addr          string // the client's address, for the per-address limit

	// outbox holds state messages, acks and errors in order. It is bounded: a
	// client that lets it fill is closed with CloseTooSlow, never waited for.
	outbox chan outFrame
	// results holds only the newest live-results update; a newer one replaces
	// an unsent older one instead of queueing behind it.
	results      atomic.Pointer[websocket.PreparedMessage]
	resultsReady chan struct{}

	closing   chan struct{} // closed by kick: the writer sends a close frame and stops
	closeOnce sync.Once
	closeCode int
	closeText string
	writerOut chan struct{} // closed when the writer has stopped
}

func newConn(ws *websocket.Conn, cfg *Config) *conn {
	return &conn{
		ws:           ws,
		cfg:          cfg,
		outbox:       make(chan outFrame, cfg.OutboxSize),
		resultsReady: make(chan struct{}, 1),
		closing:      make(chan struct{}),
		writerOut:    make(chan struct{}),
	}
}

// outFrame is one queued message: prepared once for many connections, or
// plain bytes for this connection alone (an acknowledgement).
type outFrame struct {
	pm   *websocket.PreparedMessage
	data []byte
}

// send queues a message prepared for many connections.
func (c *conn) send(pm *websocket.PreparedMessage) {
	if pm != nil {
		c.queue(outFrame{pm: pm})
	}
}

// sendBytes queues a text frame for this connection alone; data must not
// change afterwards.
func (c *conn) sendBytes(data []byte) { c.queue(outFrame{data: data}) }

// queue adds a frame without ever blocking the caller (a room).
func (c *conn) queue(f outFrame) {
	select {
	case c.outbox <- f:
	default:
		c.cfg.Metrics.SlowClientDropped()
		c.kick(CloseTooSlow, "connection too slow to keep up with messages")
		if c.ws != nil {
			// The writer is likely stuck in a write the client does not
			// read: end that write now rather than at its deadline.
			_ = c.ws.NetConn().SetWriteDeadline(time.Now())
		}
	}
}

// setResults replaces the pending live-results update.
func (c *conn) setResults(pm *websocket.PreparedMessage) {
	c.results.Store(pm)
	select {
	case c.resultsReady <- struct{}{}:
	default:
	}
}

// kick closes the connection with a code; the first call wins.
func (c *conn) kick(code int, text string) {
	c.closeOnce.Do(func() {
		c.closeCode, c.closeText = code, text
		close(c.closing)
	})
}

// writeLoop is the only writer of data frames. Queued messages go before the
// pending results so that a client always has the state a results update
// refers to.
func (c *conn) writeLoop() {
	defer close(c.writerOut)
	ping := time.NewTicker(c.cfg.PingInterval)
	defer ping.Stop()
	for {
		select {
		case f := <-c.outbox:
			if !c.writeFrame(f) {
				return
			}
			continue
		case <-c.closing:
			c.writeClose()
			return
		default:
		}
		select {
		case f := <-c.outbox:
			if !c.writeFrame(f) {
				return
			}
		case <-c.resultsReady:
			if pm := c.results.Swap(nil); pm != nil && !c.writeFrame(outFrame{pm: pm}) {
				return
			}
		case <-ping.C:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.cfg.WriteTimeout)); err != nil {
				c.fail()
				return
			}
		case <-c.closing:
			c.writeClose()
			return
		}
	}
}

func (c *conn) writeFrame(f outFrame) bool {
	err := c.ws.SetWriteDeadline(time.Now().Add(c.cfg.WriteTimeout))
	if err == nil {
		if f.pm != nil {
			err = c.ws.WritePreparedMessage(f.pm)
		} else {
			err = c.ws.WriteMessage(websocket.TextMessage, f.data)
		}
	}
	if err != nil {
		c.fail()
		return false
	}
	return true
}

// fail ends a connection whose writes fail.
func (c *conn) fail() {
	c.kick(websocket.CloseAbnormalClosure, "")
	c.stopReader()
}

// stopReader ends the reader's wait at once. Closing the socket would not:
// fasthttp makes Close a no-op on a hijacked connection and closes it only
// when the handler returns, and the handler waits for the reader.
func (c *conn) stopReader() {
	_ = c.ws.NetConn().SetReadDeadline(time.Now())
}

func (c *conn) writeClose() {
	if c.closeCode != websocket.CloseAbnormalClosure {
		timeout := c.cfg.WriteTimeout
		if c.closeCode == CloseTooSlow {
			// Its buffers are full: the close frame gets a moment, not more.
			timeout = min(timeout, time.Second)
		}
		msg := websocket.FormatCloseMessage(c.closeCode, c.closeText)
		_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(timeout))
	}
	// The client has the close frame; waiting for its reply only holds
	// resources.
	c.stopReader()
}

// prepare encodes a message once for any number of connections.
func prepare(log *slog.Logger, v any) *websocket.PreparedMessage {
	data, err := json.Marshal(v)
	if err != nil {
		log.Error("encode message", "err", err) // a bug: every message type marshals
		return nil
	}
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, data)
	if err != nil {
		log.Error("prepare message", "err", err)
		return nil
	}
	return pm
}
