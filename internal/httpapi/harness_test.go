package httpapi_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"go.uber.org/goleak"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/room"
	"github.com/quorum-workshop/quorum/internal/sqlite"
	"github.com/quorum-workshop/quorum/internal/testserver"
)

// leakCheck is what TestMain ignores of the goroutines left at the end. A
// reader left on a socket waits in internal/poll.runtime_pollWait, so that
// frame is never ignored (TestLeakCheckSeesALeftOpenWebSocket): idle HTTP
// client connections, which wait there too, are closed by testserver.Stop
// and by the tests with clients of their own.
var leakCheck = []goleak.Option{
	// Go's HTTP client keeps idle connections' goroutines until they time out.
	goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
	// fasthttp's date updater runs for the process's life; its worker-pool
	// cleaner exits on its next tick after the server stops.
	goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"),
	goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*workerPool).Start.func2"),
	// The WebSockets' poller waits for the process's life.
	goleak.IgnoreAnyFunction("github.com/quorum-workshop/quorum/internal/wsconn.(*poller).run"),
}

func TestMain(m *testing.M) { goleak.VerifyTestMain(m, leakCheck...) }

// A WebSocket left open by a test is a leak TestMain reports: its reader
// waits in internal/poll.runtime_pollWait, which an exemption for idle
// HTTP client connections once hid.
func TestLeakCheckSeesALeftOpenWebSocket(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{})
	before := goleak.IgnoreCurrent()
	c := ts.dial("left open")
	err := goleak.Find(append([]goleak.Option{before}, leakCheck...)...)
	if err == nil || !strings.Contains(err.Error(), "(*client).readLoop") {
		t.Errorf("the leak check does not see an open WebSocket's reader: %v", err)
	}
	c.ws.Close()
}

// waitFor polls cond until it holds, failing the test after 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s after 5s", what)
		}
	}
}

// testServer is a real Quorum server with the API and WebSocket helpers below.
type testServer struct {
	*testserver.Server
	t     *testing.T
	url   string
	wsURL string
	db    *sqlite.DB
	logs  *testserver.SyncBuffer
}

func startServer(t *testing.T, dbPath string, cfg httpapi.Config, opts ...testserver.Option) *testServer {
	t.Helper()
	s := testserver.Start(t, dbPath, cfg, opts...)
	return &testServer{Server: s, t: t, url: s.URL, wsURL: s.WSURL, db: s.DB, logs: s.Logs}
}

func tempDB(t *testing.T) string { return testserver.TempDB(t) }

func (ts *testServer) stop() { ts.Stop() }

// call sends a request and decodes the JSON answer into out (if not nil).
func (ts *testServer) call(method, path, bearer string, body any, out any) int {
	ts.t.Helper()
	status, _, data := ts.do(method, path, bearer, body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			ts.t.Fatalf("%s %s: decode %q: %v", method, path, data, err)
		}
	}
	return status
}

// do sends a request (a string body as it is, anything else as JSON) and
// returns the status, headers and body.
func (ts *testServer) do(method, path, bearer string, body any) (int, http.Header, []byte) {
	ts.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			ts.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, ts.url+path, rd)
	if err != nil {
		ts.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		ts.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, data
}

type apiError struct {
	Error struct {
		Code     string `json:"code"`
		Message  string `json:"message"`
		Problems []struct {
			Path    string `json:"path"`
			Message string `json:"message"`
		} `json:"problems"`
	} `json:"error"`
}

type created struct {
	ID        string `json:"id"`
	Code      string `json:"code"`
	HostKey   string `json:"hostKey"`
	ScreenKey string `json:"screenKey"`
	URLs      struct {
		Host, Screen, Join string
	} `json:"urls"`
}

func (ts *testServer) create(agenda any) created {
	ts.t.Helper()
	var c created
	if status := ts.call("POST", "/api/sessions", "", map[string]any{"agenda": agenda}, &c); status != http.StatusCreated {
		ts.t.Fatalf("create session: status %d", status)
	}
	return c
}

// openChoice creates a live session of one choice step (A or B), open for
// votes.
func (ts *testServer) openChoice(title string) created {
	ts.t.Helper()
	s := ts.create(map[string]any{"title": title, "steps": []map[string]any{
		{"kind": "choice", "title": "Q", "options": []string{"A", "B"}},
	}})
	ts.call("POST", "/api/sessions/"+s.ID+"/actions", s.HostKey, `{"action":"start"}`, nil)
	ts.call("POST", "/api/sessions/"+s.ID+"/actions", s.HostKey, `{"action":"open"}`, nil)
	return s
}

// counts reads a session's counts from the host state over HTTP.
func (ts *testServer) counts(s created) room.Counts {
	ts.t.Helper()
	var st room.StateMsg
	if status := ts.call("GET", "/api/sessions/"+s.ID, s.HostKey, nil, &st); status != http.StatusOK {
		ts.t.Fatalf("host state: status %d", status)
	}
	return st.Counts
}

