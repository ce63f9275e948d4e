package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	_ "modernc.org/sqlite"
)

// TestKillAndRestartLosesNoVote runs the real binary, has phones vote
// steadily, kills the server with SIGKILL mid-stream, restarts it on the same
// data and checks that every acknowledged vote is in the store, re-sent
// votes count once, and the database is intact. Three rounds, or
// QUORUM_KILL_ROUNDS for the longer run in docs/benchmarks.md.
func TestKillAndRestartLosesNoVote(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary; not in -short")
	}
	rounds := 3
	if v := os.Getenv("QUORUM_KILL_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("QUORUM_KILL_ROUNDS=%q: want a whole number from 1", v)
		}
		rounds = n
	}
	bin := buildQuorum(t)
	data := t.TempDir()
	addr := freeAddr(t)
	srv := startBinary(t, bin, addr, data)

	var created struct{ ID, Code, HostKey string }
	post(t, "http://"+addr+"/api/sessions", "", `{"agenda":{"title":"Crash","steps":[{"kind":"scale","title":"Q","left":"L","right":"R","points":7}]}}`, &created)
	post(t, "http://"+addr+"/api/sessions/"+created.ID+"/actions", created.HostKey, `{"action":"start"}`, nil)
	post(t, "http://"+addr+"/api/sessions/"+created.ID+"/actions", created.HostKey, `{"action":"open"}`, nil)

	const phones = 12
	tokens := make([]string, phones)
	for i := range tokens {
		var j struct{ Token string }
		post(t, "http://"+addr+"/api/join", "", `{"code":"`+created.Code+`"}`, &j)
		tokens[i] = j.Token
	}

	for round := 0; round < rounds; round++ {
		// Every phone votes in a loop; seq is the number in its message id.
		lastAcked := make([]int, phones)
		var wg sync.WaitGroup
		stop := make(chan struct{})
		acks := make(chan struct{}, 1024)
		for i := range tokens {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				lastAcked[i] = voteUntilCut(addr, created.ID, tokens[i], round, stop, acks)
			}(i)
		}
		// Let votes flow: the kill must land mid-stream, at a different
		// moment each round: after a number of acks that is not a multiple
		// of the phones, so that some phones' votes are acknowledged and
		// others' are in flight.
		timeout := time.After(30 * time.Second)
		for n := 0; n < phones*(2+round%5)+1+(5*round)%(phones-1); n++ {
			select {
			case <-acks:
			case <-timeout:
				t.Fatalf("round %d: %d votes acknowledged within 30s", round, n)
			}
		}
		if err := srv.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = srv.Wait()
		close(stop)
		wg.Wait()

		srv = startBinary(t, bin, addr, data)
		acked := 0
		for i, token := range tokens {
			if lastAcked[i] < 0 {
				continue
			}
			acked++
			stored := storedSeq(t, addr, created.ID, token, round)
			if stored < lastAcked[i] {
				t.Errorf("round %d, phone %d: vote %d was acknowledged but the store has %d", round, i, lastAcked[i], stored)
			}
		}
		t.Logf("round %d: %d phones had acknowledged votes (last acknowledged seqs %v) when the server was killed", round, acked, lastAcked)
		var state struct {
			Results struct{ N int } `json:"results"`
		}
		getJSON(t, "http://"+addr+"/api/sessions/"+created.ID, created.HostKey, &state)
		if state.Results.N < acked || state.Results.N > phones {
			t.Errorf("round %d: %d votes counted, %d phones had acks, %d phones", round, state.Results.N, acked, phones)
		}
	}
	if err := srv.Process.Signal(os.Interrupt); err != nil {
		_ = srv.Process.Kill() // Windows cannot interrupt another process
	}
	_ = srv.Wait()

	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "quorum.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check = %q, %v", check, err)
	}
}

// voteUntilCut votes 1, 2, 3, … with ids "r<round>-<seq>" until the
// connection dies, tells acks of each ack (if it has room), and returns the
// last seq acknowledged (-1 for none).
func voteUntilCut(addr, session, token string, round int, stop <-chan struct{}, acks chan<- struct{}) int {
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws", nil)
	if err != nil {
		return -1
	}
	defer ws.Close()
	if ws.WriteJSON(map[string]any{"type": "hello", "role": "participant", "session": session, "token": token}) != nil {
		return -1
	}
	last := -1
	for seq := 0; ; seq++ {
		select {
		case <-stop:
			return last
		default:
		}
		if seq > 0 {
			// Below the server's 20 frames a second, so that the kill, not
			// the flood limit, is what cuts the stream.
			time.Sleep(60 * time.Millisecond)
		}
		id := fmt.Sprintf("r%d-%d", round, seq)
		if ws.WriteJSON(map[string]any{"type": "vote", "id": id, "step": 0, "value": 1 + seq%7}) != nil {
			return last
		}
		for { // until this vote's ack
			var f struct{ Type, ID string }
			_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
			if ws.ReadJSON(&f) != nil {
				return last
			}
			if f.Type == "ack" && f.ID == id {
				last = seq
				select {
				case acks <- struct{}{}:
				default: // the kill is under way
				}
				break
			}
		}
	}
}

