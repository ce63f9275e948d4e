package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"

	_ "modernc.org/sqlite" // the server's own driver, to read its file
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

// storeTally counts a step's votes in the server's SQLite file, opened
// read-only: the server keeps writing to it.
func storeTally(ctx context.Context, path, session string, step int, b ballot) (*Tally, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	u := url.URL{Scheme: "file", OmitHost: true, Path: filepath.ToSlash(abs), RawQuery: "mode=ro&_pragma=busy_timeout(5000)"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("open the store %s: %w", path, err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT num, count(*) FROM current_votes WHERE session_id = ? AND step = ? GROUP BY num`, session, step)
	if err != nil {
		return nil, fmt.Errorf("count the stored votes in %s: %w", path, err)
	}
	defer rows.Close()
	t := &Tally{Counts: make([]int, b.slots)}
	for rows.Next() {
		var num, count int
		if err := rows.Scan(&num, &count); err != nil {
			return nil, fmt.Errorf("count the stored votes in %s: %w", path, err)
		}
		t.N += count
		if i := num - b.base; i >= 0 && i < b.slots {
			t.Counts[i] += count
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count the stored votes in %s: %w", path, err)
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
	}{{"the screen", &e.Screen}, {"the host state", &e.Host}, {"the store", e.Store}}
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
