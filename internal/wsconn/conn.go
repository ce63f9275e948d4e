package wsconn

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/quorum-workshop/quorum/internal/room"
)

// conn is one WebSocket client. On Linux its reader runs only while its
// client's bytes come in (reader.go, poller_linux.go); at most one writer
// at a time owns every write. The writer goroutine runs only while there
// is something to send and ends when it is idle: ten thousand quiet phones
// hold no stacks at all. A broadcast's frame (Broadcast,
// SetResults) for a connection with no writer running and nothing queued
// is written by the room itself, in one write that does not block
// (writeDirect): a broadcast to thousands of idle phones wakes no goroutine
// for those whose socket takes the frame at once.
type conn struct {
	ws   *websocket.Conn
	cfg  *Config
	role room.Role // set once the hello is answered, read by the reader only
	addr string    // the client's address, for the per-address limit

	// outbox holds state messages, acks and errors in order. It is bounded: a
	// client that lets it fill is closed with CloseTooSlow, never waited for.
	outbox chan *room.Frame
	// results holds only the newest live-results update; a newer one replaces
	// an unsent older one instead of queueing behind it.
	results atomic.Pointer[room.Frame]

	// kicked is set by Kick, after closeCode and closeText: the writer
	// sends a close frame and stops. A flag, not a channel: every direct
	// write of a broadcast looks at it.
	kicked    atomic.Bool
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
	// queued counts the frames in outbox and those on their way in or
	// out: never fewer than it holds. A direct write reads it instead of
	// the channel's length, which for each of ten thousand phones would
	// fetch the channel's own memory; this sits beside what it reads anyway.
	queued atomic.Int32
	// raw writes to the socket without blocking; not ok where the platform
	// or the connection offers no such write (then every frame goes
	// through the writer goroutine). Beside the writer's flags, which a
	// direct write reads too.
	raw      rawWriter
	pingDue  bool
	pinger   *time.Timer
	pongData []byte // the payload of a client's ping to answer; nil: none

	// writeDeadline is the socket's write deadline as the writer last set
	// it. Setting one costs about a tenth of a loopback write, so a write
	// moves it only once half of WriteTimeout has passed: every write still
	// has at least half of WriteTimeout, and a fan-out sets almost none.
	writeDeadline time.Time

	// rest is what a direct write left unwritten; the writer goroutine that
	// writeDirect starts for it sends it before anything else.
	rest []byte

	// The read side (reader.go), set up by the hello and serve.
	srv       *Server
	session   Session
	frames    frameReader
	budget    *tokenBucket
	readState atomic.Int32
	poller    *poller      // set before polled
	polled    atomic.Bool  // the connection waits in the poller between reads
	stopRead  atomic.Bool  // the reader must stop: the connection is closing
	heard     atomic.Int64 // when the client last sent anything, Unix ns
}

var (
	_ room.Member      = (*conn)(nil)
	_ room.Broadcaster = (*conn)(nil)
)

func newConn(ws *websocket.Conn, cfg *Config) *conn {
	c := &conn{
		ws:        ws,
		cfg:       cfg,
		outbox:    make(chan *room.Frame, cfg.OutboxSize),
		writerOut: make(chan struct{}),
	}
	c.hearFrom(time.Now())
	if ws != nil {
		c.raw = newRawWriter(ws.NetConn())
	}
	return c
}

// startWriting lets writes start and pings the client every PingInterval.
// What the hello queued (the welcome and the first state) goes first, in
// one write from the caller's goroutine if the socket takes it without
// blocking, as a broadcast's frame does: a join starts no writer goroutine.
func (c *conn) startWriting() {
	c.writerMu.Lock()
	c.enabled = true
	c.pinger = time.AfterFunc(c.cfg.PingInterval, c.pingTick)
	c.writerMu.Unlock()
	if !c.writeQueued() {
		c.wake()
	}
}

