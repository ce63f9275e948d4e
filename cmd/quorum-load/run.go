package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"time"
)

// settleTime is how long the screen may take to show the final numbers once
// the last ack is in: many broadcast intervals (100 ms by default).
const settleTime = 5 * time.Second

// run drives one load test. Its phases:
//
//  1. join burst: every participant joins and connects, in the lobby;
//  2. vote wave: the host opens voting; every participant votes once, on a
//     step whose results are hidden, so the screen shows only how many voted;
//  3. reveal: the host reveals the step to the screen and the phones;
//  4. change wave: a share of the participants change their vote, now on a
//     revealed step, so the screen's tally shows each change;
//  5. exactness: the tally on the screen, in the host state and in the
//     JSON export against the acknowledged votes;
//  6. step change: the host moves on and every phone gets the new step;
//     then back and on again, --step-rounds moves in all;
//  7. paced wave: the host opens voting on that step, results hidden, and
//     every participant votes once, the votes spread evenly over --pace;
//     its count on the screen, in the host state and in the export is held
//     against the acknowledged votes too.
//
// Changes come after the reveal because a changed vote leaves the screen's
// voted count as it is: only a revealed tally shows it. The vote wave is a
// burst, every vote at once, to measure capacity; the paced wave is a hall
// voting within seconds of voting opening, to measure latency as people see
// it. The paced wave needs the step moved to to be a choice or scale step
// without votes; otherwise it is skipped, with a note.
func run(ctx context.Context, cfg config, progress io.Writer) (*Result, error) {
	base := cfg.url.String()
	r := &runner{
		cfg:      cfg,
		progress: progress,
		api:      newAPI(base, nil, 4, cfg.timeout),
		res: &Result{
			URL: base, Participants: cfg.n, Workers: cfg.workers, Sources: cfg.sourceIPs(),
			JoinConcurrency: cfg.joinConcurrency, VoteWindowMs: ms(int64(cfg.voteWindow)), ChangeShare: cfg.changeShare,
			Failures: []string{},
		},
	}
	defer r.api.closeIdle()

	r.sess = created{ID: cfg.session, HostKey: cfg.hostKey, ScreenKey: cfg.screenKey}
	if r.sess.ID == "" {
		c, err := r.api.createSession(ctx, fmt.Sprintf("quorum-load, %d participants", cfg.n))
		if err != nil {
			return nil, fmt.Errorf("create a session: %w", err)
		}
		r.sess = c
		defer r.endSession()
	}
	st, err := r.api.hostState(ctx, r.sess.ID, r.sess.HostKey)
	if err != nil {
		return nil, fmt.Errorf("read the session: %w", err)
	}
	if st.Session.Status == "ended" {
		return nil, fmt.Errorf("session %s has ended", r.sess.ID)
	}
	r.sess.Code = st.Session.Code
	if r.step, r.to, r.move, err = pickSteps(st); err != nil {
		return nil, err
	}
	r.res.Session, r.res.VotingStep = r.sess.ID, r.step

	if r.screen, err = openScreen(ctx, cfg.screenURL.String(), r.sess.ID, r.sess.ScreenKey, cfg.timeout); err != nil {
		return nil, err
	}
	defer r.screen.close()
	if r.host, err = openHost(ctx, base, r.sess.ID, r.sess.HostKey, cfg.timeout); err != nil {
		return nil, err
	}
	defer r.host.close()
	r.logf("starting %d worker(s) for %d participants", cfg.workers, cfg.n)
	if r.pool, err = startPool(ctx, cfg.workers, cfg.workers == 1, cfg.split(r.sess.Code), cfg.timeout+30*time.Second); err != nil {
		return nil, err
	}
	defer r.pool.stop()

	phases := []struct {
		name string
		run  func(context.Context) error
	}{
		{"join burst", r.joinBurst}, {"vote wave", r.voteWave}, {"reveal", r.reveal}, {"change wave", r.changeWave},
		{"exactness", r.checkExact}, {"step change", r.stepChange}, {"paced wave", r.pacedWave},
	}
	for _, phase := range phases {
		before, cpuErr := r.serverCPU()
		genBefore, genErr := r.pool.cpu()
		if err := phase.run(ctx); err != nil {
			return nil, err
		}
		after, err := r.serverCPU()
		if cpuErr == nil && err == nil && cfg.serverPID != 0 {
			r.res.ServerCPU = append(r.res.ServerCPU, phaseCPU(phase.name, before, after))
		}
		if genAfter, err := r.pool.cpu(); genErr == nil && err == nil {
			r.res.GeneratorCPU = append(r.res.GeneratorCPU, phaseCPU(phase.name, genBefore, genAfter))
		}
	}
	if m := r.res.Memory; m != nil {
		if m.EndKiB, err = r.serverRSS(ctx); err != nil {
			return nil, err
		}
	}
	if len(cfg.urls) > 1 {
		r.res.URLs, r.res.ScreenURL = cfg.urlStrings(), cfg.screenURL.String()
		r.res.Nodes, r.res.Forwarding = r.byNode()
	}
	r.res.Notes = notes(cfg, r.res.Paced, r.pacedSkipped)
	return r.res, nil
}

