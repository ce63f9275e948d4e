package main

import (
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/quorum-workshop/quorum/internal/storetest"
	"github.com/quorum-workshop/quorum/internal/testserver"
)

// node is one node process of a test cluster.
type node struct {
	name, addr string
	cmd        *exec.Cmd
	logs       *testserver.SyncBuffer
}

func startNode(t *testing.T, bin, name, databaseURL, natsURL string) *node {
	t.Helper()
	n := &node{name: name, addr: freeAddr(t), logs: &testserver.SyncBuffer{}}
	n.cmd = exec.Command(bin, "--addr", n.addr, "--database-url", databaseURL, "--nats-url", natsURL, "--node-id", name, "--log-format", "json", "--metrics", "public")
	n.cmd.Stdout, n.cmd.Stderr = n.logs, n.logs
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = n.cmd.Process.Kill()
		_ = n.cmd.Wait()
		if strings.Contains(n.logs.String(), "WARNING: DATA RACE") {
			t.Errorf("%s: the race detector found a data race", name)
		}
		if t.Failed() {
			t.Logf("%s's log:\n%s", name, n.logs)
		}
	})
	waitReady(t, n.addr)
	return n
}

// metric reads the sum of a metric's series (those whose name and labels
// start with series) from a node's /metrics.
func (n *node) metric(t *testing.T, series string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + n.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for line := range strings.Lines(string(body)) {
		if !strings.HasPrefix(line, series) {
			continue
		}
		fields := strings.Fields(line)
		v, err := strconv.ParseFloat(fields[len(fields)-1], 64)
		if err != nil {
			t.Fatalf("%s: %q: %v", n.name, line, err)
		}
		sum += v
	}
	return sum
}

// eventually waits up to 10 s for ok.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
	}
}

// wsClient is a test client's WebSocket with the frames it read.
type wsClient struct {
	t      *testing.T
	name   string
	ws     *websocket.Conn
	frames chan map[string]any

	mu   sync.Mutex
	seen []map[string]any // every frame await read
}

func dialNode(t *testing.T, n *node, name string, hello map[string]any) *wsClient {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+n.addr+"/ws", nil)
	if err != nil {
		t.Fatalf("%s: dial %s: %v", name, n.name, err)
	}
	c := &wsClient{t: t, name: name, ws: ws, frames: make(chan map[string]any, 1024)}
	go func() {
		defer close(c.frames)
		for {
			var f map[string]any
			if err := ws.ReadJSON(&f); err != nil {
				return
			}
			c.frames <- f
		}
	}()
	t.Cleanup(func() { ws.Close() })
	c.send(hello)
	c.await("welcome", func(f map[string]any) bool { return f["type"] == "welcome" })
	return c
}

func (c *wsClient) send(v any) {
	c.t.Helper()
	if err := c.ws.WriteJSON(v); err != nil {
		c.t.Fatalf("%s: send: %v", c.name, err)
	}
}

// awaitTimeout is how long a client waits for a frame: a failover's lease,
// silence and locks add up to several seconds, and a busy machine adds to
// those (the failover tests bound the time they measure themselves).
const awaitTimeout = 20 * time.Second

// await reads frames until one matches, failing on an error frame or after
// awaitTimeout.
func (c *wsClient) await(what string, match func(map[string]any) bool) map[string]any {
	c.t.Helper()
	timeout := time.After(awaitTimeout)
	for {
		select {
		case f, ok := <-c.frames:
			if !ok {
				c.t.Fatalf("%s: closed while waiting for %s", c.name, what)
			}
			if f["type"] == "error" {
				c.t.Fatalf("%s: error %v %v while waiting for %s", c.name, f["code"], f["message"], what)
			}
			c.mu.Lock()
			c.seen = append(c.seen, f)
			c.mu.Unlock()
			if match(f) {
				return f
			}
		case <-timeout:
			c.t.Fatalf("%s: no %s within %s", c.name, what, awaitTimeout)
		}
	}
}

