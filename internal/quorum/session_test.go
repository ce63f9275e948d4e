package quorum_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

func TestNewSession(t *testing.T) {
	a := mustAgenda(t, testAgendaJSON)
	s, creds, err := quorum.NewSession(a, "  Offsite  ", now)
	if err != nil {
		t.Fatal(err)
	}
	if s.Title != "Offsite" {
		t.Errorf("Title = %q, want the trimmed title", s.Title)
	}
	if s.Status != quorum.StatusLobby || s.CurrentStep != 0 || !s.CreatedAt.Equal(now) {
		t.Errorf("new session: status %q step %d created %v", s.Status, s.CurrentStep, s.CreatedAt)
	}
	if len(s.Steps) != stepCount {
		t.Fatalf("%d step states, want %d", len(s.Steps), stepCount)
	}
	for i, st := range s.Steps {
		if st != (quorum.StepState{Round: 1, Voting: quorum.VotingPending}) {
			t.Errorf("steps[%d] = %+v, want pending", i, st)
		}
	}
	if len(s.Code) != quorum.JoinCodeLength {
		t.Errorf("Code = %q", s.Code)
	}
	if creds.HostKey == "" || creds.ScreenKey == "" || creds.HostKey == creds.ScreenKey {
		t.Errorf("credentials %+v", creds)
	}
	if !quorum.SecretMatches(creds.HostKey, s.HostKeyHash) || !quorum.SecretMatches(creds.ScreenKey, s.ScreenKeyHash) {
		t.Errorf("the stored hashes do not match the credentials")
	}
	if quorum.SecretMatches(creds.ScreenKey, s.HostKeyHash) {
		t.Errorf("the screen key opens the host role")
	}

	// The session owns a copy: changing the source agenda changes nothing.
	a.Steps[stepChoice].Options[0] = "changed"
	*a.Steps[stepChoice].Correct = 2
	a.Segments[0] = "changed"
	if s.Agenda.Steps[stepChoice].Options[0] != "A" || *s.Agenda.Steps[stepChoice].Correct != 1 || s.Agenda.Segments[0] != "Manager" {
		t.Errorf("the session's agenda follows changes of its source")
	}

	// Without a title, the agenda's title is used.
	s2, _, err := quorum.NewSession(a, " ", now)
	if err != nil || s2.Title != "Test agenda" {
		t.Errorf("NewSession without a title: %q, %v", s2.Title, err)
	}
	for _, bad := range []string{"a\x00b", longString(201)} {
		if _, _, err := quorum.NewSession(a, bad, now); quorum.ErrorCode(err) != quorum.EINVALIDREQUEST {
			t.Errorf("NewSession(title %q): %v, want invalid_request", bad, err)
		}
	}
}

func longString(n int) string {
	r := make([]rune, n)
	for i := range r {
		r[i] = 'é'
	}
	return string(r)
}

