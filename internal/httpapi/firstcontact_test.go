package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/room"
	"github.com/quorum-workshop/quorum/internal/testserver"
)

// firstContactSessions is enough sessions that, when the rooms were kept by a key
// pointing into a reused request buffer, some of them met another session's
// room (it failed 1–3 % of sessions).
const firstContactSessions = 300

// A new session answers its own host key whatever its first contact is: a
// REST call, a WebSocket hello, or both at once. The server once kept a room
// under Fiber's view of the request path, a string that the next request on
// the same keep-alive connection overwrote, so later sessions found other
// sessions' rooms and refused their own key.
func TestNewSessionsAnswerTheirHostKeyWhateverTheFirstContact(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{})
	sessions := make([]created, firstContactSessions)
	for i := range sessions {
		sessions[i] = ts.create("leadership-vs-management")
	}
	restState := func(s created) error {
		var ae apiError
		if status := ts.call("GET", "/api/sessions/"+s.ID, s.HostKey, nil, &ae); status != http.StatusOK {
			return fmt.Errorf("GET state: status %d %s", status, ae.Error.Code)
		}
		return nil
	}
	restStart := func(s created) error {
		var ae apiError
		if status := ts.call("POST", "/api/sessions/"+s.ID+"/actions", s.HostKey, map[string]any{"action": "start"}, &ae); status != http.StatusOK {
			return fmt.Errorf("POST start: status %d %s", status, ae.Error.Code)
		}
		return nil
	}
	hostHello := func(s created) error {
		c := ts.connect("host "+s.ID, "host", s.ID, s.HostKey)
		defer c.ws.Close()
		f := c.await("welcome or error", func(f frame) bool { return f.Type == "welcome" || f.Type == "error" })
		if f.Type != "welcome" {
			return fmt.Errorf("host hello: %s %s", f.Code, f.Message)
		}
		return nil
	}
	check := func(t *testing.T, name string, ss []created, first ...func(created) error) {
		var failed []string
		for _, s := range ss {
			var wg sync.WaitGroup
			errs := make([]error, len(first))
			for i, f := range first {
				wg.Go(func() { errs[i] = f(s) })
			}
			wg.Wait()
			// Whatever came first, the session takes commands afterwards.
			if err := restStart(s); err != nil {
				errs = append(errs, err)
			}
			for _, err := range errs {
				if err != nil {
					failed = append(failed, s.ID+": "+err.Error())
				}
			}
		}
		if len(failed) > 0 {
			t.Errorf("%s: %d of %d sessions refused their own host key, e.g. %s", name, len(failed), len(ss), failed[0])
		}
	}
	third := len(sessions) / 3
	t.Run("REST first", func(t *testing.T) { check(t, "REST first", sessions[:third], restState) })
	t.Run("WebSocket first", func(t *testing.T) { check(t, "WebSocket first", sessions[third:2*third], hostHello) })
	t.Run("both at once", func(t *testing.T) { check(t, "both at once", sessions[2*third:], restState, hostHello) })
}

