// Package room runs the live side of a session: one room per session that
// alone owns its state, orders its events, commits them, and only then
// acknowledges and broadcasts them to its members. It knows nothing of
// WebSockets: a member is anything that takes frames (see Member).
package room

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// Store is what the rooms need of the database.
type Store interface {
	LoadSession(ctx context.Context, id string) (*quorum.Session, error)
	// Commit makes records durable, in order, and returns only once they are.
	Commit(ctx context.Context, records []quorum.Record) error
	DeleteSession(ctx context.Context, id string) (quorum.Deleted, error)
}

// Config holds the rooms' settings, with named defaults.
type Config struct {
	BroadcastInterval time.Duration // at most one live-results update per session per interval
	IdleRoomTimeout   time.Duration // a room with no members is unloaded after this
	// JoinLinger is how long a batch of joins in a join burst waits for
	// more before it commits (Room.awaitJoins).
	JoinLinger time.Duration
	JoinURL    func(code string) string
	// Relay, if set, gives each room the relay to its members on other
	// nodes (internal/cluster); without it a room has only local members.
	Relay func(sessionID string) Relay
	// Stopped, if set, hears that a session's room stopped (idle, deleted,
	// abandoned, shut down), once it takes no more work.
	Stopped func(sessionID string)
	// NodeID names the node running these rooms in a cluster: the host's
	// state says where its session lives. Empty on a single node.
	NodeID  string
	Logger  *slog.Logger
	Metrics Metrics
}

// Metrics receives the rooms' figures (internal/metrics exports them).
type Metrics interface {
	Connected(role string, delta int)
	Joined()
	Voted(n int)
	Committed(d time.Duration, records int)
	Broadcast(d time.Duration)
}

type noMetrics struct{}

func (noMetrics) Connected(string, int)        {}
func (noMetrics) Joined()                      {}
func (noMetrics) Voted(int)                    {}
func (noMetrics) Committed(time.Duration, int) {}
func (noMetrics) Broadcast(time.Duration)      {}

// Defaults for Config's zero fields.
const (
	DefaultBroadcastInterval = 100 * time.Millisecond
	DefaultIdleRoomTimeout   = 10 * time.Minute
	DefaultJoinLinger        = 10 * time.Millisecond
)

func (c *Config) setDefaults() {
	if c.BroadcastInterval <= 0 {
		c.BroadcastInterval = DefaultBroadcastInterval
	}
	if c.IdleRoomTimeout <= 0 {
		c.IdleRoomTimeout = DefaultIdleRoomTimeout
	}
	if c.JoinLinger <= 0 {
		c.JoinLinger = DefaultJoinLinger
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Metrics == nil {
		c.Metrics = noMetrics{}
	}
}

// Rooms finds or loads the room of a session.
type Rooms struct {
	store Store
	cfg   Config
	log   *slog.Logger

	mu      sync.Mutex
	rooms   map[string]*entry
	closing bool
}

// entry is a session's room in Rooms: loading while ready is open, then
// running (room) or failed (err). users counts the callers between acquire
// and release; a room is evicted only while it has none, so that no call can
// reach a room that has stopped taking work while a fresh room of the same
// session loads, which would then miss what the old one committed.
type entry struct {
	ready chan struct{}
	room  *Room
	err   error
	users int
}

// New returns the rooms of the sessions in store.
func New(store Store, cfg Config) *Rooms {
	cfg.setDefaults()
	return &Rooms{store: store, cfg: cfg, log: cfg.Logger, rooms: map[string]*entry{}}
}

// loadTimeout bounds loading a session from the store. The load does not
// follow the context of the caller that started it: other callers wait for
// the same load, and one caller hanging up must not fail theirs.
const loadTimeout = 30 * time.Second

// errShuttingDown answers work that arrives once the rooms are stopping.
var errShuttingDown = quorum.Errorf(quorum.EUNAVAILABLE, "the server is shutting down")

// acquire returns the running room of a session, loading it on first use,
// and holds it against idle eviction until release is called.
func (rs *Rooms) acquire(ctx context.Context, id string) (*Room, func(), error) {
	rs.mu.Lock()
	if rs.closing {
		rs.mu.Unlock()
		return nil, nil, errShuttingDown
	}
	e := rs.rooms[id]
	if e == nil {
		// The key outlives the caller: the HTTP layer's strings may point
		// into a request buffer that the next request overwrites.
		id = strings.Clone(id)
		e = &entry{ready: make(chan struct{})}
		rs.rooms[id] = e
		go rs.load(ctx, id, e)
	}
	e.users++
	rs.mu.Unlock()
	release := func() {
		rs.mu.Lock()
		e.users--
		rs.mu.Unlock()
	}
	select {
	case <-e.ready:
		if e.err != nil {
			release()
			return nil, nil, e.err
		}
		return e.room, release, nil
	case <-ctx.Done():
		release()
		return nil, nil, ctx.Err()
	}
}

// load reads a session for its entry and starts its room, or records why
// it could not and forgets the entry, so that the next caller tries again.
func (rs *Rooms) load(ctx context.Context, id string, e *entry) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), loadTimeout)
	defer cancel()
	s, err := rs.store.LoadSession(ctx, id)
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if err != nil {
		e.err = err
		delete(rs.rooms, id)
	} else {
		e.room = newRoom(rs, s)
		go e.room.run()
	}
	close(e.ready)
}

