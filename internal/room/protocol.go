package room

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// Role is what a connection may see and do.
type Role string

const (
	RoleParticipant Role = "participant" // votes; sees results only after the reveal
	RoleScreen      Role = "screen"      // read-only; sees counts, and results after the reveal
	RoleHost        Role = "host"        // full control; sees everything
)

// WebSocket close codes besides the standard ones. docs/protocol.md lists them.
const (
	CloseBadHello       = 4400 // the first frame was not a valid hello
	CloseUnauthorized   = 4401 // the token or key is wrong
	CloseNotFound       = 4404 // the session does not exist (or was deleted)
	CloseHelloTimeout   = 4408 // no hello within the time limit
	CloseTooSlow        = 4429 // the client did not read fast enough; reconnect
	CloseServiceRestart = 1012 // the server is restarting; reconnect
	CloseTryAgainLater  = 1013 // too many connections from the client's address, or a room too busy for the hello
	CloseInternal       = 1011
)

// Inbound is every frame a client may send; Type says which fields apply.
type Inbound struct {
	Type string `json:"type"` // hello, vote, action

	// hello
	Role    Role   `json:"role,omitempty"`
	Session string `json:"session,omitempty"`
	Token   string `json:"token,omitempty"` // participant
	Key     string `json:"key,omitempty"`   // host and screen
	// A participant may join in its hello instead: the join code, and the
	// name and group it would send to POST /api/join (then no session or
	// token; the welcome carries them).
	Code    string `json:"code,omitempty"`
	Name    string `json:"name,omitempty"`
	Segment string `json:"segment,omitempty"`

	// vote and action: the client's message id, echoed in the reply
	ID string `json:"id,omitempty"`

	// vote
	Step  *int            `json:"step,omitempty"`
	Value json.RawMessage `json:"value,omitempty"`
	// Round, when given, is the round the vote was meant for: a vote for a
	// round that is over is refused instead of counting in the next one.
	Round *int `json:"round,omitempty"`

	// action
	Action   quorum.Action      `json:"action,omitempty"`
	Seconds  *int               `json:"seconds,omitempty"`
	Mode     *quorum.AutoReveal `json:"mode,omitempty"`
	Settings *quorum.Settings   `json:"settings,omitempty"`

	// proxy (a host's vote for someone without a phone; also step and
	// value): the proxy to vote as again, empty for a new one
	Proxy string `json:"proxy,omitempty"`

	// react
	Emoji string `json:"emoji,omitempty"`

	// Rehome is a hello a cluster node repeats, for a connection it keeps
	// open, to the node that took its session over: the connection has its
	// welcome, and gets the state only. Never read from a client.
	Rehome bool `json:"-"`
}

// parseValue reads a vote value: a whole number (choice, scale) or a string (text).
func parseValue(raw json.RawMessage) (quorum.Value, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return quorum.Value{}, quorum.Errorf(quorum.EINVALIDVOTE, "a vote needs a value")
	}
	if raw[0] == '"' {
		var text string
		if err := json.Unmarshal(raw, &text); err != nil {
			return quorum.Value{}, quorum.Errorf(quorum.EINVALIDVOTE, "the value is not a valid string")
		}
		return quorum.Value{Text: text}, nil
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1e6 {
		return quorum.Value{}, quorum.Errorf(quorum.EINVALIDVOTE, "the value must be a whole number or a string")
	}
	return quorum.Value{Number: int(f)}, nil
}

// valueJSON is a vote value as it appears on the wire.
func valueJSON(step *quorum.Step, v quorum.Value) any {
	if step.Kind == quorum.KindText {
		return v.Text
	}
	return v.Number
}

// Counts are the room's numbers: who joined, who is connected, who voted on
// the current step.
type Counts struct {
	Joined    int `json:"joined"`
	Connected int `json:"connected"`
	Voted     int `json:"voted"`
	// NotVoted is how many connected participants have not voted on the
	// current step's round: the room's "waiting for" number.
	NotVoted int `json:"notVoted"`
}