func TestDo(t *testing.T) {
	pending := quorum.StepState{Round: 1, Voting: quorum.VotingPending}
	open := quorum.StepState{Round: 1, Voting: quorum.VotingOpen}
	closed := quorum.StepState{Round: 1, Voting: quorum.VotingClosed}
	timed := func(d time.Duration) quorum.StepState {
		return quorum.StepState{Round: 1, Voting: quorum.VotingOpen, Deadline: now.Add(d)}
	}
	start, next, prev := cmd(quorum.ActionStart), cmd(quorum.ActionNext), cmd(quorum.ActionPrev)
	openCmd, closeCmd := cmd(quorum.ActionOpen), cmd(quorum.ActionClose)
	reveal, hide := cmd(quorum.ActionReveal), cmd(quorum.ActionHide)
	expire, end := cmd(quorum.ActionExpire), cmd(quorum.ActionEnd)

	tests := []struct {
		name  string
		setup []quorum.Command // applied at now, each must succeed
		cmd   quorum.Command
		after time.Duration // the command runs at now+after

		wantErr     string // an error code, or "" for success
		wantStatus  quorum.Status
		wantCurrent int
		wantState   quorum.StepState // of the current step
		wantChanged []int            // StateChange.Steps
	}{
		// start, next, prev, goto
		{name: "start", cmd: start, wantStatus: quorum.StatusLive, wantCurrent: 0, wantState: pending, wantChanged: []int{0}},
		{name: "start twice", setup: []quorum.Command{start}, cmd: start, wantErr: quorum.EINVALIDACTION},
		{name: "start after next", setup: []quorum.Command{next}, cmd: start, wantErr: quorum.EINVALIDACTION},
		{name: "next in the lobby starts on the first step", cmd: next, wantStatus: quorum.StatusLive, wantCurrent: 0, wantState: pending, wantChanged: []int{0}},
		{name: "next", setup: []quorum.Command{start}, cmd: next, wantStatus: quorum.StatusLive, wantCurrent: 1, wantState: pending, wantChanged: []int{1}},
		{name: "next at the last step", setup: []quorum.Command{gotoStep(stepCount - 1)}, cmd: next, wantErr: quorum.EINVALIDACTION},
		{name: "prev", setup: []quorum.Command{gotoStep(3)}, cmd: prev, wantStatus: quorum.StatusLive, wantCurrent: 2, wantState: pending, wantChanged: []int{2}},
		{name: "prev at the first step", setup: []quorum.Command{start}, cmd: prev, wantErr: quorum.EINVALIDACTION},
		{name: "prev in the lobby", cmd: prev, wantErr: quorum.EINVALIDACTION},
		{name: "goto in the lobby starts there", cmd: gotoStep(4), wantStatus: quorum.StatusLive, wantCurrent: 4, wantState: pending, wantChanged: []int{4}},
		{name: "goto the last step", setup: []quorum.Command{start}, cmd: gotoStep(stepCount - 1), wantStatus: quorum.StatusLive, wantCurrent: stepCount - 1, wantState: pending, wantChanged: []int{stepCount - 1}},
		{name: "goto the current step", setup: []quorum.Command{gotoStep(1), openCmd}, cmd: gotoStep(1), wantStatus: quorum.StatusLive, wantCurrent: 1, wantState: open, wantChanged: []int{1}},
		{name: "goto past the end", setup: []quorum.Command{start}, cmd: gotoStep(stepCount), wantErr: quorum.EINVALIDACTION},
		{name: "goto a negative step", setup: []quorum.Command{start}, cmd: gotoStep(-1), wantErr: quorum.EINVALIDACTION},
		{name: "goto without a step", setup: []quorum.Command{start}, cmd: cmd(quorum.ActionGoto), wantErr: quorum.EINVALIDREQUEST},
		{name: "goto out of range in the lobby stays in the lobby", cmd: gotoStep(99), wantErr: quorum.EINVALIDACTION},

		// Moving away from an open step closes it.
		{name: "next closes the open step", setup: []quorum.Command{gotoStep(1), openCmd}, cmd: next, wantStatus: quorum.StatusLive, wantCurrent: 2, wantState: pending, wantChanged: []int{2, 1}},
		{name: "prev closes the open step", setup: []quorum.Command{gotoStep(2), openCmd}, cmd: prev, wantStatus: quorum.StatusLive, wantCurrent: 1, wantState: pending, wantChanged: []int{1, 2}},
		{name: "goto closes a timed step", setup: []quorum.Command{gotoStep(2), timer(60)}, cmd: gotoStep(0), wantStatus: quorum.StatusLive, wantCurrent: 0, wantState: pending, wantChanged: []int{0, 2}},
		{name: "coming back to a closed step", setup: []quorum.Command{gotoStep(1), openCmd, next}, cmd: prev, wantStatus: quorum.StatusLive, wantCurrent: 1, wantState: closed, wantChanged: []int{1}},

		// open and close
		{name: "open", setup: []quorum.Command{gotoStep(1)}, cmd: openCmd, wantStatus: quorum.StatusLive, wantCurrent: 1, wantState: open, wantChanged: []int{1}},
		{name: "open a text step", setup: []quorum.Command{gotoStep(stepText)}, cmd: openCmd, wantStatus: quorum.StatusLive, wantCurrent: stepText, wantState: open, wantChanged: []int{stepText}},
		{name: "open in the lobby", cmd: openCmd, wantErr: quorum.EINVALIDACTION},
		{name: "open on an info step", setup: []quorum.Command{start}, cmd: openCmd, wantErr: quorum.EINVALIDACTION},
		{name: "open on a profile step", setup: []quorum.Command{gotoStep(stepProfile)}, cmd: openCmd, wantErr: quorum.EINVALIDACTION},
		{name: "open twice", setup: []quorum.Command{gotoStep(1), openCmd}, cmd: openCmd, wantErr: quorum.EINVALIDACTION},
		{name: "open again after close", setup: []quorum.Command{gotoStep(1), openCmd, closeCmd}, cmd: openCmd, wantStatus: quorum.StatusLive, wantCurrent: 1, wantState: open, wantChanged: []int{1}},
		{name: "close", setup: []quorum.Command{gotoStep(1), openCmd}, cmd: closeCmd, wantStatus: quorum.StatusLive, wantCurrent: 1, wantState: closed, wantChanged: []int{1}},
		{name: "close a timed step clears the deadline", setup: []quorum.Command{gotoStep(1), timer(30)}, cmd: closeCmd, after: 10 * time.Second, wantStatus: quorum.StatusLive, wantCurrent: 1, wantState: closed, wantChanged: []int{1}},
		{name: "close when pending", setup: []quorum.Command{gotoStep(1)}, cmd: closeCmd, wantErr: quorum.EINVALIDACTION},
		{name: "close twice", setup: []quorum.Command{gotoStep(1), openCmd, closeCmd}, cmd: closeCmd, wantErr: quorum.EINVALIDACTION},
		{name: "close on an info step", setup: []quorum.Command{start}, cmd: closeCmd, wantErr: quorum.EINVALIDACTION},

		// reveal and hide
		{name: "reveal", setup: []quorum.Command{gotoStep(1)}, cmd: reveal, wantStatus: quorum.StatusLive, wantCurrent: 1, wantState: quorum.StepState{Round: 1, Voting: quorum.VotingPending, Revealed: true}, wantChanged: []int{1}},
		{name: "reveal while voting", setup: []quorum.Command{gotoStep(1), openCmd}, cmd: reveal, wantStatus: quorum.StatusLive, wantCurrent: 1, wantState: quorum.StepState{Round: 1, Voting: quorum.VotingOpen, Revealed: true}, wantChanged: []int{1}},
		{name: "reveal a profile", setup: []quorum.Command{gotoStep(stepProfile)}, cmd: reveal, wantStatus: quorum.StatusLive, wantCurrent: stepProfile, wantState: quorum.StepState{Round: 1, Voting: quorum.VotingPending, Revealed: true}, wantChanged: []int{stepProfile}},
		{name: "reveal twice", setup: []quorum.Command{gotoStep(1), reveal}, cmd: reveal, wantErr: quorum.EINVALIDACTION},
		{name: "hide", setup: []quorum.Command{gotoStep(1), reveal}, cmd: hide, wantStatus: quorum.StatusLive, wantCurrent: 1, wantState: pending, wantChanged: []int{1}},
		{name: "hide twice", setup: []quorum.Command{gotoStep(1), reveal, hide}, cmd: hide, wantErr: quorum.EINVALIDACTION},
		{name: "hide when never revealed", setup: []quorum.Command{gotoStep(1)}, cmd: hide, wantErr: quorum.EINVALIDACTION},
		{name: "reveal on an info step", setup: []quorum.Command{start}, cmd: reveal, wantErr: quorum.EINVALIDACTION},
		{name: "reveal in the lobby", cmd: reveal, wantErr: quorum.EINVALIDACTION},
		{name: "revealed stays revealed after a move", setup: []quorum.Command{gotoStep(1), reveal, next}, cmd: prev, wantStatus: quorum.StatusLive, wantCurrent: 1, wantState: quorum.StepState{Round: 1, Voting: quorum.VotingPending, Revealed: true}, wantChanged: []int{1}},

		// timer
		{name: "timer of 4 s", setup: []quorum.Command{gotoStep(1)}, cmd: timer(4), wantErr: quorum.EINVALIDACTION},
		{name: "timer of 5 s opens voting", setup: []quorum.Command{gotoStep(1)}, cmd: timer(5), wantStatus: quorum.StatusLive, wantCurrent: 1, wantState: timed(5 * time.Second), wantChanged: []int{1}},
		{name: "timer of 3600 s", setup: []quorum.Command{gotoStep(1)}, cmd: timer(3600), wantStatus: quorum.StatusLive, wantCurrent: 1, wantState: timed(time.Hour), wantChanged: []int{1}},
		{name: "timer of 3601 s", setup: []quorum.Command{gotoStep(1)}, cmd: timer(3601), wantErr: quorum.EINVALIDACTION},
		{name: "negative timer", setup: []quorum.Command{gotoStep(1)}, cmd: timer(-5), wantErr: quorum.EINVALIDACTION},
		{name: "timer without seconds", setup: []quorum.Command{gotoStep(1)}, cmd: cmd(quorum.ActionTimer), wantErr: quorum.EINVALIDREQUEST},
		{name: "timer on an open step counts from now", setup: []quorum.Command{gotoStep(1), openCmd}, cmd: timer(30), after: 10 * time.Second, wantStatus: quorum.StatusLive, wantCurrent: 1, wantState: timed(40 * time.Second), wantChanged: []int{1}},
		{name: "timer replaces a timer", setup: []quorum.Command{gotoStep(1), timer(30)}, cmd: timer(10), wantStatus: quorum.StatusLive, wantCurrent: 1, wantState: timed(10 * time.Second), wantChanged: []int{1}},
		{name: "timer 0 cancels, voting stays open", setup: []quorum.Command{gotoStep(1), timer(30)}, cmd: timer(0), wantStatus: quorum.StatusLive, wantCurrent: 1, wantState: open, wantChanged: []int{1}},
		{name: "cancel without a timer", setup: []quorum.Command{gotoStep(1), openCmd}, cmd: timer(0), wantErr: quorum.EINVALIDACTION},
		{name: "cancel on a pending step", setup: []quorum.Command{gotoStep(1)}, cmd: timer(0), wantErr: quorum.EINVALIDACTION},
		{name: "reopen after a timed close has no deadline", setup: []quorum.Command{gotoStep(1), timer(30), closeCmd}, cmd: openCmd, wantStatus: quorum.StatusLive, wantCurrent: 1, wantState: open, wantChanged: []int{1}},
		{name: "timer on an info step", setup: []quorum.Command{start}, cmd: timer(30), wantErr: quorum.EINVALIDACTION},
		{name: "timer in the lobby", cmd: timer(30), wantErr: quorum.EINVALIDACTION},

		// expire
		{name: "expire before the deadline", setup: []quorum.Command{gotoStep(1), timer(30)}, cmd: expire, after: 29 * time.Second, wantErr: quorum.EINVALIDACTION},
		{name: "expire at the deadline", setup: []quorum.Command{gotoStep(1), timer(30)}, cmd: expire, after: 30 * time.Second, wantStatus: quorum.StatusLive, wantCurrent: 1, wantState: closed, wantChanged: []int{1}},
		{name: "expire after the deadline", setup: []quorum.Command{gotoStep(1), timer(30)}, cmd: expire, after: time.Hour, wantStatus: quorum.StatusLive, wantCurrent: 1, wantState: closed, wantChanged: []int{1}},
		{name: "expire without a timer", setup: []quorum.Command{gotoStep(1), openCmd}, cmd: expire, after: time.Hour, wantErr: quorum.EINVALIDACTION},
		{name: "expire after close", setup: []quorum.Command{gotoStep(1), timer(30), closeCmd}, cmd: expire, after: time.Hour, wantErr: quorum.EINVALIDACTION},
		{name: "expire after the timer was cancelled", setup: []quorum.Command{gotoStep(1), timer(30), timer(0)}, cmd: expire, after: time.Hour, wantErr: quorum.EINVALIDACTION},

		// reset
		{name: "reset", setup: []quorum.Command{gotoStep(1), timer(30), reveal}, cmd: cmd(quorum.ActionReset), wantStatus: quorum.StatusLive, wantCurrent: 1, wantState: pending, wantChanged: []int{1}},
		{name: "reset on an info step", setup: []quorum.Command{start}, cmd: cmd(quorum.ActionReset), wantErr: quorum.EINVALIDACTION},
		{name: "reset in the lobby", cmd: cmd(quorum.ActionReset), wantErr: quorum.EINVALIDACTION},

		// end
		{name: "end closes voting", setup: []quorum.Command{gotoStep(1), timer(30)}, cmd: end, wantStatus: quorum.StatusEnded, wantCurrent: 1, wantState: closed, wantChanged: []int{1}},
		{name: "end in the lobby", cmd: end, wantStatus: quorum.StatusEnded, wantCurrent: 0, wantState: pending, wantChanged: []int{0}},
		{name: "end keeps revealed results", setup: []quorum.Command{gotoStep(1), reveal}, cmd: end, wantStatus: quorum.StatusEnded, wantCurrent: 1, wantState: quorum.StepState{Round: 1, Voting: quorum.VotingPending, Revealed: true}, wantChanged: []int{1}},
		{name: "end twice", setup: []quorum.Command{end}, cmd: end, wantErr: quorum.ESESSIONENDED},

		{name: "unknown action", setup: []quorum.Command{start}, cmd: cmd("jump"), wantErr: quorum.EINVALIDREQUEST},
		{name: "empty action", cmd: cmd(""), wantErr: quorum.EINVALIDREQUEST},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t)
			for _, c := range tt.setup {
				mustDo(t, s, c, now)
			}
			before := snapshot(s)
			at := now.Add(tt.after)
			change, err := s.Do(tt.cmd, at)
			if tt.wantErr != "" {
				if code := quorum.ErrorCode(err); code != tt.wantErr {
					t.Fatalf("Do(%s) = %v, want code %q", describe(tt.cmd), err, tt.wantErr)
				}
				if change != nil {
					t.Errorf("Do returned a change with its error")
				}
				if after := snapshot(s); !reflect.DeepEqual(after, before) {
					t.Errorf("a refused command changed the session:\nbefore %+v\nafter  %+v", before, after)
				}
				return
			}
			if err != nil {
				t.Fatalf("Do(%s): %v", describe(tt.cmd), err)
			}
			if s.Status != tt.wantStatus || s.CurrentStep != tt.wantCurrent {
				t.Errorf("status %q step %d, want %q step %d", s.Status, s.CurrentStep, tt.wantStatus, tt.wantCurrent)
			}
			if got := s.Steps[s.CurrentStep]; got != tt.wantState {
				t.Errorf("current step state = %+v, want %+v", got, tt.wantState)
			}
			if !reflect.DeepEqual(change.Steps, tt.wantChanged) {
				t.Errorf("change.Steps = %v, want %v", change.Steps, tt.wantChanged)
			}
			if change.Event.Action != tt.cmd.Action || !change.Event.At.Equal(at) {
				t.Errorf("event = %+v", change.Event)
			}
			// Every step the change does not list is as it was.
			for i := range s.Steps {
				if !containsInt(change.Steps, i) && s.Steps[i] != before.steps[i] {
					t.Errorf("steps[%d] changed from %+v to %+v but is not in change.Steps", i, before.steps[i], s.Steps[i])
				}
			}
			// Any step left behind is closed, never open.
			for i, st := range s.Steps {
				if i != s.CurrentStep && st.Voting == quorum.VotingOpen {
					t.Errorf("steps[%d] is open but the current step is %d", i, s.CurrentStep)
				}
			}
		})
	}
}