// runner is one run's connections and what its phases pass on.
type runner struct {
	cfg      config
	progress io.Writer
	api      *api
	sess     created
	step, to int    // the voting step and the step to move to after it
	move     string // the command that moves there
	screen   *screen
	host     *host
	pool     *pool
	res      *Result

	ballot       ballot
	firsts       []voteTiming // the vote wave
	paced        []voteTiming // the paced wave
	stepReps     []stepRound  // each step change's awaits
	last         screenFrame  // the screen once the change wave has settled
	pacedSkipped string       // why there was no paced wave
}

func (r *runner) logf(format string, args ...any) {
	fmt.Fprintf(r.progress, "quorum-load: "+format+"\n", args...)
}

// endSession ends a session the run created, which frees its join code; its
// votes stay for a look.
func (r *runner) endSession() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := r.api.act(ctx, r.sess.ID, r.sess.HostKey, map[string]any{"action": "end"}); err != nil {
		r.logf("end the session: %v", err)
	}
}

// cpuTime is a process's CPU time so far.
type cpuTime struct{ User, System time.Duration }

func (t cpuTime) add(u cpuTime) cpuTime { return cpuTime{t.User + u.User, t.System + u.System} }

// since is the CPU time used from the reading before to t.
func (t cpuTime) since(before cpuTime) cpuTime {
	return cpuTime{t.User - before.User, t.System - before.System}
}

// phaseCPU is the CPU time used between two readings.
func phaseCPU(phase string, before, after cpuTime) PhaseCPU {
	used := after.since(before)
	user, sys := used.User.Seconds(), used.System.Seconds()
	return PhaseCPU{Phase: phase, Seconds: user + sys, User: user, System: sys}
}

// serverCPU reads the CPU time the server has used, if --server-pid names it.
func (r *runner) serverCPU() (cpuTime, error) {
	if r.cfg.serverPID == 0 {
		return cpuTime{}, nil
	}
	return readCPU(r.cfg.serverPID)
}

// serverRSS reads the server's resident memory, after a forced collection
// when the server's debug listener is known.
func (r *runner) serverRSS(ctx context.Context) (int64, error) {
	if u := r.cfg.debugURL; u != nil {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.JoinPath("/debug/gc").String(), nil)
		if err != nil {
			return 0, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, fmt.Errorf("server memory: forcing a GC: %w", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("server memory: forcing a GC: %s", resp.Status)
		}
		r.res.Memory.AfterGC = true
	}
	return readRSS(r.cfg.serverPID)
}

// joinBurst joins and connects every participant, measuring the server's
// memory before and after.
func (r *runner) joinBurst(ctx context.Context) error {
	res, pid := r.res, r.cfg.serverPID
	var err error
	if pid != 0 {
		res.Memory = &MemoryResult{PID: pid}
		if res.Memory.BeforeKiB, err = r.serverRSS(ctx); err != nil {
			return err
		}
	}
	r.logf("join burst: %d participants", r.cfg.n)
	reps, err := r.pool.all(ctx, command{Cmd: "join"})
	if err != nil {
		return err
	}
	res.Join = summarizeJoin(reps, r.cfg.n)
	if res.Join.Failed > 0 {
		res.fail("%d of %d participants could not join", res.Join.Failed, r.cfg.n)
	}
	if res.Join.Joined == 0 {
		return fmt.Errorf("no participant could join: %s", strings.Join(res.Join.Errors, "; "))
	}
	if m := res.Memory; m != nil {
		if m.AfterKiB, err = r.serverRSS(ctx); err != nil {
			return err
		}
		m.PerParticipantKiB = float64(m.AfterKiB-m.BeforeKiB) / float64(res.Join.Joined)
	}
	return nil
}

