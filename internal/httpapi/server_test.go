package httpapi_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/room"
	"github.com/quorum-workshop/quorum/internal/testserver"
)

// A browser may open a WebSocket from the server's own origin or an allowed
// one. Without --public-url the server's own is whatever host the request
// names, a rebound DNS name too (the laptop default); with it, only the
// public URL's, whatever the Host header says.
func TestOriginCheck(t *testing.T) {
	const allowed = "https://slides.example.org"
	tests := []struct {
		name, publicURL, host, origin string
		ok                            bool
	}{
		{"no origin", "", "", "", true},
		{"same host", "", "", "http://{addr}", true},
		{"same host, upper case", "", "", "HTTP://{ADDR}", true},
		{"allowed", "", "", allowed, true},
		{"allowed, with its default port", "", "", allowed + ":443", true},
		{"another origin", "", "", "https://evil.example.com", false},
		{"null", "", "", "null", false},
		{"a rebound name, without a public URL", "", "evil.example", "http://evil.example", true},

		{"public URL", "https://vote.example.org:443/", "", "https://vote.example.org", true},
		{"public URL behind a proxy that passes Host", "https://vote.example.org", "vote.example.org", "https://vote.example.org", true},
		{"public URL's host over another scheme", "https://vote.example.org", "", "http://vote.example.org", false},
		{"allowed, with a public URL", "https://vote.example.org", "", allowed, true},
		{"a rebound name, with a public URL", "https://vote.example.org", "evil.example", "http://evil.example", false},
		{"the listening address, with a public URL", "https://vote.example.org", "", "http://{addr}", false},
		{"no origin, with a public URL", "https://vote.example.org", "", "", true},
	}
	servers := map[string]*testServer{}
	for _, tt := range tests {
		if servers[tt.publicURL] == nil {
			servers[tt.publicURL] = startServer(t, tempDB(t), httpapi.Config{PublicURL: tt.publicURL, AllowedOrigins: []string{allowed + "/"}})
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := servers[tt.publicURL]
			addr := strings.TrimPrefix(ts.url, "http://")
			header := http.Header{}
			if tt.origin != "" {
				header.Set("Origin", strings.NewReplacer("{addr}", addr, "{ADDR}", strings.ToUpper(addr)).Replace(tt.origin))
			}
			if tt.host != "" {
				header.Set("Host", tt.host)
			}
			ws, resp, err := websocket.DefaultDialer.Dial(ts.wsURL, header)
			if ws != nil {
				ws.Close()
			}
			if tt.ok && err != nil {
				t.Errorf("refused: %v", err)
			}
			if !tt.ok && (err == nil || resp == nil || resp.StatusCode != http.StatusForbidden) {
				t.Errorf("accepted or wrong status: %v %v", err, resp)
			}
		})
	}
	// At the default level the log tells of refused upgrades, not of every
	// phone that connects.
	logs := servers[""].logs.String()
	if !strings.Contains(logs, "path=/ws status=403") {
		t.Errorf("no refused upgrade in the log:\n%s", logs)
	}
	if strings.Contains(logs, "status=101") {
		t.Errorf("an accepted upgrade is logged at info:\n%s", logs)
	}
}

func TestHostPassword(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{HostPassword: "s3cret"})
	var e apiError
	if status := ts.call("POST", "/api/sessions", "", `{"agenda":"leadership-vs-management"}`, &e); status != 401 || e.Error.Code != quorum.EUNAUTHORIZED {
		t.Errorf("without password: %d %q", status, e.Error.Code)
	}
	if status := ts.call("POST", "/api/sessions", "", `{"agenda":"leadership-vs-management","password":"wrong"}`, nil); status != 401 {
		t.Errorf("wrong password: %d", status)
	}
	if status := ts.call("POST", "/api/sessions", "", `{"agenda":"leadership-vs-management","password":"s3cret"}`, nil); status != 201 {
		t.Errorf("right password: %d", status)
	}
}

// TestTimerClosesVoting waits out the shortest countdown.
func TestTimerClosesVoting(t *testing.T) {
	t.Parallel()
	ts := startServer(t, tempDB(t), httpapi.Config{})
	s := ts.create(map[string]any{"title": "Timer", "steps": []map[string]any{
		{"kind": "choice", "title": "Quick?", "options": []string{"Yes", "No"}},
	}})
	p := ts.join(s.Code, "", "")
	part := ts.connect("p", "participant", s.ID, p.Token)
	part.awaitType("state")
	for _, action := range []string{`{"action":"start"}`, fmt.Sprintf(`{"action":"timer","seconds":%d}`, quorum.MinTimerSeconds)} {
		if status := ts.call("POST", "/api/sessions/"+s.ID+"/actions", s.HostKey, action, nil); status != 200 {
			t.Fatalf("%s: %d", action, status)
		}
	}
	open := part.await("open with a deadline", func(f frame) bool {
		st := f.state()
		return f.Type == "state" && st.Step != nil && st.Step.Voting == quorum.VotingOpen && st.Step.Deadline != nil
	}).state()
	if ms := open.Step.RemainingMs; ms <= 0 || ms > int64(quorum.MinTimerSeconds*1000) {
		t.Errorf("remainingMs = %d", ms)
	}
	part.send(map[string]any{"type": "vote", "id": "in-time", "step": 0, "value": 1})
	part.awaitType("ack")
	timeout := time.After(time.Duration(quorum.MinTimerSeconds+5) * time.Second)
	for {
		select {
		case f := <-part.frames:
			if f.Type != "state" || f.state().Step.Voting != quorum.VotingClosed {
				continue
			}
			part.send(map[string]any{"type": "vote", "id": "late", "step": 0, "value": 0})
			if e := part.awaitType("error"); e.Code != quorum.EVOTINGCLOSED {
				t.Errorf("late vote: %q", e.Code)
			}
			var st room.StateMsg
			ts.call("GET", "/api/sessions/"+s.ID, s.HostKey, nil, &st)
			if st.Results.N != 1 || st.Results.Counts[1] != 1 {
				t.Errorf("after the timer: %+v", st.Results)
			}
			return
		case <-timeout:
			t.Fatal("the timer did not close voting")
		}
	}
}

