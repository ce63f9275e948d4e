package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/storetest"
)

// Commits leave their pages in the WAL; the checkpointer, not a commit,
// copies them into the database file, while the database stays open.
func TestCheckpointsCopyTheWALBesideTheWriter(t *testing.T) {
	path := tempDBPath(t)
	db := openTestDB(t, path)
	s, ids := storetest.VotingRoom(t, db, 500)
	var votes []quorum.Record
	for i, id := range ids {
		votes = append(votes, storetest.ChoiceVote(s, id, i%3, fmt.Sprint("v", i)))
	}
	storetest.Commit(t, db, votes...)
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
	if n := storetest.CountVotes(t, db, s.ID); n != len(ids) {
		t.Errorf("%d votes after the checkpoint, want %d", n, len(ids))
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
			s, ids := storetest.VotingRoom(b, db, benchParticipants)
			// A hall votes in no particular order, not in the order it
			// joined, which participant ids follow.
			rand.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
			records := make([]quorum.Record, batchSize)
			votes := 0
			walBefore := walSize(b, path)
			for b.Loop() {
				for i := range records {
					records[i] = storetest.ChoiceVote(s, ids[(votes+i)%len(ids)], (votes+i)%3, "m")
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
			clk := storetest.NewClock()
			s := storetest.NewSession(b, db, clk)
			names := make([]string, batchSize)
			for i := range names {
				names[i] = fmt.Sprintf("Person %d", i)
			}
			joins := 0
			walBefore := walSize(b, path)
			for b.Loop() {
				b.StopTimer()
				_, records := storetest.Join(b, s, clk, names...)
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
	s, ids := storetest.VotingRoom(b, db, benchParticipants)
	var next atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := int(next.Add(1))
			if err := db.Commit(context.Background(), []quorum.Record{storetest.ChoiceVote(s, ids[n%len(ids)], n%3, "m")}); err != nil {
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
	clk := storetest.NewClock()
	agenda, err := quorum.BuiltinAgenda("leadership-vs-management")
	if err != nil {
		b.Fatal(err)
	}
	s := storetest.NewSessionOn(b, db, clk, agenda)
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("Person %d", i)
	}
	ids, records := storetest.Join(b, s, clk, names...)
	storetest.Commit(b, db, records...)
	history := 0
	for step, def := range s.Agenda.Steps {
		if def.Kind != quorum.KindChoice && def.Kind != quorum.KindScale {
			continue
		}
		change, err := s.Do(quorum.Command{Action: quorum.ActionGoto, Step: &step}, clk.Tick())
		if err != nil {
			b.Fatal(err)
		}
		records = []quorum.Record{s.Record(change), storetest.Do(b, s, clk, quorum.ActionOpen)}
		for i, id := range ids {
			// 1 and 2 are answers on every choice and scale step.
			first := 1 + i%2
			records = append(records, storetest.Cast(b, s, clk, id, quorum.Value{Number: first}, "first"))
			if i%5 == 0 {
				records = append(records, storetest.Cast(b, s, clk, id, quorum.Value{Number: 3 - first}, "changed"))
				history++
			}
			history++
		}
		storetest.Commit(b, db, records...)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := db.LoadSession(context.Background(), s.ID); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(history), "history-rows")
}
