// Package wsconn serves the WebSocket connections of hosts, screens and
// phones: it reads and checks each client's frames, hands them to the
// session's room, and writes what the room sends back, one writer per
// connection with a deadline on every write.
package wsconn

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/room"
)

// Sessions attaches connections to their sessions. On one node it is the
// node's own rooms (see Local).
type Sessions interface {
	// Attach seats m for a hello with a token or a key; the Session it
	// returns (also with an error, if the room may have taken the attach)
	// takes the connection's later frames.
	Attach(ctx context.Context, m room.Member, in *room.Inbound) (Session, error)
	// JoinAndAttach admits a phone that joins in its hello, and seats it.
	JoinAndAttach(ctx context.Context, sessionID string, m room.Member, in *room.Inbound) (Session, error)
}

// Session is what an attached connection sends its session. Each call
// queues and returns; the answer comes through the member's Send. An error
// means the session no longer takes work (room.ErrGone).
type Session interface {
	Vote(m room.Member, in *room.Inbound) error
	React(m room.Member, in *room.Inbound) error
	Command(m room.Member, in *room.Inbound) error
	Proxy(m room.Member, in *room.Inbound) error
	Detach(m room.Member) error
}

// Local is the Sessions of one node: its own rooms.
func Local(rooms *room.Rooms) Sessions { return local{rooms} }

type local struct{ rooms *room.Rooms }

func (l local) Attach(ctx context.Context, m room.Member, in *room.Inbound) (Session, error) {
	return session(l.rooms.Attach(ctx, m, in))
}

func (l local) JoinAndAttach(ctx context.Context, sessionID string, m room.Member, in *room.Inbound) (Session, error) {
	return session(l.rooms.JoinAndAttach(ctx, sessionID, m, in))
}

// session keeps a nil room a nil Session.
func session(r *room.Room, _ room.Seated, err error) (Session, error) {
	if r == nil {
		return nil, err
	}
	return r, err
}

// Config holds the connection limits, with named defaults.
type Config struct {
	WriteTimeout      time.Duration // deadline of every write
	PingInterval      time.Duration // how often the server pings
	PongTimeout       time.Duration // a connection silent for this long is dead
	HelloTimeout      time.Duration // time to send the hello after connecting
	MaxMessageBytes   int64         // the largest frame a client may send
	MessagesPerSecond float64       // sustained frames a client may send; bursts of twice that pass
	OutboxSize        int           // queued messages per connection before it is too slow
	// MaxConnsPerAddress caps open WebSockets per client address. A venue's
	// phones often share one public address behind NAT, so it is high.
	MaxConnsPerAddress int
	Logger             *slog.Logger
	Metrics            Metrics
}

// Metrics receives the connections' figures (internal/metrics exports them).
type Metrics interface {
	SlowClientDropped()
}

type noMetrics struct{}

func (noMetrics) SlowClientDropped() {}

