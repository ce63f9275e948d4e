package room

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// testMember is a member that keeps what its room sends it.
type testMember struct {
	results atomic.Pointer[Frame]

	mu     sync.Mutex
	frames []*Frame
	kicked int
}

func (m *testMember) Send(f *Frame)       { m.mu.Lock(); m.frames = append(m.frames, f); m.mu.Unlock() }
func (m *testMember) SetResults(f *Frame) { m.results.Store(f) }
func (m *testMember) Kick(code int, _ string) {
	m.mu.Lock()
	m.kicked = code
	m.mu.Unlock()
}

// took reports whether a results update was pending, and takes it.
func (m *testMember) took() bool { return m.results.Swap(nil) != nil }

// seatParticipant seats m as a connected participant, as an attach does.
func (r *Room) seatParticipant(m Member, participantID string) {
	r.seat(m, &seat{role: RoleParticipant, participantID: participantID, attached: true})
}

// The phones one batch attaches share one encoding of the state, which
// counts all of them, and each gets a welcome of its own with its token.
func TestPhonesAttachedInOneBatchShareOneState(t *testing.T) {
	db, s := openStoreWithSession(t)
	r := newRoom(New(db, Config{}), s)
	phones := make([]*testMember, 3)
	r.process(func(b *batch) {
		for i := range phones {
			phones[i] = &testMember{}
			in := &Inbound{Type: "hello", Role: RoleParticipant, Code: s.Code, Token: fmt.Sprintf("%043d", i)}
			r.joinAndAttach(b, phones[i], in, func(_ Seated, err error) {
				if err != nil {
					t.Errorf("phone %d: %v", i, err)
				}
			})
		}
	})
	var state *Frame
	tokens := map[string]bool{}
	for i, m := range phones {
		if len(m.frames) != 2 {
			t.Fatalf("phone %d got %d frames, want a welcome and a state", i, len(m.frames))
		}
		var welcome WelcomeMsg
		if err := json.Unmarshal(payload(m.frames[0]), &welcome); err != nil || welcome.Type != "welcome" {
			t.Fatalf("phone %d: first frame %q, %v; want its welcome", i, payload(m.frames[0]), err)
		}
		tokens[welcome.Token] = true
		if state == nil {
			state = m.frames[1]
		} else if m.frames[1] != state {
			t.Errorf("phone %d got a state of its own", i)
		}
	}
	if len(tokens) != len(phones) {
		t.Errorf("%d different tokens in %d welcomes", len(tokens), len(phones))
	}
	var msg StateMsg
	if err := json.Unmarshal(payload(state), &msg); err != nil {
		t.Fatal(err)
	}
	if msg.Counts.Joined != len(phones) || msg.Counts.Connected != len(phones) {
		t.Errorf("state counts %+v, want all %d phones joined and connected", msg.Counts, len(phones))
	}
}
