package httpapi

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// heldLookups is a store whose code lookups wait until the test lets them
// go, and then find nothing: lookups in flight at a chosen moment.
type heldLookups struct {
	Store
	started chan struct{}
	release chan struct{}
}

func (h heldLookups) FindSessionByCode(context.Context, string) (string, error) {
	h.started <- struct{}{}
	<-h.release
	return "", quorum.Errorf(quorum.ECODENOTFOUND, "no session has this code")
}

// lookUpAtOnce sends codes(i) for i < n from one address at once and
// returns how many lookups started before every other was refused.
func lookUpAtOnce(t *testing.T, limit, n int, codes func(i int) string) int {
	t.Helper()
	store := heldLookups{started: make(chan struct{}, n), release: make(chan struct{})}
	s := &Server{joinLimiter: newFailureLimiter(limit, time.Minute), store: store}
	refused := make(chan struct{}, n)
	for i := range n {
		go func() {
			if _, _, err := s.findSession(context.Background(), "203.0.113.1", codes(i), false); quorum.ErrorCode(err) == quorum.ETOOMANY {
				refused <- struct{}{}
			}
		}()
	}
	started, refusals := 0, 0
	timeout := time.After(5 * time.Second)
	for started+refusals < n {
		select {
		case <-store.started:
			started++
		case <-refused:
			refusals++
		case <-timeout:
			t.Fatalf("%d lookups started and %d refused within 5s, of %d", started, refusals, n)
		}
	}
	close(store.release)
	return started
}

// Guesses sent at once are held to the limit too: each distinct code being
// looked up counts before its lookup ends, so that none passes the check
// while the others are still being looked up.
func TestConcurrentGuessesAreLimited(t *testing.T) {
	const limit = 5
	if got := lookUpAtOnce(t, limit, 40, func(i int) string { return fmt.Sprintf("%08d", i) }); got != limit {
		t.Errorf("%d of 40 guesses sent at once were looked up, want %d", got, limit)
	}
}

// A hall of phones behind one address typing their one code at once is
// not mistaken for a guesser: the same code in flight counts once.
func TestAHallLookingUpItsCodeAtOnceIsNotLimited(t *testing.T) {
	if got := lookUpAtOnce(t, 5, 200, func(int) string { return "1234 5678" }); got != 200 {
		t.Errorf("%d of 200 lookups of one code sent at once went through, want all", got)
	}
}
