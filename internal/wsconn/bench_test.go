package wsconn

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/fasthttp/websocket"

	"github.com/quorum-workshop/quorum/internal/room"
)

// BenchmarkFanOut hands one encoded frame to many in-memory connections as
// a room's broadcast does (the writers do the rest).
func BenchmarkFanOut(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			cfg := Config{OutboxSize: 4}
			cfg.setDefaults()
			members := map[room.Member]struct{}{}
			for range n {
				members[newConn(nil, &cfg)] = struct{}{}
			}
			f := room.TextFrame([]byte(`{"type":"results"}`))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for m := range members {
					m.SetResults(f)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/conn")
		})
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
			c.Kick(websocket.CloseNormalClosure, "")
			<-c.writerOut
			_ = c.ws.Close()
		}
		readers.Wait()
	}()
	f := room.TextFrame(bytes.Repeat([]byte("x"), 800))
	b.ResetTimer()
	for range b.N {
		arrived.Add(n)
		for _, c := range conns {
			c.Send(f)
		}
		arrived.Wait()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/conn")
}
