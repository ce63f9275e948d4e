package sqlite

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// votingRoom is a saved session with participants who have joined and the
// choice step open.
func votingRoom(tb testing.TB, db *DB, participants int) (*quorum.Session, []string) {
	tb.Helper()
	clk := newClock()
	s := newTestSession(tb, db, clk)
	names := make([]string, participants)
	for i := range names {
		names[i] = fmt.Sprintf("Person %d", i)
	}
	ids, records := join(tb, s, clk, names...)
	records = append(records, do(tb, s, clk, quorum.ActionNext), do(tb, s, clk, quorum.ActionNext), do(tb, s, clk, quorum.ActionOpen))
	commit(tb, db, records...)
	return s, ids
}

// choiceVote is a vote on the choice step built directly, without the session,
// which only one goroutine may use.
func choiceVote(s *quorum.Session, participantID string, option int, msgID string) quorum.Record {
	return quorum.VoteRecord{Vote: quorum.Vote{
		SessionID:     s.ID,
		Step:          stepChoice,
		Round:         1,
		ParticipantID: participantID,
		Value:         quorum.Value{Number: option},
		MsgID:         msgID,
		At:            s.CreatedAt,
	}}
}

func countVotes(tb testing.TB, db *DB, sessionID string) int {
	tb.Helper()
	n, err := db.CountVotes(context.Background(), sessionID)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// Commits leave their pages in the WAL; the checkpointer, not a commit,
// copies them into the database file, while the database stays open.
func TestCheckpointsCopyTheWALBesideTheWriter(t *testing.T) {
	path := tempDBPath(t)
	db := openTestDB(t, path)
	s, ids := votingRoom(t, db, 500)
	var votes []quorum.Record
	for i, id := range ids {
		votes = append(votes, choiceVote(s, id, i%3, fmt.Sprint("v", i)))
	}
	commit(t, db, votes...)
	size := func(name string) int64 {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	if wal := size(path + "-wal"); wal == 0 {
		t.Fatal("the commits left nothing in the WAL")
	}
	before := size(path)
	deadline := time.Now().Add(3 * checkpointInterval)
	for size(path) == before {
		if time.Now().After(deadline) {
			t.Fatalf("the database file is still %d bytes %s after the commits: no checkpoint", before, 3*checkpointInterval)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := countVotes(t, db, s.ID); n != len(ids) {
		t.Errorf("%d votes after the checkpoint, want %d", n, len(ids))
	}
}

func TestConcurrentCommitsAllLand(t *testing.T) {
	const goroutines, votesEach = 50, 40
	db := openTestDB(t, tempDBPath(t))
	s, ids := votingRoom(t, db, goroutines*votesEach)

	var wg sync.WaitGroup
	errs := make([]error, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			for i := range votesEach {
				id := ids[g*votesEach+i]
				if err := db.Commit(context.Background(), []quorum.Record{choiceVote(s, id, i%3, "m")}); err != nil {
					errs[g] = errors.Join(errs[g], err)
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if n := countVotes(t, db, s.ID); n != goroutines*votesEach {
		t.Errorf("%d votes, want %d", n, goroutines*votesEach)
	}
	got, err := db.LoadSession(context.Background(), s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := got.Tally(stepChoice).N; n != goroutines*votesEach {
		t.Errorf("the loaded tally counts %d votes, want %d", n, goroutines*votesEach)
	}
}

// A batch is built here by hand, so that the bad request surely shares a
// transaction with good ones.
func TestBadRequestFailsAloneInItsBatch(t *testing.T) {
	db := openTestDB(t, tempDBPath(t))
	s, ids := votingRoom(t, db, 3)
	batch := []*request{
		{records: []quorum.Record{choiceVote(s, ids[0], 0, "m")}},
		{records: []quorum.Record{choiceVote(s, ids[1], 1, "m"), choiceVote(s, "no-such-participant", 1, "m")}},
		{records: []quorum.Record{choiceVote(s, ids[1], 2, "m"), choiceVote(s, ids[2], 2, "m")}},
	}
	for _, req := range batch {
		req.done = make(chan error, 1)
	}

	db.commitBatch(batch)

	for i, req := range batch {
		err := <-req.done
		if i != 1 {
			if err != nil {
				t.Errorf("good request %d: %v", i, err)
			}
			continue
		}
		if err == nil || quorum.ErrorCode(err) != quorum.EINTERNAL ||
			!strings.HasPrefix(err.Error(), "commit 2 records: vote of participant no-such-participant") {
			t.Errorf("bad request: %v, want a plain error naming the failed vote", err)
		}
	}
	got, err := db.LoadSession(context.Background(), s.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The bad request's good vote went with it; the others landed in order.
	want := []map[int]quorum.Value{{stepChoice: {Number: 0}}, {stepChoice: {Number: 2}}, {stepChoice: {Number: 2}}}
	for i, id := range ids {
		if votes := got.VotesOf(id); !reflect.DeepEqual(votes, want[i]) {
			t.Errorf("votes of participant %d: %v, want %v", i, votes, want[i])
		}
	}
}

func TestBadRequestAmongConcurrentCommits(t *testing.T) {
	const good = 40
	db := openTestDB(t, tempDBPath(t))
	s, ids := votingRoom(t, db, good)

	var wg sync.WaitGroup
	var badErr error
	var goodFailed atomic.Int32
	wg.Go(func() {
		badErr = db.Commit(context.Background(), []quorum.Record{choiceVote(s, "no-such-participant", 0, "m")})
	})
	for _, id := range ids {
		wg.Go(func() {
			if err := db.Commit(context.Background(), []quorum.Record{choiceVote(s, id, 0, "m")}); err != nil {
				t.Error(err)
				goodFailed.Add(1)
			}
		})
	}
	wg.Wait()
	if badErr == nil {
		t.Error("a vote by an unknown participant was committed")
	}
	if n := countVotes(t, db, s.ID); n != good || goodFailed.Load() != 0 {
		t.Errorf("%d votes with %d good commits failed, want %d votes", n, goodFailed.Load(), good)
	}
}

func TestBadRecordsAreRefused(t *testing.T) {
	db := openTestDB(t, tempDBPath(t))
	s, ids := votingRoom(t, db, 1)
	clk := newClock()
	other, _ := join(t, s, clk, "Not saved")
	joined, _ := s.Participant(ids[0])
	for _, tc := range []struct {
		name   string
		record quorum.Record
	}{
		{"vote by an unknown participant", choiceVote(s, other[0], 0, "m")},
		{"vote in an unknown session", quorum.VoteRecord{Vote: quorum.Vote{SessionID: "no-such-session", ParticipantID: ids[0], At: clk.tick()}}},
		{"participant joining twice", quorum.JoinRecord{Participant: joined}},
		{"state of an unknown session", quorum.StateRecord{SessionID: "no-such-session", Status: quorum.StatusLive, Event: quorum.Event{At: clk.tick(), Action: quorum.ActionOpen}}},
		{"vote without a time", quorum.VoteRecord{Vote: quorum.Vote{SessionID: s.ID, Step: stepChoice, ParticipantID: ids[0], MsgID: "m"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := db.Commit(context.Background(), []quorum.Record{tc.record})
			if err == nil || quorum.ErrorCode(err) != quorum.EINTERNAL {
				t.Errorf("committed, or not a plain error: %v", err)
			}
		})
	}
	if n := countVotes(t, db, s.ID); n != 0 {
		t.Errorf("%d votes, want none", n)
	}
}

func TestCommitHonoursContext(t *testing.T) {
	db := openTestDB(t, tempDBPath(t))
	s, ids := votingRoom(t, db, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := db.Commit(ctx, []quorum.Record{choiceVote(s, ids[0], 0, "m")}); !errors.Is(err, context.Canceled) {
		t.Errorf("Commit with a cancelled context: %v", err)
	}
	if n := countVotes(t, db, s.ID); n != 0 {
		t.Errorf("%d votes, want none", n)
	}
}

func TestClose(t *testing.T) {
	db := openTestDB(t, tempDBPath(t))
	s, ids := votingRoom(t, db, 1)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"commit", func() error { return db.Commit(ctx, []quorum.Record{choiceVote(s, ids[0], 0, "m")}) }},
		{"commit of nothing", func() error { return db.Commit(ctx, nil) }},
		{"ping", func() error { return db.Ping(ctx) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assertError(t, tc.call(), quorum.EUNAVAILABLE, "the server is shutting down")
		})
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestPing(t *testing.T) {
	db := openTestDB(t, tempDBPath(t))
	if err := db.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

const benchParticipants = 1000

// BenchmarkCommitVotes commits batches of votes, as a busy room does: the
// cost of a commit, its fsync above all, is shared by the votes of a batch.
func BenchmarkCommitVotes(b *testing.B) {
	for _, batchSize := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("batch=%d", batchSize), func(b *testing.B) {
			path := tempDBPath(b)
			db := openTestDB(b, path)
			s, ids := votingRoom(b, db, benchParticipants)
			// A hall votes in no particular order, not in the order it
			// joined, which participant ids follow.
			rand.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
			records := make([]quorum.Record, batchSize)
			votes := 0
			walBefore := walSize(b, path)
			for b.Loop() {
				for i := range records {
					records[i] = choiceVote(s, ids[(votes+i)%len(ids)], (votes+i)%3, "m")
				}
				if err := db.Commit(context.Background(), records); err != nil {
					b.Fatal(err)
				}
				votes += batchSize
			}
			reportCommits(b, path, walBefore, votes, "vote")
		})
	}
}

// BenchmarkCommitJoins commits a join burst into one session, a batch at a
// time as a room does (about 20 joins a commit in a 10,000-phone burst), and
// reports the bytes each join wrote to the WAL: what an index of random keys
// costs is the pages it dirties.
func BenchmarkCommitJoins(b *testing.B) {
	for _, batchSize := range []int{20, 200} {
		b.Run(fmt.Sprintf("batch=%d", batchSize), func(b *testing.B) {
			path := tempDBPath(b)
			db := openTestDB(b, path)
			clk := newClock()
			s := newTestSession(b, db, clk)
			names := make([]string, batchSize)
			for i := range names {
				names[i] = fmt.Sprintf("Person %d", i)
			}
			joins := 0
			walBefore := walSize(b, path)
			for b.Loop() {
				b.StopTimer()
				_, records := join(b, s, clk, names...)
				b.StartTimer()
				if err := db.Commit(context.Background(), records); err != nil {
					b.Fatal(err)
				}
				joins += batchSize
			}
			reportCommits(b, path, walBefore, joins, "join")
		})
	}
}

// reportCommits reports the records of a kind committed per second and the
// WAL bytes each wrote since the WAL was walBefore long. The checkpointer may
// restart the WAL in between: then the bytes count less, never more.
func reportCommits(b *testing.B, dbPath string, walBefore int64, n int, kind string) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), kind+"s/s")
	if grown := walSize(b, dbPath) - walBefore; grown > 0 {
		b.ReportMetric(float64(grown)/float64(n), "WAL-bytes/"+kind)
	}
}

func walSize(tb testing.TB, dbPath string) int64 {
	fi, err := os.Stat(dbPath + "-wal")
	if err != nil {
		tb.Fatal(err)
	}
	return fi.Size()
}

// BenchmarkCommitConcurrent has many goroutines commit one vote each, which
// the writer gathers into shared transactions.
func BenchmarkCommitConcurrent(b *testing.B) {
	db := openTestDB(b, tempDBPath(b))
	s, ids := votingRoom(b, db, benchParticipants)
	var next atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := int(next.Add(1))
			if err := db.Commit(context.Background(), []quorum.Record{choiceVote(s, ids[n%len(ids)], n%3, "m")}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(next.Load())/b.Elapsed().Seconds(), "votes/s")
}

// BenchmarkLoadSession reads back a keynote: the built-in agenda, 10,000
// participants, every one voting on every choice and scale step and a fifth
// of them changing their vote. A room loads its session when it starts, after
// a restart or an idle spell; current votes are the newest of their history.
func BenchmarkLoadSession(b *testing.B) {
	const n = 10000
	db := openTestDB(b, tempDBPath(b))
	clk := newClock()
	agenda, err := quorum.BuiltinAgenda("leadership-vs-management")
	if err != nil {
		b.Fatal(err)
	}
	s := newSessionOn(b, db, clk, agenda)
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("Person %d", i)
	}
	ids, records := join(b, s, clk, names...)
	commit(b, db, records...)
	history := 0
	for step, def := range s.Agenda.Steps {
		if def.Kind != quorum.KindChoice && def.Kind != quorum.KindScale {
			continue
		}
		change, err := s.Do(quorum.Command{Action: quorum.ActionGoto, Step: &step}, clk.tick())
		if err != nil {
			b.Fatal(err)
		}
		records = []quorum.Record{s.Record(change), do(b, s, clk, quorum.ActionOpen)}
		for i, id := range ids {
			// 1 and 2 are answers on every choice and scale step.
			first := 1 + i%2
			records = append(records, cast(b, s, clk, id, quorum.Value{Number: first}, "first"))
			if i%5 == 0 {
				records = append(records, cast(b, s, clk, id, quorum.Value{Number: 3 - first}, "changed"))
				history++
			}
			history++
		}
		commit(b, db, records...)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := db.LoadSession(context.Background(), s.ID); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(history), "history-rows")
}
