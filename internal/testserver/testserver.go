// Package testserver starts a real Quorum server for tests: a real SQLite
// file (or a node of a cluster on a real PostgreSQL and NATS), a real
// listener on 127.0.0.1:0, the same wiring and shutdown as cmd/quorum.
package testserver

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/quorum-workshop/quorum/internal/cluster"
	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/postgres"
	"github.com/quorum-workshop/quorum/internal/room"
	"github.com/quorum-workshop/quorum/internal/sqlite"
	"github.com/quorum-workshop/quorum/internal/wsconn"
)

// Server is a running server and its parts.
type Server struct {
	URL   string     // http://127.0.0.1:port
	WSURL string     // ws://127.0.0.1:port/ws
	DB    *sqlite.DB // nil for a node of a cluster
	Conns *wsconn.Server
	HTTP  *httpapi.Server
	Logs  *SyncBuffer // everything the server logged

	sessions interface{ Shutdown(context.Context) error }
	stopped  func() error // what closes after the server: the store, the bus
	t        testing.TB
	done     chan error
	closed   bool
}

// TempDB returns a database path in the test's temporary folder.
func TempDB(t testing.TB) string { return filepath.Join(t.TempDir(), "quorum.db") }

// Option changes how Start runs the server.
type Option func(*options)

type options struct {
	wrap  func(net.Listener) net.Listener
	rooms func(*room.Config)
	conns func(*wsconn.Config)
}

// WithListener wraps the server's listener, for tests that shape its
// connections (small socket buffers, say).
func WithListener(wrap func(net.Listener) net.Listener) Option {
	return func(o *options) { o.wrap = wrap }
}

// WithRooms changes the rooms' settings.
func WithRooms(change func(*room.Config)) Option {
	return func(o *options) { o.rooms = change }
}

// WithConns changes the connections' settings, for tests of their limits.
func WithConns(change func(*wsconn.Config)) Option {
	return func(o *options) { o.conns = change }
}

// Start runs a server on dbPath until the test ends (or Stop).
func Start(t testing.TB, dbPath string, cfg httpapi.Config, opts ...Option) *Server {
	t.Helper()
	db, err := sqlite.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, cfg, opts, func(roomsCfg room.Config, _ *slog.Logger) (*Server, sessions) {
		rooms := room.New(db, roomsCfg)
		return &Server{DB: db, stopped: db.Close}, sessions{rooms, rooms, wsconn.Local(rooms), db}
	})
}

// StartNode runs a node of a cluster on the PostgreSQL at databaseURL and
// the NATS at natsURL until the test ends (or Stop).
func StartNode(t testing.TB, databaseURL, natsURL, nodeID string, cfg httpapi.Config, opts ...Option) *Server {
	t.Helper()
	db, err := postgres.Open(context.Background(), databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(natsURL, nats.Name("quorum test "+nodeID), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	return serve(t, cfg, opts, func(roomsCfg room.Config, log *slog.Logger) (*Server, sessions) {
		node, err := cluster.New(nc, db, cluster.Config{NodeID: nodeID, Rooms: roomsCfg, Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		stopped := func() error {
			nc.Close()
			return db.Close()
		}
		return &Server{stopped: stopped}, sessions{node, node, node, db}
	})
}

// sessions is a server's live side, in its roles.
type sessions struct {
	shutdown interface{ Shutdown(context.Context) error }
	api      httpapi.Sessions
	sockets  wsconn.Sessions
	store    httpapi.Store
}

// serve wires a server's HTTP and WebSocket sides to the live side that
// start returns, and serves it.
func serve(t testing.TB, cfg httpapi.Config, opts []Option, start func(room.Config, *slog.Logger) (*Server, sessions)) *Server {
	t.Helper()
	logs := &SyncBuffer{}
	var out io.Writer = logs
	if o, ok := t.(interface{ Output() io.Writer }); ok {
		out = io.MultiWriter(logs, o.Output())
	}
	log := slog.New(slog.NewTextHandler(out, nil))
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	roomsCfg := room.Config{BroadcastInterval: 20 * time.Millisecond, Logger: log}
	if o.rooms != nil {
		o.rooms(&roomsCfg)
	}
	connsCfg := wsconn.Config{Logger: log}
	if o.conns != nil {
		o.conns(&connsCfg)
	}
	s, live := start(roomsCfg, log)
	conns := wsconn.New(live.sockets, connsCfg)
	cfg.Logger = log
	srv := httpapi.New(live.store, live.api, conns, cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if o.wrap != nil {
		ln = o.wrap(ln)
	}
	s.URL, s.WSURL = "http://"+ln.Addr().String(), "ws://"+ln.Addr().String()+"/ws"
	s.Conns, s.HTTP, s.Logs, s.sessions, s.t, s.done = conns, srv, logs, live.shutdown, t, make(chan error, 1)
	go func() { s.done <- srv.Listener(ln) }()
	t.Cleanup(s.Stop)
	// A shutdown before fasthttp has taken the listener would leave it serving.
	for deadline := time.Now().Add(5 * time.Second); ; {
		resp, err := http.Get(s.URL + "/livez")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not come up: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return s
}

// NATS returns the NATS server for cluster tests: QUORUM_TEST_NATS_URL, or
// the machine's at 127.0.0.1:4222. When it cannot be reached, the test is
// skipped with the reason, unless QUORUM_REQUIRE_CLUSTER=1, which makes that
// a failure.
func NATS(tb testing.TB) string {
	tb.Helper()
	raw := os.Getenv("QUORUM_TEST_NATS_URL")
	if raw == "" {
		raw = "nats://127.0.0.1:4222"
	}
	u, err := url.Parse(raw)
	if err != nil {
		tb.Fatalf("QUORUM_TEST_NATS_URL %q: %v", raw, err)
	}
	conn, err := net.DialTimeout("tcp", u.Host, 2*time.Second)
	if err != nil {
		msg := fmt.Sprintf("NATS not reachable at %s: set QUORUM_TEST_NATS_URL or start it; QUORUM_REQUIRE_CLUSTER=1 makes this a failure: %v", u.Host, err)
		if os.Getenv("QUORUM_REQUIRE_CLUSTER") == "1" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	conn.Close()
	return raw
}

// Stop shuts the server down the way cmd/quorum does.
func (s *Server) Stop() {
	if s.closed {
		return
	}
	s.closed = true
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.HTTP.Drain()
	if err := s.Conns.Shutdown(ctx); err != nil {
		s.t.Errorf("connections shutdown: %v", err)
	}
	if err := s.sessions.Shutdown(ctx); err != nil {
		s.t.Errorf("rooms shutdown: %v", err)
	}
	if err := s.HTTP.Shutdown(ctx); err != nil {
		s.t.Errorf("http shutdown: %v", err)
	}
	if err := <-s.done; err != nil {
		s.t.Errorf("serve: %v", err)
	}
	if err := s.stopped(); err != nil {
		s.t.Errorf("close the store: %v", err)
	}
	http.DefaultClient.CloseIdleConnections()
}

// SyncBuffer collects log output from many goroutines.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Unzipped is every file of a workbook (an XLSX export), concatenated, with
// XML's entities read back: what a test looks for words in.
func Unzipped(t *testing.T, data []byte) string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(&b, r)
		r.Close()
	}
	return html.UnescapeString(b.String())
}
