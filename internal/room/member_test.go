package room

import (
	"sync"
	"sync/atomic"
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
