package httpapi

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/quorum-workshop/quorum/internal/quorum"
)

// Join-code guessing limits. An address that gets this many codes wrong in
// a window is refused, even the right code, until the window ends: refusing
// only wrong codes would tell a guesser which of its guesses was right. A
// venue whose phones share one public address makes typos too, so every
// phone that address joins in the window forgives one more wrong code, up to
// maxAllowanceFactor times the base; a guesser can earn that too, by joining
// a session it knows, so the cap is what bounds guessing (docs/security.md
// works out how long finding a live code takes at that rate).
const (
	DefaultFailedJoinsPerWindow = 20
	maxAllowanceFactor          = 5
	failedJoinWindow            = time.Minute
	maxTrackedAddresses         = 100_000
)

// failureLimiter counts failures and successes per client address in fixed
// windows.
type failureLimiter struct {
	base   int // wrong codes allowed in a window with no join
	most   int // wrong codes allowed in a window, however many joined
	window time.Duration

	mu    sync.Mutex
	byKey map[string]*failureWindow
}

type failureWindow struct {
	start     time.Time
	failures  int // wrong codes, and attempts still being looked up
	successes int // joins
}

func newFailureLimiter(base int, window time.Duration) *failureLimiter {
	return &failureLimiter{base: base, most: maxAllowanceFactor * base, window: window, byKey: map[string]*failureWindow{}}
}

// admit lets key make an attempt unless it has used up its allowance (then
// it says how long to wait). The attempt counts as a failure from now until
// settled, so that guesses sent at once cannot all pass this check before
// any of them has failed.
func (l *failureLimiter) admit(key string, now time.Time) (w *failureWindow, wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w = l.current(key, now)
	if w.failures >= min(l.base+w.successes, l.most) {
		return nil, w.start.Add(l.window).Sub(now), false
	}
	w.failures++
	return w, 0, true
}

// settle records how an admitted attempt went: a failure stays counted;
// anything else is taken back, and a join allows one more failure.
func (l *failureLimiter) settle(w *failureWindow, failed, joined bool) {
	if failed {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	w.failures--
	if joined {
		w.successes++
	}
}

// current returns key's window at now, starting a new one if need be. The
// key is copied: Fiber's strings (c.IP() with a proxy header) point into
// request buffers that the next request on the connection overwrites.
func (l *failureLimiter) current(key string, now time.Time) *failureWindow {
	w := l.byKey[key]
	if w != nil && now.Sub(w.start) < l.window {
		return w
	}
	if w == nil && len(l.byKey) >= maxTrackedAddresses {
		l.forgetExpired(now)
	}
	w = &failureWindow{start: now}
	l.byKey[strings.Clone(key)] = w
	return w
}

func (l *failureLimiter) forgetExpired(now time.Time) {
	for k, w := range l.byKey {
		if now.Sub(w.start) >= l.window {
			delete(l.byKey, k)
		}
	}
}

// guardCodes returns the middleware that refuses a client that failed too
// many code lookups and counts this request's failure when the code does
// not lead anywhere; joins says whether the request admits someone (POST
// /api/join), which earns the address room for more typos, or only looks
// the code up (GET /api/codes/{code}), which does not.
func (s *Server) guardCodes(joins bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		retryAfter, err := s.guardCodeGuesses(c.IP(), joins, c.Next)
		if retryAfter > 0 {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(retryAfter))
		}
		return err
	}
}

// guardCodeGuesses runs lookup unless addr failed too many code lookups
// lately (then it says in how many seconds to retry), and counts lookup's
// failure against addr when the code does not lead anywhere, or its success
// for addr when it joins. POST /api/join, GET /api/codes/{code} and a phone
// joining in its WebSocket hello share it.
func (s *Server) guardCodeGuesses(addr string, joins bool, lookup func() error) (retryAfter int, err error) {
	attempt, wait, ok := s.joinLimiter.admit(addr, time.Now())
	if !ok {
		retryAfter = int(wait.Seconds()) + 1
		return retryAfter, quorum.Errorf(quorum.ETOOMANY, "too many wrong join codes from this address; try again in %d seconds", retryAfter)
	}
	err = lookup()
	failed := false
	switch quorum.ErrorCode(err) {
	case quorum.ECODENOTFOUND, quorum.ESESSIONENDED, quorum.EINVALIDREQUEST:
		failed = true
	}
	s.joinLimiter.settle(attempt, failed, err == nil && joins)
	return 0, err
}
