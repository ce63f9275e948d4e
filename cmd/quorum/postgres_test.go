package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/quorum-workshop/quorum/internal/storetest"
	"github.com/quorum-workshop/quorum/internal/testserver"
)

// With --database-url, Quorum keeps everything in PostgreSQL: a vote
// acknowledged before a restart is there after it, and the URL's password
// is never logged.
func TestRunsOnPostgreSQL(t *testing.T) {
	u, err := url.Parse(storetest.PostgresDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), "not-for-logs") // trust authentication ignores it
	addr := freeAddr(t)
	start := func() (stop func()) {
		ctx, cancel := context.WithCancel(context.Background())
		logs := &testserver.SyncBuffer{}
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"--addr", addr, "--database-url", u.String(), "--retention", "0"}, logs)
		}()
		waitReady(t, addr)
		return func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("run: %v", err)
			}
			if strings.Contains(logs.String(), "not-for-logs") {
				t.Errorf("the log shows the database password:\n%s", logs)
			}
			if !strings.Contains(logs.String(), u.Redacted()) {
				t.Errorf("the log does not say which database:\n%s", logs)
			}
		}
	}

	stop := start()
	created, token := votingSession(t, addr)
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	for _, msg := range []map[string]any{
		{"type": "hello", "role": "participant", "session": created.ID, "token": token},
		{"type": "vote", "id": "pg-1", "step": 1, "value": 5},
	} {
		if err := ws.WriteJSON(msg); err != nil {
			t.Fatal(err)
		}
	}
	for {
		var f struct{ Type, ID, Code string }
		_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		if err := ws.ReadJSON(&f); err != nil {
			t.Fatal(err)
		}
		if f.Type == "error" {
			t.Fatalf("the vote was refused: %s", f.Code)
		}
		if f.Type == "ack" && f.ID == "pg-1" {
			break
		}
	}
	stop()

	stop = start()
	defer stop()
	var state struct {
		Counts  struct{ Joined int } `json:"counts"`
		Results struct{ N int }      `json:"results"`
	}
	getJSON(t, "http://"+addr+"/api/sessions/"+created.ID, created.HostKey, &state)
	if state.Counts.Joined != 1 || state.Results.N != 1 {
		t.Errorf("after a restart: %d joined, %d votes; want 1 and 1", state.Counts.Joined, state.Results.N)
	}
}

// A node that loses its PostgreSQL while running acknowledges nothing
// meanwhile: a vote gets "unavailable" (or its connection is closed for the
// phone to come back), /readyz is 503, and once the database answers again
// the node serves by itself, the vote sent again with its id counting once.
// The database is cut off for real: the node talks to it through a TCP
// proxy that the test closes.
func TestLosingPostgreSQLAcknowledgesNothing(t *testing.T) {
	u, err := url.Parse(storetest.PostgresDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newTCPProxy(t, u.Host)
	u.Host = proxy.addr
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	logs := &testserver.SyncBuffer{}
	go func() {
		done <- run(ctx, []string{"--addr", addr, "--database-url", u.String(), "--retention", "0"}, logs)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		if t.Failed() {
			t.Logf("the node's log:\n%s", logs)
		}
	})
	waitReady(t, addr)
	created, token := votingSession(t, addr)
	phone := func() *websocket.Conn {
		ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws", nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ws.Close() })
		if err := ws.WriteJSON(map[string]any{"type": "hello", "role": "participant", "session": created.ID, "token": token}); err != nil {
			t.Fatal(err)
		}
		return ws
	}
	// answer sends a vote and reads until its ack or error, or the close.
	answer := func(ws *websocket.Conn, id string) (typ, code string) {
		t.Helper()
		if err := ws.WriteJSON(map[string]any{"type": "vote", "id": id, "step": 1, "value": 4}); err != nil {
			return "closed", err.Error()
		}
		for {
			var f struct{ Type, ID, Code string }
			_ = ws.SetReadDeadline(time.Now().Add(15 * time.Second))
			if err := ws.ReadJSON(&f); err != nil {
				return "closed", err.Error()
			}
			if (f.Type == "ack" || f.Type == "error") && f.ID == id {
				return f.Type, f.Code
			}
		}
	}
	ws := phone()
	if typ, code := answer(ws, "before"); typ != "ack" {
		t.Fatalf("the vote before the cut: %s %s", typ, code)
	}

	proxy.cut()
	typ, code := answer(ws, "during")
	t.Logf("a vote while the database is away: %s %s", typ, code)
	if typ == "ack" || typ == "error" && code != "unavailable" {
		t.Errorf("a vote while the database is away: %s %s; want no ack, and unavailable if an error", typ, code)
	}
	eventually(t, "/readyz 503 while the database is away", func() bool { return readyz(addr) == http.StatusServiceUnavailable })

	proxy.restore()
	waitReady(t, addr)
	ws = phone() // a phone whose socket was closed comes back, as the page does
	for _, id := range []string{"during", "after", "during"} {
		if typ, code := answer(ws, id); typ != "ack" {
			t.Fatalf("vote %q once the database is back: %s %s", id, typ, code)
		}
	}
	var state struct {
		Results struct {
			N      int
			Counts []int
		} `json:"results"`
	}
	getJSON(t, "http://"+addr+"/api/sessions/"+created.ID, created.HostKey, &state)
	if state.Results.N != 1 || state.Results.Counts[3] != 1 {
		t.Errorf("after the database came back: %d votes, counts %v; want the one phone's vote, once", state.Results.N, state.Results.Counts)
	}
}

// readyz reads a server's /readyz status (0: no answer).
func readyz(addr string) int {
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// tcpProxy passes TCP connections to a server until it is cut: then its
// connections are closed and new ones refused, until it is restored on the
// same address.
type tcpProxy struct {
	t        *testing.T
	addr, to string
	mu       sync.Mutex
	ln       net.Listener
	conns    []net.Conn
}

func newTCPProxy(t *testing.T, to string) *tcpProxy {
	p := &tcpProxy{t: t, to: to}
	p.listen("127.0.0.1:0")
	t.Cleanup(p.cut)
	return p
}

func (p *tcpProxy) listen(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.to)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); s.Close() }()
			go func() { _, _ = io.Copy(c, s); c.Close() }()
		}
	}()
}

func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *tcpProxy) restore() { p.listen(p.addr) }
