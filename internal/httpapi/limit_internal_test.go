package httpapi

import (
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// Guesses sent at once are held to the limit too: each counts before its
// lookup, not after, so that none passes the check while the others are
// still being looked up. Here no lookup ends before every guess has either
// started its lookup or been refused.
func TestConcurrentGuessesAreLimited(t *testing.T) {
	const limit, guesses = 5, 40
	s := &Server{joinLimiter: newFailureLimiter(limit, time.Minute)}
	arrived := make(chan bool, guesses) // true: the lookup started
	release := make(chan struct{})
	for range guesses {
		go func() {
			_, err := s.guardCodeGuesses("203.0.113.1", true, func() error {
				arrived <- true
				<-release
				return quorum.Errorf(quorum.ECODENOTFOUND, "no session has this code")
			})
			if quorum.ErrorCode(err) == quorum.ETOOMANY {
				arrived <- false
			}
		}()
	}
	looked := 0
	timeout := time.After(5 * time.Second)
	for range guesses {
		select {
		case started := <-arrived:
			if started {
				looked++
			}
		case <-timeout:
			t.Fatalf("%d lookups started, and not every other guess refused within 5s", looked)
		}
	}
	close(release)
	if looked != limit {
		t.Errorf("%d of %d guesses sent at once were looked up, want %d", looked, guesses, limit)
	}
}
