package cluster

import (
	"sync"

	"github.com/nats-io/nats.go"
)

// outbox sends a session's entries in one direction (an owner's to the
// nodes, or a node's to the owner) in order and in as few messages as it
// can: a room's batch of acks for one node is one message, not one per
// vote, and so are the frames a node's connections sent while its last
// message was going out. Each message costs NATS, both clients and the
// receiver's lock as much as a small frame does; a vote wave of thousands
// would otherwise cost thousands of them.
type outbox struct {
	n *Node
	// everyone is the subject all of the session's nodes hear ("" for a
	// node's requests): an entry for one node never passes one for all,
	// so that each node sees its entries in the order they were added.
	everyone string

	mu       sync.Mutex
	epoch    int64 // the owner's lease epoch, sent with each message (0 for a node's requests)
	queued   []outgoing
	flushing bool // a caller is sending: it sends what others add meanwhile
}

type outgoing struct {
	subject string
	entry
}

func newOutbox(n *Node, everyone string, epoch int64) *outbox {
	return &outbox{n: n, everyone: everyone, epoch: epoch}
}

func (o *outbox) setEpoch(epoch int64) {
	o.mu.Lock()
	o.epoch = epoch
	o.mu.Unlock()
}

// add queues an entry for the next flush.
func (o *outbox) add(subject string, e entry) {
	o.mu.Lock()
	o.queued = append(o.queued, outgoing{subject, e})
	o.mu.Unlock()
}

// send queues an entry and flushes.
func (o *outbox) send(subject string, e entry) error {
	o.add(subject, e)
	return o.flush()
}

// flush sends what is queued, unless another caller is sending already:
// that one sends it too, after what it holds. Only one caller publishes at a
// time, so messages leave in the order their entries were queued. The
// error is the first publish that failed in this call, if it sent any.
func (o *outbox) flush() error {
	o.mu.Lock()
	if o.flushing {
		o.mu.Unlock()
		return nil
	}
	o.flushing = true
	var err error
	for len(o.queued) > 0 {
		queued, epoch := o.queued, o.epoch
		o.queued = nil
		o.mu.Unlock()
		msgs := o.messages(queued, epoch)
		o.n.cfg.Metrics.Forwarded(o.everyone == "", len(queued), len(msgs))
		for _, m := range msgs {
			if perr := o.n.publish(m); err == nil {
				err = perr
			}
		}
		o.mu.Lock()
	}
	o.flushing = false
	o.mu.Unlock()
	return err
}

// messages groups queued entries into one message per subject, in order:
// an entry for everyone ends the groups before it, and one for a node ends
// the group for everyone before it.
func (o *outbox) messages(queued []outgoing, epoch int64) []*nats.Msg {
	var (
		msgs []*nats.Msg
		open = map[string]*nats.Msg{} // the groups still taking entries
	)
	for i := range queued {
		q := &queued[i]
		m := open[q.subject]
		if m == nil {
			if q.subject == o.everyone || open[o.everyone] != nil {
				clear(open)
			}
			if epoch > 0 {
				m = o.n.ownerMsg(q.subject, opBatch, epoch)
			} else {
				m = o.n.msg(q.subject, opBatch)
			}
			open[q.subject] = m
			msgs = append(msgs, m)
		}
		m.Data = appendEntry(m.Data, &q.entry)
	}
	return msgs
}
