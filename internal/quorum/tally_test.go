package quorum_test

import (
	"math"
	"reflect"
	"testing"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// castAll has one new participant per value vote on step, which must be open.
func castAll(t *testing.T, s *quorum.Session, step int, values ...quorum.Value) {
	t.Helper()
	for _, v := range values {
		mustCast(t, s, mustJoin(t, s).ID, step, v)
	}
}

func points(ps ...int) []quorum.Value {
	out := make([]quorum.Value, len(ps))
	for i, p := range ps {
		out[i] = quorum.Value{Number: p}
	}
	return out
}

func texts(ts ...string) []quorum.Value {
	out := make([]quorum.Value, len(ts))
	for i, s := range ts {
		out[i] = quorum.Value{Text: s}
	}
	return out
}

func TestScaleMeanAndStdDev(t *testing.T) {
	tests := []struct {
		name     string
		step     int
		votes    []int
		mean, sd float64
		counts   []int
	}{
		{"no votes", stepScale7, nil, 0, 0, []int{0, 0, 0, 0, 0, 0, 0}},
		{"one vote", stepScale7, []int{6}, 6, 0, []int{0, 0, 0, 0, 0, 1, 0}},
		{"all the same", stepScale5, []int{3, 3, 3}, 3, 0, []int{0, 0, 3, 0, 0}},
		{"both ends", stepScale5, []int{1, 5}, 3, 2, []int{1, 0, 0, 0, 1}},
		// 1..7: mean 4, variance (9+4+1+0+1+4+9)/7 = 4, so 2 (the sample deviation would be 2.16).
		{"every point once", stepScale7, []int{1, 2, 3, 4, 5, 6, 7}, 4, 2, []int{1, 1, 1, 1, 1, 1, 1}},
		// mean 3.8, variance (3.24 + 3×0.04 + 1.44)/5 = 0.96.
		{"skewed", stepScale5, []int{2, 4, 4, 4, 5}, 3.8, math.Sqrt(0.96), []int{0, 1, 0, 3, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t)
			openStep(t, s, tt.step)
			castAll(t, s, tt.step, points(tt.votes...)...)
			tally := s.Tally(tt.step)
			if tally.Kind != quorum.KindScale || tally.N != len(tt.votes) {
				t.Errorf("kind %q N %d", tally.Kind, tally.N)
			}
			if !near(tally.Mean(), tt.mean) || !near(tally.StdDev(), tt.sd) {
				t.Errorf("mean %v sd %v, want %v and %v", tally.Mean(), tally.StdDev(), tt.mean, tt.sd)
			}
			if !reflect.DeepEqual(tally.Counts, tt.counts) {
				t.Errorf("counts %v, want %v", tally.Counts, tt.counts)
			}
		})
	}
}

