package quorum

import (
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Status is where a session is in its life.
type Status string

const (
	StatusLobby Status = "lobby" // created; people join, nothing is asked yet
	StatusLive  Status = "live"  // the facilitator steps through the agenda
	StatusEnded Status = "ended" // over; results stay readable, nothing changes
)

// Voting is the voting state of one step.
type Voting string

const (
	VotingPending Voting = "pending" // not yet opened
	VotingOpen    Voting = "open"
	VotingClosed  Voting = "closed"
)

// StepState is the live state of one agenda step in a session.
type StepState struct {
	Voting   Voting
	Revealed bool
	Deadline time.Time // zero: no countdown
	// Round counts from 1; a new round asks the step again and keeps the
	// earlier rounds' votes apart.
	Round      int
	AutoReveal AutoReveal
	// View is the view of the step's stage the shared screens show (see
	// Views). It is not stored: a restarted server shows the first view.
	View int
}

// MaxRounds is how often one step can be asked.
const MaxRounds = 9

// Settings are the facilitator's choices for a session that are not part of
// its agenda.
type Settings struct {
	// MinGroupSize is the fewest answers a group may show on its own when
	// results are split by group; smaller groups are pooled as "other groups".
	MinGroupSize int `json:"minGroupSize"`
	// SplitShare flags a dimension as split when at least this share of its
	// answers lies on each side of the midpoint.
	SplitShare float64 `json:"splitShare"`
	// Reactions lets participants send quick reactions to the screen.
	Reactions bool `json:"reactions"`
	// SplitByGroup shows results and the profile side by side per group.
	SplitByGroup bool `json:"splitByGroup"`
}

// DefaultSettings are a new session's settings.
func DefaultSettings() Settings {
	return Settings{MinGroupSize: 3, SplitShare: 0.3, Reactions: true}
}

// Check validates settings, for a facilitator's change.
func (st Settings) Check() error {
	switch {
	case st.MinGroupSize < 1 || st.MinGroupSize > 50:
		return Errorf(EINVALIDACTION, "minGroupSize is from 1 to 50")
	case st.SplitShare < 0.1 || st.SplitShare > 0.5:
		return Errorf(EINVALIDACTION, "splitShare is from 0.1 to 0.5")
	}
	return nil
}

// Names says who sees the names participants give. It is chosen when the
// session is created and never changes: it is the promise the phone's join
// form makes, and every export keeps it.
type Names string

const (
	// NamesHidden (the default): answers are anonymous. A name only greets
	// its participant on their own phone; no view and no export puts it
	// next to an answer. The phone says "Your answers are anonymous".
	NamesHidden Names = "hidden"
	// NamesVisible: the phone says "Your name will be visible to the
	// facilitator next to your answers", and exports carry names unless the
	// facilitator asks for an anonymous one.
	NamesVisible Names = "visible"
)

// ParseNames reads a session's names setting; "" is the default, hidden.
func ParseNames(raw string) (Names, error) {
	switch n := Names(raw); n {
	case "":
		return NamesHidden, nil
	case NamesHidden, NamesVisible:
		return n, nil
	default:
		return "", Errorf(EINVALIDREQUEST, `names is "hidden" (answers are anonymous) or "visible" (the facilitator sees names), not %q`, raw)
	}
}

// Action is a facilitator command.
type Action string

const (
	ActionStart  Action = "start"
	ActionNext   Action = "next"
	ActionPrev   Action = "prev"
	ActionGoto   Action = "goto"
	ActionOpen   Action = "open"
	ActionClose  Action = "close"
	ActionReveal Action = "reveal"
	ActionHide   Action = "hide"
	ActionReset  Action = "reset"
	ActionTimer  Action = "timer"
	ActionEnd    Action = "end"
	// ActionRound asks the current step again; the votes so far stay as
	// the earlier round.
	ActionRound Action = "round"
	// ActionAutoReveal sets how the current step reveals itself.
	ActionAutoReveal Action = "autoreveal"
	// ActionSettings replaces the session's settings.
	ActionSettings Action = "settings"
	// ActionForward and ActionBack step through the views of the current
	// step's stage, and past its first or last view to the step before or
	// after: what a clicker does.
	ActionForward Action = "forward"
	ActionBack    Action = "back"
	// ActionExpire is the countdown reaching zero; it is not a host command.
	ActionExpire Action = "expire"
	// ActionAllVoted is every connected participant having voted on a step
	// that reveals itself then; it is not a host command either.
	ActionAllVoted Action = "allvoted"
)

// Command is a facilitator action with its arguments.
type Command struct {
	Action   Action      `json:"action"`
	Step     *int        `json:"step,omitempty"`     // goto: the step index
	Seconds  *int        `json:"seconds,omitempty"`  // timer: the countdown, 0 cancels it
	Mode     *AutoReveal `json:"mode,omitempty"`     // autoreveal
	Settings *Settings   `json:"settings,omitempty"` // settings
}

// HostCommand reports whether a facilitator may send the action; the others
// are the session's own.
func (a Action) HostCommand() bool { return a != ActionExpire && a != ActionAllVoted }

// Timer limits, in seconds.
const (
	MinTimerSeconds = 5
	MaxTimerSeconds = 3600
	maxNameRunes    = 40
	maxMsgIDLength  = 64
)

// Participant is one phone in the room.
type Participant struct {
	ID         string
	SessionID  string
	TokenHash  string
	Name       string
	Segment    string
	JoinedAt   time.Time
	LastSeenAt time.Time
	// Proxy marks someone without a phone whose votes the facilitator enters.
	Proxy bool
}

// Vote is a participant's current answer to one step.
type Vote struct {
	SessionID     string
	Step          int
	Round         int
	ParticipantID string
	Value         Value
	MsgID         string // the client's message id, so a re-sent vote counts once
	At            time.Time
}

// Event is one entry of a session's state history.
type Event struct {
	At     time.Time
	Action Action
	Step   int
}

// Session is the aggregate the room owns: the state machine, the
// participants, their votes and the running tallies. It is not safe for
// concurrent use; one goroutine owns each session.
type Session struct {
	ID            string
	Code          string
	Title         string
	Agenda        *Agenda
	Status        Status
	CurrentStep   int
	Steps         []StepState
	HostKeyHash   string
	ScreenKeyHash string
	CreatedAt     time.Time
	StartedAt     time.Time
	EndedAt       time.Time
	Settings      Settings
	// Names is fixed at creation: whether the facilitator may see names.
	Names Names

	participants map[string]*Participant // by id
	byToken      map[string]*Participant // by token hash
	votes        []map[string]*Vote      // per step, the current round's, by participant id
	tallies      []*Tally                // per step, the current round's
	past         [][]Round               // per step, the finished rounds in order
	proxies      int                     // proxies added, for their names
}

// Round is one finished round of a step: its votes by participant id and
// its tally. Read only.
type Round struct {
	Votes map[string]*Vote
	Tally *Tally
}

// Credentials are the secrets handed out once, when a session is created.
type Credentials struct {
	HostKey   string
	ScreenKey string
}

// NewSession starts a session in the lobby on a private copy of agenda.
func NewSession(agenda *Agenda, title string, now time.Time) (*Session, Credentials, error) {
	title = strings.TrimSpace(title)
	if title == "" {
		title = agenda.Title
	}
	if utf8.RuneCountInString(title) > maxTitleRunes || hasControl(title, false) {
		return nil, Credentials{}, Errorf(EINVALIDREQUEST, "title: at most %d characters, no control characters", maxTitleRunes)
	}
	creds := Credentials{HostKey: NewSecret(), ScreenKey: NewSecret()}
	s := &Session{
		ID:            uuid.NewString(),
		Code:          NewJoinCode(),
		Title:         title,
		Agenda:        agenda.Clone(),
		Status:        StatusLobby,
		Steps:         make([]StepState, len(agenda.Steps)),
		HostKeyHash:   HashSecret(creds.HostKey),
		ScreenKeyHash: HashSecret(creds.ScreenKey),
		CreatedAt:     now,
		Settings:      DefaultSettings(),
		Names:         NamesHidden,
	}
	for i := range s.Steps {
		s.Steps[i] = StepState{Voting: VotingPending, Round: 1, AutoReveal: agenda.Steps[i].AutoReveal}
	}
	s.init()
	return s, creds, nil
}

// Clone deep-copies an agenda, so that a session's snapshot never changes
// with the built-in it was taken from, nor an export with its session.
func (a *Agenda) Clone() *Agenda {
	c := *a
	c.Segments = append([]string(nil), a.Segments...)
	c.Steps = make([]Step, len(a.Steps))
	for i, s := range a.Steps {
		s.Options = append([]string(nil), s.Options...)
		if s.Correct != nil {
			correct := *s.Correct
			s.Correct = &correct
		}
		c.Steps[i] = s
	}
	return &c
}

// init prepares the indexes; the store calls it through Restore.
func (s *Session) init() {
	s.participants = map[string]*Participant{}
	s.byToken = map[string]*Participant{}
	s.votes = make([]map[string]*Vote, len(s.Agenda.Steps))
	s.tallies = make([]*Tally, len(s.Agenda.Steps))
	s.past = make([][]Round, len(s.Agenda.Steps))
	for i := range s.Agenda.Steps {
		s.votes[i] = map[string]*Vote{}
		s.tallies[i] = newTally(&s.Agenda.Steps[i])
		if s.Steps[i].Round < 1 {
			s.Steps[i].Round = 1
		}
		for range s.Steps[i].Round - 1 {
			s.past[i] = append(s.past[i], Round{Votes: map[string]*Vote{}, Tally: newTally(&s.Agenda.Steps[i])})
		}
	}
}

// Restore rebuilds a session read back from the store: its participants and
// votes, and from them the tallies. Votes that no longer fit are an error, so
// that a damaged database is noticed rather than miscounted.
func (s *Session) Restore(participants []Participant, votes []Vote) error {
	if len(s.Steps) != len(s.Agenda.Steps) {
		return Errorf(EINTERNAL, "session %s has %d step states for %d steps", s.ID, len(s.Steps), len(s.Agenda.Steps))
	}
	s.init()
	for i := range participants {
		p := participants[i]
		// The store does not index tokens: they are unique by construction.
		if other := s.byToken[p.TokenHash]; other != nil {
			return Errorf(EINTERNAL, "session %s: participants %s and %s share a token", s.ID, other.ID, p.ID)
		}
		s.participants[p.ID] = &p
		s.byToken[p.TokenHash] = &p
		if p.Proxy {
			s.proxies++
		}
	}
	for i := range votes {
		v := votes[i]
		if v.Step < 0 || v.Step >= len(s.votes) || s.participants[v.ParticipantID] == nil || v.Round < 1 || v.Round > s.Steps[v.Step].Round {
			return Errorf(EINTERNAL, "session %s: vote for step %d round %d by %s does not fit", s.ID, v.Step, v.Round, v.ParticipantID)
		}
		if err := s.Agenda.Steps[v.Step].checkValue(v.Value); err != nil {
			return Errorf(EINTERNAL, "session %s: vote for step %d: %v", s.ID, v.Step, err)
		}
		votes, tally := s.votes[v.Step], s.tallies[v.Step]
		if v.Round < s.Steps[v.Step].Round {
			r := s.past[v.Step][v.Round-1]
			votes, tally = r.Votes, r.Tally
		}
		votes[v.ParticipantID] = &v
		tally.add(v.Value, 1)
	}
	return nil
}

// PastRounds returns the finished rounds of a step, oldest first.
func (s *Session) PastRounds(step int) []Round { return s.past[step] }

// Current returns the current step.
func (s *Session) Current() *Step { return &s.Agenda.Steps[s.CurrentStep] }

// Tally returns the running tally of a step.
func (s *Session) Tally(step int) *Tally { return s.tallies[step] }

// Joined is the number of participants who have joined.
func (s *Session) Joined() int { return len(s.participants) }

// ParticipantByToken finds a participant by the token it was given at join.
func (s *Session) ParticipantByToken(token string) *Participant {
	if token == "" {
		return nil
	}
	return s.byToken[HashSecret(token)]
}

// Participant returns a copy of a participant by id.
func (s *Session) Participant(id string) (Participant, bool) {
	if p := s.participants[id]; p != nil {
		return *p, true
	}
	return Participant{}, false
}

// VotesOf returns a participant's current votes by step index.
func (s *Session) VotesOf(participantID string) map[int]Value {
	out := map[int]Value{}
	for step, byParticipant := range s.votes {
		if v := byParticipant[participantID]; v != nil {
			out[step] = v.Value
		}
	}
	return out
}

// Join admits a new participant and returns it with its secret token.
func (s *Session) Join(name, segment string, now time.Time) (*Participant, string, error) {
	token := NewSecret()
	p, err := s.admit(HashSecret(token), name, segment, now)
	if err != nil {
		return nil, "", err
	}
	return p, token, nil
}

// JoinWithToken admits a participant that brought a secret of its own (a
// phone joining in its WebSocket hello). The same secret again is the same
// participant: a join retried after its answer was lost does not count
// twice. The participant's token is derived from the secret and the
// session, so that one secret in two sessions is two tokens: a token names
// one participant of one session. joined reports a new participant.
func (s *Session) JoinWithToken(clientSecret, name, segment string, now time.Time) (p *Participant, token string, joined bool, err error) {
	if !IsClientToken(clientSecret) {
		return nil, "", false, Errorf(EINVALIDREQUEST, "a participant's own token is %d to %d characters of A-Z, a-z, 0-9, - and _ (32 random bytes in base64url)", minClientToken, maxClientToken)
	}
	token = SessionToken(s.ID, clientSecret)
	if p := s.ParticipantByToken(token); p != nil {
		return p, token, false, nil
	}
	p, err = s.admit(HashSecret(token), name, segment, now)
	if err != nil {
		return nil, "", false, err
	}
	return p, token, true, nil
}

// admit adds a participant with the given token hash.
func (s *Session) admit(tokenHash, name, segment string, now time.Time) (*Participant, error) {
	if s.Status == StatusEnded {
		return nil, Errorf(ESESSIONENDED, "this session has ended")
	}
	name = strings.Join(strings.Fields(name), " ")
	if utf8.RuneCountInString(name) > maxNameRunes || hasControl(name, false) {
		return nil, Errorf(EINVALIDJOIN, "a name has at most %d characters", maxNameRunes)
	}
	if segment != "" && !contains(s.Agenda.Segments, segment) {
		return nil, Errorf(EINVALIDJOIN, "%q is not one of this session's groups", segment)
	}
	p := &Participant{
		// Time-ordered, so that the store's indexes by participant grow at
		// their end instead of taking a random page per join: half the bytes
		// a join burst writes. Only its holder and the host see an id.
		ID:         uuid.Must(uuid.NewV7()).String(),
		SessionID:  s.ID,
		TokenHash:  tokenHash,
		Name:       name,
		Segment:    segment,
		JoinedAt:   now,
		LastSeenAt: now,
	}
	s.participants[p.ID] = p
	s.byToken[p.TokenHash] = p
	return p, nil
}

// MaxProxies bounds the people without a phone a facilitator may vote for.
const MaxProxies = 500

// AddProxy admits someone without a phone, whose votes the facilitator
// enters. Nobody can connect as a proxy: its token is never handed out.
func (s *Session) AddProxy(now time.Time) (*Participant, error) {
	if s.Status != StatusEnded && s.proxies >= MaxProxies {
		return nil, Errorf(EINVALIDACTION, "a session takes at most %d proxies", MaxProxies)
	}
	p, err := s.admit(HashSecret(NewSecret()), "Proxy "+strconv.Itoa(s.proxies+1), "", now)
	if err != nil {
		return nil, err
	}
	s.proxies++
	p.Proxy = true
	return p, nil
}

// Proxies returns the proxies in the order they were added.
func (s *Session) Proxies() []Participant {
	var out []Participant
	for _, p := range s.participants {
		if p.Proxy {
			out = append(out, *p)
		}
	}
	sortByJoin(out)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// CheckMsgID validates a client message id.
func CheckMsgID(id string) error {
	if id == "" || len(id) > maxMsgIDLength || hasControl(id, false) {
		return Errorf(EINVALIDREQUEST, "a vote needs an id of 1 to %d characters", maxMsgIDLength)
	}
	return nil
}

// AnyRound, as the round a vote is meant for, takes the vote in whichever
// round of its step is current.
const AnyRound = 0

// Cast records a participant's vote on a step, replacing its earlier vote in
// the step's current round. round is the round the vote was meant for, or
// AnyRound: a vote sent for a round that is over must not count in the next.
//
// A message id counts once: a vote whose MsgID is that of the participant's
// recorded vote on the step, in the current round or an earlier one, is a
// re-send. It changes nothing, returns that recorded vote (with its round)
// and reports changed false.
func (s *Session) Cast(participantID string, step, round int, v Value, msgID string, now time.Time) (vote Vote, changed bool, err error) {
	if err := CheckMsgID(msgID); err != nil {
		return Vote{}, false, err
	}
	if s.participants[participantID] == nil {
		return Vote{}, false, Errorf(EUNAUTHORIZED, "unknown participant")
	}
	if prev, ok := s.recorded(participantID, step, msgID); ok {
		return prev, false, nil
	}
	if err := s.checkVote(step, round, &v, now); err != nil {
		return Vote{}, false, err
	}
	tally := s.tallies[step]
	if prev := s.votes[step][participantID]; prev != nil {
		tally.add(prev.Value, -1)
	}
	rec := &Vote{SessionID: s.ID, Step: step, Round: s.Steps[step].Round, ParticipantID: participantID, Value: v, MsgID: msgID, At: now}
	s.votes[step][participantID] = rec
	tally.add(v, 1)
	return *rec, true, nil
}

// recorded finds the participant's recorded vote on step, in any round, that
// the message msgID cast.
func (s *Session) recorded(participantID string, step int, msgID string) (Vote, bool) {
	if step < 0 || step >= len(s.Steps) {
		return Vote{}, false
	}
	if v := s.votes[step][participantID]; v != nil && v.MsgID == msgID {
		return *v, true
	}
	for _, r := range s.past[step] {
		if v := r.Votes[participantID]; v != nil && v.MsgID == msgID {
			return *v, true
		}
	}
	return Vote{}, false
}

// checkVote tells whether a vote on step, meant for round, would be taken
// now, and tidies a text answer's spaces.
func (s *Session) checkVote(step, round int, v *Value, now time.Time) error {
	if err := s.votingOpen(step, now); err != nil {
		return err
	}
	switch current := s.Steps[step].Round; {
	case round == AnyRound || round == current:
	case round < 1:
		return Errorf(EVOTINGCLOSED, "there is no round %d; this question is on round %d", round, current)
	case round < current:
		return Errorf(EVOTINGCLOSED, "round %d of this question is over; vote again in round %d", round, current)
	default:
		return Errorf(EVOTINGCLOSED, "round %d of this question has not begun; it is on round %d", round, current)
	}
	def := &s.Agenda.Steps[step]
	if def.Kind == KindText {
		v.Text = strings.Join(strings.Fields(v.Text), " ")
	}
	return def.checkValue(*v)
}

// CastAsProxy records a vote the facilitator enters for someone without a
// phone: as the proxy proxyID, or, when it is empty, as a new proxy, added
// only if the vote is taken. round is as for Cast.
func (s *Session) CastAsProxy(proxyID string, step, round int, v Value, msgID string, now time.Time) (proxy *Participant, vote Vote, changed bool, err error) {
	if proxyID == "" {
		if err := CheckMsgID(msgID); err != nil {
			return nil, Vote{}, false, err
		}
		if err := s.checkVote(step, round, &v, now); err != nil {
			return nil, Vote{}, false, err
		}
		if proxy, err = s.AddProxy(now); err != nil {
			return nil, Vote{}, false, err
		}
	} else if proxy = s.participants[proxyID]; proxy == nil || !proxy.Proxy {
		return nil, Vote{}, false, Errorf(EINVALIDACTION, "there is no proxy with this id")
	}
	vote, changed, err = s.Cast(proxy.ID, step, round, v, msgID, now)
	return proxy, vote, changed, err
}

func (s *Session) votingOpen(step int, now time.Time) error {
	switch {
	case s.Status == StatusEnded:
		return Errorf(ESESSIONENDED, "this session has ended")
	case step < 0 || step >= len(s.Steps):
		// A client's step is a step it was shown: one that does not exist
		// is as closed to votes as any other that is not current.
		return Errorf(EVOTINGCLOSED, "there is no step %d; only the current step takes votes", step)
	case s.Status != StatusLive || step != s.CurrentStep:
		return Errorf(EVOTINGCLOSED, "this question is not open for votes")
	}
	st := &s.Steps[step]
	switch {
	case st.Voting == VotingPending:
		return Errorf(EVOTINGCLOSED, "voting on this question has not opened yet")
	case st.Voting == VotingClosed, !st.Deadline.IsZero() && !now.Before(st.Deadline):
		return Errorf(EVOTINGCLOSED, "voting on this question has closed")
	}
	return nil
}

func (def *Step) checkValue(v Value) error {
	switch def.Kind {
	case KindChoice:
		if v.Text != "" || v.Number < 0 || v.Number >= len(def.Options) {
			return Errorf(EINVALIDVOTE, "choose an option from 0 to %d", len(def.Options)-1)
		}
	case KindScale:
		if v.Text != "" || v.Number < 1 || v.Number > def.Points {
			return Errorf(EINVALIDVOTE, "choose a point from 1 to %d", def.Points)
		}
	case KindText:
		n := utf8.RuneCountInString(v.Text)
		switch {
		case v.Number != 0 || NormalizeText(v.Text) == "":
			return Errorf(EINVALIDVOTE, "write a short answer")
		case n > def.TextLimit():
			return Errorf(EINVALIDVOTE, "an answer has at most %d characters", def.TextLimit())
		case hasControl(v.Text, false) || !utf8.ValidString(v.Text):
			return Errorf(EINVALIDVOTE, "the answer contains characters that are not allowed")
		}
	default:
		return Errorf(EINVALIDVOTE, "this step takes no votes")
	}
	return nil
}

// StateChange is what one facilitator command changed, for the store.
type StateChange struct {
	Event Event
	// Steps lists the indexes of the step states the command changed.
	Steps []int
	// ResetStep is true when the command dropped every vote of Event.Step's
	// current round.
	ResetStep bool
	// Settings is set when the command changed the session's settings.
	Settings *Settings
}

// Do applies a facilitator command. It either changes the session and
// reports what changed, or changes nothing and returns an *Error.
func (s *Session) Do(cmd Command, now time.Time) (*StateChange, error) {
	if s.Status == StatusEnded {
		return nil, Errorf(ESESSIONENDED, "this session has ended")
	}
	change := &StateChange{Event: Event{At: now, Action: cmd.Action, Step: s.CurrentStep}}
	switch cmd.Action {
	case ActionStart:
		if s.Status != StatusLobby {
			return nil, Errorf(EINVALIDACTION, "the session has already started")
		}
		s.start(now)
		change.Steps = []int{s.CurrentStep}
	case ActionNext, ActionPrev, ActionGoto:
		target, err := s.target(cmd)
		if err != nil {
			return nil, err
		}
		if s.Status == StatusLobby {
			s.start(now)
		}
		change.Steps = s.moveTo(target, now)
		change.Event.Step = target
	case ActionForward, ActionBack:
		if err := s.turn(cmd.Action == ActionForward, now, change); err != nil {
			return nil, err
		}
	case ActionOpen, ActionTimer:
		if err := s.checkLiveVotable(); err != nil {
			return nil, err
		}
		st := &s.Steps[s.CurrentStep]
		if cmd.Action == ActionOpen {
			if st.Voting == VotingOpen {
				return nil, Errorf(EINVALIDACTION, "voting is already open")
			}
			st.Deadline = time.Time{}
		} else {
			switch {
			case cmd.Seconds == nil:
				return nil, Errorf(EINVALIDREQUEST, "a timer takes seconds from %d to %d, or 0 to cancel it", MinTimerSeconds, MaxTimerSeconds)
			case *cmd.Seconds != 0 && (*cmd.Seconds < MinTimerSeconds || *cmd.Seconds > MaxTimerSeconds):
				return nil, Errorf(EINVALIDACTION, "a timer runs from %d to %d seconds, or 0 cancels it", MinTimerSeconds, MaxTimerSeconds)
			}
			if *cmd.Seconds == 0 {
				if st.Deadline.IsZero() || !now.Before(st.Deadline) {
					return nil, Errorf(EINVALIDACTION, "no timer is running")
				}
				st.Deadline = time.Time{}
			} else {
				// Milliseconds are all the store and the wire keep.
				st.Deadline = now.Add(time.Duration(*cmd.Seconds) * time.Second).Truncate(time.Millisecond)
			}
		}
		st.Voting = VotingOpen
		change.Steps = []int{s.CurrentStep}
	case ActionClose, ActionExpire:
		if err := s.checkLiveVotable(); err != nil {
			return nil, err
		}
		st := &s.Steps[s.CurrentStep]
		if st.Voting != VotingOpen {
			return nil, Errorf(EINVALIDACTION, "voting is not open")
		}
		if cmd.Action == ActionExpire && (st.Deadline.IsZero() || now.Before(st.Deadline)) {
			return nil, Errorf(EINVALIDACTION, "the timer has not run out")
		}
		st.Voting, st.Deadline = VotingClosed, time.Time{}
		if cmd.Action == ActionExpire && st.AutoReveal == RevealOnTimer {
			st.Revealed = true
		}
		change.Steps = []int{s.CurrentStep}
	case ActionAllVoted:
		st := &s.Steps[s.CurrentStep]
		if s.Status != StatusLive || st.AutoReveal != RevealOnAllVoted || st.Voting != VotingOpen {
			return nil, Errorf(EINVALIDACTION, "this step does not reveal itself when everyone has voted")
		}
		st.Voting, st.Deadline, st.Revealed = VotingClosed, time.Time{}, true
		change.Steps = []int{s.CurrentStep}
	case ActionReveal, ActionHide:
		if s.Status != StatusLive {
			return nil, Errorf(EINVALIDACTION, "start the session first")
		}
		if k := s.Current().Kind; !k.Votable() && k != KindProfile {
			return nil, Errorf(EINVALIDACTION, "an info step has no results to show")
		}
		st := &s.Steps[s.CurrentStep]
		if st.Revealed == (cmd.Action == ActionReveal) {
			return nil, Errorf(EINVALIDACTION, "the results are already %s", map[bool]string{true: "shown", false: "hidden"}[st.Revealed])
		}
		st.Revealed, st.View = cmd.Action == ActionReveal, 0
		change.Steps = []int{s.CurrentStep}
	case ActionReset:
		if err := s.checkLiveVotable(); err != nil {
			return nil, err
		}
		st := s.Steps[s.CurrentStep]
		s.Steps[s.CurrentStep] = StepState{Voting: VotingPending, Round: st.Round, AutoReveal: st.AutoReveal}
		s.votes[s.CurrentStep] = map[string]*Vote{}
		s.tallies[s.CurrentStep] = newTally(s.Current())
		change.Steps = []int{s.CurrentStep}
		change.ResetStep = true
	case ActionRound:
		if err := s.checkLiveVotable(); err != nil {
			return nil, err
		}
		st := s.Steps[s.CurrentStep]
		switch {
		case st.Voting == VotingOpen:
			return nil, Errorf(EINVALIDACTION, "close voting on this round first")
		case s.tallies[s.CurrentStep].N == 0:
			return nil, Errorf(EINVALIDACTION, "round %d has no votes yet", st.Round)
		case st.Round >= MaxRounds:
			return nil, Errorf(EINVALIDACTION, "a step can be asked at most %d times", MaxRounds)
		}
		s.past[s.CurrentStep] = append(s.past[s.CurrentStep], Round{Votes: s.votes[s.CurrentStep], Tally: s.tallies[s.CurrentStep]})
		s.votes[s.CurrentStep] = map[string]*Vote{}
		s.tallies[s.CurrentStep] = newTally(s.Current())
		s.Steps[s.CurrentStep] = StepState{Voting: VotingPending, Round: st.Round + 1, AutoReveal: st.AutoReveal}
		change.Steps = []int{s.CurrentStep}
	case ActionAutoReveal:
		if err := s.checkLiveVotable(); err != nil {
			return nil, err
		}
		switch {
		case cmd.Mode == nil:
			return nil, Errorf(EINVALIDREQUEST, `autoreveal takes a mode: "all-voted", "timer" or "" (by hand)`)
		case !cmd.Mode.valid():
			return nil, Errorf(EINVALIDACTION, `%q is not a way to reveal: "all-voted", "timer" or "" (by hand)`, *cmd.Mode)
		}
		s.Steps[s.CurrentStep].AutoReveal = *cmd.Mode
		change.Steps = []int{s.CurrentStep}
	case ActionSettings:
		if cmd.Settings == nil {
			return nil, Errorf(EINVALIDREQUEST, "settings takes the settings")
		}
		if err := cmd.Settings.Check(); err != nil {
			return nil, err
		}
		s.Settings = *cmd.Settings
		s.Steps[s.CurrentStep].View = 0 // the views may have changed
		change.Settings = &s.Settings
	case ActionEnd:
		s.closeVoting(s.CurrentStep)
		s.Status, s.EndedAt = StatusEnded, now
		change.Steps = []int{s.CurrentStep}
	default:
		return nil, Errorf(EINVALIDREQUEST, "%q is not an action (start, next, prev, forward, back, goto, open, close, reveal, hide, reset, round, timer, autoreveal, settings, end)", cmd.Action)
	}
	return change, nil
}

// Expired reports whether the current step's countdown has run out while
// voting is still open; the owner then applies ActionExpire.
func (s *Session) Expired(now time.Time) bool {
	st := &s.Steps[s.CurrentStep]
	return s.Status == StatusLive && st.Voting == VotingOpen && !st.Deadline.IsZero() && !now.Before(st.Deadline)
}

func (s *Session) start(now time.Time) {
	s.Status, s.StartedAt = StatusLive, now
}

func (s *Session) target(cmd Command) (int, error) {
	target := s.CurrentStep
	switch cmd.Action {
	case ActionNext:
		if s.Status == StatusLobby {
			return s.CurrentStep, nil // the first "next" starts the session on the first step
		}
		target++
	case ActionPrev:
		target--
	case ActionGoto:
		if cmd.Step == nil {
			return 0, Errorf(EINVALIDREQUEST, "goto needs a step")
		}
		target = *cmd.Step
	}
	switch {
	case target >= len(s.Steps) && cmd.Action == ActionNext:
		return 0, Errorf(EINVALIDACTION, "this is the last step")
	case target < 0 && cmd.Action == ActionPrev:
		return 0, Errorf(EINVALIDACTION, "this is the first step")
	case target < 0 || target >= len(s.Steps):
		return 0, Errorf(EINVALIDACTION, "there is no step %d; steps run from 0 to %d", target, len(s.Steps)-1)
	}
	return target, nil
}

// moveTo makes target the current step. Voting on the step left behind
// closes, since participants only ever see the current step.
func (s *Session) moveTo(target int, now time.Time) []int {
	changed := []int{target}
	if target != s.CurrentStep && s.closeVoting(s.CurrentStep) {
		changed = append(changed, s.CurrentStep)
	}
	s.CurrentStep = target
	s.Steps[target].View = 0
	return changed
}

func (s *Session) closeVoting(step int) bool {
	st := &s.Steps[step]
	if st.Voting != VotingOpen {
		return false
	}
	st.Voting, st.Deadline = VotingClosed, time.Time{}
	return true
}

func (s *Session) checkLiveVotable() error {
	if s.Status != StatusLive {
		return Errorf(EINVALIDACTION, "start the session first")
	}
	if !s.Current().Kind.Votable() {
		return Errorf(EINVALIDACTION, "%s step takes no votes", s.Current().Kind.withArticle())
	}
	return nil
}

// VoteOf returns a participant's current vote on a step.
func (s *Session) VoteOf(step int, participantID string) (Vote, bool) {
	if v := s.votes[step][participantID]; v != nil {
		return *v, true
	}
	return Vote{}, false
}

// LastVoteOf returns a participant's vote in the latest round of a step it
// voted in: the current round's vote, else its vote in the newest earlier
// round. A phone that reconnects compares its unacknowledged votes with it.
func (s *Session) LastVoteOf(step int, participantID string) (Vote, bool) {
	if v, ok := s.VoteOf(step, participantID); ok {
		return v, true
	}
	for i := len(s.past[step]) - 1; i >= 0; i-- {
		if v := s.past[step][i].Votes[participantID]; v != nil {
			return *v, true
		}
	}
	return Vote{}, false
}

// SeenResolution is how finely a participant's last-seen time is kept: a
// phone that joins and connects at once, or reconnects within it, costs no
// write of its own (half the commits of a join burst).
const SeenResolution = time.Minute

// Seen moves a participant's last-seen time forward and returns the record
// that saves it, when it moved by at least SeenResolution.
func (s *Session) Seen(participantID string, now time.Time) (SeenRecord, bool) {
	p := s.participants[participantID]
	if p == nil || now.Sub(p.LastSeenAt) < SeenResolution {
		return SeenRecord{}, false
	}
	p.LastSeenAt = now
	return SeenRecord{SessionID: s.ID, ParticipantID: p.ID, At: p.LastSeenAt}, true
}

// Participants returns a copy of every participant, in the order they joined.
func (s *Session) Participants() []Participant {
	out := make([]Participant, 0, len(s.participants))
	for _, p := range s.participants {
		out = append(out, *p)
	}
	sortByJoin(out)
	return out
}

// sortByJoin orders participants as they joined; the id breaks ties.
func sortByJoin(ps []Participant) {
	sort.Slice(ps, func(i, j int) bool {
		if !ps[i].JoinedAt.Equal(ps[j].JoinedAt) {
			return ps[i].JoinedAt.Before(ps[j].JoinedAt)
		}
		return ps[i].ID < ps[j].ID
	})
}
