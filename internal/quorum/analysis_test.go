package quorum_test

import (
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

const pairedAgendaJSON = `{
  "title": "Paired",
  "segments": ["Manager", "Individual contributor", "Executive"],
  "steps": [
    {"kind": "scale", "title": "d today", "left": "D-left", "right": "D-right", "points": 5, "dimension": "d", "series": "today"},
    {"kind": "scale", "title": "d target", "left": "D-left", "right": "D-right", "points": 5, "dimension": "d", "series": "target"},
    {"kind": "scale", "title": "e today", "left": "E-left", "right": "E-right", "points": 5, "dimension": "e", "series": "today"},
    {"kind": "scale", "title": "e target", "left": "E-left", "right": "E-right", "points": 5, "dimension": "e", "series": "target"},
    {"kind": "choice", "title": "pick", "options": ["A", "B"]},
    {"kind": "profile", "title": "Profile"}
  ]
}`

const (
	stepDToday = iota
	stepDTarget
	stepEToday
	stepETarget
	stepPick
)

// voteOn opens step and has each participant give the point next to it.
func voteOn(t *testing.T, s *quorum.Session, step int, votes map[*quorum.Participant]int) {
	t.Helper()
	openStep(t, s, step)
	for p, point := range votes {
		mustCast(t, s, p.ID, step, quorum.Value{Number: point})
	}
}

func joinAs(t *testing.T, s *quorum.Session, segment string, n int) []*quorum.Participant {
	t.Helper()
	out := make([]*quorum.Participant, n)
	for i := range out {
		p, _, err := s.Join("", segment, now)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = p
	}
	return out
}

func TestProfileQuartilesSplitAndGap(t *testing.T) {
	s := newSessionFrom(t, pairedAgendaJSON)
	ps := joinAs(t, s, "", 6)
	// d today: points 1 1 2 4 5 5 → -1 -1 -½ ½ 1 1.
	voteOn(t, s, stepDToday, map[*quorum.Participant]int{ps[0]: 1, ps[1]: 1, ps[2]: 2, ps[3]: 4, ps[4]: 5, ps[5]: 5})
	// d target: 4 4 5 → ½ ½ 1.
	voteOn(t, s, stepDTarget, map[*quorum.Participant]int{ps[0]: 4, ps[1]: 4, ps[2]: 5})
	// e today: 1 3 3 3 3 5 5 would need 7 people; 3 3 3 is the middle.
	voteOn(t, s, stepEToday, map[*quorum.Participant]int{ps[0]: 3, ps[1]: 3, ps[2]: 3})
	// e target: 2 2 → -½.
	voteOn(t, s, stepETarget, map[*quorum.Participant]int{ps[0]: 2, ps[1]: 2})

	p := s.Profile()
	if len(p.Entries) != 4 {
		t.Fatalf("entries = %+v", p.Entries)
	}
	dToday := p.Entries[0]
	// Ranks 0..5; Q1 at rank 1.25: -1 + ¼·(-½ - -1); median at 2.5: -½ + ½·1; Q3 at 3.75: ½ + ¾·½.
	if !near(dToday.Mean, 0) || !near(dToday.Q1, -0.875) || !near(dToday.Median, 0) || !near(dToday.Q3, 0.875) {
		t.Errorf("d today = %+v, want mean 0, quartiles -0.875 0 0.875", dToday)
	}
	if !near(dToday.LeftShare, 0.5) || !near(dToday.RightShare, 0.5) || !dToday.Split {
		t.Errorf("d today: half the room on each side must be flagged split: %+v", dToday)
	}
	dTarget := p.Entries[1]
	if !near(dTarget.Mean, 2.0/3) || dTarget.Split || !near(dTarget.Median, 0.5) || dTarget.N != 3 {
		t.Errorf("d target = %+v", dTarget)
	}
	if e := p.Entries[2]; e.Split || !near(e.LeftShare, 0) || !near(e.Q1, 0) || !near(e.Q3, 0) {
		t.Errorf("e today (all at the midpoint) = %+v", e)
	}
	want := []quorum.ProfileGap{
		{Dimension: "d", From: "today", To: "target", Gap: 2.0 / 3, Largest: true},
		{Dimension: "e", From: "today", To: "target", Gap: -0.5},
	}
	if len(p.Gaps) != len(want) {
		t.Fatalf("gaps = %+v, want %+v", p.Gaps, want)
	}
	for i, w := range want {
		g := p.Gaps[i]
		if g.Dimension != w.Dimension || g.From != w.From || g.To != w.To || !near(g.Gap, w.Gap) || g.Largest != w.Largest {
			t.Errorf("gap %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestSplitRuleFollowsTheSetting(t *testing.T) {
	s := newSessionFrom(t, pairedAgendaJSON)
	ps := joinAs(t, s, "", 5)
	// One of five (20 %) on the left, two (40 %) on the right.
	voteOn(t, s, stepDToday, map[*quorum.Participant]int{ps[0]: 1, ps[1]: 3, ps[2]: 3, ps[3]: 5, ps[4]: 4})
	if e := s.Profile().Entries[0]; e.Split {
		t.Errorf("20 %% left is not a split at 30 %%: %+v", e)
	}
	settings := quorum.DefaultSettings()
	settings.SplitShare = 0.2
	mustDo(t, s, quorum.Command{Action: quorum.ActionSettings, Settings: &settings}, now)
	if e := s.Profile().Entries[0]; !e.Split {
		t.Errorf("20 %% left is a split at 20 %%: %+v", e)
	}
}

func TestShiftsBetweenSeries(t *testing.T) {
	s := newSessionFrom(t, pairedAgendaJSON)
	ps := joinAs(t, s, "", 4)
	voteOn(t, s, stepDToday, map[*quorum.Participant]int{ps[0]: 2, ps[1]: 4, ps[2]: 5, ps[3]: 3})
	// ps[3] does not answer the target: not paired.
	voteOn(t, s, stepDTarget, map[*quorum.Participant]int{ps[0]: 4, ps[1]: 4, ps[2]: 2})
	shifts := s.Shifts()
	if len(shifts) != 1 {
		t.Fatalf("shifts = %+v, want one (d today → target)", shifts)
	}
	got := shifts[0]
	want := quorum.Shift{Dimension: "d", Step: -1, From: "today", To: "target", Left: "D-left", Right: "D-right", Paired: 3, TowardLeft: 1, Stayed: 1, TowardRight: 1}
	if got != want {
		t.Errorf("shift = %+v, want %+v", got, want)
	}
}

func TestRoundsAreKeptApart(t *testing.T) {
	s := newSessionFrom(t, pairedAgendaJSON)
	ps := joinAs(t, s, "", 4)
	voteOn(t, s, stepEToday, map[*quorum.Participant]int{ps[0]: 2, ps[1]: 3, ps[2]: 5})

	if _, err := s.Do(cmd(quorum.ActionRound), now); quorum.ErrorCode(err) != quorum.EINVALIDACTION {
		t.Errorf("a new round while voting is open: %v", err)
	}
	mustDo(t, s, cmd(quorum.ActionClose), now)
	mustDo(t, s, cmd(quorum.ActionReveal), now)
	change := mustDo(t, s, cmd(quorum.ActionRound), now)
	if st := s.Steps[stepEToday]; st.Round != 2 || st.Voting != quorum.VotingPending || st.Revealed {
		t.Errorf("after a new round: %+v, want round 2, pending, hidden", st)
	}
	if rec := s.Record(change); len(rec.Steps) != 1 || rec.Steps[0].State.Round != 2 || rec.ResetStep {
		t.Errorf("record of a new round = %+v", rec)
	}
	if got := s.Tally(stepEToday); got.N != 0 {
		t.Errorf("round 2 starts with %d votes", got.N)
	}
	mustDo(t, s, cmd(quorum.ActionOpen), now)
	// A re-sent round-1 message id is a new vote in round 2.
	for p, point := range map[*quorum.Participant]int{ps[0]: 4, ps[1]: 3, ps[3]: 1} {
		mustCast(t, s, p.ID, stepEToday, quorum.Value{Number: point})
	}
	past := s.PastRounds(stepEToday)
	if len(past) != 1 || past[0].Tally.N != 3 || past[0].Tally.Counts[4] != 1 || past[0].Votes[ps[2].ID] == nil {
		t.Fatalf("round 1 = %+v, want its 3 votes untouched", past)
	}
	if cur := s.Tally(stepEToday); cur.N != 3 || cur.Counts[0] != 1 || cur.Counts[3] != 1 {
		t.Errorf("round 2 tally = %+v", cur)
	}
	if v, ok := s.VoteOf(stepEToday, ps[0].ID); !ok || v.Round != 2 || v.Value.Number != 4 {
		t.Errorf("current vote of ps[0] = %+v", v)
	}
	// The profile shows the current round.
	if e := s.Profile().Entries[2]; e.N != 3 {
		t.Errorf("profile of e today counts %d votes, want round 2's 3", e.N)
	}
	var roundShift *quorum.Shift
	for _, sh := range s.Shifts() {
		if sh.Step == stepEToday {
			roundShift = &sh
		}
	}
	want := quorum.Shift{Dimension: "e", Step: stepEToday, From: "Round 1", To: "Round 2", Left: "E-left", Right: "E-right", Paired: 2, TowardRight: 1, Stayed: 1}
	if roundShift == nil || *roundShift != want {
		t.Errorf("round shift = %+v, want %+v", roundShift, want)
	}

	// Reset drops round 2 only.
	mustDo(t, s, cmd(quorum.ActionReset), now)
	if len(s.PastRounds(stepEToday)) != 1 || s.Steps[stepEToday].Round != 2 || s.Tally(stepEToday).N != 0 {
		t.Errorf("reset of round 2: past %d, state %+v", len(s.PastRounds(stepEToday)), s.Steps[stepEToday])
	}
	if _, err := s.Do(cmd(quorum.ActionRound), now); quorum.ErrorCode(err) != quorum.EINVALIDACTION {
		t.Errorf("a new round without votes: %v", err)
	}
}

func TestRestoreSortsVotesIntoRounds(t *testing.T) {
	s := newSessionFrom(t, pairedAgendaJSON)
	ps := joinAs(t, s, "", 2)
	s.Steps[stepEToday].Round = 2
	votes := []quorum.Vote{
		{SessionID: s.ID, Step: stepEToday, Round: 1, ParticipantID: ps[0].ID, Value: quorum.Value{Number: 1}, MsgID: "a"},
		{SessionID: s.ID, Step: stepEToday, Round: 2, ParticipantID: ps[0].ID, Value: quorum.Value{Number: 5}, MsgID: "b"},
		{SessionID: s.ID, Step: stepEToday, Round: 1, ParticipantID: ps[1].ID, Value: quorum.Value{Number: 2}, MsgID: "c"},
	}
	if err := s.Restore([]quorum.Participant{*ps[0], *ps[1]}, votes); err != nil {
		t.Fatal(err)
	}
	if past := s.PastRounds(stepEToday); len(past) != 1 || past[0].Tally.N != 2 {
		t.Errorf("round 1 after restore = %+v", past)
	}
	if cur := s.Tally(stepEToday); cur.N != 1 || cur.Counts[4] != 1 {
		t.Errorf("round 2 after restore = %+v", cur)
	}
	bad := append(votes, quorum.Vote{SessionID: s.ID, Step: stepEToday, Round: 3, ParticipantID: ps[1].ID, Value: quorum.Value{Number: 2}, MsgID: "d"})
	if err := s.Restore([]quorum.Participant{*ps[0], *ps[1]}, bad); quorum.ErrorCode(err) != quorum.EINTERNAL {
		t.Errorf("a vote of a round that has not started: %v", err)
	}
}

// groupSizes returns what a split shows: group → n, with -1 for hidden.
func groupSizes(groups []quorum.GroupTally) map[string]int {
	out := map[string]int{}
	for _, g := range groups {
		if g.Hidden {
			out[g.Group] = -1
			continue
		}
		out[g.Group] = g.Tally.N
	}
	return out
}

func TestSmallGroupsArePooled(t *testing.T) {
	const m, ic, ex = "Manager", "Individual contributor", "Executive"
	tests := []struct {
		name  string
		sizes map[string]int // "" for no group
		want  map[string]int
	}{
		{"every group big enough", map[string]int{m: 3, ic: 3, ex: 3}, map[string]int{m: 3, ic: 3, ex: 3}},
		// One executive alone in the pool would be that executive: the
		// smallest shown group joins the pool.
		{"one small group takes company", map[string]int{m: 5, ic: 4, ex: 1}, map[string]int{m: 5, quorum.OtherGroups: 5}},
		{"answers without a group pool on their own", map[string]int{m: 5, ic: 4, "": 3}, map[string]int{m: 5, ic: 4, quorum.OtherGroups: 3}},
		{"two small groups pool", map[string]int{m: 5, ic: 2, ex: 1}, map[string]int{m: 5, quorum.OtherGroups: 3}},
		{"a pool too small is hidden", map[string]int{m: 2}, map[string]int{quorum.OtherGroups: -1}},
		{"everyone pooled", map[string]int{m: 2, ic: 1}, map[string]int{quorum.OtherGroups: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSessionFrom(t, pairedAgendaJSON)
			openStep(t, s, stepPick)
			for segment, n := range tt.sizes {
				for _, p := range joinAs(t, s, segment, n) {
					mustCast(t, s, p.ID, stepPick, quorum.Value{Number: 0})
				}
			}
			got := groupSizes(s.GroupsOf(stepPick))
			if len(got) != len(tt.want) {
				t.Fatalf("groups = %v, want %v", got, tt.want)
			}
			for g, n := range tt.want {
				if got[g] != n {
					t.Errorf("groups = %v, want %v", got, tt.want)
				}
			}
			for _, g := range s.GroupsOf(stepPick) {
				if !g.Hidden && g.Tally.N < s.Settings.MinGroupSize {
					t.Errorf("%s shows %d answers, fewer than %d", g.Group, g.Tally.N, s.Settings.MinGroupSize)
				}
			}
		})
	}
}

func TestMinGroupSizeIsASetting(t *testing.T) {
	s := newSessionFrom(t, pairedAgendaJSON)
	openStep(t, s, stepPick)
	for _, seg := range []string{"Manager", "Individual contributor"} {
		for _, p := range joinAs(t, s, seg, 2) {
			mustCast(t, s, p.ID, stepPick, quorum.Value{Number: 1})
		}
	}
	if got := groupSizes(s.GroupsOf(stepPick)); got[quorum.OtherGroups] != 4 || len(got) != 1 {
		t.Errorf("k 3: %v", got)
	}
	settings := quorum.DefaultSettings()
	settings.MinGroupSize = 2
	mustDo(t, s, quorum.Command{Action: quorum.ActionSettings, Settings: &settings}, now)
	if got := groupSizes(s.GroupsOf(stepPick)); got["Manager"] != 2 || got["Individual contributor"] != 2 || len(got) != 2 {
		t.Errorf("k 2: %v", got)
	}
	settings.MinGroupSize = 0
	if _, err := s.Do(quorum.Command{Action: quorum.ActionSettings, Settings: &settings}, now); quorum.ErrorCode(err) != quorum.EINVALIDACTION {
		t.Errorf("k 0 accepted: %v", err)
	}
}

func TestProfileByGroupHidesSmallGroups(t *testing.T) {
	s := newSessionFrom(t, pairedAgendaJSON)
	managers := joinAs(t, s, "Manager", 3)
	ics := joinAs(t, s, "Individual contributor", 3)
	exec := joinAs(t, s, "Executive", 1)
	openStep(t, s, stepDToday)
	for _, p := range managers {
		mustCast(t, s, p.ID, stepDToday, quorum.Value{Number: 1})
	}
	for _, p := range ics {
		mustCast(t, s, p.ID, stepDToday, quorum.Value{Number: 5})
	}
	mustCast(t, s, exec[0].ID, stepDToday, quorum.Value{Number: 3})
	// Only two managers answer the target: the managers' profile would show
	// a bar of two, so they are pooled too.
	openStep(t, s, stepDTarget)
	for _, p := range append(managers[:2], ics...) {
		mustCast(t, s, p.ID, stepDTarget, quorum.Value{Number: 4})
	}
	got := map[string]quorum.GroupProfile{}
	for _, g := range s.ProfileByGroup() {
		got[g.Group] = g
	}
	if len(got) != 2 || got["Individual contributor"].Profile.Entries[0].N != 3 || !near(got["Individual contributor"].Profile.Entries[0].Mean, 1) {
		t.Fatalf("profile by group = %+v", got)
	}
	other := got[quorum.OtherGroups]
	if other.Hidden || other.Pooled != 2 || other.Profile.Entries[0].N != 4 || other.Profile.Entries[1].N != 2 {
		t.Errorf("other groups = %+v, want managers and the executive pooled", other)
	}
}

func TestProxyVotes(t *testing.T) {
	s := newSessionFrom(t, pairedAgendaJSON)
	mustDo(t, s, gotoStep(stepPick), now)
	joined := s.Joined()
	if _, _, _, err := s.CastAsProxy("", stepPick, quorum.AnyRound, quorum.Value{Number: 0}, "p1", now); quorum.ErrorCode(err) != quorum.EVOTINGCLOSED {
		t.Errorf("proxy vote before voting opened: %v", err)
	}
	if s.Joined() != joined {
		t.Errorf("a refused proxy vote added a proxy")
	}
	mustDo(t, s, cmd(quorum.ActionOpen), now)
	p, v, changed, err := s.CastAsProxy("", stepPick, quorum.AnyRound, quorum.Value{Number: 1}, "p2", now)
	if err != nil || !changed || !p.Proxy || p.Name != "Proxy 1" || v.ParticipantID != p.ID {
		t.Fatalf("proxy vote: %+v %+v %v %v", p, v, changed, err)
	}
	// Voting again as the same proxy replaces its vote: it counts once.
	if _, _, _, err := s.CastAsProxy(p.ID, stepPick, quorum.AnyRound, quorum.Value{Number: 0}, "p3", now); err != nil {
		t.Fatal(err)
	}
	if tally := s.Tally(stepPick); tally.N != 1 || tally.Counts[0] != 1 {
		t.Errorf("tally after a proxy changed its vote = %+v", tally)
	}
	human := mustJoin(t, s)
	for name, id := range map[string]string{"unknown": "nobody", "a phone's participant": human.ID} {
		if _, _, _, err := s.CastAsProxy(id, stepPick, quorum.AnyRound, quorum.Value{Number: 0}, "p4", now); quorum.ErrorCode(err) != quorum.EINVALIDACTION {
			t.Errorf("proxy vote as %s: %v", name, err)
		}
	}
	if proxies := s.Proxies(); len(proxies) != 1 || proxies[0].ID != p.ID {
		t.Errorf("proxies = %+v", proxies)
	}
}

func TestAutoReveal(t *testing.T) {
	s := newSessionFrom(t, pairedAgendaJSON)
	openStep(t, s, stepPick)
	if _, err := s.Do(cmd(quorum.ActionAllVoted), now); quorum.ErrorCode(err) != quorum.EINVALIDACTION {
		t.Errorf("all-voted on a step revealed by hand: %v", err)
	}
	mode := quorum.RevealOnAllVoted
	mustDo(t, s, quorum.Command{Action: quorum.ActionAutoReveal, Mode: &mode}, now)
	mustDo(t, s, cmd(quorum.ActionAllVoted), now)
	if st := s.Steps[stepPick]; st.Voting != quorum.VotingClosed || !st.Revealed {
		t.Errorf("after everyone voted: %+v", st)
	}
	if quorum.ActionAllVoted.HostCommand() || quorum.ActionExpire.HostCommand() || !quorum.ActionReveal.HostCommand() {
		t.Errorf("the session's own actions must not be host commands")
	}

	// On the timer: the countdown's end reveals.
	openStep(t, s, stepDToday)
	mode = quorum.RevealOnTimer
	mustDo(t, s, quorum.Command{Action: quorum.ActionAutoReveal, Mode: &mode}, now)
	mustDo(t, s, timer(10), now)
	mustDo(t, s, cmd(quorum.ActionExpire), now.Add(11*time.Second))
	if st := s.Steps[stepDToday]; st.Voting != quorum.VotingClosed || !st.Revealed {
		t.Errorf("after the timer: %+v", st)
	}
	bad := quorum.AutoReveal("sometimes")
	if _, err := s.Do(quorum.Command{Action: quorum.ActionAutoReveal, Mode: &bad}, now); quorum.ErrorCode(err) != quorum.EINVALIDACTION {
		t.Errorf("unknown mode: %v", err)
	}
}

// A gap the screens call "no gap" is never the largest, even when it is the
// only one.
func TestNoGapIsNotTheLargest(t *testing.T) {
	s := newSessionFrom(t, pairedAgendaJSON)
	// Twenty in the middle, one a point off it: a gap of a twentieth of a
	// point.
	ps := joinAs(t, s, "", 20)
	today, target := map[*quorum.Participant]int{}, map[*quorum.Participant]int{}
	for i, p := range ps {
		today[p], target[p] = 3, 3
		if i == 0 {
			target[p] = 4
		}
	}
	voteOn(t, s, stepDToday, today)
	voteOn(t, s, stepDTarget, target)
	gaps := s.Profile().Gaps
	if len(gaps) != 1 || gaps[0].Gap <= 0 || gaps[0].Gap >= quorum.NoGap || gaps[0].Largest {
		t.Errorf("gaps = %+v, want one under %v, not the largest", gaps, quorum.NoGap)
	}
}
