package room

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// maxBatchRecords caps how much one room commits at once, so that a flood of
// votes still gets acknowledged in steady slices.
const maxBatchRecords = 4096

// joinBatch is as many joins as a batch waits for (awaitJoins): beyond
// about a hundred, a join's share of its commit no longer shrinks much.
const joinBatch = 128

// errDeleted answers work that reaches a room after its session was deleted.
var errDeleted = quorum.Errorf(quorum.ESESSIONNOTFOUND, "this session was deleted")

// errAbandoned answers work that reaches a room whose node no longer owns
// its session: the client reconnects and reaches the new owner.
var errAbandoned = quorum.Errorf(quorum.EUNAVAILABLE, "this session moved to another server; reconnect")

// ErrGone tells a caller that the room stopped before taking its work: the
// server is shutting down, or the session was deleted. A call through Rooms
// retries on a fresh room.
var ErrGone = errors.New("room stopped")

// job is work that runs in the room's goroutine and adds to the batch.
type job func(b *batch)

// batch is the work between two commits: the records to make durable, and
// what to do once they are (acks, replies, broadcasts).
type batch struct {
	now            time.Time
	records        []quorum.Record
	after          []func(err error)
	stateChanged   bool
	resultsChanged bool
	// phoneState is the participants' state as it is once the batch is
	// committed, encoded for the first phone the batch attaches and sent
	// to the others too: nothing the batch does after its commit changes it.
	phoneState *Frame
	// joins counts the participants the batch admitted; a batch of them
	// alone may wait for more (awaitJoins).
	joins int
}

func (b *batch) then(f func(err error)) { b.after = append(b.after, f) }

// Member is an attached client as its room sees it. The room calls it from
// its own goroutine and never waits for it: each method only queues. A
// broadcast to a large audience calls different members at once from the
// room's goroutine and its helpers (eachLocal), never one member twice.
type Member interface {
	// Send queues a frame after those sent before.
	Send(f *Frame)
	// SetResults replaces the member's unsent live-results update with f
	// (nil: drops it, since a state just sent carries newer numbers).
	SetResults(f *Frame)
	// Kick closes the member's connection with a WebSocket close code.
	Kick(code int, text string)
}

// Broadcaster is a Member that takes the frames of a broadcast (a state or
// any other frame for a whole audience) apart from its own: a WebSocket
// connection writes them at once from the room's goroutine where it can,
// which for its own frames (acks written while the room could be
// committing its next batch) would hold the room back.
type Broadcaster interface {
	Broadcast(f *Frame)
}

// broadcast hands m a frame of a broadcast.
func broadcast(m Member, f *Frame) {
	if b, ok := m.(Broadcaster); ok {
		b.Broadcast(f)
		return
	}
	m.Send(f)
}

// RemoteMember is a member on another node, seated by the cluster for a
// connection there. The room sends its broadcasts to all of them at once,
// through its Relay; Send carries only what is this member's alone (its
// welcome, its replies, its acks).
type RemoteMember interface {
	Member
	Node() string
}

// Relay carries a room's broadcasts, each encoded once, to its members on
// other nodes, which hand them to their own connections of the role.
type Relay interface {
	// State is a full state: it also drops each member's unsent results.
	State(role Role, f *Frame)
	// Results is a live-results update: each member keeps only the newest.
	Results(role Role, f *Frame)
	// Send is any other frame for every member of the role.
	Send(role Role, f *Frame)
	// Flush sends what the room relayed, and what it sent its remote
	// members, since the last flush: the room is done with a batch. The
	// cluster sends a batch's frames for one node as one message.
	Flush()
}

// seat is what the room knows of a member.
type seat struct {
	role          Role
	participantID string // participants only
	attached      bool   // welcomed, and counted in the metrics
	remote        bool   // on another node: broadcasts reach it through the relay
}

// audience is the members of one role: those on this node, each sent every
// broadcast in turn, and a count of those on other nodes, which the relay
// reaches with one message.
type audience struct {
	role   Role
	local  map[Member]struct{}
	remote int
}

func (a *audience) size() int { return len(a.local) + a.remote }