// voteWave opens voting on the step, results hidden, and has everyone vote.
func (r *runner) voteWave(ctx context.Context) error {
	var err error
	if r.ballot, err = r.openForVotes(ctx, r.step); err != nil {
		return err
	}
	r.logf("vote wave: %d votes", r.res.Join.Joined)
	if r.firsts, err = r.wave(ctx, voteOrder{Step: r.step, Values: r.ballot.firstValues(), Window: r.cfg.voteWindow}); err != nil {
		return err
	}
	acked, _ := r.ballot.expected(r.firsts)
	step := r.step
	r.screen.await(settleTime, func(f screenFrame) bool { return f.Step == step && f.Voted >= acked })
	r.res.Votes = summarizeWave(r.firsts, r.screen.snapshot(), func(f screenFrame) (int, bool) { return f.Voted, f.Step == step })
	r.checkWave("vote", r.res.Votes)
	return nil
}

// openForVotes opens voting on step, results hidden, and waits until every
// participant sees it open. It returns the step's ballot.
func (r *runner) openForVotes(ctx context.Context, step int) (ballot, error) {
	view, err := openVoting(ctx, r.api, r.sess, step)
	if err != nil {
		return ballot{}, err
	}
	b, err := ballotOf(view)
	if err != nil {
		return ballot{}, err
	}
	reps, err := r.pool.all(ctx, command{Cmd: "await", Await: &stateMatch{Step: step, Voting: "open"}})
	if err != nil {
		return ballot{}, err
	}
	if _, missing := arrivals(reps, 0); missing > 0 {
		r.res.fail("%d participants never saw voting open on step %d", missing, step)
	}
	return b, nil
}

// reveal shows the step's results and times their way to the screen and
// every phone.
func (r *runner) reveal(ctx context.Context) error {
	r.logf("reveal")
	step := r.step
	sent, err := r.host.act("reveal", r.cfg.timeout)
	if err != nil {
		return err
	}
	reps, err := r.pool.all(ctx, command{Cmd: "await", Await: &stateMatch{After: sent, Step: step, Revealed: true}})
	if err != nil {
		return err
	}
	screenAt := r.screen.firstAfter(sent, r.cfg.timeout, func(f screenFrame) bool { return f.Step == step && f.Revealed && f.Results != nil })
	lat, missing := arrivals(reps, sent)
	rv := RevealResult{Received: len(lat), Missing: missing, ParticipantsMs: distOf(lat)}
	rv.AllMs = rv.ParticipantsMs.Max
	if screenAt != 0 {
		rv.ScreenMs = ms(screenAt - sent)
		rv.AllMs = max(rv.AllMs, rv.ScreenMs)
	} else {
		r.res.fail("the screen never showed the revealed results")
	}
	if missing > 0 {
		r.res.fail("%d participants never got the revealed results", missing)
	}
	r.res.Reveal = rv
	return nil
}

// changeWave has a share of the participants change their vote, on the
// revealed step, and waits for the screen to show the final tally.
func (r *runner) changeWave(ctx context.Context) error {
	r.logf("change wave: %.0f%% change their vote", r.cfg.changeShare*100)
	b, step := r.ballot, r.step
	changed, err := r.wave(ctx, voteOrder{Step: step, Change: true, Target: b.changeValue(), Share: r.cfg.changeShare, Window: r.cfg.voteWindow})
	if err != nil {
		return err
	}
	n, expected := b.expected(r.firsts, changed)
	r.res.Exact = Exactness{Acked: n, Expected: expected}
	r.last, _ = r.screen.await(settleTime, func(f screenFrame) bool {
		return f.Step == step && f.Results != nil && f.Results.N == n && slices.Equal(f.Results.Counts, expected)
	})
	slot := b.changeValue() - b.base
	r.res.Changes = summarizeWave(changed, r.screen.snapshot(), func(f screenFrame) (int, bool) {
		if f.Step != step || f.Results == nil || len(f.Results.Counts) <= slot {
			return 0, false
		}
		return f.Results.Counts[slot], true
	})
	r.checkWave("changed vote", r.res.Changes)
	return nil
}

