package httpapi

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/quorum-workshop/quorum/internal/quorum"
)

// Join-code guessing limits: a client address that fails this many lookups
// in a window is refused until the window ends. With 10^8 codes, 20 a
// minute makes guessing a live code impractical.
const (
	DefaultFailedJoinsPerWindow = 20
	failedJoinWindow            = time.Minute
	maxTrackedAddresses         = 100_000
)

// failureLimiter counts failures per client address in fixed windows.
type failureLimiter struct {
	limit  int
	window time.Duration

	mu    sync.Mutex
	byKey map[string]*failureWindow
}

type failureWindow struct {
	start    time.Time
	failures int
}

func newFailureLimiter(limit int, window time.Duration) *failureLimiter {
	return &failureLimiter{limit: limit, window: window, byKey: map[string]*failureWindow{}}
}

// blocked reports whether key must wait, and for how long.
func (l *failureLimiter) blocked(key string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.byKey[key]
	if w == nil || now.Sub(w.start) >= l.window {
		return 0, false
	}
	if w.failures < l.limit {
		return 0, false
	}
	return w.start.Add(l.window).Sub(now), true
}

// fail counts one failure of key.
func (l *failureLimiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.byKey) >= maxTrackedAddresses {
		l.forgetExpired(now)
	}
	w := l.byKey[key]
	if w == nil || now.Sub(w.start) >= l.window {
		w = &failureWindow{start: now}
		// Fiber's strings (c.IP() with a proxy header) point into request
		// buffers that the next request on the connection overwrites.
		l.byKey[strings.Clone(key)] = w
	}
	w.failures++
}

func (l *failureLimiter) forgetExpired(now time.Time) {
	for k, w := range l.byKey {
		if now.Sub(w.start) >= l.window {
			delete(l.byKey, k)
		}
	}
}

// guardCodeLookup refuses a client that failed too many code lookups, and
// counts this request's failure when the code does not lead anywhere.
func (s *Server) guardCodeLookup(c *fiber.Ctx) error {
	retryAfter, err := s.guardCodeGuesses(c.IP(), c.Next)
	if retryAfter > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(retryAfter))
	}
	return err
}

// guardCodeGuesses runs lookup unless addr failed too many code lookups
// lately (then it says in how many seconds to retry), and counts lookup's
// failure against addr when the code does not lead anywhere. POST /api/join
// and a phone joining in its WebSocket hello share it.
func (s *Server) guardCodeGuesses(addr string, lookup func() error) (retryAfter int, err error) {
	if wait, blocked := s.joinLimiter.blocked(addr, time.Now()); blocked {
		retryAfter = int(wait.Seconds()) + 1
		return retryAfter, quorum.Errorf(quorum.ETOOMANY, "too many wrong join codes from this address; try again in %d seconds", retryAfter)
	}
	err = lookup()
	switch quorum.ErrorCode(err) {
	case quorum.ECODENOTFOUND, quorum.ESESSIONENDED, quorum.EINVALIDREQUEST:
		s.joinLimiter.fail(addr, time.Now())
	}
	return 0, err
}