// A session whose room is evicted between, and during, the calls made to it
// loses nothing: every committed join is known to the room that serves the
// phone's hello next, and every committed step change to the room that
// serves the next command. A call that raced an eviction could once run on
// a room that had stopped taking work while a fresh room of the same
// session loaded without it.
func TestRoomEvictionLosesNothing(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{}, testserver.WithRooms(func(c *room.Config) {
		c.IdleRoomTimeout = 200 * time.Microsecond // evicted whenever a call pauses
	}))
	s := ts.create("leadership-vs-management")
	if status := ts.call("POST", "/api/sessions/"+s.ID+"/actions", s.HostKey, map[string]any{"action": "start"}, nil); status != http.StatusOK {
		t.Fatalf("start: status %d", status)
	}
	const phones, joinsEach, steps = 4, 25, 60
	var wg sync.WaitGroup
	errs := make(chan error, phones*joinsEach+steps)
	for p := range phones {
		wg.Go(func() {
			for i := range joinsEach {
				if err := joinThenHello(ts, s, fmt.Sprintf("p%d-%d", p, i)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Go(func() {
		for i := range steps {
			action := "next"
			if i%2 == 1 {
				action = "prev"
			}
			var st room.StateMsg
			status, _, data := ts.do("POST", "/api/sessions/"+s.ID+"/actions", s.HostKey, map[string]any{"action": action})
			if status != http.StatusOK || json.Unmarshal(data, &st) != nil {
				errs <- fmt.Errorf("%s: status %d %s", action, status, data)
				continue
			}
			if want := 1 - i%2; st.Session.CurrentStep != want {
				errs <- fmt.Errorf("after %s %d: step %d, want %d", action, i, st.Session.CurrentStep, want)
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := ts.counts(s).Joined; got != phones*joinsEach {
		t.Errorf("joined %d, want %d", got, phones*joinsEach)
	}
}

// joinThenHello joins over REST and says hello with the token at once, as a
// client following docs/protocol.md does.
func joinThenHello(ts *testServer, s created, name string) error {
	status, _, data := ts.do("POST", "/api/join", "", map[string]any{"code": s.Code, "name": name})
	var j joined
	if status != http.StatusCreated || json.Unmarshal(data, &j) != nil {
		return fmt.Errorf("%s: join: status %d %s", name, status, data)
	}
	ws, _, err := websocket.DefaultDialer.Dial(ts.wsURL, nil)
	if err != nil {
		return fmt.Errorf("%s: dial: %w", name, err)
	}
	defer ws.Close()
	if err := ws.WriteJSON(map[string]any{"type": "hello", "role": "participant", "session": s.ID, "token": j.Token}); err != nil {
		return fmt.Errorf("%s: hello: %w", name, err)
	}
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var f frame
	if err := ws.ReadJSON(&f); err != nil {
		return fmt.Errorf("%s: no answer to the hello: %w", name, err)
	}
	if f.Type != "welcome" {
		return fmt.Errorf("%s: hello answered %s %s %s", name, f.Type, f.Code, f.Message)
	}
	return nil
}

// An unknown session is 404 whatever key comes with the request; a known
// session with a key that is not its host key is 401. With many sessions
// loaded, so that another session's key never changes the answer.
func TestUnknownSessionOrWrongKey(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{})
	sessions := make([]created, 40)
	for i := range sessions {
		sessions[i] = ts.create("leadership-vs-management")
		ts.counts(sessions[i]) // loads its room
	}
	const unknown = "4b1c6d0e-0000-0000-0000-000000000000"
	for i, s := range sessions {
		other := sessions[(i+1)%len(sessions)]
		checks := []struct {
			method, path, key, body string
			status                  int
			code                    string
		}{
			{"GET", "/api/sessions/" + unknown, s.HostKey, "", 404, quorum.ESESSIONNOTFOUND},
			{"POST", "/api/sessions/" + unknown + "/actions", s.HostKey, `{"action":"start"}`, 404, quorum.ESESSIONNOTFOUND},
			{"DELETE", "/api/sessions/" + unknown, s.HostKey, "", 404, quorum.ESESSIONNOTFOUND},
			{"GET", "/api/sessions/" + s.ID, other.HostKey, "", 401, quorum.EUNAUTHORIZED},
			{"POST", "/api/sessions/" + s.ID + "/actions", other.HostKey, `{"action":"start"}`, 401, quorum.EUNAUTHORIZED},
			{"DELETE", "/api/sessions/" + s.ID, other.HostKey, "", 401, quorum.EUNAUTHORIZED},
		}
		for _, c := range checks {
			var body any
			if c.body != "" {
				body = c.body
			}
			var e apiError
			if got := ts.call(c.method, c.path, c.key, body, &e); got != c.status || e.Error.Code != c.code {
				t.Errorf("session %d: %s %s: %d %q, want %d %q", i, c.method, c.path, got, e.Error.Code, c.status, c.code)
			}
		}
	}
}
