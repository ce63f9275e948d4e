package main

import (
	"slices"
	"testing"
)

func TestPercentile(t *testing.T) {
	hundred := make([]float64, 100)
	for i := range hundred {
		hundred[i] = float64(i + 1)
	}
	for _, c := range []struct {
		sorted []float64
		p      float64
		want   float64
	}{
		{nil, 50, 0},
		{[]float64{7}, 1, 7},
		{[]float64{7}, 99, 7},
		{[]float64{1, 2}, 50, 1},
		{[]float64{1, 2}, 51, 2},
		{[]float64{1, 2, 3, 4}, 50, 2},
		{[]float64{1, 2, 3, 4}, 75, 3},
		{[]float64{1, 2, 3, 4}, 100, 4},
		{hundred, 50, 50},
		{hundred, 95, 95},
		{hundred, 99, 99},
		{hundred, 99.5, 100},
		{hundred, 0.1, 1},
	} {
		if got := percentile(c.sorted, c.p); got != c.want {
			t.Errorf("percentile(%d values, %v) = %v, want %v", len(c.sorted), c.p, got, c.want)
		}
	}
}

func TestDistOf(t *testing.T) {
	d := distOf([]float64{5, 1, 4, 2, 3})
	if d != (Dist{Count: 5, P50: 3, P95: 5, P99: 5, Max: 5}) {
		t.Errorf("distOf = %+v", d)
	}
	if d := distOf(nil); d != (Dist{}) {
		t.Errorf("distOf(nil) = %+v, want zero", d)
	}
}

// TestScreenLatency checks the matching of votes to coalesced screen frames
// by rank of ack, and that a frame older than a vote never counts for it.
func TestScreenLatency(t *testing.T) {
	const msNs = int64(1e6)
	votes := []voteTiming{
		{P: 0, Sent: 0, Ack: 5 * msNs},
		{P: 1, Sent: 1 * msNs, Ack: 6 * msNs},
		{P: 2, Sent: 12 * msNs, Ack: 15 * msNs}, // sent after the frame that counts 2
		{P: 3, Sent: 2 * msNs, Err: "voting_closed"},
	}
	frames := []screenFrame{
		{At: 10 * msNs, view: view{Voted: 2}},
		{At: 20 * msNs, view: view{Voted: 2, Step: 1}}, // another step: skipped
		{At: 30 * msNs, view: view{Voted: 3}},
	}
	count := func(f screenFrame) (int, bool) { return f.Voted, f.Step == 0 }
	lat, missing := screenLatency(votes, frames, count)
	if want := []float64{10, 9, 18}; !slices.Equal(lat, want) || missing != 0 {
		t.Errorf("latencies %v, missing %d; want %v, 0", lat, missing, want)
	}
	lat, missing = screenLatency(votes, frames[:1], count)
	if !slices.Equal(lat, []float64{10, 9}) || missing != 1 {
		t.Errorf("without the last frame: latencies %v, missing %d; want [10 9], 1", lat, missing)
	}
}

func TestChangesShare(t *testing.T) {
	for _, c := range []struct {
		n     int
		share float64
		want  int
	}{{200, 0.2, 40}, {1000, 0.2, 200}, {10, 0, 0}, {10, 1, 10}, {7, 0.5, 3}} {
		got := 0
		for i := range c.n {
			if changes(i, c.share) {
				got++
			}
		}
		if got != c.want {
			t.Errorf("%d participants, share %v: %d change, want %d", c.n, c.share, got, c.want)
		}
	}
}

func TestBallot(t *testing.T) {
	scale := ballot{slots: 5, base: 1}
	if vs := scale.firstValues(); !slices.Equal(vs, []int{1, 2, 3, 4}) || scale.changeValue() != 5 {
		t.Errorf("scale: first values %v, change value %d", vs, scale.changeValue())
	}
	firsts := []voteTiming{{P: 0, Value: 1, Ack: 1}, {P: 1, Value: 2, Ack: 2}, {P: 2, Value: 3, Err: "x"}}
	changed := []voteTiming{{P: 1, Value: 5, Ack: 3}}
	if n, counts := scale.expected(firsts, changed); n != 2 || !slices.Equal(counts, []int{1, 0, 0, 0, 1}) {
		t.Errorf("expected = %d %v, want 2 [1 0 0 0 1]", n, counts)
	}
}
