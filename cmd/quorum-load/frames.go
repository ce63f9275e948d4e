package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Server frames as the generator reads them (docs/protocol.md, "Server
// frames"). Thousands of connections read them at once on the same cores as
// the server, so each frame is decoded once, into a struct of its own type;
// the participants, who are the thousands, read theirs with lookup instead
// (phoneState, phoneReply), taking only the fields they need.

// frameType reads a frame's type from its start, where the server writes it,
// or else from the decoded frame.
func frameType(data []byte) string {
	const prefix = `{"type":"`
	if rest, ok := bytes.CutPrefix(data, []byte(prefix)); ok {
		if i := bytes.IndexByte(rest, '"'); i >= 0 {
			return string(rest[:i])
		}
	}
	var f struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(data, &f)
	return f.Type
}

type stateFrame struct {
	Session struct {
		CurrentStep int `json:"currentStep"`
	} `json:"session"`
	Counts  counts       `json:"counts"`
	Step    *stepView    `json:"step"` // nil in the lobby
	Results *resultsView `json:"results"`
}

type resultsFrame struct {
	Step    int          `json:"step"`
	Counts  counts       `json:"counts"`
	Results *resultsView `json:"results"`
}

type counts struct {
	Voted int `json:"voted"`
}

type stepView struct {
	Index    int      `json:"index"`
	Kind     string   `json:"kind"`
	Voting   string   `json:"voting"`
	Revealed bool     `json:"revealed"`
	Options  []string `json:"options"`
	Points   int      `json:"points"`
}

type resultsView struct {
	N      int   `json:"n"`
	Counts []int `json:"counts"`
}

// replyFrame is an ack, a done or an error.
type replyFrame struct {
	ID      string `json:"id"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// view is what a state or results frame shows of the current step.
type view struct {
	Step     int
	Voted    int    // counts.voted
	Voting   string // state frames only
	Revealed bool
	Results  *resultsView
}

// decodeView reads a state or results frame. A results frame carries
// results for a screen or a phone only once the step is revealed.
func decodeView(typ string, data []byte) (view, error) {
	switch typ {
	case "state":
		var f stateFrame
		if err := json.Unmarshal(data, &f); err != nil {
			return view{}, err
		}
		v := view{Step: f.Session.CurrentStep, Voted: f.Counts.Voted, Results: f.Results}
		if f.Step != nil {
			v.Voting, v.Revealed = f.Step.Voting, f.Step.Revealed
		}
		return v, nil
	case "results":
		var f resultsFrame
		if err := json.Unmarshal(data, &f); err != nil {
			return view{}, err
		}
		return view{Step: f.Step, Voted: f.Counts.Voted, Revealed: f.Results != nil, Results: f.Results}, nil
	}
	return view{}, fmt.Errorf("a %q frame is not a state or results frame", typ)
}

// phoneState reads what a participant needs of a state frame: the current
// step and, once the session is live, whether voting on it is open and
// whether it is revealed. It reads what decodeView does, without encoding/json
// or an allocation. Ten thousand phones read each state on the cores the
// server shares, and walking a kilobyte of JSON took a fifth of the
// generator's CPU per state: the three keys are found by search
// (phoneStateBySearch), and only a frame they cannot be read from so is
// walked in full (phoneStateWalk), which fails on one that is not
// well-formed.
func phoneState(data []byte) (view, error) {
	if v, ok := phoneStateBySearch(data); ok {
		return v, nil
	}
	return phoneStateWalk(data)
}

// The keys phoneStateBySearch looks for, with their quotes and colon.
var (
	keyCurrentStep = []byte(`"currentStep":`)
	keyStep        = []byte(`"step":`)
	keyVoting      = []byte(`"voting":`)
	keyRevealed    = []byte(`"revealed":`)
)

// phoneStateBySearch reads a state frame as the server encodes one for a
// phone: its type first, the session (with currentStep) before the step,
// and the step's voting and revealed before anything nested in it; a phone's
// state holds each key once in those places. A key with its quotes and colon
// cannot occur inside a string, where a quote is always escaped, so a search
// finds only keys. ok is false unless every value reads as the server writes
// it; the frame is not checked further.
func phoneStateBySearch(data []byte) (v view, ok bool) {
	if !bytes.HasPrefix(data, []byte(`{"type":"state",`)) || !bytes.HasSuffix(data, []byte("}")) {
		return view{}, false
	}
	rest, ok := after(data, keyCurrentStep)
	if !ok {
		return view{}, false
	}
	digits := 0
	for digits < len(rest) && digits < 9 && isDigit(rest[digits]) {
		v.Step = v.Step*10 + int(rest[digits]-'0')
		digits++
	}
	if digits == 0 || rest[0] == '0' && digits > 1 || !endsValue(rest[digits:]) {
		return view{}, false
	}
	if rest, ok = after(rest[digits:], keyStep); !ok {
		return view{}, false
	}
	if bytes.HasPrefix(rest, []byte("null")) && endsValue(rest[4:]) {
		return v, true // the lobby
	}
	if len(rest) == 0 || rest[0] != '{' {
		return view{}, false
	}
	if rest, ok = after(rest, keyVoting); !ok {
		return view{}, false
	}
	end := bytes.IndexByte(rest[min(1, len(rest)):], '"') + 2
	if end < 2 || rest[0] != '"' || !endsValue(rest[end:]) {
		return view{}, false
	}
	switch string(rest[:end]) {
	case `"pending"`, `"open"`, `"closed"`:
		v.Voting, _ = votingOf(rest[:end])
	default:
		return view{}, false // a value of another kind: the walk reads it
	}
	if rest, ok = after(rest[end:], keyRevealed); !ok {
		return view{}, false
	}
	switch {
	case bytes.HasPrefix(rest, []byte("true")) && endsValue(rest[4:]):
		v.Revealed = true
	case bytes.HasPrefix(rest, []byte("false")) && endsValue(rest[5:]):
	default:
		return view{}, false
	}
	return v, true
}

// after returns what follows the first key in data.
func after(data, key []byte) ([]byte, bool) {
	i := bytes.Index(data, key)
	if i < 0 {
		return nil, false
	}
	return data[i+len(key):], true
}

// endsValue tells whether rest starts where a value in an object ends.
func endsValue(rest []byte) bool { return len(rest) > 0 && (rest[0] == ',' || rest[0] == '}') }

// phoneStateWalk reads what phoneState does by walking the whole frame,
// once, then the session and the step within it; it fails on a frame that
// is not well-formed.
func phoneStateWalk(data []byte) (view, error) {
	var top [2][]byte
	if !lookupMembers(data, []string{"session", "step"}, top[:]) {
		return view{}, errors.New("a state frame that is not a well-formed JSON object")
	}
	session, step := top[0], top[1]
	current, ok := lookupInt(session, "currentStep")
	if !ok {
		return view{}, errors.New("a state frame without a session.currentStep")
	}
	v := view{Step: current}
	if step == nil || string(step) == "null" {
		return v, nil // the lobby
	}
	var fields [2][]byte
	if !lookupMembers(step, []string{"voting", "revealed"}, fields[:]) {
		return view{}, errors.New("a state frame whose step is not an object")
	}
	if v.Voting, ok = votingOf(fields[0]); !ok {
		return view{}, errors.New("a state frame without a step.voting string")
	}
	switch string(fields[1]) {
	case "true":
		v.Revealed = true
	case "false":
	default:
		return view{}, errors.New("a state frame without a step.revealed true or false")
	}
	return v, nil
}

// votingOf reads step.voting, raw. The values the server sends come back as
// constants, so that reading them allocates nothing.
func votingOf(raw []byte) (string, bool) {
	switch string(raw) {
	case `"pending"`:
		return "pending", true
	case `"open"`:
		return "open", true
	case `"closed"`:
		return "closed", true
	}
	return unquote(raw)
}

// phoneReply reads an ack or an error for a participant. A field that is
// missing reads as empty, as encoding/json would leave it; a frame that is
// not well-formed reads as all empty, and so answers no vote.
func phoneReply(data []byte) replyFrame {
	var f replyFrame
	f.ID, _ = lookupString(data, "id")
	f.Code, _ = lookupString(data, "code")
	f.Message, _ = lookupString(data, "message")
	return f
}

// appendVote encodes a vote frame by hand, as encoding/json would: ten
// thousand phones vote within the same second, on the server's cores. The
// ids are the generator's own, in ASCII, where Go's quoting is JSON's.
func appendVote(b []byte, v vote) []byte {
	b = append(b, `{"type":`...)
	b = strconv.AppendQuote(b, v.Type)
	b = append(b, `,"id":`...)
	b = strconv.AppendQuote(b, v.ID)
	b = append(b, `,"step":`...)
	b = strconv.AppendInt(b, int64(v.Step), 10)
	b = append(b, `,"value":`...)
	b = strconv.AppendInt(b, int64(v.Value), 10)
	return append(b, '}')
}
