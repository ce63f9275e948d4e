package quorum_test

import (
	"slices"
	"testing"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

const stepProfileOfPaired = 5

// stage says where the session is: its step, the views of its stage and the
// one shown.
func stage(s *quorum.Session) (int, []quorum.View, int) {
	views, view := s.Stage(s.CurrentStep)
	return s.CurrentStep, views, view
}

// TestViewsFollowTheStep: one view until the reveal; a revealed profile
// with paired answers shows the profile, then who moved; split by group, the
// groups follow on views of their own, a fixed number on each.
func TestViewsFollowTheStep(t *testing.T) {
	s := newSessionFrom(t, pairedAgendaJSON)
	// 4 groups with answers (3 segments and the pool of answers without
	// one), so 4 group charts of a scale: one view.
	var ps []*quorum.Participant
	for _, g := range []string{"Manager", "Individual contributor", "Executive", ""} {
		ps = append(ps, joinAs(t, s, g, 3)...)
	}
	votes := map[*quorum.Participant]int{}
	for i, p := range ps {
		votes[p] = 1 + i%5
	}
	voteOn(t, s, stepDToday, votes)
	if _, views, _ := stage(s); !slices.Equal(views, []quorum.View{quorum.ViewStep}) {
		t.Errorf("before the reveal: views %v, want [step]", views)
	}
	mustDo(t, s, cmd(quorum.ActionReveal), now)
	if _, views, _ := stage(s); !slices.Equal(views, []quorum.View{quorum.ViewResults}) {
		t.Errorf("revealed: views %v, want [results]", views)
	}
	split := quorum.DefaultSettings()
	split.SplitByGroup = true
	mustDo(t, s, quorum.Command{Action: quorum.ActionSettings, Settings: &split}, now)
	if _, views, _ := stage(s); !slices.Equal(views, []quorum.View{quorum.ViewResults, quorum.ViewGroups}) {
		t.Errorf("split by group: views %v, want [results groups]", views)
	}

	voteOn(t, s, stepDTarget, votes)
	mustDo(t, s, gotoStep(stepProfileOfPaired), now)
	mustDo(t, s, cmd(quorum.ActionReveal), now)
	// 4 groups' profiles, 2 on a view.
	want := []quorum.View{quorum.ViewProfile, quorum.ViewMoved, quorum.ViewGroups, quorum.ViewGroups}
	if _, views, _ := stage(s); !slices.Equal(views, want) {
		t.Errorf("profile split by group: views %v, want %v", views, want)
	}
	split.SplitByGroup = false
	mustDo(t, s, quorum.Command{Action: quorum.ActionSettings, Settings: &split}, now)
	want = []quorum.View{quorum.ViewProfile, quorum.ViewMoved}
	if _, views, _ := stage(s); !slices.Equal(views, want) {
		t.Errorf("profile: views %v, want %v", views, want)
	}
}

// TestForwardAndBackStepThroughViews: forward goes to the next view, then to
// the next step; back mirrors it and enters a step on its last view; any
// other move, a hide or a new setting starts again on the first view.
func TestForwardAndBackStepThroughViews(t *testing.T) {
	s := newSessionFrom(t, pairedAgendaJSON)
	ps := joinAs(t, s, "", 3)
	votes := map[*quorum.Participant]int{ps[0]: 1, ps[1]: 3, ps[2]: 5}
	voteOn(t, s, stepDToday, votes)
	voteOn(t, s, stepDTarget, map[*quorum.Participant]int{ps[0]: 2, ps[1]: 3, ps[2]: 5})
	mustDo(t, s, gotoStep(stepProfileOfPaired), now)
	mustDo(t, s, cmd(quorum.ActionReveal), now)

	type at struct{ step, view int }
	where := func() at { step, _, view := stage(s); return at{step, view} }
	moves := []struct {
		action quorum.Action
		want   at
	}{
		{quorum.ActionForward, at{stepProfileOfPaired, 1}}, // who moved
		{quorum.ActionBack, at{stepProfileOfPaired, 0}},
		{quorum.ActionBack, at{stepPick, 0}}, // the choice before: one view
		{quorum.ActionForward, at{stepProfileOfPaired, 0}},
		{quorum.ActionForward, at{stepProfileOfPaired, 1}},
	}
	for _, m := range moves {
		change := mustDo(t, s, cmd(m.action), now)
		if got := where(); got != m.want {
			t.Fatalf("after %s: step %d view %d, want step %d view %d", m.action, got.step, got.view, m.want.step, m.want.view)
		}
		if change.Event.Action != m.action || change.Event.Step != m.want.step {
			t.Errorf("%s recorded as %+v", m.action, change.Event)
		}
	}
	if _, err := s.Do(cmd(quorum.ActionForward), now); quorum.ErrorCode(err) != quorum.EINVALIDACTION {
		t.Errorf("forward past the last view of the last step: %v, want %s", err, quorum.EINVALIDACTION)
	}
	// Back from the step after enters the profile on its last view.
	mustDo(t, s, cmd(quorum.ActionBack), now)
	mustDo(t, s, gotoStep(stepPick), now)
	mustDo(t, s, cmd(quorum.ActionNext), now)
	if got := where(); got != (at{stepProfileOfPaired, 0}) {
		t.Errorf("next onto the profile: %+v, want its first view", got)
	}
	mustDo(t, s, cmd(quorum.ActionForward), now)
	mustDo(t, s, cmd(quorum.ActionHide), now)
	mustDo(t, s, cmd(quorum.ActionReveal), now)
	if got := where(); got != (at{stepProfileOfPaired, 0}) {
		t.Errorf("hidden and revealed again: %+v, want the first view", got)
	}
}

// TestForwardStartsTheSession: in the lobby forward starts on the first step,
// as next does; on the first step, back is refused as prev is.
func TestForwardStartsTheSession(t *testing.T) {
	s := newSession(t)
	mustDo(t, s, cmd(quorum.ActionForward), now)
	if s.Status != quorum.StatusLive || s.CurrentStep != 0 {
		t.Fatalf("forward in the lobby: %s on step %d, want live on 0", s.Status, s.CurrentStep)
	}
	if _, err := s.Do(cmd(quorum.ActionBack), now); quorum.ErrorCode(err) != quorum.EINVALIDACTION {
		t.Errorf("back on the first step: %v, want %s", err, quorum.EINVALIDACTION)
	}
}

// TestViewsOfALongProfile: more dimensions than a view holds go on more
// profile views, and a group's profile on more group views.
func TestViewsOfALongProfile(t *testing.T) {
	doc := `{"title": "Long", "segments": ["A"], "steps": [`
	for i := range quorum.DimensionsPerView + 1 {
		doc += `{"kind": "scale", "title": "q", "left": "L", "right": "R", "points": 5, "dimension": "d` + itoa(i) + `"},`
	}
	doc += `{"kind": "profile", "title": "Profile"}]}`
	s := newSessionFrom(t, doc)
	p := mustJoin(t, s)
	voteOn(t, s, 0, map[*quorum.Participant]int{p: 2})
	mustDo(t, s, gotoStep(quorum.DimensionsPerView+1), now)
	mustDo(t, s, cmd(quorum.ActionReveal), now)
	if _, views, _ := stage(s); !slices.Equal(views, []quorum.View{quorum.ViewProfile, quorum.ViewProfile}) {
		t.Errorf("views %v, want two profile views", views)
	}
	split := quorum.DefaultSettings()
	split.SplitByGroup = true
	mustDo(t, s, quorum.Command{Action: quorum.ActionSettings, Settings: &split}, now)
	// One group (the pool of answers without one), its 7 rows on 2 views.
	want := []quorum.View{quorum.ViewProfile, quorum.ViewProfile, quorum.ViewGroups, quorum.ViewGroups}
	if _, views, _ := stage(s); !slices.Equal(views, want) {
		t.Errorf("split by group: views %v, want %v", views, want)
	}
}

// TestGapInPoints: the stage tells a gap in the scale's own points.
func TestGapInPoints(t *testing.T) {
	s := newSessionFrom(t, pairedAgendaJSON)
	ps := joinAs(t, s, "", 2)
	// d today 1 and 2 (mean 1.5), target 4 and 5 (4.5): 3 points to the right.
	voteOn(t, s, stepDToday, map[*quorum.Participant]int{ps[0]: 1, ps[1]: 2})
	voteOn(t, s, stepDTarget, map[*quorum.Participant]int{ps[0]: 4, ps[1]: 5})
	gaps := s.Profile().Gaps
	if len(gaps) != 1 || !near(gaps[0].Points, 3) || !near(gaps[0].Gap, 1.5) {
		t.Errorf("gaps = %+v, want d: 1.5 on −1…+1, 3 points", gaps)
	}
}
