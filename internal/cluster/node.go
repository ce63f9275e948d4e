// Package cluster runs Quorum as one of several interchangeable nodes on a
// shared PostgreSQL and a NATS bus. Each session has one owner at a time,
// the node holding its lease: that node's room orders, commits and
// broadcasts the session's events as on a single node. Any node takes the
// session's connections and HTTP calls and forwards them to the owner; the
// owner publishes each broadcast once per role, and every node holding
// connections of the session hands it to them.
package cluster

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/room"
)

// Store is what a node needs of the shared database: the rooms' store, and
// the leases that make one node the owner of a session.
type Store interface {
	room.Store
	// AcquireLease takes a session's lease for node when it is free or has
	// expired (with a new epoch), or renews node's own; otherwise it says
	// who holds it.
	AcquireLease(ctx context.Context, sessionID, nodeID string, ttl time.Duration) (epoch int64, acquired bool, owner string, err error)
	RenewLease(ctx context.Context, sessionID, nodeID string, epoch int64, ttl time.Duration) error
	ReleaseLease(ctx context.Context, sessionID, nodeID string, epoch int64) error
	// CommitFenced commits records only while node holds the session's
	// lease with epoch, in the same transaction.
	CommitFenced(ctx context.Context, sessionID, nodeID string, epoch int64, records []quorum.Record) error
}

// Config holds a node's settings, with named defaults.
type Config struct {
	NodeID         string
	LeaseTTL       time.Duration // an owner that has not renewed for this long is replaced
	RequestTimeout time.Duration // how long a node waits for an owner's answer
	Rooms          room.Config   // for the rooms this node owns; Relay, Stopped, NodeID and Logger are the node's
	Logger         *slog.Logger
	Metrics        Metrics
}

// Metrics receives a node's figures (internal/metrics exports them).
type Metrics interface {
	Owned(delta int) // sessions this node owns
	// Forwarded counts frames sent over NATS and the messages that carried
	// them: a node's connections' frames to owners, or an owner's to nodes.
	Forwarded(toOwner bool, frames, messages int)
	// FailedOver times a failover from a silent owner to this node's
	// connections seated on the new one, here or elsewhere.
	FailedOver(here bool, d time.Duration)
	LeaseLost() // a session given up: its lease expired or a commit was fenced
}

type noMetrics struct{}

func (noMetrics) Owned(int)                      {}
func (noMetrics) Forwarded(bool, int, int)       {}
func (noMetrics) FailedOver(bool, time.Duration) {}
func (noMetrics) LeaseLost()                     {}

// Defaults for Config's zero fields.
const (
	DefaultLeaseTTL       = 5 * time.Second
	DefaultRequestTimeout = 5 * time.Second
)

// Node is one node of a cluster.
type Node struct {
	id    string
	nc    *nats.Conn
	store Store
	cfg   Config
	log   *slog.Logger
	rooms *room.Rooms // of the sessions this node owns

	mu      sync.Mutex
	owned   map[string]*ownership // sessions this node owns
	remotes map[string]*remote    // sessions owned elsewhere with connections here
	seen    map[string]time.Time  // when each other node was last heard
	closing bool

	// inbox takes every owner's messages for this node's connections, in
	// the order the NATS server delivered them; one goroutine hands them on.
	inbox    chan *nats.Msg
	nextConn uint64
	done     chan struct{}
	wg       sync.WaitGroup
}

// ownership is a session this node holds the lease of.
type ownership struct {
	epoch   int64
	out     *outbox // what the session's room sends other nodes
	subs    []*nats.Subscription
	stop    chan struct{}
	members map[memberKey]*remoteMember // connections of other nodes, seated here
}

type memberKey struct {
	node string
	conn uint64
}

