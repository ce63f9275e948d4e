// Package httpapi serves Quorum's HTTP API, its WebSocket endpoint and the
// embedded frontend with Fiber.
package httpapi

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	fastws "github.com/fasthttp/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/websocket/v2"
	"github.com/quorum-workshop/quorum/frontend"
	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/room"
	"github.com/quorum-workshop/quorum/internal/wsconn"
)

// Store is what the HTTP layer needs of the database directly; everything
// about a running session goes through its room.
type Store interface {
	CreateSession(ctx context.Context, s *quorum.Session) error
	FindSessionByCode(ctx context.Context, code string) (string, error)
	LoadForExport(ctx context.Context, id string) (*quorum.Session, []quorum.Event, error)
	DeleteSession(ctx context.Context, id string) (quorum.Deleted, error)
	Ping(ctx context.Context) error

	// Saved agendas; a.ID names the one to create or replace. A missing one
	// is an error coded quorum.EAGENDANOTFOUND.
	CreateAgenda(ctx context.Context, a *quorum.Agenda, at time.Time) error
	UpdateAgenda(ctx context.Context, a *quorum.Agenda, at time.Time) error
	DeleteAgenda(ctx context.Context, id string) error
	GetAgenda(ctx context.Context, id string) (*quorum.Agenda, error)
	ListAgendas(ctx context.Context) ([]*quorum.Agenda, error) // the last edited first
}

// Config is the HTTP side of the server's settings.
type Config struct {
	PublicURL      string       // base of join links and QR codes behind a proxy; empty: the request's own
	AllowedOrigins []string     // origins besides the server's own that may open WebSockets
	HostPassword   string       // if set, creating a session needs it
	Metrics        http.Handler // if set, served at /metrics on the public listener
	TrustedProxies []string     // addresses whose X-Forwarded-For is believed; nobody else's is
	FailedJoins    int          // wrong join codes per address per minute before 429, plus one a join (up to 5 times); 0: the default
	Ready          []Check      // what /readyz asks besides the database
	Logger         *slog.Logger
}

// Check is something besides the database that the server needs to serve:
// a cluster's message bus.
type Check struct {
	What string // named in /readyz's 503: "the message bus"
	Ping func(ctx context.Context) error
}

// Sessions is what the HTTP API needs of the live sessions: their rooms
// (internal/room), which order every change to a session.
type Sessions interface {
	Join(ctx context.Context, sessionID, name, segment, clientSecret string) (room.JoinResult, error)
	Act(ctx context.Context, sessionID, hostKey string, cmd quorum.Command) (*room.StateMsg, error)
	HostState(ctx context.Context, sessionID, hostKey string) (*room.StateMsg, error)
	Delete(ctx context.Context, sessionID, hostKey string) (quorum.Deleted, error)
	PublicInfo(ctx context.Context, sessionID string) (room.PublicInfo, error)
}

// Sockets serves the WebSocket connections (internal/wsconn).
type Sockets interface {
	ServeWS(ws *fastws.Conn, clientAddr string)
	AcceptJoinsInHello(join wsconn.JoinByCode)
}

// Server is the Fiber application and what it serves.
type Server struct {
	app      *fiber.App
	store    Store
	sessions Sessions
	sockets  Sockets
	cfg      Config
	// joinLimiter slows down anyone guessing join codes.
	joinLimiter *failureLimiter
	// origins are the browser origins, besides the same host's, that may
	// open WebSockets: the public URL's and the allowed ones, normalized.
	origins  map[string]bool
	codes    codeCache
	log      *slog.Logger
	draining atomic.Bool
}

// Request limits.
const (
	maxBodyBytes   = quorum.MaxAgendaBytes + 16<<10
	requestTimeout = 10 * time.Second
	// 4 KiB holds a phone's request line and headers with room to spare.
	// internal/wsconn reads a hijacked connection in reads at least this
	// large (wsconn.readChunk), so that the first takes whatever fasthttp
	// still buffered.
	readBufferBytes = 4096
	// internal/wsconn reads the frames itself: the library's read buffer,
	// which it allocates for every connection, is never used. 16 bytes is
	// the least a bufio.Reader takes.
	wsReadBufferBytes = 16
)

