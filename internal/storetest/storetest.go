// Package storetest is the contract every Quorum store keeps: the behaviour
// the rooms, the HTTP layer and the retention job rely on, run as one suite
// against each store (internal/sqlite, internal/postgres), with the helpers
// their own tests share.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// Store is everything a store offers the rest of the program.
type Store interface {
	CreateSession(ctx context.Context, s *quorum.Session) error
	FindSessionByCode(ctx context.Context, code string) (string, error)
	LoadSession(ctx context.Context, id string) (*quorum.Session, error)
	Commit(ctx context.Context, records []quorum.Record) error
	LoadForExport(ctx context.Context, id string) (*quorum.Session, []quorum.Event, error)
	DeleteSession(ctx context.Context, id string) (quorum.Deleted, error)
	EndedBefore(ctx context.Context, t time.Time) ([]string, error)
	CountVotes(ctx context.Context, sessionID string) (int, error)

	CreateAgenda(ctx context.Context, a *quorum.Agenda, at time.Time) error
	UpdateAgenda(ctx context.Context, a *quorum.Agenda, at time.Time) error
	DeleteAgenda(ctx context.Context, id string) error
	GetAgenda(ctx context.Context, id string) (*quorum.Agenda, error)
	ListAgendas(ctx context.Context) ([]*quorum.Agenda, error)

	Ping(ctx context.Context) error
	Close() error
}

// Backend makes the databases a store's tests run on.
type Backend struct {
	// NewDatabase returns the address of a new, empty database that lasts
	// as long as tb.
	NewDatabase func(tb testing.TB) string
	// Open opens a store on a database and closes it when tb ends. It is
	// called again on a database whose store was closed, as a restart does.
	Open func(tb testing.TB, database string) Store
}

// OpenNew opens a store on a new, empty database.
func (b Backend) OpenNew(tb testing.TB) Store {
	tb.Helper()
	return b.Open(tb, b.NewDatabase(tb))
}

// Run runs the contract against the backend's stores.
func Run(t *testing.T, b Backend) {
	for _, tc := range []struct {
		name string
		test func(*testing.T, Backend)
	}{
		{"SessionSurvivesReopen", testSessionSurvivesReopen},
		{"NamesSettingIsKept", testNamesSettingIsKept},
		{"ResetVoidsTheStepsVotes", testResetVoidsTheStepsVotes},
		{"JoinCodeCollisionGetsANewCode", testJoinCodeCollisionGetsANewCode},
		{"EndedSessionFreesItsCode", testEndedSessionFreesItsCode},
		{"LookupErrors", testLookupErrors},
		{"Export", testExport},
		{"DeleteSession", testDeleteSession},
		{"EndedBefore", testEndedBefore},
		{"ConcurrentCommitsAllLand", testConcurrentCommitsAllLand},
		{"BadRequestAmongConcurrentCommits", testBadRequestAmongConcurrentCommits},
		{"BadRecordsAreRefused", testBadRecordsAreRefused},
		{"CommitHonoursContext", testCommitHonoursContext},
		{"Close", testClose},
		{"AgendaLifecycle", testAgendaLifecycle},
		{"AgendaNotFound", testAgendaNotFound},
		{"AgendaTooLargeOnceEncoded", testAgendaTooLargeOnceEncoded},
		{"AgendasSurviveReopen", testAgendasSurviveReopen},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, b) })
	}
}

