package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/room"
	"github.com/quorum-workshop/quorum/internal/testserver"
)

func TestHTTPBadInput(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{})
	s := ts.create("leadership-vs-management")
	p := ts.join(s.Code, "", "")

	tests := []struct {
		name, method, path, bearer string
		body                       any
		status                     int
		code                       string
	}{
		{"malformed JSON", "POST", "/api/sessions", "", `{"agenda":`, 400, quorum.EINVALIDJSON},
		{"empty body", "POST", "/api/sessions", "", nil, 400, quorum.EINVALIDJSON},
		{"agenda of the wrong type", "POST", "/api/sessions", "", `{"agenda": 5}`, 400, quorum.EINVALIDREQUEST},
		{"title of the wrong type", "POST", "/api/sessions", "", `{"agenda": "leadership-vs-management", "title": 7}`, 400, quorum.EINVALIDREQUEST},
		{"no agenda", "POST", "/api/sessions", "", `{}`, 400, quorum.EINVALIDREQUEST},
		{"unknown field in a create", "POST", "/api/sessions", "", `{"agenda": "leadership-vs-management", "titel": "Typo"}`, 400, quorum.EINVALIDREQUEST},
		{"two JSON values", "POST", "/api/sessions", "", `{"agenda": "leadership-vs-management"} {}`, 400, quorum.EINVALIDJSON},
		{"unknown field in a join", "POST", "/api/join", "", `{"code": "` + s.Code + `", "nickname": "Ann"}`, 400, quorum.EINVALIDREQUEST},
		{"unknown field in an action", "POST", "/api/sessions/" + s.ID + "/actions", s.HostKey, `{"action": "start", "force": true}`, 400, quorum.EINVALIDREQUEST},
		{"a list, not an object", "POST", "/api/join", "", `["code"]`, 400, quorum.EINVALIDREQUEST},
		{"unknown built-in", "POST", "/api/sessions", "", `{"agenda": "nope"}`, 404, quorum.EAGENDANOTFOUND},
		{"invalid agenda", "POST", "/api/sessions", "", `{"agenda": {"title": "T", "steps": [{"kind": "choice", "title": "Q", "options": ["A"]}]}}`, 422, quorum.EINVALIDAGENDA},
		{"unknown code", "POST", "/api/join", "", `{"code": "0000 0000"}`, 404, quorum.ECODENOTFOUND},
		{"malformed code", "POST", "/api/join", "", `{"code": "12ab"}`, 400, quorum.EINVALIDREQUEST},
		{"unknown segment", "POST", "/api/join", "", `{"code": "` + s.Code + `", "segment": "Pirate"}`, 422, quorum.EINVALIDJOIN},
		{"state without key", "GET", "/api/sessions/" + s.ID, "", nil, 401, quorum.EUNAUTHORIZED},
		{"state with the screen key", "GET", "/api/sessions/" + s.ID, s.ScreenKey, nil, 401, quorum.EUNAUTHORIZED},
		{"state with a participant token", "GET", "/api/sessions/" + s.ID, p.Token, nil, 401, quorum.EUNAUTHORIZED},
		{"state of an unknown session", "GET", "/api/sessions/4b1c6d0e-0000-0000-0000-000000000000", s.HostKey, nil, 404, quorum.ESESSIONNOTFOUND},
		{"action with the screen key", "POST", "/api/sessions/" + s.ID + "/actions", s.ScreenKey, `{"action": "start"}`, 401, quorum.EUNAUTHORIZED},
		{"unknown action", "POST", "/api/sessions/" + s.ID + "/actions", s.HostKey, `{"action": "explode"}`, 400, quorum.EINVALIDREQUEST},
		{"action not allowed now", "POST", "/api/sessions/" + s.ID + "/actions", s.HostKey, `{"action": "open"}`, 409, quorum.EINVALIDACTION},
		{"expire is not a host action", "POST", "/api/sessions/" + s.ID + "/actions", s.HostKey, `{"action": "expire"}`, 409, quorum.EINVALIDACTION},
		{"goto out of range", "POST", "/api/sessions/" + s.ID + "/actions", s.HostKey, `{"action": "goto", "step": 999}`, 409, quorum.EINVALIDACTION},
		{"unknown route", "GET", "/api/nothing", "", nil, 404, quorum.ENOTFOUND},
		{"plain GET on the WebSocket", "GET", "/ws", "", nil, 400, quorum.EINVALIDREQUEST},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e apiError
			status := ts.call(tt.method, tt.path, tt.bearer, tt.body, &e)
			if status != tt.status || e.Error.Code != tt.code || e.Error.Message == "" {
				t.Errorf("got %d %q %q, want %d %q", status, e.Error.Code, e.Error.Message, tt.status, tt.code)
			}
		})
	}

	t.Run("validation problems are path-qualified", func(t *testing.T) {
		var e apiError
		ts.call("POST", "/api/sessions", "", `{"agenda": {"title": "T", "steps": [{"kind": "info", "title": "Hi"}, {"kind": "choice", "title": "Q", "options": ["A"]}]}}`, &e)
		if len(e.Error.Problems) == 0 || e.Error.Problems[0].Path != "steps[1].options" {
			t.Errorf("problems = %+v", e.Error.Problems)
		}
	})
	if status := ts.call("GET", "/livez", "", nil, nil); status != http.StatusOK {
		t.Errorf("server stopped serving after bad input: %d", status)
	}
}

