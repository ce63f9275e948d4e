package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/room"
)

func TestFrameType(t *testing.T) {
	for data, want := range map[string]string{
		`{"type":"state","session":{}}`: "state",
		`{"type":"ack","id":"v0-1"}`:    "ack",
		`{"id":"h1","type":"done"}`:     "done",
		`{ "type" : "error" }`:          "error",
		`not json`:                      "",
		`{"type":"results","step":0}`:   "results",
	} {
		if got := frameType([]byte(data)); got != want {
			t.Errorf("frameType(%s) = %q, want %q", data, got, want)
		}
	}
}

func TestDecodeView(t *testing.T) {
	v, err := decodeView("state", []byte(`{"type":"state","session":{"currentStep":2},"counts":{"joined":3,"connected":3,"voted":1},"step":{"index":2,"kind":"scale","voting":"open","revealed":true},"results":{"step":2,"n":1,"counts":[0,1,0,0,0]}}`))
	if err != nil || v.Step != 2 || v.Voted != 1 || v.Voting != "open" || !v.Revealed || v.Results == nil || v.Results.N != 1 {
		t.Errorf("state: %+v, %v", v, err)
	}
	v, err = decodeView("state", []byte(`{"type":"state","session":{"currentStep":0},"counts":{"voted":0},"step":null}`))
	if err != nil || v.Step != 0 || v.Voting != "" || v.Revealed {
		t.Errorf("lobby state: %+v, %v", v, err)
	}
	v, err = decodeView("results", []byte(`{"type":"results","step":1,"counts":{"joined":5,"connected":5,"voted":4}}`))
	if err != nil || v.Step != 1 || v.Voted != 4 || v.Revealed || v.Results != nil {
		t.Errorf("hidden results: %+v, %v", v, err)
	}
	if _, err := decodeView("ack", []byte(`{"type":"ack"}`)); err == nil {
		t.Error("an ack decoded as a view")
	}
}

// phoneFrame is a participant's state frame as the server sends it, on a
// revealed scale step: about a kilobyte, the most a phone reads at once.
const phoneFrame = `{"type":"state","session":{"id":"0b6f3c2e-4d1a-4f7e-9c35-8a2d5e71b940","code":"48213907","codeDisplay":"4821 3907","title":"quorum-load, 10000 participants","status":"live","currentStep":1,"stepCount":19,"segments":["Manager","Engineer","Designer"],"settings":{"minGroupSize":5,"splitShare":0.25,"reactions":true,"splitByGroup":false}},"counts":{"joined":10000,"connected":9998,"voted":9876},"step":{"index":1,"kind":"scale","title":"Right now, where does most of your energy go?","body":"Think of the last two weeks: the meetings you ran, the decisions you made, the work you checked.","left":"Leading people","right":"Managing work","points":5,"dimension":"Leadership ↔ Management","series":"Today","voting":"closed","revealed":true,"round":1},"results":{"step":1,"kind":"scale","n":9876,"counts":[1201,2710,3044,2105,816],"mean":2.8079182,"stdDev":1.1420394,"shifts":[{"step":1,"from":"Round 1","to":"Round 2","left":"Leading people","right":"Managing work","paired":0,"towardLeft":0,"stayed":0,"towardRight":0}]}}`

func TestPhoneStateReadsWhatDecodeViewReads(t *testing.T) {
	frames := append([]string{phoneFrame}, lookupFrames[:3]...)
	frames = append(frames, lookupFrames[6:9]...)
	for _, frame := range frames {
		want, err := decodeView("state", []byte(frame))
		if err != nil {
			t.Fatal(err)
		}
		want.Voted, want.Results = 0, nil // not a phone's business
		if got, err := phoneState([]byte(frame)); err != nil || got != want {
			t.Errorf("phoneState(%s) = %+v, %v; decodeView reads %+v", frame, got, err, want)
		}
	}
	for _, frame := range []string{
		`{"type":"state","session":{},"step":null}`,
		`{"type":"state","session":{"currentStep":"1"},"step":null}`,
		`{"type":"state","session":{"currentStep":1},"step":{"voting":"open"}}`,
		`{"type":"state","session":{"currentStep":1},"step":{"revealed":true}}`,
		`{"type":"state","session":{"currentStep":1},"step":[]}`,
	} {
		if v, err := phoneState([]byte(frame)); err == nil {
			t.Errorf("phoneState(%s) = %+v, want an error", frame, v)
		}
	}
}