// New builds the server. Call Listener to serve.
func New(store Store, sessions Sessions, sockets Sockets, cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.FailedJoins <= 0 {
		cfg.FailedJoins = DefaultFailedJoinsPerWindow
	}
	s := &Server{store: store, sessions: sessions, sockets: sockets, cfg: cfg, log: cfg.Logger, joinLimiter: newFailureLimiter(cfg.FailedJoins, failedJoinWindow), origins: map[string]bool{}}
	for _, o := range append([]string{cfg.PublicURL}, cfg.AllowedOrigins...) {
		if o == "" {
			continue
		}
		if origin, ok := normalizeOrigin(o); ok {
			s.origins[origin] = true
		} else {
			s.log.Warn("ignoring an origin that is not scheme://host[:port]", "origin", o)
		}
	}
	proxyHeader := ""
	if len(cfg.TrustedProxies) > 0 {
		proxyHeader = fiber.HeaderXForwardedFor
	}
	s.app = fiber.New(fiber.Config{
		// X-Forwarded-For counts only from a trusted proxy; from anyone else
		// it is ignored and the connection's own address is the client's.
		EnableTrustedProxyCheck: len(cfg.TrustedProxies) > 0,
		TrustedProxies:          cfg.TrustedProxies,
		ProxyHeader:             proxyHeader,
		AppName:                 "Quorum",
		BodyLimit:               maxBodyBytes,
		ReadBufferSize:          readBufferBytes,
		// fasthttp hands a hijacked connection the request's read buffer
		// (4 KiB) for good unless it released it after the request; this
		// makes it release an empty one, so that a WebSocket reads its
		// socket directly and does not hold that buffer for its life (a
		// quarter of a connected phone). A client that sent its hello with
		// the upgrade still has it read from the buffer.
		ReduceMemoryUsage:     true,
		ReadTimeout:           requestTimeout,
		WriteTimeout:          requestTimeout,
		IdleTimeout:           2 * time.Minute,
		DisableStartupMessage: true,
		ErrorHandler:          s.errorHandler,
	})
	// A WebSocket outlives the handler that upgraded it: returning at once
	// frees fasthttp's request context and the deep stack of its goroutine
	// (about a third of what a connected phone cost); wsconn reads on a
	// goroutine of its own and closes the connection itself.
	s.app.Server().KeepHijackedConns = true
	s.app.Server().ErrorHandler = closeRefusedGently(s.app.Server().ErrorHandler)
	sockets.AcceptJoinsInHello(s.joinInHello)
	s.routes()
	return s
}

// App returns the Fiber application, for tests.
func (s *Server) App() *fiber.App { return s.app }

// Listener serves on ln until Shutdown.
func (s *Server) Listener(ln net.Listener) error { return s.app.Listener(gentleListener{ln}) }

// Drain makes /readyz answer 503 so that a load balancer stops sending
// traffic before the shutdown.
func (s *Server) Drain() { s.draining.Store(true) }

// Shutdown stops the HTTP listener and waits for requests in flight. The
// WebSockets are closed by wsconn's own Shutdown.
func (s *Server) Shutdown(ctx context.Context) error { return s.app.ShutdownWithContext(ctx) }

func (s *Server) routes() {
	app := s.app
	app.Use(s.logRequests, securityHeaders)

	app.Get("/livez", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	app.Get("/readyz", s.readyz)
	if s.cfg.Metrics != nil {
		app.Get("/metrics", adaptor.HTTPHandler(s.cfg.Metrics))
	}

	api := app.Group("/api")
	api.Get("/agendas", s.listAgendas)
	api.Post("/agendas", s.createAgenda)
	api.Get("/agendas/:id", s.getAgenda)
	api.Put("/agendas/:id", s.updateAgenda)
	api.Delete("/agendas/:id", s.deleteAgenda)
	api.Post("/sessions", s.createSession)
	api.Post("/join", s.join)
	api.Get("/codes/:code", s.codeInfo)
	api.Get("/sessions/:id", s.sessionState)
	api.Post("/sessions/:id/actions", s.action)
	api.Delete("/sessions/:id", s.deleteSession)
	api.Get("/sessions/:id/qr.svg", s.qrCode)
	api.Get("/sessions/:id/export.:format", s.exportSession)

	app.Get("/ws", s.checkOrigin, keepClientAddr, websocket.New(func(c *websocket.Conn) {
		addr, _ := c.Locals(clientAddrKey).(string)
		go s.sockets.ServeWS(c.Conn, addr)
	}, websocket.Config{
		HandshakeTimeout: 10 * time.Second,
		ReadBufferSize:   wsReadBufferBytes,
		// wsconn writes whole frames to the socket itself, so the library's
		// message writer and its buffer are never used: with a pool, the
		// library takes no buffer up front.
		WriteBufferPool: &sync.Pool{},
	}))

	app.Get("/", s.page("landing"))
	app.Get("/join", s.page("participant"))
	app.Get("/j/:code", s.page("participant"))
	app.Get("/host", s.page("host"))
	app.Get("/host/sessions", s.page("sessions"))
	app.Get("/host/agendas", s.page("editor"))
	app.Get("/host/:id", s.page("console"))
	app.Get("/host/:id/report", s.page("report"))
	app.Get("/screen/:id", s.page("screen"))
	app.Get("/static/*", s.static)
}

func (s *Server) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		// Let the error handler write the response so the line logs its status.
		if herr := s.app.ErrorHandler(c, err); herr != nil {
			return herr
		}
	}
	// A hall of phones connects in seconds and reconnects after every lock
	// screen: a line per WebSocket would drown the log and cost the join
	// burst 4 % of the server's CPU. Refused upgrades stay at info.
	level := slog.LevelInfo
	if c.Response().StatusCode() == fiber.StatusSwitchingProtocols {
		level = slog.LevelDebug
	}
	if ctx := c.Context(); s.log.Enabled(ctx, level) {
		s.log.Log(ctx, level, "request", append(logAttrs(c), slog.Duration("duration", time.Since(start)))...)
	}
	return nil
}

