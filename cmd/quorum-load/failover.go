package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/fasthttp/websocket"
)

// The failover series (--failover N): three nodes of a cluster, started
// here from --quorum on --database-url and --nats-url, serve one session to
// -n phones spread over them. N times, in the middle of a vote wave, the
// session's owner is killed with SIGKILL and started again at once (a new
// node id on the same address, as a restarted pod); the phones whose node
// died reconnect to the next node with their token and send their
// unacknowledged vote again, as docs/protocol.md tells a client to. Each
// cycle records the time from the kill to the first acknowledged vote that
// was sent after it (only a new owner can acknowledge one), and, through
// the export, that every acknowledged vote is counted once and no other is.

// Failover settings.
const (
	failoverNodes    = 3
	failoverSettle   = 30 * time.Second // the most a wave's last votes may take after it
	failoverReady    = 20 * time.Second // a node's start, to /readyz
	failoverRetry    = 250 * time.Millisecond
	failoverHostTry  = 20 * time.Second // a host command during a failover
	failoverKillPart = 3                // the kill comes a third of the way into the wave
)

// FailoverResult is the whole series.
type FailoverResult struct {
	Phones   int             `json:"phones"`
	WindowMs float64         `json:"windowMs"` // each wave's votes spread over this long
	Cycles   []FailoverCycle `json:"cycles"`
	// Over every cycle.
	MaxFirstAckS float64  `json:"maxFirstAckS"`
	Lost         int      `json:"lost"`         // acknowledged votes the export lacks
	CountedTwice int      `json:"countedTwice"` // a phone's vote on a step more than once
	AllExact     bool     `json:"allExact"`
	Failures     []string `json:"failures"`
}

// FailoverCycle is one kill and what followed.
type FailoverCycle struct {
	Step        int     `json:"step"`
	Killed      string  `json:"killed"`   // the owner's node id
	NewOwner    string  `json:"newOwner"` // the node that owned the session next
	FirstAckS   float64 `json:"firstAckS"`
	AllAckedS   float64 `json:"allAckedS"`   // kill to the last ack of the wave's votes sent before then, or up to the first ack after
	AckedBefore int     `json:"ackedBefore"` // this wave's votes acknowledged before the kill
	Acked       int     `json:"acked"`       // this wave's votes acknowledged in all
	Failed      int     `json:"failed"`
	Reconnects  int     `json:"reconnects"` // phones that connected again
	Exported    int     `json:"exported"`   // votes on every step so far in the export
	Lost        int     `json:"lost"`
	Twice       int     `json:"twice"`
	Exact       bool    `json:"exact"`
}

type failoverConfig struct {
	cycles      int
	bin         string
	databaseURL string
	natsURL     string
	window      time.Duration
}

// checkFailover refuses a failover series that would leave this machine.
func (f *failoverConfig) check() error {
	switch {
	case f.bin == "":
		return errors.New("--failover needs --quorum, the quorum binary to start the nodes from")
	case f.databaseURL == "" || f.natsURL == "":
		return errors.New("--failover needs --database-url and --nats-url")
	case f.window < time.Second:
		return errors.New("--failover-window must be at least 1s")
	}
	for _, raw := range []string{f.databaseURL, f.natsURL} {
		u, err := url.Parse(raw)
		if err != nil {
			return err
		}
		ip := net.ParseIP(u.Hostname())
		if ip == nil || !ip.IsLoopback() {
			return fmt.Errorf("%s: the failover series runs on loopback addresses only", u.Redacted())
		}
	}
	return nil
}

// fnode is one node process.
type fnode struct {
	id, addr string
	cmd      *exec.Cmd
	logs     *syncLog
	exited   chan struct{}
}

// syncLog keeps a node's JSON log lines.
type syncLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *syncLog) take(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		l.mu.Lock()
		l.lines = append(l.lines, sc.Text())
		l.mu.Unlock()
	}
}

// ownedEpoch is the highest epoch with which the node says it took session.
func (l *syncLog) ownedEpoch(session string) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var best int64
	for _, line := range l.lines {
		if !strings.Contains(line, `"owning a session"`) {
			continue
		}
		var e struct {
			Session string `json:"session"`
			Epoch   int64  `json:"epoch"`
		}
		if json.Unmarshal([]byte(line), &e) == nil && e.Session == session {
			best = max(best, e.Epoch)
		}
	}
	return best
}

