package export_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/export"
	"github.com/quorum-workshop/quorum/internal/quorum"
)

// t0 is the session's creation; every later action moves the clock on.
var t0 = time.Date(2026, time.November, 28, 9, 0, 0, 0, time.UTC)

// exportedAt is Options.Now in every test.
var exportedAt = time.Date(2026, time.November, 28, 12, 0, 0, 0, time.UTC)

// testAgenda has one step of each kind and a step never asked:
//
//	0 info, 1 choice (correct 0), 2 scale 7 (today), 3 scale 5 (target),
//	4 text, 5 profile, 6 choice never opened
const testAgenda = `{
  "title": "Team check-in",
  "segments": ["Manager", "Engineer"],
  "steps": [
    {"kind": "info", "title": "Welcome", "body": "Join with the code on the screen.\n\nAnswers are anonymous.",
     "notes": "Keep the opening short.\nHow to run it:\n- open voting\n- reveal, then discuss"},
    {"kind": "choice", "title": "Can a manager lead without a title?", "options": ["Yes", "No", "It depends"], "correct": 0,
     "notes": "Leadership is influence."},
    {"kind": "scale", "title": "Vision ↔ Execution: today, we lean toward…", "left": "Vision", "right": "Execution", "points": 7,
     "dimension": "vision-execution", "series": "today", "notes": "Ask: where are we heading?"},
    {"kind": "scale", "title": "Vision ↔ Execution: we should lean toward…", "left": "Vision", "right": "Execution", "points": 5,
     "dimension": "vision-execution", "series": "target"},
    {"kind": "text", "title": "One word for today & tomorrow", "maxLength": 40, "notes": "Read a few aloud."},
    {"kind": "profile", "title": "Our room", "notes": "Start with the largest gap."},
    {"kind": "choice", "title": "A question we skipped", "options": ["A", "B"]}
  ]
}`

const (
	stepInfo    = 0
	stepChoice  = 1
	stepToday   = 2
	stepTarget  = 3
	stepText    = 4
	stepProfile = 5
	stepSkipped = 6
)

// names are the names participants joined with; "" is no name. "=cmd()"
// checks that a name is not taken as a formula.
var names = []string{"Ada Lovelace", "", "Zoë Ünal", "=cmd()", "Bob"}
var segments = []string{"Manager", "Engineer", "", "Engineer", "Manager"}

// seeded is a session run from start to end, with its state history.
type seeded struct {
	s      *quorum.Session
	events []quorum.Event
	people []quorum.Participant // in join order
	clock  time.Time
	seq    int
	t      testing.TB
}

func (sd *seeded) tick() time.Time {
	sd.clock = sd.clock.Add(time.Minute + 250*time.Millisecond)
	return sd.clock
}

func (sd *seeded) do(a quorum.Action, step ...int) {
	sd.t.Helper()
	c := quorum.Command{Action: a}
	if len(step) > 0 {
		c.Step = &step[0]
	}
	change, err := sd.s.Do(c, sd.tick())
	if err != nil {
		sd.t.Fatalf("Do(%s): %v", a, err)
	}
	sd.events = append(sd.events, sd.s.Record(change).Event)
}

func (sd *seeded) cast(who, step int, v quorum.Value) {
	sd.t.Helper()
	sd.seq++
	if _, _, err := sd.s.Cast(sd.people[who].ID, step, quorum.AnyRound, v, "m"+strconv.Itoa(sd.seq), sd.tick()); err != nil {
		sd.t.Fatalf("Cast(P%03d, step %d, %+v): %v", who+1, step, v, err)
	}
}

func mustAgenda(t testing.TB, doc string) *quorum.Agenda {
	t.Helper()
	a, err := quorum.ParseAgenda([]byte(doc))
	if err != nil {
		t.Fatalf("ParseAgenda: %v %v", err, quorum.ErrorProblems(err))
	}
	return a
}

func newSeeded(t testing.TB, agenda *quorum.Agenda, title string) *seeded {
	t.Helper()
	s, _, err := quorum.NewSession(agenda, title, t0)
	if err != nil {
		t.Fatalf("NewSession: %v", err)
	}
	// Names visible, so that the tests can see what each format does with
	// them; TestAnonymous holds a session with hidden names to its promise.
	s.Names = quorum.NamesVisible
	return &seeded{s: s, clock: t0, t: t}
}

func (sd *seeded) join(name, segment string) {
	sd.t.Helper()
	p, _, err := sd.s.Join(name, segment, sd.tick())
	if err != nil {
		sd.t.Fatalf("Join(%q, %q): %v", name, segment, err)
	}
	sd.people = append(sd.people, *p)
}

// seed plays the test agenda; stop says after which phase to stop:
// "lobby", "live" (on the text step, voting open) or "ended".
func seed(t testing.TB, stop string) *seeded {
	t.Helper()
	sd := newSeeded(t, mustAgenda(t, testAgenda), "Équipe offsite: café & stratégie!")
	for i := range names {
		sd.join(names[i], segments[i])
	}
	if stop == "lobby" {
		return sd
	}
	sd.do(quorum.ActionStart)
	sd.do(quorum.ActionGoto, stepChoice)
	sd.do(quorum.ActionOpen)
	sd.cast(0, stepChoice, quorum.Value{Number: 2})
	sd.cast(1, stepChoice, quorum.Value{Number: 1})
	sd.cast(2, stepChoice, quorum.Value{Number: 0})
	sd.cast(3, stepChoice, quorum.Value{Number: 0})
	sd.cast(0, stepChoice, quorum.Value{Number: 0}) // Ada changes her mind
	sd.do(quorum.ActionClose)
	sd.do(quorum.ActionReveal)

	sd.do(quorum.ActionNext)
	sd.do(quorum.ActionOpen)
	sd.cast(0, stepToday, quorum.Value{Number: 2})
	sd.cast(1, stepToday, quorum.Value{Number: 5})
	sd.cast(2, stepToday, quorum.Value{Number: 7})
	sd.cast(4, stepToday, quorum.Value{Number: 4})
	sd.do(quorum.ActionReveal)

	sd.do(quorum.ActionNext) // closes voting on the step left
	sd.do(quorum.ActionOpen)
	sd.cast(0, stepTarget, quorum.Value{Number: 1})
	sd.cast(1, stepTarget, quorum.Value{Number: 5})
	sd.cast(3, stepTarget, quorum.Value{Number: 3})
	sd.do(quorum.ActionClose)

	sd.do(quorum.ActionNext)
	sd.do(quorum.ActionOpen)
	sd.cast(0, stepText, quorum.Value{Text: "Listen more"})
	sd.cast(1, stepText, quorum.Value{Text: "listen more!"})
	sd.cast(2, stepText, quorum.Value{Text: "=SUM(A1)"})
	sd.cast(3, stepText, quorum.Value{Text: "Café"})
	sd.cast(4, stepText, quorum.Value{Text: "  Listen   more "})
	if stop == "live" {
		return sd
	}
	sd.do(quorum.ActionClose)
	sd.do(quorum.ActionReveal)
	sd.do(quorum.ActionNext)
	sd.do(quorum.ActionReveal)
	sd.do(quorum.ActionEnd)
	return sd
}

func (sd *seeded) export(anonymous bool) *export.Export {
	return export.Build(sd.s, sd.events, export.Options{Anonymous: anonymous, Now: exportedAt})
}
