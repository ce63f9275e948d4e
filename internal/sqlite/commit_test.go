package sqlite

import (
	"fmt"
	"os"
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

func BenchmarkCommitVotes(b *testing.B)      { storetest.BenchCommitVotes(b, openBench) }
func BenchmarkCommitJoins(b *testing.B)      { storetest.BenchCommitJoins(b, openBench) }
func BenchmarkCommitConcurrent(b *testing.B) { storetest.BenchCommitConcurrent(b, openBench) }
func BenchmarkLoadSession(b *testing.B)      { storetest.BenchLoadSession(b, openBench) }

// openBench opens a database whose WAL the commit benchmarks measure.
func openBench(tb testing.TB) storetest.Bench {
	path := tempDBPath(tb)
	return storetest.Bench{
		Store: openTestDB(tb, path),
		WAL:   func(tb testing.TB) int64 { return walSize(tb, path) },
	}
}

func walSize(tb testing.TB, dbPath string) int64 {
	fi, err := os.Stat(dbPath + "-wal")
	if err != nil {
		tb.Fatal(err)
	}
	return fi.Size()
}
