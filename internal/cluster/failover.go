package cluster

import (
	"context"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/quorum-workshop/quorum/internal/room"
)

// How nodes notice each other going: every node and every owner speaks up
// every heartbeat; one silent for suspectAfter is taken for gone.
const (
	heartbeat    = 500 * time.Millisecond
	suspectAfter = 3 * time.Second
	resendAfter  = 2 * time.Second // a forwarded vote unanswered for this long is sent again
)

// watch is the node's heartbeat and its watch over the others: it tells the
// cluster this node is alive, and each session's other nodes that their
// owner is; it starts a failover for a session whose owner went silent, and
// forgets the connections of a node that went silent.
func (n *Node) watch() {
	defer n.wg.Done()
	t := time.NewTicker(heartbeat)
	defer t.Stop()
	for {
		select {
		case <-n.done:
			return
		case <-t.C:
		}
		_ = n.publish(n.msg(nodesSubject, opAlive))
		now := time.Now()
		var gone []*remoteMember
		n.mu.Lock()
		for id, o := range n.owned {
			if len(o.members) > 0 {
				_ = n.publish(n.ownerMsg(outSubject(id), opAlive, o.epoch))
			}
			gone = append(gone, n.forgetSilentNodes(o, now)...)
		}
		for id, r := range n.remotes {
			// An owner never heard from yet (epoch 0) is still answering
			// a first hello, which has a deadline of its own.
			if !r.failing && r.epoch > 0 && now.Sub(r.lastHeard) > suspectAfter {
				r.failing = true
				n.wg.Add(1)
				go n.failover(id)
			}
			// A vote unanswered for a while was lost on the way (it counts
			// once all the same, by its id).
			for _, f := range r.conns {
				if !f.rehoming {
					f.resend(now.Add(-resendAfter))
				}
			}
		}
		n.mu.Unlock()
		// Not under the lock: a room's commit asks the node whether it still
		// owns the session.
		for _, m := range gone {
			_ = m.room.Detach(m)
		}
	}
}

// heard notes another node's heartbeat.
func (n *Node) heard(msg *nats.Msg) {
	n.mu.Lock()
	n.seen[msg.Header.Get(hdrNode)] = time.Now()
	n.mu.Unlock()
}

// forgetSilentNodes forgets the connections of nodes not heard from for
// suspectAfter, and returns those seated, for their rooms to detach: their
// phones no longer count as connected. Under n.mu.
func (n *Node) forgetSilentNodes(o *ownership, now time.Time) []*remoteMember {
	var gone []*remoteMember
	for key, m := range o.members {
		if seen, ok := n.seen[key.node]; ok && now.Sub(seen) <= suspectAfter {
			continue
		}
		delete(o.members, key)
		if m.room != nil {
			gone = append(gone, m)
		}
	}
	return gone
}

// failover finds the new owner of a session whose owner went silent, and
// moves this node's connections of it there without closing them: to this
// node if its lease is free (or once it expires), or to whichever node took
// it. A vote they sent and got no answer for is sent again with its id, so
// that it counts once whoever committed it. An owner that speaks again was
// only slow, and keeps its session.
func (n *Node) failover(sessionID string) {
	defer n.wg.Done()
	n.log.Warn("a session's owner is silent; looking for its new owner", "session", sessionID)
	start := time.Now()
	t := time.NewTicker(heartbeat)
	defer t.Stop()
	for {
		n.mu.Lock()
		r := n.remotes[sessionID]
		if r == nil || n.closing {
			n.mu.Unlock()
			return
		}
		silent, lastEpoch := time.Since(r.lastHeard) > suspectAfter, r.epoch
		if !silent {
			r.failing = false
			n.mu.Unlock()
			return
		}
		n.mu.Unlock()

		ctx, cancel := context.WithTimeout(context.Background(), n.cfg.LeaseTTL)
		epoch, acquired, owner, err := n.store.AcquireLease(ctx, sessionID, n.id, n.cfg.LeaseTTL)
		cancel()
		switch {
		case err != nil:
			n.log.Warn("failover: the lease cannot be read", "session", sessionID, "err", err)
		case acquired:
			if err := n.own(sessionID, epoch); err == nil {
				n.rehomeHere(sessionID)
				n.cfg.Metrics.FailedOver(true, time.Since(start))
				return
			}
		case owner != "" && epoch > lastEpoch:
			n.rehomeTo(sessionID, owner, epoch)
			n.cfg.Metrics.FailedOver(false, time.Since(start))
			return
		}
		select {
		case <-n.done:
			return
		case <-t.C:
		}
	}
}

// rehomeHere seats this node's connections of a session it just took over
// in its own room, and hands it their unanswered votes.
func (n *Node) rehomeHere(sessionID string) {
	n.mu.Lock()
	r := n.remotes[sessionID]
	delete(n.remotes, sessionID)
	n.mu.Unlock()
	if r == nil {
		return
	}
	for _, s := range r.subs {
		_ = s.Unsubscribe()
	}
	moved := 0
	for _, f := range r.conns {
		hello := *f.hello
		hello.Rehome = true
		ctx, cancel := context.WithTimeout(context.Background(), n.cfg.RequestTimeout)
		local, _, err := n.rooms.Attach(ctx, f.member, &hello)
		cancel()
		if err != nil {
			f.member.Kick(room.CloseServiceRestart, "server restarting")
			continue
		}
		n.mu.Lock()
		f.local = local
		unacked := f.unacked
		f.unacked = nil
		n.mu.Unlock()
		for _, v := range unacked {
			_ = local.Vote(f.member, v.in)
		}
		moved++
	}
	n.log.Info("took a session over", "session", sessionID, "connections", moved)
}

// rehomeTo repeats the hellos of this node's connections of a session to
// its new owner; once seated there, their unanswered votes follow.
func (n *Node) rehomeTo(sessionID, owner string, epoch int64) {
	n.mu.Lock()
	r := n.remotes[sessionID]
	if r == nil {
		n.mu.Unlock()
		return
	}
	r.owner, r.epoch, r.lastHeard, r.failing = owner, epoch, time.Now(), false
	conns := make([]*forwarded, 0, len(r.conns))
	for _, f := range r.conns {
		f.welcomed, f.rehoming = false, true
		conns = append(conns, f)
	}
	n.mu.Unlock()
	for _, f := range conns {
		hello := *f.hello
		hello.Rehome = true
		_ = f.forward(opAttach, &hello)
	}
	n.log.Info("moved connections to a session's new owner", "session", sessionID, "owner", owner, "connections", len(conns))
}

// resync marks every session this node's connections use for catching up
// once its owner is heard again (see deliver): while NATS was away,
// broadcasts and votes may have been lost.
func (n *Node) resync() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, r := range n.remotes {
		r.resync = true
	}
}