// New starts a node on a NATS connection and the shared store.
func New(nc *nats.Conn, store Store, cfg Config) (*Node, error) {
	if cfg.NodeID == "" {
		return nil, errors.New("cluster: a node needs an id")
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = DefaultLeaseTTL
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = noMetrics{}
	}
	n := &Node{
		id: incarnation(cfg.NodeID), nc: nc, store: store, cfg: cfg,
		owned: map[string]*ownership{}, remotes: map[string]*remote{}, seen: map[string]time.Time{},
		inbox: make(chan *nats.Msg, 1<<16), done: make(chan struct{}),
	}
	n.log = cfg.Logger.With("node", n.id)
	roomsCfg := cfg.Rooms
	roomsCfg.Relay = n.relay
	roomsCfg.NodeID = n.id
	roomsCfg.Logger = n.log
	roomsCfg.Stopped = n.roomStopped
	n.rooms = room.New(fenced{n}, roomsCfg)
	if _, err := nc.Subscribe(nodesSubject, n.heard); err != nil {
		return nil, err
	}
	nc.SetDisconnectErrHandler(func(_ *nats.Conn, err error) { n.log.Warn("NATS disconnected; reconnecting", "err", err) })
	nc.SetReconnectHandler(func(*nats.Conn) {
		n.log.Info("NATS reconnected")
		n.resync()
	})
	n.wg.Add(2)
	go n.dispatch()
	go n.watch()
	return n, nil
}

// Ping asks the NATS server for a round trip: a node cut off from the bus
// cannot reach the owners of most sessions, and is not ready.
func (n *Node) Ping(ctx context.Context) error {
	if !n.nc.IsConnected() {
		return errors.New("not connected to NATS")
	}
	return n.nc.FlushWithContext(ctx)
}

// ID is the node's id on the bus and in the leases: its name and this
// process's own suffix.
func (n *Node) ID() string { return n.id }

// incarnation is a node's id for this process: its name and a random
// suffix. A node restarted under the same name is a new node to the others,
// so that they forget the connections its previous process had, and it
// takes its sessions back with a new epoch.
func incarnation(name string) string {
	return name + "-" + strings.ToLower(rand.Text()[:6])
}

// errShuttingDown answers work that arrives once the node is stopping.
var errShuttingDown = quorum.Errorf(quorum.EUNAVAILABLE, "the server is shutting down")

// errNotFound answers a session id that cannot be one.
var errNotFound = quorum.Errorf(quorum.ESESSIONNOTFOUND, "no such session")

// owns reports whether this node owns a session now.
func (n *Node) owns(sessionID string) (*ownership, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	o, ok := n.owned[sessionID]
	return o, ok
}

// route finds where a session is served: true when this node owns it (and
// its rooms serve it), false when another node does. A session whose lease
// is free or expired becomes this node's.
func (n *Node) route(ctx context.Context, sessionID string) (bool, error) {
	if !validSessionID(sessionID) {
		return false, errNotFound
	}
	n.mu.Lock()
	_, owned := n.owned[sessionID]
	// An owner heard from lately is trusted without asking the database:
	// a hall of phones joining through this node costs it no lease query.
	r := n.remotes[sessionID]
	known := r != nil && !r.failing && time.Since(r.lastHeard) < suspectAfter
	n.mu.Unlock()
	if owned || known {
		return owned, nil
	}
	epoch, acquired, _, err := n.store.AcquireLease(ctx, sessionID, n.id, n.cfg.LeaseTTL)
	if err != nil {
		return false, err
	}
	if !acquired {
		return false, nil
	}
	if err := n.own(sessionID, epoch); err != nil {
		return false, err
	}
	return true, nil
}

// own starts serving a session whose lease this node just took: it answers
// the session's requests and renews the lease until it stops.
func (n *Node) own(sessionID string, epoch int64) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closing {
		return errShuttingDown
	}
	if o, ok := n.owned[sessionID]; ok {
		o.epoch = epoch
		o.out.setEpoch(epoch)
		return nil
	}
	o := &ownership{epoch: epoch, out: newOutbox(n, outSubject(sessionID), epoch), stop: make(chan struct{}), members: map[memberKey]*remoteMember{}}
	req, err := n.nc.Subscribe(reqSubject(sessionID), func(m *nats.Msg) { n.serveRequest(sessionID, m) })
	if err != nil {
		return err
	}
	api, err := n.nc.Subscribe(apiSubject(sessionID), func(m *nats.Msg) { go n.serveAPI(sessionID, m) })
	if err != nil {
		_ = req.Unsubscribe()
		return err
	}
	o.subs = []*nats.Subscription{req, api}
	n.owned[sessionID] = o
	n.cfg.Metrics.Owned(1)
	n.wg.Add(1)
	go n.renew(sessionID, o)
	n.log.Info("owning a session", "session", sessionID, "epoch", epoch)
	return nil
}

