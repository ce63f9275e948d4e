package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"
)

// workerMain runs this process as a worker: commands on stdin, reports on
// stdout, complaints on stderr.
func workerMain() int {
	if _, err := raiseFileLimit(); err != nil {
		fmt.Fprintln(os.Stderr, "quorum-load worker:", err)
	}
	if err := serveWorker(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quorum-load worker:", err)
		return 1
	}
	return 0
}

// serveWorker answers commands until its input ends, then closes every
// connection it holds.
func serveWorker(in io.Reader, out io.Writer) error {
	dec := json.NewDecoder(in)
	enc := json.NewEncoder(out)
	var w *worker
	defer func() {
		if w != nil {
			w.close()
		}
	}()
	for {
		var cmd command
		if err := dec.Decode(&cmd); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read a command: %w", err)
		}
		var rep report
		switch {
		case cmd.Cmd == "setup" && cmd.Setup != nil && w == nil:
			w = newWorker(*cmd.Setup)
		case w == nil:
			rep.Err = "the first command must be setup"
		case cmd.Cmd == "join":
			rep.Join = w.join()
		case cmd.Cmd == "arm" && cmd.Await != nil:
			w.arm(*cmd.Await)
		case cmd.Cmd == "await" && cmd.Await != nil:
			rep.Seen, rep.Node = w.await(*cmd.Await)
		case cmd.Cmd == "vote" && cmd.Vote != nil:
			rep.Votes = w.vote(*cmd.Vote)
		default:
			rep.Err = fmt.Sprintf("unknown command %q", cmd.Cmd)
		}
		if err := enc.Encode(rep); err != nil {
			return fmt.Errorf("write a report: %w", err)
		}
	}
}

// worker holds a slice of the participants.
type worker struct {
	setup   workerSetup
	apis    []*api              // one per node
	dialers []*websocket.Dialer // one per source address
	wsURLs  []string            // one per node
	ps      []*participant      // the connected ones, by index
	armed   *awaiting           // what arm armed the participants for, until the await
}

func newWorker(s workerSetup) *worker {
	w := &worker{setup: s}
	for _, u := range s.URLs {
		w.apis = append(w.apis, newAPI(u, s.Sources, s.Concurrency, s.Timeout))
		w.wsURLs = append(w.wsURLs, wsURL(u))
	}
	for _, src := range s.Sources {
		w.dialers = append(w.dialers, newWSDialer(src, s.Timeout))
	}
	if len(w.dialers) == 0 {
		w.dialers = []*websocket.Dialer{newWSDialer("", s.Timeout)}
	}
	return w
}

// join joins and connects every participant of the worker, Concurrency at
// a time, as phones do: open the WebSocket and join in the hello (or, with
// --join http, POST /api/join first and say hello with the token),
// wait for the state.
func (w *worker) join() *joinReport {
	ctx, cancel := context.WithTimeout(context.Background(), w.setup.Timeout)
	defer cancel()
	n := w.setup.Count
	ps := make([]*participant, n)
	lat := make([]int64, n)
	req := make([]int64, n)
	errs := make([]error, n)
	rep := &joinReport{Start: time.Now().UnixNano()}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(w.setup.Concurrency, n) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				start := time.Now()
				ps[i], req[i], errs[i] = w.joinOne(ctx, w.setup.First+i)
				lat[i] = int64(time.Since(start))
			}
		})
	}
	wg.Wait()
	// Phones move on from their join request; idle keep-alive connections
	// would only blur the server's memory per participant.
	for _, a := range w.apis {
		a.closeIdle()
	}

	var errMsgs []string
	for i, p := range ps {
		if p == nil {
			rep.Failed++
			errMsgs = append(errMsgs, errs[i].Error())
			continue
		}
		rep.OK++
		rep.LatencyNs = append(rep.LatencyNs, lat[i])
		rep.RequestNs = append(rep.RequestNs, req[i])
		rep.End = max(rep.End, p.connectedAt)
		w.ps = append(w.ps, p)
	}
	rep.Errors = errorKinds(errMsgs)
	return rep
}