// contentSecurityPolicy allows nothing but the server's own origin; the one
// inline script allowed, by its hash, is the import map.
var contentSecurityPolicy = "default-src 'self'; script-src 'self' " + frontend.ImportMapHash + "; style-src 'self'; " +
	"img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func securityHeaders(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", contentSecurityPolicy)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "no-referrer")
	c.Set("X-Frame-Options", "DENY")
	return c.Next()
}

func (s *Server) readyz(c *fiber.Ctx) error {
	if s.draining.Load() {
		return quorum.Errorf(quorum.EUNAVAILABLE, "the server is shutting down")
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Error("readiness check failed", "err", err)
		return quorum.Errorf(quorum.EUNAVAILABLE, "the database is not answering")
	}
	for _, check := range s.cfg.Ready {
		if err := check.Ping(ctx); err != nil {
			s.log.Error("readiness check failed", "what", check.What, "err", err)
			return quorum.Errorf(quorum.EUNAVAILABLE, "%s is not answering", check.What)
		}
	}
	return c.JSON(fiber.Map{"status": "ready"})
}

// checkOrigin lets a browser open a WebSocket only from the server's own
// origin or an allowed one; gofiber/websocket would accept every origin.
// Clients that send no Origin (not browsers) pass.
func (s *Server) checkOrigin(c *fiber.Ctx) error {
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" || s.originAllowed(origin, c.Hostname()) {
		return c.Next()
	}
	return quorum.Errorf(quorum.EFORBIDDEN, "WebSocket connections from %s are not allowed; see --public-url and --allowed-origins", origin)
}

const clientAddrKey = "clientAddr"

// keepClientAddr hands the client's address (X-Forwarded-For only from a
// trusted proxy) to the WebSocket handler, which runs after the request's
// buffers are gone; hence the copy.
func keepClientAddr(c *fiber.Ctx) error {
	c.Locals(clientAddrKey, strings.Clone(c.IP()))
	return c.Next()
}

// originAllowed says whether a page from origin may open a WebSocket to
// the server at host (the request's Host). The server's own origin is the
// public URL's when one is set. Without one, it is whatever host the request
// names, which DNS rebinding defeats: a page on evil.example whose name is
// made to resolve to this server sends Host and Origin evil.example alike.
// That is the laptop default, where the server has no name of its own;
// docs/security.md says to set --public-url against it.
func (s *Server) originAllowed(origin, host string) bool {
	o, ok := normalizeOrigin(origin)
	if !ok {
		return false
	}
	if s.cfg.PublicURL == "" {
		if _, h, _ := strings.Cut(o, "://"); strings.EqualFold(h, host) {
			return true
		}
	}
	return s.origins[o]
}

// normalizeOrigin returns the origin (scheme://host[:port]) of a URL in the
// form a browser sends it: lower case, without the scheme's default port.
func normalizeOrigin(raw string) (string, bool) {
	u, err := url.Parse(strings.ToLower(raw))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", false
	}
	host := u.Host
	if (u.Scheme == "http" && u.Port() == "80") || (u.Scheme == "https" && u.Port() == "443") {
		host = strings.TrimSuffix(host, ":"+u.Port())
	}
	return u.Scheme + "://" + host, true
}

// baseURL is where people reach the server: the public URL if set, else the
// address this request came to.
func (s *Server) baseURL(c *fiber.Ctx) string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
	}
	return c.BaseURL()
}

func (s *Server) page(name string) fiber.Handler {
	data, err := frontend.Page(name)
	if err != nil {
		panic("frontend page " + name + ": " + err.Error()) // a missing embedded page is a build mistake
	}
	return func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderCacheControl, "no-cache")
		c.Type("html", "utf-8")
		return c.Send(data)
	}
}

// static serves the embedded assets: at their hashed URLs for a year (the
// pages and the import map name only those), at their plain URLs with no-cache
// and an ETag, so that an old link still works and is revalidated.
func (s *Server) static(c *fiber.Ctx) error {
	a, ok := frontend.Lookup(c.Path())
	if !ok {
		return quorum.Errorf(quorum.ENOTFOUND, "there is nothing at this address")
	}
	c.Set(fiber.HeaderContentType, a.ContentType)
	c.Set(fiber.HeaderETag, a.ETag)
	if a.Immutable {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "no-cache")
		if c.Get(fiber.HeaderIfNoneMatch) == a.ETag {
			return c.SendStatus(fiber.StatusNotModified)
		}
	}
	return c.Send(a.Data)
}
