package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"
)

// The parent and its workers speak JSON lines: the parent writes one command
// to a worker's stdin and reads one report from its stdout. Every time is
// in Unix nanoseconds from time.Now(): on one machine, processes share the
// realtime clock, so times from different processes can be compared (unless
// the clock is stepped during a run, which NTP does not do to a running one).

// command is one line from the parent to a worker.
type command struct {
	Cmd   string       `json:"cmd"` // setup, join, arm, await, vote
	Setup *workerSetup `json:"setup,omitempty"`
	Await *stateMatch  `json:"await,omitempty"` // arm and await
	Vote  *voteOrder   `json:"vote,omitempty"`
}

// workerSetup is a worker's share of the run.
type workerSetup struct {
	URLs        []string      `json:"urls"` // the nodes: participant i connects to URLs[i%len(URLs)]
	Code        string        `json:"code"`
	First       int           `json:"first"` // global index of the worker's first participant
	Count       int           `json:"count"`
	Sources     []string      `json:"sources"`
	Concurrency int           `json:"concurrency"` // joins in flight
	JoinInHello bool          `json:"joinInHello"` // else POST /api/join first
	Timeout     time.Duration `json:"timeout"`
}

// stateMatch picks the first state frame a participant received after After
// that shows Step (and, when set, Voting and Revealed).
type stateMatch struct {
	After    int64  `json:"after"`
	Step     int    `json:"step"`
	Voting   string `json:"voting,omitempty"`
	Revealed bool   `json:"revealed,omitempty"`
}

func (m *stateMatch) matches(s seenState) bool {
	return s.at >= m.After && s.step == m.Step && (m.Voting == "" || s.voting == m.Voting) && (!m.Revealed || s.revealed)
}

// voteOrder is a vote wave. First votes cycle through Values by participant
// index; changes go to Change, a value no first vote uses, so that the tally
// of Change counts the changes that have landed.
type voteOrder struct {
	Step   int           `json:"step"`
	Change bool          `json:"change"`
	Values []int         `json:"values"` // first votes
	Target int           `json:"target"` // changed votes
	Share  float64       `json:"share"`  // of participants who change
	Window time.Duration `json:"window"` // spread the wave over this long
}

// changes reports whether the participant with global index i changes its
// vote: floor(n*share) of any n consecutive participants, evenly spread.
func changes(i int, share float64) bool {
	return int(float64(i+1)*share) > int(float64(i)*share)
}

// report is a worker's answer to one command.
type report struct {
	Err   string       `json:"err,omitempty"` // the command could not run at all
	Join  *joinReport  `json:"join,omitempty"`
	Seen  []int64      `json:"seen,omitempty"` // await: arrival per connected participant, 0 if none
	Node  []int        `json:"node,omitempty"` // await: the node (index into the URLs) of each of Seen
	Votes []voteTiming `json:"votes,omitempty"`
}

type joinReport struct {
	Start     int64    `json:"start"`
	End       int64    `json:"end"` // the last participant connected
	OK        int      `json:"ok"`
	Failed    int      `json:"failed"`
	LatencyNs []int64  `json:"latencyNs"` // join request to first state, per participant that made it
	RequestNs []int64  `json:"requestNs"` // of which the POST /api/join
	Errors    []string `json:"errors,omitempty"`
}

// voteTiming is one vote: when it went out and when its ack came back.
type voteTiming struct {
	P     int    `json:"p"`    // global participant index
	Node  int    `json:"node"` // index of the participant's node in the URLs
	Value int    `json:"value"`
	Sent  int64  `json:"sent"`
	Ack   int64  `json:"ack,omitempty"`
	Err   string `json:"err,omitempty"`
}

// workerConn is the parent's end of one worker, a process or, with one
// worker, a goroutine of the parent.
type workerConn struct {
	enc    *json.Encoder
	dec    *json.Decoder
	stdin  io.Closer
	stdout io.Closer
	done   chan error // the worker's exit
	proc   *os.Process
}

// startWorker runs a worker as a child process of this very binary.
func startWorker() (*workerConn, error) {
	cmd, stdin, stdout, err := startSelf(context.Background(), workerFlag)
	if err != nil {
		return nil, fmt.Errorf("start a worker: %w", err)
	}
	w := &workerConn{enc: json.NewEncoder(stdin), dec: json.NewDecoder(stdout), stdin: stdin, stdout: stdout, done: make(chan error, 1), proc: cmd.Process}
	go func() { w.done <- cmd.Wait() }()
	return w, nil
}

