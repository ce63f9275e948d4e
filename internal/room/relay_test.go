package room

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/sqlite"
)

// recordingRelay keeps what a room relays to other nodes.
type recordingRelay struct {
	mu   sync.Mutex
	sent []relayed
}

type relayed struct {
	kind, to string
	frame    map[string]any
}

func (rr *recordingRelay) add(kind, to string, f *Frame) {
	var v map[string]any
	_ = json.Unmarshal(payload(f), &v)
	rr.mu.Lock()
	rr.sent = append(rr.sent, relayed{kind, to, v})
	rr.mu.Unlock()
}

func (rr *recordingRelay) State(role Role, f *Frame)   { rr.add("state", string(role), f) }
func (rr *recordingRelay) Results(role Role, f *Frame) { rr.add("results", string(role), f) }
func (rr *recordingRelay) Send(role Role, f *Frame)    { rr.add("send", string(role), f) }
func (rr *recordingRelay) Flush()                      {}

func (rr *recordingRelay) find(kind, to, typ string) bool {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	for _, s := range rr.sent {
		if s.kind == kind && s.to == to && s.frame["type"] == typ {
			return true
		}
	}
	return false
}

func (rr *recordingRelay) count(to string) int {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	n := 0
	for _, s := range rr.sent {
		if s.to == to {
			n++
		}
	}
	return n
}

// payload is a frame's JSON: what follows its header, from the first '{'.
func payload(f *Frame) []byte {
	b := []byte(*f)
	for i, c := range b {
		if c == '{' {
			return b[i:]
		}
	}
	return nil
}

// remoteMember is a connection on another node, as the cluster seats it.
type remoteMember struct{ testMember }

func (*remoteMember) Node() string { return "node-2" }

// types lists the types of the frames a test member was sent.
func (m *testMember) types() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, f := range m.frames {
		var v struct{ Type string }
		_ = json.Unmarshal(payload(f), &v)
		out = append(out, v.Type)
	}
	return out
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
	}
}

// A member on another node is seated like a local one: it counts as
// connected, gets its welcome, state and acks for itself, and is reached by
// every broadcast through the relay, once per role, never member by member.
func TestRemoteMembersAreReachedThroughTheRelay(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "quorum.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	agenda, _ := quorum.BuiltinAgenda("leadership-vs-management")
	s, creds, err := quorum.NewSession(agenda, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	relay := &recordingRelay{}
	rs := New(db, Config{Relay: func(string) Relay { return relay }})
	shutdownAtCleanup(t, rs)

	joined, err := rs.Join(ctx, s.ID, "Ana", "", "")
	if err != nil {
		t.Fatal(err)
	}
	phone := &remoteMember{}
	r, _, err := rs.Attach(ctx, phone, &Inbound{Type: "hello", Role: RoleParticipant, Session: s.ID, Token: joined.Token})
	if err != nil {
		t.Fatal(err)
	}
	phone.mu.Lock()
	var welcome struct{ Participant struct{ ID string } }
	if len(phone.frames) > 0 {
		_ = json.Unmarshal(payload(phone.frames[0]), &welcome)
	}
	phone.mu.Unlock()
	if welcome.Participant.ID != joined.ParticipantID {
		t.Errorf("seated as %q, want the participant %q", welcome.Participant.ID, joined.ParticipantID)
	}
	if got := phone.types(); len(got) != 2 || got[0] != "welcome" || got[1] != "state" {
		t.Fatalf("the remote phone was sent %v, want its welcome and state", got)
	}
	host := &testMember{}
	if _, _, err := rs.Attach(ctx, host, &Inbound{Type: "hello", Role: RoleHost, Session: s.ID, Key: creds.HostKey}); err != nil {
		t.Fatal(err)
	}
	state, err := rs.HostState(ctx, s.ID, creds.HostKey)
	if err != nil {
		t.Fatal(err)
	}
	if state.Counts.Connected != 1 {
		t.Errorf("connected %d with a phone on another node, want 1", state.Counts.Connected)
	}

	for _, action := range []string{"start", "next", "open"} {
		if err := r.Command(host, &Inbound{Type: "action", ID: action, Action: quorum.Action(action)}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "the host's three done", func() bool {
		n := 0
		for _, typ := range host.types() {
			if typ == "done" {
				n++
			}
		}
		return n == 3
	})
	// The state goes out after the batch's replies: wait for it too.
	eventually(t, "a state relayed to the phones on other nodes", func() bool { return relay.find("state", string(RoleParticipant), "state") })
	if relay.count(string(RoleHost)) != 0 || relay.count(string(RoleScreen)) != 0 {
		t.Error("the relay carried frames for roles with no member on another node")
	}
	before := len(phone.types())

	step := 1
	if err := r.Vote(phone, &Inbound{Type: "vote", ID: "v1", Step: &step, Value: json.RawMessage("3")}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the ack sent to the voter's connection", func() bool {
		got := phone.types()
		return len(got) > before && got[len(got)-1] == "ack"
	})
	if got := phone.types(); len(got) != before+1 {
		t.Errorf("the remote phone was sent %v itself; broadcasts go through the relay", got[before:])
	}

	if err := r.Detach(phone); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the phone gone from the counts", func() bool {
		st, err := rs.HostState(ctx, s.ID, creds.HostKey)
		return err == nil && st.Counts.Connected == 0
	})
}

// A room without a relay refuses a member on another node: it could not
// reach it.
func TestARemoteMemberNeedsARelay(t *testing.T) {
	db, s := openStoreWithSession(t)
	rs := New(db, Config{})
	shutdownAtCleanup(t, rs)
	_, _, err := rs.Attach(context.Background(), &remoteMember{}, &Inbound{Type: "hello", Role: RoleScreen, Session: s.ID, Key: "whatever"})
	if quorum.ErrorCode(err) != quorum.EINTERNAL {
		t.Errorf("a remote member without a relay: %v, want an internal error", err)
	}
}