// storedSeq reconnects as a phone and reads the seq of its stored vote from
// the welcome (-1 if it has none from this round).
func storedSeq(t *testing.T, addr, session, token string, round int) int {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.WriteJSON(map[string]any{"type": "hello", "role": "participant", "session": session, "token": token}); err != nil {
		t.Fatal(err)
	}
	var welcome struct {
		Type  string
		Votes map[string]struct{ ID string }
	}
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	if err := ws.ReadJSON(&welcome); err != nil || welcome.Type != "welcome" {
		t.Fatalf("welcome: %v %+v", err, welcome)
	}
	var r, seq int
	if _, err := fmt.Sscanf(welcome.Votes["0"].ID, "r%d-%d", &r, &seq); err != nil || r != round {
		return -1
	}
	return seq
}

func startBinary(t *testing.T, bin, addr, data string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "--addr", addr, "--data", data, "--log-format", "json")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	waitReady(t, addr)
	return cmd
}

// waitReady waits until the server at addr answers /readyz.
func waitReady(t *testing.T, addr string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
	t.Fatalf("the server did not come up on %s", addr)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return "127.0.0.1:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

func post(t *testing.T, url, bearer, body string, out any) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	do(t, req, out)
}

func getJSON(t *testing.T, url, bearer string, out any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+bearer)
	do(t, req, out)
}

func do(t *testing.T, req *http.Request, out any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %s", req.Method, req.URL.Path, resp.Status)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
}

// testSession is a session as POST /api/sessions answers it.
type testSession struct{ ID, Code, HostKey string }

// votingSession creates a session on the built-in agenda at addr, opens its
// first question and joins one phone, whose token it returns.
func votingSession(t *testing.T, addr string) (testSession, string) {
	t.Helper()
	var created testSession
	post(t, "http://"+addr+"/api/sessions", "", `{"agenda":"leadership-vs-management"}`, &created)
	post(t, "http://"+addr+"/api/sessions/"+created.ID+"/actions", created.HostKey, `{"action":"goto","step":1}`, nil)
	post(t, "http://"+addr+"/api/sessions/"+created.ID+"/actions", created.HostKey, `{"action":"open"}`, nil)
	var j struct{ Token string }
	post(t, "http://"+addr+"/api/join", "", `{"code":"`+created.Code+`"}`, &j)
	return created, j.Token
}

// TestGracefulRestartKeepsState: on SIGTERM every client is closed with
// 1012; after the restart a client resumes with the same state and tally.
func TestGracefulRestartKeepsState(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and restarts the real binary; not in -short")
	}
	if runtime.GOOS == "windows" {
		t.Skip("Windows cannot send SIGTERM")
	}
	bin := buildQuorum(t)
	data, addr := t.TempDir(), freeAddr(t)
	srv := startBinary(t, bin, addr, data)
	created, token := votingSession(t, addr)

	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	hello := map[string]any{"type": "hello", "role": "participant", "session": created.ID, "token": token}
	if err := ws.WriteJSON(hello); err != nil {
		t.Fatal(err)
	}
	if err := ws.WriteJSON(map[string]any{"type": "vote", "id": "before", "step": 1, "value": 6}); err != nil {
		t.Fatal(err)
	}
	for {
		var f struct{ Type, ID string }
		_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		if err := ws.ReadJSON(&f); err != nil {
			t.Fatal(err)
		}
		if f.Type == "ack" && f.ID == "before" {
			break
		}
	}

	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var closeErr *websocket.CloseError
	for {
		_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, _, err := ws.ReadMessage(); err != nil {
			if !errors.As(err, &closeErr) {
				t.Fatalf("connection ended without a close frame: %v", err)
			}
			break
		}
	}
	if closeErr.Code != 1012 && closeErr.Code != 1001 {
		t.Errorf("closed with %d, want 1012 or 1001", closeErr.Code)
	}
	if err := srv.Wait(); err != nil {
		t.Errorf("the server did not exit cleanly on SIGTERM: %v", err)
	}

	startBinary(t, bin, addr, data)
	again, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if err := again.WriteJSON(hello); err != nil {
		t.Fatal(err)
	}
	var welcome struct {
		Votes map[string]struct {
			ID    string
			Value float64
		}
	}
	var state struct {
		Step struct {
			Index  int
			Voting string
		}
		Results *struct{ N int }
	}
	_ = again.SetReadDeadline(time.Now().Add(5 * time.Second))
	if err := again.ReadJSON(&welcome); err != nil {
		t.Fatal(err)
	}
	if err := again.ReadJSON(&state); err != nil {
		t.Fatal(err)
	}
	if v := welcome.Votes["1"]; v.ID != "before" || v.Value != 6 {
		t.Errorf("after the restart the phone's vote is %+v, want before=6", v)
	}
	if state.Step.Index != 1 || state.Step.Voting != "open" || state.Results != nil {
		t.Errorf("after the restart: %+v (voting must still be open, results still hidden)", state)
	}
	var host struct {
		Results struct{ N int }
	}
	getJSON(t, "http://"+addr+"/api/sessions/"+created.ID, created.HostKey, &host)
	if host.Results.N != 1 {
		t.Errorf("the tally after the restart has %d votes, want 1", host.Results.N)
	}
}
