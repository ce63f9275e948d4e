package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/realtime"
)

func TestOriginCheck(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{AllowedOrigins: []string{"https://slides.example.org"}})
	host := strings.TrimPrefix(ts.url, "http://")
	tests := []struct {
		origin string
		ok     bool
	}{
		{"", true},
		{"http://" + host, true},
		{"https://slides.example.org", true},
		{"https://evil.example.com", false},
		{"null", false},
	}
	for _, tt := range tests {
		t.Run(tt.origin, func(t *testing.T) {
			header := http.Header{}
			if tt.origin != "" {
				header.Set("Origin", tt.origin)
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
			var st realtime.StateMsg
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
		if code != realtime.CloseServiceRestart {
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
