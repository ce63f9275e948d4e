// Package realtime runs the live side of Quorum: one room per session that
// owns its state, and the WebSocket connections of hosts, screens and
// participants.
package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/quorum-workshop/quorum/internal/quorum"
)

// Store is what the rooms need of the database.
type Store interface {
	LoadSession(ctx context.Context, id string) (*quorum.Session, error)
	// Commit makes records durable, in order, and returns only once they are.
	Commit(ctx context.Context, records []quorum.Record) error
}

// Config holds the connection limits, with named defaults.
type Config struct {
	BroadcastInterval time.Duration // at most one live-results update per session per interval
	WriteTimeout      time.Duration // deadline of every write
	PingInterval      time.Duration // how often the server pings
	PongTimeout       time.Duration // a connection silent for this long is dead
	HelloTimeout      time.Duration // time to send the hello after connecting
	IdleRoomTimeout   time.Duration // a room with no connections is unloaded after this
	MaxMessageBytes   int64         // the largest frame a client may send
	MessagesPerSecond float64       // sustained frames a client may send; bursts of twice that pass
	OutboxSize        int           // queued messages per connection before it is too slow
	// MaxConnsPerAddress caps open WebSockets per client address. A venue's
	// phones often share one public address behind NAT, so it is high.
	MaxConnsPerAddress int
	JoinURL            func(code string) string
	Logger             *slog.Logger
	Metrics            Metrics
}

// Metrics receives the hub's figures (internal/metrics exports them).
type Metrics interface {
	Connected(role string, delta int)
	Joined()
	Voted(n int)
	Committed(d time.Duration, records int)
	Broadcast(d time.Duration)
	SlowClientDropped()
}

type noMetrics struct{}

func (noMetrics) Connected(string, int)        {}
func (noMetrics) Joined()                      {}
func (noMetrics) Voted(int)                    {}
func (noMetrics) Committed(time.Duration, int) {}
func (noMetrics) Broadcast(time.Duration)      {}
func (noMetrics) SlowClientDropped()           {}

// Defaults for Config's zero fields.
const (
	DefaultBroadcastInterval = 100 * time.Millisecond
	DefaultWriteTimeout      = 10 * time.Second
	DefaultPingInterval      = 25 * time.Second
	DefaultPongTimeout       = 60 * time.Second
	DefaultHelloTimeout      = 10 * time.Second
	DefaultIdleRoomTimeout   = 10 * time.Minute
	DefaultMaxMessageBytes   = 4096
	// DefaultOutboxSize is above the burst of frames a client may send, each
	// of which may be answered: a client that floods without reading is
	// told 1008 (too many messages) rather than 4429 (too slow).
	DefaultOutboxSize         = 48
	DefaultMessagesPerSecond  = 20
	DefaultMaxConnsPerAddress = 10_000
)

