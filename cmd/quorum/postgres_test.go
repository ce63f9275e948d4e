package main

import (
	"context"
	"net/url"
	"strings"
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
