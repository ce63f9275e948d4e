package room

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/sqlite"
)

// countedCommits is the real store, counting the records of each commit.
type countedCommits struct {
	*sqlite.DB
	mu      sync.Mutex
	commits []int
}

func (s *countedCommits) Commit(ctx context.Context, records []quorum.Record) error {
	s.mu.Lock()
	s.commits = append(s.commits, len(records))
	s.mu.Unlock()
	return s.DB.Commit(ctx, records)
}

func (s *countedCommits) count() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.commits...)
}

// joinBurstRooms opens a real store with one session and the rooms over it,
// with linger as Config.JoinLinger.
func joinBurstRooms(t *testing.T, linger time.Duration) (*Rooms, *countedCommits, *quorum.Session, quorum.Credentials) {
	t.Helper()
	db, s, creds := openStoreWithCredentials(t)
	store := &countedCommits{DB: db}
	h := New(store, Config{JoinLinger: linger})
	shutdownAtCleanup(t, h)
	return h, store, s, creds
}

// Joins that come one after another, as a hall's do, share their commits:
// each batch of them waits a little for the next ones.
func TestJoinBurstSharesCommits(t *testing.T) {
	h, store, s, _ := joinBurstRooms(t, 50*time.Millisecond)
	const joins = 60
	var wg sync.WaitGroup
	errs := make([]error, joins)
	for i := range joins {
		wg.Go(func() {
			_, errs[i] = h.Join(context.Background(), s.ID, fmt.Sprintf("Person %d", i), "", "")
		})
		time.Sleep(time.Millisecond)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("join %d: %v", i, err)
		}
	}
	commits := store.count()
	total := 0
	for _, n := range commits {
		total += n
	}
	if total != joins {
		t.Fatalf("the commits held %d records (%v), want the %d joins", total, commits, joins)
	}
	// A commit each, or nearly, without the wait: a joiner a millisecond
	// is slower than a commit on most disks, and far slower on tmpfs.
	if len(commits) > 6 {
		t.Errorf("%d joins took %d commits (%v), want at most 6", joins, len(commits), commits)
	}
}

// Only joins in a burst wait, and only for other joins: the first join of a
// burst commits at once, and any other work ends a batch's wait.
func TestOnlyJoinsWaitForJoins(t *testing.T) {
	// A wait this long would fail the test: nothing here may meet it.
	h, store, s, creds := joinBurstRooms(t, time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if _, err := h.Join(ctx, s.ID, "First", "", ""); err != nil {
		t.Fatalf("the first join, which nothing came before: %v", err)
	}
	// The burst is on: the next join waits for more joins, until a
	// command comes, which commits with it.
	joined := make(chan error, 1)
	go func() {
		_, err := h.Join(ctx, s.ID, "Second", "", "")
		joined <- err
	}()
	time.Sleep(50 * time.Millisecond)
	if got := store.count(); len(got) != 1 {
		t.Fatalf("commits %v while the second join should wait, want only the first join's", got)
	}
	step := 1
	if _, err := h.Act(ctx, s.ID, creds.HostKey, quorum.Command{Action: quorum.ActionGoto, Step: &step}); err != nil {
		t.Fatalf("a command while a join waits: %v", err)
	}
	if err := <-joined; err != nil {
		t.Fatalf("the waiting join: %v", err)
	}
	if got := store.count(); len(got) != 2 || got[0] != 1 || got[1] < 2 {
		t.Errorf("commits %v, want the first join alone, then the second join with the command", got)
	}
}