// Room owns one session: its state, its members and its timers. Only the
// room's goroutine touches them; everyone else sends it jobs.
type Room struct {
	rooms   *Rooms
	id      string
	session *quorum.Session
	inbox   chan job
	quit    chan struct{} // closed by Rooms at shutdown
	stopped chan struct{} // closed when the loop has exited

	relay        Relay // nil on a single node
	seats        map[Member]*seat
	hosts        audience
	screens      audience
	participants audience
	// fanOut holds a large audience's members while eachLocal splits them
	// between cores; kept between broadcasts, empty.
	fanOut        []Member
	byParticipant map[string][]Member // each participant's members, here and on other nodes
	// present counts each participant's connections on every node: the
	// room's "connected", and who it waits for.
	present map[string]int

	// Live results: resultsDirty means hosts and screens have not seen the
	// latest numbers, phonesBehind that phones have not seen the latest
	// revealed results; each audience has its own last update and interval.
	resultsDirty   bool
	phonesBehind   bool
	lastFlush      time.Time
	lastPhoneFlush time.Time
	// reactions since the last flush, by emoji, and each participant's last
	// reaction, for its rate limit
	reactions    map[string]int
	lastReaction map[string]time.Time
	flushTimer   *time.Timer
	flushArmed   bool
	deadline     *time.Timer
	deadlineSet  bool
	idleSince    time.Time
	// lastJoins is when the room last committed joins, and joinWait
	// times a batch of joins waiting for more (awaitJoins).
	lastJoins time.Time
	joinWait  *time.Timer
	// gone is why the room takes no more work (deleted, abandoned); nil
	// while it runs
	gone error
}

func newRoom(rs *Rooms, s *quorum.Session) *Room {
	r := &Room{
		rooms:         rs,
		id:            s.ID,
		session:       s,
		inbox:         make(chan job, 1024),
		quit:          make(chan struct{}),
		stopped:       make(chan struct{}),
		seats:         map[Member]*seat{},
		hosts:         audience{role: RoleHost, local: map[Member]struct{}{}},
		screens:       audience{role: RoleScreen, local: map[Member]struct{}{}},
		participants:  audience{role: RoleParticipant, local: map[Member]struct{}{}},
		byParticipant: map[string][]Member{},
		present:       map[string]int{},
		reactions:     map[string]int{},
		lastReaction:  map[string]time.Time{},
		flushTimer:    time.NewTimer(time.Hour),
		deadline:      time.NewTimer(time.Hour),
		joinWait:      time.NewTimer(time.Hour),
		idleSince:     time.Now(),
	}
	if rs.cfg.Relay != nil {
		r.relay = rs.cfg.Relay(s.ID)
	}
	r.flushTimer.Stop()
	r.deadline.Stop()
	r.joinWait.Stop()
	return r
}

// submit hands a job to the room without waiting for it to run.
func (r *Room) submit(ctx context.Context, j job) error {
	select {
	case r.inbox <- j:
		return nil
	case <-r.stopped:
		return ErrGone
	case <-ctx.Done():
		return ctx.Err()
	}
}

