package quorum

import (
	"iter"
	"math"
	"sort"
	"strconv"
)

// This file reads a room across steps: the profile of its scale steps by
// dimension, its answers split by group without exposing small groups, and
// who moved between paired answers. Everything here is computed from the
// tallies and votes on demand; nothing is stored.

// ProfileEntry is the room's position on one dimension for one series, on a
// scale from -1 (the left pole) to +1 (the right pole), so that 5- and 7-point
// scales pool.
type ProfileEntry struct {
	Dimension string  `json:"dimension"`
	Series    string  `json:"series"`
	Left      string  `json:"left"`
	Right     string  `json:"right"`
	N         int     `json:"n"`
	Mean      float64 `json:"mean"`
	Spread    float64 `json:"spread"` // population standard deviation
	// The quartiles of the answers (linear interpolation between ranks, as
	// spreadsheets' QUARTILE.INC does): the middle half of the room lies
	// between Q1 and Q3.
	Q1     float64 `json:"q1"`
	Median float64 `json:"median"`
	Q3     float64 `json:"q3"`
	// Shares of the answers left and right of the midpoint.
	LeftShare  float64 `json:"leftShare"`
	RightShare float64 `json:"rightShare"`
	// Split is set when at least the session's split share of answers lies on
	// each side of the midpoint: the room disagrees, whatever the mean says.
	Split bool `json:"split,omitempty"`
}

// ProfileGap is how far one series of a dimension is from the first one
// (today → target): To's mean minus From's, from -2 to +2.
type ProfileGap struct {
	Dimension string  `json:"dimension"`
	From      string  `json:"from"`
	To        string  `json:"to"`
	Gap       float64 `json:"gap"`
	// Points is the gap in points of the dimension's scales (a 7-point
	// scale's −2…+2 is −3…+3 points); absent when its scales differ in points.
	Points float64 `json:"points,omitempty"`
	// Largest marks the gap furthest from zero in the profile.
	Largest bool `json:"largest,omitempty"`
}

// Profile is the room across the dimensions of its scale steps.
type Profile struct {
	Entries []ProfileEntry `json:"entries"`
	Gaps    []ProfileGap   `json:"gaps,omitempty"`
}

// profileKey names one bar of the profile.
type profileKey struct{ dimension, series string }

// dimensionSteps yields the profile's questions: the scale steps that carry a
// dimension, with the bar each one adds to.
func (s *Session) dimensionSteps() iter.Seq2[int, profileKey] {
	return func(yield func(int, profileKey) bool) {
		for i := range s.Agenda.Steps {
			step := &s.Agenda.Steps[i]
			if step.Kind == KindScale && step.Dimension != "" && !yield(i, profileKey{step.Dimension, step.Series}) {
				return
			}
		}
	}
}

// distribution counts answers by their position on [-1, 1].
type distribution map[float64]int

// position maps point p (from 1) of an n-point scale to [-1, 1].
func position(p, points int) float64 {
	return float64(p-1)*2/float64(points-1) - 1
}

// Profile aggregates the current round of every scale step that carries a
// dimension, in agenda order of first appearance of each dimension and series.
func (s *Session) Profile() Profile {
	return s.profileOf(func(step int) []int { return s.tallies[step].Counts })
}

// profileOf builds the profile from per-step point counts.
func (s *Session) profileOf(countsOf func(step int) []int) Profile {
	var order []profileKey
	entries := map[profileKey]*ProfileEntry{}
	dists := map[profileKey]distribution{}
	points := map[string]int{} // by dimension; -1 when its scales differ
	for i, k := range s.dimensionSteps() {
		step := &s.Agenda.Steps[i]
		if p, ok := points[k.dimension]; !ok {
			points[k.dimension] = step.Points
		} else if p != step.Points {
			points[k.dimension] = -1
		}
		if entries[k] == nil {
			entries[k] = &ProfileEntry{Dimension: step.Dimension, Series: step.Series, Left: step.Left, Right: step.Right}
			dists[k] = distribution{}
			order = append(order, k)
		}
		for p, c := range countsOf(i) {
			if c > 0 {
				dists[k][position(p+1, step.Points)] += c
			}
		}
	}
	out := Profile{Entries: make([]ProfileEntry, 0, len(order))}
	for _, k := range order {
		e := entries[k]
		dists[k].describe(e, s.Settings.SplitShare)
		out.Entries = append(out.Entries, *e)
	}
	out.Gaps = gaps(out.Entries, points)
	return out
}

