package main

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Server frames as the generator reads them (docs/protocol.md, "Server
// frames"). Thousands of connections read them at once on the same cores as
// the server, so each frame is decoded once, into a struct of its own type.

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