// sawOrAwait looks for a frame among those read so far, then awaits one.
func (c *wsClient) sawOrAwait(what string, match func(map[string]any) bool) map[string]any {
	c.t.Helper()
	c.mu.Lock()
	for _, f := range c.seen {
		if match(f) {
			c.mu.Unlock()
			return f
		}
	}
	c.mu.Unlock()
	return c.await(what, match)
}

// stepState matches a state on step whose voting is voting.
func stepState(step float64, voting string) func(map[string]any) bool {
	return func(f map[string]any) bool {
		if f["type"] != "state" {
			return false
		}
		st, _ := f["step"].(map[string]any)
		return st != nil && st["index"] == step && st["voting"] == voting
	}
}

// testCluster is three node processes on a database of their own, the
// machine's NATS (or a given one), and a session created on the first.
type testCluster struct {
	t                *testing.T
	bin, db, natsURL string
	nodes            []*node
	session          struct{ ID, Code, HostKey, ScreenKey string }
}

func startCluster(t *testing.T, natsURL string) *testCluster {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs node processes; not in -short")
	}
	db := storetest.PostgresDatabase(t)
	if natsURL == "" {
		natsURL = testserver.NATS(t)
	}
	bin := buildQuorum(t, nodeBuildFlags...)
	c := &testCluster{t: t, bin: bin, db: db, natsURL: natsURL}
	// Names unique on the NATS server, which other tests' clusters share.
	suffix := strings.ToLower(rand.Text()[:6])
	for i := 1; i <= 3; i++ {
		c.nodes = append(c.nodes, startNode(t, bin, fmt.Sprintf("n%d-%s", i, suffix), db, natsURL))
	}
	post(t, "http://"+c.nodes[0].addr+"/api/sessions", "", `{"agenda":"leadership-vs-management"}`, &c.session)
	return c
}

// own makes a node the session's owner: its first call takes the lease.
func (c *testCluster) own(n *node) {
	post(c.t, "http://"+n.addr+"/api/sessions/"+c.session.ID+"/actions", c.session.HostKey, `{"action":"start"}`, nil)
}

func (c *testCluster) host(n *node) *wsClient {
	return dialNode(c.t, n, "host", map[string]any{"type": "hello", "role": "host", "session": c.session.ID, "key": c.session.HostKey})
}

func (c *testCluster) screen(n *node) *wsClient {
	return dialNode(c.t, n, "screen", map[string]any{"type": "hello", "role": "screen", "session": c.session.ID, "key": c.session.ScreenKey})
}

// phones joins count phones over HTTP on joinAt(i) and connects each on
// helloAt(i).
func (c *testCluster) phones(count int, joinAt, helloAt func(i int) *node) []*wsClient {
	c.t.Helper()
	clients := make([]*wsClient, count)
	for i := range clients {
		var j struct{ Token string }
		post(c.t, "http://"+joinAt(i).addr+"/api/join", "", `{"code":"`+c.session.Code+`"}`, &j)
		clients[i] = dialNode(c.t, helloAt(i), fmt.Sprintf("phone %d", i), map[string]any{"type": "hello", "role": "participant", "session": c.session.ID, "token": j.Token})
	}
	return clients
}

// counts reads the session's counts through a node.
func (c *testCluster) counts(n *node) (joined, connected, voted int) {
	c.t.Helper()
	var state struct {
		Counts struct{ Joined, Connected, Voted int } `json:"counts"`
	}
	getJSON(c.t, "http://"+n.addr+"/api/sessions/"+c.session.ID, c.session.HostKey, &state)
	return state.Counts.Joined, state.Counts.Connected, state.Counts.Voted
}

// act runs host actions one after the other, each once its "done" is back.
func act(host *wsClient, actions ...map[string]any) {
	host.t.Helper()
	for _, a := range actions {
		a["type"], a["id"] = "action", a["action"]
		host.send(a)
		host.await("done "+a["action"].(string), func(f map[string]any) bool { return f["type"] == "done" && f["id"] == a["id"] })
	}
}

// openQuestion moves to the built-in agenda's first question, opens it, and
// waits until every phone can vote.
func openQuestion(host *wsClient, phones []*wsClient) {
	host.t.Helper()
	act(host, map[string]any{"action": "goto", "step": 1}, map[string]any{"action": "open"})
	for _, c := range phones {
		c.await("voting open", stepState(1, "open"))
	}
}