// describe fills an entry's statistics from its distribution.
func (d distribution) describe(e *ProfileEntry, splitShare float64) {
	xs := make([]float64, 0, len(d))
	var sum, sumSq float64
	var left, right int
	for x, c := range d {
		xs = append(xs, x)
		e.N += c
		sum += float64(c) * x
		sumSq += float64(c) * x * x
		switch {
		case x < -1e-9:
			left += c
		case x > 1e-9:
			right += c
		}
	}
	if e.N == 0 {
		return
	}
	sort.Float64s(xs)
	n := float64(e.N)
	e.Mean = sum / n
	e.Spread = math.Sqrt(math.Max(0, sumSq/n-e.Mean*e.Mean))
	e.Q1, e.Median, e.Q3 = d.quantile(xs, e.N, 0.25), d.quantile(xs, e.N, 0.5), d.quantile(xs, e.N, 0.75)
	e.LeftShare, e.RightShare = float64(left)/n, float64(right)/n
	e.Split = e.LeftShare >= splitShare && e.RightShare >= splitShare
}

// quantile interpolates linearly between the answers ranked around p·(n-1),
// counting each position as often as it was given; xs are the sorted positions.
func (d distribution) quantile(xs []float64, n int, p float64) float64 {
	h := p * float64(n-1)
	lo := int(math.Floor(h))
	at := func(rank int) float64 {
		for _, x := range xs {
			if rank < d[x] {
				return x
			}
			rank -= d[x]
		}
		return xs[len(xs)-1]
	}
	x := at(lo)
	if frac := h - float64(lo); frac > 0 {
		x += frac * (at(lo+1) - x)
	}
	return x
}

// gaps compares each later series of a dimension with its first series.
// points has the number of points of each dimension's scales.
func gaps(entries []ProfileEntry, points map[string]int) []ProfileGap {
	first := map[string]*ProfileEntry{}
	var out []ProfileGap
	largest := -1
	for i := range entries {
		e := &entries[i]
		f := first[e.Dimension]
		if f == nil {
			first[e.Dimension] = e
			continue
		}
		if f.N == 0 || e.N == 0 {
			continue
		}
		g := ProfileGap{Dimension: e.Dimension, From: f.Series, To: e.Series, Gap: e.Mean - f.Mean}
		if p := points[e.Dimension]; p > 1 {
			g.Points = math.Round(g.Gap*float64(p-1)/2*100) / 100
		}
		out = append(out, g)
		if g := len(out) - 1; largest < 0 || math.Abs(out[g].Gap) > math.Abs(out[largest].Gap) {
			largest = g
		}
	}
	if largest >= 0 && math.Abs(out[largest].Gap) >= NoGap {
		out[largest].Largest = true
	}
	return out
}

// NoGap is the smallest gap (on −1…+1) that is one: the screens say "no
// gap" below it, so no such gap is the largest.
const NoGap = 0.05

// OtherGroups names the pool of groups too small to show on their own, and
// of answers given without a group.
const OtherGroups = "Other groups"

// GroupPlan says which groups a split shows on their own and which it pools.
type GroupPlan struct {
	Shown  []string        // in agenda order
	Pooled map[string]bool // "" stands for answers without a group
	// PoolSize is the answers in the pool; PoolHidden is set when the pool
	// is itself too small to show.
	PoolSize   int
	PoolHidden bool
}

// planGroups decides which groups may show their answers. A group with fewer
// than k answers goes into the pool, and so do the smallest visible groups
// until the pool has k answers and mixes at least two groups: otherwise the
// pool, or the total minus the visible groups, would be the small group.
func planGroups(segments []string, sizes map[string]int, k int) GroupPlan {
	plan := GroupPlan{Pooled: map[string]bool{}}
	var shown []string
	contributors := 0
	pool := func(g string) {
		plan.Pooled[g] = true
		plan.PoolSize += sizes[g]
		if sizes[g] > 0 {
			contributors++
		}
	}
	if sizes[""] > 0 {
		pool("")
	}
	for _, g := range segments {
		switch {
		case sizes[g] == 0:
		case sizes[g] < k:
			pool(g)
		default:
			shown = append(shown, g)
		}
	}
	// Answers without a group are many people's; a pool of only those is fine
	// once it is big enough.
	needsCompany := func() bool { return contributors == 1 && !plan.Pooled[""] }
	for plan.PoolSize > 0 && (plan.PoolSize < k || needsCompany()) && len(shown) > 0 {
		smallest := 0
		for i, g := range shown {
			if sizes[g] < sizes[shown[smallest]] {
				smallest = i
			}
		}
		pool(shown[smallest])
		shown = append(shown[:smallest], shown[smallest+1:]...)
	}
	plan.Shown = shown
	plan.PoolHidden = plan.PoolSize > 0 && (plan.PoolSize < k || needsCompany())
	return plan
}

