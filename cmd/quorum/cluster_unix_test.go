//go:build unix

package main

import (
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/storetest"
	"github.com/quorum-workshop/quorum/internal/testserver"
)

// An owner paused past its lease (SIGSTOP) is replaced, and once it runs
// again (SIGCONT) it is fenced: the votes it still had queued are not
// committed by it, it gives the session up, and the room goes on exactly.
func TestPausedOwnerIsFenced(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and pauses node processes; not in -short")
	}
	db := storetest.PostgresDatabase(t)
	natsURL := testserver.NATS(t)
	bin := buildQuorum(t, nodeBuildFlags...)
	nodes := []*node{startNode(t, bin, "n1", db, natsURL), startNode(t, bin, "n2", db, natsURL), startNode(t, bin, "n3", db, natsURL)}

	var created struct{ ID, Code, HostKey, ScreenKey string }
	post(t, "http://"+nodes[0].addr+"/api/sessions", "", `{"agenda":"leadership-vs-management"}`, &created)
	post(t, "http://"+nodes[0].addr+"/api/sessions/"+created.ID+"/actions", created.HostKey, `{"action":"start"}`, nil)
	host := dialNode(t, nodes[1], "host", map[string]any{"type": "hello", "role": "host", "session": created.ID, "key": created.HostKey})
	const phones = 20
	clients := make([]*wsClient, phones)
	for i := range clients {
		var j struct{ Token string }
		post(t, "http://"+nodes[1+i%2].addr+"/api/join", "", `{"code":"`+created.Code+`"}`, &j)
		clients[i] = dialNode(t, nodes[1+i%2], fmt.Sprintf("phone %d", i), map[string]any{"type": "hello", "role": "participant", "session": created.ID, "token": j.Token})
	}
	for _, a := range []map[string]any{{"action": "goto", "step": 1}, {"action": "open"}} {
		a["type"], a["id"] = "action", a["action"]
		host.send(a)
		host.await("done "+a["action"].(string), func(f map[string]any) bool { return f["type"] == "done" && f["id"] == a["id"] })
	}
	for _, c := range clients {
		c.await("voting open", stepState(1, "open"))
	}

	if err := nodes[0].cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	paused := time.Now()
	// Votes sent to the paused owner wait in its socket; the other nodes
	// send them again to the owner that replaces it.
	vote := func(wave string, value int) {
		var wg sync.WaitGroup
		for i, c := range clients {
			id := fmt.Sprintf("%s-%d", wave, i)
			c.send(map[string]any{"type": "vote", "id": id, "step": 1, "value": value})
			wg.Go(func() { c.await("ack "+id, func(f map[string]any) bool { return f["type"] == "ack" && f["id"] == id }) })
		}
		wg.Wait()
	}
	vote("paused", 3)
	t.Logf("votes sent to the paused owner acknowledged by its successor %.1f s after the pause", time.Since(paused).Seconds())
	if err := nodes[0].cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	// The old owner finds out it lost the lease, and gives the session up.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(nodes[0].logs.String(), "its room stops"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the resumed owner never gave the session up:\n%s", nodes[0].logs)
		}
	}
	vote("after", 7)

	var state struct {
		Counts  struct{ Connected, Voted int } `json:"counts"`
		Results struct{ Counts []int }         `json:"results"`
	}
	getJSON(t, "http://"+nodes[2].addr+"/api/sessions/"+created.ID, created.HostKey, &state)
	if state.Counts.Voted != phones || state.Counts.Connected != phones || len(state.Results.Counts) != 7 || state.Results.Counts[6] != phones {
		t.Errorf("after the fence: counts %+v, results %v; want %d connected, each phone's last vote (7) counted once", state.Counts, state.Results.Counts, phones)
	}
}
