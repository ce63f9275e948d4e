package cluster

import (
	"bytes"
	"encoding/json"
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

// Headers of the cluster's messages; the data is a frame or JSON.
const (
	hdrOp          = "Quorum-Op"          // what a message is, below
	hdrNode        = "Quorum-Node"        // the node that sent a request
	hdrConn        = "Quorum-Conn"        // a connection's number on its node
	hdrRole        = "Quorum-Role"        // the role a broadcast is for
	hdrParticipant = "Quorum-Participant" // the participant an ack is for
	hdrCode        = "Quorum-Code"        // a close code, or an error code
	hdrText        = "Quorum-Text"        // a close text, or an error message
	hdrToken       = "Quorum-Token"       // a participant's token, for its node to re-seat it with
	hdrRehome      = "Quorum-Rehome"      // a hello repeated for a connection that stays open
	hdrEpoch       = "Quorum-Epoch"       // the lease epoch an owner's message was sent under
)

// nodesSubject carries every node's heartbeat: an owner forgets the
// connections of a node it no longer hears.
const nodesSubject = "quorum.nodes.alive"

// Ops of a node's requests to an owner (req).
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

// Ops of an owner's messages to nodes (out, out.<node>).
const (
	opState       = "state"       // a full state for a role
	opResults     = "results"     // a live-results update for a role
	opSend        = "send"        // any other frame for a role
	opParticipant = "participant" // a frame for one participant's connections
	opFrame       = "frame"       // a frame for one connection
	opKick        = "kick"        // close one connection
	opSeated      = "seated"      // a connection's attach is done
	opRefused     = "refused"     // a connection's attach was refused
	opAlive       = "alive"       // the owner is there (a heartbeat)
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

func connOf(m *nats.Msg) uint64 {
	n, _ := strconv.ParseUint(m.Header.Get(hdrConn), 10, 64)
	return n
}

func setConn(m *nats.Msg, conn uint64) { m.Header.Set(hdrConn, strconv.FormatUint(conn, 10)) }

// setError puts a coded error in a message's headers.
func setError(m *nats.Msg, err error) {
	m.Header.Set(hdrCode, quorum.ErrorCode(err))
	m.Header.Set(hdrText, quorum.ErrorMessage(err))
}

// errorOf reads the coded error setError put in, so that a refusal on the
// owner reaches the client as if the owner were this node.
func errorOf(m *nats.Msg) error {
	return quorum.Errorf(m.Header.Get(hdrCode), "%s", m.Header.Get(hdrText))
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
