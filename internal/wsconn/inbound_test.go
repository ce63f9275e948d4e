package wsconn

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/quorum-workshop/quorum/internal/room"
)

// The frames phones send most are read by hand, and read as encoding/json
// reads them.
func TestPlainFramesAreReadByHand(t *testing.T) {
	for _, frame := range []string{
		`{"type":"vote","id":"v1-3","step":1,"value":3}`,
		`{"type":"vote","id":"v1","step":0,"value":"Listen more","round":2}`,
		` { "type" : "hello", "role":"participant", "session":"3f0c", "token":"tok_-x" } `,
		`{"type":"hello","role":"screen","session":"s","key":"k","step":-0}`,
		`{"type":"hello","role":"participant","code":"2709 5924","name":"José Ñúñez 李","token":"abc"}`,
		`{"type":"vote","id":"v2","step":3,"value":"Zuhören — mehr"}`,
		`{"type":"react","id":"r-1","emoji":"👍"}`,
		`{}`,
	} {
		var hand, std room.Inbound
		if !readPlainInbound([]byte(frame), &hand) {
			t.Errorf("%s: not read by hand", frame)
			continue
		}
		if err := json.Unmarshal([]byte(frame), &std); err != nil {
			t.Fatalf("%s: %v", frame, err)
		}
		if !reflect.DeepEqual(hand, std) {
			t.Errorf("%s: by hand %+v, encoding/json %+v", frame, hand, std)
		}
	}
}

// Anything beyond plain fields goes to encoding/json, with its meaning
// (case-insensitive keys, escapes, unknown keys) and its errors.
func TestOtherFramesGoToEncodingJSON(t *testing.T) {
	for frame, want := range map[string]room.Inbound{
		`{"Type":"vote"}`:                     {Type: "vote"},
		`{"type":"v\u006fte"}`:                {Type: "vote"},
		`{"type":"vote","extra":[1,{"a":2}]}`: {Type: "vote"},
		"{\"type\":\"vote\",\"id\":\"\xff\"}": {Type: "vote", ID: "\ufffd"}, // invalid UTF-8: replaced
		`{"type":"vote","id":"\u00fc"}`:       {Type: "vote", ID: "ü"},
		`{"type":"vote","value":1.0}`:         {Type: "vote", Value: json.RawMessage(`1.0`)},
	} {
		var in room.Inbound
		if readPlainInbound([]byte(frame), &in) {
			t.Errorf("%s: read by hand", frame)
		}
		if err := decodeInbound([]byte(frame), &in); err != nil {
			t.Fatalf("%s: %v", frame, err)
		}
		if !reflect.DeepEqual(in, want) {
			t.Errorf("%s: %+v, want %+v", frame, in, want)
		}
	}
	for _, bad := range []string{`{"type":"vote",}`, `{"step":01}`, `{"step":"one"}`, `{"type":"vote"} x`, `{"type":"vote"`, ``} {
		var in room.Inbound
		if err := decodeInbound([]byte(bad), &in); err == nil {
			t.Errorf("%q decoded without an error", bad)
		}
	}
}

// FuzzDecodeInbound: whatever the hand-read path accepts, encoding/json
// accepts too and reads the same.
func FuzzDecodeInbound(f *testing.F) {
	for _, seed := range []string{
		`{"type":"vote","id":"v1","step":1,"value":3}`,
		`{"type":"vote","id":"v1","step":1,"value":"Listen more","round":1}`,
		`{"type":"hello","role":"participant","session":"s","token":"t"}`,
		`{"type":"vote","step":-0,"value":-12}`,
		`{"type":"vote","step":1e2}`, `{"step":01}`, `{"step":1234567890123456}`,
		`{"name":"José"}`, "{\"name\":\"\xff\"}", `{"value":"李"}`,
		`{"type":"vote","type":"hello"}`, `{ }`, `{"type":"a\"b"}`, `{"id":"\u0000"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var hand, std room.Inbound
		if !readPlainInbound(data, &hand) {
			return
		}
		if err := json.Unmarshal(data, &std); err != nil {
			t.Fatalf("read by hand, but encoding/json says %v", err)
		}
		if !reflect.DeepEqual(hand, std) {
			t.Fatalf("by hand %+v, encoding/json %+v", hand, std)
		}
	})
}