// awaitAck waits for the ack of a vote id.
func (c *wsClient) awaitAck(id string) {
	c.t.Helper()
	c.await("ack "+id, func(f map[string]any) bool { return f["type"] == "ack" && f["id"] == id })
}

// Three node processes on one PostgreSQL and one NATS serve one session
// together: the host on the first, the screen on the third, phones joining
// and voting on all three. Every vote is acknowledged and counted once, the
// screen shows the revealed results, and a second round counts again.
func TestThreeNodesServeOneSession(t *testing.T) {
	c := startCluster(t, "")
	nodes := c.nodes
	host, screen := c.host(nodes[0]), c.screen(nodes[2])
	const phones = 30
	clients := c.phones(phones, func(i int) *node { return nodes[i%3] }, func(i int) *node { return nodes[(i+1)%3] })
	act(host, map[string]any{"action": "start"})
	openQuestion(host, clients)

	vote := func(round int) {
		t.Helper()
		var wg sync.WaitGroup
		for i, p := range clients {
			id := fmt.Sprintf("r%d-p%d", round, i)
			p.send(map[string]any{"type": "vote", "id": id, "step": 1, "value": 1 + (i+round)%7})
			wg.Go(func() { p.awaitAck(id) })
		}
		wg.Wait()
		if joined, connected, voted := c.counts(nodes[1]); joined != phones || connected != phones || voted != phones {
			t.Fatalf("round %d through n2: %d joined, %d connected, %d voted; want %d each", round, joined, connected, voted, phones)
		}
	}
	vote(1)
	host.send(map[string]any{"type": "action", "id": "reveal", "action": "reveal"})
	revealed := screen.await("the revealed results", func(f map[string]any) bool {
		r, _ := f["results"].(map[string]any)
		return r != nil && r["n"] == float64(phones)
	})
	if _, ok := revealed["results"].(map[string]any)["mean"]; !ok {
		t.Errorf("the screen's revealed results have no mean: %v", revealed["results"])
	}
	act(host, map[string]any{"action": "close"}, map[string]any{"action": "round"}, map[string]any{"action": "open"})
	for _, p := range clients {
		p.await("round 2 open", stepState(1, "open"))
	}
	vote(2)

	var owner *node
	owners := 0
	for _, n := range nodes {
		if strings.Contains(n.logs.String(), `"msg":"owning a session"`) {
			owner = n
			owners++
		}
	}
	if owners != 1 {
		t.Fatalf("%d nodes owned the session, want 1", owners)
	}

	// An operator sees where the session lives: in the host's state, the
	// logs and the metrics.
	var state struct {
		Session struct{ Owner string } `json:"session"`
	}
	getJSON(t, "http://"+nodes[1].addr+"/api/sessions/"+c.session.ID, c.session.HostKey, &state)
	if !strings.HasPrefix(state.Session.Owner, owner.name+"-") || !strings.Contains(owner.logs.String(), `"node":"`+state.Session.Owner+`"`) {
		t.Errorf("the host's state names %q as the owner; want %s's id, as its logs name it", state.Session.Owner, owner.name)
	}
	for _, n := range nodes {
		want := 0.0
		if n == owner {
			want = 1
		}
		if got := n.metric(t, "quorum_cluster_sessions_owned"); got != want {
			t.Errorf("%s: quorum_cluster_sessions_owned %v, want %v", n.name, got, want)
		}
		if n == owner {
			continue
		}
		frames := n.metric(t, `quorum_cluster_forwarded_frames_total{direction="to_owner"}`)
		msgs := n.metric(t, `quorum_cluster_messages_total{direction="to_owner"}`)
		if frames < 2*phones/3 || msgs < 1 || msgs > frames {
			t.Errorf("%s forwarded %v frames in %v messages; want its phones' hellos and votes, in at most as many messages", n.name, frames, msgs)
		}
	}

	// The export, read through another node, has both rounds, each counted once.
	var exported struct {
		Steps []struct {
			Round   int               `json:"round"`
			Results struct{ N int }   `json:"results"`
			Rounds  []struct{ N int } `json:"rounds"`
		} `json:"steps"`
	}
	getJSON(t, "http://"+nodes[2].addr+"/api/sessions/"+c.session.ID+"/export.json", c.session.HostKey, &exported)
	if len(exported.Steps) < 2 {
		t.Fatalf("the export has %d steps", len(exported.Steps))
	}
	st := exported.Steps[1]
	if st.Round != 2 || st.Results.N != phones || len(st.Rounds) != 1 || st.Rounds[0].N != phones {
		t.Errorf("the export's step 1: %+v, want round 2 with %d votes after round 1 with %d", st, phones, phones)
	}
}