type failover struct {
	cfg      failoverConfig
	n        int
	timeout  time.Duration
	progress io.Writer
	addrs    [failoverNodes]string // node i's address, the same across restarts
	mu       sync.Mutex
	nodes    [failoverNodes]*fnode // the processes now, under mu
	restarts int
	apis     [failoverNodes]*api
	sess     created
	phones   []*fphone
	res      *FailoverResult
	// expected[step][phone] is the phone's acknowledged value on the step.
	expected map[int]map[int]int
}

func (f *failover) logf(format string, args ...any) {
	fmt.Fprintf(f.progress, "quorum-load failover: "+format+"\n", args...)
}

// runFailover runs the series and stops every node it started.
func runFailover(ctx context.Context, cfg failoverConfig, n int, timeout time.Duration, progress io.Writer) (*FailoverResult, error) {
	f := &failover{cfg: cfg, n: n, timeout: timeout, progress: progress, expected: map[int]map[int]int{},
		res: &FailoverResult{Phones: n, WindowMs: ms(int64(cfg.window)), AllExact: true, Failures: []string{}}}
	defer f.stopAll()
	for i := range failoverNodes {
		addr, err := freeLoopbackAddr()
		if err != nil {
			return nil, err
		}
		f.addrs[i] = addr
		if f.nodes[i], err = f.start(fmt.Sprintf("n%d", i+1), addr); err != nil {
			return nil, err
		}
		f.apis[i] = newAPI("http://"+addr, nil, 8, timeout)
	}
	if err := f.setUp(ctx); err != nil {
		return nil, err
	}
	defer func() {
		for _, p := range f.phones {
			p.stop()
		}
	}()
	for c := range cfg.cycles {
		if err := f.cycle(ctx, c); err != nil {
			return f.res, fmt.Errorf("cycle %d: %w", c+1, err)
		}
	}
	return f.res, nil
}

func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// start runs a node process and waits for it to be ready.
func (f *failover) start(id, addr string) (*fnode, error) {
	nd := &fnode{id: id, addr: addr, logs: &syncLog{}, exited: make(chan struct{})}
	nd.cmd = exec.Command(f.cfg.bin, "--addr", addr, "--database-url", f.cfg.databaseURL, "--nats-url", f.cfg.natsURL,
		"--node-id", id, "--log-format", "json", "--data", os.TempDir())
	out, err := nd.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	nd.cmd.Stderr = nd.cmd.Stdout
	if err := nd.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start node %s: %w", id, err)
	}
	go func() {
		nd.logs.take(out)
		_ = nd.cmd.Wait()
		close(nd.exited)
	}()
	deadline := time.Now().Add(failoverReady)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nd, nil
			}
		}
		select {
		case <-nd.exited:
			return nil, fmt.Errorf("node %s exited at start: %s", id, nd.logs.tail())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			nd.kill()
			return nil, fmt.Errorf("node %s not ready within %s", id, failoverReady)
		}
	}
}

func (l *syncLog) tail() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines[max(0, len(l.lines)-5):], "\n")
}

func (nd *fnode) kill() {
	_ = nd.cmd.Process.Kill()
	<-nd.exited
}

func (f *failover) stopAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, nd := range f.nodes {
		if nd != nil {
			nd.kill()
		}
	}
}

// failoverAgenda has a choice step per cycle, and one more.
func failoverAgenda(cycles int) map[string]any {
	steps := make([]map[string]any, cycles+1)
	for i := range steps {
		steps[i] = map[string]any{"kind": "choice", "title": fmt.Sprintf("Kill %d", i+1), "options": []string{"A", "B", "C", "D"}}
	}
	return map[string]any{"title": "quorum-load failover", "steps": steps}
}

