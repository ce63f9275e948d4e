package cluster

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/room"
	"github.com/quorum-workshop/quorum/internal/wsconn"
)

// The side of a node whose connections use a session owned elsewhere.

// remote is a session owned by another node that connections here use.
// Its fields are under the node's lock.
type remote struct {
	subs      []*nats.Subscription
	out       *outbox // the connections' frames for the owner
	conns     map[uint64]*forwarded
	owner     string    // the node that owns the session, as far as this node knows
	epoch     int64     // and its lease's epoch: what an older owner sends is dropped
	lastHeard time.Time // when the owner last said anything
	failing   bool      // a failover is looking for the new owner
	// resync: NATS came back; once the owner is heard again (its
	// subscriptions are back too), ask it for the state and send again
	// what it may not have received.
	resync bool
}

// pendingVote is a forwarded vote waiting for its answer.
type pendingVote struct {
	in   *room.Inbound
	sent time.Time
}

// forwarded is a connection here, attached to a session owned elsewhere.
// Its mutable fields are under the node's lock.
type forwarded struct {
	n         *Node
	sessionID string
	id        uint64
	member    room.Member
	role      room.Role
	seated    chan error // the owner's answer to the attach
	out       *outbox    // its session's, on this node

	hello *room.Inbound // repeated to a new owner; a joined phone's holds its token
	// welcomed: the owner has sent this connection its own frames, so the
	// broadcasts published after them are for it too (those before are
	// older than its state).
	welcomed bool
	rehoming bool          // repeated its hello to a new owner, not yet seated
	unacked  []pendingVote // votes forwarded and not yet acknowledged or refused
	// local is this node's room once it took the session over: the
	// connection is seated there and its frames go there.
	local *room.Room
}

var _ wsconn.Session = (*forwarded)(nil)

// Attach seats a connection for its hello, here if this node owns the
// session, else on the owner.
func (n *Node) Attach(ctx context.Context, m room.Member, in *room.Inbound) (wsconn.Session, error) {
	local, err := n.route(ctx, in.Session)
	if err != nil {
		return nil, err
	}
	if local {
		return roomSession(n.rooms.Attach(ctx, m, in))
	}
	return n.forwardAttach(ctx, in.Session, opAttach, m, in)
}

// JoinAndAttach admits and seats a phone that joins in its hello.
func (n *Node) JoinAndAttach(ctx context.Context, sessionID string, m room.Member, in *room.Inbound) (wsconn.Session, error) {
	local, err := n.route(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	if local {
		return roomSession(n.rooms.JoinAndAttach(ctx, sessionID, m, in))
	}
	in.Session = sessionID
	return n.forwardAttach(ctx, sessionID, opJoinAttach, m, in)
}

// roomSession keeps a nil room a nil Session.
func roomSession(r *room.Room, _ room.Seated, err error) (wsconn.Session, error) {
	if r == nil {
		return nil, err
	}
	return r, err
}

// forwardAttach asks the owner to seat a connection and waits for its
// answer; the welcome and state come before it, through the dispatcher.
func (n *Node) forwardAttach(ctx context.Context, sessionID, op string, m room.Member, in *room.Inbound) (wsconn.Session, error) {
	f, err := n.track(sessionID, m, in)
	if err != nil {
		return nil, err
	}
	if err := f.forward(op, in); err != nil {
		n.untrack(f)
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, n.cfg.RequestTimeout)
	defer cancel()
	select {
	case err := <-f.seated:
		if err != nil {
			n.untrack(f)
			return nil, err
		}
		return f, nil
	case <-ctx.Done():
		// The owner may still seat it: the caller detaches what it gets.
		return f, ctx.Err()
	}
}

// track registers a connection for a session owned elsewhere, subscribing
// to the session's broadcasts with the first one.
func (n *Node) track(sessionID string, m room.Member, hello *room.Inbound) (*forwarded, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closing {
		return nil, errShuttingDown
	}
	r := n.remotes[sessionID]
	if r == nil {
		r = &remote{conns: map[uint64]*forwarded{}, out: newOutbox(n, "", 0), lastHeard: time.Now()}
		for _, subject := range []string{outSubject(sessionID), nodeOutSubject(sessionID, n.id)} {
			sub, err := n.nc.ChanSubscribe(subject, n.inbox)
			if err != nil {
				for _, s := range r.subs {
					_ = s.Unsubscribe()
				}
				return nil, quorum.Errorf(quorum.EUNAVAILABLE, "the message bus is not answering: %v", err)
			}
			r.subs = append(r.subs, sub)
		}
		n.remotes[sessionID] = r
	}
	n.nextConn++
	f := &forwarded{n: n, sessionID: sessionID, id: n.nextConn, member: m, role: hello.Role, seated: make(chan error, 1), out: r.out, hello: hello}
	r.conns[f.id] = f
	return f, nil
}

// untrack forgets a connection, and the session's broadcasts with the last.
func (n *Node) untrack(f *forwarded) {
	n.mu.Lock()
	defer n.mu.Unlock()
	r := n.remotes[f.sessionID]
	if r == nil {
		return
	}
	delete(r.conns, f.id)
	if len(r.conns) == 0 {
		for _, s := range r.subs {
			_ = s.Unsubscribe()
		}
		delete(n.remotes, f.sessionID)
	}
}

// forward sends one of the connection's frames to the session's owner,
// with those of the session's other connections here that are waiting.
func (f *forwarded) forward(op string, in *room.Inbound) error {
	e := entry{op: op, conn: f.id}
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		e.rehome, e.data = in.Rehome, data
	}
	if err := f.out.send(reqSubject(f.sessionID), e); err != nil {
		return quorum.Errorf(quorum.EUNAVAILABLE, "the message bus is not answering: %v", err)
	}
	return nil
}