// startLocalWorker runs a worker in this process, over pipes, so that one
// process speaks the same protocol as many.
func startLocalWorker() *workerConn {
	cmdR, cmdW := io.Pipe()
	repR, repW := io.Pipe()
	w := &workerConn{enc: json.NewEncoder(cmdW), dec: json.NewDecoder(repR), stdin: cmdW, stdout: repR, done: make(chan error, 1)}
	go func() {
		err := serveWorker(cmdR, repW)
		repW.CloseWithError(io.EOF)
		cmdR.Close()
		w.done <- err
	}()
	return w
}

// do sends a command and waits for its report, at most timeout. A worker
// that did not answer is not asked again: the run stops.
func (w *workerConn) do(ctx context.Context, cmd command, timeout time.Duration) (report, error) {
	if err := w.enc.Encode(cmd); err != nil {
		return report{}, fmt.Errorf("worker %s: %w", cmd.Cmd, err)
	}
	type result struct {
		rep report
		err error
	}
	ch := make(chan result, 1)
	go func() {
		var r report
		err := w.dec.Decode(&r)
		ch <- result{r, err}
	}()
	select {
	case r := <-ch:
		switch {
		case r.err != nil:
			return report{}, fmt.Errorf("worker %s: %w", cmd.Cmd, r.err)
		case r.rep.Err != "":
			return report{}, fmt.Errorf("worker %s: %s", cmd.Cmd, r.rep.Err)
		}
		return r.rep, nil
	case <-time.After(timeout):
		return report{}, fmt.Errorf("worker %s: no report in %s", cmd.Cmd, timeout)
	case <-ctx.Done():
		return report{}, ctx.Err()
	}
}

// stop closes the worker's stdin, which makes it close its connections and
// exit; a worker stuck writing a report nobody reads is cut off, and a
// process that still does not exit is killed.
func (w *workerConn) stop() error {
	w.stdin.Close()
	select {
	case err := <-w.done:
		return err
	case <-time.After(10 * time.Second):
		w.stdout.Close()
		if w.proc != nil {
			_ = w.proc.Kill()
		}
		return errors.New("a worker did not stop within 10s")
	}
}

// pool is every worker of a run.
type pool struct {
	workers []*workerConn
	timeout time.Duration // the longest a command may take
}

// cpu is the CPU time the generator has used: this process's, and each
// worker process's.
func (p *pool) cpu() (cpuTime, error) {
	total, err := readCPU(os.Getpid())
	if err != nil {
		return cpuTime{}, err
	}
	for _, w := range p.workers {
		if w.proc == nil {
			continue // a worker in this process
		}
		t, err := readCPU(w.proc.Pid)
		if err != nil {
			return cpuTime{}, err
		}
		total = total.add(t)
	}
	return total, nil
}

func startPool(ctx context.Context, n int, local bool, setups []workerSetup, timeout time.Duration) (*pool, error) {
	p := &pool{timeout: timeout}
	for range n {
		var w *workerConn
		if local {
			w = startLocalWorker()
		} else {
			var err error
			if w, err = startWorker(); err != nil {
				p.stop()
				return nil, err
			}
		}
		p.workers = append(p.workers, w)
	}
	_, err := p.each(ctx, func(i int) command { return command{Cmd: "setup", Setup: &setups[i]} })
	if err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

// each sends every worker its command at once and gathers the reports.
func (p *pool) each(ctx context.Context, cmd func(i int) command) ([]report, error) {
	reps := make([]report, len(p.workers))
	errs := make([]error, len(p.workers))
	var wg sync.WaitGroup
	for i, w := range p.workers {
		wg.Go(func() { reps[i], errs[i] = w.do(ctx, cmd(i), p.timeout) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return reps, nil
}

func (p *pool) all(ctx context.Context, cmd command) ([]report, error) {
	return p.each(ctx, func(int) command { return cmd })
}

func (p *pool) stop() {
	for _, w := range p.workers {
		if err := w.stop(); err != nil {
			fmt.Fprintln(os.Stderr, "quorum-load:", err)
		}
	}
}

// startSelf runs this very binary as a child process in the role the flag
// names, talking over its stdin and stdout; its complaints go to ours.
func startSelf(ctx context.Context, roleFlag string) (*exec.Cmd, io.WriteCloser, io.ReadCloser, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("find this program: %w", err)
	}
	cmd := exec.CommandContext(ctx, exe, roleFlag)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, nil, err
	}
	return cmd, stdin, stdout, nil
}