func (r *runner) checkWave(name string, w WaveResult) {
	if w.Failed > 0 {
		r.res.fail("%d %ss were not acknowledged", w.Failed, name)
	}
	if w.NotOnScreen > 0 {
		r.res.fail("%d acknowledged %ss never showed on the screen", w.NotOnScreen, name)
	}
}

// checkExact compares the screen's final tally, the host state's and the
// export's with the acknowledged votes.
func (r *runner) checkExact(ctx context.Context) error {
	e := &r.res.Exact
	if r.last.Results != nil {
		e.Screen = Tally{N: r.last.Results.N, Counts: r.last.Results.Counts}
	}
	r.countElsewhere(ctx, e, r.step, r.ballot)
	e.check(r.res, "")
	return nil
}

// countElsewhere fills in the host state's and the export's count of the
// current step's votes.
func (r *runner) countElsewhere(ctx context.Context, e *Exactness, step int, b ballot) {
	hs, err := r.api.hostState(ctx, r.sess.ID, r.sess.HostKey)
	switch {
	case err != nil:
		r.res.fail("read the host state: %v", err)
	case hs.Session.CurrentStep != step:
		r.res.fail("the host state is on step %d, not step %d", hs.Session.CurrentStep, step)
	case hs.Results != nil && step < len(hs.Steps):
		e.Host = Tally{N: hs.Steps[step].Votes, Counts: hs.Results.Counts}
		if hs.Results.N != hs.Steps[step].Votes {
			r.res.fail("the host state counts %d votes in the results of step %d but %d in the agenda", hs.Results.N, step, hs.Steps[step].Votes)
		}
	}
	if e.Export, err = r.api.exportTally(ctx, r.sess.ID, r.sess.HostKey, step, b); err != nil {
		r.res.fail("%v", err)
	}
}

// stepChange moves the session on and times the new step's way to every
// phone, --step-rounds times: there, back, there, … ending on the step moved
// to. One fan-out on a shared machine is one sample of its noise.
func (r *runner) stepChange(ctx context.Context) error {
	s := FanoutResult{Action: r.move, From: r.step, To: r.to}
	var all []float64
	for round := range r.cfg.stepRounds {
		move, to := r.move, r.to
		if round%2 == 1 {
			move, to = reverseMove(r.move), r.step
		}
		r.logf("step change %d of %d: %s", round+1, r.cfg.stepRounds, move)
		// The phones are armed before the command goes out, so that arming
		// ten thousand of them is not among the CPU their states wait for.
		m := stateMatch{After: time.Now().UnixNano(), Step: to}
		if _, err := r.pool.all(ctx, command{Cmd: "arm", Await: &m}); err != nil {
			return err
		}
		sent, err := r.host.act(move, r.cfg.timeout)
		if err != nil {
			return err
		}
		reps, err := r.pool.all(ctx, command{Cmd: "await", Await: &m})
		if err != nil {
			return err
		}
		r.stepReps = append(r.stepReps, stepRound{sent, reps})
		lat, missing := arrivals(reps, sent)
		all = append(all, lat...)
		s.Rounds = append(s.Rounds, distOf(lat))
		s.Received += len(lat)
		s.Missing += missing
	}
	s.Ms = distOf(all)
	r.res.StepChange = s
	if s.Missing > 0 {
		r.res.fail("%d times a participant never got the new step", s.Missing)
	}
	return nil
}

// reverseMove is the host action that undoes move.
func reverseMove(move string) string {
	if move == "next" {
		return "prev"
	}
	return "next"
}

