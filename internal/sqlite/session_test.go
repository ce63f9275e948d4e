package sqlite

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// workshop runs a short session: joins, votes, a changed mind, reveals,
// countdowns. It leaves the text step open with a countdown running.
func workshop(t *testing.T, s *quorum.Session, clk *clock) (participantIDs []string, records []quorum.Record) {
	t.Helper()
	ids, records := join(t, s, clk, "Ada", "Grace", "Linus", "Barbara", "Ken")
	records = append(records, do(t, s, clk, quorum.ActionStart))

	records = append(records, do(t, s, clk, quorum.ActionNext), do(t, s, clk, quorum.ActionOpen))
	for i, option := range []int{0, 1, 0, 2, 0} {
		records = append(records, cast(t, s, clk, ids[i], quorum.Value{Number: option}, "choice-1"))
	}
	records = append(records,
		cast(t, s, clk, ids[0], quorum.Value{Number: 1}, "choice-2"), // Ada changes her mind
		do(t, s, clk, quorum.ActionClose), do(t, s, clk, quorum.ActionReveal))

	records = append(records, do(t, s, clk, quorum.ActionNext), do(t, s, clk, quorum.ActionTimer))
	for i, point := range []int{5, 4, 2, 5} {
		records = append(records, cast(t, s, clk, ids[i], quorum.Value{Number: point}, "scale-1"))
	}

	records = append(records, do(t, s, clk, quorum.ActionNext), do(t, s, clk, quorum.ActionTimer))
	for i, word := range []string{"Curious", "curious!", "Bold"} {
		records = append(records, cast(t, s, clk, ids[i], quorum.Value{Text: word}, "text-1"))
	}

	// The room moves last-seen times forward itself; a late, older one must
	// not move the stored time back.
	seen := clk.tick().Add(quorum.SeenResolution)
	if _, ok := s.Seen(ids[1], seen); !ok {
		t.Fatal("a minute later, the last-seen time did not move")
	}
	records = append(records,
		quorum.SeenRecord{SessionID: s.ID, ParticipantID: ids[1], At: seen},
		quorum.SeenRecord{SessionID: s.ID, ParticipantID: ids[1], At: seen.Add(-time.Minute)})
	return ids, records
}

