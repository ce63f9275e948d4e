package quorum_test

import (
	"math"
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// now is the fixed clock of every test; tests advance it explicitly.
var now = time.Date(2025, time.March, 14, 9, 30, 0, 0, time.UTC)

// testAgendaJSON has one step of each kind, in the public format.
//
//	0 info, 1 choice (3 options), 2 scale (5 points, dimension d, series today),
//	3 scale (7 points, dimension d, series today), 4 text (maxLength 10),
//	5 profile, 6 text (default length)
const testAgendaJSON = `{
  "title": "Test agenda",
  "segments": ["Manager", "Other"],
  "steps": [
    {"kind": "info", "title": "Welcome"},
    {"kind": "choice", "title": "Pick", "options": ["A", "B", "C"], "correct": 1},
    {"kind": "scale", "title": "Five", "left": "Left", "right": "Right", "points": 5, "dimension": "d", "series": "today"},
    {"kind": "scale", "title": "Seven", "left": "Left", "right": "Right", "points": 7, "dimension": "d", "series": "today"},
    {"kind": "text", "title": "Short", "maxLength": 10},
    {"kind": "profile", "title": "Profile"},
    {"kind": "text", "title": "Long"}
  ]
}`

const (
	stepInfo    = 0
	stepChoice  = 1
	stepScale5  = 2
	stepScale7  = 3
	stepText10  = 4
	stepProfile = 5
	stepText    = 6
	stepCount   = 7
)

func mustAgenda(t *testing.T, doc string) *quorum.Agenda {
	t.Helper()
	a, err := quorum.ParseAgenda([]byte(doc))
	if err != nil {
		t.Fatalf("ParseAgenda: %v (problems %v)", err, quorum.ErrorProblems(err))
	}
	return a
}

func newSession(t *testing.T) *quorum.Session {
	t.Helper()
	return newSessionFrom(t, testAgendaJSON)
}

func newSessionFrom(t *testing.T, doc string) *quorum.Session {
	t.Helper()
	s, _, err := quorum.NewSession(mustAgenda(t, doc), "", now)
	if err != nil {
		t.Fatalf("NewSession: %v", err)
	}
	return s
}

func cmd(a quorum.Action) quorum.Command { return quorum.Command{Action: a} }

func gotoStep(i int) quorum.Command { return quorum.Command{Action: quorum.ActionGoto, Step: &i} }

func timer(seconds int) quorum.Command {
	return quorum.Command{Action: quorum.ActionTimer, Seconds: &seconds}
}

func mustDo(t *testing.T, s *quorum.Session, c quorum.Command, at time.Time) *quorum.StateChange {
	t.Helper()
	change, err := s.Do(c, at)
	if err != nil {
		t.Fatalf("Do(%s): %v", describe(c), err)
	}
	return change
}

func describe(c quorum.Command) string {
	out := string(c.Action)
	if c.Step != nil {
		out += " step " + itoa(*c.Step)
	}
	if c.Seconds != nil {
		out += " seconds " + itoa(*c.Seconds)
	}
	return out
}

func itoa(i int) string {
	if i < 0 {
		return "-" + itoa(-i)
	}
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// openStep starts the session, moves to step and opens voting on it.
func openStep(t *testing.T, s *quorum.Session, step int) {
	t.Helper()
	mustDo(t, s, gotoStep(step), now)
	mustDo(t, s, cmd(quorum.ActionOpen), now)
}

func mustJoin(t *testing.T, s *quorum.Session) *quorum.Participant {
	t.Helper()
	p, _, err := s.Join("", "", now)
	if err != nil {
		t.Fatalf("Join: %v", err)
	}
	return p
}

var msgSeq int

// mustCast casts a vote with a fresh message id.
func mustCast(t *testing.T, s *quorum.Session, participantID string, step int, v quorum.Value) {
	t.Helper()
	msgSeq++
	if _, _, err := s.Cast(participantID, step, quorum.AnyRound, v, "m"+itoa(msgSeq), now); err != nil {
		t.Fatalf("Cast(step %d, %+v): %v", step, v, err)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