// setUp creates the session on the first node, which makes it the owner,
// and joins and connects the phones, phone i on node i mod 3.
func (f *failover) setUp(ctx context.Context) error {
	// Names visible: the export's names ("fo 7") tell which phone cast each vote.
	if err := f.apis[0].call(ctx, "POST", "/api/sessions", "", map[string]any{"agenda": failoverAgenda(f.cfg.cycles), "title": "quorum-load failover", "names": "visible"}, &f.sess); err != nil {
		return fmt.Errorf("create a session: %w", err)
	}
	if _, err := f.apis[0].act(ctx, f.sess.ID, f.sess.HostKey, map[string]any{"action": "start"}); err != nil {
		return err
	}
	f.logf("session %s; %d phones joining over %d nodes", f.sess.ID, f.n, failoverNodes)
	f.phones = make([]*fphone, f.n)
	errs := make([]error, f.n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range f.phones {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			node := i % failoverNodes
			j, err := f.apis[node].join(ctx, f.sess.Code, fmt.Sprintf("fo %d", i))
			if err != nil {
				errs[i] = err
				return
			}
			p := &fphone{f: f, i: i, node: node, session: f.sess.ID, token: j.Token, connected: make(chan struct{}, 1)}
			f.phones[i] = p
			errs[i] = p.connect(ctx)
			go p.run()
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// addr is the node URL a phone connects to next.
func (f *failover) url(node int) string { return "http://" + f.addrs[node] }

// owner is the node whose log shows the highest epoch for the session.
func (f *failover) owner() (int, int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	best, epoch := -1, int64(0)
	for i, nd := range f.nodes {
		select {
		case <-nd.exited:
			continue
		default:
		}
		if e := nd.logs.ownedEpoch(f.sess.ID); e > epoch {
			best, epoch = i, e
		}
	}
	return best, epoch
}

// act runs a host command through any node that answers, retrying while
// a failover is under way.
func (f *failover) act(ctx context.Context, cmd map[string]any) error {
	deadline := time.Now().Add(failoverHostTry)
	for k := 0; ; k++ {
		_, err := f.apis[k%failoverNodes].act(ctx, f.sess.ID, f.sess.HostKey, cmd)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("host %v: %w", cmd["action"], err)
		}
		time.Sleep(failoverRetry)
	}
}

// cycle opens voting on step c, kills the owner a third of the way into the
// wave, starts it again, and checks the export once every vote is answered.
func (f *failover) cycle(ctx context.Context, c int) error {
	step := c
	if err := f.act(ctx, map[string]any{"action": "goto", "step": step}); err != nil {
		return err
	}
	if err := f.act(ctx, map[string]any{"action": "open"}); err != nil {
		return err
	}
	for _, p := range f.phones {
		if !p.awaitOpen(step, f.timeout) {
			return fmt.Errorf("phone %d never saw voting open on step %d", p.i, step)
		}
	}
	owner, epoch := f.owner()
	if owner < 0 {
		return errors.New("no node says it owns the session")
	}
	f.mu.Lock()
	killed := f.nodes[owner]
	f.mu.Unlock()
	reconnectsBefore := f.reconnects()

	order := rand.Perm(len(f.phones))
	start := time.Now()
	votes := make([]*fvote, len(f.phones))
	for k, i := range order {
		votes[i] = &fvote{id: fmt.Sprintf("f%d-%d", step, i), step: step, value: (i + c) % 4,
			at: start.Add(f.cfg.window * time.Duration(k) / time.Duration(len(order))), done: make(chan struct{})}
	}
	for i, p := range f.phones {
		go p.vote(votes[i])
	}
	time.Sleep(time.Until(start.Add(f.cfg.window / failoverKillPart)))
	_ = killed.cmd.Process.Kill()
	killAt := time.Now()
	f.logf("cycle %d: killed %s, the owner (epoch %d), %.1f s into the wave", c+1, killed.id, epoch, killAt.Sub(start).Seconds())
	restarted := make(chan error, 1)
	f.restarts++
	id := fmt.Sprintf("%s-r%d", strings.SplitN(killed.id, "-", 2)[0], f.restarts)
	go func() {
		<-killed.exited
		nd, err := f.start(id, killed.addr)
		if err == nil {
			f.mu.Lock()
			f.nodes[owner] = nd
			f.mu.Unlock()
		}
		restarted <- err
	}()

	deadline := time.After(f.cfg.window + failoverSettle)
	for _, v := range votes {
		select {
		case <-v.done:
		case <-deadline:
		}
	}
	if err := <-restarted; err != nil {
		return err
	}
	cy := FailoverCycle{Step: step, Killed: killed.id}
	var firstAfter, lastBefore time.Time
	kill := killAt.UnixNano()
	for i, v := range votes {
		sent, ack, errMsg := v.result()
		if ack == 0 {
			cy.Failed++
			f.res.Failures = append(f.res.Failures, fmt.Sprintf("cycle %d: phone %d's vote: %s", c+1, i, errMsg))
			continue
		}
		cy.Acked++
		if f.expected[step] == nil {
			f.expected[step] = map[int]int{}
		}
		f.expected[step][i] = v.value
		switch {
		case ack < kill:
			cy.AckedBefore++
		case sent > kill:
			if t := time.Unix(0, ack); firstAfter.IsZero() || t.Before(firstAfter) {
				firstAfter = t
			}
		default:
			if t := time.Unix(0, ack); t.After(lastBefore) {
				lastBefore = t
			}
		}
	}
	if !firstAfter.IsZero() {
		cy.FirstAckS = firstAfter.Sub(killAt).Seconds()
	} else {
		f.res.Failures = append(f.res.Failures, fmt.Sprintf("cycle %d: no vote sent after the kill was acknowledged", c+1))
	}
	if !lastBefore.IsZero() {
		cy.AllAckedS = lastBefore.Sub(killAt).Seconds()
	}
	cy.Reconnects = f.reconnects() - reconnectsBefore
	if o, _ := f.owner(); o >= 0 {
		f.mu.Lock()
		cy.NewOwner = f.nodes[o].id
		f.mu.Unlock()
	}
	if err := f.act(ctx, map[string]any{"action": "close"}); err != nil {
		return err
	}
	if err := f.checkExport(ctx, &cy); err != nil {
		return err
	}
	f.res.Cycles = append(f.res.Cycles, cy)
	f.res.MaxFirstAckS = max(f.res.MaxFirstAckS, cy.FirstAckS)
	// Each check covers every step so far: a vote lost stays lost.
	f.res.Lost = max(f.res.Lost, cy.Lost)
	f.res.CountedTwice = max(f.res.CountedTwice, cy.Twice)
	f.res.AllExact = f.res.AllExact && cy.Exact
	f.logf("cycle %d: first ack %.2f s after the kill, every earlier vote answered %.2f s after it; %d acked (%d before the kill), %d failed; lost %d, twice %d, exact %v; new owner %s",
		c+1, cy.FirstAckS, cy.AllAckedS, cy.Acked, cy.AckedBefore, cy.Failed, cy.Lost, cy.Twice, cy.Exact, cy.NewOwner)
	return nil
}

func (f *failover) reconnects() int {
	n := 0
	for _, p := range f.phones {
		n += p.reconnectCount()
	}
	return n
}

// checkExport reads the export through the first node that answers and
// holds every step's votes so far against the acknowledged ones: each
// phone's acknowledged vote is there with its value (else lost), no phone
// has two on a step (counted twice), and no vote is there that was not
// acknowledged.
func (f *failover) checkExport(ctx context.Context, cy *FailoverCycle) error {
	var doc struct {
		Format       string `json:"format"`
		Participants []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"participants"`
		Votes []struct {
			Step        int             `json:"step"`
			Participant string          `json:"participant"`
			Value       json.RawMessage `json:"value"`
		} `json:"votes"`
	}
	var err error
	for k := range failoverNodes {
		if err = f.apis[k].call(ctx, "GET", "/api/sessions/"+f.sess.ID+"/export.json", f.sess.HostKey, nil, &doc); err == nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("read the export: %w", err)
	}
	if doc.Format != exportFormat {
		return fmt.Errorf("the export is %q; this reads %s", doc.Format, exportFormat)
	}
	phoneOf := map[string]int{}
	for _, p := range doc.Participants {
		var i int
		if _, err := fmt.Sscanf(p.Name, "fo %d", &i); err == nil {
			phoneOf[p.ID] = i
		}
	}
	type key struct{ step, phone int }
	got := map[key]int{}
	seen := map[key]int{}
	for _, v := range doc.Votes {
		if v.Step > cy.Step {
			continue
		}
		i, ok := phoneOf[v.Participant]
		if !ok {
			return fmt.Errorf("the export has a vote of %s, who is not one of the phones", v.Participant)
		}
		var value int
		if err := json.Unmarshal(v.Value, &value); err != nil {
			return fmt.Errorf("the export has a vote with the value %s", v.Value)
		}
		k := key{v.Step, i}
		seen[k]++
		got[k] = value
		cy.Exported++
	}
	cy.Exact = true
	for k, n := range seen {
		if n > 1 {
			cy.Twice += n - 1
		}
		if _, ok := f.expected[k.step][k.phone]; !ok {
			cy.Exact = false
			f.res.Failures = append(f.res.Failures, fmt.Sprintf("step %d: the export counts phone %d's vote, which was never acknowledged", k.step, k.phone))
		}
	}
	for step, phones := range f.expected {
		for i, value := range phones {
			if v, ok := got[key{step, i}]; !ok || v != value {
				cy.Lost++
			}
		}
	}
	if cy.Lost > 0 || cy.Twice > 0 {
		cy.Exact = false
		f.res.Failures = append(f.res.Failures, fmt.Sprintf("step %d: %d acknowledged votes missing or changed, %d counted twice", cy.Step, cy.Lost, cy.Twice))
	}
	return nil
}

// fvote is one phone's vote of a wave.
type fvote struct {
	id    string
	step  int
	value int
	at    time.Time // when to send it

	mu   sync.Mutex
	sent int64 // first sent
	ack  int64
	err  string
	done chan struct{}
}

func (v *fvote) result() (sent, ack int64, err string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.ack == 0 && v.err == "" {
		return v.sent, 0, "no answer in time"
	}
	return v.sent, v.ack, v.err
}

// fphone is a phone that reconnects when its node goes away, to the next
// node, and sends its unacknowledged vote again, as a real one does.
type fphone struct {
	f       *failover
	i       int
	session string
	token   string

	mu        sync.Mutex
	node      int
	ws        *websocket.Conn
	step      int
	voting    string
	inflight  *fvote
	reconnect int
	stopped   bool
	connected chan struct{} // a new connection is up
}

func (p *fphone) hello() hello {
	return hello{Type: "hello", Role: "participant", Session: p.session, Token: p.token}
}

// connect opens a connection to the phone's node, or the next ones.
func (p *fphone) connect(ctx context.Context) error {
	deadline := time.Now().Add(p.f.timeout)
	for {
		p.mu.Lock()
		node := p.node
		p.mu.Unlock()
		ws, v, _, err := connect(ctx, newWSDialer("", 5*time.Second), wsURL(p.f.url(node)), p.hello(), 5*time.Second)
		if err == nil {
			p.mu.Lock()
			p.ws, p.step, p.voting = ws, v.Step, v.Voting
			in := p.inflight
			p.mu.Unlock()
			if in != nil {
				p.write(in)
			}
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("phone %d: %w", p.i, err)
		}
		p.mu.Lock()
		p.node = (p.node + 1) % failoverNodes
		p.mu.Unlock()
		time.Sleep(failoverRetry)
	}
}

// run reads the phone's frames and reconnects when the connection drops.
func (p *fphone) run() {
	for {
		p.mu.Lock()
		ws := p.ws
		p.mu.Unlock()
		for {
			_, data, err := ws.ReadMessage()
			at := time.Now().UnixNano()
			if err != nil {
				break
			}
			p.frame(data, at)
		}
		p.mu.Lock()
		if p.stopped {
			p.mu.Unlock()
			return
		}
		p.ws = nil
		p.reconnect++
		p.node = (p.node + 1) % failoverNodes
		p.mu.Unlock()
		time.Sleep(failoverRetry)
		if err := p.connect(context.Background()); err != nil {
			p.mu.Lock()
			if in := p.inflight; in != nil {
				in.mu.Lock()
				in.err = "reconnect: " + err.Error()
				in.mu.Unlock()
				p.inflight = nil
				close(in.done)
			}
			p.mu.Unlock()
			return
		}
	}
}

func (p *fphone) frame(data []byte, at int64) {
	switch frameType(data) {
	case "state":
		if v, err := phoneState(data); err == nil {
			p.mu.Lock()
			p.step, p.voting = v.Step, v.Voting
			p.mu.Unlock()
		}
	case "ack":
		f := phoneReply(data)
		p.mu.Lock()
		in := p.inflight
		if in != nil && in.id == f.ID {
			p.inflight = nil
		} else {
			in = nil
		}
		p.mu.Unlock()
		if in != nil {
			in.mu.Lock()
			in.ack = at
			in.mu.Unlock()
			close(in.done)
		}
	case "error":
		f := phoneReply(data)
		p.mu.Lock()
		in := p.inflight
		p.mu.Unlock()
		if in == nil || in.id != f.ID {
			return
		}
		if f.Code == "unavailable" {
			// The owner is away: send it again shortly, as a client does.
			time.AfterFunc(failoverRetry, func() { p.write(in) })
			return
		}
		p.mu.Lock()
		p.inflight = nil
		p.mu.Unlock()
		in.mu.Lock()
		in.err = f.Code + ": " + f.Message
		in.mu.Unlock()
		close(in.done)
	}
}

// vote sends v at its time and keeps it in flight until its answer.
func (p *fphone) vote(v *fvote) {
	time.Sleep(time.Until(v.at))
	v.mu.Lock()
	v.sent = time.Now().UnixNano()
	v.mu.Unlock()
	p.mu.Lock()
	p.inflight = v
	p.mu.Unlock()
	p.write(v)
}

// write sends v if it is still in flight and the phone is connected; a
// phone without a connection sends it once it has one again.
func (p *fphone) write(v *fvote) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ws == nil || p.inflight != v {
		return
	}
	_ = p.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	var buf [64]byte
	_ = p.ws.WriteMessage(websocket.TextMessage, appendVote(buf[:0], vote{Type: "vote", ID: v.id, Step: v.step, Value: v.value}))
}

// awaitOpen waits until the phone's latest state shows voting open on step.
func (p *fphone) awaitOpen(step int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		ok := p.step == step && p.voting == "open"
		p.mu.Unlock()
		if ok {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func (p *fphone) reconnectCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reconnect
}

func (p *fphone) stop() {
	p.mu.Lock()
	p.stopped = true
	ws := p.ws
	p.mu.Unlock()
	if ws != nil {
		ws.Close()
	}
}

// print writes the series as a table, then the verdicts.
func (r *FailoverResult) print(out io.Writer) {
	fmt.Fprintf(out, "quorum-load failover: %d phones on 3 nodes, each wave's votes spread over %.1f s, the owner killed (SIGKILL) a third of the way in and started again\n\n", r.Phones, r.WindowMs/1000)
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "cycle\tkilled\tnew owner\tkill→first ack\tkill→earlier votes answered\tacked (before kill)\tfailed\treconnects\texported\tlost\ttwice\texact")
	for i, c := range r.Cycles {
		fmt.Fprintf(w, "%d\t%s\t%s\t%.2f s\t%.2f s\t%d (%d)\t%d\t%d\t%d\t%d\t%d\t%v\n",
			i+1, c.Killed, c.NewOwner, c.FirstAckS, c.AllAckedS, c.Acked, c.AckedBefore, c.Failed, c.Reconnects, c.Exported, c.Lost, c.Twice, c.Exact)
	}
	w.Flush()
	fmt.Fprintf(out, "\nworst kill→first ack %.2f s (target ≤ 7 s); acknowledged votes lost %d, counted twice %d; exact every time: %v\n",
		r.MaxFirstAckS, r.Lost, r.CountedTwice, r.AllExact)
	fmt.Fprintln(out, "- kill→first ack: from the kill to the first ack of a vote sent after it, which only a new owner can give.")
	fmt.Fprintln(out, "- kill→earlier votes answered: to the last ack of the votes sent before the kill and answered after it (0: none was waiting).")
	fmt.Fprintln(out, "- after each cycle the export (export.json with the host key) is read: every acknowledged vote of every step so far must be there with its value, none twice, none unacknowledged.")
	for _, f := range r.Failures {
		fmt.Fprintf(out, "FAILURE: %s\n", f)
	}
}

// ok reports whether the series met its checks.
func (r *FailoverResult) ok() bool {
	return len(r.Failures) == 0 && r.AllExact && r.Lost == 0 && r.CountedTwice == 0 && !slices.ContainsFunc(r.Cycles, func(c FailoverCycle) bool { return c.FirstAckS == 0 })
}
