package cluster

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/nats-io/nats.go"

	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/room"
)

// The HTTP API's calls, run by the session's owner wherever they arrive.

// Join admits a participant to a session.
func (n *Node) Join(ctx context.Context, sessionID, name, segment, clientSecret string) (room.JoinResult, error) {
	return onOwner(ctx, n, sessionID, apiCall{Op: "join", Name: name, Segment: segment, Secret: clientSecret},
		func() (room.JoinResult, error) { return n.rooms.Join(ctx, sessionID, name, segment, clientSecret) })
}

// Act applies a host command.
func (n *Node) Act(ctx context.Context, sessionID, hostKey string, cmd quorum.Command) (*room.StateMsg, error) {
	return onOwner(ctx, n, sessionID, apiCall{Op: "act", Key: hostKey, Command: &cmd},
		func() (*room.StateMsg, error) { return n.rooms.Act(ctx, sessionID, hostKey, cmd) })
}

// HostState returns the host's view of a session.
func (n *Node) HostState(ctx context.Context, sessionID, hostKey string) (*room.StateMsg, error) {
	return onOwner(ctx, n, sessionID, apiCall{Op: "state", Key: hostKey},
		func() (*room.StateMsg, error) { return n.rooms.HostState(ctx, sessionID, hostKey) })
}

// Delete removes a session and its data for its host.
func (n *Node) Delete(ctx context.Context, sessionID, hostKey string) (quorum.Deleted, error) {
	return onOwner(ctx, n, sessionID, apiCall{Op: "delete", Key: hostKey},
		func() (quorum.Deleted, error) { return n.rooms.Delete(ctx, sessionID, hostKey) })
}

// Purge removes a session for the retention job.
func (n *Node) Purge(ctx context.Context, sessionID string) error {
	_, err := onOwner(ctx, n, sessionID, apiCall{Op: "purge"},
		func() (struct{}, error) { return struct{}{}, n.rooms.Purge(ctx, sessionID) })
	return err
}

// PublicInfo returns what anyone with the join code may know of a session.
func (n *Node) PublicInfo(ctx context.Context, sessionID string) (room.PublicInfo, error) {
	return onOwner(ctx, n, sessionID, apiCall{Op: "info"},
		func() (room.PublicInfo, error) { return n.rooms.PublicInfo(ctx, sessionID) })
}

// onOwner runs a call here if this node owns the session, else on its owner.
func onOwner[T any](ctx context.Context, n *Node, sessionID string, call apiCall, here func() (T, error)) (T, error) {
	var zero T
	local, err := n.route(ctx, sessionID)
	if err != nil {
		return zero, err
	}
	if local {
		return here()
	}
	data, err := json.Marshal(call)
	if err != nil {
		return zero, err
	}
	ctx, cancel := context.WithTimeout(ctx, n.cfg.RequestTimeout)
	defer cancel()
	msg, err := n.nc.RequestWithContext(ctx, apiSubject(sessionID), data)
	switch {
	case errors.Is(err, nats.ErrNoResponders), errors.Is(err, context.DeadlineExceeded):
		return zero, errOwnerAway
	case err != nil:
		return zero, quorum.Errorf(quorum.EUNAVAILABLE, "the message bus is not answering: %v", err)
	}
	var answer apiCall
	if err := json.Unmarshal(msg.Data, &answer); err != nil {
		return zero, err
	}
	if answer.Code != "" {
		return zero, quorum.Errorf(answer.Code, "%s", answer.Message)
	}
	var v T
	return v, json.Unmarshal(answer.Result, &v)
}

// errOwnerAway answers a call whose owner did not: it is stopping, or
// gone, and another node takes the session over once its lease runs out.
var errOwnerAway = quorum.Errorf(quorum.EUNAVAILABLE, "the server running this session is not answering; try again in a few seconds")