func (c *conn) pingTick() {
	if c.silentTooLong(time.Now()) {
		// The client is gone without a word: no pong to the last pings.
		c.stopReader()
		return
	}
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

// pong answers a client's ping through the writer, which owns every write:
// the library would answer from the reader, beside the writer's own writes.
// Only the latest ping is answered, as the protocol allows.
func (c *conn) pong(data string) {
	c.writerMu.Lock()
	c.pongData = append(make([]byte, 0, len(data)), data...)
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

// Send queues a frame: the writer goroutine writes it. A room's frames for
// one connection (acks, replies) come between its commits, and the room
// had better commit its next batch than wait for their writes.
func (c *conn) Send(f *room.Frame) {
	if f != nil {
		c.queue(f)
	}
}

// Broadcast writes a frame of a broadcast at once if the connection is idle
// and its socket takes it without blocking, and queues it otherwise.
func (c *conn) Broadcast(f *room.Frame) {
	if f != nil && !c.writeDirect(*f) {
		c.queue(f)
	}
}

// sendJSON queues a message for this connection alone.
func (c *conn) sendJSON(v any) { c.Send(room.EncodeFrame(c.cfg.Logger, v)) }

// queue adds a frame without ever blocking the caller (a room).
func (c *conn) queue(f *room.Frame) {
	c.queued.Add(1)
	select {
	case c.outbox <- f:
		c.wake()
	default:
		c.queued.Add(-1)
		c.cfg.Metrics.SlowClientDropped()
		c.Kick(room.CloseTooSlow, "connection too slow to keep up with messages")
		if c.ws != nil {
			// The writer is likely stuck in a write the client does not
			// read: end that write now rather than at its deadline.
			_ = c.ws.NetConn().SetWriteDeadline(time.Now())
		}
	}
}

// SetResults replaces the pending live-results update; nil drops it.
func (c *conn) SetResults(f *room.Frame) {
	if f == nil {
		// Every state broadcast drops the pending update, which is almost
		// always none: a load is cheaper than a store.
		if c.results.Load() != nil {
			c.results.Store(nil)
		}
		return
	}
	if c.writeDirect(*f) {
		return
	}
	c.results.Store(f)
	c.wake()
}

// Kick closes the connection with a code; the first call wins.
func (c *conn) Kick(code int, text string) {
	c.closeOnce.Do(func() {
		c.closeCode, c.closeText = code, text
		c.kicked.Store(true)
	})
	c.wake()
}

// Limits of one write of several queued frames: a burst of acks and a state
// fit, and the buffer stays small enough to pool.
const (
	maxFramesPerWrite = 16
	maxBytesPerWrite  = 16 << 10
)

// writeBuffers holds the buffers that join several frames into one write.
var writeBuffers = sync.Pool{New: func() any { b := make([]byte, 0, maxBytesPerWrite); return &b }}

// putWriteBuffer returns a buffer taken from writeBuffers, as buf has
// grown it, unless it grew large.
func putWriteBuffer(bp *[]byte, buf []byte) {
	if cap(buf) <= 4*maxBytesPerWrite {
		*bp = buf[:0]
		writeBuffers.Put(bp)
	}
}

// writeDirect writes p from the caller's goroutine if the connection is
// idle: writing, no writer running, nothing queued or pending. It takes the
// writer role for the write, so that nothing else writes meanwhile, and
// makes one attempt that does not block. What the socket did not take (all
// of it if the attempt failed) goes to a writer goroutine, which writes it
// first, with a deadline, and meets any error itself. It reports whether it
// took p; if not, the caller queues it.
func (c *conn) writeDirect(p []byte) bool {
	if !c.raw.ok || !c.takeWriter(false) {
		return false
	}
	n := c.raw.write(p)
	if n < len(p) {
		c.rest = p[n:]
	}
	c.releaseWriter()
	return true
}

// writeQueued writes the queued frames as writeDirect writes a broadcast's:
// in one attempt from the caller's goroutine, the rest by a writer. It
// reports whether it took the writer role; if not, a writer is needed.
func (c *conn) writeQueued() bool {
	if !c.raw.ok || !c.takeWriter(true) {
		return false
	}
	bp := writeBuffers.Get().(*[]byte)
	buf := (*bp)[:0]
gather:
	for n := 0; n < maxFramesPerWrite && len(buf) < maxBytesPerWrite; n++ {
		select {
		case f := <-c.outbox:
			c.queued.Add(-1)
			buf = append(buf, *f...)
		default:
			break gather
		}
	}
	if len(buf) > 0 {
		if n := c.raw.write(buf); n < len(buf) {
			c.rest = append([]byte(nil), buf[n:]...) // buf goes back to the pool
		}
	}
	putWriteBuffer(bp, buf)
	c.releaseWriter()
	return true
}

// takeWriter takes the writer role for a write from the caller's goroutine
// if no writer runs and nothing but queued frames (if queued) waits.
func (c *conn) takeWriter(queued bool) bool {
	c.writerMu.Lock()
	defer c.writerMu.Unlock()
	if !c.enabled || c.writing || c.finished || c.hasUnqueuedWork() || !queued && c.queued.Load() > 0 {
		return false
	}
	c.writing = true
	return true
}

// releaseWriter ends a write from the caller's goroutine. While it held the
// role, wake started no writer: it starts one for what the write left, or
// for what arrived meanwhile (a queued frame, a ping due, a kick).
func (c *conn) releaseWriter() {
	c.writerMu.Lock()
	defer c.writerMu.Unlock()
	if c.rest != nil || c.queued.Load() > 0 || c.hasUnqueuedWork() {
		go c.writeLoop()
	} else {
		c.writing = false
	}
}

// writeLoop writes until there is nothing left to write, then stops; wake
// starts it again. It writes first what a direct write left. Each write
// then takes every queued frame there is (up to the limits), then the
// pending results, in that order, so that a client always has the state a
// results update refers to; a kick is obeyed once the queue is empty.
func (c *conn) writeLoop() {
	if rest := c.rest; rest != nil {
		c.rest = nil
		if !c.write(rest) {
			c.finish()
			return
		}
	}
	var batch [maxFramesPerWrite]*room.Frame
	for {
		n, size, drained := 0, 0, false
	gather:
		for n < len(batch) && size < maxBytesPerWrite {
			select {
			case f := <-c.outbox:
				c.queued.Add(-1)
				batch[n] = f
				n++
				size += len(*f)
			default:
				drained = true
				break gather
			}
		}
		closing := c.isClosing()
		if n == 0 && closing {
			c.writeClose()
			c.finish()
			return
		}
		if drained && !closing {
			if f := c.results.Swap(nil); f != nil {
				batch[n] = f
				n++
			}
		}
		if n > 0 {
			ok := c.writeFrames(batch[:n])
			clear(batch[:n])
			if !ok {
				c.finish()
				return
			}
			continue
		}
		if kind, data, ok := c.takeControl(); ok {
			if err := c.ws.WriteControl(kind, data, time.Now().Add(c.cfg.WriteTimeout)); err != nil {
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

func (c *conn) isClosing() bool { return c.kicked.Load() }

// takeControl takes the control frame due, a pong before a ping.
func (c *conn) takeControl() (kind int, data []byte, ok bool) {
	c.writerMu.Lock()
	defer c.writerMu.Unlock()
	switch {
	case c.pongData != nil:
		data, c.pongData = c.pongData, nil
		return websocket.PongMessage, data, true
	case c.pingDue:
		c.pingDue = false
		return websocket.PingMessage, nil, true
	}
	return 0, nil, false
}

// idle stops this writer if nothing arrived since it last looked.
func (c *conn) idle() bool {
	c.writerMu.Lock()
	defer c.writerMu.Unlock()
	if c.hasWork() {
		return false
	}
	c.writing = false
	return true
}

// hasWork tells whether a writer has anything to do; call it under writerMu.
// It reads the outbox's own length, not queued, which may count a frame
// still on its way in: a writer would spin until it came.
func (c *conn) hasWork() bool { return len(c.outbox) > 0 || c.hasUnqueuedWork() }

// hasUnqueuedWork tells whether a writer has anything to do besides queued
// frames (a kick, pending results, a ping or a pong); call it under writerMu.
func (c *conn) hasUnqueuedWork() bool {
	return c.isClosing() || c.results.Load() != nil || c.pingDue || c.pongData != nil
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

// writeFrames sends frames in one write, straight to the socket; the
// library's control frames are written by this same goroutine (writeLoop).
func (c *conn) writeFrames(fs []*room.Frame) bool {
	if len(fs) == 1 {
		return c.write(*fs[0])
	}
	bp := writeBuffers.Get().(*[]byte)
	buf := (*bp)[:0]
	for _, f := range fs {
		buf = append(buf, *f...)
	}
	ok := c.write(buf)
	putWriteBuffer(bp, buf)
	return ok
}

// write writes p whole, waiting at most until the write deadline, and ends
// the connection if it cannot.
func (c *conn) write(p []byte) bool {
	nc := c.ws.NetConn()
	var err error
	if now := time.Now(); c.writeDeadline.Sub(now) < c.cfg.WriteTimeout/2 {
		c.writeDeadline = now.Add(c.cfg.WriteTimeout)
		err = nc.SetWriteDeadline(c.writeDeadline)
		// A client found too slow has its write deadline moved to now
		// (queue) after its kick; a deadline set here after that would
		// hold this write for the whole WriteTimeout.
		if err == nil && c.isClosing() && c.closeCode == room.CloseTooSlow {
			err = errTooSlow
		}
	}
	if err == nil {
		_, err = nc.Write(p)
	}
	if err != nil {
		c.fail()
		return false
	}
	return true
}

var errTooSlow = errors.New("the client is too slow")

// fail ends a connection whose writes fail.
func (c *conn) fail() {
	c.Kick(websocket.CloseAbnormalClosure, "")
	c.stopReader()
}

// stopReader ends the reading at once without closing the socket:
// endReading still reads what the client sends for a moment after the
// close frame, so that a reset does not destroy that frame, and then
// closes it.
func (c *conn) stopReader() {
	c.stopRead.Store(true)
	_ = c.ws.NetConn().SetReadDeadline(time.Now()) // a reader blocked in a read
	wakeReader(c)
}

func (c *conn) writeClose() {
	if c.closeCode != websocket.CloseAbnormalClosure {
		timeout := c.cfg.WriteTimeout
		if c.closeCode == room.CloseTooSlow {
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
