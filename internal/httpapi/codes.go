package httpapi

import (
	"context"
	"sync"

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

// joinByCode admits a participant with join to the session a code names,
// trusting the cache of codes; a cached code whose session has ended or gone
// is looked up again, since the code may be another session's by now.
func (s *Server) joinByCode(ctx context.Context, code string, join func(sessionID string) error) error {
	if id, ok := s.codes.get(code); ok {
		err := join(id)
		switch quorum.ErrorCode(err) {
		case quorum.ESESSIONENDED, quorum.ESESSIONNOTFOUND:
			s.codes.forget(code)
		default:
			return err
		}
	}
	id, err := s.store.FindSessionByCode(ctx, code)
	if err != nil {
		return err
	}
	s.codes.put(code, id)
	return join(id)
}

// joinInHello admits a phone that joins in its WebSocket hello, with POST
// /api/join's code cache and its guard against code guessing.
func (s *Server) joinInHello(ctx context.Context, rawCode, clientAddr string, join func(sessionID string) error) error {
	_, err := s.guardCodeGuesses(clientAddr, true, func() error {
		code, err := quorum.NormalizeJoinCode(rawCode)
		if err != nil {
			return err
		}
		return s.joinByCode(ctx, code, join)
	})
	return err
}
