package quorum

import (
	"math"
	"sort"
	"strings"
	"unicode"
)

// Value is a participant's answer to a step: an option index from 0 for a
// choice step, a point from 1 to Points for a scale step, Text for a text step.
type Value struct {
	Number int
	Text   string
}

// Tally is the running aggregate of one step's votes. It is updated vote by
// vote, so a change of vote costs O(1) and no pass over all votes.
type Tally struct {
	Kind   StepKind
	N      int   // number of votes
	Counts []int // choice: per option; scale: per point (Counts[0] is point 1)
	sum    float64
	sumSq  float64
	words  map[string]*wordAcc // text: by normalised answer
}

// wordAcc counts one normalised answer and each spelling of it, so that the
// spelling shown does not depend on the order votes arrived in.
type wordAcc struct {
	count     int
	spellings map[string]int
}

// display is the most common spelling; ties go to the first in sort order.
func (w *wordAcc) display() string {
	best, bestN := "", 0
	for text, n := range w.spellings {
		if n > bestN || (n == bestN && text < best) {
			best, bestN = text, n
		}
	}
	return best
}

// WordCount is one distinct text answer: its most common spelling, and how many gave it.
type WordCount struct {
	Text  string `json:"text"`
	Count int    `json:"count"`
}

func newTally(s *Step) *Tally {
	t := &Tally{Kind: s.Kind}
	switch s.Kind {
	case KindChoice:
		t.Counts = make([]int, len(s.Options))
	case KindScale:
		t.Counts = make([]int, s.Points)
	case KindText:
		t.words = map[string]*wordAcc{}
	}
	return t
}

func (t *Tally) add(v Value, delta int) {
	t.N += delta
	switch t.Kind {
	case KindChoice:
		t.Counts[v.Number] += delta
	case KindScale:
		t.Counts[v.Number-1] += delta
		x := float64(v.Number)
		t.sum += float64(delta) * x
		t.sumSq += float64(delta) * x * x
	case KindText:
		key := NormalizeText(v.Text)
		w := t.words[key]
		if w == nil {
			w = &wordAcc{spellings: map[string]int{}}
			t.words[key] = w
		}
		w.count += delta
		w.spellings[v.Text] += delta
		if w.spellings[v.Text] == 0 {
			delete(w.spellings, v.Text)
		}
		if w.count == 0 {
			delete(t.words, key)
		}
	}
}

// Mean is the average scale point, 0 without votes.
func (t *Tally) Mean() float64 {
	if t.N == 0 {
		return 0
	}
	return t.sum / float64(t.N)
}

// StdDev is the population standard deviation of the scale points: how spread
// the room is, not an estimate for a larger population.
func (t *Tally) StdDev() float64 {
	if t.N == 0 {
		return 0
	}
	mean := t.Mean()
	return math.Sqrt(math.Max(0, t.sumSq/float64(t.N)-mean*mean))
}

// Words returns the distinct text answers, most given first, at most limit of them.
func (t *Tally) Words(limit int) []WordCount {
	out := make([]WordCount, 0, len(t.words))
	for _, w := range t.words {
		out = append(out, WordCount{Text: w.display(), Count: w.count})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Text < out[j].Text
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// NormalizeText folds answers that mean the same word together: case,
// surrounding punctuation and runs of spaces do not count.
func NormalizeText(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) })
}
