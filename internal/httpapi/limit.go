package httpapi

import (
	"context"
	"strings"
	"sync"
	"time"

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
	failures  int            // wrong codes
	successes int            // joins
	pending   map[string]int // codes being looked up now, with how many lookups of each
}

func newFailureLimiter(base int, window time.Duration) *failureLimiter {
	return &failureLimiter{base: base, most: maxAllowanceFactor * base, window: window, byKey: map[string]*failureWindow{}}
}

func (l *failureLimiter) allowance(w *failureWindow) int { return min(l.base+w.successes, l.most) }

// blocked reports whether key has used up its allowance, and how long it
// must wait.
func (l *failureLimiter) blocked(key string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.current(key, now)
	if w.failures >= l.allowance(w) {
		return w.start.Add(l.window).Sub(now), true
	}
	return 0, false
}

// admit lets key look a code up unless that could exceed its allowance
// (then it says how long to wait): each other code it is looking up now
// counts as a failure until settled, so that guesses sent at once cannot
// all pass this check before any of them has failed. Phones of one venue
// looking up their one code at once count once.
func (l *failureLimiter) admit(key, code string, now time.Time) (*failureWindow, time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.current(key, now)
	others := len(w.pending)
	if w.pending[code] > 0 {
		others--
	}
	if w.failures+others >= l.allowance(w) {
		return nil, w.start.Add(l.window).Sub(now), false
	}
	if w.pending == nil {
		w.pending = map[string]int{}
	}
	w.pending[code]++
	return w, 0, true
}

// settle records how an admitted lookup went.
func (l *failureLimiter) settle(w *failureWindow, code string, failed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if w.pending[code]--; w.pending[code] <= 0 {
		delete(w.pending, code)
	}
	if failed {
		w.failures++
	}
}

// joined counts a join from key: it allows one more wrong code.
func (l *failureLimiter) joined(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.current(key, now).successes++
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
	// A new window, not the old one reset: lookups still in flight settle
	// into the window they were admitted in.
	w = &failureWindow{start: now}
	l.byKey[strings.Clone(key)] = w
	return w
}

func (l *failureLimiter) forgetExpired(now time.Time) {
	for k, w := range l.byKey {
		if now.Sub(w.start) >= l.window && len(w.pending) == 0 {
			delete(l.byKey, k)
		}
	}
}

// tooManyGuesses is the refusal of an address that used up its allowance.
func tooManyGuesses(wait time.Duration) (int, error) {
	retryAfter := int(wait.Seconds()) + 1
	return retryAfter, quorum.Errorf(quorum.ETOOMANY, "too many wrong join codes from this address; try again in %d seconds", retryAfter)
}

// findSession resolves a join code typed at addr to its session, guarding
// against code guessing: an address that got too many codes wrong lately is
// refused, even with the right code (then retryAfter says in how many
// seconds to try again), and a code that leads nowhere counts against it.
// Only the lookup is guarded, not the join that follows: a hall joining at
// once is held up by nothing but its one code's lookup. fresh skips the
// cache of codes.
func (s *Server) findSession(ctx context.Context, addr, rawCode string, fresh bool) (id string, retryAfter int, err error) {
	now := time.Now()
	if wait, blocked := s.joinLimiter.blocked(addr, now); blocked {
		retryAfter, err = tooManyGuesses(wait)
		return "", retryAfter, err
	}
	code, err := quorum.NormalizeJoinCode(rawCode)
	if err == nil && !fresh {
		if cached, ok := s.codes.get(code); ok {
			return cached, 0, nil
		}
	}
	attempt, wait, ok := s.joinLimiter.admit(addr, code, now)
	if !ok {
		retryAfter, err = tooManyGuesses(wait)
		return "", retryAfter, err
	}
	if err == nil {
		id, err = s.store.FindSessionByCode(ctx, code)
	}
	failed := false
	switch quorum.ErrorCode(err) {
	case quorum.ECODENOTFOUND, quorum.ESESSIONENDED, quorum.EINVALIDREQUEST:
		failed = true
	}
	s.joinLimiter.settle(attempt, code, failed)
	if err == nil {
		s.codes.put(code, id)
	}
	return id, 0, err
}