// GroupTally is one column of a result split by group.
type GroupTally struct {
	Group  string // a segment, or OtherGroups
	Pooled int    // for OtherGroups: how many groups it holds
	Hidden bool   // too few answers to show; Tally is nil
	Tally  *Tally
}

// GroupsOf returns a step's current round split by the participants' groups,
// with groups below the session's minimum group size pooled. It is nil when
// the agenda has no groups.
func (s *Session) GroupsOf(step int) []GroupTally {
	if len(s.Agenda.Segments) == 0 {
		return nil
	}
	def := &s.Agenda.Steps[step]
	byGroup := map[string]*Tally{}
	sizes := map[string]int{}
	for pid, v := range s.votes[step] {
		g := s.participants[pid].Segment
		if byGroup[g] == nil {
			byGroup[g] = newTally(def)
		}
		byGroup[g].add(v.Value, 1)
		sizes[g]++
	}
	plan := planGroups(s.Agenda.Segments, sizes, s.Settings.MinGroupSize)
	out := make([]GroupTally, 0, len(plan.Shown)+1)
	for _, g := range plan.Shown {
		out = append(out, GroupTally{Group: g, Tally: byGroup[g]})
	}
	if plan.PoolSize > 0 {
		other := GroupTally{Group: OtherGroups, Pooled: len(plan.Pooled), Hidden: plan.PoolHidden}
		if !plan.PoolHidden {
			other.Tally = newTally(def)
			for pid, v := range s.votes[step] {
				if plan.Pooled[s.participants[pid].Segment] {
					other.Tally.add(v.Value, 1)
				}
			}
		}
		out = append(out, other)
	}
	return out
}

// GroupProfile is the profile of one group.
type GroupProfile struct {
	Group   string  `json:"group"`
	Pooled  int     `json:"pooled,omitempty"`
	Hidden  bool    `json:"hidden,omitempty"`
	Profile Profile `json:"profile"`
}

// ProfileByGroup splits the profile by group. A group's size is its fewest
// answers on any bar of the profile, so that no bar shows a small group.
func (s *Session) ProfileByGroup() []GroupProfile {
	if len(s.Agenda.Segments) == 0 {
		return nil
	}
	counts := map[string]map[int][]int{} // group → step → counts
	perBar := map[string]map[profileKey]int{}
	bars := map[profileKey]bool{}
	for i, k := range s.dimensionSteps() {
		step := &s.Agenda.Steps[i]
		bars[k] = bars[k] || s.tallies[i].N > 0
		for pid, v := range s.votes[i] {
			g := s.participants[pid].Segment
			if counts[g] == nil {
				counts[g], perBar[g] = map[int][]int{}, map[profileKey]int{}
			}
			if counts[g][i] == nil {
				counts[g][i] = make([]int, step.Points)
			}
			counts[g][i][v.Value.Number-1]++
			perBar[g][k]++
		}
	}
	sizes := map[string]int{}
	for g, byBar := range perBar {
		size := -1
		for k, answered := range bars {
			if answered && (size < 0 || byBar[k] < size) {
				size = byBar[k]
			}
		}
		sizes[g] = max(size, 0)
	}
	// A group that gave answers but misses a bar still has answers to pool.
	for g, byBar := range perBar {
		if sizes[g] == 0 {
			for _, n := range byBar {
				sizes[g] = max(sizes[g], n)
			}
		}
	}
	plan := planGroups(s.Agenda.Segments, sizes, s.Settings.MinGroupSize)
	var out []GroupProfile
	for _, g := range plan.Shown {
		out = append(out, GroupProfile{Group: g, Profile: s.profileOf(func(step int) []int { return counts[g][step] })})
	}
	if plan.PoolSize > 0 {
		other := GroupProfile{Group: OtherGroups, Pooled: len(plan.Pooled), Hidden: plan.PoolHidden}
		if !plan.PoolHidden {
			other.Profile = s.profileOf(func(step int) []int {
				sum := make([]int, s.Agenda.Steps[step].Points)
				for g := range plan.Pooled {
					for p, c := range counts[g][step] {
						sum[p] += c
					}
				}
				return sum
			})
		}
		out = append(out, other)
	}
	return out
}

