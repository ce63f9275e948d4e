package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
)

// ballot says how a step's vote values map to tally slots.
type ballot struct {
	slots int // options of a choice, points of a scale
	base  int // the value of slot 0: 0 for a choice, 1 for a scale
}

func ballotOf(step *stepView) (ballot, error) {
	switch step.Kind {
	case "choice":
		return ballot{slots: len(step.Options)}, nil
	case "scale":
		return ballot{slots: step.Points, base: 1}, nil
	}
	return ballot{}, fmt.Errorf("step %d is a %s step; votes go to a choice or scale step", step.Index, step.Kind)
}

// firstValues are what first votes cycle through: every value but the last,
// which is left to the changed votes.
func (b ballot) firstValues() []int {
	vs := make([]int, b.slots-1)
	for i := range vs {
		vs[i] = b.base + i
	}
	return vs
}

func (b ballot) changeValue() int { return b.base + b.slots - 1 }

// expected is the tally the acknowledged votes make: each participant's
// last acknowledged value.
func (b ballot) expected(waves ...[]voteTiming) (n int, counts []int) {
	last := map[int]int{}
	for _, wave := range waves {
		for _, v := range sortedByAck(wave) {
			last[v.P] = v.Value
		}
	}
	counts = make([]int, b.slots)
	for _, v := range last {
		counts[v-b.base]++
	}
	return len(last), counts
}

// exportFormat is the export.json version this reads (docs/export.md).
const exportFormat = "quorum-export/1"

// exportTally counts a step's current votes in the session's JSON export,
// the server's own account of what it stored: a client's view of the data,
// whatever store or node answers, read with the host key as any script
// would read it (docs/export.md, "JSON").
func (a *api) exportTally(ctx context.Context, session, hostKey string, step int, b ballot) (*Tally, error) {
	var doc struct {
		Format string `json:"format"`
		Votes  []struct {
			Step  int             `json:"step"`
			Value json.RawMessage `json:"value"` // a number here; a text answer is a string
		} `json:"votes"`
	}
	if err := a.call(ctx, "GET", "/api/sessions/"+session+"/export.json", hostKey, nil, &doc); err != nil {
		return nil, fmt.Errorf("read the export: %w", err)
	}
	if doc.Format != exportFormat {
		return nil, fmt.Errorf("the export is %q; this reads %s", doc.Format, exportFormat)
	}
	t := &Tally{Counts: make([]int, b.slots)}
	for _, v := range doc.Votes {
		if v.Step != step {
			continue
		}
		t.N++
		var value int
		if err := json.Unmarshal(v.Value, &value); err != nil {
			return nil, fmt.Errorf("the export has a vote on step %d with the value %s: %w", step, v.Value, err)
		}
		if i := value - b.base; i >= 0 && i < b.slots {
			t.Counts[i]++
		}
	}
	return t, nil
}

// check compares every view of the tally with the acknowledged votes and
// records each difference as a failure, after label when there is one. A
// view without counts, the screen while results are hidden, is held to
// its number of votes only.
func (e *Exactness) check(r *Result, label string) {
	e.OK = true
	views := []struct {
		name string
		t    *Tally
	}{{"the screen", &e.Screen}, {"the host state", &e.Host}, {"the export", e.Export}}
	for _, v := range views {
		if v.t == nil {
			continue
		}
		if v.t.N != e.Acked || v.t.Counts != nil && !slices.Equal(v.t.Counts, e.Expected) {
			e.OK = false
			msg := fmt.Sprintf("%s counts %d votes %v, but %d were acknowledged %v", v.name, v.t.N, v.t.Counts, e.Acked, e.Expected)
			if v.t.Counts == nil {
				msg = fmt.Sprintf("%s counts %d votes, but %d were acknowledged", v.name, v.t.N, e.Acked)
			}
			if label != "" {
				msg = label + ": " + msg
			}
			r.fail("%s", msg)
		}
	}
}