// A node killed with SIGKILL in the middle of a vote wave, while it owns the
// session, loses nothing: the other nodes' sockets stay open, one of them
// takes the session over within the lease and a few seconds, the votes the
// dead owner had not answered are sent again and acknowledged, and every
// phone's vote counts exactly once.
func TestOwnerKilledMidWaveLosesNothing(t *testing.T) {
	c := startCluster(t, "")
	nodes := c.nodes
	c.own(nodes[0]) // everyone connects elsewhere
	host, screen := c.host(nodes[1]), c.screen(nodes[2])
	const phones = 60
	clients := c.phones(phones, func(i int) *node { return nodes[1+i%2] }, func(i int) *node { return nodes[1+(i+1)%2] })
	openQuestion(host, clients)

	// The wave: a vote every 20 ms; the owner dies after the 25th ack.
	acked := make(chan time.Time, phones)
	var wg sync.WaitGroup
	for i, p := range clients {
		id := fmt.Sprintf("wave-%d", i)
		p.send(map[string]any{"type": "vote", "id": id, "step": 1, "value": 1 + i%7})
		wg.Go(func() {
			p.awaitAck(id)
			acked <- time.Now()
		})
		if i == 25 {
			for range 25 {
				<-acked
			}
			if err := nodes[0].cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	killed := time.Now()
	wg.Wait()
	close(acked)
	var last time.Time
	for at := range acked {
		if at.After(last) {
			last = at
		}
	}
	t.Logf("every vote acknowledged %.1f s after the kill", last.Sub(killed).Seconds())
	if took := last.Sub(killed); took > 12*time.Second {
		t.Errorf("the last vote was acknowledged %s after the kill; want the lease (5 s) and a few seconds", took)
	}

	// Nothing closed, nothing counted twice, the session goes on.
	for _, p := range append(clients, host, screen) {
		select {
		case _, ok := <-p.frames:
			if !ok {
				t.Errorf("%s: its socket closed with the owner", p.name)
			}
		default:
		}
	}
	if _, connected, voted := c.counts(nodes[2]); voted != phones || connected != phones {
		t.Errorf("after the failover: %d connected, %d voted; want %d each", connected, voted, phones)
	}
	failovers := 0.0
	for _, n := range nodes[1:] {
		failovers += n.metric(t, "quorum_cluster_failover_seconds_count")
	}
	if failovers != 2 {
		t.Errorf("the survivors' metrics count %v failovers, want one each", failovers)
	}
	host.send(map[string]any{"type": "action", "id": "reveal", "action": "reveal"})
	screen.await("the revealed results", func(f map[string]any) bool {
		r, _ := f["results"].(map[string]any)
		return r != nil && r["n"] == float64(phones)
	})
}

// natsServer runs a NATS server of the test's own, which the test may kill
// and start again; the machine's nats-server binary, or skip (fail with
// QUORUM_REQUIRE_CLUSTER=1) without one.
type natsServer struct {
	t    *testing.T
	bin  string
	addr string
	cmd  *exec.Cmd
}

func startNATS(t *testing.T) *natsServer {
	t.Helper()
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		bin = "/usr/sbin/nats-server"
	}
	if _, err := os.Stat(bin); err != nil {
		msg := "no nats-server binary: apt-get install nats-server; QUORUM_REQUIRE_CLUSTER=1 makes this a failure"
		if os.Getenv("QUORUM_REQUIRE_CLUSTER") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	s := &natsServer{t: t, bin: bin, addr: freeAddr(t)}
	s.start()
	t.Cleanup(s.kill)
	return s
}

func (s *natsServer) url() string { return "nats://" + s.addr }

func (s *natsServer) start() {
	s.t.Helper()
	host, port, _ := net.SplitHostPort(s.addr)
	s.cmd = exec.Command(s.bin, "-a", host, "-p", port)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", s.addr); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("nats-server did not come up on %s", s.addr)
		}
	}
}

