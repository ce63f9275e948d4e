package main

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// Frames in the shapes the server sends (docs/protocol.md, the worked
// transcript), and a few it never sends but a JSON reader must take.
var lookupFrames = []string{
	// A participant in the lobby.
	`{"type":"state","session":{"id":"c3073096-5c4e-4b8e-9a53-0d4b9a8e1f2a","code":"27095924","codeDisplay":"2709 5924","title":"Team check-in","status":"lobby","currentStep":0,"stepCount":2,"segments":["Manager","Engineer"],"settings":{"minGroupSize":5,"splitShare":0.25,"reactions":true,"splitByGroup":false}},"counts":{"joined":1,"connected":1,"voted":0},"step":null}`,
	// Voting open.
	`{"type":"state","session":{"id":"c3073096","code":"27095924","codeDisplay":"2709 5924","title":"Team check-in","status":"live","currentStep":1,"stepCount":2},"counts":{"joined":1,"connected":1,"voted":0},"step":{"index":1,"kind":"choice","title":"Can a manager lead without a title?","options":["Yes","No","It depends"],"voting":"open","revealed":false,"round":1}}`,
	// Revealed, with results and a countdown.
	`{"type":"state","session":{"id":"c3073096","currentStep":2,"stepCount":3},"counts":{"joined":3,"connected":3,"voted":1},"step":{"index":2,"kind":"scale","title":"How sure?","left":"Not at all","right":"Very","points":5,"voting":"closed","revealed":true,"round":2,"deadline":"2026-11-28T15:50:57.750Z","remainingMs":0},"results":{"step":2,"kind":"scale","n":1,"counts":[0,1,0,0,0],"mean":2,"stdDev":0,"shifts":[{"step":2,"from":"Round 1","to":"Round 2","left":"Not at all","right":"Very","paired":1,"towardLeft":0,"stayed":1,"towardRight":0}]}}`,
	// Live results, an ack, an error.
	`{"type":"results","step":1,"counts":{"joined":52,"connected":50,"voted":37},"results":{"step":1,"kind":"choice","n":37,"counts":[20,10,7],"correct":0}}`,
	`{"type":"ack","id":"c7f1-1","step":1,"value":2}`,
	`{"type":"error","id":"c7f1-3","code":"voting_closed","message":"voting on this question has closed"}`,
	// Strings that look like the keys looked for, escapes of every kind,
	// arrays of objects and whitespace everywhere.
	`{"type":"state","session":{"title":"{\"currentStep\":9}","currentStep":3},"step":{"title":"She said \"voting\":\"open\", \\\"revealed\":true \u00e9\ud83d\ude00 \/ \b\f\n\r\t","options":["\"voting\":","open"],"body":"\\","voting":"pending","revealed":false}}`,
	" {\n  \"type\" : \"state\" ,\r\n  \"session\" : { \"currentStep\" : 4 } ,\t\"step\" : { \"voting\" : \"open\" , \"revealed\" : true , \"extra\" : [ [ ] , { } , [ { \"voting\" : \"closed\" } ] , -0.5e+3 , 1E-2 , null , false ] }\n}\n",
	// Duplicate keys: the last one counts, as with encoding/json.
	`{"session":{"currentStep":1,"currentStep":5},"step":{"voting":"open"},"step":{"voting":"closed","revealed":false}}`,
	// Not objects.
	`[1,2,{"a":3}]`, `"state"`, `42`, `true`, `null`,
}

var lookupPaths = [][]string{
	nil,
	{"type"}, {"id"}, {"code"}, {"message"}, {"step"}, {"counts"}, {"results"},
	{"session", "currentStep"}, {"session", "title"}, {"session", "segments"}, {"session", "settings", "reactions"},
	{"step", "voting"}, {"step", "revealed"}, {"step", "title"}, {"step", "options"}, {"step", "extra"}, {"step", "body"},
	{"counts", "voted"}, {"results", "counts"}, {"results", "shifts"},
	// Missing, or through something that is not an object.
	{"missing"}, {"session", "missing"}, {"step", "voting", "open"}, {"session", "segments", "0"}, {"voting"}, {"currentStep"}, {"a"}, {""},
}

