package wsconn

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"go.uber.org/goleak"

	"github.com/quorum-workshop/quorum/internal/room"
)

func TestMain(m *testing.M) {
	if orders := os.Getenv(benchClientsEnv); orders != "" {
		os.Exit(runBenchClients(orders))
	}
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/quorum-workshop/quorum/internal/wsconn.(*poller).run"))
}

// A client that lets its outbox fill is closed with CloseTooSlow; the room
// sending to it never waits.
func TestSlowClientIsKickedNotWaitedFor(t *testing.T) {
	cfg := Config{OutboxSize: 4}
	cfg.setDefaults()
	c := newConn(nil, &cfg)
	f := room.TextFrame([]byte(`{"type":"state"}`))
	for i := 0; i < cfg.OutboxSize; i++ {
		c.Send(f)
	}
	if c.isClosing() {
		t.Fatal("kicked before the outbox was full")
	}
	c.Send(f) // one more than fits: must return at once and kick
	if !c.isClosing() {
		t.Fatal("a full outbox did not close the connection")
	}
	if c.closeCode != room.CloseTooSlow {
		t.Errorf("close code %d, want %d", c.closeCode, room.CloseTooSlow)
	}
}

// Results updates replace each other instead of queueing.
func TestResultsReplaceUnsentResults(t *testing.T) {
	cfg := Config{}
	cfg.setDefaults()
	c := newConn(nil, &cfg)
	var last *room.Frame
	for i := 0; i < 1000; i++ {
		f := room.TextFrame([]byte(`{"type":"results"}`))
		c.SetResults(f)
		last = f
	}
	if got := c.results.Load(); got != last {
		t.Error("the pending results are not the newest")
	}
	if c.isClosing() {
		t.Error("results updates closed the connection")
	}
}

func TestTokenBucket(t *testing.T) {
	b := newTokenBucket(10, 20)
	now := time.Unix(1000, 0)
	for i := 0; i < 20; i++ {
		if !b.take(now) {
			t.Fatalf("burst refused at %d", i)
		}
	}
	if b.take(now) {
		t.Fatal("a 21st frame at once passed")
	}
	if !b.take(now.Add(100 * time.Millisecond)) {
		t.Fatal("a frame after a tenth of a second (rate 10/s) was refused")
	}
	if b.take(now.Add(100 * time.Millisecond)) {
		t.Fatal("two frames passed on one token")
	}
}

// Frames the writer builds and joins into one write reach a real WebSocket
// client whole and in order: every length encoding, more queued frames than
// one write takes, and the pending results after the queue.
func TestWriterSendsQueuedFramesInOrder(t *testing.T) {
	ws, client := wsPair(t)
	cfg := Config{OutboxSize: 64}
	cfg.setDefaults()
	c := newConn(ws, &cfg)
	var want []string
	for i, size := range []int{0, 1, 125, 126, 1000, 0xffff, 0x10000, 100_000} {
		payload := fmt.Sprintf("%d:%s", i, strings.Repeat("x", size))
		want = append(want, payload)
		c.Send(room.TextFrame([]byte(payload)))
	}
	for i := range 2 * maxFramesPerWrite {
		payload := fmt.Sprintf(`{"n":%d}`, i)
		want = append(want, payload)
		c.Send(room.TextFrame([]byte(payload)))
	}
	c.SetResults(room.TextFrame([]byte("stale results")))
	c.SetResults(room.TextFrame([]byte("results")))
	want = append(want, "results")
	c.startWriting() // everything above is queued before the writer starts

	_ = client.SetReadDeadline(time.Now().Add(10 * time.Second))
	for i, w := range want {
		typ, got, err := client.ReadMessage()
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if typ != websocket.TextMessage || string(got) != w {
			t.Fatalf("frame %d: type %d, %.40q (%d bytes), want %.40q (%d bytes)", i, typ, got, len(got), w, len(w))
		}
	}
	c.Kick(websocket.CloseNormalClosure, "done")
	if _, _, err := client.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Errorf("after the frames: %v, want a normal close", err)
	}
	<-c.writerOut
}

// wsServer accepts WebSocket connections over loopback and hands over the
// server's side of each, up to backlog waiting; it stops when the test ends.
func wsServer(tb testing.TB, backlog int) (url string, accepted <-chan *websocket.Conn) {
	tb.Helper()
	serverSide := make(chan *websocket.Conn, backlog)
	upgrader := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			tb.Error(err)
			return
		}
		serverSide <- ws
	}))
	tb.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http"), serverSide
}

