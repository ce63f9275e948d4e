// Command quorum runs the Quorum server: live voting for workshops, from one
// binary with an embedded SQLite database.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"

	"github.com/quorum-workshop/quorum/internal/cluster"
	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/listener"
	"github.com/quorum-workshop/quorum/internal/metrics"
	"github.com/quorum-workshop/quorum/internal/postgres"
	"github.com/quorum-workshop/quorum/internal/room"
	"github.com/quorum-workshop/quorum/internal/sqlite"
	"github.com/quorum-workshop/quorum/internal/wsconn"
)

// gcPercent is the collector's GOGC unless the environment sets one.
const gcPercent = 200

func main() {
	if len(os.Args) == 2 && os.Args[1] == "version" {
		fmt.Println(versionLine())
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		if err := healthcheck(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "quorum healthcheck:", err)
			os.Exit(1)
		}
		return
	}
	if os.Getenv("GOGC") == "" {
		// The collector paces itself on the heap and the goroutine stacks.
		// A connected phone has no goroutine between its messages, so 100
		// would collect twice as often as when it had one, for the same
		// heap: a vote burst of 10,000 spent a third more CPU per vote.
		// 200 keeps that cadence and the same peak memory.
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "quorum:", err)
		os.Exit(1)
	}
}

// config is every setting, each a flag with an environment fallback.
type config struct {
	addr              string
	data              string
	databaseURL       string
	natsURL           string
	nodeID            string
	publicURL         string
	allowedOrigins    string
	hostPassword      string
	logFormat         string
	logLevel          slog.Level
	broadcastInterval time.Duration
	retention         time.Duration
	shutdownTimeout   time.Duration
	debugAddr         string
	metrics           string
	trustedProxies    string
	connsPerAddress   int
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("quorum", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.addr, "addr", env("QUORUM_ADDR", ":8080"), "address to listen on (QUORUM_ADDR)")
	fs.StringVar(&cfg.data, "data", env("QUORUM_DATA", "./data"), "folder of the SQLite database (QUORUM_DATA)")
	fs.StringVar(&cfg.databaseURL, "database-url", env("QUORUM_DATABASE_URL", ""), "postgres://… to keep the data in PostgreSQL; empty: SQLite in --data (QUORUM_DATABASE_URL)")
	fs.StringVar(&cfg.natsURL, "nats-url", env("QUORUM_NATS_URL", ""), "nats://… to run as one node of a cluster, with --database-url; empty: a single node (QUORUM_NATS_URL)")
	fs.StringVar(&cfg.nodeID, "node-id", env("QUORUM_NODE_ID", ""), "this node's name in a cluster; default: a new random one (QUORUM_NODE_ID)")
	fs.StringVar(&cfg.publicURL, "public-url", env("QUORUM_PUBLIC_URL", ""), "base URL people reach the server at, for join links and QR codes behind a proxy (QUORUM_PUBLIC_URL)")
	fs.StringVar(&cfg.allowedOrigins, "allowed-origins", env("QUORUM_ALLOWED_ORIGINS", ""), "comma-separated origins besides the server's own that may open WebSockets (QUORUM_ALLOWED_ORIGINS)")
	fs.StringVar(&cfg.hostPassword, "host-password", env("QUORUM_HOST_PASSWORD", ""), "if set, creating a session needs this password (QUORUM_HOST_PASSWORD)")
	fs.StringVar(&cfg.logFormat, "log-format", env("QUORUM_LOG_FORMAT", "text"), "log format: text or json (QUORUM_LOG_FORMAT)")
	logLevel := env("QUORUM_LOG_LEVEL", "info")
	fs.StringVar(&logLevel, "log-level", logLevel, "debug, info, warn or error; debug adds a line per WebSocket connected (QUORUM_LOG_LEVEL)")
	interval, err := envDuration("QUORUM_BROADCAST_INTERVAL", room.DefaultBroadcastInterval)
	if err != nil {
		return cfg, err
	}
	fs.DurationVar(&cfg.broadcastInterval, "broadcast-interval", interval, "at most one live-results update per session per interval (QUORUM_BROADCAST_INTERVAL)")
	retention, err := envDuration("QUORUM_RETENTION", 90*24*time.Hour)
	if err != nil {
		return cfg, err
	}
	fs.DurationVar(&cfg.retention, "retention", retention, "delete sessions this long after they end; 0 keeps them (QUORUM_RETENTION)")
	fs.StringVar(&cfg.debugAddr, "debug-addr", env("QUORUM_DEBUG_ADDR", ""), "loopback address for /debug/pprof and /metrics, e.g. 127.0.0.1:6060 (QUORUM_DEBUG_ADDR)")
	fs.StringVar(&cfg.trustedProxies, "trusted-proxies", env("QUORUM_TRUSTED_PROXIES", ""), "comma-separated proxy addresses or CIDRs whose X-Forwarded-For gives the client's address (QUORUM_TRUSTED_PROXIES)")
	fs.StringVar(&cfg.metrics, "metrics", env("QUORUM_METRICS", "off"), "off, or public to serve /metrics on the main listener too (QUORUM_METRICS)")
	connsPerAddress, err := envInt("QUORUM_MAX_CONNS_PER_ADDRESS", wsconn.DefaultMaxConnsPerAddress)
	if err != nil {
		return cfg, err
	}
	fs.IntVar(&cfg.connsPerAddress, "max-conns-per-address", connsPerAddress, "open WebSockets allowed from one client address; a venue behind NAT shares one (QUORUM_MAX_CONNS_PER_ADDRESS)")
	fs.DurationVar(&cfg.shutdownTimeout, "shutdown-timeout", 15*time.Second, "how long a graceful shutdown may take")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	// A mistyped command must not start a server instead.
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q: the commands are version and healthcheck", fs.Args())
	}
	if cfg.logFormat != "text" && cfg.logFormat != "json" {
		return cfg, fmt.Errorf("--log-format is text or json, not %q", cfg.logFormat)
	}
	if err := cfg.logLevel.UnmarshalText([]byte(logLevel)); err != nil {
		return cfg, fmt.Errorf("--log-level is debug, info, warn or error, not %q", logLevel)
	}
	if cfg.metrics != "off" && cfg.metrics != "public" {
		return cfg, fmt.Errorf("--metrics is off or public, not %q", cfg.metrics)
	}
	if cfg.debugAddr != "" && !loopback(cfg.debugAddr) {
		return cfg, fmt.Errorf("--debug-addr must be a loopback address (127.0.0.1:6060, [::1]:6060), not %q: profiles are not for the network", cfg.debugAddr)
	}
	if cfg.connsPerAddress < 1 {
		return cfg, fmt.Errorf("--max-conns-per-address must be at least 1")
	}
	if cfg.retention < 0 {
		return cfg, fmt.Errorf("--retention cannot be negative")
	}
	if cfg.broadcastInterval < 10*time.Millisecond {
		return cfg, fmt.Errorf("--broadcast-interval must be at least 10ms")
	}
	if cfg.databaseURL != "" && !strings.HasPrefix(cfg.databaseURL, "postgres://") && !strings.HasPrefix(cfg.databaseURL, "postgresql://") {
		return cfg, fmt.Errorf("--database-url must be a postgres:// URL (empty: SQLite in --data)")
	}
	if cfg.natsURL != "" && cfg.databaseURL == "" {
		return cfg, fmt.Errorf("--nats-url needs --database-url: the nodes of a cluster share one PostgreSQL, and SQLite is one node's own")
	}
	if cfg.nodeID == "" {
		cfg.nodeID = uuid.NewString()[:8]
	}
	if cfg.publicURL != "" && !strings.HasPrefix(cfg.publicURL, "http://") && !strings.HasPrefix(cfg.publicURL, "https://") {
		return cfg, fmt.Errorf("--public-url must start with http:// or https://")
	}
	return cfg, nil
}

