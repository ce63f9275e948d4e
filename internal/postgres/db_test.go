package postgres

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.uber.org/goleak"

	"github.com/quorum-workshop/quorum/internal/storetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestStoreContract(t *testing.T) {
	storetest.Run(t, backend)
}

// backend makes a database of its own for each test.
var backend = storetest.Backend{
	NewDatabase: storetest.PostgresDatabase,
	Open:        func(tb testing.TB, url string) storetest.Store { return openTestDB(tb, url) },
}

func openTestDB(tb testing.TB, url string) *DB {
	tb.Helper()
	db, err := Open(context.Background(), url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

// Nodes that start together on a new database apply each migration once,
// and a node that starts later applies none.
func TestNodesStartingTogetherMigrateOnce(t *testing.T) {
	url := storetest.PostgresDatabase(t)
	const nodes = 3
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() {
			db, err := Open(context.Background(), url)
			if err == nil {
				err = db.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	applied := func() map[int]time.Time {
		t.Helper()
		db := openTestDB(t, url)
		rows, _ := db.pool.Query(context.Background(), `SELECT version, applied_at FROM schema_migrations`)
		out := map[int]time.Time{}
		var version int
		var at time.Time
		if _, err := pgx.ForEachRow(rows, []any{&version, &at}, func() error { out[version] = at; return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	first := applied()
	list, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != len(list) || len(list) == 0 {
		t.Fatalf("applied %v, want one row per migration of %v", first, list)
	}
	if second := applied(); !reflect.DeepEqual(second, first) {
		t.Errorf("after another start, schema_migrations holds %v, want %v unchanged", second, first)
	}
}

func TestOpenReportsAnUnreachableServer(t *testing.T) {
	// Nothing listens on port 1; the URL's password stays out of the message.
	start := time.Now()
	db, err := Open(context.Background(), "postgres://quorum:secret@127.0.0.1:1/quorum?connect_timeout=5")
	if err == nil {
		db.Close()
		t.Fatal("Open succeeded")
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "open database 127.0.0.1:1/quorum: ") || strings.Contains(msg, "secret") || strings.Contains(msg, "\n") {
		t.Errorf("error %q does not name the server, names the password, or is not one line", msg)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("Open took %s to fail", elapsed)
	}
}

// Deleting a session leaves no row of it in any table, and every row of
// another session.
func TestDeletingASessionDeletesItsData(t *testing.T) {
	clk := storetest.NewClock()
	db := openTestDB(t, storetest.PostgresDatabase(t))
	ctx := context.Background()
	var sessions [2]string
	for i := range sessions {
		s := storetest.NewSession(t, db, clk)
		_, records := storetest.Workshop(t, s, clk)
		storetest.Commit(t, db, records...)
		if _, _, _, err := db.AcquireLease(ctx, s.ID, "n1", time.Minute); err != nil {
			t.Fatal(err)
		}
		sessions[i] = s.ID
	}
	gone, kept := sessions[0], sessions[1]
	if _, err := db.DeleteSession(ctx, gone); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"sessions", "step_states", "participants", "vote_history", "events", "session_leases"} {
		column := "session_id"
		if table == "sessions" {
			column = "id"
		}
		var left, other int
		if err := db.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE `+column+` = $1),
			count(*) FILTER (WHERE `+column+` = $2) FROM `+table, gone, kept).Scan(&left, &other); err != nil {
			t.Fatal(err)
		}
		if left != 0 || other == 0 {
			t.Errorf("%s: %d rows of the deleted session, %d of the other; want 0 and some", table, left, other)
		}
	}
}

func BenchmarkCommitVotes(b *testing.B)      { storetest.BenchCommitVotes(b, openBench) }
func BenchmarkCommitJoins(b *testing.B)      { storetest.BenchCommitJoins(b, openBench) }
func BenchmarkCommitConcurrent(b *testing.B) { storetest.BenchCommitConcurrent(b, openBench) }
func BenchmarkLoadSession(b *testing.B)      { storetest.BenchLoadSession(b, openBench) }

// openBench opens a database of its own. The WAL is the server's, which
// other databases write to as well: on a busy server the bytes per record
// come out too high.
func openBench(tb testing.TB) storetest.Bench {
	db := openTestDB(tb, storetest.PostgresDatabase(tb))
	return storetest.Bench{
		Store: db,
		WAL: func(tb testing.TB) int64 {
			var n int64
			if err := db.pool.QueryRow(context.Background(), `SELECT pg_current_wal_insert_lsn() - '0/0'`).Scan(&n); err != nil {
				tb.Fatal(err)
			}
			return n
		},
	}
}