// joinOne joins and connects one participant; it also returns how long the
// join request took (0 when it joined in its hello).
func (w *worker) joinOne(ctx context.Context, index int) (*participant, int64, error) {
	name := fmt.Sprintf("load %d", index)
	// A token of its own, as the phone page sends: a join retried after a
	// lost welcome would be the same participant.
	h := hello{Type: "hello", Role: "participant", Code: w.setup.Code, Name: name, Token: rand.Text() + rand.Text()}
	node := index % len(w.setup.URLs)
	var requested int64
	if !w.setup.JoinInHello {
		start := time.Now()
		j, err := w.apis[node].join(ctx, w.setup.Code, name)
		if err != nil {
			return nil, 0, err
		}
		requested = int64(time.Since(start))
		h = hello{Type: "hello", Role: "participant", Session: j.SessionID, Token: j.Token}
	}
	ws, state, at, err := connect(ctx, w.dialers[index%len(w.dialers)], w.wsURLs[node], h, w.setup.Timeout)
	if err != nil {
		return nil, 0, err
	}
	p := &participant{index: index, node: node, ws: ws, connectedAt: at}
	p.record(state, at)
	go p.read()
	return p, requested, nil
}

// arm makes the participants' readers watch for a state that matches m,
// for the await that follows. A step change arms before the host's command
// goes out, so that looking at every participant once is not among the CPU
// the states' arrivals wait for.
func (w *worker) arm(m stateMatch) {
	w.armed = w.armAll(m)
}

// await waits until every connected participant has received a state frame
// that matches m, or the timeout, and returns each one's arrival (0: none)
// and node. Each reader checks its own arrivals against m as they come, and
// await only waits to be told that none is left: looking at ten thousand
// participants again and again while their states still came in took a
// tenth of the generator's CPU in a step change, cache lines passed back and
// forth between await's core and the readers'.
func (w *worker) await(m stateMatch) (seen []int64, nodes []int) {
	a := w.armed
	w.armed = nil
	if a == nil || a.match != m {
		if a != nil {
			w.disarmAll(a) // armed for another state: drop it
		}
		a = w.armAll(m)
	}
	deadline := time.NewTimer(w.setup.Timeout)
	defer deadline.Stop()
	select {
	case <-a.done:
	case <-deadline.C:
	}
	return w.disarmAll(a)
}

// armAll arms every participant for an await of m.
func (w *worker) armAll(m stateMatch) *awaiting {
	a := &awaiting{match: m, done: make(chan struct{})}
	// One more than the participants: a reader cannot finish the wait
	// before every participant has been armed.
	a.left.Store(int64(len(w.ps)) + 1)
	for _, p := range w.ps {
		p.arm(a)
	}
	a.settle()
	return a
}

// disarmAll disarms every participant and returns each one's arrival and node.
func (w *worker) disarmAll(a *awaiting) (seen []int64, nodes []int) {
	seen = make([]int64, len(w.ps))
	nodes = make([]int, len(w.ps))
	for i, p := range w.ps {
		seen[i], nodes[i] = p.disarm(), p.node
	}
	return seen, nodes
}

// awaiting is an await in progress: the state it waits for, and how many
// participants have not received it yet.
type awaiting struct {
	match stateMatch
	left  atomic.Int64
	done  chan struct{} // closed when none is left
}

// settle counts one participant out: it received the state or dropped.
func (a *awaiting) settle() {
	if a.left.Add(-1) == 0 {
		close(a.done)
	}
}

