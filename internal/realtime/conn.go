package realtime

import (
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"
)

// conn is one WebSocket client. The Fiber handler goroutine reads; at most
// one writer goroutine at a time owns every write except the library's own
// control frames. The writer runs only while there is something to send and
// ends when it is idle: ten thousand quiet phones hold no writer stacks.
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
	results atomic.Pointer[websocket.PreparedMessage]

	closing   chan struct{} // closed by kick: the writer sends a close frame and stops
	closeOnce sync.Once
	closeCode int
	closeText string
	writerOut chan struct{} // closed when the last writer has stopped for good

	// writerMu guards whether a writer runs; a writer checks for work and
	// stops under it, and wake starts one under it, so no wake-up is lost.
	writerMu sync.Mutex
	enabled  bool // startWriting has run: writes may start
	writing  bool // a writer goroutine is running
	finished bool // the writer has stopped for good
	pingDue  bool
	pinger   *time.Timer
}

func newConn(ws *websocket.Conn, cfg *Config) *conn {
	return &conn{
		ws:        ws,
		cfg:       cfg,
		outbox:    make(chan outFrame, cfg.OutboxSize),
		closing:   make(chan struct{}),
		writerOut: make(chan struct{}),
	}
}

// startWriting lets writes start (what was queued during the hello goes
// first) and pings the client every PingInterval.
func (c *conn) startWriting() {
	c.writerMu.Lock()
	c.enabled = true
	c.pinger = time.AfterFunc(c.cfg.PingInterval, c.pingTick)
	c.writerMu.Unlock()
	c.wake()
}

func (c *conn) pingTick() {
	c.writerMu.Lock()
	if c.finished {
		c.writerMu.Unlock()
		return
	}
	c.pingDue = true
	c.pinger.Reset(c.cfg.PingInterval)
	c.writerMu.Unlock()
	c.wake()
}

// wake starts a writer unless one runs.
func (c *conn) wake() {
	c.writerMu.Lock()
	defer c.writerMu.Unlock()
	if !c.enabled || c.writing || c.finished {
		return
	}
	c.writing = true
	go c.writeLoop()
}

// outFrame is one queued message: prepared once for many connections, or
// plain bytes for this connection alone (an acknowledgement). Pointers
// only: every connection's outbox holds OutboxSize of them from the start.
type outFrame struct {
	pm   *websocket.PreparedMessage
	data *[]byte
}

// send queues a message prepared for many connections.
func (c *conn) send(pm *websocket.PreparedMessage) {
	if pm != nil {
		c.queue(outFrame{pm: pm})
		c.wake()
	}
}

// sendJSON queues a message for this connection alone, as plain bytes: a
// prepared message costs a whole frame-building connection to set up, worth
// it only when many connections share it.
func (c *conn) sendJSON(v any) {
	data, err := json.Marshal(v)
	if err != nil {
		c.cfg.Logger.Error("encode message", "err", err) // a bug: every message type marshals
		return
	}
	c.sendBytes(data)
}

// sendBytes queues a text frame for this connection alone; data must not
// change afterwards.
func (c *conn) sendBytes(data []byte) {
	c.queue(outFrame{data: &data})
	c.wake()
}

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
	c.wake()
}

// kick closes the connection with a code; the first call wins.
func (c *conn) kick(code int, text string) {
	c.closeOnce.Do(func() {
		c.closeCode, c.closeText = code, text
		close(c.closing)
	})
	c.wake()
}

// writeLoop writes until there is nothing left to write, then stops; wake
// starts it again. Queued messages go before the pending results so that a
// client always has the state a results update refers to; a kick is obeyed
// once the queue is empty.
func (c *conn) writeLoop() {
	for {
		select {
		case f := <-c.outbox:
			if !c.writeFrame(f) {
				c.finish()
				return
			}
			continue
		default:
		}
		select {
		case <-c.closing:
			c.writeClose()
			c.finish()
			return
		default:
		}
		if pm := c.results.Swap(nil); pm != nil {
			if !c.writeFrame(outFrame{pm: pm}) {
				c.finish()
				return
			}
			continue
		}
		if c.takePing() {
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.cfg.WriteTimeout)); err != nil {
				c.fail()
				c.finish()
				return
			}
			continue
		}
		if c.idle() {
			return
		}
	}
}

func (c *conn) takePing() bool {
	c.writerMu.Lock()
	defer c.writerMu.Unlock()
	due := c.pingDue
	c.pingDue = false
	return due
}

// idle stops this writer if nothing arrived since it last looked.
func (c *conn) idle() bool {
	c.writerMu.Lock()
	defer c.writerMu.Unlock()
	select {
	case <-c.closing:
		return false
	default:
	}
	if len(c.outbox) > 0 || c.results.Load() != nil || c.pingDue {
		return false
	}
	c.writing = false
	return true
}

// finish marks the writer stopped for good: nothing more is written.
func (c *conn) finish() {
	c.writerMu.Lock()
	c.writing, c.finished = false, true
	if c.pinger != nil {
		c.pinger.Stop()
	}
	c.writerMu.Unlock()
	close(c.writerOut)
}

func (c *conn) writeFrame(f outFrame) bool {
	err := c.ws.SetWriteDeadline(time.Now().Add(c.cfg.WriteTimeout))
	if err == nil {
		if f.pm != nil {
			err = c.ws.WritePreparedMessage(f.pm)
		} else {
			err = c.ws.WriteMessage(websocket.TextMessage, *f.data)
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

// stopReader ends the reader's wait at once without closing the socket:
// ServeWS still reads what the client sends for a moment after the close
// frame, so that a reset does not destroy that frame, and then closes it.
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
