//go:build unix

package main

import (
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// An owner paused past its lease (SIGSTOP) is replaced, and once it runs
// again (SIGCONT) it is fenced: the votes it still had queued are not
// committed by it, it gives the session up, and the room goes on exactly.
func TestPausedOwnerIsFenced(t *testing.T) {
	c := startCluster(t, "")
	nodes := c.nodes
	c.own(nodes[0])
	host := c.host(nodes[1])
	const phones = 20
	clients := c.phones(phones, func(i int) *node { return nodes[1+i%2] }, func(i int) *node { return nodes[1+i%2] })
	openQuestion(host, clients)

	if err := nodes[0].cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	paused := time.Now()
	// Votes sent to the paused owner wait in its socket; the other nodes
	// send them again to the owner that replaces it.
	vote := func(wave string, value int) {
		var wg sync.WaitGroup
		for i, p := range clients {
			id := fmt.Sprintf("%s-%d", wave, i)
			p.send(map[string]any{"type": "vote", "id": id, "step": 1, "value": value})
			wg.Go(func() { p.awaitAck(id) })
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
	getJSON(t, "http://"+nodes[2].addr+"/api/sessions/"+c.session.ID, c.session.HostKey, &state)
	if state.Counts.Voted != phones || state.Counts.Connected != phones || len(state.Results.Counts) != 7 || state.Results.Counts[6] != phones {
		t.Errorf("after the fence: counts %+v, results %v; want %d connected, each phone's last vote (7) counted once", state.Counts, state.Results.Counts, phones)
	}
}
