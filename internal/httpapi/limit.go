package httpapi

import (
	"strconv"
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
		l.byKey[key] = w
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
	ip := c.IP()
	if wait, blocked := s.joinLimiter.blocked(ip, time.Now()); blocked {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait.Seconds())+1))
		return quorum.Errorf(quorum.ETOOMANY, "too many wrong join codes from this address; try again in %d seconds", int(wait.Seconds())+1)
	}
	err := c.Next()
	switch quorum.ErrorCode(err) {
	case quorum.ECODENOTFOUND, quorum.ESESSIONENDED, quorum.EINVALIDREQUEST:
		s.joinLimiter.fail(ip, time.Now())
	}
	return err
}
