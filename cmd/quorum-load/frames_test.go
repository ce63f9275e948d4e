package main

import "testing"

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
