package room

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// A job whose caller stopped waiting before the room took it is not run: a
// hello that timed out in a busy room must not join or attach afterwards.
func TestCallerThatGaveUpIsNotServed(t *testing.T) {
	r := revealedRoom(t, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	ran := false
	_, err := call(ctx, r, func(b *batch, reply func(struct{}, error)) { ran = true; reply(struct{}{}, nil) })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("call on a room that never ran its job: %v, want the deadline", err)
	}
	// The room, free again, takes the queued job.
	(<-r.inbox)(&batch{now: time.Now()})
	if ran {
		t.Error("the job ran after its caller had given up")
	}

	// A caller still waiting is served.
	go func() { (<-r.inbox)(&batch{now: time.Now()}) }()
	if _, err := call(context.Background(), r, func(b *batch, reply func(struct{}, error)) { reply(struct{}{}, nil) }); err != nil {
		t.Errorf("call with a caller waiting: %v", err)
	}
}

// In a big room, phones get a revealed step's changing results less often
// than the screen, and always get the latest in the end.
func TestPhonesGetRevealedResultsAtTheirOwnPace(t *testing.T) {
	r := revealedRoom(t, 5000)
	screen := &testMember{}
	r.seat(screen, &seat{role: RoleScreen, attached: true})
	interval := r.rooms.cfg.BroadcastInterval
	if got, want := r.phoneResultsInterval(), 500*time.Millisecond; got != want {
		t.Fatalf("phone interval with 5,000 phones: %s, want %s", got, want)
	}
	var phone *testMember
	for m := range r.participants.local {
		phone = m.(*testMember)
		break
	}

	t0 := time.Now()
	r.markResultsDirty(t0)
	if !screen.took() || !phone.took() {
		t.Fatal("the first update did not reach the screen and the phones at once")
	}
	r.markResultsDirty(t0.Add(interval + time.Millisecond))
	if !screen.took() {
		t.Error("the screen missed an update an interval later")
	}
	if phone.took() {
		t.Error("a phone got an update before its interval was over")
	}
	if !r.flushArmed {
		t.Fatal("no flush armed for the phones that are behind")
	}
	r.flushDue(t0.Add(r.phoneResultsInterval()))
	if !phone.took() {
		t.Error("the phones never got the latest results")
	}
	if screen.took() {
		t.Error("the screen got a second copy of what it had")
	}
	if r.phonesBehind || r.resultsDirty || r.flushArmed {
		t.Errorf("after catching up: phones behind %v, results dirty %v, flush armed %v", r.phonesBehind, r.resultsDirty, r.flushArmed)
	}
	r.flushTimer.Stop()
}

// A small room sees no difference: phones and screen at the same pace.
func TestSmallRoomPhonesKeepTheBroadcastInterval(t *testing.T) {
	r := revealedRoom(t, 30)
	if got := r.phoneResultsInterval(); got != r.rooms.cfg.BroadcastInterval {
		t.Errorf("phone interval with 30 phones: %s, want the broadcast interval %s", got, r.rooms.cfg.BroadcastInterval)
	}
	big := revealedRoom(t, 20000)
	if got := big.phoneResultsInterval(); got != time.Second {
		t.Errorf("phone interval with 20,000 phones: %s, want a second", got)
	}
}
