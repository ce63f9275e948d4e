package groupcommit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// store keeps the requests of the transactions that succeed; a transaction
// that holds a negative number fails.
type store struct {
	mu           sync.Mutex
	transactions [][]int
	committed    []int
}

func (s *store) commit(batch []int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.transactions = append(s.transactions, slices.Clone(batch))
	for _, n := range batch {
		if n < 0 {
			return fmt.Errorf("bad request %d", n)
		}
	}
	s.committed = append(s.committed, batch...)
	return nil
}

func one(int) int { return 1 }

// A batch is built here by hand, so that the bad request surely shares a
// transaction with good ones.
func TestBadRequestFailsAloneInItsBatch(t *testing.T) {
	s := &store{}
	q := New(0, s.commit, one)
	defer q.Close()
	batch := []*call[int]{{req: 1}, {req: -2}, {req: 3}}
	for _, c := range batch {
		c.done = make(chan error, 1)
	}

	q.commitBatch(batch, []int{1, -2, 3})

	for i, c := range batch {
		if err := <-c.done; (err != nil) != (i == 1) {
			t.Errorf("request %d: %v", c.req, err)
		}
	}
	if want := [][]int{{1, -2, 3}, {1}, {-2}, {3}}; !slices.EqualFunc(s.transactions, want, slices.Equal) {
		t.Errorf("transactions %v, want %v: all, then each alone", s.transactions, want)
	}
	if !slices.Equal(s.committed, []int{1, 3}) {
		t.Errorf("committed %v, want the good requests in order", s.committed)
	}
}

func TestConcurrentCallsShareTransactions(t *testing.T) {
	const calls = 200
	s := &store{}
	q := New(2, s.commit, one)
	defer q.Close()
	var wg sync.WaitGroup
	for i := range calls {
		wg.Go(func() {
			if err := q.Commit(context.Background(), i); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if len(s.committed) != calls {
		t.Errorf("%d requests committed, want %d", len(s.committed), calls)
	}
	t.Logf("%d calls in %d transactions", calls, len(s.transactions))
}

func TestCommitAfterCloseOrCancel(t *testing.T) {
	s := &store{}
	q := New(1, s.commit, one)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := q.Commit(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("Commit with a cancelled context: %v", err)
	}
	q.Close()
	q.Close()
	for _, err := range []error{q.Commit(context.Background(), 1), q.Err()} {
		if quorum.ErrorCode(err) != quorum.EUNAVAILABLE {
			t.Errorf("after Close: %v, want %s", err, quorum.EUNAVAILABLE)
		}
	}
	if len(s.transactions) != 0 {
		t.Errorf("transactions %v, want none", s.transactions)
	}
}