// pacedWave opens voting on the step the run moved to, results hidden, and
// has every participant vote once, the votes spread evenly over --pace: a
// hall voting within seconds of voting opening. The vote wave's burst
// measures how many votes the server takes per second; this wave measures
// how soon a vote reaches the screen when they arrive as people cast them.
func (r *runner) pacedWave(ctx context.Context) error {
	step := r.to
	why, err := r.whyNoPacedWave(ctx, step)
	if err != nil {
		return err
	}
	if why != "" {
		r.pacedSkipped = why
		r.logf("no paced wave: %s", why)
		return nil
	}
	b, err := r.openForVotes(ctx, step)
	if err != nil {
		return err
	}
	r.logf("paced wave: %d votes over %s", r.res.Join.Joined, r.cfg.pace)
	votes, err := r.wave(ctx, voteOrder{Step: step, Values: b.firstValues(), Window: r.cfg.pace})
	if err != nil {
		return err
	}
	r.paced = votes
	acked, expected := b.expected(votes)
	last, _ := r.screen.await(settleTime, func(f screenFrame) bool { return f.Step == step && f.Voted >= acked })
	p := &PacedResult{Step: step, PaceMs: ms(int64(r.cfg.pace))}
	p.Votes = summarizeWave(votes, r.screen.snapshot(), func(f screenFrame) (int, bool) { return f.Voted, f.Step == step })
	r.checkWave("paced vote", p.Votes)

	// The results are hidden: the screen shows how many voted, not for what.
	p.Exact = Exactness{Acked: acked, Expected: expected}
	if last.Step == step {
		p.Exact.Screen = Tally{N: last.Voted}
	}
	r.countElsewhere(ctx, &p.Exact, step, b)
	p.Exact.check(r.res, "paced wave")
	r.res.Paced = p
	return nil
}

// whyNoPacedWave says why the paced wave cannot run on step, or "" if it
// can: it needs a choice or scale step without votes, so that its count is
// its own.
func (r *runner) whyNoPacedWave(ctx context.Context, step int) (string, error) {
	if r.cfg.pace == 0 {
		return "--pace is 0", nil
	}
	st, err := r.api.hostState(ctx, r.sess.ID, r.sess.HostKey)
	if err != nil {
		return "", fmt.Errorf("read the session before the paced wave: %w", err)
	}
	switch {
	case step >= len(st.Steps):
		return fmt.Sprintf("the session has no step %d", step), nil
	case st.Steps[step].Kind != "choice" && st.Steps[step].Kind != "scale":
		return fmt.Sprintf("step %d, the step moved to, is a %s step: votes go to a choice or scale step", step, st.Steps[step].Kind), nil
	case st.Steps[step].Votes > 0:
		return fmt.Sprintf("step %d, the step moved to, already has %d votes", step, st.Steps[step].Votes), nil
	}
	return "", nil
}

// wave runs a vote wave on every worker and gathers its timings.
func (r *runner) wave(ctx context.Context, o voteOrder) ([]voteTiming, error) {
	reps, err := r.pool.all(ctx, command{Cmd: "vote", Vote: &o})
	if err != nil {
		return nil, err
	}
	var votes []voteTiming
	for _, rep := range reps {
		votes = append(votes, rep.Votes...)
	}
	return votes, nil
}

// pickSteps chooses the step to vote on, the first choice or scale step with
// no votes yet, and the step to move to afterwards, with the command that
// gets there. The paced wave votes on the step moved to: in the run's own
// agenda (loadAgenda) and in the built-in one, leadership-vs-management,
// that is the next step, a choice or a scale.
func pickSteps(st *hostState) (step, to int, move string, err error) {
	step = -1
	for i, s := range st.Steps {
		if (s.Kind == "choice" || s.Kind == "scale") && s.Votes == 0 {
			step = i
			break
		}
	}
	switch {
	case step < 0:
		return 0, 0, "", errors.New("the session has no choice or scale step without votes")
	case step+1 < len(st.Steps):
		return step, step + 1, "next", nil
	case step > 0:
		return step, step - 1, "prev", nil
	}
	return 0, 0, "", errors.New("the session needs a second step to move to")
}

