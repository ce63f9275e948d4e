// Package testserver starts a real Quorum server for tests: a real SQLite
// file, a real listener on 127.0.0.1:0, the same wiring and shutdown as
// cmd/quorum.
package testserver

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/room"
	"github.com/quorum-workshop/quorum/internal/sqlite"
	"github.com/quorum-workshop/quorum/internal/wsconn"
)

// Server is a running server and its parts.
type Server struct {
	URL   string // http://127.0.0.1:port
	WSURL string // ws://127.0.0.1:port/ws
	DB    *sqlite.DB
	Rooms *room.Rooms
	Conns *wsconn.Server
	HTTP  *httpapi.Server
	Logs  *SyncBuffer // everything the server logged

	t      testing.TB
	done   chan error
	closed bool
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
	rooms := room.New(db, roomsCfg)
	conns := wsconn.New(wsconn.Local(rooms), connsCfg)
	cfg.Logger = log
	srv := httpapi.New(db, rooms, conns, cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if o.wrap != nil {
		ln = o.wrap(ln)
	}
	s := &Server{
		URL: "http://" + ln.Addr().String(), WSURL: "ws://" + ln.Addr().String() + "/ws",
		DB: db, Rooms: rooms, Conns: conns, HTTP: srv, Logs: logs, t: t, done: make(chan error, 1),
	}
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
	if err := s.Rooms.Shutdown(ctx); err != nil {
		s.t.Errorf("rooms shutdown: %v", err)
	}
	if err := s.HTTP.Shutdown(ctx); err != nil {
		s.t.Errorf("http shutdown: %v", err)
	}
	if err := <-s.done; err != nil {
		s.t.Errorf("serve: %v", err)
	}
	if err := s.DB.Close(); err != nil {
		s.t.Errorf("close db: %v", err)
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