// call runs a job and waits for the reply it sends after commit.
func call[T any](ctx context.Context, r *Room, run func(b *batch, reply func(T, error))) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	var zero T
	err := r.submit(ctx, func(b *batch) {
		if ctx.Err() != nil {
			// The caller stopped waiting while the job was queued (a hello
			// that timed out in an overloaded room): nobody would hear the
			// reply, and a join or an attach made now would be a ghost.
			return
		}
		run(b, func(v T, err error) { done <- result{v, err} })
	})
	if err != nil {
		return zero, err
	}
	select {
	case res := <-done:
		return res.v, res.err
	case <-r.stopped:
		// The reply, if any, was sent before the room stopped.
		select {
		case res := <-done:
			return res.v, res.err
		default:
			return zero, ErrGone
		}
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

func (r *Room) run() {
	if stopped := r.rooms.cfg.Stopped; stopped != nil {
		defer stopped(r.id)
	}
	defer close(r.stopped)
	defer r.flushTimer.Stop()
	defer r.deadline.Stop()
	r.expireIfDue()
	idle := time.NewTicker(r.rooms.cfg.IdleRoomTimeout / 2)
	defer idle.Stop()
	for {
		var flushC, deadlineC <-chan time.Time
		if r.flushArmed {
			flushC = r.flushTimer.C
		}
		if r.deadlineSet {
			deadlineC = r.deadline.C
		}
		select {
		case j := <-r.inbox:
			r.process(j)
		case <-flushC:
			r.flushArmed = false
			r.flushDue(time.Now())
		case <-deadlineC:
			r.deadlineSet = false
			r.expireIfDue()
		case <-idle.C:
			if r.members() == 0 && time.Since(r.idleSince) >= r.rooms.cfg.IdleRoomTimeout && r.rooms.evictIdle(r) {
				r.drain()
				return
			}
		case <-r.quit:
			r.drain()
			return
		}
		r.flushRelay()
		if r.gone != nil {
			r.drain()
			return
		}
	}
}

// drain runs what is still queued once no new work can arrive, so that every
// accepted vote is committed and answered.
func (r *Room) drain() {
	defer r.flushRelay()
	for {
		select {
		case j := <-r.inbox:
			r.process(j)
		default:
			return
		}
	}
}

// flushRelay hands what the room sent to other nodes since its last flush
// to the relay to send.
func (r *Room) flushRelay() {
	if r.relay != nil {
		r.relay.Flush()
	}
}

// process runs a job and every job already waiting, commits their records in
// one transaction, and only then acknowledges and broadcasts.
func (r *Room) process(first job) {
	b := &batch{now: time.Now()}
	if r.members() == 0 {
		// Work without connections (a script driving the session over
		// HTTP) keeps the room loaded, as connections do.
		r.idleSince = b.now
	}
	first(b)
	for len(b.records) < maxBatchRecords {
		select {
		case j := <-r.inbox:
			j(b)
			continue
		default:
		}
		break
	}
	r.awaitJoins(b)
	r.autoReveal(b)
	var err error
	switch {
	case r.gone != nil:
		err = r.gone
	case len(b.records) > 0:
		start := time.Now()
		err = r.rooms.store.Commit(context.Background(), b.records)
		r.rooms.cfg.Metrics.Committed(time.Since(start), len(b.records))
		if err != nil {
			r.rooms.log.Error("commit failed; reloading the session from the store", "session", r.id, "records", len(b.records), "err", err)
			r.reload()
			b.stateChanged = true
		}
	}
	if r.gone != nil {
		for _, f := range b.after {
			f(err)
		}
		return
	}
	// The commit took time: measure the broadcast interval from now. Screens
	// and hosts hear of committed votes before the acks go out: thousands of
	// ack writers started first would hold the screen's update back.
	now := time.Now()
	if b.joins > 0 {
		r.lastJoins = now
	}
	if b.resultsChanged && !b.stateChanged {
		r.markResultsDirty(now)
	}
	for _, f := range b.after {
		f(err)
	}
	if b.stateChanged {
		r.broadcastState(now)
	}
	r.armDeadline(now)
}

// awaitJoins holds a batch that only admits participants, in a join burst
// (joins committed less than JoinLinger ago), for up to JoinLinger while
// more joins come, and up to joinBatch of them. A commit costs about half a
// millisecond of CPU whatever it holds, its fsync above all: a hall that
// joins in two seconds brought 18 joins a commit, 30 µs each, and brings
// 70 (about 8 µs) this way. A phone's join takes up to JoinLinger longer;
// any other work (a vote, a command, a reconnecting phone's last-seen, the
// session's deletion) ends the wait at once.
func (r *Room) awaitJoins(b *batch) {
	linger := r.rooms.cfg.JoinLinger
	if b.joins == 0 || b.joins >= joinBatch || len(b.records) != b.joins || b.now.Sub(r.lastJoins) > linger {
		return
	}
	r.joinWait.Reset(linger)
	defer r.joinWait.Stop()
	for b.joins < joinBatch && len(b.records) == b.joins && r.gone == nil {
		select {
		case j := <-r.inbox:
			j(b)
		case <-r.joinWait.C:
			return
		case <-r.quit:
			return
		}
	}
}

// reload replaces the in-memory session with the committed one after a failed
// commit, so that memory never runs ahead of the database.
func (r *Room) reload() {
	s, err := r.rooms.store.LoadSession(context.Background(), r.id)
	if err != nil {
		r.rooms.log.Error("reload failed; closing the room's connections", "session", r.id, "err", err)
		r.eachMember(func(m Member) { m.Kick(CloseInternal, "internal error") })
		return
	}
	r.session = s
}

func (r *Room) expireIfDue() {
	if r.session.Expired(time.Now()) {
		r.process(func(b *batch) { r.act(b, quorum.Command{Action: quorum.ActionExpire}, nil) })
	}
}

func (r *Room) armDeadline(now time.Time) {
	st := r.session.Steps[r.session.CurrentStep]
	if r.deadlineSet {
		r.deadline.Stop()
		r.deadlineSet = false
	}
	if r.session.Status == quorum.StatusLive && st.Voting == quorum.VotingOpen && !st.Deadline.IsZero() {
		r.deadline.Reset(max(0, st.Deadline.Sub(now)))
		r.deadlineSet = true
	}
}

// autoReveal closes and reveals the current step once every connected
// participant has voted, if the step asks for that. It runs after a batch's
// work, so the reveal commits with the vote that completed the room.
func (r *Room) autoReveal(b *batch) {
	s := r.session
	st := s.Steps[s.CurrentStep]
	// Fewer votes than connected phones is someone still to vote: the pass
	// over the room is only needed once the count could be complete.
	if s.Status == quorum.StatusLive && st.AutoReveal == quorum.RevealOnAllVoted && st.Voting == quorum.VotingOpen &&
		len(r.present) > 0 && s.Tally(s.CurrentStep).N >= len(r.present) && r.notVoted() == 0 {
		r.act(b, quorum.Command{Action: quorum.ActionAllVoted}, nil)
	}
}

// hostAct applies a command a host sent; the session's own actions (the
// timer running out, everyone having voted) are not for hosts to send.
func (r *Room) hostAct(b *batch, cmd quorum.Command, reply func(error)) {
	if !cmd.Action.HostCommand() {
		reply(quorum.Errorf(quorum.EINVALIDACTION, "%s is the session's own action, not a command", cmd.Action))
		return
	}
	r.act(b, cmd, reply)
}

// act applies a facilitator command; reply, if set, hears of it after commit.
func (r *Room) act(b *batch, cmd quorum.Command, reply func(error)) {
	change, err := r.session.Do(cmd, b.now)
	if err != nil {
		if reply != nil {
			reply(err)
		}
		return
	}
	b.records = append(b.records, r.session.Record(change))
	b.stateChanged = true
	if reply != nil {
		b.then(reply)
	}
}

// roundOf is the round a vote frame was meant for; without one, the current.
func roundOf(in *Inbound) int {
	if in.Round == nil {
		return quorum.AnyRound
	}
	return *in.Round
}

// proxyVote records a vote the facilitator enters for someone without a
// phone: as a new proxy, or as one named again. reply hears the proxy's id
// after commit.
func (r *Room) proxyVote(b *batch, in *Inbound, reply func(string, error)) {
	if in.Step == nil {
		reply("", quorum.Errorf(quorum.EINVALIDREQUEST, "a proxy vote needs a step"))
		return
	}
	value, err := parseValue(in.Value)
	if err != nil {
		reply("", err)
		return
	}
	joined := r.session.Joined()
	p, v, changed, err := r.session.CastAsProxy(in.Proxy, *in.Step, roundOf(in), value, in.ID, b.now)
	if err != nil {
		reply("", err)
		return
	}
	if r.session.Joined() > joined {
		b.records = append(b.records, quorum.JoinRecord{Participant: *p})
		b.stateChanged = true // a new proxy belongs in the hosts' state
	}
	if changed {
		b.records = append(b.records, quorum.VoteRecord{Vote: v})
		b.resultsChanged = true
	}
	b.then(func(err error) { reply(p.ID, err) })
}

// Reactions a participant may send, and how often.
var reactionEmoji = map[string]bool{"👍": true, "❤️": true, "😂": true, "🤔": true, "👏": true}

const reactionInterval = 2 * time.Second

// admit joins a participant (see quorum.Session.JoinWithToken for a secret
// of the client's own) and adds the join to the batch, unless the secret's
// participant had joined already.
func (r *Room) admit(b *batch, name, segment, clientSecret string) (JoinResult, error) {
	var (
		p      *quorum.Participant
		token  string
		joined = true
		err    error
	)
	if clientSecret == "" {
		p, token, err = r.session.Join(name, segment, b.now)
	} else {
		p, token, joined, err = r.session.JoinWithToken(clientSecret, name, segment, b.now)
	}
	if err != nil {
		return JoinResult{}, err
	}
	if joined {
		b.records = append(b.records, quorum.JoinRecord{Participant: *p})
		b.joins++
		b.resultsChanged = true
		b.then(func(err error) {
			if err == nil {
				r.rooms.cfg.Metrics.Joined()
			}
		})
	}
	return JoinResult{SessionID: r.id, ParticipantID: p.ID, Token: token}, nil
}

func (r *Room) members() int { return len(r.seats) }

func (r *Room) audiences() [3]*audience {
	return [3]*audience{&r.hosts, &r.screens, &r.participants}
}

func (r *Room) audienceOf(role Role) *audience {
	switch role {
	case RoleHost:
		return &r.hosts
	case RoleScreen:
		return &r.screens
	}
	return &r.participants
}

// sendState sends a full state to an audience: it replaces every member's
// unsent results update.
func (r *Room) sendState(a *audience, f *Frame) {
	r.eachLocal(a, func(m Member) {
		m.SetResults(nil)
		broadcast(m, f)
	})
	if a.remote > 0 {
		r.relay.State(a.role, f)
	}
}

// sendResults hands an audience a live-results update; each member keeps
// only the newest.
func (r *Room) sendResults(a *audience, f *Frame) {
	r.eachLocal(a, func(m Member) { m.SetResults(f) })
	if a.remote > 0 {
		r.relay.Results(a.role, f)
	}
}

// sendAll queues a frame for every member of an audience.
func (r *Room) sendAll(a *audience, f *Frame) {
	r.eachLocal(a, func(m Member) { broadcast(m, f) })
	if a.remote > 0 {
		r.relay.Send(a.role, f)
	}
}

// toParticipant queues a frame for every connection of a participant; one
// on another node gets it through its own node alone.
func (r *Room) toParticipant(participantID string, f *Frame) {
	for _, m := range r.byParticipant[participantID] {
		m.Send(f)
	}
}

// broadcastState sends every member the full state for its role, each
// role's message encoded once. Pending results updates are dropped: the state
// carries newer numbers.
func (r *Room) broadcastState(now time.Time) {
	defer r.observeBroadcast(time.Now())
	counts := r.counts(r.hosts.size()+r.screens.size() > 0)
	for _, a := range r.audiences() {
		if a.size() == 0 {
			continue
		}
		r.sendState(a, r.encode(r.stateWith(a.role, now, counts)))
	}
	r.resultsDirty, r.phonesBehind = false, false
	r.lastFlush, r.lastPhoneFlush = now, now
}

// markResultsDirty schedules a results update: at once if none went out for
// an interval, else at the end of it, so updates are at most one per interval.
func (r *Room) markResultsDirty(now time.Time) {
	if r.resultsDirty && r.flushArmed {
		return // the armed flush is due no later than the screens' next update
	}
	r.resultsDirty = true
	r.flushDue(now)
}

// phoneResultsInterval is how often phones get a revealed step's results
// while they change. The projector shows them live; a phone's copy may lag a
// little in a big room, where an update to every phone costs 10–20 µs of
// system time per phone: 100 µs per connected phone, from the broadcast
// interval (a small room sees no difference) up to a second.
func (r *Room) phoneResultsInterval() time.Duration {
	perPhone := time.Duration(len(r.participants.local)) * 100 * time.Microsecond
	return min(time.Second, max(r.rooms.cfg.BroadcastInterval, perPhone))
}

// flushDue sends the results updates that are due and arms the timer for
// the next one.
func (r *Room) flushDue(now time.Time) {
	interval, phoneInterval := r.rooms.cfg.BroadcastInterval, r.phoneResultsInterval()
	if r.resultsDirty && now.Sub(r.lastFlush) >= interval {
		r.flushResults(now)
	}
	if r.phonesBehind && now.Sub(r.lastPhoneFlush) >= phoneInterval {
		r.flushPhoneResults(now)
	}
	next := time.Duration(-1)
	if r.resultsDirty {
		next = interval - now.Sub(r.lastFlush)
	}
	if wait := phoneInterval - now.Sub(r.lastPhoneFlush); r.phonesBehind && (next < 0 || wait < next) {
		next = wait
	}
	r.flushArmed = next >= 0
	if r.flushArmed {
		r.flushTimer.Reset(next)
	}
}

// flushResults sends the coalesced live numbers to hosts (counts and
// results) and screens (counts, and results once revealed); phones, which
// need no live counts, are marked behind when the step is revealed.
func (r *Room) flushResults(now time.Time) {
	r.resultsDirty = false
	r.lastFlush = now
	defer r.observeBroadcast(time.Now())
	if len(r.reactions) > 0 {
		r.sendAll(&r.screens, r.encode(ReactionsMsg{Type: "reactions", Counts: r.reactions}))
		r.reactions = map[string]int{}
	}
	s := r.session
	counts := r.counts(true)
	// The aggregate is computed once; who may see it is decided per role.
	var results *ResultsView
	if s.Status != quorum.StatusLobby {
		results = resultsView(s, s.CurrentStep)
	}
	revealed := s.Steps[s.CurrentStep].Revealed
	r.phonesBehind = revealed && r.participants.size() > 0
	for _, a := range []*audience{&r.hosts, &r.screens} {
		if a.size() == 0 {
			continue
		}
		msg := ResultsMsg{Type: "results", Step: s.CurrentStep, Counts: counts}
		if a.role == RoleHost || revealed {
			msg.Results = results
		}
		r.sendResults(a, r.encode(msg))
	}
}

// flushPhoneResults sends phones the revealed step's latest results.
func (r *Room) flushPhoneResults(now time.Time) {
	r.phonesBehind = false
	r.lastPhoneFlush = now
	s := r.session
	if s.Status == quorum.StatusLobby || !s.Steps[s.CurrentStep].Revealed {
		return
	}
	defer r.observeBroadcast(time.Now())
	r.sendResults(&r.participants, r.encode(ResultsMsg{Type: "results", Step: s.CurrentStep, Counts: r.counts(false), Results: resultsView(s, s.CurrentStep)}))
}

func (r *Room) observeBroadcast(start time.Time) { r.rooms.cfg.Metrics.Broadcast(time.Since(start)) }

func (r *Room) encode(v any) *Frame { return EncodeFrame(r.rooms.log, v) }

// fanOutShare is how many members a broadcast must have for each core it
// is shared with: with fewer, a goroutine's start and the wait for it cost
// more than the writes it takes over.
const fanOutShare = 1024

// fanOutChunk is how many members a goroutine of a split broadcast takes
// at a time: about a millisecond of writes.
const fanOutChunk = 128

// eachLocal calls send for every local member of an audience. A large
// audience is shared between the room's goroutine and one more per core, so
// that a broadcast's writes (a system call each, writing straight to the
// socket) use every core while the room waits: its members' frames stay in
// order, since the room sends nothing else until all are handed over. The
// goroutines take the members a chunk at a time, so that one the scheduler
// holds back leaves its share to the others instead of finishing last.
func (r *Room) eachLocal(a *audience, send func(m Member)) {
	parts := len(a.local) / fanOutShare
	if parts >= 2 {
		parts = min(parts, runtime.GOMAXPROCS(0))
	}
	if parts < 2 {
		for m := range a.local {
			send(m)
		}
		return
	}
	members := r.fanOut[:0]
	for m := range a.local {
		members = append(members, m)
	}
	var taken atomic.Int64
	sendChunks := func() {
		for {
			end := int(taken.Add(fanOutChunk))
			start := end - fanOutChunk
			if start >= len(members) {
				return
			}
			for _, m := range members[start:min(end, len(members))] {
				send(m)
			}
		}
	}
	var wg sync.WaitGroup
	for range parts - 1 {
		wg.Go(sendChunks)
	}
	sendChunks()
	wg.Wait()
	clear(members) // no member outlives its seat here
	r.fanOut = members[:0]
}