// TestShutdownClosesWith1012 checks the graceful shutdown: readiness off,
// every socket closed with 1012, and votes already sent committed.
func TestShutdownClosesWith1012(t *testing.T) {
	dbPath := tempDB(t)
	ts := startServer(t, dbPath, httpapi.Config{})
	s := ts.create(map[string]any{"title": "Shutdown", "steps": []map[string]any{
		{"kind": "scale", "title": "How?", "left": "Calm", "right": "Busy", "points": 5},
	}})
	ts.call("POST", "/api/sessions/"+s.ID+"/actions", s.HostKey, `{"action":"start"}`, nil)
	ts.call("POST", "/api/sessions/"+s.ID+"/actions", s.HostKey, `{"action":"open"}`, nil)
	const n = 20
	var parts []*client
	for i := 0; i < n; i++ {
		p := ts.join(s.Code, "", "")
		c := ts.connect(fmt.Sprint("p", i), "participant", s.ID, p.Token)
		c.awaitType("state")
		parts = append(parts, c)
	}
	// Send votes and shut down at once, without waiting for acks.
	for i, c := range parts {
		c.send(map[string]any{"type": "vote", "id": "v", "step": 0, "value": 1 + i%5})
	}
	ts.HTTP.Drain()
	if status := ts.call("GET", "/readyz", "", nil, nil); status != http.StatusServiceUnavailable {
		t.Errorf("readyz while draining: %d", status)
	}
	ts.stop()
	acked := 0
	for _, c := range parts {
		code := c.awaitClose()
		if code != room.CloseServiceRestart {
			t.Errorf("%s closed with %d, want 1012", c.name, code)
		}
		for _, f := range c.seen {
			if f.Type == "ack" {
				acked++
			}
		}
	}
	ts2 := startServer(t, dbPath, httpapi.Config{})
	stored, err := ts2.db.CountVotes(context.Background(), s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored < acked {
		t.Errorf("%d votes acknowledged but only %d stored", acked, stored)
	}
	t.Logf("%d of %d votes acknowledged before the shutdown, %d stored", acked, n, stored)
}

// smallSendBuffers makes every accepted connection's kernel send buffer
// tiny, so that a client that does not read backs the server up at once.
type smallSendBuffers struct{ net.Listener }

func (l smallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		_ = c.(*net.TCPConn).SetWriteBuffer(4096)
	}
	return c, err
}

// A phone that never reads is dropped once its outbox is full; the others
// get every state change.
func TestSlowConsumerIsDropped(t *testing.T) {
	srv := testserver.Start(t, tempDB(t), httpapi.Config{}, testserver.WithListener(func(l net.Listener) net.Listener { return smallSendBuffers{l} }))
	ts := &testServer{Server: srv, t: t, url: srv.URL, wsURL: srv.WSURL, db: srv.DB, logs: srv.Logs}
	body := strings.Repeat("A long slide body. ", 100)
	var steps []map[string]any
	for i := 0; i < 3; i++ {
		steps = append(steps, map[string]any{"kind": "info", "title": fmt.Sprint("Slide ", i), "body": body})
	}
	s := ts.create(map[string]any{"title": "Slow", "steps": steps})
	ts.call("POST", "/api/sessions/"+s.ID+"/actions", s.HostKey, `{"action":"start"}`, nil)

	dialer := websocket.Dialer{NetDial: func(network, addr string) (net.Conn, error) {
		c, err := net.Dial(network, addr)
		if err == nil {
			_ = c.(*net.TCPConn).SetReadBuffer(2048)
		}
		return c, err
	}}
	slow, _, err := dialer.Dial(ts.wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if err := slow.WriteJSON(map[string]any{"type": "hello", "role": "participant", "session": s.ID, "token": ts.join(s.Code, "", "").Token}); err != nil {
		t.Fatal(err)
	}
	calm := ts.connect("calm", "participant", s.ID, ts.join(s.Code, "", "").Token)
	calm.awaitType("state")

	changes := 0
	for dropped := false; !dropped; changes++ {
		if changes == 2000 {
			t.Fatal("the phone that never reads was not dropped after 2,000 state changes")
		}
		ts.call("POST", "/api/sessions/"+s.ID+"/actions", s.HostKey, fmt.Sprintf(`{"action":"goto","step":%d}`, 1+changes%2), nil)
		if changes%10 == 9 {
			dropped = ts.counts(s).Connected == 1
		}
	}
	t.Logf("dropped after %d state changes", changes)
	// The calm phone saw every change, in order, and is still served.
	ts.call("POST", "/api/sessions/"+s.ID+"/actions", s.HostKey, `{"action":"goto","step":0}`, nil)
	seen := 0
	calm.await("the last state", func(f frame) bool {
		if f.Type == "state" {
			seen++
		}
		return f.Type == "state" && f.state().Session.CurrentStep == 0 && seen > changes
	})
}
