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
// on the session's out subject.
func (n *Node) relay(sessionID string) room.Relay {
	var epoch int64
	if o, ok := n.owns(sessionID); ok {
		epoch = o.epoch
	}
	return sessionRelay{n, outSubject(sessionID), epoch}
}

type sessionRelay struct {
	n       *Node
	subject string
	epoch   int64
}

func (r sessionRelay) State(role room.Role, f *room.Frame)   { r.toRole(opState, role, f) }
func (r sessionRelay) Results(role room.Role, f *room.Frame) { r.toRole(opResults, role, f) }
func (r sessionRelay) Send(role room.Role, f *room.Frame)    { r.toRole(opSend, role, f) }

func (r sessionRelay) ToParticipant(participantID string, f *room.Frame) {
	m := r.n.ownerMsg(r.subject, opParticipant, r.epoch)
	m.Header.Set(hdrParticipant, participantID)
	m.Data = *f
	r.n.publish(m)
}

func (r sessionRelay) toRole(op string, role room.Role, f *room.Frame) {
	m := r.n.ownerMsg(r.subject, op, r.epoch)
	m.Header.Set(hdrRole, string(role))
	m.Data = *f
	r.n.publish(m)
}

// publish sends a message without waiting: a room never blocks on NATS.
// While NATS is away, the client buffers it; a node that misses a
// broadcast is brought up to date by the next state.
func (n *Node) publish(m *nats.Msg) {
	if err := n.nc.PublishMsg(m); err != nil {
		n.log.Warn("publish failed", "subject", m.Subject, "err", err)
	}
}

// remoteMember is another node's connection, seated in a room here.
type remoteMember struct {
	n       *Node
	node    string
	conn    uint64
	subject string // the node's out subject for this session
	epoch   int64  // the owner's, when it seated the connection
	room    *room.Room
}

func (m *remoteMember) Node() string { return m.node }

// Send is for this connection alone (its welcome, a reply).
func (m *remoteMember) Send(f *room.Frame) {
	msg := m.n.ownerMsg(m.subject, opFrame, m.epoch)
	setConn(msg, m.conn)
	msg.Data = *f
	m.n.publish(msg)
}

// SetResults is never called for a remote member: results go through the
// relay to every connection of the role at once.
func (m *remoteMember) SetResults(*room.Frame) {}

func (m *remoteMember) Kick(code int, text string) {
	msg := m.n.ownerMsg(m.subject, opKick, m.epoch)
	setConn(msg, m.conn)
	msg.Header.Set(hdrCode, strconv.Itoa(code))
	msg.Header.Set(hdrText, text)
	m.n.publish(msg)
}

// serveRequest runs one frame another node forwarded for a session this
// node owns. NATS hands a subscription's messages over one at a time and in
// order, so one node's frames reach the room in the order its clients sent
// them; only a hello, which waits for its commit, runs on its own.
func (n *Node) serveRequest(sessionID string, msg *nats.Msg) {
	o, ok := n.owns(sessionID)
	if !ok {
		return
	}
	key := memberKey{node: msg.Header.Get(hdrNode), conn: connOf(msg)}
	op := msg.Header.Get(hdrOp)
	in, err := inbound(msg.Data)
	if err != nil && op != opDetach && op != opResync {
		n.log.Warn("undecodable forwarded frame", "session", sessionID, "op", op, "err", err)
		return
	}
	switch op {
	case opResync:
		n.mu.Lock()
		n.seen[key.node] = time.Now()
		var seated []*remoteMember
		for k, m := range o.members {
			if k.node == key.node && m.room != nil {
				seated = append(seated, m)
			}
		}
		n.mu.Unlock()
		for _, m := range seated {
			_ = m.room.Resync(m)
		}
		return
	case opAttach, opJoinAttach:
		in.Rehome = msg.Header.Get(hdrRehome) != ""
		m := &remoteMember{n: n, node: key.node, conn: key.conn, subject: nodeOutSubject(sessionID, key.node), epoch: o.epoch}
		n.mu.Lock()
		n.seen[key.node] = time.Now()
		o.members[key] = m
		n.mu.Unlock()
		go n.seat(sessionID, op, m, in)
		return
	}
	n.mu.Lock()
	n.seen[key.node] = time.Now() // a node that sends is alive
	m := o.members[key]
	var r *room.Room
	if m != nil {
		r = m.room
	}
	if op == opDetach {
		delete(o.members, key)
	}
	n.mu.Unlock()
	if r == nil {
		return // a frame after its connection left, or before its seat: dropped, as a closed socket's
	}
	switch op {
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
	reply := n.ownerMsg(m.subject, opSeated, m.epoch)
	setConn(reply, m.conn)
	if err != nil {
		reply.Header.Set(hdrOp, opRefused)
		setError(reply, err)
		if o, ok := n.owns(sessionID); ok {
			n.mu.Lock()
			delete(o.members, memberKey{m.node, m.conn})
			n.mu.Unlock()
		}
	} else {
		n.mu.Lock()
		m.room = r
		n.mu.Unlock()
		reply.Header.Set(hdrParticipant, seated.ParticipantID)
		if seated.Token != "" {
			reply.Header.Set(hdrToken, seated.Token)
		}
	}
	n.publish(reply)
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