func env(name, fallback string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return fallback
}

func envDuration(name string, fallback time.Duration) (time.Duration, error) {
	return envParsed(name, fallback, time.ParseDuration)
}

func envInt(name string, fallback int) (int, error) {
	return envParsed(name, fallback, strconv.Atoi)
}

// envParsed reads an environment fallback of a flag that is not a string.
func envParsed[T any](name string, fallback T, parse func(string) (T, error)) (T, error) {
	v, ok := os.LookupEnv(name)
	if !ok {
		return fallback, nil
	}
	x, err := parse(v)
	if err != nil {
		return x, fmt.Errorf("%s=%q: %w", name, v, err)
	}
	return x, nil
}

func newLogger(format string, level slog.Level, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// run serves until ctx is cancelled, then shuts down in order: readiness
// off, WebSockets closed with 1012, accepted votes committed, HTTP stopped,
// database closed.
func run(ctx context.Context, args []string, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg.logFormat, cfg.logLevel, stderr)
	slog.SetDefault(log)

	db, where, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()

	stats := metrics.New()
	roomsCfg := room.Config{
		BroadcastInterval: cfg.broadcastInterval,
		JoinURL:           func(code string) string { return cfg.publicURL + "/j/" + code },
		Logger:            log,
		Metrics:           stats,
	}
	sessions, err := startSessions(cfg, db, roomsCfg, stats, log)
	if err != nil {
		return err
	}
	var ready []httpapi.Check
	if node, ok := sessions.(clusterNode); ok {
		log = log.With("node", node.ID())
		ready = append(ready, httpapi.Check{What: "the message bus", Ping: node.Ping})
	}
	conns := wsconn.New(sessions, wsconn.Config{
		MaxConnsPerAddress: cfg.connsPerAddress,
		Logger:             log,
		Metrics:            stats,
	})
	httpCfg := httpapi.Config{
		PublicURL:      cfg.publicURL,
		AllowedOrigins: splitList(cfg.allowedOrigins),
		HostPassword:   cfg.hostPassword,
		TrustedProxies: splitList(cfg.trustedProxies),
		Ready:          ready,
		Logger:         log,
	}
	if cfg.metrics == "public" {
		httpCfg.Metrics = stats.Handler()
	}
	server := httpapi.New(db, sessions, conns, httpCfg)
	if cfg.debugAddr != "" {
		stopDebug, err := serveDebug(cfg.debugAddr, stats.Handler(), log)
		if err != nil {
			return err
		}
		defer stopDebug()
	}

	if cfg.retention > 0 {
		p := &purger{
			list:   db.EndedBefore,
			delete: sessions.Purge,
			keep:   cfg.retention,
			log:    log,
		}
		purgeCtx, stopPurge := context.WithCancel(ctx)
		defer stopPurge()
		go p.run(purgeCtx, retentionInterval)
	}

	ln, err := listener.Listen(ctx, cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	served := make(chan error, 1)
	go func() { served <- server.Listener(ln) }()
	log.Info("quorum is running", "build", versionLine(), "addr", ln.Addr().String(), "url", localURL(ln.Addr()), "data", where, "public_url", cfg.publicURL)

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	server.Drain()
	if err := conns.Shutdown(shutdownCtx); err != nil {
		log.Error("closing connections", "err", err)
	}
	if err := sessions.Shutdown(shutdownCtx); err != nil {
		log.Error("committing and stopping the rooms", "err", err)
	}
	if err := server.Shutdown(shutdownCtx); err != nil {
		log.Error("stopping HTTP", "err", err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	log.Info("stopped")
	return nil
}

// sessions is the live side of the server: this node's rooms, or a node of
// a cluster, which also forwards to the nodes that own other sessions.
type sessions interface {
	httpapi.Sessions
	wsconn.Sessions
	Purge(ctx context.Context, sessionID string) error
	Shutdown(ctx context.Context) error
}

// singleNode is the sessions of a server on its own: its rooms.
type singleNode struct {
	*room.Rooms
	local wsconn.Sessions
}

func (s singleNode) Attach(ctx context.Context, m room.Member, in *room.Inbound) (wsconn.Session, error) {
	return s.local.Attach(ctx, m, in)
}

func (s singleNode) JoinAndAttach(ctx context.Context, sessionID string, m room.Member, in *room.Inbound) (wsconn.Session, error) {
	return s.local.JoinAndAttach(ctx, sessionID, m, in)
}

// startSessions starts this node's rooms, as a node of a cluster with
// --nats-url.
func startSessions(cfg config, db store, roomsCfg room.Config, stats *metrics.Metrics, log *slog.Logger) (sessions, error) {
	if cfg.natsURL == "" {
		rooms := room.New(db, roomsCfg)
		return singleNode{rooms, wsconn.Local(rooms)}, nil
	}
	shared, ok := db.(cluster.Store)
	if !ok {
		return nil, fmt.Errorf("--nats-url needs --database-url")
	}
	nc, err := nats.Connect(cfg.natsURL,
		nats.Name("quorum "+cfg.nodeID),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
	)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS: %w", err)
	}
	node, err := cluster.New(nc, shared, cluster.Config{NodeID: cfg.nodeID, Rooms: roomsCfg, Logger: log, Metrics: stats})
	if err != nil {
		nc.Close()
		return nil, err
	}
	log.Info("joined the cluster", "node", node.ID())
	return clusterNode{node, nc}, nil
}

// clusterNode is a node of a cluster, with its NATS connection.
type clusterNode struct {
	*cluster.Node
	nc *nats.Conn
}

// Shutdown stops the node, then lets its last messages go.
func (c clusterNode) Shutdown(ctx context.Context) error {
	err := c.Node.Shutdown(ctx)
	if derr := c.nc.FlushWithContext(ctx); err == nil && derr != nil {
		err = derr
	}
	c.nc.Close()
	return err
}

// store is what the server needs of its database, SQLite or PostgreSQL.
type store interface {
	httpapi.Store
	room.Store
	EndedBefore(ctx context.Context, t time.Time) ([]string, error)
	Close() error
}

// openStore opens PostgreSQL at --database-url, or else SQLite in --data,
// and says where, without a password.
func openStore(ctx context.Context, cfg config) (store, string, error) {
	if cfg.databaseURL == "" {
		path := filepath.Join(cfg.data, "quorum.db")
		db, err := sqlite.Open(path)
		if err != nil {
			return nil, "", err
		}
		return db, path, nil
	}
	db, err := postgres.Open(ctx, cfg.databaseURL)
	if err != nil {
		return nil, "", err
	}
	where := "PostgreSQL"
	if u, err := url.Parse(cfg.databaseURL); err == nil {
		where = u.Redacted()
	}
	return db, where, nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// localURL is the address to open in a browser on this machine.
func localURL(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return ""
	}
	host := "localhost"
	if !tcp.IP.IsUnspecified() {
		host = tcp.IP.String()
	}
	return fmt.Sprintf("http://%s", net.JoinHostPort(host, fmt.Sprint(tcp.Port)))
}

// healthcheck asks a running server whether it is ready. The container
// image has no shell or curl, so the binary checks itself.
func healthcheck(args []string) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	addr := fs.String("addr", env("QUORUM_ADDR", ":8080"), "address the server listens on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(*addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", *addr, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://" + net.JoinHostPort(host, port) + "/readyz")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New("not ready: " + resp.Status)
	}
	return nil
}