type sessionSnapshot struct {
	status    quorum.Status
	current   int
	steps     []quorum.StepState
	started   time.Time
	ended     time.Time
	tallyNs   []int
	tallyCnts [][]int
}

func snapshot(s *quorum.Session) sessionSnapshot {
	snap := sessionSnapshot{status: s.Status, current: s.CurrentStep, steps: append([]quorum.StepState(nil), s.Steps...), started: s.StartedAt, ended: s.EndedAt}
	for i := range s.Steps {
		snap.tallyNs = append(snap.tallyNs, s.Tally(i).N)
		snap.tallyCnts = append(snap.tallyCnts, append([]int(nil), s.Tally(i).Counts...))
	}
	return snap
}

func containsInt(list []int, x int) bool {
	for _, y := range list {
		if y == x {
			return true
		}
	}
	return false
}

func TestDoTimes(t *testing.T) {
	s := newSession(t)
	mustDo(t, s, cmd(quorum.ActionNext), now.Add(time.Minute))
	if !s.StartedAt.Equal(now.Add(time.Minute)) {
		t.Errorf("StartedAt = %v", s.StartedAt)
	}
	mustDo(t, s, cmd(quorum.ActionNext), now.Add(2*time.Minute))
	if !s.StartedAt.Equal(now.Add(time.Minute)) {
		t.Errorf("a second next moved StartedAt to %v", s.StartedAt)
	}
	if !s.EndedAt.IsZero() {
		t.Errorf("EndedAt = %v before the end", s.EndedAt)
	}
	mustDo(t, s, cmd(quorum.ActionEnd), now.Add(time.Hour))
	if !s.EndedAt.Equal(now.Add(time.Hour)) {
		t.Errorf("EndedAt = %v", s.EndedAt)
	}
}