func TestNormalizeText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Listen more", "listen more"},
		{"listen more!", "listen more"},
		{"  Listen   more ", "listen more"},
		{"LISTEN\tMORE...", "listen more"},
		{"«Listen more»", "listen more"},
		{"don't stop", "don't stop"}, // punctuation inside an answer counts
		{"Écouter", "écouter"},
		{"?!", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := quorum.NormalizeText(tt.in); got != tt.want {
				t.Errorf("NormalizeText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTextTally(t *testing.T) {
	tests := []struct {
		name  string
		votes []string
		limit int
		want  []quorum.WordCount
	}{
		{"no answers", nil, 0, []quorum.WordCount{}},
		{"one spelling folds the others", []string{"Listen more", "listen more!", "  Listen   more "}, 0,
			[]quorum.WordCount{{Text: "Listen more", Count: 3}}},
		{"most given first, then alphabetical; tied spellings go to sort order", []string{"b", "a", "c", "B", "c", "d", "A", "c"}, 0,
			[]quorum.WordCount{{Text: "c", Count: 3}, {Text: "A", Count: 2}, {Text: "B", Count: 2}, {Text: "d", Count: 1}}},
		{"the most common spelling wins, whatever the order", []string{"team", "Team", "TEAM", "Team"}, 0,
			[]quorum.WordCount{{Text: "Team", Count: 4}}},
		{"limit", []string{"b", "a", "c", "B", "c", "d", "A", "c"}, 2,
			[]quorum.WordCount{{Text: "c", Count: 3}, {Text: "A", Count: 2}}},
		{"limit above the count", []string{"x", "y"}, 5,
			[]quorum.WordCount{{Text: "x", Count: 1}, {Text: "y", Count: 1}}},
		{"negative limit means all", []string{"x", "y"}, -1,
			[]quorum.WordCount{{Text: "x", Count: 1}, {Text: "y", Count: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t)
			openStep(t, s, stepText)
			castAll(t, s, stepText, texts(tt.votes...)...)
			tally := s.Tally(stepText)
			if tally.N != len(tt.votes) {
				t.Errorf("N = %d, want %d", tally.N, len(tt.votes))
			}
			if got := tally.Words(tt.limit); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Words(%d) = %v, want %v", tt.limit, got, tt.want)
			}
		})
	}
}

func TestChoiceTally(t *testing.T) {
	s := newSession(t)
	openStep(t, s, stepChoice)
	castAll(t, s, stepChoice, points(0, 2, 2, 1, 2)...)
	tally := s.Tally(stepChoice)
	if tally.Kind != quorum.KindChoice || tally.N != 5 || !reflect.DeepEqual(tally.Counts, []int{1, 1, 3}) {
		t.Errorf("kind %q N %d counts %v", tally.Kind, tally.N, tally.Counts)
	}
	// The other steps are untouched.
	if n := s.Tally(stepScale5).N + s.Tally(stepText).N; n != 0 {
		t.Errorf("votes leaked to other steps: %d", n)
	}
}

const profileAgendaJSON = `{
  "title": "Profile",
  "steps": [
    {"kind": "scale", "title": "a today, 5", "left": "A-left", "right": "A-right", "points": 5, "dimension": "a", "series": "today"},
    {"kind": "scale", "title": "a today, 7", "left": "A-left", "right": "A-right", "points": 7, "dimension": "a", "series": "today"},
    {"kind": "scale", "title": "a target", "left": "A-left", "right": "A-right", "points": 7, "dimension": "a", "series": "target"},
    {"kind": "scale", "title": "b", "left": "B-left", "right": "B-right", "points": 5, "dimension": "b"},
    {"kind": "scale", "title": "no dimension", "left": "L", "right": "R", "points": 7},
    {"kind": "scale", "title": "c, nobody votes", "left": "C-left", "right": "C-right", "points": 5, "dimension": "c", "series": "today"},
    {"kind": "profile", "title": "Profile"}
  ]
}`

func TestProfile(t *testing.T) {
	s := newSessionFrom(t, profileAgendaJSON)
	vote := func(step int, ps ...int) {
		mustDo(t, s, gotoStep(step), now)
		mustDo(t, s, cmd(quorum.ActionOpen), now)
		castAll(t, s, step, points(ps...)...)
	}
	vote(0, 1, 5)    // 5 points: -1, +1
	vote(1, 4)       // 7 points: 0
	vote(2, 7, 5)    // 7 points: +1, +1/3
	vote(3, 4)       // 5 points: +0.5
	vote(4, 1, 1, 1) // no dimension: not in the profile

	got := s.Profile().Entries
	want := []quorum.ProfileEntry{
		// -1, +1 and 0 pooled: mean 0, variance 2/3.
		{Dimension: "a", Series: "today", Left: "A-left", Right: "A-right", Mean: 0, Spread: math.Sqrt(2.0 / 3), N: 3},
		// +1 and +1/3: mean 2/3, spread 1/3.
		{Dimension: "a", Series: "target", Left: "A-left", Right: "A-right", Mean: 2.0 / 3, Spread: 1.0 / 3, N: 2},
		{Dimension: "b", Series: "", Left: "B-left", Right: "B-right", Mean: 0.5, Spread: 0, N: 1},
		{Dimension: "c", Series: "today", Left: "C-left", Right: "C-right", Mean: 0, Spread: 0, N: 0},
	}
	if len(got) != len(want) {
		t.Fatalf("Profile = %+v, want %d entries", got, len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Dimension != w.Dimension || g.Series != w.Series || g.Left != w.Left || g.Right != w.Right || g.N != w.N ||
			!near(g.Mean, w.Mean) || !near(g.Spread, w.Spread) {
			t.Errorf("entry %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestProfileMapsEveryPoint(t *testing.T) {
	// Each point p of an n-point scale sits at (p-1)/(n-1)*2-1.
	tests := []struct {
		step  int // in profileAgendaJSON: 0 has 5 points, 1 has 7
		point int
		want  float64
	}{
		{0, 1, -1}, {0, 2, -0.5}, {0, 3, 0}, {0, 4, 0.5}, {0, 5, 1},
		{1, 1, -1}, {1, 2, -2.0 / 3}, {1, 3, -1.0 / 3}, {1, 4, 0}, {1, 5, 1.0 / 3}, {1, 6, 2.0 / 3}, {1, 7, 1},
	}
	for _, tt := range tests {
		t.Run(itoa(tt.step)+"/"+itoa(tt.point), func(t *testing.T) {
			s := newSessionFrom(t, profileAgendaJSON)
			openStep(t, s, tt.step)
			castAll(t, s, tt.step, quorum.Value{Number: tt.point})
			e := s.Profile().Entries[0]
			if e.N != 1 || !near(e.Mean, tt.want) || !near(e.Spread, 0) {
				t.Errorf("point %d of step %d: %+v, want mean %v", tt.point, tt.step, e, tt.want)
			}
		})
	}
}
