package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/storetest"
	"github.com/quorum-workshop/quorum/internal/testserver"
)

// One failover cycle against three real node processes: the owner is killed
// in the middle of the wave, a new one acknowledges the votes sent after the
// kill, and the export holds every acknowledged vote once.
func TestFailoverCycle(t *testing.T) {
	if testing.Short() {
		t.Skip("builds quorum and kills node processes; not in -short")
	}
	db := storetest.PostgresDatabase(t)
	natsURL := testserver.NATS(t)
	bin := filepath.Join(t.TempDir(), "quorum")
	if out, err := exec.Command("go", "build", "-o", bin, "../quorum").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cfg := failoverConfig{cycles: 1, bin: bin, databaseURL: db, natsURL: natsURL, window: 1500 * time.Millisecond}
	if err := cfg.check(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	res, err := runFailover(ctx, cfg, 30, 20*time.Second, t.Output())
	if err != nil {
		t.Fatal(err)
	}
	if !res.ok() || len(res.Cycles) != 1 {
		t.Fatalf("not ok: %+v", res)
	}
	c := res.Cycles[0]
	if c.Killed != "n1" || c.NewOwner == "" || c.NewOwner == "n1" || c.Acked != 30 || c.Exported != 30 || c.FirstAckS <= 0 || c.Reconnects < 10 {
		t.Errorf("cycle: %+v; want n1 killed, another owner, 30 acked and exported, a first ack after the kill, its 10 phones reconnected", c)
	}
}

func TestFailoverStaysOnLoopback(t *testing.T) {
	for _, f := range []failoverConfig{
		{cycles: 1, bin: "q", databaseURL: "postgres://db.example.org/q", natsURL: "nats://127.0.0.1:4222", window: time.Second},
		{cycles: 1, bin: "q", databaseURL: "postgres://127.0.0.1/q", natsURL: "nats://10.0.0.1:4222", window: time.Second},
		{cycles: 1, databaseURL: "postgres://127.0.0.1/q", natsURL: "nats://127.0.0.1:4222", window: time.Second},
	} {
		if err := f.check(); err == nil {
			t.Errorf("%+v: want an error", f)
		}
	}
}
