package quorum_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// BenchmarkCastChangesVote applies a changed vote to a scale step's tally:
// the work the room does per vote before the commit.
func BenchmarkCastChangesVote(b *testing.B) {
	agenda, err := quorum.BuiltinAgenda("leadership-vs-management")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	s, _, err := quorum.NewSession(agenda, "", now)
	if err != nil {
		b.Fatal(err)
	}
	const participants = 10000
	ids := make([]string, participants)
	for i := range ids {
		p, _, err := s.Join("", "", now)
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = p.ID
	}
	step := 1
	for _, a := range []quorum.Action{quorum.ActionStart} {
		if _, err := s.Do(quorum.Command{Action: a}, now); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := s.Do(quorum.Command{Action: quorum.ActionGoto, Step: &step}, now); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Do(quorum.Command{Action: quorum.ActionOpen}, now); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v := quorum.Value{Number: 1 + i%7}
		if _, _, err := s.Cast(ids[i%participants], step, quorum.AnyRound, v, fmt.Sprint("m", i), now); err != nil {
			b.Fatal(err)
		}
	}
}