// openVoting brings the session to the voting step with its results hidden
// and voting open, over HTTP: setting up is not what is measured.
func openVoting(ctx context.Context, a *api, sess created, step int) (*stepView, error) {
	st, err := a.act(ctx, sess.ID, sess.HostKey, map[string]any{"action": "goto", "step": step})
	if err != nil {
		return nil, err
	}
	if st.Step != nil && st.Step.Revealed {
		if st, err = a.act(ctx, sess.ID, sess.HostKey, map[string]any{"action": "hide"}); err != nil {
			return nil, err
		}
	}
	if st.Step != nil && st.Step.Voting != "open" {
		if st, err = a.act(ctx, sess.ID, sess.HostKey, map[string]any{"action": "open"}); err != nil {
			return nil, err
		}
	}
	if st.Step == nil {
		return nil, errors.New("the host state has no current step")
	}
	return st.Step, nil
}

// split gives each worker its share of the participants.
func (cfg *config) split(code string) []workerSetup {
	setups := make([]workerSetup, cfg.workers)
	first := 0
	for i := range setups {
		count := cfg.n / cfg.workers
		if i < cfg.n%cfg.workers {
			count++
		}
		setups[i] = workerSetup{
			URLs: cfg.urlStrings(), Code: code, First: first, Count: count, Sources: cfg.sourceIPs(),
			Concurrency: ceilDiv(cfg.joinConcurrency, cfg.workers), Timeout: cfg.timeout, JoinInHello: cfg.joinIn == "hello",
		}
		first += count
	}
	return setups
}

// notes say how to read the figures.
func notes(cfg config, paced *PacedResult, pacedSkipped string) []string {
	window := "every vote of a wave is sent at once (--vote-window 0)"
	if cfg.voteWindow > 0 {
		window = fmt.Sprintf("the votes of a wave are spread evenly over %s (--vote-window)", cfg.voteWindow)
	}
	join := "participants join in their WebSocket hello, as the phone page does (--join hello)"
	if cfg.joinIn == "http" {
		join = "participants join with POST /api/join, then say hello with the token (--join http)"
	}
	n := []string{
		join + "; the join burst runs from the first join to the last participant's first state.",
		window + "; votes acknowledged per second = acks / (last ack − first vote sent).",
		"vote→screen: acknowledged votes are ranked by the arrival of their acks; the i-th is on screen at the first screen frame that arrived after it was sent and counts at least i (counts.voted before the reveal; after it, the tally of the value every changed vote went to); latency = that frame's arrival − the vote's send time.",
		"fan-out: from the host sending its command to each participant receiving the state that shows it.",
		"times come from each process's realtime clock: one machine, one clock, unless it is stepped during the run.",
		fmt.Sprintf("the generator and the server share this machine's %d cores.", runtime.NumCPU()),
	}
	if len(cfg.urls) > 1 {
		n = append(n, fmt.Sprintf("%d nodes: the host and the API calls on the first URL, the screen on %s, participant i on URL i mod %d; the run reads its session on the first URL before any other node hears of it, so that node owns the session and the phones on the others are forwarded to it. The forwarding's cost is the others' send→ack against the owner's (p50 and p99 differences).", len(cfg.urls), cfg.screenURL, len(cfg.urls)))
	}
	switch {
	case paced != nil:
		n = append(n, fmt.Sprintf("the paced wave spreads its %d votes evenly over %s (--pace), %.0f votes arriving per second, as a hall voting within seconds of voting opening: its vote→screen is the latency figure; the vote wave's burst measures capacity.",
			paced.Votes.Sent, cfg.pace, float64(paced.Votes.Sent)/cfg.pace.Seconds()))
	case pacedSkipped != "":
		n = append(n, "no paced wave: "+pacedSkipped+"; the vote wave's vote→screen is then all there is, and it is a burst's.")
	}
	switch {
	case cfg.serverPID != 0 && cfg.debugURL != nil:
		n = append(n, "server memory per participant = (RSS after the join burst − RSS before) / participants joined, each RSS read right after a forced GC (POST /debug/gc on the server's --debug-addr).")
	case cfg.serverPID != 0:
		n = append(n, "server memory per participant = (RSS after the join burst − RSS before) / participants joined; without --debug-url no GC is forced first, so RSS includes garbage not yet collected.")
	}
	return n
}