// The server answers an oversized body from its Content-Length, before
// reading it, while the client is still sending: the answer must reach the
// client rather than be destroyed by a reset. Go's client, unlike curl,
// sends the body at once, so it loses that race most often. Small socket
// buffers keep a 300 KiB body sending as over a real network, where
// loopback's would take it all in at once; over loopback's own, a large body
// arrives faster than the client can read the answer.
func TestOversizedBodyIsAnsweredNotReset(t *testing.T) {
	small := testserver.Start(t, tempDB(t), httpapi.Config{}, testserver.WithListener(func(l net.Listener) net.Listener { return smallReceiveBuffers{l} }))
	smallClient := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			_ = c.(*net.TCPConn).SetWriteBuffer(16 << 10)
		}
		return c, err
	}}}
	defer smallClient.CloseIdleConnections()
	loopback := testserver.Start(t, tempDB(t), httpapi.Config{})
	tests := []struct {
		name   string
		url    string
		client *http.Client
		size   int
	}{
		{"300 KiB through small buffers", small.URL, smallClient, 300 << 10},
		{"4 MiB through small buffers", small.URL, smallClient, 4 << 20},
		{"4 MiB over loopback", loopback.URL, http.DefaultClient, 4 << 20},
		{"32 MiB over loopback", loopback.URL, http.DefaultClient, 32 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"agenda":"` + strings.Repeat("x", tt.size) + `"}`
			const attempts = 50
			failed := 0
			for i := 0; i < attempts; i++ {
				resp, err := tt.client.Post(tt.url+"/api/sessions", "application/json", strings.NewReader(body))
				if err != nil {
					failed++
					t.Logf("attempt %d: %v", i, err)
					continue
				}
				var e apiError
				err = json.NewDecoder(resp.Body).Decode(&e)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge || e.Error.Code != quorum.ETOOLARGE {
					failed++
					t.Logf("attempt %d: %d %+v (%v)", i, resp.StatusCode, e.Error, err)
				}
			}
			if failed > 0 {
				t.Errorf("%d of %d attempts did not read 413 %s", failed, attempts, quorum.ETOOLARGE)
			}
		})
	}
}

// smallReceiveBuffers makes every accepted connection's kernel receive
// buffer small.
type smallReceiveBuffers struct{ net.Listener }

func (l smallReceiveBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		_ = c.(*net.TCPConn).SetReadBuffer(16 << 10)
	}
	return c, err
}

func TestWebSocketBadInput(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{})
	s := ts.create("leadership-vs-management")
	p := ts.join(s.Code, "", "")

	closes := []struct {
		name  string
		hello any
		code  int
	}{
		{"first frame not a hello", `{"type":"vote","step":1,"value":1}`, room.CloseBadHello},
		{"malformed hello", `{"type":"hello"`, room.CloseBadHello},
		{"unknown role", map[string]any{"type": "hello", "role": "admin", "session": s.ID, "key": s.HostKey}, room.CloseBadHello},
		{"wrong token", map[string]any{"type": "hello", "role": "participant", "session": s.ID, "token": "nope"}, room.CloseUnauthorized},
		{"wrong host key", map[string]any{"type": "hello", "role": "host", "session": s.ID, "key": "nope"}, room.CloseUnauthorized},
		{"screen key as host", map[string]any{"type": "hello", "role": "host", "session": s.ID, "key": s.ScreenKey}, room.CloseUnauthorized},
		{"participant token as host", map[string]any{"type": "hello", "role": "host", "session": s.ID, "key": p.Token}, room.CloseUnauthorized},
		{"unknown session", map[string]any{"type": "hello", "role": "participant", "session": "4b1c6d0e-0000-0000-0000-000000000000", "token": p.Token}, room.CloseNotFound},
		{"oversized hello", `{"type":"hello","key":"` + strings.Repeat("k", 10000) + `"}`, websocket.CloseMessageTooBig},
	}
	for _, tt := range closes {
		t.Run(tt.name, func(t *testing.T) {
			c := ts.dial(tt.name)
			if s, ok := tt.hello.(string); ok && len(s) > 4096 {
				c.sendOversized(s)
			} else {
				c.send(tt.hello)
			}
			if code := c.awaitClose(); code != tt.code {
				t.Errorf("close code %d, want %d", code, tt.code)
			}
		})
	}

	host := ts.connect("host", "host", s.ID, s.HostKey)
	host.awaitType("state")
	screen := ts.connect("screen", "screen", s.ID, s.ScreenKey)
	screen.awaitType("state")
	part := ts.connect("participant", "participant", s.ID, p.Token)
	part.awaitType("state")

	host.send(map[string]any{"type": "action", "id": "go", "action": "next"})
	host.await("done", func(f frame) bool { return f.Type == "done" })
	part.await("step 0", func(f frame) bool { return f.Type == "state" && f.state().Step != nil })

	// Every refusal echoes the refused frame's id whenever the frame is JSON
	// with a string id, also when another field has the wrong type.
	errorsFor := []struct {
		name string
		c    *client
		msg  any
		code string
		id   string
	}{
		{"malformed JSON", part, `{"type":`, quorum.EINVALIDJSON, ""},
		{"not an object", part, `["vote"]`, quorum.EINVALIDREQUEST, ""},
		{"no type", part, `{"id":"x0","step":1,"value":1}`, quorum.EINVALIDREQUEST, "x0"},
		{"unknown type", part, `{"type":"dance","id":"x1"}`, quorum.EUNKNOWNMESSAGE, "x1"},
		{"step of the wrong type", part, `{"type":"vote","id":"x2","step":"one","value":1}`, quorum.EINVALIDREQUEST, "x2"},
		{"step as a string", part, `{"type":"vote","id":"w1","step":"1","value":3}`, quorum.EINVALIDREQUEST, "w1"},
		{"oversized step", part, `{"type":"vote","id":"w2","step":100000000000000000000,"value":3}`, quorum.EINVALIDREQUEST, "w2"},
		{"round of the wrong type", part, `{"type":"vote","id":"w3","step":1,"round":"1","value":3}`, quorum.EINVALIDREQUEST, "w3"},
		{"id of the wrong type", part, `{"type":"vote","id":7,"step":"1","value":3}`, quorum.EINVALIDREQUEST, ""},
		{"emoji of the wrong type", part, `{"type":"react","id":"w4","emoji":1}`, quorum.EINVALIDREQUEST, "w4"},
		{"vote without a step", part, `{"type":"vote","id":"x3","value":1}`, quorum.EINVALIDREQUEST, "x3"},
		{"vote without an id", part, `{"type":"vote","step":0,"value":1}`, quorum.EINVALIDREQUEST, ""},
		{"fractional value", part, `{"type":"vote","id":"x4","step":0,"value":1.5}`, quorum.EINVALIDVOTE, "x4"},
		{"vote on an info step", part, `{"type":"vote","id":"x5","step":0,"value":1}`, quorum.EVOTINGCLOSED, "x5"},
		{"vote on another step", part, `{"type":"vote","id":"x6","step":5,"value":1}`, quorum.EVOTINGCLOSED, "x6"},
		{"vote on a step that does not exist", part, `{"type":"vote","id":"x11","step":99,"value":1}`, quorum.EVOTINGCLOSED, "x11"},
		{"vote on a negative step", part, `{"type":"vote","id":"x12","step":-1,"value":1}`, quorum.EVOTINGCLOSED, "x12"},
		{"participant sends an action", part, `{"type":"action","id":"x7","action":"next"}`, quorum.EFORBIDDEN, "x7"},
		{"screen votes", screen, `{"type":"vote","id":"x8","step":0,"value":1}`, quorum.EFORBIDDEN, "x8"},
		{"screen sends an action", screen, `{"type":"action","id":"x9","action":"next"}`, quorum.EFORBIDDEN, "x9"},
		{"hello twice", host, map[string]any{"type": "hello", "role": "host", "session": s.ID, "key": s.HostKey}, quorum.EINVALIDREQUEST, ""},
		{"action refused", host, `{"type":"action","id":"x10","action":"reveal"}`, quorum.EINVALIDACTION, "x10"},
		{"an action's step of the wrong type", host, `{"type":"action","id":"w5","action":"goto","step":"2"}`, quorum.EINVALIDREQUEST, "w5"},
		{"settings of the wrong type", host, `{"type":"action","id":"w6","action":"settings","settings":{"minGroupSize":"3"}}`, quorum.EINVALIDREQUEST, "w6"},
		{"a proxy's step of the wrong type", host, `{"type":"proxy","id":"w7","step":[1],"value":1}`, quorum.EINVALIDREQUEST, "w7"},
	}
	for _, tt := range errorsFor {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.send(tt.msg)
			f := tt.c.awaitType("error")
			if f.Code != tt.code || f.Message == "" || f.ID != tt.id {
				t.Errorf("error %q %q id %q, want %q id %q", f.Code, f.Message, f.ID, tt.code, tt.id)
			}
		})
	}

	t.Run("binary frame", func(t *testing.T) {
		if err := part.ws.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3}); err != nil {
			t.Fatal(err)
		}
		if f := part.awaitType("error"); f.Code != quorum.EINVALIDJSON {
			t.Errorf("binary frame: %q", f.Code)
		}
	})
	t.Run("invalid values", func(t *testing.T) {
		host.send(map[string]any{"type": "action", "id": "n", "action": "next"})
		host.await("done", func(f frame) bool { return f.Type == "done" && f.ID == "n" })
		host.send(map[string]any{"type": "action", "id": "o", "action": "open"})
		host.await("done", func(f frame) bool { return f.Type == "done" && f.ID == "o" })
		for i, v := range []string{`0`, `99`, `"text"`, `null`, `[1]`} {
			part.send(`{"type":"vote","id":"bad` + string(rune('a'+i)) + `","step":1,"value":` + v + `}`)
			if f := part.awaitType("error"); f.Code != quorum.EINVALIDVOTE {
				t.Errorf("value %s: %q %q", v, f.Code, f.Message)
			}
		}
	})
	t.Run("oversized frame closes with 1009 and the server keeps serving", func(t *testing.T) {
		part.sendOversized(`{"type":"vote","id":"big","step":1,"value":"` + strings.Repeat("x", 8000) + `"}`)
		if code := part.awaitClose(); code != websocket.CloseMessageTooBig {
			t.Errorf("close code %d, want 1009", code)
		}
		again := ts.connect("participant-again", "participant", s.ID, p.Token)
		again.awaitType("welcome")
		again.send(map[string]any{"type": "vote", "id": "ok", "step": 1, "value": 4})
		if f := again.await("ack", func(f frame) bool { return f.Type == "ack" || f.Type == "error" }); f.Type != "ack" {
			t.Errorf("vote after reconnect: %s %s", f.Code, f.Message)
		}
	})
	if status := ts.call("GET", "/livez", "", nil, nil); status != http.StatusOK {
		t.Errorf("server stopped serving after bad input: %d", status)
	}
}

func TestCodeInfo(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{})
	s := ts.create("leadership-vs-management")
	var info room.PublicInfo
	if status := ts.call("GET", "/api/codes/"+s.Code[:4]+"%20"+s.Code[4:], "", nil, &info); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	if info.SessionID != s.ID || info.Status != quorum.StatusLobby || len(info.Segments) != 5 || info.Title == "" {
		t.Errorf("info = %+v", info)
	}
	var e apiError
	if status := ts.call("GET", "/api/codes/00000000", "", nil, &e); status != 404 || e.Error.Code != quorum.ECODENOTFOUND {
		t.Errorf("unknown code: %d %q", status, e.Error.Code)
	}
	ts.call("POST", "/api/sessions/"+s.ID+"/actions", s.HostKey, `{"action":"end"}`, nil)
	if status := ts.call("GET", "/api/codes/"+s.Code, "", nil, &e); status != 404 || e.Error.Code != quorum.ESESSIONENDED {
		t.Errorf("ended session: %d %q", status, e.Error.Code)
	}
}

// A client that floods frames is closed with 1008; the server keeps serving
// the others.
func TestFloodingClientIsClosed(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{})
	s := ts.create("leadership-vs-management")
	flood := ts.connect("flood", "participant", s.ID, ts.join(s.Code, "", "").Token)
	flood.awaitType("state")
	calm := ts.connect("calm", "participant", s.ID, ts.join(s.Code, "", "").Token)
	calm.awaitType("state")
	for i := 0; i < 200; i++ {
		if err := flood.ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping"}`)); err != nil {
			break // closed under us: expected once over the limit
		}
	}
	if code := flood.awaitClose(); code != websocket.ClosePolicyViolation {
		t.Errorf("flooding client closed with %d, want 1008", code)
	}
	ts.call("POST", "/api/sessions/"+s.ID+"/actions", s.HostKey, `{"action":"start"}`, nil)
	calm.await("the start", func(f frame) bool { return f.Type == "state" && f.state().Session.Status == "live" })
}

