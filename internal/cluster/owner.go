package cluster

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/room"
)

// The owner's side: it seats other nodes' connections in its rooms as
// remote members, runs their frames, and publishes what its rooms send.

// relay is a room's relay on this node: it publishes each broadcast once,
// on the session's out subject, through the session's outbox.
func (n *Node) relay(sessionID string) room.Relay {
	if o, ok := n.owns(sessionID); ok {
		return sessionRelay{o.out, outSubject(sessionID)}
	}
	return sessionRelay{newOutbox(n, outSubject(sessionID), 0), outSubject(sessionID)}
}

type sessionRelay struct {
	out     *outbox
	subject string
}

func (r sessionRelay) State(role room.Role, f *room.Frame)   { r.toRole(opState, role, f) }
func (r sessionRelay) Results(role room.Role, f *room.Frame) { r.toRole(opResults, role, f) }
func (r sessionRelay) Send(role room.Role, f *room.Frame)    { r.toRole(opSend, role, f) }
func (r sessionRelay) Flush()                                { _ = r.out.flush() }

func (r sessionRelay) toRole(op string, role room.Role, f *room.Frame) {
	r.out.add(r.subject, entry{op: op, role: string(role), data: *f})
}

// publish sends a message without waiting: a room never blocks on NATS.
// While NATS is away, the client buffers it; a node that misses a
// broadcast is brought up to date by the next state.
func (n *Node) publish(m *nats.Msg) error {
	err := n.nc.PublishMsg(m)
	if err != nil {
		n.log.Warn("publish failed", "subject", m.Subject, "err", err)
	}
	return err
}

// remoteMember is another node's connection, seated in a room here.
type remoteMember struct {
	node    string
	conn    uint64
	subject string  // the node's out subject for this session
	out     *outbox // the session's, under the lease this node held when it seated the connection
	room    *room.Room
}

func (m *remoteMember) Node() string { return m.node }

// Send is for this connection alone (its welcome, a reply, an ack). The
// room calls it from its goroutine and flushes when its batch is done.
func (m *remoteMember) Send(f *room.Frame) {
	m.out.add(m.subject, entry{op: opFrame, conn: m.conn, data: *f})
}

// SetResults is never called for a remote member: results go through the
// relay to every connection of the role at once.
func (m *remoteMember) SetResults(*room.Frame) {}

// Kick is also called outside the room's goroutine: it flushes.
func (m *remoteMember) Kick(code int, text string) {
	_ = m.out.send(m.subject, entry{op: opKick, conn: m.conn, code: strconv.Itoa(code), text: text})
}

// serveRequest runs the frames another node forwarded for a session this
// node owns. NATS hands a subscription's messages over one at a time and in
// order, so one node's frames reach the room in the order its clients sent
// them; only a hello, which waits for its commit, runs on its own.
func (n *Node) serveRequest(sessionID string, msg *nats.Msg) {
	o, ok := n.owns(sessionID)
	if !ok {
		return
	}
	node := msg.Header.Get(hdrNode)
	entries, err := decodeEntries(msg.Data)
	if err != nil {
		n.log.Warn("undecodable forwarded frames", "session", sessionID, "node", node, "err", err)
		return
	}
	n.mu.Lock()
	n.seen[node] = time.Now() // a node that sends is alive
	n.mu.Unlock()
	for i := range entries {
		n.serveEntry(sessionID, o, node, &entries[i])
	}
}