func TestSessionSurvivesReopen(t *testing.T) {
	path := tempDBPath(t)
	clk := newClock()
	db := openTestDB(t, path)
	s := newTestSession(t, db, clk)
	ids, records := workshop(t, s, clk)
	// Several calls, as a room commits batch after batch.
	for len(records) > 0 {
		n := min(4, len(records))
		commit(t, db, records[:n]...)
		records = records[n:]
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openTestDB(t, path)
	got, err := db.LoadSession(context.Background(), s.ID)
	if err != nil {
		t.Fatal(err)
	}
	assertSameSession(t, got, s, ids)
	if got.Steps[stepText].Deadline.IsZero() || !got.Steps[stepScale].Deadline.IsZero() {
		t.Errorf("deadlines %v, want only the text step's countdown", got.Steps)
	}
	if _, _, err := got.Cast(ids[4], stepText, quorum.AnyRound, quorum.Value{Text: "Kind"}, "text-1", clk.tick()); err != nil {
		t.Errorf("the loaded session refuses a vote on its open step: %v", err)
	}
}

// assertSameSession compares a loaded session with the one that was saved,
// whose times the store keeps to the millisecond.
func assertSameSession(t *testing.T, got, want *quorum.Session, participantIDs []string) {
	t.Helper()
	type header struct {
		ID, Code, Title, HostKeyHash, ScreenKeyHash string
		Status                                      quorum.Status
		CurrentStep                                 int
	}
	headerOf := func(s *quorum.Session) header {
		return header{s.ID, s.Code, s.Title, s.HostKeyHash, s.ScreenKeyHash, s.Status, s.CurrentStep}
	}
	if g, w := headerOf(got), headerOf(want); g != w {
		t.Errorf("session\n got %+v\nwant %+v", g, w)
	}
	if !reflect.DeepEqual(got.Agenda, want.Agenda) {
		t.Errorf("agenda\n got %+v\nwant %+v", got.Agenda, want.Agenda)
	}
	assertSameTime(t, "created", got.CreatedAt, want.CreatedAt)
	assertSameTime(t, "started", got.StartedAt, want.StartedAt)
	assertSameTime(t, "ended", got.EndedAt, want.EndedAt)

	if len(got.Steps) != len(want.Steps) {
		t.Fatalf("%d step states, want %d", len(got.Steps), len(want.Steps))
	}
	for i, w := range want.Steps {
		g := got.Steps[i]
		if g.Voting != w.Voting || g.Revealed != w.Revealed {
			t.Errorf("step %d: %+v, want %+v", i, g, w)
		}
		assertSameTime(t, "deadline", g.Deadline, w.Deadline)
	}

	if got.Joined() != want.Joined() {
		t.Errorf("%d joined, want %d", got.Joined(), want.Joined())
	}
	for _, id := range participantIDs {
		g, ok := got.Participant(id)
		w, _ := want.Participant(id)
		if !ok {
			t.Errorf("participant %s is missing", id)
			continue
		}
		if g.SessionID != w.SessionID || g.TokenHash != w.TokenHash || g.Name != w.Name || g.Segment != w.Segment {
			t.Errorf("participant\n got %+v\nwant %+v", g, w)
		}
		assertSameTime(t, "joined", g.JoinedAt, w.JoinedAt)
		assertSameTime(t, "last seen", g.LastSeenAt, w.LastSeenAt)
		if g, w := got.VotesOf(id), want.VotesOf(id); !reflect.DeepEqual(g, w) {
			t.Errorf("votes of %s: %v, want %v", id, g, w)
		}
	}

	for i := range want.Agenda.Steps {
		g, w := got.Tally(i), want.Tally(i)
		if g.N != w.N || !reflect.DeepEqual(g.Counts, w.Counts) || g.Mean() != w.Mean() ||
			!reflect.DeepEqual(g.Words(0), w.Words(0)) {
			t.Errorf("tally of step %d: N %d counts %v mean %v words %v, want N %d counts %v mean %v words %v",
				i, g.N, g.Counts, g.Mean(), g.Words(0), w.N, w.Counts, w.Mean(), w.Words(0))
		}
	}
	if g, w := got.Profile(), want.Profile(); !reflect.DeepEqual(g, w) {
		t.Errorf("profile %+v, want %+v", g, w)
	}
}

func assertSameTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if want.IsZero() {
		if !got.IsZero() {
			t.Errorf("%s time %v, want the zero time", what, got)
		}
		return
	}
	if !got.Equal(want.Truncate(time.Millisecond)) {
		t.Errorf("%s time %v, want %v to the millisecond", what, got, want)
	}
}