// StateMsg is the full state for one role. It is sent on connect and after
// every state change, encoded once per role.
type StateMsg struct {
	Type    string       `json:"type"` // "state"
	Session SessionView  `json:"session"`
	Counts  Counts       `json:"counts"`
	Step    *StepView    `json:"step"`              // nil in the lobby
	Results *ResultsView `json:"results,omitempty"` // host always; others once revealed
	Steps   []StepBrief  `json:"steps,omitempty"`   // host only: the agenda with each step's state
	Proxies []ProxyView  `json:"proxies,omitempty"` // host only: people without a phone to vote for
}

// ProxyView is a proxy the facilitator can vote as again.
type ProxyView struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// SessionView is what every role knows of a session.
type SessionView struct {
	ID          string        `json:"id"`
	Code        string        `json:"code"`
	CodeDisplay string        `json:"codeDisplay"`
	Title       string        `json:"title"`
	Status      quorum.Status `json:"status"`
	CurrentStep int           `json:"currentStep"`
	StepCount   int           `json:"stepCount"`
	Segments    []string      `json:"segments,omitempty"`
	// Names is what the phones were told: "hidden" (answers are anonymous)
	// or "visible" (the facilitator sees names next to answers).
	Names    quorum.Names    `json:"names"`
	JoinURL  string          `json:"joinUrl,omitempty"` // host and screen
	Settings quorum.Settings `json:"settings"`
	// Owner is the node that runs the session in a cluster (host only).
	Owner string `json:"owner,omitempty"`
}

// StepView is the current step as a role sees it.
type StepView struct {
	Index       int               `json:"index"`
	Kind        quorum.StepKind   `json:"kind"`
	Title       string            `json:"title"`
	Body        string            `json:"body,omitempty"`
	Notes       string            `json:"notes,omitempty"` // host only
	Options     []string          `json:"options,omitempty"`
	Left        string            `json:"left,omitempty"`
	Right       string            `json:"right,omitempty"`
	Points      int               `json:"points,omitempty"`
	Dimension   string            `json:"dimension,omitempty"`
	Series      string            `json:"series,omitempty"`
	MaxLength   int               `json:"maxLength,omitempty"`
	Voting      quorum.Voting     `json:"voting"`
	Revealed    bool              `json:"revealed"`
	Round       int               `json:"round"`
	AutoReveal  quorum.AutoReveal `json:"autoReveal,omitempty"`
	Deadline    *time.Time        `json:"deadline,omitempty"`
	RemainingMs int64             `json:"remainingMs,omitempty"` // from the server's clock, for clients whose clock is off
	// Views are the views of the step's stage on the shared screen, and View
	// the one it shows, from 0 (hosts and screens only).
	Views []quorum.View `json:"views,omitempty"`
	View  int           `json:"view,omitempty"`
}

// StepBrief is one line of the host's agenda list.
type StepBrief struct {
	Kind     quorum.StepKind `json:"kind"`
	Title    string          `json:"title"`
	Voting   quorum.Voting   `json:"voting"`
	Revealed bool            `json:"revealed"`
	Votes    int             `json:"votes"`
	Round    int             `json:"round"`
}

// ResultsView is a step's aggregate. Which fields are set depends on Kind.
type ResultsView struct {
	Step    int                   `json:"step"`
	Kind    quorum.StepKind       `json:"kind"`
	N       int                   `json:"n"`
	Counts  []int                 `json:"counts,omitempty"`  // choice: per option; scale: per point from 1
	Correct *int                  `json:"correct,omitempty"` // choice with a correct option
	Mean    *float64              `json:"mean,omitempty"`    // scale
	StdDev  *float64              `json:"stdDev,omitempty"`  // scale, population
	Words   []quorum.WordCount    `json:"words,omitempty"`   // text
	Profile []quorum.ProfileEntry `json:"profile,omitempty"` // profile, and a scale with a dimension: the profile so far
	Gaps    []quorum.ProfileGap   `json:"gaps,omitempty"`    // profile: today → target
	// Round is the step's round when it has been asked more than once.
	Round int `json:"round,omitempty"`
	// Shifts are the paired comparisons this step shows: a scale step's
	// rounds, a profile's series.
	Shifts []quorum.Shift `json:"shifts,omitempty"`
	// Groups splits choice and scale results by group; ProfileGroups the
	// profile. Both only when the facilitator splits by group.
	Groups        []GroupView           `json:"groups,omitempty"`
	ProfileGroups []quorum.GroupProfile `json:"profileGroups,omitempty"`
}

