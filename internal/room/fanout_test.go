package room

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// overlap records whether two members were called at the same time.
type overlap struct {
	inFlight atomic.Int32
	met      atomic.Bool
	waited   atomic.Bool
}

// enter marks a call begun. The first call waits, up to a few seconds, for
// a second one to begin beside it: a broadcast split between goroutines
// meets it, one made on a single goroutine never does.
func (o *overlap) enter() {
	if o.inFlight.Add(1) >= 2 {
		o.met.Store(true)
	}
	if !o.waited.CompareAndSwap(false, true) {
		return
	}
	for deadline := time.Now().Add(3 * time.Second); !o.met.Load() && time.Now().Before(deadline); {
		time.Sleep(50 * time.Microsecond)
	}
}

func (o *overlap) leave() { o.inFlight.Add(-1) }

// overlapMember is a testMember that notes when it is called beside another.
type overlapMember struct {
	testMember
	o *overlap
}

func (m *overlapMember) Send(f *Frame) {
	m.o.enter()
	defer m.o.leave()
	m.testMember.Send(f)
}

// A broadcast to a large audience is written from more than one goroutine
// when there is more than one core, and every member has the frame, once,
// by the time the broadcast returns: the room sends nothing after it until
// then, so each member's frames stay in order.
func TestLargeBroadcastUsesEveryCore(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	r := revealedRoom(t, 0)
	o := &overlap{}
	phones := make([]*overlapMember, 2*fanOutShare+1)
	for i := range phones {
		phones[i] = &overlapMember{o: o}
		r.seat(phones[i], &seat{role: RoleParticipant, attached: true})
	}
	f := TextFrame([]byte(`{"type":"state"}`))
	r.sendAll(&r.participants, f)
	if !o.met.Load() {
		t.Error("the broadcast to a large audience was made on one goroutine")
	}
	for i, m := range phones {
		m.mu.Lock()
		got := len(m.frames)
		m.mu.Unlock()
		if got != 1 {
			t.Fatalf("phone %d had %d frames when the broadcast returned, want 1", i, got)
		}
	}
	if len(r.fanOut) != 0 || cap(r.fanOut) < len(phones) {
		t.Errorf("the members' list kept after the broadcast: length %d, capacity %d; want empty, kept for the next", len(r.fanOut), cap(r.fanOut))
	}
}

// A small audience is sent to from the room's goroutine alone.
func TestSmallBroadcastStaysOnTheRoomsGoroutine(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	r := revealedRoom(t, 0)
	for range fanOutShare {
		r.seat(&testMember{}, &seat{role: RoleParticipant, attached: true})
	}
	var inFlight atomic.Int32
	calls := 0
	r.eachLocal(&r.participants, func(m Member) {
		if inFlight.Add(1) != 1 {
			t.Error("two members of a small audience were called at once")
		}
		calls++ // one goroutine, or the race detector says otherwise
		inFlight.Add(-1)
	})
	if calls != fanOutShare {
		t.Errorf("%d members called, want %d", calls, fanOutShare)
	}
}