func TestEndedRefusesEverything(t *testing.T) {
	s := newSession(t)
	openStep(t, s, stepChoice)
	p := mustJoin(t, s)
	mustCast(t, s, p.ID, stepChoice, quorum.Value{Number: 2})
	mustDo(t, s, cmd(quorum.ActionEnd), now)

	if s.Steps[stepChoice].Voting != quorum.VotingClosed {
		t.Errorf("voting is %q after end", s.Steps[stepChoice].Voting)
	}
	before := snapshot(s)
	commands := []quorum.Command{
		cmd(quorum.ActionStart), cmd(quorum.ActionNext), cmd(quorum.ActionPrev), gotoStep(0),
		cmd(quorum.ActionOpen), cmd(quorum.ActionClose), cmd(quorum.ActionReveal), cmd(quorum.ActionHide),
		cmd(quorum.ActionReset), timer(30), timer(0), cmd(quorum.ActionEnd), cmd(quorum.ActionExpire), cmd("jump"),
	}
	for _, c := range commands {
		t.Run(describe(c), func(t *testing.T) {
			if _, err := s.Do(c, now.Add(time.Minute)); quorum.ErrorCode(err) != quorum.ESESSIONENDED {
				t.Errorf("Do(%s) after end = %v, want %s", describe(c), err, quorum.ESESSIONENDED)
			}
		})
	}
	if after := snapshot(s); !reflect.DeepEqual(after, before) {
		t.Errorf("commands after end changed the session")
	}
	// Results stay readable.
	if got := s.Tally(stepChoice).Counts; !reflect.DeepEqual(got, []int{0, 0, 1}) {
		t.Errorf("tally after end = %v", got)
	}
}

