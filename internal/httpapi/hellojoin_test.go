package httpapi_test

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
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

// helloFrames says hello and returns the frames up to the first state, or
// the close error with the frames before it.
func helloFrames(t *testing.T, ts *testServer, hello map[string]any) ([]map[string]any, error) {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(ts.wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.WriteJSON(hello); err != nil {
		t.Fatal(err)
	}
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var frames []map[string]any
	for {
		var f map[string]any
		if err := ws.ReadJSON(&f); err != nil {
			return frames, err
		}
		frames = append(frames, f)
		if f["type"] == "state" {
			return frames, nil
		}
	}
}

// A phone joins in its hello: the welcome brings its session and token, the
// token reconnects as the same participant, and the join is stored.
func TestParticipantJoinsInTheHello(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{})
	s := ts.create("leadership-vs-management")
	frames, err := helloFrames(t, ts, map[string]any{"type": "hello", "role": "participant", "code": s.Code, "name": "Ana", "segment": "Manager"})
	if err != nil {
		t.Fatalf("join in hello: %v after %v", err, frames)
	}
	w := frames[0]
	p, _ := w["participant"].(map[string]any)
	token, _ := w["token"].(string)
	if w["type"] != "welcome" || w["session"] != s.ID || token == "" || p["name"] != "Ana" || p["segment"] != "Manager" {
		t.Fatalf("welcome %v", w)
	}
	again, err := helloFrames(t, ts, map[string]any{"type": "hello", "role": "participant", "session": s.ID, "token": token})
	if err != nil {
		t.Fatalf("reconnect with the token: %v", err)
	}
	if q, _ := again[0]["participant"].(map[string]any); q["id"] != p["id"] || again[0]["token"] != nil {
		t.Errorf("reconnect welcome %v: want participant %v and no new token", again[0], p["id"])
	}
	if joined := ts.counts(s).Joined; joined != 1 {
		t.Errorf("host state: %d joined; want 1", joined)
	}
}

// A phone that sends a secret of its own joins once, however often it
// retries (its welcome was lost on the way): the same participant and token
// come back. The same secret in another session is another participant,
// and the store takes it (tokens are unique in the whole database).
func TestJoinInTheHelloWithTheClientsTokenIsOnce(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{})
	s := ts.create("leadership-vs-management")
	secret := quorum.NewSecret()
	var ids []any
	for range 3 {
		frames, err := helloFrames(t, ts, map[string]any{"type": "hello", "role": "participant", "code": s.Code, "name": "Ana", "token": secret})
		if err != nil {
			t.Fatalf("join in hello with a secret: %v after %v", err, frames)
		}
		p, _ := frames[0]["participant"].(map[string]any)
		if frames[0]["token"] != quorum.SessionToken(s.ID, secret) {
			t.Errorf("welcome token %v, want the session's token for the phone's secret", frames[0]["token"])
		}
		ids = append(ids, p["id"])
	}
	other := ts.create("leadership-vs-management")
	if frames, err := helloFrames(t, ts, map[string]any{"type": "hello", "role": "participant", "code": other.Code, "token": secret}); err != nil || frames[0]["type"] != "welcome" {
		t.Errorf("the same secret in another session: %v, %v", frames, err)
	}
	if ids[0] == nil || ids[1] != ids[0] || ids[2] != ids[0] {
		t.Errorf("participants %v: want the same one three times", ids)
	}
	if joined := ts.counts(s).Joined; joined != 1 {
		t.Errorf("host state: %d joined; want 1", joined)
	}
}

// A refused join in the hello says why (an error frame with the code), then
// closes; wrong codes count against the address as POST /api/join's do.
func TestRefusedJoinInTheHello(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{FailedJoins: 3})
	s := ts.create("leadership-vs-management")
	refusal := func(hello map[string]any) (string, int) {
		t.Helper()
		frames, err := helloFrames(t, ts, hello)
		var ce *websocket.CloseError
		if len(frames) != 1 || frames[0]["type"] != "error" || !errors.As(err, &ce) {
			t.Fatalf("%v: frames %v, %v; want one error frame, then a close", hello, frames, err)
		}
		return frames[0]["code"].(string), ce.Code
	}
	long := fmt.Sprintf("%0200d", 0)
	if code, closeCode := refusal(map[string]any{"type": "hello", "role": "participant", "code": s.Code, "name": long}); code != quorum.EINVALIDJOIN || closeCode != 4400 {
		t.Errorf("a 200-character name: %s, close %d; want %s, 4400", code, closeCode, quorum.EINVALIDJOIN)
	}
	for i := 0; i < 3; i++ {
		if code, closeCode := refusal(map[string]any{"type": "hello", "role": "participant", "code": fmt.Sprintf("0000%04d", i)}); code != quorum.ECODENOTFOUND || closeCode != 4404 {
			t.Errorf("wrong code: %s, close %d; want %s, 4404", code, closeCode, quorum.ECODENOTFOUND)
		}
	}
	// Three failures from this address: the right code is refused too, in
	// the hello and over HTTP.
	if code, _ := refusal(map[string]any{"type": "hello", "role": "participant", "code": s.Code}); code != quorum.ETOOMANY {
		t.Errorf("after three failures: %s, want %s", code, quorum.ETOOMANY)
	}
	if status := ts.call("POST", "/api/join", "", map[string]any{"code": s.Code}, nil); status != http.StatusTooManyRequests {
		t.Errorf("POST /api/join after three failures in hellos: %d, want 429", status)
	}
}

// A hello that stops waiting for a busy room leaves no ghost: the room took
// the join and attach just before the hello's deadline and committed them
// after it, so the participant has joined, but its connection, closed by
// then, is not counted as connected.
func TestHelloThatTimesOutLeavesNoGhostConnection(t *testing.T) {
	dbPath := tempDB(t)
	ts := startServer(t, dbPath, httpapi.Config{}, testserver.WithConns(func(c *wsconn.Config) { c.HelloTimeout = 300 * time.Millisecond }))
	s := ts.create("leadership-vs-management")
	ts.counts(s) // the room is loaded

	// Another connection holds SQLite's write lock: the room's commit waits.
	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lock, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if _, err := lock.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	// The phone hears that the room is busy, and tries again (1013), not of
	// an internal error.
	frames, err := helloFrames(t, ts, map[string]any{"type": "hello", "role": "participant", "code": s.Code, "name": "Late"})
	var ce *websocket.CloseError
	if len(frames) != 1 || frames[0]["code"] != quorum.EUNAVAILABLE || !errors.As(err, &ce) || ce.Code != room.CloseTryAgainLater {
		t.Errorf("a hello the busy room could not answer: frames %v, %v; want an error frame %q, then close %d", frames, err, quorum.EUNAVAILABLE, room.CloseTryAgainLater)
	}
	if strings.Contains(ts.logs.String(), "level=ERROR") {
		t.Errorf("a busy room is logged as an error:\n%s", ts.logs.String())
	}
	if _, err := lock.ExecContext(t.Context(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}

	waitFor(t, "1 joined (the late commit went through) and 0 connected", func() bool {
		c := ts.counts(s)
		return c.Joined == 1 && c.Connected == 0
	})
}