// renew keeps a session's lease until the session stops here, or until the
// lease is lost: then the room stops, and its clients reconnect to the new
// owner.
func (n *Node) renew(sessionID string, o *ownership) {
	defer n.wg.Done()
	t := time.NewTicker(n.cfg.LeaseTTL / 4)
	defer t.Stop()
	for {
		select {
		case <-o.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), n.cfg.LeaseTTL/2)
		err := n.store.RenewLease(ctx, sessionID, n.id, o.epoch, n.cfg.LeaseTTL)
		cancel()
		if err != nil {
			n.log.Warn("lost a session's lease; its room stops", "session", sessionID, "err", err)
			n.cfg.Metrics.LeaseLost()
			n.rooms.Abandon(sessionID)
			n.disown(sessionID, o, false)
			return
		}
	}
}

// roomStopped is the rooms' word that a session's room stopped (idle,
// deleted, abandoned, shut down): the node lets its lease go.
func (n *Node) roomStopped(sessionID string) {
	if o, ok := n.owns(sessionID); ok {
		n.disown(sessionID, o, true)
	}
}

// disown stops serving a session; with release, its lease is freed for the
// next node at once instead of at its end.
func (n *Node) disown(sessionID string, o *ownership, release bool) {
	n.mu.Lock()
	if n.owned[sessionID] != o {
		n.mu.Unlock()
		return
	}
	delete(n.owned, sessionID)
	n.mu.Unlock()
	n.cfg.Metrics.Owned(-1)
	for _, s := range o.subs {
		_ = s.Unsubscribe()
	}
	close(o.stop)
	if release {
		ctx, cancel := context.WithTimeout(context.Background(), n.cfg.LeaseTTL)
		defer cancel()
		if err := n.store.ReleaseLease(ctx, sessionID, n.id, o.epoch); err != nil {
			n.log.Warn("could not release a session's lease; it expires", "session", sessionID, "err", err)
		}
	}
}

// fenced is the rooms' store on a node: every commit checks, in its own
// transaction, that this node still owns the session with the epoch it
// took, so that an owner that was paused or cut off can never commit, and
// so never acknowledge, after another took over.
type fenced struct{ n *Node }

func (f fenced) LoadSession(ctx context.Context, id string) (*quorum.Session, error) {
	return f.n.store.LoadSession(ctx, id)
}

func (f fenced) DeleteSession(ctx context.Context, id string) (quorum.Deleted, error) {
	return f.n.store.DeleteSession(ctx, id)
}

func (f fenced) Commit(ctx context.Context, records []quorum.Record) error {
	if len(records) == 0 {
		return nil
	}
	sessionID := quorum.RecordSession(records[0])
	o, ok := f.n.owns(sessionID)
	if !ok {
		return errNotOwner
	}
	err := f.n.store.CommitFenced(ctx, sessionID, f.n.id, o.epoch, records)
	if quorum.ErrorCode(err) == quorum.EUNAVAILABLE {
		// Fenced off (another node took the session over) or cut off from
		// the database: nothing this room does can be acknowledged any
		// more. Its clients reconnect, to whichever node owns it now.
		f.n.log.Warn("a fenced commit failed; its room stops", "session", sessionID, "err", err)
		f.n.cfg.Metrics.LeaseLost()
		go func() {
			f.n.rooms.Abandon(sessionID)
			f.n.disown(sessionID, o, false)
		}()
	}
	return err
}

var errNotOwner = quorum.Errorf(quorum.EUNAVAILABLE, "this node no longer owns the session")

// Shutdown stops the node: its rooms commit what they accepted and stop,
// their leases are released for the other nodes to take at once.
func (n *Node) Shutdown(ctx context.Context) error {
	n.mu.Lock()
	n.closing = true
	n.mu.Unlock()
	err := n.rooms.Shutdown(ctx)
	n.mu.Lock()
	owned := n.owned
	n.mu.Unlock()
	for id, o := range owned {
		n.disown(id, o, true)
	}
	close(n.done)
	n.wg.Wait()
	return err
}