// evictIdle removes a room that has no members, unless a caller holds it;
// false means the room must keep running.
func (rs *Rooms) evictIdle(r *Room) bool {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.closing {
		return false // the shutdown stops every room itself
	}
	e := rs.rooms[r.id]
	if e == nil || e.room != r {
		return true
	}
	if e.users > 0 {
		return false
	}
	delete(rs.rooms, r.id)
	return true
}

// forget removes a deleted session's room, whoever holds it: their work
// finds the room gone and the session not found.
func (rs *Rooms) forget(r *Room) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if e := rs.rooms[r.id]; e != nil && e.room == r {
		delete(rs.rooms, r.id)
	}
}

// withRoom calls f on the session's room, again on a fresh room if the first
// stopped before it could take the call.
func withRoom[T any](ctx context.Context, rs *Rooms, id string, f func(r *Room) (T, error)) (T, error) {
	for {
		r, release, err := rs.acquire(ctx, id)
		if err != nil {
			var zero T
			return zero, err
		}
		v, err := f(r)
		release()
		if !errors.Is(err, ErrGone) {
			return v, err
		}
	}
}

// JoinResult is what a new participant needs to connect.
type JoinResult struct {
	SessionID     string `json:"sessionId"`
	ParticipantID string `json:"participantId"`
	Token         string `json:"token"`
}

// Join admits a participant to a session; it answers after the join is
// committed. With a secret the client chose (see quorum.JoinWithToken), a
// join already made with it answers that participant again.
func (rs *Rooms) Join(ctx context.Context, sessionID, name, segment, clientSecret string) (JoinResult, error) {
	return withRoom(ctx, rs, sessionID, func(r *Room) (JoinResult, error) {
		return call(ctx, r, func(b *batch, reply func(JoinResult, error)) {
			res, err := r.admit(b, name, segment, clientSecret)
			if err != nil {
				reply(JoinResult{}, err)
				return
			}
			b.then(func(err error) { reply(res, err) })
		})
	})
}

// Act applies a host command given with the host key, as the host's
// WebSocket does, and returns the host's state once the command is committed.
func (rs *Rooms) Act(ctx context.Context, sessionID, hostKey string, cmd quorum.Command) (*StateMsg, error) {
	return withRoom(ctx, rs, sessionID, func(r *Room) (*StateMsg, error) {
		return call(ctx, r, func(b *batch, reply func(*StateMsg, error)) {
			if !quorum.SecretMatches(hostKey, r.session.HostKeyHash) {
				reply(nil, errHostKey)
				return
			}
			r.hostAct(b, cmd, func(err error) {
				if err != nil {
					reply(nil, err)
					return
				}
				reply(r.stateFor(RoleHost, time.Now()), nil)
			})
		})
	})
}

// HostState returns the host's view of a session, given the host key.
func (rs *Rooms) HostState(ctx context.Context, sessionID, hostKey string) (*StateMsg, error) {
	return withRoom(ctx, rs, sessionID, func(r *Room) (*StateMsg, error) {
		return call(ctx, r, func(b *batch, reply func(*StateMsg, error)) {
			if !quorum.SecretMatches(hostKey, r.session.HostKeyHash) {
				reply(nil, errHostKey)
				return
			}
			reply(r.stateFor(RoleHost, b.now), nil)
		})
	})
}

// Delete removes a session and all its data for its host; then every
// member is kicked with CloseNotFound and the room stops, so the session
// answers "not found" everywhere.
func (rs *Rooms) Delete(ctx context.Context, sessionID, hostKey string) (quorum.Deleted, error) {
	return rs.remove(ctx, sessionID, func(s *quorum.Session) error {
		if !quorum.SecretMatches(hostKey, s.HostKeyHash) {
			return errHostKey
		}
		return nil
	})
}

// Purge removes a session without a key: for the retention job.
func (rs *Rooms) Purge(ctx context.Context, sessionID string) error {
	_, err := rs.remove(ctx, sessionID, func(*quorum.Session) error { return nil })
	return err
}

