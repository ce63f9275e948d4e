package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/storetest"
)

const ttl = time.Minute

// expire ends a session's lease now, as if its holder had stopped renewing.
func expire(tb testing.TB, db *DB, sessionID string) {
	tb.Helper()
	if _, err := db.pool.Exec(context.Background(),
		`UPDATE session_leases SET lease_until = now() - interval '1 second' WHERE session_id = $1`, sessionID); err != nil {
		tb.Fatal(err)
	}
}

func acquire(tb testing.TB, db *DB, sessionID, node string) (int64, bool, string) {
	tb.Helper()
	epoch, ok, owner, err := db.AcquireLease(context.Background(), sessionID, node, ttl)
	if err != nil {
		tb.Fatal(err)
	}
	return epoch, ok, owner
}

func TestLeaseLifecycle(t *testing.T) {
	db := openTestDB(t, storetest.PostgresDatabase(t))
	ctx := context.Background()
	s := storetest.NewSession(t, db, storetest.NewClock())
	type take struct {
		epoch int64
		ok    bool
		owner string
	}
	check := func(what string, got, want take) {
		t.Helper()
		if got != want {
			t.Errorf("%s: epoch %d, acquired %v, owner %q; want %+v", what, got.epoch, got.ok, got.owner, want)
		}
	}
	var got take
	got.epoch, got.ok, got.owner = acquire(t, db, s.ID, "n1")
	check("a free lease", got, take{1, true, "n1"})
	got.epoch, got.ok, got.owner = acquire(t, db, s.ID, "n1")
	check("taken again by its holder", got, take{1, true, "n1"})
	got.epoch, got.ok, got.owner = acquire(t, db, s.ID, "n2")
	check("held by another node", got, take{1, false, "n1"})
	if err := db.RenewLease(ctx, s.ID, "n1", 1, ttl); err != nil {
		t.Errorf("renewing a held lease: %v", err)
	}

	expire(t, db, s.ID)
	if err := db.RenewLease(ctx, s.ID, "n1", 1, ttl); !errors.Is(err, ErrNotOwner) || quorum.ErrorCode(err) != quorum.EUNAVAILABLE {
		t.Errorf("renewing an expired lease: %v, want ErrNotOwner", err)
	}
	got.epoch, got.ok, got.owner = acquire(t, db, s.ID, "n2")
	check("an expired lease", got, take{2, true, "n2"})
	if err := db.RenewLease(ctx, s.ID, "n1", 1, ttl); !errors.Is(err, ErrNotOwner) {
		t.Errorf("renewing a lease taken over: %v, want ErrNotOwner", err)
	}
	if err := db.RenewLease(ctx, s.ID, "n2", 1, ttl); !errors.Is(err, ErrNotOwner) {
		t.Errorf("renewing with an old epoch: %v, want ErrNotOwner", err)
	}

	// Releasing as a former holder does nothing; the holder's release frees
	// the lease at once, and the next holder's epoch is higher still.
	if err := db.ReleaseLease(ctx, s.ID, "n1", 1); err != nil {
		t.Fatal(err)
	}
	got.epoch, got.ok, got.owner = acquire(t, db, s.ID, "n3")
	check("after a former holder's release", got, take{2, false, "n2"})
	if err := db.ReleaseLease(ctx, s.ID, "n2", 2); err != nil {
		t.Fatal(err)
	}
	got.epoch, got.ok, got.owner = acquire(t, db, s.ID, "n3")
	check("a released lease", got, take{3, true, "n3"})
	// A holder that comes back after its lease expired gets a new epoch.
	expire(t, db, s.ID)
	got.epoch, got.ok, got.owner = acquire(t, db, s.ID, "n3")
	check("its own expired lease", got, take{4, true, "n3"})

	_, _, _, err := db.AcquireLease(ctx, "no-such-session", "n1", ttl)
	storetest.AssertError(t, err, quorum.ESESSIONNOTFOUND, "no session with this id")

	// Deleting the session deletes its lease.
	if _, err := db.DeleteSession(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM session_leases`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d leases after deleting the session, %v", n, err)
	}
}

// Nodes with pools of their own race for one expired lease, again and again:
// each time exactly one wins, and the others are told who.
func TestOneNodeWinsARaceForALease(t *testing.T) {
	const nodes, races = 4, 20
	url := storetest.PostgresDatabase(t)
	dbs := make([]*DB, nodes)
	for i := range dbs {
		dbs[i] = openTestDB(t, url)
	}
	s := storetest.NewSession(t, dbs[0], storetest.NewClock())
	for race := range races {
		if race > 0 {
			expire(t, dbs[0], s.ID)
		}
		type result struct {
			epoch int64
			ok    bool
			owner string
			err   error
		}
		results := make([]result, nodes)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, db := range dbs {
			wg.Go(func() {
				<-start
				r := &results[i]
				r.epoch, r.ok, r.owner, r.err = db.AcquireLease(context.Background(), s.ID, fmt.Sprint("node-", i), ttl)
			})
		}
		close(start)
		wg.Wait()
		var winners []string
		for i, r := range results {
			if r.err != nil {
				t.Fatal(r.err)
			}
			if r.ok {
				winners = append(winners, fmt.Sprint("node-", i))
			}
		}
		if len(winners) != 1 {
			t.Fatalf("race %d: winners %v, want one; %+v", race, winners, results)
		}
		for i, r := range results {
			if r.owner != winners[0] || r.epoch != int64(race+1) {
				t.Errorf("race %d, node-%d: owner %q, epoch %d; want %s, %d", race, i, r.owner, r.epoch, winners[0], race+1)
			}
		}
	}
}

func TestFencedCommits(t *testing.T) {
	db := openTestDB(t, storetest.PostgresDatabase(t))
	ctx := context.Background()
	s, ids := storetest.VotingRoom(t, db, 3)
	epoch, _, _ := acquire(t, db, s.ID, "n1")
	vote := func(i int) []quorum.Record { return []quorum.Record{storetest.ChoiceVote(s, ids[i], 1, "m")} }

	if err := db.CommitFenced(ctx, s.ID, "n1", epoch, vote(0)); err != nil {
		t.Fatalf("a commit by the lease's holder: %v", err)
	}
	for _, tc := range []struct {
		name  string
		node  string
		epoch int64
	}{
		{"another node", "n2", epoch},
		{"an old epoch", "n1", epoch - 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := db.CommitFenced(ctx, s.ID, tc.node, tc.epoch, vote(1))
			storetest.AssertError(t, err, quorum.EUNAVAILABLE, "this node no longer owns the session")
		})
	}
	expire(t, db, s.ID)
	if err := db.CommitFenced(ctx, s.ID, "n1", epoch, vote(1)); !errors.Is(err, ErrNotOwner) {
		t.Errorf("a commit after the lease expired: %v, want ErrNotOwner", err)
	}
	newEpoch, ok, _ := acquire(t, db, s.ID, "n2")
	if !ok {
		t.Fatal("n2 could not take the expired lease")
	}
	if err := db.CommitFenced(ctx, s.ID, "n1", epoch, vote(1)); !errors.Is(err, ErrNotOwner) {
		t.Errorf("a commit after the lease was taken over: %v, want ErrNotOwner", err)
	}
	if err := db.CommitFenced(ctx, s.ID, "n2", newEpoch, vote(2)); err != nil {
		t.Errorf("a commit by the new holder: %v", err)
	}
	other := storetest.NewSession(t, db, storetest.NewClock())
	if err := db.CommitFenced(ctx, other.ID, "n2", newEpoch, vote(1)); err == nil {
		t.Error("a fenced commit of another session's records was accepted")
	}
	got, err := db.LoadSession(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false, true} {
		if _, ok := got.VoteOf(storetest.StepChoice, ids[i]); ok != want {
			t.Errorf("participant %d has a vote: %v, want %v", i, ok, want)
		}
	}
}

// A commit whose node lost its lease, among commits of other sessions that
// share its transactions, fails alone.
func TestFencedCommitAmongConcurrentCommits(t *testing.T) {
	const rooms = 20
	db := openTestDB(t, storetest.PostgresDatabase(t))
	lost, lostIDs := storetest.VotingRoom(t, db, 1)
	lostEpoch, _, _ := acquire(t, db, lost.ID, "n1")
	expire(t, db, lost.ID)
	sessions := make([]*quorum.Session, rooms)
	epochs := make([]int64, rooms)
	ids := make([]string, rooms)
	for i := range sessions {
		var joined []string
		sessions[i], joined = storetest.VotingRoom(t, db, 1)
		ids[i] = joined[0]
		epochs[i], _, _ = acquire(t, db, sessions[i].ID, "n1")
	}

	var wg sync.WaitGroup
	var lostErr error
	wg.Go(func() {
		lostErr = db.CommitFenced(context.Background(), lost.ID, "n1", lostEpoch,
			[]quorum.Record{storetest.ChoiceVote(lost, lostIDs[0], 0, "m")})
	})
	for i, s := range sessions {
		wg.Go(func() {
			if err := db.CommitFenced(context.Background(), s.ID, "n1", epochs[i],
				[]quorum.Record{storetest.ChoiceVote(s, ids[i], 0, "m")}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if !errors.Is(lostErr, ErrNotOwner) {
		t.Errorf("the commit of the lost session: %v, want ErrNotOwner", lostErr)
	}
	if n := storetest.CountVotes(t, db, lost.ID); n != 0 {
		t.Errorf("%d votes in the lost session, want none", n)
	}
	for _, s := range sessions {
		if n := storetest.CountVotes(t, db, s.ID); n != 1 {
			t.Errorf("%d votes in session %s, want 1", n, s.ID)
		}
	}
}

// An owner paused in the middle of a fenced commit, with its lease row
// locked, holds nobody up for long: the database ends its idle transaction,
// and another node takes the expired lease. Without that, the takeover
// waited for as long as the owner stayed paused.
func TestAPausedOwnersLockDoesNotBlockTheTakeover(t *testing.T) {
	url := storetest.PostgresDatabase(t)
	owner, successor := openTestDB(t, url), openTestDB(t, url)
	s := storetest.NewSession(t, owner, storetest.NewClock())
	epoch, _, _ := acquire(t, owner, s.ID, "owner")
	ctx := context.Background()
	tx, err := owner.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	// What a fenced commit does first, then nothing more: the owner paused.
	if _, err := tx.Exec(ctx, `SELECT fence_session($1, $2, $3)`, s.ID, "owner", epoch); err != nil {
		t.Fatal(err)
	}
	expire(t, successor, s.ID)
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, ok, _, err := successor.AcquireLease(ctx, s.ID, "successor", ttl)
	if err != nil || !ok {
		t.Fatalf("taking the expired lease of a paused owner: acquired %v, %v", ok, err)
	}
	if waited := time.Since(start); waited > idleInTransaction+3*time.Second {
		t.Errorf("the takeover waited %s for the paused owner's lock", waited)
	}
}
