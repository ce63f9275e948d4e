package httpapi

import (
	"context"
	"sync"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// maxCachedCodes bounds the cache; past it, the cache starts afresh.
const maxCachedCodes = 10_000

// codeCache remembers which session a join code led to, so that a hall
// joining at once does not read the database for every phone. An entry can
// go stale (the session ended or was deleted, and the code may be reused);
// the room notices, and join looks the code up again.
type codeCache struct {
	mu  sync.RWMutex
	ids map[string]string
}

func (c *codeCache) get(code string) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	id, ok := c.ids[code]
	return id, ok
}

func (c *codeCache) put(code, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ids == nil || len(c.ids) >= maxCachedCodes {
		c.ids = map[string]string{}
	}
	c.ids[code] = id
}

func (c *codeCache) forget(code string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.ids, code)
}

// joinByCode admits a participant from addr with join to the session a code
// names (findSession guards the lookup); a join made earns addr room for
// one more typo. A cached code whose session has ended or gone is looked up
// again, since the code may be another session's by now.
func (s *Server) joinByCode(ctx context.Context, addr, rawCode string, join func(sessionID string) error) (retryAfter int, err error) {
	id, retryAfter, err := s.findSession(ctx, addr, rawCode, false)
	if err != nil {
		return retryAfter, err
	}
	err = join(id)
	switch quorum.ErrorCode(err) {
	case quorum.ESESSIONENDED, quorum.ESESSIONNOTFOUND:
		code, _ := quorum.NormalizeJoinCode(rawCode)
		s.codes.forget(code)
		if id, retryAfter, err = s.findSession(ctx, addr, rawCode, true); err != nil {
			return retryAfter, err
		}
		err = join(id)
	}
	if err == nil {
		s.joinLimiter.joined(addr, time.Now())
	}
	return 0, err
}

// joinInHello admits a phone that joins in its WebSocket hello, with POST
// /api/join's code cache and its guard against code guessing.
func (s *Server) joinInHello(ctx context.Context, rawCode, clientAddr string, join func(sessionID string) error) error {
	_, err := s.joinByCode(ctx, clientAddr, rawCode, join)
	return err
}