func (rs *Rooms) remove(ctx context.Context, sessionID string, allowed func(*quorum.Session) error) (quorum.Deleted, error) {
	return withRoom(ctx, rs, sessionID, func(r *Room) (quorum.Deleted, error) {
		return call(ctx, r, func(b *batch, reply func(quorum.Deleted, error)) {
			if err := allowed(r.session); err != nil {
				reply(quorum.Deleted{}, err)
				return
			}
			// The room waits for the delete, so that no commit of its own
			// can land after it.
			deleted, err := rs.store.DeleteSession(ctx, sessionID)
			if err != nil {
				reply(quorum.Deleted{}, err)
				return
			}
			r.gone = errDeleted
			rs.forget(r)
			r.eachMember(func(m Member) { m.Kick(CloseNotFound, "this session was deleted") })
			reply(deleted, nil)
		})
	})
}

var errHostKey = quorum.Errorf(quorum.EUNAUTHORIZED, "the host key is missing or wrong")

// Attach adds a member to its session's room for a hello (a participant's
// token, a host's or a screen's key). Once it returns, the member has been
// sent its welcome and state, and the room sends it every update until
// Detach. The room comes back also with an error when it may have taken the
// attach after the caller stopped waiting: detach from it then.
func (rs *Rooms) Attach(ctx context.Context, m Member, in *Inbound) (*Room, Seated, error) {
	return rs.seat(ctx, in.Session, func(r *Room, b *batch, reply func(Seated, error)) { r.attach(b, m, in, reply) })
}

// JoinAndAttach admits a phone that joins in its hello, with the name,
// group and secret of in, and attaches it in the same batch: one commit,
// one trip through the room. The welcome carries the new token.
func (rs *Rooms) JoinAndAttach(ctx context.Context, sessionID string, m Member, in *Inbound) (*Room, Seated, error) {
	return rs.seat(ctx, sessionID, func(r *Room, b *batch, reply func(Seated, error)) { r.joinAndAttach(b, m, in, reply) })
}

func (rs *Rooms) seat(ctx context.Context, sessionID string, attach func(r *Room, b *batch, reply func(Seated, error))) (*Room, Seated, error) {
	var seated Seated
	r, err := withRoom(ctx, rs, sessionID, func(r *Room) (*Room, error) {
		var err error
		seated, err = call(ctx, r, func(b *batch, reply func(Seated, error)) { attach(r, b, reply) })
		return r, err
	})
	return r, seated, err
}

// Abandon stops a session's room, if it runs, because this node no longer
// owns the session: the room commits nothing more, answers what is queued
// with errAbandoned, and closes its members with 1012 so that they
// reconnect to the new owner.
func (rs *Rooms) Abandon(sessionID string) {
	rs.mu.Lock()
	e := rs.rooms[sessionID]
	rs.mu.Unlock()
	if e == nil {
		return
	}
	<-e.ready
	if r := e.room; r != nil {
		_ = r.submit(context.Background(), func(*batch) {
			r.gone = errAbandoned
			rs.forget(r)
			r.eachMember(func(m Member) { m.Kick(CloseServiceRestart, "this session moved to another server") })
		})
	}
}

// Shutdown lets every room commit what it accepted and stop. Stop the
// members' connections first: their last detach goes through their room.
func (rs *Rooms) Shutdown(ctx context.Context) error {
	rs.mu.Lock()
	rs.closing = true
	entries := make([]*entry, 0, len(rs.rooms))
	for _, e := range rs.rooms {
		entries = append(entries, e)
	}
	rs.mu.Unlock()

	// A room still loading is waited for without the lock, which its loader
	// needs to finish; it starts, and is stopped with the others.
	rooms := make([]*Room, 0, len(entries))
	for _, e := range entries {
		select {
		case <-e.ready:
		case <-ctx.Done():
			return ctx.Err()
		}
		if e.room != nil {
			rooms = append(rooms, e.room)
		}
	}
	for _, r := range rooms {
		close(r.quit)
	}
	for _, r := range rooms {
		select {
		case <-r.stopped:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// PublicInfo is what anyone with the join code may know of a session.
type PublicInfo struct {
	SessionID string        `json:"sessionId"`
	Code      string        `json:"code"`
	Title     string        `json:"title"`
	Status    quorum.Status `json:"status"`
	Segments  []string      `json:"segments"`
	// Names lets the join form say the right words before anyone joins.
	Names quorum.Names `json:"names"`
}

// PublicInfo returns a session's public facts: its join code, title and
// segments are on the shared screen anyway, and whether names are visible
// is what its join form tells everyone.
func (rs *Rooms) PublicInfo(ctx context.Context, sessionID string) (PublicInfo, error) {
	return withRoom(ctx, rs, sessionID, func(r *Room) (PublicInfo, error) {
		return call(ctx, r, func(b *batch, reply func(PublicInfo, error)) {
			s := r.session
			segments := append([]string{}, s.Agenda.Segments...)
			reply(PublicInfo{SessionID: s.ID, Code: s.Code, Title: s.Title, Status: s.Status, Segments: segments, Names: s.Names}, nil)
		})
	})
}