func TestResetDeletesTheStepsVotes(t *testing.T) {
	clk := newClock()
	db := openTestDB(t, tempDBPath(t))
	ctx := context.Background()
	s := newTestSession(t, db, clk)
	ids, records := join(t, s, clk, "Ada", "Grace")
	records = append(records, do(t, s, clk, quorum.ActionNext), do(t, s, clk, quorum.ActionNext), do(t, s, clk, quorum.ActionOpen))
	for _, id := range ids {
		records = append(records, cast(t, s, clk, id, quorum.Value{Number: 2}, "first"))
	}
	commit(t, db, records...)

	commit(t, db, do(t, s, clk, quorum.ActionReset))

	got, err := db.LoadSession(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	assertSameSession(t, got, s, ids)
	if n := got.Tally(stepChoice).N; n != 0 {
		t.Errorf("%d votes after the reset, want 0", n)
	}
	if st := got.Steps[stepChoice]; st.Voting != quorum.VotingPending {
		t.Errorf("step state %+v after the reset, want pending", st)
	}
	var history int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM vote_history WHERE session_id = ?`, s.ID).Scan(&history); err != nil {
		t.Fatal(err)
	}
	if history != len(ids) {
		t.Errorf("%d votes in the history, want the %d cast before the reset", history, len(ids))
	}

	// Votes cast after the reset count, the newest of each participant's.
	commit(t, db, do(t, s, clk, quorum.ActionOpen),
		cast(t, s, clk, ids[0], quorum.Value{Number: 0}, "again"),
		cast(t, s, clk, ids[0], quorum.Value{Number: 1}, "changed"))
	got, err = db.LoadSession(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tally := got.Tally(stepChoice); tally.N != 1 || !reflect.DeepEqual(tally.Counts, []int{0, 1, 0}) {
		t.Errorf("after the reset and a vote cast and changed: N %d counts %v, want 1 vote for option 1", tally.N, tally.Counts)
	}
	if v, ok := got.VoteOf(stepChoice, ids[0]); !ok || v.MsgID != "changed" {
		t.Errorf("%s's vote after reloading: %+v, %v; want the changed one", ids[0], v, ok)
	}
	if n, err := db.CountVotes(ctx, s.ID); err != nil || n != 1 {
		t.Errorf("CountVotes = %d, %v; want 1", n, err)
	}
}

func TestJoinCodeCollisionGetsANewCode(t *testing.T) {
	clk := newClock()
	db := openTestDB(t, tempDBPath(t))
	ctx := context.Background()
	first := newTestSession(t, db, clk)

	agenda, err := quorum.ParseAgenda([]byte(testAgendaJSON))
	if err != nil {
		t.Fatal(err)
	}
	second, _, err := quorum.NewSession(agenda, "", clk.tick())
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
}

func TestEndedSessionFreesItsCode(t *testing.T) {
	clk := newClock()
	db := openTestDB(t, tempDBPath(t))
	ctx := context.Background()
	ended := newTestSession(t, db, clk)
	commit(t, db, do(t, ended, clk, quorum.ActionStart), do(t, ended, clk, quorum.ActionEnd))

	_, err := db.FindSessionByCode(ctx, ended.Code)
	assertError(t, err, quorum.ESESSIONENDED, "the session "+quorum.FormatJoinCode(ended.Code)+" has ended")

	agenda, err := quorum.ParseAgenda([]byte(testAgendaJSON))
	if err != nil {
		t.Fatal(err)
	}
	next, _, err := quorum.NewSession(agenda, "", clk.tick())
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
	assertSameSession(t, got, ended, nil)
}

func TestLookupErrors(t *testing.T) {
	db := openTestDB(t, tempDBPath(t))
	ctx := context.Background()
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
			name:     "unknown session id",
			lookup:   func() error { _, err := db.LoadSession(ctx, "9b2f0c1e-0000-4000-8000-000000000000"); return err },
			wantCode: quorum.ESESSIONNOTFOUND,
			wantMsg:  "no session with this id",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assertError(t, tc.lookup(), tc.wantCode, tc.wantMsg)
		})
	}
}

func assertError(t *testing.T, err error, code, message string) {
	t.Helper()
	if quorum.ErrorCode(err) != code || quorum.ErrorMessage(err) != message {
		t.Errorf("error %v, want %s: %s", err, code, message)
	}
}

func TestDeletingASessionDeletesItsData(t *testing.T) {
	clk := newClock()
	db := openTestDB(t, tempDBPath(t))
	ctx := context.Background()
	s := newTestSession(t, db, clk)
	_, records := workshop(t, s, clk)
	commit(t, db, records...)
	kept := newTestSession(t, db, clk)
	_, records = workshop(t, kept, clk)
	commit(t, db, records...)

	if _, err := db.write.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, s.ID); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"sessions", "step_states", "participants", "current_votes", "vote_history", "events"} {
		column := "session_id"
		if table == "sessions" {
			column = "id"
		}
		var left, other int
		if err := db.read.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE `+column+` = ?1),
			count(*) FILTER (WHERE `+column+` = ?2) FROM `+table, s.ID, kept.ID).Scan(&left, &other); err != nil {
			t.Fatal(err)
		}
		if left != 0 || other == 0 {
			t.Errorf("%s: %d rows of the deleted session, %d of the other; want 0 and some", table, left, other)
		}
	}
}