func (s *natsServer) kill() {
	if s.cmd != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		s.cmd = nil
	}
}

// NATS killed and started again while phones vote and the host reveals:
// the nodes reconnect, every vote is acknowledged and counted once, and the
// phones and the screen on other nodes than the owner show the reveal
// within a few seconds of NATS's return.
func TestNATSRestartConverges(t *testing.T) {
	bus := startNATS(t)
	c := startCluster(t, bus.url())
	nodes := c.nodes
	host, screen := c.host(nodes[0]), c.screen(nodes[2])
	const phones = 20
	clients := c.phones(phones, func(i int) *node { return nodes[1+i%2] }, func(i int) *node { return nodes[1+i%2] })
	act(host, map[string]any{"action": "start"})
	openQuestion(host, clients)

	var wg sync.WaitGroup
	for i, p := range clients {
		id := fmt.Sprintf("bus-%d", i)
		p.send(map[string]any{"type": "vote", "id": id, "step": 1, "value": 1 + i%7})
		wg.Go(func() { p.awaitAck(id) })
		if i == phones/2 {
			bus.kill()
		}
	}
	// A node cut off from NATS is not ready: a load balancer sends its
	// clients elsewhere.
	eventually(t, "n2's /readyz 503 without NATS", func() bool { return readyz(nodes[1].addr) == http.StatusServiceUnavailable })
	// The host reveals while NATS is away: only its own node hears it.
	act(host, map[string]any{"action": "reveal"})
	time.Sleep(time.Second) // NATS stays away for a while
	bus.start()
	back := time.Now()
	eventually(t, "n2's /readyz 200 with NATS back", func() bool { return readyz(nodes[1].addr) == http.StatusOK })
	wg.Wait()
	for _, p := range append(clients, screen) {
		p.sawOrAwait("the reveal after NATS came back", func(f map[string]any) bool {
			st, _ := f["step"].(map[string]any)
			return f["type"] == "state" && st != nil && st["revealed"] == true
		})
	}
	t.Logf("every phone and the screen showed the reveal %.1f s after NATS came back", time.Since(back).Seconds())
	if took := time.Since(back); took > 10*time.Second {
		t.Errorf("the other nodes' clients caught up %s after NATS came back; want a few seconds", took)
	}
	if _, connected, voted := c.counts(nodes[1]); connected != phones || voted != phones {
		t.Errorf("after NATS came back: %d connected, %d voted; want %d each", connected, voted, phones)
	}
}

// A node that dies with phones on it stops counting them: the owner forgets
// a silent node's connections within a few seconds, also when the node is
// restarted under the same name at once.
func TestADeadNodesPhonesStopCounting(t *testing.T) {
	c := startCluster(t, "")
	nodes := c.nodes
	c.own(nodes[0])
	c.phones(12, func(int) *node { return nodes[0] }, func(i int) *node { return nodes[1+i%2] })
	connected := func() int {
		_, n, _ := c.counts(nodes[0])
		return n
	}
	if n := connected(); n != 12 {
		t.Fatalf("%d connected before the kill, want 12", n)
	}
	if err := nodes[2].cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	// Restarted at once under the same name, as an orchestrator does: it
	// is a new node, and the dead process's phones are gone all the same.
	startNode(t, c.bin, nodes[2].name, c.db, c.natsURL)
	for connected() != 6 {
		if time.Since(killed) > 10*time.Second {
			t.Fatalf("%d still connected 10 s after a node with 6 of 12 phones died", connected())
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("the dead node's phones were forgotten %.1f s after the kill", time.Since(killed).Seconds())
}