// vote runs one vote wave over the worker's participants: every one for
// first votes, the chosen share of those whose first vote was acknowledged
// for changes. Votes go out spread evenly over the window; the wave ends when
// every vote is answered or the timeout passes.
func (w *worker) vote(o voteOrder) []voteTiming {
	var sel []*participant
	for _, p := range w.ps {
		if !o.Change || p.hasVoted() && changes(p.index, o.Share) {
			sel = append(sel, p)
		}
	}
	if len(sel) == 0 {
		return nil
	}
	// A hall votes in no order of its own, and not in the order it joined,
	// which the server's participant ids follow: votes in join order would
	// fill the store's pages one after another as no hall does.
	mathrand.Shuffle(len(sel), func(i, j int) { sel[i], sel[j] = sel[j], sel[i] })
	timings := make([]voteTiming, len(sel))
	wv := &voteWave{done: make(chan struct{})}
	wv.left.Store(int64(len(sel)))
	votes := make([]vote, len(sel))
	for k, p := range sel {
		v := vote{Type: "vote", Step: o.Step}
		if o.Change {
			v.Value, v.ID = o.Target, fmt.Sprintf("c%d-%d", o.Step, p.index)
		} else {
			v.Value, v.ID = o.Values[p.index%len(o.Values)], fmt.Sprintf("v%d-%d", o.Step, p.index)
		}
		votes[k] = v
		timings[k] = voteTiming{P: p.index, Node: p.node, Value: v.Value}
	}
	// A few senders, each taking every senders-th vote in turn, rather than
	// a goroutine per vote: thousands of goroutines each growing a stack to
	// write one frame took a tenth of the generator's CPU in a burst, CPU
	// the server on the same cores then lacks. A vote's frame is far smaller
	// than a socket's buffer, so a send does not wait for the server.
	start := time.Now()
	senders := min(len(sel), voteSenders)
	for i := range senders {
		go func() {
			for k := i; k < len(sel); k += senders {
				at := start.Add(time.Duration(int64(o.Window) * int64(k) / int64(len(sel))))
				sel[k].send(wv, &timings[k], votes[k], at, w.setup.Timeout)
			}
		}()
	}
	select {
	case <-wv.done:
	case <-time.After(w.setup.Timeout):
	}
	wv.over.Store(true)
	out := make([]voteTiming, len(sel))
	for k, p := range sel {
		out[k] = p.settle(&timings[k])
	}
	return out
}

func (w *worker) close() {
	for _, p := range w.ps {
		p.close()
	}
}

// voteSenders is how many goroutines of a worker send a wave's votes.
const voteSenders = 32

// vote is the participant's vote frame.
type vote struct {
	Type  string `json:"type"`
	ID    string `json:"id"`
	Step  int    `json:"step"`
	Value int    `json:"value"`
}

// voteWave counts the votes of a wave still waiting for an answer.
type voteWave struct {
	left atomic.Int64
	done chan struct{} // closed when none is left
	over atomic.Bool   // the wave timed out: send nothing more
}

func (w *voteWave) finish() {
	if w.left.Add(-1) == 0 {
		close(w.done)
	}
}

// seenState is one state frame a participant received.
type seenState struct {
	at       int64
	step     int
	voting   string
	revealed bool
}

// participant is one phone: its connection, every state it saw and the vote
// it has in flight. Its reader goroutine and the worker share it under mu.
type participant struct {
	index       int
	node        int // index of its node in the URLs
	ws          *websocket.Conn
	connectedAt int64
	wmu         sync.Mutex // one writer at a time

	mu        sync.Mutex
	states    []seenState
	awaited   *awaiting // the await this participant's reader matches states for
	matchedAt int64     // when the awaited state arrived, 0 until it does
	inflight  *inflight // the vote waiting for its answer
	acked     bool      // a vote of this participant was acknowledged
	gone      bool      // the connection dropped
}

type inflight struct {
	id     string
	timing *voteTiming
	wave   *voteWave
}

// read takes the participant's frames until the connection drops. Each is
// read into one buffer, reused from frame to frame, and read with lookup:
// ten thousand readers share the server's cores.
func (p *participant) read() {
	var buf []byte
	for {
		var err error
		buf, err = readFrame(p.ws, buf)
		at := time.Now().UnixNano()
		if err != nil {
			p.drop(err)
			return
		}
		if bytes.HasPrefix(buf, resultsPrefix) {
			continue // live results after a reveal: the state already told the phone
		}
		switch typ := frameType(buf); typ {
		case "state":
			if v, err := phoneState(buf); err == nil {
				p.record(v, at)
			}
		case "ack", "error":
			f := phoneReply(buf)
			p.answer(typ, &f, at)
		}
	}
}

// frameGrowth is the least a frame buffer grows by: a phone's frames are a
// few hundred bytes to a kilobyte, so one or two steps fit them all.
const frameGrowth = 512

