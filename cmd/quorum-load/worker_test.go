package main

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// await takes each participant's first matching state, whether it came
// before the wait or during it, counts out a participant that drops, and
// returns once none is left rather than at its timeout.
func TestAwaitTakesEachFirstMatchingState(t *testing.T) {
	w := &worker{setup: workerSetup{Timeout: time.Minute}}
	for i := range 4 {
		w.ps = append(w.ps, &participant{index: i, node: i % 2})
	}
	early, late, stale := w.ps[0], w.ps[1], w.ps[3]
	early.record(view{Step: 3}, 100)
	stale.record(view{Step: 3}, 50) // before After: not this round's
	m := stateMatch{After: 100, Step: 3}

	done := make(chan struct{})
	var seen []int64
	var nodes []int
	go func() {
		seen, nodes = w.await(m)
		close(done)
	}()
	time.Sleep(20 * time.Millisecond) // let the readers be armed; either order must work
	late.record(view{Step: 2}, 200)   // another step: not yet
	late.record(view{Step: 3}, 300)
	late.record(view{Step: 3}, 400) // a second copy: the first counts
	w.ps[2].drop(errors.New("gone"))
	select {
	case <-done:
		t.Fatal("await returned while a participant still waited for its state")
	case <-time.After(20 * time.Millisecond):
	}
	stale.record(view{Step: 3}, 500)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("await did not return once every participant had its state or was gone")
	}
	if want := []int64{100, 300, 0, 500}; !slices.Equal(seen, want) {
		t.Errorf("arrivals %v, want %v", seen, want)
	}
	if want := []int{0, 1, 0, 1}; !slices.Equal(nodes, want) {
		t.Errorf("nodes %v, want %v", nodes, want)
	}
	// The next await starts afresh.
	w.setup.Timeout = 30 * time.Millisecond
	seen, _ = w.await(stateMatch{After: 1000, Step: 3})
	if want := []int64{0, 0, 0, 0}; !slices.Equal(seen, want) {
		t.Errorf("an await no state matched: arrivals %v, want none", seen)
	}
}

// A worker armed before the states come uses that arming for the await of
// the same state; armed for another, it arms afresh.
func TestArmBeforeTheStatesCome(t *testing.T) {
	w := &worker{setup: workerSetup{Timeout: 5 * time.Second}}
	for i := range 3 {
		w.ps = append(w.ps, &participant{index: i})
	}
	m := stateMatch{After: 100, Step: 4}
	w.arm(m)
	for i, p := range w.ps {
		p.record(view{Step: 4}, int64(200+i))
	}
	seen, _ := w.await(m)
	if want := []int64{200, 201, 202}; !slices.Equal(seen, want) {
		t.Errorf("armed: arrivals %v, want %v", seen, want)
	}
	if w.armed != nil {
		t.Error("the arming outlived its await")
	}

	w.arm(stateMatch{After: 300, Step: 5})
	for i, p := range w.ps {
		p.record(view{Step: 6}, int64(400+i))
	}
	seen, _ = w.await(stateMatch{After: 300, Step: 6})
	if want := []int64{400, 401, 402}; !slices.Equal(seen, want) {
		t.Errorf("armed for another state: arrivals %v, want %v", seen, want)
	}
}