func TestLookupMatchesEncodingJSON(t *testing.T) {
	for _, frame := range lookupFrames {
		data := []byte(frame)
		for _, path := range lookupPaths {
			want, found := jsonAt(t, data, path)
			raw, ok := lookup(data, path...)
			if ok != found {
				t.Errorf("lookup(%s, %q): ok %v, encoding/json found it: %v", frame, path, ok, found)
				continue
			}
			if ok && !reflect.DeepEqual(decodeAny(t, raw), want) {
				t.Errorf("lookup(%s, %q) = %s, encoding/json reads %#v", frame, path, raw, want)
			}
		}
	}
}

func TestLookupReadsTheKeyNotAStringThatLooksLikeIt(t *testing.T) {
	data := []byte(lookupFrames[6])
	if n, ok := lookupInt(data, "session", "currentStep"); !ok || n != 3 {
		t.Errorf("session.currentStep = %d, %v; want 3", n, ok)
	}
	if v, ok := lookupString(data, "step", "voting"); !ok || v != "pending" {
		t.Errorf("step.voting = %q, %v; want pending", v, ok)
	}
	if r, ok := lookupBool(data, "step", "revealed"); !ok || r {
		t.Errorf("step.revealed = %v, %v; want false", r, ok)
	}
	var want struct {
		Step struct {
			Title, Body string
		}
	}
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	if s, ok := lookupString(data, "step", "title"); !ok || s != want.Step.Title {
		t.Errorf("step.title = %q, %v; want %q", s, ok, want.Step.Title)
	}
	if s, ok := lookupString(data, "step", "body"); !ok || s != `\` {
		t.Errorf("step.body = %q, %v; want a backslash", s, ok)
	}
	// Keys are compared as written: an escaped key is another key.
	if raw, ok := lookup([]byte(`{"vot\u0069ng":"open"}`), "voting"); ok {
		t.Errorf("an escaped key matched: %s", raw)
	}
}

func TestLookupHelpers(t *testing.T) {
	for doc, want := range map[string]struct {
		n  int
		ok bool
	}{
		`{"a":2}`:                     {2, true},
		`{"a":-0}`:                    {0, true},
		`{"a":-17}`:                   {-17, true},
		`{"a":9223372036854775807}`:   {math.MaxInt, true},
		`{"a":-9223372036854775808}`:  {math.MinInt, true},
		`{"a":9223372036854775808}`:   {0, false},
		`{"a":-9223372036854775809}`:  {0, false},
		`{"a":99999999999999999999}`:  {0, false},
		`{"a":2.0}`:                   {0, false},
		`{"a":2e0}`:                   {0, false},
		`{"a":"2"}`:                   {0, false},
		`{"a":true}`:                  {0, false},
		`{"a":null}`:                  {0, false},
		`{"a":2`:                      {0, false},
		`{"b":2}`:                     {0, false},
		`{"a":[2]}`:                   {0, false},
		`{"a":{"b":2}}`:               {0, false},
		`{"a":12345678901234567890}`:  {0, false},
		`{"a":-12345678901234567890}`: {0, false},
	} {
		if n, ok := lookupInt([]byte(doc), "a"); n != want.n || ok != want.ok {
			t.Errorf("lookupInt(%s) = %d, %v; want %d, %v", doc, n, ok, want.n, want.ok)
		}
	}
	for doc, want := range map[string][2]bool{
		`{"a":true}`: {true, true}, `{"a":false}`: {false, true}, `{"a":"true"}`: {false, false}, `{"a":1}`: {false, false}, `{"a":tru}`: {false, false},
	} {
		if v, ok := lookupBool([]byte(doc), "a"); v != want[0] || ok != want[1] {
			t.Errorf("lookupBool(%s) = %v, %v; want %v, %v", doc, v, ok, want[0], want[1])
		}
	}
	for doc, want := range map[string]string{
		`{"a":"plain"}`:            "plain",
		`{"a":""}`:                 "",
		`{"a":"\"q\" \\ \u00e9"}`:  `"q" \ é`,
		`{"a":"\ud83d\ude00 \/"}`:  "😀 /",
		"{\"a\":\"bad \xff utf\"}": "bad \ufffd utf",
	} {
		if s, ok := lookupString([]byte(doc), "a"); s != want || !ok {
			t.Errorf("lookupString(%s) = %q, %v; want %q", doc, s, ok, want)
		}
	}
	for _, doc := range []string{`{"a":1}`, `{"a":null}`, `{"a":["x"]}`, `{"b":"x"}`, `{"a":"x"`} {
		if s, ok := lookupString([]byte(doc), "a"); ok {
			t.Errorf("lookupString(%s) = %q, want not ok", doc, s)
		}
	}
}

func TestLookupRefusesMalformedInput(t *testing.T) {
	malformed := []string{
		``, ` `, `{`, `}`, `[`, `]`, `{]`, `[}`, `{"a":[1,2}`, `{"a":{"b":1]}`, `{"a":1]`, `[1,2`, `{"a":1}}`,
		`{"a" 1}`, `{"a":}`, `{"a":1,}`, `{,}`, `{"a":1,,"b":2}`, `{"a":1 "b":2}`, `{:1}`, `{1:1}`, `{a:1}`, `{'a':1}`,
		`{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":-}`, `{"a":1e}`, `{"a":1e+}`, `{"a":+1}`, `{"a":0x10}`, `{"a":NaN}`,
		`{"a":tru}`, `{"a":nul}`, `{"a":falsey}`, `{"a":True}`,
		`{"a":"\x"}`, `{"a":"\u12"}`, `{"a":"\u12g4"}`, `{"a":"\U0041"}`, `{"a":"\'"}`, `{"a":"end\"}`, `{"a":"\`,
		"{\"a\":\"tab\there\"}", "{\"a\":\"new\nline\"}", "{\"a\":\"nul\x00\"}",
		`{"a":1} x`, `{"a":1}{"b":2}`, `{"a":1},`, `"unterminated`, `{"a":"b"`, `{"a":"b`, `{"a`, `{"`,
		"\x00", "{\"a\":1}\x00", "\ufeff{\"a\":1}",
		strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1),
		`{"a":` + strings.Repeat(`{"a":`, maxDepth) + `1` + strings.Repeat("}", maxDepth+1),
	}
	for _, frame := range lookupFrames[:9] { // the objects
		for i := range len(frame) - 1 { // every truncation, short of a final newline
			malformed = append(malformed, frame[:i])
		}
	}
	for _, doc := range malformed {
		if json.Valid([]byte(doc)) {
			t.Fatalf("the test is wrong: %q is valid JSON", doc)
		}
		for _, path := range [][]string{nil, {"a"}, {"a", "b"}, {"session", "currentStep"}, {"step", "voting"}, {"type"}} {
			if raw, ok := lookup([]byte(doc), path...); ok {
				t.Errorf("lookup(%q, %q) = %s in malformed input", doc, path, raw)
			}
		}
	}
	deepest := strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)
	if _, ok := lookup([]byte(deepest)); !ok || !json.Valid([]byte(deepest)) {
		t.Errorf("nesting of exactly %d: lookup %v, encoding/json %v", maxDepth, ok, json.Valid([]byte(deepest)))
	}
}

func FuzzLookup(f *testing.F) {
	for _, frame := range lookupFrames {
		for _, path := range []string{"", "type", "session.currentStep", "step.voting", "step.revealed", "step.title", "results.counts", "a"} {
			f.Add([]byte(frame), path)
		}
	}
	f.Add([]byte(`{"a":"\"b\":1","b":2}`), "b")
	f.Add([]byte(`{"a":{"b":[1,{"c":"\u00e9"}]},"a":{"b":3}}`), "a.b")
	f.Add([]byte(`{"a":1e999,"b":-0.0E-0}`), "b")
	f.Add([]byte(`{"a":"\ud800"}`), "a")
	f.Add([]byte(`{"":{"":1}}`), ".")
	f.Fuzz(func(t *testing.T, data []byte, dotted string) {
		var path []string
		if dotted != "" {
			path = strings.Split(dotted, ".")
		}
		raw, ok := lookup(data, path...)
		lookupInt(data, path...)
		lookupBool(data, path...)
		lookupString(data, path...)
		phoneState(data)
		phoneReply(data)

		valid := json.Valid(data)
		if whole, ok := lookup(data); ok != valid || ok && !bytes.Equal(whole, bytes.Trim(data, " \t\r\n")) {
			t.Fatalf("lookup(%q) = %q, %v; encoding/json says valid: %v", data, whole, ok, valid)
		}
		if ok && !valid {
			t.Fatalf("lookup(%q, %q) = %q in malformed input", data, path, raw)
		}
		if !valid || !plainKeys(t, data) {
			return // lookup compares raw keys, by design: escaped keys are other keys
		}
		want, found := jsonAt(t, data, path)
		if ok != found {
			t.Fatalf("lookup(%q, %q): ok %v, encoding/json found it: %v", data, path, ok, found)
		}
		if !ok {
			return
		}
		if got := decodeAny(t, raw); !reflect.DeepEqual(got, want) {
			t.Fatalf("lookup(%q, %q) = %q, encoding/json reads %#v", data, path, raw, want)
		}
		if s, isString := want.(string); isString {
			if got, ok := lookupString(data, path...); !ok || got != s {
				t.Fatalf("lookupString(%q, %q) = %q, %v; want %q", data, path, got, ok, s)
			}
		}
		if num, isNumber := want.(json.Number); isNumber {
			n, err := strconv.ParseInt(string(num), 10, strconv.IntSize) // what encoding/json does for an int
			if got, ok := lookupInt(data, path...); ok != (err == nil) || ok && got != int(n) {
				t.Fatalf("lookupInt(%q, %q) = %d, %v; strconv reads %d, %v", data, path, got, ok, n, err)
			}
		}
	})
}

// jsonAt is what encoding/json finds at path in data: keys through objects
// only, numbers as written.
func jsonAt(t *testing.T, data []byte, path []string) (any, bool) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || !json.Valid(data) {
		return nil, false
	}
	for _, key := range path {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = obj[key]; !ok {
			return nil, false
		}
	}
	return v, true
}

func decodeAny(t *testing.T, raw []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("the raw value %q does not decode: %v", raw, err)
	}
	return v
}

// plainKeys reports whether every object key of data, a valid document, is
// written as its name: no escape, no invalid UTF-8.
func plainKeys(t *testing.T, data []byte) bool {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type level struct{ object, key bool } // key: a key comes next
	var open []level
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			return true
		}
		if err != nil {
			t.Fatalf("tokens of valid JSON %q: %v", data, err)
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			open = open[:len(open)-1]
			continue
		}
		if n := len(open); n > 0 && open[n-1].object {
			if top := &open[n-1]; top.key {
				written := bytes.TrimLeft(data[start:dec.InputOffset()], " \t\r\n,")
				if string(written) != `"`+tok.(string)+`"` {
					return false
				}
				top.key = false
				continue
			}
			open[n-1].key = true
		}
		if d, ok := tok.(json.Delim); ok {
			open = append(open, level{object: d == '{', key: d == '{'})
		}
	}
}