func testSessionSurvivesReopen(t *testing.T, b Backend) {
	database := b.NewDatabase(t)
	clk := NewClock()
	db := b.Open(t, database)
	if err := db.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := NewSession(t, db, clk)
	ids, records := Workshop(t, s, clk)
	// Several calls, as a room commits batch after batch.
	for len(records) > 0 {
		n := min(4, len(records))
		Commit(t, db, records[:n]...)
		records = records[n:]
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = b.Open(t, database)
	got, err := db.LoadSession(context.Background(), s.ID)
	if err != nil {
		t.Fatal(err)
	}
	AssertSameSession(t, got, s, ids)
	if got.Steps[StepText].Deadline.IsZero() || !got.Steps[StepScale].Deadline.IsZero() {
		t.Errorf("deadlines %v, want only the text step's countdown", got.Steps)
	}
	if _, _, err := got.Cast(ids[4], StepText, quorum.AnyRound, quorum.Value{Text: "Kind"}, "text-1", clk.Tick()); err != nil {
		t.Errorf("the loaded session refuses a vote on its open step: %v", err)
	}
	// Five phones voted in round 1 and four in round 2 (one by proxy), four
	// on the scale and three on the text step.
	if n := CountVotes(t, db, s.ID); n != 16 {
		t.Errorf("CountVotes = %d, want 16", n)
	}
}

// testNamesSettingIsKept: whether the facilitator may see names is the
// promise the phones were given, so it must survive a restart and reach the
// export as it was chosen: hidden by default, visible only when asked for.
func testNamesSettingIsKept(t *testing.T, b Backend) {
	database := b.NewDatabase(t)
	clk := NewClock()
	db := b.Open(t, database)
	hidden := NewSession(t, db, clk)
	visible, _, err := quorum.NewSession(Agenda(t), "", clk.Tick())
	if err != nil {
		t.Fatal(err)
	}
	visible.Names = quorum.NamesVisible
	if err := db.CreateSession(context.Background(), visible); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = b.Open(t, database)
	for _, tc := range []struct {
		s    *quorum.Session
		want quorum.Names
	}{{hidden, quorum.NamesHidden}, {visible, quorum.NamesVisible}} {
		got, err := db.LoadSession(context.Background(), tc.s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Names != tc.want {
			t.Errorf("LoadSession: names %q, want %q", got.Names, tc.want)
		}
		exported, _, err := db.LoadForExport(context.Background(), tc.s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if exported.Names != tc.want {
			t.Errorf("LoadForExport: names %q, want %q", exported.Names, tc.want)
		}
	}
}

func testResetVoidsTheStepsVotes(t *testing.T, b Backend) {
	clk := NewClock()
	db := b.OpenNew(t)
	ctx := context.Background()
	s := NewSession(t, db, clk)
	ids, records := Join(t, s, clk, "Ada", "Grace")
	records = append(records, Do(t, s, clk, quorum.ActionNext), Do(t, s, clk, quorum.ActionNext), Do(t, s, clk, quorum.ActionOpen))
	for _, id := range ids {
		records = append(records, Cast(t, s, clk, id, quorum.Value{Number: 2}, "first"))
	}
	Commit(t, db, records...)

	Commit(t, db, Do(t, s, clk, quorum.ActionReset))

	got, err := db.LoadSession(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	AssertSameSession(t, got, s, ids)
	if n := got.Tally(StepChoice).N; n != 0 {
		t.Errorf("%d votes after the reset, want 0", n)
	}
	if st := got.Steps[StepChoice]; st.Voting != quorum.VotingPending {
		t.Errorf("step state %+v after the reset, want pending", st)
	}
	if n := CountVotes(t, db, s.ID); n != 0 {
		t.Errorf("CountVotes = %d after the reset, want 0", n)
	}

	// Votes cast after the reset count, the newest of each participant's.
	Commit(t, db, Do(t, s, clk, quorum.ActionOpen),
		Cast(t, s, clk, ids[0], quorum.Value{Number: 0}, "again"),
		Cast(t, s, clk, ids[0], quorum.Value{Number: 1}, "changed"))
	got, err = db.LoadSession(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tally := got.Tally(StepChoice); tally.N != 1 || !reflect.DeepEqual(tally.Counts, []int{0, 1, 0}) {
		t.Errorf("after the reset and a vote cast and changed: N %d counts %v, want 1 vote for option 1", tally.N, tally.Counts)
	}
	if v, ok := got.VoteOf(StepChoice, ids[0]); !ok || v.MsgID != "changed" {
		t.Errorf("%s's vote after reloading: %+v, %v; want the changed one", ids[0], v, ok)
	}
	if n := CountVotes(t, db, s.ID); n != 1 {
		t.Errorf("CountVotes = %d, want 1", n)
	}
}

func testJoinCodeCollisionGetsANewCode(t *testing.T, b Backend) {
	clk := NewClock()
	db := b.OpenNew(t)
	ctx := context.Background()
	first := NewSession(t, db, clk)

	second, _, err := quorum.NewSession(Agenda(t), "", clk.Tick())
	if err != nil {
		t.Fatal(err)
	}
	second.Code = first.Code
	if err := db.CreateSession(ctx, second); err != nil {
		t.Fatal(err)
	}
	if second.Code == first.Code {
		t.Fatalf("both sessions have the code %s", first.Code)
	}
	for _, s := range []*quorum.Session{first, second} {
		if id, err := db.FindSessionByCode(ctx, s.Code); err != nil || id != s.ID {
			t.Errorf("code %s finds %q, %v; want %s", s.Code, id, err, s.ID)
		}
	}
	// A second session with the same id is an error, not a new code.
	again := *second
	if err := db.CreateSession(ctx, &again); err == nil {
		t.Error("a session was created twice under one id")
	}
}

func testEndedSessionFreesItsCode(t *testing.T, b Backend) {
	clk := NewClock()
	db := b.OpenNew(t)
	ctx := context.Background()
	ended := NewSession(t, db, clk)
	Commit(t, db, Do(t, ended, clk, quorum.ActionStart), Do(t, ended, clk, quorum.ActionEnd))

	_, err := db.FindSessionByCode(ctx, ended.Code)
	AssertError(t, err, quorum.ESESSIONENDED, "the session "+quorum.FormatJoinCode(ended.Code)+" has ended")

	next, _, err := quorum.NewSession(Agenda(t), "", clk.Tick())
	if err != nil {
		t.Fatal(err)
	}
	next.Code = ended.Code
	if err := db.CreateSession(ctx, next); err != nil {
		t.Fatal(err)
	}
	if next.Code != ended.Code {
		t.Errorf("the new session got the code %s, want the ended session's %s", next.Code, ended.Code)
	}
	if id, err := db.FindSessionByCode(ctx, ended.Code); err != nil || id != next.ID {
		t.Errorf("code %s finds %q, %v; want the new session %s", ended.Code, id, err, next.ID)
	}

	got, err := db.LoadSession(ctx, ended.ID)
	if err != nil {
		t.Fatal(err)
	}
	AssertSameSession(t, got, ended, nil)
}

func testLookupErrors(t *testing.T, b Backend) {
	db := b.OpenNew(t)
	ctx := context.Background()
	const unknown = "9b2f0c1e-0000-4000-8000-000000000000"
	for _, tc := range []struct {
		name     string
		lookup   func() error
		wantCode string
		wantMsg  string
	}{
		{
			name:     "unknown code",
			lookup:   func() error { _, err := db.FindSessionByCode(ctx, "12345678"); return err },
			wantCode: quorum.ECODENOTFOUND,
			wantMsg:  "no session has the code 1234 5678; check the code on the shared screen",
		},
		{
			name:     "load of an unknown session",
			lookup:   func() error { _, err := db.LoadSession(ctx, unknown); return err },
			wantCode: quorum.ESESSIONNOTFOUND,
			wantMsg:  "no session with this id",
		},
		{
			name:     "export of an unknown session",
			lookup:   func() error { _, _, err := db.LoadForExport(ctx, unknown); return err },
			wantCode: quorum.ESESSIONNOTFOUND,
			wantMsg:  "no session with this id",
		},
		{
			name:     "delete of an unknown session",
			lookup:   func() error { _, err := db.DeleteSession(ctx, unknown); return err },
			wantCode: quorum.ESESSIONNOTFOUND,
			wantMsg:  "no session with this id",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			AssertError(t, tc.lookup(), tc.wantCode, tc.wantMsg)
		})
	}
	if n := CountVotes(t, db, unknown); n != 0 {
		t.Errorf("CountVotes of an unknown session = %d, want 0", n)
	}
}

// An export holds the session as LoadSession does and its state history: every
// facilitator command, in order.
func testExport(t *testing.T, b Backend) {
	clk := NewClock()
	db := b.OpenNew(t)
	s := NewSession(t, db, clk)
	ids, records := Workshop(t, s, clk)
	Commit(t, db, records...)

	got, events, err := db.LoadForExport(context.Background(), s.ID)
	if err != nil {
		t.Fatal(err)
	}
	AssertSameSession(t, got, s, ids)
	var want []quorum.Event
	for _, rec := range records {
		if st, ok := rec.(quorum.StateRecord); ok {
			want = append(want, st.Event)
		}
	}
	if len(events) != len(want) {
		t.Fatalf("%d events, want %d", len(events), len(want))
	}
	for i, w := range want {
		g := events[i]
		if g.Action != w.Action || g.Step != w.Step {
			t.Errorf("event %d: %s on step %d, want %s on step %d", i, g.Action, g.Step, w.Action, w.Step)
		}
		AssertSameTime(t, fmt.Sprintf("event %d", i), g.At, w.At)
	}
}

func testDeleteSession(t *testing.T, b Backend) {
	clk := NewClock()
	db := b.OpenNew(t)
	ctx := context.Background()
	s := NewSession(t, db, clk)
	ids, records := Workshop(t, s, clk)
	Commit(t, db, records...)
	kept := NewSession(t, db, clk)
	keptIDs, keptRecords := Workshop(t, kept, clk)
	Commit(t, db, keptRecords...)
	events := 0
	for _, rec := range records {
		if _, ok := rec.(quorum.StateRecord); ok {
			events++
		}
	}

	d, err := db.DeleteSession(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := quorum.Deleted{Session: s.ID, Participants: len(ids), Votes: 16, Events: events}
	if d != want {
		t.Errorf("DeleteSession = %+v, want %+v", d, want)
	}
	if _, err := db.LoadSession(ctx, s.ID); quorum.ErrorCode(err) != quorum.ESESSIONNOTFOUND {
		t.Errorf("LoadSession of the deleted session: %v", err)
	}
	if _, err := db.FindSessionByCode(ctx, s.Code); quorum.ErrorCode(err) != quorum.ECODENOTFOUND {
		t.Errorf("FindSessionByCode of the deleted session: %v", err)
	}
	if n := CountVotes(t, db, s.ID); n != 0 {
		t.Errorf("%d votes of the deleted session", n)
	}
	if _, err := db.DeleteSession(ctx, s.ID); quorum.ErrorCode(err) != quorum.ESESSIONNOTFOUND {
		t.Errorf("deleting the session again: %v", err)
	}
	got, err := db.LoadSession(ctx, kept.ID)
	if err != nil {
		t.Fatal(err)
	}
	AssertSameSession(t, got, kept, keptIDs)
}

// EndedBefore lists, oldest first, the sessions that ended before a time;
// live sessions and later ends stay.
func testEndedBefore(t *testing.T, b Backend) {
	clk := NewClock()
	db := b.OpenNew(t)
	var ended []*quorum.Session
	for range 3 {
		s := NewSession(t, db, clk)
		Commit(t, db, Do(t, s, clk, quorum.ActionStart), Do(t, s, clk, quorum.ActionEnd))
		ended = append(ended, s)
	}
	live := NewSession(t, db, clk)
	Commit(t, db, Do(t, live, clk, quorum.ActionStart))

	for _, tc := range []struct {
		name   string
		before time.Time
		want   []string
	}{
		{"before any end", ended[0].EndedAt, nil},
		{"just after the second end", ended[1].EndedAt.Add(time.Millisecond), []string{ended[0].ID, ended[1].ID}},
		{"after every end", clk.Tick(), []string{ended[0].ID, ended[1].ID, ended[2].ID}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.EndedBefore(context.Background(), tc.before)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("EndedBefore = %v, want %v", got, tc.want)
			}
		})
	}
}

// Many rooms commit at once, each one batch after another.
func testConcurrentCommitsAllLand(t *testing.T, b Backend) {
	const rooms, goroutinesEach, votesEach = 5, 10, 40
	db := b.OpenNew(t)
	sessions := make([]*quorum.Session, rooms)
	ids := make([][]string, rooms)
	for r := range rooms {
		sessions[r], ids[r] = VotingRoom(t, db, goroutinesEach*votesEach)
	}

	var wg sync.WaitGroup
	errs := make([]error, rooms*goroutinesEach)
	for g := range rooms * goroutinesEach {
		s, ids := sessions[g%rooms], ids[g%rooms]
		wg.Go(func() {
			for i := range votesEach {
				id := ids[g/rooms*votesEach+i]
				if err := db.Commit(context.Background(), []quorum.Record{ChoiceVote(s, id, i%3, "m")}); err != nil {
					errs[g] = errors.Join(errs[g], err)
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for _, s := range sessions {
		if n := CountVotes(t, db, s.ID); n != goroutinesEach*votesEach {
			t.Errorf("%d votes, want %d", n, goroutinesEach*votesEach)
		}
		got, err := db.LoadSession(context.Background(), s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n := got.Tally(StepChoice).N; n != goroutinesEach*votesEach {
			t.Errorf("the loaded tally counts %d votes, want %d", n, goroutinesEach*votesEach)
		}
	}
}

func testBadRequestAmongConcurrentCommits(t *testing.T, b Backend) {
	const good = 40
	db := b.OpenNew(t)
	s, ids := VotingRoom(t, db, good)

	var wg sync.WaitGroup
	var badErr error
	var goodFailed atomic.Int32
	wg.Go(func() {
		badErr = db.Commit(context.Background(), []quorum.Record{ChoiceVote(s, "no-such-participant", 0, "m")})
	})
	for _, id := range ids {
		wg.Go(func() {
			if err := db.Commit(context.Background(), []quorum.Record{ChoiceVote(s, id, 0, "m")}); err != nil {
				t.Error(err)
				goodFailed.Add(1)
			}
		})
	}
	wg.Wait()
	if badErr == nil {
		t.Error("a vote by an unknown participant was committed")
	}
	if n := CountVotes(t, db, s.ID); n != good || goodFailed.Load() != 0 {
		t.Errorf("%d votes with %d good commits failed, want %d votes", n, goodFailed.Load(), good)
	}
}

// A record the store cannot keep fails its commit with a plain error, for the
// logs, and with it the other records of the call.
func testBadRecordsAreRefused(t *testing.T, b Backend) {
	db := b.OpenNew(t)
	s, ids := VotingRoom(t, db, 1)
	clk := NewClock()
	other, _ := Join(t, s, clk, "Not saved")
	joined, _ := s.Participant(ids[0])
	elsewhere := NewSession(t, db, clk)
	for _, tc := range []struct {
		name   string
		record quorum.Record
	}{
		{"vote by an unknown participant", ChoiceVote(s, other[0], 0, "m")},
		{"vote by a participant of another session", ChoiceVote(elsewhere, ids[0], 0, "m")},
		{"vote in an unknown session", quorum.VoteRecord{Vote: quorum.Vote{SessionID: "no-such-session", ParticipantID: ids[0], At: clk.Tick()}}},
		{"participant joining twice", quorum.JoinRecord{Participant: joined}},
		{"state of an unknown session", quorum.StateRecord{SessionID: "no-such-session", Status: quorum.StatusLive, Event: quorum.Event{At: clk.Tick(), Action: quorum.ActionOpen}}},
		{"vote without a time", quorum.VoteRecord{Vote: quorum.Vote{SessionID: s.ID, Step: StepChoice, Round: 1, ParticipantID: ids[0], MsgID: "m"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			good := ChoiceVote(s, ids[0], 1, "good")
			err := db.Commit(context.Background(), []quorum.Record{good, tc.record})
			if err == nil || quorum.ErrorCode(err) != quorum.EINTERNAL {
				t.Errorf("committed, or not a plain error: %v", err)
			}
		})
	}
	if n := CountVotes(t, db, s.ID); n != 0 {
		t.Errorf("%d votes, want none", n)
	}
	if n := CountVotes(t, db, elsewhere.ID); n != 0 {
		t.Errorf("%d votes in the other session, want none", n)
	}
}

func testCommitHonoursContext(t *testing.T, b Backend) {
	db := b.OpenNew(t)
	s, ids := VotingRoom(t, db, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := db.Commit(ctx, []quorum.Record{ChoiceVote(s, ids[0], 0, "m")}); !errors.Is(err, context.Canceled) {
		t.Errorf("Commit with a cancelled context: %v", err)
	}
	if n := CountVotes(t, db, s.ID); n != 0 {
		t.Errorf("%d votes, want none", n)
	}
}

func testClose(t *testing.T, b Backend) {
	db := b.OpenNew(t)
	s, ids := VotingRoom(t, db, 1)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"commit", func() error { return db.Commit(ctx, []quorum.Record{ChoiceVote(s, ids[0], 0, "m")}) }},
		{"commit of nothing", func() error { return db.Commit(ctx, nil) }},
		{"ping", func() error { return db.Ping(ctx) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			AssertError(t, tc.call(), quorum.EUNAVAILABLE, "the server is shutting down")
		})
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// agenda returns AgendaJSON with an id and a title.
func agenda(tb testing.TB, id, title string) *quorum.Agenda {
	tb.Helper()
	a := Agenda(tb)
	a.ID, a.Title = id, title
	return a
}

func listedIDs(tb testing.TB, db Store) []string {
	tb.Helper()
	list, err := db.ListAgendas(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	ids := []string{}
	for _, a := range list {
		ids = append(ids, a.ID)
	}
	return ids
}

func testAgendaLifecycle(t *testing.T, b Backend) {
	db := b.OpenNew(t)
	ctx := context.Background()
	clk := NewClock()

	if ids := listedIDs(t, db); len(ids) != 0 {
		t.Fatalf("a new database lists agendas %v", ids)
	}
	first := agenda(t, "a1", "Retro <team> & friends")
	second := agenda(t, "a2", "Kick-off")
	for _, a := range []*quorum.Agenda{first, second} {
		if err := db.CreateAgenda(ctx, a, clk.Tick()); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.GetAgenda(ctx, "a1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, first) {
		t.Errorf("GetAgenda = %+v, want %+v", got, first)
	}
	if ids := listedIDs(t, db); !reflect.DeepEqual(ids, []string{"a2", "a1"}) {
		t.Errorf("listed %v, want the last created first", ids)
	}
	if err := db.CreateAgenda(ctx, second, clk.Tick()); err == nil {
		t.Error("an agenda was created twice under one id")
	}

	// Editing moves an agenda to the top and replaces its document.
	edited := agenda(t, "a1", "Retro, edited")
	edited.Steps = edited.Steps[:2]
	if err := db.UpdateAgenda(ctx, edited, clk.Tick()); err != nil {
		t.Fatal(err)
	}
	if got, err := db.GetAgenda(ctx, "a1"); err != nil || !reflect.DeepEqual(got, edited) {
		t.Errorf("after the update GetAgenda = %+v, %v; want %+v", got, err, edited)
	}
	if ids := listedIDs(t, db); !reflect.DeepEqual(ids, []string{"a1", "a2"}) {
		t.Errorf("listed %v, want the last edited first", ids)
	}

	if err := db.DeleteAgenda(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetAgenda(ctx, "a1"); quorum.ErrorCode(err) != quorum.EAGENDANOTFOUND {
		t.Errorf("GetAgenda after the delete: %v, want %s", err, quorum.EAGENDANOTFOUND)
	}
	if ids := listedIDs(t, db); !reflect.DeepEqual(ids, []string{"a2"}) {
		t.Errorf("listed %v after the delete, want [a2]", ids)
	}
}

func testAgendaNotFound(t *testing.T, b Backend) {
	db := b.OpenNew(t)
	ctx := context.Background()
	if err := db.CreateAgenda(ctx, agenda(t, "kept", "Kept"), NewClock().Tick()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"get", func() error { _, err := db.GetAgenda(ctx, "nope"); return err }},
		{"update", func() error { return db.UpdateAgenda(ctx, agenda(t, "nope", "Nope"), NewClock().Tick()) }},
		{"delete", func() error { return db.DeleteAgenda(ctx, "nope") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			AssertError(t, tc.call(), quorum.EAGENDANOTFOUND, `there is no saved agenda "nope"`)
		})
	}
	if ids := listedIDs(t, db); !reflect.DeepEqual(ids, []string{"kept"}) {
		t.Errorf("listed %v, want [kept] untouched", ids)
	}
}

// An agenda that would be over the size limit once encoded is refused:
// Go writes U+2028 as the 6 bytes \u2028, twice its UTF-8 size.
func testAgendaTooLargeOnceEncoded(t *testing.T, b Backend) {
	db := b.OpenNew(t)
	ctx := context.Background()
	a := agenda(t, "big", "Big")
	for i := range a.Steps {
		a.Steps[i].Notes = strings.Repeat("\u2028", 4000)
	}
	for len(a.Steps) < 12 {
		a.Steps = append(a.Steps, quorum.Step{Kind: quorum.KindInfo, Title: "More", Notes: strings.Repeat("\u2028", 4000)})
	}
	if err := db.CreateAgenda(ctx, a, NewClock().Tick()); quorum.ErrorCode(err) != quorum.ETOOLARGE {
		t.Fatalf("CreateAgenda: %v, want %s", err, quorum.ETOOLARGE)
	}
	if ids := listedIDs(t, db); len(ids) != 0 {
		t.Errorf("listed %v after a refused create", ids)
	}
}

func testAgendasSurviveReopen(t *testing.T, b Backend) {
	database := b.NewDatabase(t)
	want := agenda(t, "a1", "Kept across restarts")
	db := b.Open(t, database)
	if err := db.CreateAgenda(context.Background(), want, NewClock().Tick()); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := b.Open(t, database).GetAgenda(context.Background(), "a1")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("after reopening GetAgenda = %+v, %v; want %+v", got, err, want)
	}
}