func TestExpired(t *testing.T) {
	tests := []struct {
		name  string
		setup []quorum.Command
		after time.Duration
		want  bool
	}{
		{"lobby", nil, time.Hour, false},
		{"open without a timer", []quorum.Command{gotoStep(1), cmd(quorum.ActionOpen)}, time.Hour, false},
		{"before the deadline", []quorum.Command{gotoStep(1), timer(30)}, 29 * time.Second, false},
		{"just before the deadline", []quorum.Command{gotoStep(1), timer(30)}, 30*time.Second - time.Nanosecond, false},
		{"at the deadline", []quorum.Command{gotoStep(1), timer(30)}, 30 * time.Second, true},
		{"after the deadline", []quorum.Command{gotoStep(1), timer(30)}, time.Hour, true},
		{"closed by hand", []quorum.Command{gotoStep(1), timer(30), cmd(quorum.ActionClose)}, time.Hour, false},
		{"timer cancelled", []quorum.Command{gotoStep(1), timer(30), timer(0)}, time.Hour, false},
		{"moved on", []quorum.Command{gotoStep(1), timer(30), cmd(quorum.ActionNext)}, time.Hour, false},
		{"ended", []quorum.Command{gotoStep(1), timer(30), cmd(quorum.ActionEnd)}, time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t)
			for _, c := range tt.setup {
				mustDo(t, s, c, now)
			}
			if got := s.Expired(now.Add(tt.after)); got != tt.want {
				t.Errorf("Expired(+%v) = %v, want %v", tt.after, got, tt.want)
			}
		})
	}
}

