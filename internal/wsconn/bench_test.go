package wsconn

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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
// over loopback and waits until every client has read it. The clients run
// in a child process (this test binary again, see TestMain), so that this
// process's CPU is the server's side alone: the sending loop (the room's
// share), the connections' writers, and the kernel's work in their writes,
// which on loopback includes the receiving side's TCP processing. user-ns
// and sys-ns per delivery are that CPU from getrusage, steadier on a shared
// machine than ns/conn, which is wall-clock time and waits for the clients.
// None of it is the fan-out a phone sees (cmd/quorum-load measures that).
func BenchmarkFanOutSockets(b *testing.B) {
	const n = 2000
	url, accepted := wsServer(b, n)
	clients := exec.Command(os.Args[0])
	clients.Env = append(os.Environ(), benchClientsEnv+"="+fmt.Sprint(n)+" "+url)
	clients.Stderr = os.Stderr
	orders, err := clients.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	rounds, err := clients.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := clients.Start(); err != nil {
		b.Fatal(err)
	}
	var conns []*conn
	defer func() {
		for _, c := range conns {
			c.Kick(websocket.CloseNormalClosure, "")
			<-c.writerOut
			_ = c.ws.Close()
		}
		orders.Close() // the clients exit
		_ = clients.Wait()
	}()
	for range n {
		select {
		case ws := <-accepted:
			conns = append(conns, writerFor(ws, Config{OutboxSize: 4}))
		case <-time.After(10 * time.Second):
			b.Fatalf("%d of %d clients connected", len(conns), n)
		}
	}
	f := room.TextFrame(bytes.Repeat([]byte("x"), 800))
	done := make([]byte, 1)
	b.ResetTimer()
	user, sys := cpuTimes()
	for range b.N {
		for _, c := range conns {
			c.Broadcast(f)
		}
		if _, err := io.ReadFull(rounds, done); err != nil {
			b.Fatal("the clients stopped:", err)
		}
	}
	b.StopTimer()
	user2, sys2 := cpuTimes()
	deliveries := float64(b.N * n)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/deliveries, "ns/conn")
	if user2 > 0 {
		b.ReportMetric(float64(user2-user)/deliveries, "user-ns/delivery")
		b.ReportMetric(float64(sys2-sys)/deliveries, "sys-ns/delivery")
	}
}

// benchClientsEnv makes the test binary BenchmarkFanOutSockets's clients:
// "n url" dials n WebSockets to url, writes a byte to stdout each time
// another n frames have arrived, and exits when stdin closes.
const benchClientsEnv = "WSCONN_BENCH_CLIENTS"

func runBenchClients(orders string) int {
	var (
		n   int
		url string
	)
	if _, err := fmt.Sscan(orders, &n, &url); err != nil {
		fmt.Fprintln(os.Stderr, benchClientsEnv, err)
		return 2
	}
	var arrived atomic.Int64
	var stdout sync.Mutex
	for range n {
		client, _, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		go func() {
			for {
				_, r, err := client.NextReader()
				if err == nil {
					_, err = io.Copy(io.Discard, r)
				}
				if err != nil {
					return
				}
				if arrived.Add(1)%int64(n) == 0 {
					stdout.Lock()
					_, _ = os.Stdout.Write([]byte{'.'})
					stdout.Unlock()
				}
			}
		}()
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}
