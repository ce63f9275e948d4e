package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// The benchmarks of Commit and LoadSession, run by each store's tests so
// that their figures compare.

// Bench is a store opened for a benchmark.
type Bench struct {
	Store Store
	// WAL, if set, returns how many bytes the store has written to its
	// write-ahead log so far, or holds in it; the commit benchmarks report
	// the bytes each record wrote.
	WAL func(tb testing.TB) int64
}

const benchParticipants = 1000

// BenchCommitVotes commits batches of votes, as a busy room does: the cost of
// a commit, its fsync above all, is shared by the votes of a batch.
func BenchCommitVotes(b *testing.B, open func(testing.TB) Bench) {
	for _, batchSize := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("batch=%d", batchSize), func(b *testing.B) {
			bench := open(b)
			s, ids := VotingRoom(b, bench.Store, benchParticipants)
			// A hall votes in no particular order, not in the order it
			// joined, which participant ids follow.
			rand.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
			records := make([]quorum.Record, batchSize)
			votes := 0
			walBefore := bench.wal(b)
			for b.Loop() {
				for i := range records {
					records[i] = ChoiceVote(s, ids[(votes+i)%len(ids)], (votes+i)%3, "m")
				}
				if err := bench.Store.Commit(context.Background(), records); err != nil {
					b.Fatal(err)
				}
				votes += batchSize
			}
			bench.report(b, walBefore, votes, "vote")
		})
	}
}

// BenchCommitJoins commits a join burst into one session, a batch at a time
// as a room does (about 20 joins a commit in a 10,000-phone burst), and
// reports the bytes each join wrote to the WAL: what an index of random keys
// costs is the pages it dirties.
func BenchCommitJoins(b *testing.B, open func(testing.TB) Bench) {
	for _, batchSize := range []int{20, 200} {
		b.Run(fmt.Sprintf("batch=%d", batchSize), func(b *testing.B) {
			bench := open(b)
			clk := NewClock()
			s := NewSession(b, bench.Store, clk)
			names := make([]string, batchSize)
			for i := range names {
				names[i] = fmt.Sprintf("Person %d", i)
			}
			joins := 0
			walBefore := bench.wal(b)
			for b.Loop() {
				b.StopTimer()
				_, records := Join(b, s, clk, names...)
				b.StartTimer()
				if err := bench.Store.Commit(context.Background(), records); err != nil {
					b.Fatal(err)
				}
				joins += batchSize
			}
			bench.report(b, walBefore, joins, "join")
		})
	}
}

func (bench Bench) wal(tb testing.TB) int64 {
	if bench.WAL == nil {
		return 0
	}
	return bench.WAL(tb)
}

// report reports the records of a kind committed per second and the WAL
// bytes each wrote since the WAL was walBefore long. A WAL that was
// checkpointed and restarted meanwhile counts fewer bytes, never more.
func (bench Bench) report(b *testing.B, walBefore int64, n int, kind string) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), kind+"s/s")
	if grown := bench.wal(b) - walBefore; bench.WAL != nil && grown > 0 {
		b.ReportMetric(float64(grown)/float64(n), "WAL-bytes/"+kind)
	}
}

// BenchCommitConcurrent has many goroutines commit one vote each, which the
// store gathers into shared transactions.
func BenchCommitConcurrent(b *testing.B, open func(testing.TB) Bench) {
	db := open(b).Store
	s, ids := VotingRoom(b, db, benchParticipants)
	var next atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := int(next.Add(1))
			if err := db.Commit(context.Background(), []quorum.Record{ChoiceVote(s, ids[n%len(ids)], n%3, "m")}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(next.Load())/b.Elapsed().Seconds(), "votes/s")
}

// BenchLoadSession reads back a keynote: the built-in agenda, 10,000
// participants, every one voting on every choice and scale step and a fifth
// of them changing their vote. A room loads its session when it starts, after
// a restart or an idle spell; current votes are the newest of their history.
func BenchLoadSession(b *testing.B, open func(testing.TB) Bench) {
	const n = 10000
	db := open(b).Store
	clk := NewClock()
	agenda, err := quorum.BuiltinAgenda("leadership-vs-management")
	if err != nil {
		b.Fatal(err)
	}
	s := NewSessionOn(b, db, clk, agenda)
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("Person %d", i)
	}
	ids, records := Join(b, s, clk, names...)
	Commit(b, db, records...)
	history := 0
	for step, def := range s.Agenda.Steps {
		if def.Kind != quorum.KindChoice && def.Kind != quorum.KindScale {
			continue
		}
		change, err := s.Do(quorum.Command{Action: quorum.ActionGoto, Step: &step}, clk.Tick())
		if err != nil {
			b.Fatal(err)
		}
		records = []quorum.Record{s.Record(change), Do(b, s, clk, quorum.ActionOpen)}
		for i, id := range ids {
			// 1 and 2 are answers on every choice and scale step.
			first := 1 + i%2
			records = append(records, Cast(b, s, clk, id, quorum.Value{Number: first}, "first"))
			if i%5 == 0 {
				records = append(records, Cast(b, s, clk, id, quorum.Value{Number: 3 - first}, "changed"))
				history++
			}
			history++
		}
		Commit(b, db, records...)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := db.LoadSession(context.Background(), s.ID); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(history), "history-rows")
}