func TestExpireThenVote(t *testing.T) {
	s := newSession(t)
	p := mustJoin(t, s)
	mustDo(t, s, gotoStep(stepChoice), now)
	mustDo(t, s, timer(30), now)
	at := now.Add(30 * time.Second)
	if !s.Expired(at) {
		t.Fatal("not expired at the deadline")
	}
	// Between the deadline and the expire command, votes are already refused.
	if _, _, err := s.Cast(p.ID, stepChoice, quorum.AnyRound, quorum.Value{Number: 0}, "late", at); quorum.ErrorCode(err) != quorum.EVOTINGCLOSED {
		t.Errorf("vote at the deadline = %v, want voting_closed", err)
	}
	mustDo(t, s, cmd(quorum.ActionExpire), at)
	if s.Expired(at) || s.Steps[stepChoice] != (quorum.StepState{Round: 1, Voting: quorum.VotingClosed}) {
		t.Errorf("after expire: expired %v state %+v", s.Expired(at), s.Steps[stepChoice])
	}
}

func TestResetDropsVotesAndTallies(t *testing.T) {
	s := newSession(t)
	openStep(t, s, stepScale5)
	p1, p2 := mustJoin(t, s), mustJoin(t, s)
	mustCast(t, s, p1.ID, stepScale5, quorum.Value{Number: 1})
	mustCast(t, s, p2.ID, stepScale5, quorum.Value{Number: 5})
	mustDo(t, s, cmd(quorum.ActionReveal), now)
	if s.Tally(stepScale5).N != 2 {
		t.Fatalf("N = %d before reset", s.Tally(stepScale5).N)
	}
	// Votes on another step survive the reset.
	mustDo(t, s, gotoStep(stepChoice), now)
	mustDo(t, s, cmd(quorum.ActionOpen), now)
	mustCast(t, s, p1.ID, stepChoice, quorum.Value{Number: 1})
	mustDo(t, s, gotoStep(stepScale5), now)

	change := mustDo(t, s, cmd(quorum.ActionReset), now)
	if !change.ResetStep || change.Event.Step != stepScale5 || !reflect.DeepEqual(change.Steps, []int{stepScale5}) {
		t.Errorf("change = %+v", change)
	}
	tally := s.Tally(stepScale5)
	if tally.N != 0 || !reflect.DeepEqual(tally.Counts, []int{0, 0, 0, 0, 0}) || tally.Mean() != 0 || tally.StdDev() != 0 {
		t.Errorf("tally after reset: N %d counts %v mean %v sd %v", tally.N, tally.Counts, tally.Mean(), tally.StdDev())
	}
	if s.Steps[stepScale5] != (quorum.StepState{Round: 1, Voting: quorum.VotingPending}) {
		t.Errorf("state after reset = %+v", s.Steps[stepScale5])
	}
	if got := s.VotesOf(p1.ID); !reflect.DeepEqual(got, map[int]quorum.Value{stepChoice: {Number: 1}}) {
		t.Errorf("p1's votes after reset = %v", got)
	}
	if got := s.VotesOf(p2.ID); len(got) != 0 {
		t.Errorf("p2's votes after reset = %v", got)
	}
	for _, e := range s.Profile().Entries {
		if e.N != 0 {
			t.Errorf("profile after reset still counts %d votes", e.N)
		}
	}

	// Voting again starts from zero, and a re-used message id is a new vote.
	mustDo(t, s, cmd(quorum.ActionOpen), now)
	if _, changed, err := s.Cast(p1.ID, stepScale5, quorum.AnyRound, quorum.Value{Number: 4}, "m1", now); err != nil || !changed {
		t.Fatalf("vote after reset: changed %v, %v", changed, err)
	}
	if tally := s.Tally(stepScale5); tally.N != 1 || !reflect.DeepEqual(tally.Counts, []int{0, 0, 0, 1, 0}) {
		t.Errorf("tally after a new vote: N %d counts %v", tally.N, tally.Counts)
	}
}

func TestRecord(t *testing.T) {
	s := newSession(t)
	mustDo(t, s, gotoStep(stepChoice), now)
	mustDo(t, s, timer(30), now)
	at := now.Add(5 * time.Second)
	change := mustDo(t, s, cmd(quorum.ActionNext), at)
	rec := s.Record(change)
	want := quorum.StateRecord{
		SessionID:   s.ID,
		Status:      quorum.StatusLive,
		CurrentStep: stepChoice + 1,
		StartedAt:   now,
		Steps: []quorum.StepStateAt{
			{Index: stepChoice + 1, State: quorum.StepState{Round: 1, Voting: quorum.VotingPending}},
			{Index: stepChoice, State: quorum.StepState{Round: 1, Voting: quorum.VotingClosed}},
		},
		Event: quorum.Event{At: at, Action: quorum.ActionNext, Step: stepChoice + 1},
	}
	if !reflect.DeepEqual(rec, want) {
		t.Errorf("Record = %+v\nwant     %+v", rec, want)
	}
}
