package room

import (
	"fmt"
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// revealedRoom is a room with a live session of n connected participants
// who voted on its revealed current step, without a store: its users never
// commit.
func revealedRoom(b testing.TB, n int) *Room {
	b.Helper()
	agenda, err := quorum.BuiltinAgenda("leadership-vs-management")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	s, _, err := quorum.NewSession(agenda, "", now)
	if err != nil {
		b.Fatal(err)
	}
	step := 1
	for _, cmd := range []quorum.Command{{Action: quorum.ActionGoto, Step: &step}, {Action: quorum.ActionOpen}, {Action: quorum.ActionReveal}} {
		if _, err := s.Do(cmd, now); err != nil {
			b.Fatal(err)
		}
	}
	r := newRoom(New(nil, Config{}), s)
	for i := 0; i < n; i++ {
		p, _, err := s.Join("", "", now)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := s.Cast(p.ID, step, quorum.AnyRound, quorum.Value{Number: 1 + i%7}, fmt.Sprint(i), now); err != nil {
			b.Fatal(err)
		}
		r.seatParticipant(&testMember{}, p.ID)
	}
	return r
}

// BenchmarkEncodeState encodes the participants' state once, as every
// broadcast does per role.
func BenchmarkEncodeState(b *testing.B) {
	r := revealedRoom(b, 100)
	now := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if f := r.encode(r.stateFor(RoleParticipant, now)); f == nil {
			b.Fatal("no message")
		}
	}
}

// BenchmarkFlushViews builds what a live-results flush sends, on a revealed
// scale step of the built-in agenda (with a dimension, so the profile so far
// comes along), 10,000 votes in: it runs up to ten times a second.
func BenchmarkFlushViews(b *testing.B) {
	r := revealedRoom(b, 10000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = r.counts(true)
		if v := resultsView(r.session, r.session.CurrentStep); v == nil || v.N != 10000 {
			b.Fatalf("results %+v", v)
		}
	}
}