// The server's frames are read by search; any other shape is walked in
// full, and read alike; a frame the search takes is not checked further.
func TestPhoneStateBySearchReadsTheServersFrames(t *testing.T) {
	for i, frame := range []string{phoneFrame, lookupFrames[0], lookupFrames[1], lookupFrames[2], lookupFrames[6]} {
		want, err := phoneStateWalk([]byte(frame))
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := phoneStateBySearch([]byte(frame)); !ok || got != want {
			t.Errorf("frame %d by search: %+v, %v; the walk reads %+v", i, got, ok, want)
		}
	}
	for _, frame := range []string{
		lookupFrames[7], // whitespace between the tokens
		`{"type":"state","step":{"revealed":true,"voting":"open"},"session":{"currentStep":5}}`,
		`{"type":"state","session":{"currentStep":05},"step":null}`,
		`{"type":"state","session":{"currentStep":1},"step":{"voting":"maybe","revealed":false}}`,
		`{"type":"state","session":{"currentStep":1},"step":{"voting":"open","revealed":1}}`,
		`{"type":"state","session":{"currentStep":12345678901},"step":null}`,
	} {
		if v, ok := phoneStateBySearch([]byte(frame)); ok {
			t.Errorf("phoneStateBySearch(%s) = %+v, want it left to the walk", frame, v)
		}
	}
	truncated := `{"type":"state","session":{"currentStep":1},"step":{"voting":"open","revealed":false}`
	if _, ok := phoneStateBySearch([]byte(truncated)); !ok {
		t.Error("a frame whose keys read by search was left to the walk")
	}
	if v, err := phoneStateWalk([]byte(truncated)); err == nil {
		t.Errorf("the walk read a truncated frame: %+v", v)
	}
}

// A phone's state as the server's own types encode it, with text that
// looks like the keys, is read by search as the walk reads it: a change to
// the server's field order that the search cannot follow fails here.
func TestPhoneStateBySearchReadsRoomStates(t *testing.T) {
	tricky := `"currentStep":7,"step":{"voting":"closed","revealed":true}`
	deadline := time.Now()
	mean := 2.5
	for _, msg := range []room.StateMsg{
		{Type: "state", Session: room.SessionView{ID: "s", Title: tricky, Status: quorum.StatusLobby, Segments: []string{tricky}}},
		{
			Type:    "state",
			Session: room.SessionView{ID: "s", Title: tricky, Status: quorum.StatusLive, CurrentStep: 3, StepCount: 9},
			Counts:  room.Counts{Joined: 10, Connected: 9, Voted: 4},
			Step: &room.StepView{Index: 3, Kind: quorum.StepKind("choice"), Title: tricky, Body: tricky, Options: []string{tricky, `"revealed":false`},
				Voting: quorum.Voting("open"), Round: 2, Deadline: &deadline, RemainingMs: 1500},
		},
		{
			Type:    "state",
			Session: room.SessionView{ID: "s", Status: quorum.StatusLive, CurrentStep: 12},
			Step:    &room.StepView{Index: 12, Kind: quorum.StepKind("scale"), Left: tricky, Right: tricky, Points: 5, Voting: quorum.Voting("closed"), Revealed: true},
			Results: &room.ResultsView{Step: 12, Kind: quorum.StepKind("scale"), N: 4, Counts: []int{1, 1, 1, 1, 0}, Mean: &mean},
		},
	} {
		data, err := json.Marshal(msg)
		if err != nil {
			t.Fatal(err)
		}
		want, err := phoneStateWalk(data)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := phoneStateBySearch(data); !ok || got != want {
			t.Errorf("%s by search: %+v, %v; the walk reads %+v", data, got, ok, want)
		}
	}
}

func TestPhoneReply(t *testing.T) {
	for frame, want := range map[string]replyFrame{
		`{"type":"ack","id":"v1-42","step":1,"value":2}`:                                                       {ID: "v1-42"},
		`{"type":"error","id":"c7f1-3","code":"voting_closed","message":"voting on this question has closed"}`: {ID: "c7f1-3", Code: "voting_closed", Message: "voting on this question has closed"},
		`{"type":"error","code":"bad_frame","message":"a \"vote\" needs a step"}`:                              {Code: "bad_frame", Message: `a "vote" needs a step`},
		`{"type":"ack","id":"v1-42"`: {},
	} {
		if got := phoneReply([]byte(frame)); got != want {
			t.Errorf("phoneReply(%s) = %+v, want %+v", frame, got, want)
		}
	}
}

func TestAppendVoteIsWhatEncodingJSONWrites(t *testing.T) {
	for _, v := range []vote{
		{Type: "vote", ID: "v1-0", Step: 1, Value: 0},
		{Type: "vote", ID: "c12-9999", Step: 12, Value: 5},
		{Type: "vote", ID: "", Step: 0, Value: -1},
	} {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendVote(nil, v); string(got) != string(want) {
			t.Errorf("appendVote(%+v) = %s, want %s", v, got, want)
		}
	}
}

// BenchmarkParseState reads a participant's state frame with encoding/json,
// with the walk and by search.
func BenchmarkParseState(b *testing.B) {
	data := []byte(phoneFrame)
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := decodeView("state", data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("walk", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := phoneStateWalk(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("search", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, ok := phoneStateBySearch(data); !ok {
				b.Fatal("not read by search")
			}
		}
	})
}