// readFrame reads the next message into buf's memory, growing it when the
// message does not fit, and returns the message.
func readFrame(ws *websocket.Conn, buf []byte) ([]byte, error) {
	_, r, err := ws.NextReader()
	if err != nil {
		return buf[:0], err
	}
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, frameGrowth)
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		switch {
		case err == io.EOF:
			return buf, nil
		case err != nil:
			return buf, err
		}
	}
}

func (p *participant) record(v view, at int64) {
	p.mu.Lock()
	st := seenState{at: at, step: v.Step, voting: v.Voting, revealed: v.Revealed}
	p.states = append(p.states, st)
	if a := p.awaited; a != nil && p.matchedAt == 0 && a.match.matches(st) {
		p.matchedAt = at
		a.settle()
	}
	p.mu.Unlock()
}

// arm makes the participant's reader watch for a's state, or counts it out
// of a at once: it received the state already, or it is gone.
func (p *participant) arm(a *awaiting) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.awaited, p.matchedAt = nil, 0
	// States come in order of arrival: only the last few can be after
	// match.After, and the first of those that matches counts.
	first := len(p.states)
	for first > 0 && p.states[first-1].at >= a.match.After {
		first--
	}
	for _, st := range p.states[first:] {
		if a.match.matches(st) {
			p.matchedAt = st.at
			a.settle()
			return
		}
	}
	if p.gone {
		a.settle()
		return
	}
	p.awaited = a
}

// disarm ends the participant's part in an await and returns the arrival
// of the state it waited for, 0 if none came.
func (p *participant) disarm() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	at := p.matchedAt
	p.awaited, p.matchedAt = nil, 0
	return at
}

func (p *participant) hasVoted() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.acked
}

// send sends a vote at the given time unless the wave is already over.
func (p *participant) send(wv *voteWave, t *voteTiming, v vote, at time.Time, timeout time.Duration) {
	time.Sleep(time.Until(at))
	p.mu.Lock()
	if wv.over.Load() {
		p.mu.Unlock()
		return
	}
	if p.gone {
		t.Err = "connection closed before the vote"
		p.mu.Unlock()
		wv.finish()
		return
	}
	p.inflight = &inflight{id: v.ID, timing: t, wave: wv}
	t.Sent = time.Now().UnixNano()
	p.mu.Unlock()

	var frame [64]byte
	p.wmu.Lock()
	_ = p.ws.SetWriteDeadline(time.Now().Add(timeout))
	err := p.ws.WriteMessage(websocket.TextMessage, appendVote(frame[:0], v))
	p.wmu.Unlock()
	if err != nil {
		p.resolve(v.ID, func(t *voteTiming) { t.Err = "send: " + err.Error() })
	}
}

// answer takes the server's ack or error of the vote in flight.
func (p *participant) answer(typ string, f *replyFrame, at int64) {
	if typ == "ack" {
		p.resolve(f.ID, func(t *voteTiming) { t.Ack = at })
		return
	}
	p.resolve(f.ID, func(t *voteTiming) { t.Err = f.Code + ": " + f.Message })
}

// resolve ends the vote in flight if its id is id.
func (p *participant) resolve(id string, set func(t *voteTiming)) {
	p.mu.Lock()
	in := p.inflight
	if in == nil || in.id != id {
		p.mu.Unlock()
		return
	}
	set(in.timing)
	if in.timing.Ack != 0 {
		p.acked = true
	}
	p.inflight = nil
	p.mu.Unlock()
	in.wave.finish()
}

func (p *participant) drop(err error) {
	p.mu.Lock()
	p.gone = true
	if a := p.awaited; a != nil && p.matchedAt == 0 {
		p.awaited = nil
		a.settle()
	}
	in := p.inflight
	p.inflight = nil
	if in != nil {
		in.timing.Err = "connection closed: " + err.Error()
	}
	p.mu.Unlock()
	if in != nil {
		in.wave.finish()
	}
}

// settle returns a vote's timing once its wave is over; a vote still in
// flight, or never sent, failed.
func (p *participant) settle(t *voteTiming) voteTiming {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inflight != nil && p.inflight.timing == t {
		p.inflight = nil
		t.Err = "no answer in time"
	}
	if t.Sent == 0 && t.Err == "" {
		t.Err = "not sent in time"
	}
	return *t
}

func (p *participant) close() {
	_ = p.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	p.ws.Close()
}
