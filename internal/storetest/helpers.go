package storetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// AgendaJSON has one step of every kind.
const AgendaJSON = `{
	"title": "Ways of leading",
	"segments": ["Engineering", "Sales"],
	"steps": [
		{"kind": "info", "title": "Welcome", "body": "Phones out, please."},
		{"kind": "choice", "title": "Who decides?", "options": ["The team", "The lead", "Nobody"], "correct": 0},
		{"kind": "scale", "title": "Plan or adapt?", "left": "Plan", "right": "Adapt", "points": 5, "dimension": "plan-adapt"},
		{"kind": "text", "title": "One word for your team", "maxLength": 30},
		{"kind": "profile", "title": "Where the room stands"}
	]
}`

// Step indexes of AgendaJSON.
const (
	StepInfo = iota
	StepChoice
	StepScale
	StepText
	StepProfile
)

// Clock hands out increasing times with sub-millisecond parts, which the
// stores drop.
type Clock struct{ now time.Time }

func NewClock() *Clock {
	return &Clock{now: time.Date(2025, 6, 3, 9, 0, 0, 123_456_789, time.UTC)}
}

// Tick moves the clock on by a second and a half, and a bit, and returns it.
func (c *Clock) Tick() time.Time {
	c.now = c.now.Add(1500*time.Millisecond + 250*time.Microsecond)
	return c.now
}

