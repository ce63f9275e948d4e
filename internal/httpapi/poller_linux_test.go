package httpapi_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/wstest"
)

// A connected phone between two messages holds no goroutine on the server:
// its socket waits in the poller. Three hundred joined phones, idle, leave
// the server's goroutines about where they were; the phones' own sockets
// here are read by no goroutine either.
func TestIdlePhonesHoldNoGoroutine(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{})
	s := ts.create("leadership-vs-management")
	const phones = 300
	settle := func() int {
		// Goroutines of finished requests and hellos take a moment to end.
		n := runtime.NumGoroutine()
		for range 50 {
			time.Sleep(20 * time.Millisecond)
			m := runtime.NumGoroutine()
			if m >= n {
				return m
			}
			n = m
		}
		return n
	}
	before := settle()
	for i := range phones {
		hello := mustJSON(t, map[string]any{"type": "hello", "role": "participant", "code": s.Code, "name": "Quiet " + string(rune('A'+i%26))})
		_, r := rawUpgrade(t, ts, wstest.Text(hello))
		readServerFrame(t, r) // the welcome and the state, in one write
	}
	if joined := ts.counts(s).Joined; joined != phones {
		t.Fatalf("%d joined; want %d", joined, phones)
	}
	if after := settle(); after-before > phones/10 {
		t.Errorf("%d goroutines before %d idle phones joined, %d after: a goroutine per phone", before, phones, after)
	}
}