// Shift is how the same anonymous participants answered two paired
// questions: the series of one dimension (today → target), or two rounds of
// one step. Only counts, never who.
type Shift struct {
	Dimension string `json:"dimension,omitempty"` // series pairs
	Step      int    `json:"step"`                // round pairs: the step; series pairs: -1
	From      string `json:"from"`                // a series name, or "Round 1"
	To        string `json:"to"`
	Left      string `json:"left"`
	Right     string `json:"right"`
	// Paired is how many answered both; each of them moved toward the left
	// pole, stayed, or moved toward the right pole.
	Paired      int `json:"paired"`
	TowardLeft  int `json:"towardLeft"`
	Stayed      int `json:"stayed"`
	TowardRight int `json:"towardRight"`
}

// Shifts lists every paired comparison the session has answers for: each
// dimension's later series against its first, then each scale step's rounds
// against the round before.
func (s *Session) Shifts() []Shift {
	out := s.SeriesShifts()
	for i := range s.Agenda.Steps {
		out = append(out, s.RoundShifts(i)...)
	}
	return out
}

// SeriesShifts compares each dimension's later series with its first (today
// → target). A participant's position on a series is the mean of their
// current-round answers to the steps of that series. It passes over every
// vote of the profile's steps: the profile step's results, not a scale's.
func (s *Session) SeriesShifts() []Shift {
	var out []Shift
	type acc struct {
		sum float64
		n   int
	}
	positions := map[profileKey]map[string]*acc{}
	var order []profileKey
	labels := map[string][2]string{}
	for i, k := range s.dimensionSteps() {
		step := &s.Agenda.Steps[i]
		if positions[k] == nil {
			positions[k] = map[string]*acc{}
			order = append(order, k)
		}
		if _, ok := labels[step.Dimension]; !ok {
			labels[step.Dimension] = [2]string{step.Left, step.Right}
		}
		for pid, v := range s.votes[i] {
			a := positions[k][pid]
			if a == nil {
				a = &acc{}
				positions[k][pid] = a
			}
			a.sum += position(v.Value.Number, step.Points)
			a.n++
		}
	}
	first := map[string]profileKey{}
	for _, k := range order {
		f, ok := first[k.dimension]
		if !ok {
			first[k.dimension] = k
			continue
		}
		sh := Shift{Dimension: k.dimension, Step: -1, From: f.series, To: k.series, Left: labels[k.dimension][0], Right: labels[k.dimension][1]}
		for pid, to := range positions[k] {
			if from := positions[f][pid]; from != nil {
				sh.count(from.sum/float64(from.n), to.sum/float64(to.n))
			}
		}
		if sh.Paired > 0 {
			out = append(out, sh)
		}
	}
	return out
}

// RoundShifts compares each round of a scale step with the round before; a
// step asked once has none.
func (s *Session) RoundShifts(i int) []Shift {
	step := &s.Agenda.Steps[i]
	if step.Kind != KindScale || len(s.past[i]) == 0 {
		return nil
	}
	var out []Shift
	rounds := append(roundVotes(s.past[i]), s.votes[i])
	for r := 1; r < len(rounds); r++ {
		sh := Shift{Dimension: step.Dimension, Step: i, From: roundName(r), To: roundName(r + 1), Left: step.Left, Right: step.Right}
		for pid, to := range rounds[r] {
			if from := rounds[r-1][pid]; from != nil {
				sh.count(float64(from.Value.Number), float64(to.Value.Number))
			}
		}
		if sh.Paired > 0 {
			out = append(out, sh)
		}
	}
	return out
}

func (sh *Shift) count(from, to float64) {
	sh.Paired++
	switch d := to - from; {
	case d < -1e-9:
		sh.TowardLeft++
	case d > 1e-9:
		sh.TowardRight++
	default:
		sh.Stayed++
	}
}

func roundVotes(rounds []Round) []map[string]*Vote {
	out := make([]map[string]*Vote, len(rounds))
	for i, r := range rounds {
		out[i] = r.Votes
	}
	return out
}

// roundName is how people call round n (from 1).
func roundName(n int) string { return "Round " + strconv.Itoa(n) }
