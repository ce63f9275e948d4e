package cluster

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"

	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/room"
)

// Subjects. A session's id is a UUID (checked before it is used in one), so
// it is one token of a subject and cannot widen a subscription.
//
//   - quorum.session.<id>.req: connections' frames for the session's owner,
//     from the nodes that hold them, in order per node;
//   - quorum.session.<id>.api: the HTTP API's calls for the owner
//     (request-reply);
//   - quorum.session.<id>.out: the owner's broadcasts, one message per role,
//     which every node holding connections of the session fans out;
//   - quorum.session.<id>.out.<node>: what the owner sends one node's
//     connections alone (their welcome, a reply, a kick).
//
// A node takes the two out subjects into one channel, so that what the
// owner published in one order is handed to the connections in that order.
func reqSubject(sessionID string) string { return "quorum.session." + sessionID + ".req" }
func apiSubject(sessionID string) string { return "quorum.session." + sessionID + ".api" }
func outSubject(sessionID string) string { return "quorum.session." + sessionID + ".out" }
func nodeOutSubject(sessionID, node string) string {
	return outSubject(sessionID) + "." + node
}

// validSessionID reports whether id may name a session in a subject.
func validSessionID(id string) bool {
	u, err := uuid.Parse(id)
	return err == nil && u.String() == id
}

// Headers of the cluster's messages. A batch's entries carry the rest.
const (
	hdrOp    = "Quorum-Op"    // opBatch, or opAlive
	hdrNode  = "Quorum-Node"  // the node that sent the message
	hdrEpoch = "Quorum-Epoch" // the lease epoch an owner's message was sent under
)

// nodesSubject carries every node's heartbeat: an owner forgets the
// connections of a node it no longer hears.
const nodesSubject = "quorum.nodes.alive"

// Ops of messages.
const (
	opBatch = "batch" // data: entries, see outbox
	opAlive = "alive" // a node, or an owner to its session's nodes, is there
)

// Ops of a node's entries for an owner (req).
const (
	opAttach     = "attach"      // data: the hello
	opJoinAttach = "join-attach" // data: the hello with a join code's name and group
	opVote       = "vote"        // data: the frame
	opReact      = "react"
	opCommand    = "command"
	opProxy      = "proxy"
	opDetach     = "detach"
	opResync     = "resync" // send this node's connections their state again
)

// Ops of an owner's entries for nodes (out, out.<node>).
const (
	opState   = "state"   // a full state for a role
	opResults = "results" // a live-results update for a role
	opSend    = "send"    // any other frame for a role
	opFrame   = "frame"   // a frame for one connection
	opKick    = "kick"    // close one connection
	opSeated  = "seated"  // a connection's attach is done
	opRefused = "refused" // a connection's attach was refused
)

// msg is a message of this node's.
func (n *Node) msg(subject, op string) *nats.Msg {
	m := nats.NewMsg(subject)
	m.Header.Set(hdrOp, op)
	m.Header.Set(hdrNode, n.id)
	return m
}

// ownerMsg is a message of this node as a session's owner under epoch:
// nodes drop what an owner sends after a newer one took over.
func (n *Node) ownerMsg(subject, op string, epoch int64) *nats.Msg {
	m := n.msg(subject, op)
	m.Header.Set(hdrEpoch, strconv.FormatInt(epoch, 10))
	return m
}

func epochOf(m *nats.Msg) int64 {
	e, _ := strconv.ParseInt(m.Header.Get(hdrEpoch), 10, 64)
	return e
}

// entry is one frame or event of a batch.
type entry struct {
	op         string
	conn       uint64 // the connection's number on its node
	role       string // the role a broadcast is for
	token      string // a participant's token, for its node to re-seat it with
	code, text string // a close code and text, or an error code and message
	rehome     bool   // a hello repeated for a connection that stays open
	data       []byte // a frame, or a forwarded frame's JSON
}

// appendEntry encodes an entry: its strings and data each after their
// length, its numbers as uvarints.
func appendEntry(b []byte, e *entry) []byte {
	for _, s := range [...]string{e.op, e.role, e.token, e.code, e.text} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.AppendUvarint(b, e.conn)
	rehome := byte(0)
	if e.rehome {
		rehome = 1
	}
	b = append(b, rehome)
	b = binary.AppendUvarint(b, uint64(len(e.data)))
	return append(b, e.data...)
}

var errBadBatch = errors.New("a batch that does not decode")

// decodeEntries reads a batch's entries; their data are views of b.
func decodeEntries(b []byte) ([]entry, error) {
	var entries []entry
	next := func() ([]byte, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return nil, false
		}
		v := b[k : k+int(n)]
		b = b[k+int(n):]
		return v, true
	}
	for len(b) > 0 {
		var e entry
		for _, s := range [...]*string{&e.op, &e.role, &e.token, &e.code, &e.text} {
			v, ok := next()
			if !ok {
				return nil, errBadBatch
			}
			*s = string(v)
		}
		conn, k := binary.Uvarint(b)
		if k <= 0 || len(b) < k+1 {
			return nil, errBadBatch
		}
		e.conn, e.rehome, b = conn, b[k] == 1, b[k+1:]
		data, ok := next()
		if !ok {
			return nil, errBadBatch
		}
		e.data = data
		entries = append(entries, e)
	}
	return entries, nil
}

// errorEntry is an entry that carries a coded error.
func errorEntry(op string, conn uint64, err error) entry {
	return entry{op: op, conn: conn, code: quorum.ErrorCode(err), text: quorum.ErrorMessage(err)}
}

// errorOf reads the coded error errorEntry put in, so that a refusal on
// the owner reaches the client as if the owner were this node.
func errorOf(e *entry) error {
	return quorum.Errorf(e.code, "%s", e.text)
}

// apiCall is one call of the HTTP API forwarded to a session's owner.
type apiCall struct {
	Op      string          `json:"op"` // join, act, state, delete, info
	Key     string          `json:"key,omitempty"`
	Name    string          `json:"name,omitempty"`
	Segment string          `json:"segment,omitempty"`
	Secret  string          `json:"secret,omitempty"`
	Command *quorum.Command `json:"command,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"` // the answer's value
	Code    string          `json:"code,omitempty"`   // the answer's error
	Message string          `json:"message,omitempty"`
}

// replyTo reads which frame of a client a server frame answers: an ack's or
// an error's id ("" for anything else).
func replyTo(f room.Frame) string {
	i := bytes.IndexByte(f, '{')
	if i < 0 {
		return ""
	}
	var v struct{ Type, ID string }
	if json.Unmarshal(f[i:], &v) != nil || v.Type != "ack" && v.Type != "error" {
		return ""
	}
	return v.ID
}

// inbound decodes a forwarded frame as the connection's node read it.
func inbound(data []byte) (*room.Inbound, error) {
	in := new(room.Inbound)
	return in, json.Unmarshal(data, in)
}