// Many connections send garbage at once: each gets its documented answer
// (error frames, then 1008 for the flood, 1009 for the oversized), the server
// stays up, and a well-behaved phone beside them votes without delay.
func TestGarbageFromManyConnections(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{})
	s := ts.openChoice("Garbage")
	good := ts.connect("good", "participant", s.ID, ts.join(s.Code, "", "").Token)
	good.awaitType("state")

	garbage := []string{
		`{"type":`, `[]`, `"vote"`, `{"type":"vote"}`, `{"type":"vote","id":"x","step":"0","value":1}`,
		`{"type":"vote","id":"x","step":0,"value":{"a":1}}`, `{"type":"vote","id":"x","step":7,"value":1}`,
		`{"type":"action","action":"end"}`, `{"type":"hello","role":"host"}`, `{"type":"` + strings.Repeat("z", 100) + `"}`,
	}
	const clients = 30
	var wg sync.WaitGroup
	codes := make([]int, clients)
	for i := 0; i < clients; i++ {
		c := ts.connect(fmt.Sprint("garbage", i), "participant", s.ID, ts.join(s.Code, "", "").Token)
		c.awaitType("state")
		wg.Add(1)
		go func(i int, c *client) {
			defer wg.Done()
			for n := 0; n < 200; n++ {
				msg := garbage[n%len(garbage)]
				if i%10 == 0 && n == 5 {
					msg = `{"type":"vote","id":"big","value":"` + strings.Repeat("x", 5000) + `"}`
				}
				if c.ws.WriteMessage(websocket.TextMessage, []byte(msg)) != nil {
					break
				}
			}
			codes[i] = c.awaitClose()
		}(i, c)
	}

	start := time.Now()
	good.send(map[string]any{"type": "vote", "id": "calm", "step": 0, "value": 1})
	if f := good.await("ack", func(f frame) bool { return f.Type == "ack" || f.Type == "error" }); f.Type != "ack" {
		t.Errorf("the calm phone's vote: %s %s", f.Code, f.Message)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the calm phone waited %s for its ack", d)
	}
	wg.Wait()
	for i, code := range codes {
		want := websocket.ClosePolicyViolation
		if i%10 == 0 {
			want = websocket.CloseMessageTooBig
		}
		if code != want {
			t.Errorf("garbage client %d closed with %d, want %d", i, code, want)
		}
	}
	var st room.StateMsg
	if status := ts.call("GET", "/api/sessions/"+s.ID, s.HostKey, nil, &st); status != http.StatusOK || st.Results.N != 1 {
		t.Errorf("after the garbage: %d, %d votes (want the calm one only)", status, st.Results.N)
	}
}
