package export_test

import (
	"fmt"
	"io"
	"testing"

	"github.com/quorum-workshop/quorum/internal/export"
	"github.com/quorum-workshop/quorum/internal/quorum"
)

// seedBuiltin runs the built-in agenda with n participants who answer every
// question, with values from a fixed pseudo-random sequence.
func seedBuiltin(tb testing.TB, n int) *seeded {
	tb.Helper()
	a, err := quorum.BuiltinAgenda("leadership-vs-management")
	if err != nil {
		tb.Fatal(err)
	}
	sd := newSeeded(tb, a, "Leadership offsite")
	for i := 0; i < n; i++ {
		name := ""
		if i%3 == 0 {
			name = fmt.Sprintf("Person %d", i)
		}
		seg := ""
		if i%4 != 3 {
			seg = a.Segments[i%len(a.Segments)]
		}
		sd.join(name, seg)
	}
	rnd := uint32(7)
	next := func(k int) int {
		rnd = rnd*1664525 + 1013904223
		return int(rnd>>16) % k
	}
	words := []string{"Listen more", "listen more!", "Delegate", "Say thank you", "Ask why", "Coach", "Plan less", "Café with the team"}
	sd.do(quorum.ActionStart)
	for i, st := range a.Steps {
		sd.do(quorum.ActionGoto, i)
		if !st.Kind.Votable() {
			if st.Kind == quorum.KindProfile {
				sd.do(quorum.ActionReveal)
			}
			continue
		}
		sd.do(quorum.ActionOpen)
		for p := range sd.people {
			var v quorum.Value
			switch st.Kind {
			case quorum.KindChoice:
				v.Number = next(len(st.Options))
			case quorum.KindScale:
				v.Number = 1 + next(st.Points)
			case quorum.KindText:
				v.Text = words[next(len(words))]
			}
			sd.cast(p, i, v)
		}
		sd.do(quorum.ActionClose)
		sd.do(quorum.ActionReveal)
	}
	sd.do(quorum.ActionEnd)
	return sd
}

func BenchmarkBuild(b *testing.B) {
	sd := seedBuiltin(b, 1000)
	b.ResetTimer()
	for b.Loop() {
		export.Build(sd.s, sd.events, export.Options{Now: exportedAt})
	}
}

func BenchmarkWrite(b *testing.B) {
	sd := seedBuiltin(b, 1000)
	e := sd.export(false)
	for _, bc := range []struct {
		name string
		f    func(io.Writer) error
	}{{"csv", e.WriteCSV}, {"summary", e.WriteSummaryCSV}, {"json", e.WriteJSON}, {"html", e.WriteHTML}, {"xlsx", e.WriteXLSX}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if err := bc.f(io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