func (c *Config) setDefaults() {
	set := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	set(&c.BroadcastInterval, DefaultBroadcastInterval)
	set(&c.WriteTimeout, DefaultWriteTimeout)
	set(&c.PingInterval, DefaultPingInterval)
	set(&c.PongTimeout, DefaultPongTimeout)
	set(&c.HelloTimeout, DefaultHelloTimeout)
	set(&c.IdleRoomTimeout, DefaultIdleRoomTimeout)
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if c.MessagesPerSecond <= 0 {
		c.MessagesPerSecond = DefaultMessagesPerSecond
	}
	if c.OutboxSize <= 0 {
		c.OutboxSize = DefaultOutboxSize
	}
	if c.MaxConnsPerAddress <= 0 {
		c.MaxConnsPerAddress = DefaultMaxConnsPerAddress
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Metrics == nil {
		c.Metrics = noMetrics{}
	}
}

// Hub finds or loads the room of a session and tracks every connection, since
// fasthttp does not track hijacked ones for shutdown.
type Hub struct {
	store Store
	cfg   Config
	log   *slog.Logger

	mu       sync.Mutex
	rooms    map[string]*roomEntry
	conns    map[*conn]struct{}
	byAddr   map[string]int // open connections per client address
	closing  bool
	handlers sync.WaitGroup

	// joinByCode admits a phone that joins in its hello; nil: only tokens.
	joinByCode JoinByCode
}

// JoinByCode finds the session a join code names, as the HTTP layer does for
// POST /api/join (its cache of codes, its guard against code guessing from
// clientAddr), and admits the phone there with join. It may call join again
// with another session if the first has ended since the code was cached.
type JoinByCode func(ctx context.Context, code, clientAddr string, join func(sessionID string) error) error

// AcceptJoinsInHello lets phones join in their hello, with join; call it
// before serving.
func (h *Hub) AcceptJoinsInHello(join JoinByCode) { h.joinByCode = join }

// roomEntry is a session's room in the hub: loading while ready is open,
// then running (room) or failed (err). users counts the callers between
// acquire and release; a room is evicted only while it has none, so that no
// call can reach a room that has stopped taking work while a fresh room of
// the same session loads, which would then miss what the old one committed.
type roomEntry struct {
	ready chan struct{}
	room  *Room
	err   error
	users int
}

// NewHub returns a hub that loads sessions from store.
func NewHub(store Store, cfg Config) *Hub {
	cfg.setDefaults()
	return &Hub{store: store, cfg: cfg, log: cfg.Logger, rooms: map[string]*roomEntry{}, conns: map[*conn]struct{}{}, byAddr: map[string]int{}}
}

// loadTimeout bounds loading a session from the store. The load does not
// follow the context of the caller that started it: other callers wait for
// the same load, and one caller hanging up must not fail theirs.
const loadTimeout = 30 * time.Second

// acquire returns the running room of a session, loading it on first use,
// and holds it against idle eviction until release is called.
func (h *Hub) acquire(ctx context.Context, id string) (*Room, func(), error) {
	h.mu.Lock()
	if h.closing {
		h.mu.Unlock()
		return nil, nil, quorum.Errorf(quorum.EUNAVAILABLE, "the server is shutting down")
	}
	e := h.rooms[id]
	if e == nil {
		// The key outlives the caller: the HTTP layer's strings may point
		// into a request buffer that the next request overwrites.
		id = strings.Clone(id)
		e = &roomEntry{ready: make(chan struct{})}
		h.rooms[id] = e
		go h.load(ctx, id, e)
	}
	e.users++
	h.mu.Unlock()
	release := func() {
		h.mu.Lock()
		e.users--
		h.mu.Unlock()
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
func (h *Hub) load(ctx context.Context, id string, e *roomEntry) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), loadTimeout)
	defer cancel()
	s, err := h.store.LoadSession(ctx, id)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil {
		e.err = err
		delete(h.rooms, id)
	} else {
		e.room = newRoom(h, s)
		go e.room.run()
	}
	close(e.ready)
}

// evictIdle removes a room that has no connections, unless a caller holds
// it; false means the room must keep running.
func (h *Hub) evictIdle(r *Room) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closing {
		return false // the shutdown stops every room itself
	}
	e := h.rooms[r.id]
	if e == nil || e.room != r {
		return true
	}
	if e.users > 0 {
		return false
	}
	delete(h.rooms, r.id)
	return true
}

// forget removes a deleted session's room, whoever holds it: their work
// finds the room gone and the session not found.
func (h *Hub) forget(r *Room) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e := h.rooms[r.id]; e != nil && e.room == r {
		delete(h.rooms, r.id)
	}
}