type joined struct {
	SessionID     string `json:"sessionId"`
	ParticipantID string `json:"participantId"`
	Token         string `json:"token"`
}

func (ts *testServer) join(code, name, segment string) joined {
	ts.t.Helper()
	var j joined
	if status := ts.call("POST", "/api/join", "", map[string]any{"code": code, "name": name, "segment": segment}, &j); status != http.StatusCreated {
		ts.t.Fatalf("join: status %d", status)
	}
	return j
}

// frame is any server frame; the fields of every type side by side.
type frame struct {
	Type    string            `json:"type"`
	ID      string            `json:"id"`
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Role    string            `json:"role"`
	Session json.RawMessage   `json:"session"`
	Step    json.RawMessage   `json:"step"`
	Round   int               `json:"round"`
	Counts  *room.Counts      `json:"counts"`
	Results *room.ResultsView `json:"results"`
	Votes   map[string]room.VoteAck
	Value   any    `json:"value"`
	Action  string `json:"action"`
	Proxy   string `json:"proxy"`
	raw     string
}

func (f frame) state() room.StateMsg {
	var s room.StateMsg
	if err := json.Unmarshal([]byte(f.raw), &s); err != nil {
		panic(err)
	}
	return s
}

// client is a WebSocket client that reads every frame into a channel.
type client struct {
	t      *testing.T
	name   string
	ws     *websocket.Conn
	frames chan frame
	closed chan *websocket.CloseError // the close frame the server sent, if any
	seen   []frame                    // every frame read so far, for assertions over history
}

func (ts *testServer) dial(name string) *client {
	ts.t.Helper()
	return ts.dialWith(name, nil)
}

// dialWith dials and runs setup, if any, before anything reads the
// connection: ping and pong handlers run on the reading goroutine.
func (ts *testServer) dialWith(name string, setup func(*websocket.Conn)) *client {
	ts.t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(ts.wsURL, nil)
	if err != nil {
		ts.t.Fatalf("%s: dial: %v", name, err)
	}
	if setup != nil {
		setup(ws)
	}
	c := &client{t: ts.t, name: name, ws: ws, frames: make(chan frame, 256), closed: make(chan *websocket.CloseError, 1)}
	go c.readLoop()
	ts.t.Cleanup(func() { c.ws.Close() })
	return c
}

// connect dials and says hello.
func (ts *testServer) connect(name, role, session, secret string) *client {
	ts.t.Helper()
	c := ts.dial(name)
	hello := map[string]any{"type": "hello", "role": role, "session": session}
	if role == "participant" {
		hello["token"] = secret
	} else {
		hello["key"] = secret
	}
	c.send(hello)
	return c
}

// open reports whether the client still reads, dropping the frames it has
// read so far: reading ends, and frames closes, when the connection does.
func (c *client) open() bool {
	for {
		select {
		case _, ok := <-c.frames:
			if !ok {
				return false
			}
		default:
			return true
		}
	}
}

func (c *client) readLoop() {
	defer close(c.frames)
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				c.closed <- ce
			}
			return
		}
		var f frame
		if err := json.Unmarshal(data, &f); err != nil {
			c.t.Errorf("%s: undecodable frame %q", c.name, data)
			return
		}
		f.raw = string(data)
		c.frames <- f
	}
}

func (c *client) send(v any) {
	c.t.Helper()
	var data []byte
	if s, ok := v.(string); ok {
		data = []byte(s)
	} else {
		var err error
		if data, err = json.Marshal(v); err != nil {
			c.t.Fatal(err)
		}
	}
	if err := c.ws.WriteMessage(websocket.TextMessage, data); err != nil {
		c.t.Fatalf("%s: send: %v", c.name, err)
	}
}

// sendOversized writes a frame that the server refuses mid-frame: the
// write itself may fail once the server's close arrives, which is expected.
func (c *client) sendOversized(data string) {
	_ = c.ws.WriteMessage(websocket.TextMessage, []byte(data))
}

// await reads frames until one satisfies match, failing after a timeout.
func (c *client) await(what string, match func(f frame) bool) frame {
	c.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case f, ok := <-c.frames:
			if !ok {
				c.t.Fatalf("%s: connection closed while waiting for %s", c.name, what)
			}
			c.seen = append(c.seen, f)
			if match(f) {
				return f
			}
		case <-timeout:
			c.t.Fatalf("%s: no %s within 5s", c.name, what)
		}
	}
}

func (c *client) awaitType(typ string) frame {
	c.t.Helper()
	return c.await(typ, func(f frame) bool { return f.Type == typ })
}

// awaitClose waits for the server's close frame and returns its code.
func (c *client) awaitClose() int {
	c.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case f, ok := <-c.frames:
			if ok {
				c.seen = append(c.seen, f)
				continue
			}
			select {
			case ce := <-c.closed:
				return ce.Code
			default:
				return websocket.CloseAbnormalClosure
			}
		case <-timeout:
			c.t.Fatalf("%s: not closed within 5s", c.name)
		}
	}
}