// answer hands the owner's answer to the attach, unless one came already.
func (f *forwarded) answer(err error) {
	select {
	case f.seated <- err:
	default:
	}
}

// here is the room the connection is seated in on this node, if any.
func (f *forwarded) here() *room.Room {
	f.n.mu.Lock()
	defer f.n.mu.Unlock()
	return f.local
}

// Vote forwards a vote, and keeps it until it is answered: a new owner gets
// it again, with its id, so that it counts once whoever committed it.
func (f *forwarded) Vote(_ room.Member, in *room.Inbound) error {
	f.n.mu.Lock()
	local := f.local
	if local == nil && in.ID != "" {
		f.unacked = append(f.unacked, pendingVote{in, time.Now()})
	}
	f.n.mu.Unlock()
	if local != nil {
		return local.Vote(f.member, in)
	}
	return f.forward(opVote, in)
}

func (f *forwarded) React(_ room.Member, in *room.Inbound) error {
	if r := f.here(); r != nil {
		return r.React(f.member, in)
	}
	return f.forward(opReact, in)
}

func (f *forwarded) Command(_ room.Member, in *room.Inbound) error {
	if r := f.here(); r != nil {
		return r.Command(f.member, in)
	}
	return f.forward(opCommand, in)
}

func (f *forwarded) Proxy(_ room.Member, in *room.Inbound) error {
	if r := f.here(); r != nil {
		return r.Proxy(f.member, in)
	}
	return f.forward(opProxy, in)
}

func (f *forwarded) Detach(room.Member) error {
	if r := f.here(); r != nil {
		return r.Detach(f.member)
	}
	f.n.untrack(f)
	return f.forward(opDetach, nil)
}

// answered forgets an unacknowledged vote once the owner answered it.
func (f *forwarded) answered(id string) {
	for i, v := range f.unacked {
		if v.in.ID == id {
			f.unacked = append(f.unacked[:i], f.unacked[i+1:]...)
			return
		}
	}
}

// resend forwards again the votes not answered since before a time (all
// of them, to a new owner). Under the node's lock.
func (f *forwarded) resend(sentBefore time.Time) {
	for i, v := range f.unacked {
		if v.sent.Before(sentBefore) {
			_ = f.forward(opVote, v.in)
			f.unacked[i].sent = time.Now()
		}
	}
}

// dispatch hands the owners' messages to this node's connections, one at a
// time, in the order NATS delivered them.
func (n *Node) dispatch() {
	defer n.wg.Done()
	for {
		select {
		case msg := <-n.inbox:
			n.deliver(msg)
		case <-n.done:
			return
		}
	}
}

// sessionOfSubject reads the session id out of an out subject.
func sessionOfSubject(subject string) string {
	rest, _ := strings.CutPrefix(subject, "quorum.session.")
	id, _, _ := strings.Cut(rest, ".")
	return id
}

// deliver hands an owner's message to this node's connections of the
// session.
func (n *Node) deliver(msg *nats.Msg) {
	sessionID := sessionOfSubject(msg.Subject)
	var entries []entry
	if msg.Header.Get(hdrOp) == opBatch {
		var err error
		if entries, err = decodeEntries(msg.Data); err != nil {
			n.log.Warn("undecodable frames from an owner", "session", sessionID, "err", err)
			return
		}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	r := n.remotes[sessionID]
	if r == nil {
		return
	}
	// An owner replaced by a newer one (it was paused, or cut off) may
	// still speak: only the newest is heard.
	epoch := epochOf(msg)
	if epoch < r.epoch {
		return
	}
	r.owner, r.epoch, r.lastHeard = msg.Header.Get(hdrNode), epoch, time.Now()
	if r.resync {
		r.resync = false
		_ = r.out.send(reqSubject(sessionID), entry{op: opResync})
		for _, f := range r.conns {
			if !f.rehoming {
				f.resend(time.Now())
			}
		}
	}
	for i := range entries {
		r.deliver(&entries[i])
	}
}

// deliver hands one entry of the owner's to its connections. Under the
// node's lock.
func (r *remote) deliver(e *entry) {
	frame := room.Frame(e.data)
	switch e.op {
	case opState, opResults, opSend:
		role := room.Role(e.role)
		for _, f := range r.conns {
			if f.role != role || !f.welcomed {
				continue
			}
			switch e.op {
			case opState:
				f.member.SetResults(nil)
				f.member.Send(&frame)
			case opResults:
				f.member.SetResults(&frame)
			default:
				f.member.Send(&frame)
			}
		}
		return
	}
	f := r.conns[e.conn]
	if f == nil {
		return
	}
	switch e.op {
	case opFrame:
		f.welcomed = true
		f.member.Send(&frame)
		if len(f.unacked) > 0 {
			if id := replyTo(frame); id != "" {
				f.answered(id)
			}
		}
	case opKick:
		code, _ := strconv.Atoi(e.code)
		f.member.Kick(code, e.text)
	case opSeated:
		if e.token != "" {
			// Joined in its hello: a new owner seats it by its token.
			f.hello = &room.Inbound{Type: "hello", Role: room.RoleParticipant, Session: f.sessionID, Token: e.token}
		}
		if f.rehoming {
			f.rehoming = false
			f.resend(time.Now())
		}
		f.answer(nil) // its hello may still wait, if a failover began meanwhile
	case opRefused:
		if f.rehoming {
			f.member.Kick(room.CloseServiceRestart, "server restarting")
		}
		f.answer(errorOf(e))
	}
}