// wsPair is a WebSocket connection over loopback: the server's side and the
// client's, both closed when the test ends.
func wsPair(t *testing.T) (server, client *websocket.Conn) {
	t.Helper()
	url, accepted := wsServer(t, 1)
	client, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	server = <-accepted
	t.Cleanup(func() { server.Close() })
	return server, client
}

// writerFor is a connection over ws with cfg and its defaults, writing.
func writerFor(ws *websocket.Conn, cfg Config) *conn {
	cfg.setDefaults()
	c := newConn(ws, &cfg)
	c.startWriting()
	return c
}

// The writer moves its write deadline only now and then, yet writes that
// come further apart than WriteTimeout each get a deadline ahead of them.
func TestWritesApartLongerThanTheWriteTimeoutSucceed(t *testing.T) {
	ws, client := wsPair(t)
	// Wide enough that a busy test machine does not hold a small write past
	// half of it.
	const timeout = 200 * time.Millisecond
	c := writerFor(ws, Config{OutboxSize: 8, WriteTimeout: timeout})
	_ = client.SetReadDeadline(time.Now().Add(10 * time.Second))
	for i := range 3 {
		want := fmt.Sprint(i)
		c.Send(room.TextFrame([]byte(want)))
		if _, got, err := client.ReadMessage(); err != nil || string(got) != want {
			t.Fatalf("frame %d: %q, %v; want %q", i, got, err, want)
		}
		time.Sleep(2 * timeout)
	}
	c.Kick(websocket.CloseNormalClosure, "done")
	<-c.writerOut
}

// A client that stops reading holds a write no longer than WriteTimeout:
// the writer gives up and the connection ends.
func TestWriteToAClientThatStopsReadingEnds(t *testing.T) {
	ws, _ := wsPair(t)
	const timeout = 200 * time.Millisecond
	c := writerFor(ws, Config{OutboxSize: 1024, WriteTimeout: timeout})
	big := room.TextFrame(bytes.Repeat([]byte("x"), 64<<10))
	start := time.Now()
	// 64 MiB: far more than the socket buffers hold.
	for range 1024 {
		c.Send(big)
	}
	select {
	case <-c.writerOut:
		if took := time.Since(start); took < timeout/2 {
			t.Errorf("the writer stopped after %s, before any deadline could pass", took)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the writer still waits on a client that reads nothing")
	}
	if c.closeCode != websocket.CloseAbnormalClosure {
		t.Errorf("close code %d, want %d (the write failed)", c.closeCode, websocket.CloseAbnormalClosure)
	}
}

// writerRunning tells whether a writer goroutine runs (or a direct write
// holds the writer role).
func (c *conn) writerRunning() bool {
	c.writerMu.Lock()
	defer c.writerMu.Unlock()
	return c.writing
}

// idleWriter is a connection writing over loopback, once its writer has
// gone idle, and its client. With small, the socket buffers on both sides
// are small, so that a few frames fill them.
func idleWriter(t *testing.T, cfg Config, small bool) (*conn, *websocket.Conn) {
	t.Helper()
	ws, client := wsPair(t)
	if small {
		if err := ws.NetConn().(*net.TCPConn).SetWriteBuffer(16 << 10); err != nil {
			t.Fatal(err)
		}
		if err := client.NetConn().(*net.TCPConn).SetReadBuffer(16 << 10); err != nil {
			t.Fatal(err)
		}
	}
	c := writerFor(ws, cfg)
	if !c.raw.ok {
		t.Skip("no direct writes on this platform")
	}
	waitIdle(t, c)
	return c, client
}

// waitIdle waits until no writer runs.
func waitIdle(t *testing.T, c *conn) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); c.writerRunning(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the writer never went idle")
		}
	}
}

// A broadcast frame for an idle connection is written by the room itself:
// no writer goroutine is started for it.
func TestFrameToAnIdleConnectionIsWrittenDirectly(t *testing.T) {
	c, client := idleWriter(t, Config{OutboxSize: 4}, false)
	_ = client.SetReadDeadline(time.Now().Add(10 * time.Second))
	for i := range 3 {
		want := fmt.Sprint(i)
		c.Broadcast(room.TextFrame([]byte(want)))
		if c.writerRunning() {
			t.Fatalf("frame %d: a writer runs after a small frame to an idle connection", i)
		}
		if _, got, err := client.ReadMessage(); err != nil || string(got) != want {
			t.Fatalf("frame %d: %q, %v; want %q", i, got, err, want)
		}
	}
	c.Kick(websocket.CloseNormalClosure, "done")
	<-c.writerOut
}

