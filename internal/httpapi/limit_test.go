package httpapi_test

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/room"
	"github.com/quorum-workshop/quorum/internal/testserver"
	"github.com/quorum-workshop/quorum/internal/wsconn"
)

// Guessing join codes is cut off after the limit with 429 and Retry-After;
// a forged X-Forwarded-For does not get around it.
func TestWrongJoinCodesAreLimited(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{FailedJoins: 5})
	s := ts.create("leadership-vs-management")
	join := func(code, forwardedFor string) (int, http.Header) {
		req, err := http.NewRequest("POST", ts.url+"/api/join", strings.NewReader(`{"code":"`+code+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if forwardedFor != "" {
			req.Header.Set("X-Forwarded-For", forwardedFor)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header
	}
	for i := 0; i < 5; i++ {
		if status, _ := join(fmt.Sprintf("0000%04d", i), ""); status != http.StatusNotFound {
			t.Fatalf("wrong code %d: %d", i, status)
		}
	}
	for _, xff := range []string{"", "203.0.113.9"} {
		status, h := join("00009999", xff)
		if status != http.StatusTooManyRequests {
			t.Errorf("over the limit (X-Forwarded-For %q): %d, want 429", xff, status)
		}
		if secs, err := strconv.Atoi(h.Get("Retry-After")); err != nil || secs < 1 || secs > 61 {
			t.Errorf("Retry-After %q", h.Get("Retry-After"))
		}
	}
	var e apiError
	if status := ts.call("GET", "/api/codes/"+s.Code, "", nil, &e); status != http.StatusTooManyRequests || e.Error.Code != quorum.ETOOMANY {
		t.Errorf("code lookup while blocked: %d %q", status, e.Error.Code)
	}
}

// A hall of phones behind one public address joins, typos and all: 300
// phones look their code up and join in the hello, as the phone page does,
// one in ten after a mistyped code first: 30 wrong codes in all from the
// address within the minute. (A join over HTTP earns the same allowance:
// TestGuesserJoiningBetweenGuessesIsCapped.)
func TestVenueBehindOneAddressJoinsDespiteTypos(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{})
	s := ts.create("leadership-vs-management")
	for i := 0; i < 300; i++ {
		if i%10 == 0 {
			if status := ts.call("GET", fmt.Sprintf("/api/codes/9%07d", i), "", nil, nil); status != http.StatusNotFound {
				t.Fatalf("phone %d's typo: %d, want 404", i, status)
			}
		}
		if status := ts.call("GET", "/api/codes/"+s.Code, "", nil, nil); status != http.StatusOK {
			t.Fatalf("phone %d's code lookup: %d", i, status)
		}
		if frames, err := helloFrames(t, ts, map[string]any{"type": "hello", "role": "participant", "code": s.Code}); err != nil {
			t.Fatalf("phone %d's join in the hello: %v %v", i, frames, err)
		}
	}
	if joined := ts.counts(s).Joined; joined != 300 {
		t.Errorf("%d joined, want 300", joined)
	}
}

// A guesser that holds a live code and joins with it between its guesses
// earns more guesses only up to five times the limit; then even the right
// code is refused, so that a refusal never tells a right guess from a wrong
// one. Looking a right code up earns nothing.
func TestGuesserJoiningBetweenGuessesIsCapped(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{FailedJoins: 5})
	s := ts.create("leadership-vs-management")
	wrong := 0
	for i := 0; ; i++ {
		if i == 100 {
			t.Fatalf("%d wrong codes answered and still not refused", wrong)
		}
		if status := ts.call("GET", "/api/codes/"+s.Code, "", nil, nil); status == http.StatusTooManyRequests {
			break
		}
		if status := ts.call("POST", "/api/join", "", map[string]any{"code": s.Code}, nil); status != http.StatusCreated {
			t.Fatalf("join %d: %d", i, status)
		}
		if status := ts.call("POST", "/api/join", "", map[string]any{"code": fmt.Sprintf("9%07d", i)}, nil); status == http.StatusNotFound {
			wrong++
		}
	}
	if wrong != 25 {
		t.Errorf("%d wrong codes answered before the refusal, want 25 (5 + one a join, up to 5 x 5)", wrong)
	}
	if status := ts.call("POST", "/api/join", "", map[string]any{"code": s.Code}, nil); status != http.StatusTooManyRequests {
		t.Errorf("the right code while refused: %d, want 429", status)
	}
}

