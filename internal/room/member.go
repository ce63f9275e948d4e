package room

import (
	"context"
	"strconv"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// What an attached member sends its room. Each queues a job and returns at
// once; the member hears the outcome (an ack, a "done", an error frame)
// through its Send after the room has committed. They return ErrGone when
// the room has stopped.

// Vote casts a participant's vote.
func (r *Room) Vote(m Member, in *Inbound) error {
	return r.submit(context.Background(), func(b *batch) { r.vote(b, m, in) })
}

// React sends a participant's reaction to the screens.
func (r *Room) React(m Member, in *Inbound) error {
	return r.submit(context.Background(), func(b *batch) { r.react(b, m, in) })
}

// Command runs a host's action.
func (r *Room) Command(m Member, in *Inbound) error {
	return r.submit(context.Background(), func(b *batch) {
		if r.seatedAs(m, RoleHost, in) == nil {
			return
		}
		cmd := quorum.Command{Action: in.Action, Step: in.Step, Seconds: in.Seconds, Mode: in.Mode, Settings: in.Settings}
		r.hostAct(b, cmd, func(err error) {
			if err != nil {
				r.sendTo(m, Refused(in.ID, err))
				return
			}
			r.sendTo(m, DoneMsg{Type: "done", ID: in.ID, Action: in.Action})
		})
	})
}

// Proxy records a host's vote for someone without a phone.
func (r *Room) Proxy(m Member, in *Inbound) error {
	return r.submit(context.Background(), func(b *batch) {
		if r.seatedAs(m, RoleHost, in) == nil {
			return
		}
		r.proxyVote(b, in, func(proxy string, err error) {
			if err != nil {
				r.sendTo(m, Refused(in.ID, err))
				return
			}
			r.sendTo(m, DoneMsg{Type: "done", ID: in.ID, Action: "proxy", Proxy: proxy})
		})
	})
}

// Resync sends a member its role's full state again: for a node that may
// have missed broadcasts while its message bus was away.
func (r *Room) Resync(m Member) error {
	return r.submit(context.Background(), func(b *batch) {
		if st := r.seats[m]; st != nil {
			r.sendTo(m, r.stateFor(st.role, b.now))
		}
	})
}

// Detach removes a member whose connection has ended; a member that was
// never attached is ignored, so that a hello that gave up may always detach.
func (r *Room) Detach(m Member) error {
	return r.submit(context.Background(), func(b *batch) { r.detach(b, m) })
}

// seatedAs returns m's seat if m is attached in role; if not, nil, and m is
// told why. The connection layer routes by role already: this keeps the
// room's own promise that only a host commands and only a participant votes.
func (r *Room) seatedAs(m Member, role Role, in *Inbound) *seat {
	s := r.seats[m]
	if s == nil || s.role != role {
		r.sendTo(m, Refused(in.ID, quorum.Errorf(quorum.EFORBIDDEN, "only a %s connection can send %s messages", role, in.Type)))
		return nil
	}
	return s
}

// sendTo sends a message to one member.
func (r *Room) sendTo(m Member, v any) {
	if f := r.encode(v); f != nil {
		m.Send(f)
	}
}

// vote applies a participant's vote and acknowledges it after commit to every
// connection of that participant. A re-sent vote is acknowledged as the vote
// it recorded, in whichever round that was.
func (r *Room) vote(b *batch, m Member, in *Inbound) {
	st := r.seatedAs(m, RoleParticipant, in)
	if st == nil {
		return
	}
	if in.Step == nil {
		r.sendTo(m, Refused(in.ID, quorum.Errorf(quorum.EINVALIDREQUEST, "a vote needs a step")))
		return
	}
	value, err := parseValue(in.Value)
	if err != nil {
		r.sendTo(m, Refused(in.ID, err))
		return
	}
	v, changed, err := r.session.Cast(st.participantID, *in.Step, roundOf(in), value, in.ID, b.now)
	if err != nil {
		r.sendTo(m, Refused(in.ID, err))
		return
	}
	if changed {
		b.records = append(b.records, quorum.VoteRecord{Vote: v})
		b.resultsChanged = true
	}
	b.then(func(err error) {
		if err == nil && changed {
			r.rooms.cfg.Metrics.Voted(1)
		}
		if err != nil {
			r.sendTo(m, Refused(in.ID, err))
			return
		}
		r.toParticipant(v.ParticipantID, finishFrame(appendAck(startFrame(64), v, r.session.Agenda.Steps[v.Step].Kind == quorum.KindText)))
	})
}

// react counts a participant's reaction for the next flush to the screens.
func (r *Room) react(b *batch, m Member, in *Inbound) {
	st := r.seatedAs(m, RoleParticipant, in)
	if st == nil {
		return
	}
	pid := st.participantID
	var err error
	switch last, ok := r.lastReaction[pid]; {
	case !r.session.Settings.Reactions:
		err = quorum.Errorf(quorum.EINVALIDACTION, "the facilitator has turned reactions off")
	case !reactionEmoji[in.Emoji]:
		err = quorum.Errorf(quorum.EINVALIDACTION, "a reaction is one of 👍 ❤️ 😂 🤔 👏")
	case ok && b.now.Sub(last) < reactionInterval:
		err = quorum.Errorf(quorum.ETOOMANY, "one reaction every %d seconds", int(reactionInterval.Seconds()))
	}
	if err != nil {
		r.sendTo(m, Refused(in.ID, err))
		return
	}
	r.lastReaction[pid] = b.now
	r.reactions[in.Emoji]++
	// Flushed with the results after this batch commits, never before: the
	// flush carries the tallies too.
	b.resultsChanged = true
	r.sendTo(m, DoneMsg{Type: "done", ID: in.ID, Action: "react"})
}

// joinAndAttach admits a phone that joins in its hello and attaches its
// connection in one batch: one commit, one trip through the room.
func (r *Room) joinAndAttach(b *batch, m Member, in *Inbound, reply func(Seated, error)) {
	res, err := r.admit(b, in.Name, in.Segment, in.Token)
	if err != nil {
		reply(Seated{}, err)
		return
	}
	in.Session, in.Token = res.SessionID, res.Token
	r.attach(b, m, in, reply)
}

// Seated is what an attach tells its caller: a participant's token when it
// joined in its hello (the cluster re-seats it by that token on a new owner).
type Seated struct {
	Token string
}

// attach authenticates a hello and seats the member. The welcome and the
// state are sent once the batch is committed, before reply.
func (r *Room) attach(b *batch, m Member, in *Inbound, reply func(Seated, error)) {
	s := r.session
	_, remote := m.(RemoteMember)
	if remote && r.relay == nil {
		reply(Seated{}, quorum.Errorf(quorum.EINTERNAL, "a member on another node, and no relay to reach it"))
		return
	}
	st := &seat{role: in.Role, remote: remote}
	switch in.Role {
	case RoleParticipant:
		p := s.ParticipantByToken(in.Token)
		if p == nil {
			reply(Seated{}, quorum.Errorf(quorum.EUNAUTHORIZED, "this participant token is not valid for this session; join again"))
			return
		}
		st.participantID = p.ID
		if rec, ok := s.Seen(p.ID, b.now); ok {
			b.records = append(b.records, rec)
		}
		b.resultsChanged = true
	case RoleHost, RoleScreen:
		hash := s.ScreenKeyHash
		if in.Role == RoleHost {
			hash = s.HostKeyHash
		}
		if !quorum.SecretMatches(in.Key, hash) {
			reply(Seated{}, quorum.Errorf(quorum.EUNAUTHORIZED, "this %s key is not valid for this session", in.Role))
			return
		}
	default:
		reply(Seated{}, quorum.Errorf(quorum.EINVALIDREQUEST, "role must be participant, screen or host"))
		return
	}
	r.seat(m, st)
	b.then(func(err error) {
		if err != nil {
			r.detach(b, m)
			reply(Seated{}, err)
			return
		}
		welcome := r.welcome(st)
		if in.Code != "" {
			welcome.Token = in.Token // joined in this hello: the phone has no token yet
		}
		if !in.Rehome {
			r.sendTo(m, welcome)
		}
		if f := r.attachedState(b, st.role); f != nil {
			m.Send(f)
		}
		st.attached = true
		r.rooms.cfg.Metrics.Connected(string(st.role), 1)
		reply(Seated{Token: welcome.Token}, nil)
	})
}

// attachedState is the state for a member the batch attached. The
// participants' is encoded once for all the phones of a batch (a join
// burst attaches tens at a time), each of which gets its own welcome.
func (r *Room) attachedState(b *batch, role Role) *Frame {
	if role != RoleParticipant {
		return r.encode(r.stateFor(role, time.Now()))
	}
	if b.phoneState == nil {
		b.phoneState = r.encode(r.stateFor(role, time.Now()))
	}
	return b.phoneState
}

func (r *Room) welcome(st *seat) WelcomeMsg {
	msg := WelcomeMsg{Type: "welcome", Role: st.role, SessionID: r.id}
	if st.role != RoleParticipant {
		return msg
	}
	p, _ := r.session.Participant(st.participantID)
	msg.Participant = &ParticipantView{ID: p.ID, Name: p.Name, Segment: p.Segment}
	msg.Votes = map[string]VoteAck{}
	for step := range r.session.Steps {
		if v, ok := r.session.LastVoteOf(step, p.ID); ok {
			msg.Votes[strconv.Itoa(step)] = VoteAck{ID: v.MsgID, Step: step, Round: v.Round, Value: valueJSON(&r.session.Agenda.Steps[step], v.Value)}
		}
	}
	return msg
}

func (r *Room) detach(b *batch, m Member) {
	st := r.seats[m]
	if st == nil {
		return
	}
	r.unseat(m, st)
	if st.attached {
		r.rooms.cfg.Metrics.Connected(string(st.role), -1)
	}
	if st.role == RoleParticipant {
		if rec, ok := r.session.Seen(st.participantID, b.now); ok {
			b.records = append(b.records, rec)
		}
		b.resultsChanged = true
	}
	if r.members() == 0 {
		r.idleSince = b.now
	}
}

// seat adds a member to the room's indexes: its audience, and for a
// participant, who is present.
func (r *Room) seat(m Member, st *seat) {
	r.seats[m] = st
	a := r.audienceOf(st.role)
	if st.remote {
		a.remote++
	} else {
		a.local[m] = struct{}{}
	}
	if st.role != RoleParticipant {
		return
	}
	r.present[st.participantID]++
	r.byParticipant[st.participantID] = append(r.byParticipant[st.participantID], m)
}

// unseat undoes seat.
func (r *Room) unseat(m Member, st *seat) {
	delete(r.seats, m)
	a := r.audienceOf(st.role)
	if st.remote {
		a.remote--
	} else {
		delete(a.local, m)
	}
	if st.role != RoleParticipant {
		return
	}
	pid := st.participantID
	decrement(r.present, pid)
	ms := r.byParticipant[pid]
	for i, pm := range ms {
		if pm == m {
			ms = append(ms[:i], ms[i+1:]...)
			break
		}
	}
	if len(ms) == 0 {
		delete(r.byParticipant, pid)
	} else {
		r.byParticipant[pid] = ms
	}
}

// decrement counts one less of key, forgetting it at zero.
func decrement(counts map[string]int, key string) {
	if counts[key]--; counts[key] <= 0 {
		delete(counts, key)
	}
}

func (r *Room) eachMember(f func(m Member)) {
	for m := range r.seats {
		f(m)
	}
}