// Agenda parses AgendaJSON.
func Agenda(tb testing.TB) *quorum.Agenda {
	tb.Helper()
	a, err := quorum.ParseAgenda([]byte(AgendaJSON))
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// NewSession creates a session on AgendaJSON and saves it.
func NewSession(tb testing.TB, db Store, clk *Clock) *quorum.Session {
	tb.Helper()
	return NewSessionOn(tb, db, clk, Agenda(tb))
}

// NewSessionOn creates a session on agenda and saves it.
func NewSessionOn(tb testing.TB, db Store, clk *Clock, agenda *quorum.Agenda) *quorum.Session {
	tb.Helper()
	s, _, err := quorum.NewSession(agenda, "", clk.Tick())
	if err != nil {
		tb.Fatal(err)
	}
	if err := db.CreateSession(context.Background(), s); err != nil {
		tb.Fatal(err)
	}
	return s
}

// Commit commits records or ends the test.
func Commit(tb testing.TB, db Store, records ...quorum.Record) {
	tb.Helper()
	if err := db.Commit(context.Background(), records); err != nil {
		tb.Fatal(err)
	}
}

// Do applies a facilitator command and returns what the store must save.
func Do(tb testing.TB, s *quorum.Session, clk *Clock, action quorum.Action) quorum.StateRecord {
	tb.Helper()
	return DoCommand(tb, s, clk, quorum.Command{Action: action})
}

// DoCommand applies cmd, with a minute's countdown for a timer that names
// none, and returns what the store must save.
func DoCommand(tb testing.TB, s *quorum.Session, clk *Clock, cmd quorum.Command) quorum.StateRecord {
	tb.Helper()
	if cmd.Action == quorum.ActionTimer && cmd.Seconds == nil {
		seconds := 60
		cmd.Seconds = &seconds
	}
	change, err := s.Do(cmd, clk.Tick())
	if err != nil {
		tb.Fatalf("%s: %v", cmd.Action, err)
	}
	return s.Record(change)
}

// Join admits participants, one per name, and returns their ids and records.
func Join(tb testing.TB, s *quorum.Session, clk *Clock, names ...string) ([]string, []quorum.Record) {
	tb.Helper()
	segments := append([]string{""}, s.Agenda.Segments...)
	var ids []string
	var records []quorum.Record
	for i, name := range names {
		p, _, err := s.Join(name, segments[i%len(segments)], clk.Tick())
		if err != nil {
			tb.Fatal(err)
		}
		ids = append(ids, p.ID)
		records = append(records, quorum.JoinRecord{Participant: *p})
	}
	return ids, records
}

// Cast votes on the current step and returns the record of the change.
func Cast(tb testing.TB, s *quorum.Session, clk *Clock, participantID string, v quorum.Value, msgID string) quorum.Record {
	tb.Helper()
	vote, changed, err := s.Cast(participantID, s.CurrentStep, quorum.AnyRound, v, msgID, clk.Tick())
	if err != nil || !changed {
		tb.Fatalf("cast %+v as %s: changed %v, %v", v, msgID, changed, err)
	}
	return quorum.VoteRecord{Vote: vote}
}

// VotingRoom is a saved session with participants who have joined and the
// choice step open.
func VotingRoom(tb testing.TB, db Store, participants int) (*quorum.Session, []string) {
	tb.Helper()
	clk := NewClock()
	s := NewSession(tb, db, clk)
	names := make([]string, participants)
	for i := range names {
		names[i] = fmt.Sprintf("Person %d", i)
	}
	ids, records := Join(tb, s, clk, names...)
	records = append(records, Do(tb, s, clk, quorum.ActionNext), Do(tb, s, clk, quorum.ActionNext), Do(tb, s, clk, quorum.ActionOpen))
	Commit(tb, db, records...)
	return s, ids
}

// ChoiceVote is a vote on the choice step built directly, without the
// session, which only one goroutine may use.
func ChoiceVote(s *quorum.Session, participantID string, option int, msgID string) quorum.Record {
	return quorum.VoteRecord{Vote: quorum.Vote{
		SessionID:     s.ID,
		Step:          StepChoice,
		Round:         1,
		ParticipantID: participantID,
		Value:         quorum.Value{Number: option},
		MsgID:         msgID,
		At:            s.CreatedAt,
	}}
}

// CountVotes returns the session's current votes or ends the test.
func CountVotes(tb testing.TB, db Store, sessionID string) int {
	tb.Helper()
	n, err := db.CountVotes(context.Background(), sessionID)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// Workshop runs a short session: joins, votes, a changed mind, reveals,
// countdowns, a second round, new settings, a proxy. It leaves the text step
// open with a countdown running.
func Workshop(tb testing.TB, s *quorum.Session, clk *Clock) (participantIDs []string, records []quorum.Record) {
	tb.Helper()
	ids, records := Join(tb, s, clk, "Ada", "Grace", "Linus", "Barbara", "Ken")
	records = append(records, Do(tb, s, clk, quorum.ActionStart))
	settings := quorum.Settings{MinGroupSize: 5, SplitShare: 0.25, SplitByGroup: true}
	records = append(records, DoCommand(tb, s, clk, quorum.Command{Action: quorum.ActionSettings, Settings: &settings}))

	records = append(records, Do(tb, s, clk, quorum.ActionNext), Do(tb, s, clk, quorum.ActionOpen))
	for i, option := range []int{0, 1, 0, 2, 0} {
		records = append(records, Cast(tb, s, clk, ids[i], quorum.Value{Number: option}, "choice-1"))
	}
	records = append(records,
		Cast(tb, s, clk, ids[0], quorum.Value{Number: 1}, "choice-2"), // Ada changes her mind
		Do(tb, s, clk, quorum.ActionClose), Do(tb, s, clk, quorum.ActionReveal))
	// Asked again after a discussion: the first round's votes stay apart.
	records = append(records, Do(tb, s, clk, quorum.ActionRound), Do(tb, s, clk, quorum.ActionOpen))
	for i, option := range []int{2, 2, 1} {
		records = append(records, Cast(tb, s, clk, ids[i], quorum.Value{Number: option}, "choice-round-2"))
	}
	proxy, err := s.AddProxy(clk.Tick())
	if err != nil {
		tb.Fatal(err)
	}
	records = append(records, quorum.JoinRecord{Participant: *proxy})
	ids = append(ids, proxy.ID)
	_, vote, changed, err := s.CastAsProxy(proxy.ID, StepChoice, quorum.AnyRound, quorum.Value{Number: 0}, "proxy-1", clk.Tick())
	if err != nil || !changed {
		tb.Fatalf("proxy vote: changed %v, %v", changed, err)
	}
	records = append(records, quorum.VoteRecord{Vote: vote}, Do(tb, s, clk, quorum.ActionClose))

	mode := quorum.RevealOnAllVoted
	records = append(records, Do(tb, s, clk, quorum.ActionNext),
		DoCommand(tb, s, clk, quorum.Command{Action: quorum.ActionAutoReveal, Mode: &mode}),
		Do(tb, s, clk, quorum.ActionTimer))
	for i, point := range []int{5, 4, 2, 5} {
		records = append(records, Cast(tb, s, clk, ids[i], quorum.Value{Number: point}, "scale-1"))
	}

	records = append(records, Do(tb, s, clk, quorum.ActionNext), Do(tb, s, clk, quorum.ActionTimer))
	for i, word := range []string{"Curious", "curious!", "Bold"} {
		records = append(records, Cast(tb, s, clk, ids[i], quorum.Value{Text: word}, "text-1"))
	}

	// The room moves last-seen times forward itself; a late, older one must
	// not move the stored time back.
	seen := clk.Tick().Add(quorum.SeenResolution)
	if _, ok := s.Seen(ids[1], seen); !ok {
		tb.Fatal("a minute later, the last-seen time did not move")
	}
	records = append(records,
		quorum.SeenRecord{SessionID: s.ID, ParticipantID: ids[1], At: seen},
		quorum.SeenRecord{SessionID: s.ID, ParticipantID: ids[1], At: seen.Add(-time.Minute)})
	return ids, records
}

// AssertSameSession compares a loaded session with the one that was saved,
// whose times the stores keep to the millisecond.
func AssertSameSession(tb testing.TB, got, want *quorum.Session, participantIDs []string) {
	tb.Helper()
	type header struct {
		ID, Code, Title, HostKeyHash, ScreenKeyHash string
		Status                                      quorum.Status
		CurrentStep                                 int
		Settings                                    quorum.Settings
		Names                                       quorum.Names
	}
	headerOf := func(s *quorum.Session) header {
		return header{s.ID, s.Code, s.Title, s.HostKeyHash, s.ScreenKeyHash, s.Status, s.CurrentStep, s.Settings, s.Names}
	}
	if g, w := headerOf(got), headerOf(want); g != w {
		tb.Errorf("session\n got %+v\nwant %+v", g, w)
	}
	if !reflect.DeepEqual(got.Agenda, want.Agenda) {
		tb.Errorf("agenda\n got %+v\nwant %+v", got.Agenda, want.Agenda)
	}
	AssertSameTime(tb, "created", got.CreatedAt, want.CreatedAt)
	AssertSameTime(tb, "started", got.StartedAt, want.StartedAt)
	AssertSameTime(tb, "ended", got.EndedAt, want.EndedAt)

	if len(got.Steps) != len(want.Steps) {
		tb.Fatalf("%d step states, want %d", len(got.Steps), len(want.Steps))
	}
	for i, w := range want.Steps {
		g := got.Steps[i]
		if g.Voting != w.Voting || g.Revealed != w.Revealed || g.Round != w.Round || g.AutoReveal != w.AutoReveal {
			tb.Errorf("step %d: %+v, want %+v", i, g, w)
		}
		AssertSameTime(tb, "deadline", g.Deadline, w.Deadline)
	}

	if got.Joined() != want.Joined() {
		tb.Errorf("%d joined, want %d", got.Joined(), want.Joined())
	}
	for _, id := range participantIDs {
		g, ok := got.Participant(id)
		w, _ := want.Participant(id)
		if !ok {
			tb.Errorf("participant %s is missing", id)
			continue
		}
		if g.SessionID != w.SessionID || g.TokenHash != w.TokenHash || g.Name != w.Name || g.Segment != w.Segment || g.Proxy != w.Proxy {
			tb.Errorf("participant\n got %+v\nwant %+v", g, w)
		}
		AssertSameTime(tb, "joined", g.JoinedAt, w.JoinedAt)
		AssertSameTime(tb, "last seen", g.LastSeenAt, w.LastSeenAt)
		if g, w := got.VotesOf(id), want.VotesOf(id); !reflect.DeepEqual(g, w) {
			tb.Errorf("votes of %s: %v, want %v", id, g, w)
		}
	}

	for i := range want.Agenda.Steps {
		assertSameTally(tb, fmt.Sprintf("step %d", i), got.Tally(i), want.Tally(i))
		g, w := got.PastRounds(i), want.PastRounds(i)
		if len(g) != len(w) {
			tb.Errorf("step %d: %d past rounds, want %d", i, len(g), len(w))
			continue
		}
		for r := range w {
			assertSameTally(tb, fmt.Sprintf("step %d, round %d", i, r+1), g[r].Tally, w[r].Tally)
		}
	}
	if g, w := got.Profile(), want.Profile(); !reflect.DeepEqual(g, w) {
		tb.Errorf("profile %+v, want %+v", g, w)
	}
}

func assertSameTally(tb testing.TB, what string, got, want *quorum.Tally) {
	tb.Helper()
	if got.N != want.N || !reflect.DeepEqual(got.Counts, want.Counts) || got.Mean() != want.Mean() ||
		!reflect.DeepEqual(got.Words(0), want.Words(0)) {
		tb.Errorf("tally of %s: N %d counts %v mean %v words %v, want N %d counts %v mean %v words %v",
			what, got.N, got.Counts, got.Mean(), got.Words(0), want.N, want.Counts, want.Mean(), want.Words(0))
	}
}

// AssertSameTime compares a stored time with the time that was saved, to the
// millisecond.
func AssertSameTime(tb testing.TB, what string, got, want time.Time) {
	tb.Helper()
	if want.IsZero() {
		if !got.IsZero() {
			tb.Errorf("%s time %v, want the zero time", what, got)
		}
		return
	}
	if !got.Equal(want.Truncate(time.Millisecond)) {
		tb.Errorf("%s time %v, want %v to the millisecond", what, got, want)
	}
}

// AssertError checks an error's code and the message a client would see.
func AssertError(tb testing.TB, err error, code, message string) {
	tb.Helper()
	if quorum.ErrorCode(err) != code || quorum.ErrorMessage(err) != message {
		tb.Errorf("error %v, want %s: %s", err, code, message)
	}
}