// The limiter keeps the address it counts, not Fiber's view of a request
// buffer: an address from a trusted proxy's X-Forwarded-For stays refused
// after the next request on the proxy's connection has reused the buffer.
func TestRefusedAddressBehindAProxyStaysRefused(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{FailedJoins: 3, TrustedProxies: []string{"127.0.0.1"}})
	// Each client keeps one connection, as a proxy does.
	proxy := func() *http.Client {
		c := &http.Client{Transport: &http.Transport{}}
		t.Cleanup(c.CloseIdleConnections)
		return c
	}
	join := func(c *http.Client, forwardedFor string) int {
		t.Helper()
		req, err := http.NewRequest("POST", ts.url+"/api/join", strings.NewReader(`{"code":"00000000"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", forwardedFor)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body) // to keep the connection
		return resp.StatusCode
	}
	first, second := proxy(), proxy()
	for i := 0; i < 3; i++ {
		join(first, "203.0.113.1")
	}
	join(first, "203.0.113.2")
	if status := join(second, "203.0.113.1"); status != http.StatusTooManyRequests {
		t.Errorf("a refused address after another's request: %d, want 429", status)
	}
}

// One address may hold only so many WebSockets; the next is closed with 1013
// and a reason, and a place frees up when one of them goes.
func TestConnectionsPerAddressAreLimited(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{}, testserver.WithConns(func(c *wsconn.Config) { c.MaxConnsPerAddress = 2 }))
	s := ts.create("leadership-vs-management")
	screen := ts.connect("screen", "screen", s.ID, s.ScreenKey)
	screen.awaitType("state")
	host := ts.connect("host", "host", s.ID, s.HostKey)
	host.awaitType("state")

	third := ts.dial("third")
	if code := third.awaitClose(); code != room.CloseTryAgainLater {
		t.Fatalf("third connection from one address: close %d, want %d", code, room.CloseTryAgainLater)
	}
	select {
	case ce := <-third.closed:
		t.Fatalf("close frame read twice: %v", ce)
	default:
	}

	screen.ws.Close()
	// The server notices the close at once; the place is free when its
	// handler has finished.
	waitFor(t, "a place freed after a connection closed", func() bool {
		again := ts.dial("screen again")
		_ = again.ws.WriteJSON(map[string]any{"type": "hello", "role": "screen", "session": s.ID, "key": s.ScreenKey})
		for f := range again.frames { // ends when the server closes
			if f.Type == "state" {
				return true
			}
		}
		return false
	})
}

// An idle connection is pinged every PingInterval, though no writer runs
// between pings, and a client that answers stays connected.
func TestIdleConnectionsArePinged(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{}, testserver.WithConns(func(c *wsconn.Config) {
		c.PingInterval, c.PongTimeout = 50*time.Millisecond, 400*time.Millisecond
	}))
	s := ts.create("leadership-vs-management")
	pings := make(chan struct{}, 100)
	c := ts.dialWith("screen", func(ws *websocket.Conn) {
		ws.SetPingHandler(func(data string) error {
			pings <- struct{}{}
			return ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
		})
	})
	c.send(map[string]any{"type": "hello", "role": "screen", "session": s.ID, "key": s.ScreenKey})
	// Pings for twice the pong timeout: only the pongs keep it open so long.
	const span = 800 * time.Millisecond
	timeout := time.After(5 * time.Second)
	var first time.Time
	n := 0
	for first.IsZero() || time.Since(first) < span {
		select {
		case <-pings:
			if n++; first.IsZero() {
				first = time.Now()
			}
		case <-timeout:
			t.Fatalf("%d pings, then none within 5s", n)
		}
	}
	if !c.open() {
		t.Fatal("connection closed")
	}
	if n < 8 {
		t.Errorf("%d pings in %s at one every 50 ms", n, span)
	}
}

// A client that stops answering pings, and sends nothing else, is closed
// once it has been silent for PongTimeout (at the next ping after it):
// nothing reads its socket in between, so the pings keep the count.
func TestSilentClientIsClosed(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{}, testserver.WithConns(func(c *wsconn.Config) {
		c.PingInterval, c.PongTimeout = 50*time.Millisecond, 300*time.Millisecond
	}))
	s := ts.create("leadership-vs-management")
	c := ts.dialWith("screen", func(ws *websocket.Conn) {
		ws.SetPingHandler(func(string) error { return nil }) // no pong
	})
	c.send(map[string]any{"type": "hello", "role": "screen", "session": s.ID, "key": s.ScreenKey})
	start := time.Now()
	select {
	case ce := <-c.closed:
		if ce.Code != websocket.CloseNormalClosure {
			t.Errorf("closed with %d; want 1000", ce.Code)
		}
		if d := time.Since(start); d < 300*time.Millisecond {
			t.Errorf("closed after %s, before the pong timeout", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a silent client still open after 5 s")
	}
}

// A client's ping gets its pong and a client's close gets the server's close
// in reply, both written by the connection's one writer.
func TestPingAndCloseFromTheClientAreAnswered(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{})
	s := ts.create("leadership-vs-management")
	pongs := make(chan string, 1)
	c := ts.dialWith("screen", func(ws *websocket.Conn) {
		ws.SetPongHandler(func(data string) error { pongs <- data; return nil })
	})
	ws := c.ws
	c.send(map[string]any{"type": "hello", "role": "screen", "session": s.ID, "key": s.ScreenKey})
	if err := ws.WriteControl(websocket.PingMessage, []byte("are you there"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-pongs:
		if got != "are you there" {
			t.Errorf("pong %q, want the ping's payload", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no pong")
	}
	if err := ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	select {
	case ce := <-c.closed:
		if ce.Code != websocket.CloseNormalClosure {
			t.Errorf("after our close: %v, want the server's normal close", ce)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no close in reply")
	}
}
