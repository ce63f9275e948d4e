package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/room"
)

// One rule for a refused command, over HTTP and the WebSocket alike: a
// request that cannot be read as a command (a field missing or of the wrong
// type, an unknown action) is 400 invalid_request; a command that was read
// but that this session will not do with these arguments (a step, a mode, a
// number of seconds, a setting out of range; an action that is the session's
// own) is 409 invalid_action. docs/protocol.md lists the same cases.
func TestCommandRefusals(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{})
	s := ts.create(map[string]any{"title": "Refusals", "steps": []map[string]any{
		{"kind": "info", "title": "Welcome"},
		{"kind": "choice", "title": "Q", "options": []string{"A", "B"}},
	}})
	// On a voting step, so that each command gets as far as its arguments.
	if status := ts.call("POST", "/api/sessions/"+s.ID+"/actions", s.HostKey, `{"action":"goto","step":1}`, nil); status != http.StatusOK {
		t.Fatalf("goto: %d", status)
	}
	host := ts.connect("host", "host", s.ID, s.HostKey)
	host.awaitType("state")

	tests := []struct {
		name, command string
		code          string
		httpOnly      bool // the WebSocket ignores unknown fields
	}{
		// Malformed: 400 invalid_request.
		{name: "unknown action", command: `{"action":"explode"}`, code: quorum.EINVALIDREQUEST},
		{name: "no action", command: `{}`, code: quorum.EINVALIDREQUEST},
		{name: "action of the wrong type", command: `{"action":5}`, code: quorum.EINVALIDREQUEST},
		{name: "goto without a step", command: `{"action":"goto"}`, code: quorum.EINVALIDREQUEST},
		{name: "goto with a step of the wrong type", command: `{"action":"goto","step":"1"}`, code: quorum.EINVALIDREQUEST},
		{name: "timer without seconds", command: `{"action":"timer"}`, code: quorum.EINVALIDREQUEST},
		{name: "timer with seconds of the wrong type", command: `{"action":"timer","seconds":"60"}`, code: quorum.EINVALIDREQUEST},
		{name: "autoreveal without a mode", command: `{"action":"autoreveal"}`, code: quorum.EINVALIDREQUEST},
		{name: "autoreveal with a mode of the wrong type", command: `{"action":"autoreveal","mode":1}`, code: quorum.EINVALIDREQUEST},
		{name: "settings without settings", command: `{"action":"settings"}`, code: quorum.EINVALIDREQUEST},
		{name: "settings of the wrong type", command: `{"action":"settings","settings":{"minGroupSize":"3","splitShare":0.3,"reactions":true,"splitByGroup":false}}`, code: quorum.EINVALIDREQUEST},
		{name: "unknown field", command: `{"action":"goto","step":1,"force":true}`, code: quorum.EINVALIDREQUEST, httpOnly: true},

		// Read, but not for this session: 409 invalid_action.
		{name: "goto past the last step", command: `{"action":"goto","step":2}`, code: quorum.EINVALIDACTION},
		{name: "goto a negative step", command: `{"action":"goto","step":-1}`, code: quorum.EINVALIDACTION},
		{name: "timer of 4 s", command: `{"action":"timer","seconds":4}`, code: quorum.EINVALIDACTION},
		{name: "timer of 3601 s", command: `{"action":"timer","seconds":3601}`, code: quorum.EINVALIDACTION},
		{name: "negative timer", command: `{"action":"timer","seconds":-5}`, code: quorum.EINVALIDACTION},
		{name: "unknown autoreveal mode", command: `{"action":"autoreveal","mode":"sometimes"}`, code: quorum.EINVALIDACTION},
		{name: "minGroupSize of 0", command: `{"action":"settings","settings":{"minGroupSize":0,"splitShare":0.3,"reactions":true,"splitByGroup":false}}`, code: quorum.EINVALIDACTION},
		{name: "minGroupSize of 51", command: `{"action":"settings","settings":{"minGroupSize":51,"splitShare":0.3,"reactions":true,"splitByGroup":false}}`, code: quorum.EINVALIDACTION},
		{name: "splitShare of 0.9", command: `{"action":"settings","settings":{"minGroupSize":3,"splitShare":0.9,"reactions":true,"splitByGroup":false}}`, code: quorum.EINVALIDACTION},
		{name: "expire from a host", command: `{"action":"expire"}`, code: quorum.EINVALIDACTION},
		{name: "allvoted from a host", command: `{"action":"allvoted"}`, code: quorum.EINVALIDACTION},
		{name: "close before voting opened", command: `{"action":"close"}`, code: quorum.EINVALIDACTION},
	}
	status := map[string]int{quorum.EINVALIDREQUEST: http.StatusBadRequest, quorum.EINVALIDACTION: http.StatusConflict}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e apiError
			got := ts.call("POST", "/api/sessions/"+s.ID+"/actions", s.HostKey, tt.command, &e)
			if got != status[tt.code] || e.Error.Code != tt.code || e.Error.Message == "" {
				t.Errorf("HTTP: %d %q %q, want %d %q", got, e.Error.Code, e.Error.Message, status[tt.code], tt.code)
			}
			if tt.httpOnly {
				return
			}
			id := fmt.Sprint("r", i)
			msg := `{"type":"action","id":"` + id + `"`
			if fields := strings.TrimSuffix(strings.TrimPrefix(tt.command, "{"), "}"); fields != "" {
				msg += "," + fields
			}
			host.send(msg + "}")
			if f := host.await("the answer to "+id, func(f frame) bool { return f.ID == id }); f.Type != "error" || f.Code != tt.code {
				t.Errorf("WebSocket: %s %q %q, want error %q", f.Type, f.Code, f.Message, tt.code)
			}
		})
	}

	// The same rule for the frames that are not actions.
	p := ts.join(s.Code, "", "")
	phone := ts.connect("phone", "participant", s.ID, p.Token)
	phone.awaitType("state")
	frames := []struct {
		name string
		c    *client
		msg  string
		code string
	}{
		{"a proxy that does not exist", host, `{"type":"proxy","id":"f1","step":1,"value":0,"proxy":"nobody"}`, quorum.EINVALIDACTION},
		{"a reaction that is not offered", phone, `{"type":"react","id":"f2","emoji":"🍕"}`, quorum.EINVALIDACTION},
		{"a reaction of the wrong type", phone, `{"type":"react","id":"f3","emoji":1}`, quorum.EINVALIDREQUEST},
	}
	for _, tt := range frames {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.send(tt.msg)
			if f := tt.c.awaitType("error"); f.Code != tt.code {
				t.Errorf("%q %q, want %q", f.Code, f.Message, tt.code)
			}
		})
	}

	// A refused command changes nothing.
	var st room.StateMsg
	ts.call("GET", "/api/sessions/"+s.ID, s.HostKey, nil, &st)
	if st.Session.CurrentStep != 1 || st.Step.Voting != quorum.VotingPending || st.Step.AutoReveal != "" || st.Session.Settings != quorum.DefaultSettings() {
		t.Errorf("after the refusals: step %d, %+v, settings %+v", st.Session.CurrentStep, st.Step, st.Session.Settings)
	}
}