// serveEntry runs one forwarded frame.
func (n *Node) serveEntry(sessionID string, o *ownership, node string, e *entry) {
	key := memberKey{node: node, conn: e.conn}
	var in *room.Inbound
	if e.op != opDetach && e.op != opResync {
		var err error
		if in, err = inbound(e.data); err != nil {
			n.log.Warn("undecodable forwarded frame", "session", sessionID, "op", e.op, "err", err)
			return
		}
	}
	switch e.op {
	case opResync:
		n.mu.Lock()
		var seated []*remoteMember
		for k, m := range o.members {
			if k.node == node && m.room != nil {
				seated = append(seated, m)
			}
		}
		n.mu.Unlock()
		for _, m := range seated {
			_ = m.room.Resync(m)
		}
		return
	case opAttach, opJoinAttach:
		in.Rehome = e.rehome
		m := &remoteMember{node: node, conn: e.conn, subject: nodeOutSubject(sessionID, node), out: o.out}
		n.mu.Lock()
		o.members[key] = m
		n.mu.Unlock()
		go n.seat(sessionID, e.op, m, in)
		return
	}
	n.mu.Lock()
	m := o.members[key]
	var r *room.Room
	if m != nil {
		r = m.room
	}
	if e.op == opDetach {
		delete(o.members, key)
	}
	n.mu.Unlock()
	if r == nil {
		return // a frame after its connection left, or before its seat: dropped, as a closed socket's
	}
	var err error
	switch e.op {
	case opVote:
		err = r.Vote(m, in)
	case opReact:
		err = r.React(m, in)
	case opCommand:
		err = r.Command(m, in)
	case opProxy:
		err = r.Proxy(m, in)
	case opDetach:
		err = r.Detach(m)
	}
	if err != nil {
		m.Kick(room.CloseServiceRestart, "server restarting")
	}
}

// seat attaches another node's connection and tells that node how it went,
// after the welcome and state the room sent it.
func (n *Node) seat(sessionID, op string, m *remoteMember, in *room.Inbound) {
	ctx, cancel := context.WithTimeout(context.Background(), n.cfg.RequestTimeout)
	defer cancel()
	var (
		r      *room.Room
		seated room.Seated
		err    error
	)
	if op == opJoinAttach {
		r, seated, err = n.rooms.JoinAndAttach(ctx, sessionID, m, in)
	} else {
		r, seated, err = n.rooms.Attach(ctx, m, in)
	}
	if err != nil && r != nil {
		_ = r.Detach(m) // it may have been seated after the deadline
	}
	if err != nil {
		if o, ok := n.owns(sessionID); ok {
			n.mu.Lock()
			delete(o.members, memberKey{m.node, m.conn})
			n.mu.Unlock()
		}
		_ = m.out.send(m.subject, errorEntry(opRefused, m.conn, err))
		return
	}
	n.mu.Lock()
	m.room = r
	n.mu.Unlock()
	// After the welcome and state the room queued for it.
	_ = m.out.send(m.subject, entry{op: opSeated, conn: m.conn, token: seated.Token})
}

// serveAPI answers an HTTP API call another node forwarded.
func (n *Node) serveAPI(sessionID string, msg *nats.Msg) {
	var call apiCall
	var result any
	err := json.Unmarshal(msg.Data, &call)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), n.cfg.RequestTimeout)
		defer cancel()
		result, err = n.localAPI(ctx, sessionID, &call)
	}
	answer := apiCall{Op: call.Op}
	if err != nil {
		answer.Code, answer.Message = quorum.ErrorCode(err), quorum.ErrorMessage(err)
	} else if answer.Result, err = json.Marshal(result); err != nil {
		answer.Code, answer.Message = quorum.EINTERNAL, "internal error"
	}
	data, _ := json.Marshal(answer) // plain fields always marshal
	_ = msg.Respond(data)
}

// localAPI runs an HTTP API call on this node's rooms.
func (n *Node) localAPI(ctx context.Context, sessionID string, call *apiCall) (any, error) {
	switch call.Op {
	case "join":
		return n.rooms.Join(ctx, sessionID, call.Name, call.Segment, call.Secret)
	case "act":
		if call.Command == nil {
			return nil, quorum.Errorf(quorum.EINVALIDREQUEST, "an action needs a command")
		}
		return n.rooms.Act(ctx, sessionID, call.Key, *call.Command)
	case "state":
		return n.rooms.HostState(ctx, sessionID, call.Key)
	case "delete":
		return n.rooms.Delete(ctx, sessionID, call.Key)
	case "purge":
		return nil, n.rooms.Purge(ctx, sessionID)
	case "info":
		return n.rooms.PublicInfo(ctx, sessionID)
	}
	return nil, quorum.Errorf(quorum.EINVALIDREQUEST, "unknown call %q", call.Op)
}