// withRoom calls f on the session's room, again on a fresh room if the first
// stopped before it could take the call.
func withRoom[T any](ctx context.Context, h *Hub, id string, f func(r *Room) (T, error)) (T, error) {
	for {
		r, release, err := h.acquire(ctx, id)
		if err != nil {
			var zero T
			return zero, err
		}
		v, err := f(r)
		release()
		if !errors.Is(err, errRoomGone) {
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
func (h *Hub) Join(ctx context.Context, sessionID, name, segment, clientSecret string) (JoinResult, error) {
	return withRoom(ctx, h, sessionID, func(r *Room) (JoinResult, error) {
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
func (h *Hub) Act(ctx context.Context, sessionID, hostKey string, cmd quorum.Command) (*StateMsg, error) {
	return withRoom(ctx, h, sessionID, func(r *Room) (*StateMsg, error) {
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
func (h *Hub) HostState(ctx context.Context, sessionID, hostKey string) (*StateMsg, error) {
	return withRoom(ctx, h, sessionID, func(r *Room) (*StateMsg, error) {
		return call(ctx, r, func(b *batch, reply func(*StateMsg, error)) {
			if !quorum.SecretMatches(hostKey, r.session.HostKeyHash) {
				reply(nil, errHostKey)
				return
			}
			reply(r.stateFor(RoleHost, b.now), nil)
		})
	})
}

// Delete removes a session for its host: del deletes the data; then every
// connection is closed with CloseNotFound and the room stops, so the session
// answers "not found" everywhere.
func (h *Hub) Delete(ctx context.Context, sessionID, hostKey string, del func(ctx context.Context) error) error {
	return h.remove(ctx, sessionID, func(s *quorum.Session) error {
		if !quorum.SecretMatches(hostKey, s.HostKeyHash) {
			return errHostKey
		}
		return nil
	}, del)
}

// Purge removes a session without a key: for the retention job.
func (h *Hub) Purge(ctx context.Context, sessionID string, del func(ctx context.Context) error) error {
	return h.remove(ctx, sessionID, func(*quorum.Session) error { return nil }, del)
}

func (h *Hub) remove(ctx context.Context, sessionID string, allowed func(*quorum.Session) error, del func(ctx context.Context) error) error {
	_, err := withRoom(ctx, h, sessionID, func(r *Room) (struct{}, error) {
		return call(ctx, r, func(b *batch, reply func(struct{}, error)) {
			if err := allowed(r.session); err != nil {
				reply(struct{}{}, err)
				return
			}
			// The room waits for the delete, so that no commit of its own
			// can land after it.
			if err := del(ctx); err != nil {
				reply(struct{}{}, err)
				return
			}
			r.deleted = true
			h.forget(r)
			r.eachConn(func(c *conn) { c.kick(CloseNotFound, "this session was deleted") })
			reply(struct{}{}, nil)
		})
	})
	return err
}

var errHostKey = quorum.Errorf(quorum.EUNAUTHORIZED, "the host key is missing or wrong")

// ServeWS takes one WebSocket connection, on a goroutine of its own: it
// checks the hello there, then serves the connection until it ends (serve).
func (h *Hub) ServeWS(ws *websocket.Conn, clientAddr string) {
	c := newConn(ws, &h.cfg)
	c.addr = clientAddr
	switch h.track(c) {
	case errClosing:
		closeNow(ws, CloseServiceRestart, "server restarting", h.cfg.WriteTimeout)
		return
	case errTooManyConns:
		closeNow(ws, CloseTryAgainLater, "too many connections from this address", h.cfg.WriteTimeout)
		return
	}
	ws.SetReadLimit(h.cfg.MaxMessageBytes)
	room, in, ok := h.hello(c)
	if !ok {
		h.untrack(c)
		ws.Close()
		return
	}
	// The connection lives on a fresh goroutine: a goroutine keeps the
	// stack it grew for its whole life, and the hello's call chain (a join,
	// a frame encoding/json reads) is deeper than the reader's.
	go h.serve(c, room, in)
}

// serve runs an attached connection until it ends, and closes it: the HTTP
// server keeps hijacked connections open.
func (h *Hub) serve(c *conn, room *Room, in *Inbound) {
	ws := c.ws
	defer ws.Close()
	defer h.untrack(c)
	c.startWriting()
	h.readLoop(c, room, in)
	// The reader has stopped: detach, then stop the writer.
	ctx := context.Background()
	_ = room.submit(ctx, func(b *batch) { room.detach(b, c) })
	c.kick(websocket.CloseNormalClosure, "")
	<-c.writerOut
	// Read what the client still sends, for a moment: closing with its
	// frames unread would reset the connection, and the reset can destroy
	// the close frame before the client reads it.
	_ = ws.NetConn().SetReadDeadline(time.Now().Add(closeGrace))
	_, _ = io.Copy(io.Discard, ws.NetConn())
}

// closeGrace is how long a closing connection waits for its client to go.
const closeGrace = time.Second

// hello reads and checks the first frame, then attaches the connection to
// its session's room.
func (h *Hub) hello(c *conn) (*Room, *Inbound, bool) {
	ws := c.ws
	_ = ws.SetReadDeadline(time.Now().Add(h.cfg.HelloTimeout))
	_, data, err := ws.ReadMessage()
	if err != nil {
		var netErr interface{ Timeout() bool }
		if errors.As(err, &netErr) && netErr.Timeout() {
			closeNow(ws, CloseHelloTimeout, "no hello in time", h.cfg.WriteTimeout)
		}
		return nil, nil, false
	}
	var in Inbound
	if err := decodeInbound(data, &in); err != nil || in.Type != "hello" {
		closeNow(ws, CloseBadHello, "the first message must be a hello", h.cfg.WriteTimeout)
		return nil, nil, false
	}
	if in.Role != RoleParticipant && in.Role != RoleHost && in.Role != RoleScreen {
		closeNow(ws, CloseBadHello, "role must be participant, screen or host", h.cfg.WriteTimeout)
		return nil, nil, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), h.cfg.HelloTimeout)
	defer cancel()
	if in.Role == RoleParticipant && in.Code != "" {
		room, ok := h.joinInHello(ctx, c, &in)
		return room, &in, ok
	}
	room, err := withRoom(ctx, h, in.Session, func(r *Room) (*Room, error) {
		_, err := call(ctx, r, func(b *batch, reply func(struct{}, error)) { r.attach(b, c, &in, reply) })
		return r, err
	})
	if err != nil {
		err = h.leaveIfLate(ctx, room, c, err)
		code, text := closeFor(err)
		if code == CloseInternal {
			h.log.Error("attach failed", "session", in.Session, "err", err)
		}
		closeNow(ws, code, text, h.cfg.WriteTimeout)
		return nil, nil, false
	}
	return room, &in, true
}

// leaveIfLate handles a hello that failed with err: if it stopped waiting for
// its room (err is ctx's end), it detaches the connection, since the room may
// have taken the attach just before the deadline and run it after (the
// detach is queued behind it, and is a no-op if the attach never ran), and
// tells the phone the room was busy rather than of an internal error.
func (h *Hub) leaveIfLate(ctx context.Context, room *Room, c *conn, err error) error {
	if ctx.Err() == nil || !errors.Is(err, ctx.Err()) {
		return err
	}
	if room != nil {
		_ = room.submit(context.Background(), func(b *batch) { room.detach(b, c) })
	}
	return errBusy
}

// errBusy answers a hello its room could not answer within HelloTimeout.
var errBusy = quorum.Errorf(quorum.EUNAVAILABLE, "the session is too busy to answer right now; the app tries again")

// closeFor is the close code and text of a refused hello: the one place that
// maps error codes to close codes.
func closeFor(err error) (int, string) {
	switch quorum.ErrorCode(err) {
	case quorum.ESESSIONNOTFOUND, quorum.ECODENOTFOUND, quorum.ESESSIONENDED:
		return CloseNotFound, "no such session"
	case quorum.EUNAUTHORIZED:
		return CloseUnauthorized, quorum.ErrorMessage(err)
	case quorum.EUNAVAILABLE:
		if errors.Is(err, errBusy) {
			return CloseTryAgainLater, "busy"
		}
		return CloseServiceRestart, "server restarting"
	case quorum.EINTERNAL:
		return CloseInternal, "internal error"
	}
	// A request refused (a join's name or group, too many wrong codes): the
	// error frame before the close says what.
	return CloseBadHello, "refused"
}

// joinInHello admits a phone that sent a join code (and, best, a secret of
// its own in token, so that a retried join is the same participant) and
// attaches it in the same batch: the welcome carries the token. A refused
// join is told in an error frame (code and message, for the join form), then
// a close.
func (h *Hub) joinInHello(ctx context.Context, c *conn, in *Inbound) (*Room, bool) {
	if h.joinByCode == nil {
		closeNow(c.ws, CloseBadHello, "join with POST /api/join, then say hello with the token", h.cfg.WriteTimeout)
		return nil, false
	}
	var room *Room
	err := h.joinByCode(ctx, in.Code, c.addr, func(sessionID string) (err error) {
		room, err = withRoom(ctx, h, sessionID, func(r *Room) (*Room, error) {
			_, err := call(ctx, r, func(b *batch, reply func(struct{}, error)) { r.joinAndAttach(b, c, in, reply) })
			return r, err
		})
		return err
	})
	if err != nil {
		err = h.leaveIfLate(ctx, room, c, err)
		code, text := closeFor(err)
		if code == CloseInternal {
			h.log.Error("join in hello failed", "err", err)
		}
		if msg, merr := json.Marshal(errorMsg("", err)); merr == nil {
			_ = c.ws.SetWriteDeadline(time.Now().Add(h.cfg.WriteTimeout))
			_ = c.ws.WriteMessage(websocket.TextMessage, msg)
		}
		closeNow(c.ws, code, text, h.cfg.WriteTimeout)
		return nil, false
	}
	return room, true
}

func (h *Hub) readLoop(c *conn, room *Room, hello *Inbound) {
	ws := c.ws
	alive := func() { _ = ws.SetReadDeadline(time.Now().Add(h.cfg.PongTimeout)) }
	alive()
	ws.SetPongHandler(func(string) error { alive(); return nil })
	// Control frames the client asks for go through the connection's one
	// writer: a ping's pong, and the close reply, which serve's kick writes
	// once the reader has stopped.
	ws.SetPingHandler(func(data string) error { c.pong(data); return nil })
	ws.SetCloseHandler(func(int, string) error { return nil })
	ctx := context.Background()
	budget := newTokenBucket(h.cfg.MessagesPerSecond, 2*h.cfg.MessagesPerSecond)
	for {
		mt, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		alive()
		if !budget.take(time.Now()) {
			c.kick(websocket.ClosePolicyViolation, "too many messages; slow down and reconnect")
			return
		}
		if mt != websocket.TextMessage {
			c.sendJSON(errorMsg("", quorum.Errorf(quorum.EINVALIDJSON, "send JSON in text frames")))
			continue
		}
		in := new(Inbound)
		if err := decodeInbound(data, in); err != nil {
			// A field of the wrong type fails the decode, but encoding/json
			// still fills every field it can: the refusal echoes the id
			// whenever the frame had a string id, so that a client can tell
			// which of its messages was refused.
			c.sendJSON(errorMsg(in.ID, decodeError(err)))
			continue
		}
		var j job
		switch {
		case in.Type == "vote" && c.role == RoleParticipant:
			j = func(b *batch) { room.vote(b, c, in) }
		case in.Type == "react" && c.role == RoleParticipant:
			j = func(b *batch) { room.react(b, c, in) }
		case in.Type == "action" && c.role == RoleHost:
			j = func(b *batch) {
				cmd := quorum.Command{Action: in.Action, Step: in.Step, Seconds: in.Seconds, Mode: in.Mode, Settings: in.Settings}
				room.hostAct(b, cmd, func(err error) {
					if err != nil {
						c.sendJSON(errorMsg(in.ID, err))
						return
					}
					c.sendJSON(DoneMsg{Type: "done", ID: in.ID, Action: in.Action})
				})
			}
		case in.Type == "proxy" && c.role == RoleHost:
			j = func(b *batch) {
				room.proxyVote(b, in, func(proxy string, err error) {
					if err != nil {
						c.sendJSON(errorMsg(in.ID, err))
						return
					}
					c.sendJSON(DoneMsg{Type: "done", ID: in.ID, Action: "proxy", Proxy: proxy})
				})
			}
		case in.Type == "vote" || in.Type == "action" || in.Type == "proxy" || in.Type == "react":
			c.sendJSON(errorMsg(in.ID, quorum.Errorf(quorum.EFORBIDDEN, "a %s connection cannot send %s messages", c.role, in.Type)))
			continue
		case in.Type == "hello":
			c.sendJSON(errorMsg(in.ID, quorum.Errorf(quorum.EINVALIDREQUEST, "this connection has already said hello")))
			continue
		case in.Type == "":
			c.sendJSON(errorMsg(in.ID, quorum.Errorf(quorum.EINVALIDREQUEST, "a message needs a type (hello, vote, react, action, proxy)")))
			continue
		default:
			c.sendJSON(errorMsg(in.ID, quorum.Errorf(quorum.EUNKNOWNMESSAGE, "unknown message type %q (hello, vote, react, action, proxy)", in.Type)))
			continue
		}
		if err := room.submit(ctx, j); err != nil {
			return // the room stopped: the server is shutting down
		}
	}
}

// decodeError turns a JSON error into a message a client developer understands.
func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return quorum.Errorf(quorum.EINVALIDREQUEST, "a message is a JSON object with a type (got %s)", typeErr.Value)
	case errors.As(err, &typeErr):
		return quorum.Errorf(quorum.EINVALIDREQUEST, "field %q has the wrong type (got %s)", typeErr.Field, typeErr.Value)
	}
	return quorum.Errorf(quorum.EINVALIDJSON, "the message is not valid JSON")
}

func closeNow(ws *websocket.Conn, code int, text string, timeout time.Duration) {
	_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(timeout))
	ws.Close()
}

var (
	errClosing      = errors.New("the hub is shutting down")
	errTooManyConns = errors.New("too many connections from one address")
)

func (h *Hub) track(c *conn) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closing {
		return errClosing
	}
	if h.byAddr[c.addr] >= h.cfg.MaxConnsPerAddress {
		return errTooManyConns
	}
	h.byAddr[c.addr]++
	h.conns[c] = struct{}{}
	h.handlers.Add(1)
	return nil
}

func (h *Hub) untrack(c *conn) {
	h.mu.Lock()
	delete(h.conns, c)
	if h.byAddr[c.addr]--; h.byAddr[c.addr] == 0 {
		delete(h.byAddr, c.addr)
	}
	h.mu.Unlock()
	h.handlers.Done()
}

// Shutdown closes every connection with 1012 so clients reconnect, waits for
// their handlers, then lets every room commit what it accepted and stop.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.closing = true
	for c := range h.conns {
		c.kick(CloseServiceRestart, "server restarting")
	}
	entries := make([]*roomEntry, 0, len(h.rooms))
	for _, e := range h.rooms {
		entries = append(entries, e)
	}
	h.mu.Unlock()

	// A room still loading is waited for without the lock, which its loader
	// needs to finish; it starts, and is stopped below with the others.
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

	handlersDone := make(chan struct{})
	go func() { h.handlers.Wait(); close(handlersDone) }()
	select {
	case <-handlersDone:
	case <-ctx.Done():
		return ctx.Err()
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
}

// PublicInfo returns a session's public facts: its join code, title and
// segments are on the shared screen anyway.
func (h *Hub) PublicInfo(ctx context.Context, sessionID string) (PublicInfo, error) {
	return withRoom(ctx, h, sessionID, func(r *Room) (PublicInfo, error) {
		return call(ctx, r, func(b *batch, reply func(PublicInfo, error)) {
			s := r.session
			segments := append([]string{}, s.Agenda.Segments...)
			reply(PublicInfo{SessionID: s.ID, Code: s.Code, Title: s.Title, Status: s.Status, Segments: segments}, nil)
		})
	})
}