// Defaults for Config's zero fields.
const (
	DefaultWriteTimeout    = 10 * time.Second
	DefaultPingInterval    = 25 * time.Second
	DefaultPongTimeout     = 60 * time.Second
	DefaultHelloTimeout    = 10 * time.Second
	DefaultMaxMessageBytes = 4096
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
	set(&c.WriteTimeout, DefaultWriteTimeout)
	set(&c.PingInterval, DefaultPingInterval)
	set(&c.PongTimeout, DefaultPongTimeout)
	set(&c.HelloTimeout, DefaultHelloTimeout)
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

// Server serves WebSocket connections and tracks every one of them, since
// fasthttp does not track hijacked ones for shutdown.
type Server struct {
	sessions Sessions
	cfg      Config
	log      *slog.Logger

	mu       sync.Mutex
	conns    map[*conn]struct{}
	byAddr   map[string]int // open connections per client address
	closing  bool
	handlers sync.WaitGroup

	// joinByCode admits a phone that joins in its hello; nil: only tokens.
	joinByCode JoinByCode
}

// New returns a server that attaches connections to sessions.
func New(sessions Sessions, cfg Config) *Server {
	cfg.setDefaults()
	return &Server{sessions: sessions, cfg: cfg, log: cfg.Logger, conns: map[*conn]struct{}{}, byAddr: map[string]int{}}
}

// JoinByCode finds the session a join code names, as the HTTP layer does for
// POST /api/join (its cache of codes, its guard against code guessing from
// clientAddr), and admits the phone there with join. It may call join again
// with another session if the first has ended since the code was cached.
type JoinByCode func(ctx context.Context, code, clientAddr string, join func(sessionID string) error) error

// AcceptJoinsInHello lets phones join in their hello, with join; call it
// before serving.
func (s *Server) AcceptJoinsInHello(join JoinByCode) { s.joinByCode = join }

// ServeWS takes one WebSocket connection, on a goroutine of its own: it
// reads and checks the hello there, then sets the connection up to be read
// as its client's bytes come (serve), and returns.
func (s *Server) ServeWS(ws *websocket.Conn, clientAddr string) {
	c := newConn(ws, &s.cfg)
	c.addr = clientAddr
	switch s.track(c) {
	case errClosing:
		closeNow(ws, room.CloseServiceRestart, "server restarting", s.cfg.WriteTimeout)
		return
	case errTooManyConns:
		closeNow(ws, room.CloseTryAgainLater, "too many connections from this address", s.cfg.WriteTimeout)
		return
	}
	c.frames.limit = s.cfg.MaxMessageBytes
	session, ok := s.hello(c)
	if !ok {
		s.untrack(c)
		ws.Close()
		return
	}
	// The HTTP server keeps hijacked connections open: the connection's
	// last reader closes it (endReading).
	s.serve(c, session)
}

// closeGrace is how long a closing connection waits for its client to go.
const closeGrace = time.Second

// hello reads and checks the first frame, then attaches the connection to
// its session.
func (s *Server) hello(c *conn) (Session, bool) {
	ws := c.ws
	data, err := s.readHello(c)
	if err != nil {
		var fe *frameError
		switch {
		case errors.Is(err, errHelloTimeout):
			closeNow(ws, room.CloseHelloTimeout, "no hello in time", s.cfg.WriteTimeout)
		case errors.As(err, &fe):
			closeNow(ws, fe.code, fe.text, s.cfg.WriteTimeout)
		}
		return nil, false
	}
	var in room.Inbound
	if err := decodeInbound(data, &in); err != nil || in.Type != "hello" {
		closeNow(ws, room.CloseBadHello, "the first message must be a hello", s.cfg.WriteTimeout)
		return nil, false
	}
	if in.Role != room.RoleParticipant && in.Role != room.RoleHost && in.Role != room.RoleScreen {
		closeNow(ws, room.CloseBadHello, "role must be participant, screen or host", s.cfg.WriteTimeout)
		return nil, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.HelloTimeout)
	defer cancel()
	if in.Role == room.RoleParticipant && in.Code != "" {
		return s.joinInHello(ctx, c, &in)
	}
	session, err := s.sessions.Attach(ctx, c, &in)
	if err != nil {
		err = s.leaveIfLate(ctx, session, c, err)
		code, text := closeFor(err)
		if code == room.CloseInternal {
			s.log.Error("attach failed", "session", in.Session, "err", err)
		}
		closeNow(ws, code, text, s.cfg.WriteTimeout)
		return nil, false
	}
	c.role = in.Role
	return session, true
}

// leaveIfLate handles a hello that failed with err: if it stopped waiting for
// its session (err is ctx's end), it detaches the connection, since the room
// may have taken the attach just before the deadline and run it after (the
// detach is queued behind it, and is a no-op if the attach never ran), and
// tells the phone the room was busy rather than of an internal error.
func (s *Server) leaveIfLate(ctx context.Context, session Session, c *conn, err error) error {
	if ctx.Err() == nil || !errors.Is(err, ctx.Err()) {
		return err
	}
	if session != nil {
		_ = session.Detach(c)
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
		return room.CloseNotFound, "no such session"
	case quorum.EUNAUTHORIZED:
		return room.CloseUnauthorized, quorum.ErrorMessage(err)
	case quorum.EUNAVAILABLE:
		if errors.Is(err, errBusy) {
			return room.CloseTryAgainLater, "busy"
		}
		return room.CloseServiceRestart, "server restarting"
	case quorum.EINTERNAL:
		return room.CloseInternal, "internal error"
	}
	// A request refused (a join's name or group, too many wrong codes): the
	// error frame before the close says what.
	return room.CloseBadHello, "refused"
}

// joinInHello admits a phone that sent a join code (and, best, a secret of
// its own in token, so that a retried join is the same participant) and
// attaches it in the same batch: the welcome carries the token. A refused
// join is told in an error frame (code and message, for the join form), then
// a close.
func (s *Server) joinInHello(ctx context.Context, c *conn, in *room.Inbound) (Session, bool) {
	if s.joinByCode == nil {
		closeNow(c.ws, room.CloseBadHello, "join with POST /api/join, then say hello with the token", s.cfg.WriteTimeout)
		return nil, false
	}
	var session Session
	err := s.joinByCode(ctx, in.Code, c.addr, func(sessionID string) (err error) {
		session, err = s.sessions.JoinAndAttach(ctx, sessionID, c, in)
		return err
	})
	if err != nil {
		err = s.leaveIfLate(ctx, session, c, err)
		code, text := closeFor(err)
		if code == room.CloseInternal {
			s.log.Error("join in hello failed", "err", err)
		}
		if msg, merr := json.Marshal(room.Refused("", err)); merr == nil {
			_ = c.ws.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
			_ = c.ws.WriteMessage(websocket.TextMessage, msg)
		}
		closeNow(c.ws, code, text, s.cfg.WriteTimeout)
		return nil, false
	}
	c.role = in.Role
	return session, true
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
	errClosing      = errors.New("the server is shutting down")
	errTooManyConns = errors.New("too many connections from one address")
)

func (s *Server) track(c *conn) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return errClosing
	}
	if s.byAddr[c.addr] >= s.cfg.MaxConnsPerAddress {
		return errTooManyConns
	}
	s.byAddr[c.addr]++
	s.conns[c] = struct{}{}
	s.handlers.Add(1)
	return nil
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	if s.byAddr[c.addr]--; s.byAddr[c.addr] == 0 {
		delete(s.byAddr, c.addr)
	}
	s.mu.Unlock()
	s.handlers.Done()
}

// Shutdown closes every connection with 1012 so clients reconnect, and waits
// for their handlers, whose last act is to detach from their rooms: stop
// the rooms after it.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	for c := range s.conns {
		c.Kick(room.CloseServiceRestart, "server restarting")
	}
	s.mu.Unlock()
	handlersDone := make(chan struct{})
	go func() { s.handlers.Wait(); close(handlersDone) }()
	select {
	case <-handlersDone:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
