package cluster

import (
	"reflect"
	"testing"

	"github.com/quorum-workshop/quorum/internal/room"
)

// Only a session id that is one canonical UUID goes into a subject: a
// client's hello names the session, and a wildcard or a dot there would
// reach other subjects.
func TestOnlyAUUIDNamesASessionsSubjects(t *testing.T) {
	for id, want := range map[string]bool{
		"c3073096-4f1e-4c59-9c1a-0f1f1c1b1a19":   true,
		"C3073096-4F1E-4C59-9C1A-0F1F1C1B1A19":   false, // not the form the server makes
		"c3073096-4f1e-4c59-9c1a-0f1f1c1b1a19.>": false,
		"*":                                      false,
		">":                                      false,
		"a.b":                                    false,
		"":                                       false,
		"urn:uuid:c3073096-4f1e-4c59-9c1a-0f1f1c1b1a19": false,
	} {
		if got := validSessionID(id); got != want {
			t.Errorf("validSessionID(%q) = %v, want %v", id, got, want)
		}
	}
}

func TestSessionOfSubject(t *testing.T) {
	const id = "c3073096-4f1e-4c59-9c1a-0f1f1c1b1a19"
	for _, subject := range []string{outSubject(id), nodeOutSubject(id, "n2-abc123")} {
		if got := sessionOfSubject(subject); got != id {
			t.Errorf("sessionOfSubject(%q) = %q, want %q", subject, got, id)
		}
	}
}

// replyTo tells which client frame an ack or an error answers, and nothing
// else: a node forgets an unanswered vote by it.
func TestReplyTo(t *testing.T) {
	for payload, want := range map[string]string{
		`{"type":"ack","id":"v-1","step":1,"round":1,"value":3}`:                     "v-1",
		`{"type":"error","id":"v-2","code":"voting_closed","message":"closed"}`:      "v-2",
		`{"type":"state","id":"not-an-answer"}`:                                      "",
		`{"type":"error","code":"invalid_json","message":"the message is not JSON"}`: "",
		`not json`: "",
	} {
		if got := replyTo(*room.TextFrame([]byte(payload))); got != want {
			t.Errorf("replyTo(%s) = %q, want %q", payload, got, want)
		}
	}
}

// A batch's entries come back as they went in, and a cut batch is refused,
// not read past its end.
func TestEntriesRoundTrip(t *testing.T) {
	in := []entry{
		{op: opFrame, conn: 1 << 40, data: []byte(`{"type":"ack","id":"v-1"}`)},
		{op: opState, role: string(room.RoleParticipant), data: []byte{0x81, 2, '{', '}'}},
		{op: opSeated, conn: 7, token: "tok"},
		{op: opRefused, conn: 8, code: "unauthorized", text: "no such participant"},
		{op: opAttach, conn: 9, rehome: true, data: []byte(`{"type":"hello"}`)},
		{op: opDetach, conn: 10},
	}
	var b []byte
	for i := range in {
		b = appendEntry(b, &in[i])
	}
	out, err := decodeEntries(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("%d entries back, want %d", len(out), len(in))
	}
	for i := range in {
		if !reflect.DeepEqual(normal(out[i]), normal(in[i])) {
			t.Errorf("entry %d: %+v, want %+v", i, out[i], in[i])
		}
	}
	for cut := 1; cut < len(b); cut++ {
		if got, err := decodeEntries(b[:cut]); err == nil && len(got) == len(in) {
			t.Errorf("a batch cut at %d of %d bytes read as whole", cut, len(b))
		}
	}
}

// normal makes empty data nil, as a decoded entry without data has it empty.
func normal(e entry) entry {
	if len(e.data) == 0 {
		e.data = nil
	}
	return e
}