// GroupView is one group's column of a split result. A hidden group has
// too few answers to show; only its name says it is there.
type GroupView struct {
	Group  string   `json:"group"`
	Pooled int      `json:"pooled,omitempty"` // "Other groups": how many groups it holds
	Hidden bool     `json:"hidden,omitempty"`
	N      int      `json:"n"`
	Counts []int    `json:"counts,omitempty"`
	Mean   *float64 `json:"mean,omitempty"`
}

// ReactionsMsg carries the reactions sent since the last one, by emoji.
type ReactionsMsg struct {
	Type   string         `json:"type"` // "reactions"
	Counts map[string]int `json:"counts"`
}

// ResultsMsg is a coalesced live update of the current step's numbers.
type ResultsMsg struct {
	Type    string       `json:"type"` // "results"
	Step    int          `json:"step"`
	Counts  Counts       `json:"counts"`
	Results *ResultsView `json:"results,omitempty"`
}

// WelcomeMsg is the first frame after a good hello.
type WelcomeMsg struct {
	Type        string           `json:"type"` // "welcome"
	Role        Role             `json:"role"`
	SessionID   string           `json:"session"`
	Participant *ParticipantView `json:"participant,omitempty"`
	// Token is the new participant's token, when it joined in its hello:
	// the phone keeps it to reconnect with.
	Token string `json:"token,omitempty"`
	// Votes are a participant's own votes by step index: on each step, its
	// vote in the latest round it voted in, so that a phone whose ack was
	// lost finds its vote even after a new round began.
	Votes map[string]VoteAck `json:"votes,omitempty"`
}

// ParticipantView is what a participant knows of itself.
type ParticipantView struct {
	ID      string `json:"id"`
	Name    string `json:"name,omitempty"`
	Segment string `json:"segment,omitempty"`
}

// VoteAck confirms a committed vote: the client's id, the step, the round it
// counts in, and the value as recorded (a text answer's spaces folded).
type VoteAck struct {
	Type  string `json:"type,omitempty"` // "ack"
	ID    string `json:"id"`
	Step  int    `json:"step"`
	Round int    `json:"round"`
	Value any    `json:"value"`
}

// DoneMsg confirms a committed host action.
type DoneMsg struct {
	Type   string        `json:"type"` // "done"
	ID     string        `json:"id,omitempty"`
	Action quorum.Action `json:"action"`
	Proxy  string        `json:"proxy,omitempty"` // proxy: who the vote was for
}

// ErrorMsg reports a refused frame. ID echoes the frame's id when it had one.
type ErrorMsg struct {
	Type    string           `json:"type"` // "error"
	ID      string           `json:"id,omitempty"`
	Code    string           `json:"code"`
	Message string           `json:"message"`
	Details []quorum.Problem `json:"problems,omitempty"`
}

// Refused is the error frame for a refused frame of id.
func Refused(id string, err error) ErrorMsg {
	return ErrorMsg{Type: "error", ID: id, Code: quorum.ErrorCode(err), Message: quorum.ErrorMessage(err), Details: quorum.ErrorProblems(err)}
}

// appendAck encodes a VoteAck by hand: one is sent per vote, so it skips
// reflection and the prepared-message machinery meant for broadcasts.
func appendAck(b []byte, v quorum.Vote, text bool) []byte {
	b = append(b, `{"type":"ack","id":`...)
	b = appendJSONString(b, v.MsgID)
	b = append(b, `,"step":`...)
	b = strconv.AppendInt(b, int64(v.Step), 10)
	b = append(b, `,"round":`...)
	b = strconv.AppendInt(b, int64(v.Round), 10)
	b = append(b, `,"value":`...)
	if text {
		b = appendJSONString(b, v.Value.Text)
	} else {
		b = strconv.AppendInt(b, int64(v.Value.Number), 10)
	}
	return append(b, '}')
}

// appendJSONString quotes s as a JSON string; anything beyond plain quotes
// and backslashes goes through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '<' || c == '>' || c == '&' || c >= utf8.RuneSelf {
			enc, _ := json.Marshal(s) // a string always marshals
			return append(b, enc...)
		}
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}