// What a hello queued before writing starts (the welcome and the first
// state) is written by startWriting's caller, in one write: a join starts
// no writer goroutine.
func TestQueuedWelcomeIsWrittenByTheStartingGoroutine(t *testing.T) {
	ws, client := wsPair(t)
	cfg := Config{}
	cfg.setDefaults()
	c := newConn(ws, &cfg)
	if !c.raw.ok {
		t.Skip("no direct writes on this platform")
	}
	want := []string{`{"type":"welcome"}`, `{"type":"state"}`}
	for _, w := range want {
		c.Send(room.TextFrame([]byte(w)))
	}
	c.startWriting()
	if c.writerRunning() {
		t.Error("a writer runs after the queued frames were written")
	}
	_ = client.SetReadDeadline(time.Now().Add(10 * time.Second))
	for i, w := range want {
		if _, got, err := client.ReadMessage(); err != nil || string(got) != w {
			t.Fatalf("frame %d: %q, %v; want %q", i, got, err, w)
		}
	}
	c.Kick(websocket.CloseNormalClosure, "done")
	<-c.writerOut
}

// Broadcast frames written directly, in part and handed on, or queued
// behind the rest, and frames of the connection's own (Send, always
// queued) between them, arrive whole and in order once the client reads,
// even while the socket's buffer is full; and the connection writes
// directly again once drained.
func TestDirectWritesThatWouldBlockKeepTheirOrder(t *testing.T) {
	c, client := idleWriter(t, Config{OutboxSize: 512}, true)
	var want []string
	// The client reads nothing yet: each broadcast frame is written
	// directly while the socket takes it and no frame of the connection's
	// own is queued; then one is written in part, and the rest queue.
	for i := range 300 {
		payload := fmt.Sprintf("%d:%s", i, strings.Repeat("x", i*37%3000))
		want = append(want, payload)
		if i%7 == 3 {
			c.Send(room.TextFrame([]byte(payload)))
		} else {
			c.Broadcast(room.TextFrame([]byte(payload)))
		}
	}
	if !c.writerRunning() {
		t.Fatal("300 frames fit in the socket buffers: the test does not fill it")
	}
	c.SetResults(room.TextFrame([]byte("results")))
	want = append(want, "results")

	_ = client.SetReadDeadline(time.Now().Add(10 * time.Second))
	read := func(i int, w string) {
		t.Helper()
		typ, got, err := client.ReadMessage()
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if typ != websocket.TextMessage || string(got) != w {
			t.Fatalf("frame %d: type %d, %.20q (%d bytes), want %.20q (%d bytes)", i, typ, got, len(got), w, len(w))
		}
	}
	for i, w := range want {
		read(i, w)
	}
	waitIdle(t, c)
	c.Broadcast(room.TextFrame([]byte("after")))
	if c.writerRunning() {
		t.Error("a drained connection did not write directly again")
	}
	read(len(want), "after")
	c.Kick(websocket.CloseNormalClosure, "done")
	<-c.writerOut
}

// A client that reads nothing while frames keep coming fills its socket's
// buffer, then its outbox, and is closed as too slow; no send waits.
func TestClientThatReadsNothingIsClosedAsTooSlow(t *testing.T) {
	c, client := idleWriter(t, Config{OutboxSize: 8}, true)
	f := room.TextFrame(bytes.Repeat([]byte("x"), 1000))
	for i := 0; !c.isClosing(); i++ {
		if i == 100_000 {
			t.Fatal("100,000 frames sent to a client that reads nothing, and it is still open")
		}
		c.Broadcast(f)
	}
	select {
	case <-c.writerOut:
	case <-time.After(c.cfg.WriteTimeout / 2):
		t.Fatal("the writer still waits on a client closed as too slow")
	}
	if c.closeCode != room.CloseTooSlow {
		t.Errorf("close code %d, want %d", c.closeCode, room.CloseTooSlow)
	}
	_ = client.Close()
}
