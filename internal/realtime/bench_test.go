package realtime

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

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
	cfg := Config{OutboxSize: 4}
	h := NewHub(nil, cfg)
	r := newRoom(h, s)
	for i := 0; i < n; i++ {
		p, _, err := s.Join("", "", now)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := s.Cast(p.ID, step, quorum.AnyRound, quorum.Value{Number: 1 + i%7}, fmt.Sprint(i), now); err != nil {
			b.Fatal(err)
		}
		c := newConn(nil, &h.cfg)
		c.role, c.participantID = RoleParticipant, p.ID
		r.participants[c] = struct{}{}
		r.byParticipant[p.ID] = append(r.byParticipant[p.ID], c)
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

// BenchmarkFanOut queues one encoded frame to many in-memory
// connections: the room's share of a broadcast (the writers do the rest).
func BenchmarkFanOut(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			r := revealedRoom(b, n)
			f := textFrame([]byte(`{"type":"results"}`))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for c := range r.participants {
					c.setResults(f)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/conn")
		})
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

// BenchmarkFanOutSockets sends one frame to n real WebSocket connections
// over loopback and waits until every client has read it: the writers' share
// of a broadcast, with the kernel's and the clients' in the same process. Its
// ns/conn compares writer changes within one run; it is not the fan-out a
// phone sees (cmd/quorum-load measures that).
func BenchmarkFanOutSockets(b *testing.B) {
	const n = 2000
	url, accepted := wsServer(b, 1)
	var (
		conns   []*conn
		arrived sync.WaitGroup
		readers sync.WaitGroup
	)
	for range n {
		client, _, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			b.Fatal(err)
		}
		readers.Go(func() {
			for {
				if _, _, err := client.ReadMessage(); err != nil {
					return
				}
				arrived.Done()
			}
		})
		conns = append(conns, writerFor(<-accepted, Config{OutboxSize: 4}))
	}
	defer func() {
		for _, c := range conns {
			c.kick(websocket.CloseNormalClosure, "")
			<-c.writerOut
			_ = c.ws.Close()
		}
		readers.Wait()
	}()
	f := textFrame(bytes.Repeat([]byte("x"), 800))
	b.ResetTimer()
	for range b.N {
		arrived.Add(n)
		for _, c := range conns {
			c.send(f)
		}
		arrived.Wait()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/conn")
}
