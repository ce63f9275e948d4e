package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/storetest"
	"github.com/quorum-workshop/quorum/internal/testserver"
)

// TestMain lets the test binary be its own worker process: run re-executes
// os.Executable(), which under go test is this binary.
func TestMain(m *testing.M) {
	if len(os.Args) == 2 && os.Args[1] == workerFlag {
		os.Exit(workerMain())
	}
	if len(os.Args) == 2 && os.Args[1] == floorReaderFlag {
		os.Exit(floorReaderMain())
	}
	os.Exit(m.Run())
}

// One process joins as API clients do (POST /api/join, then a hello with
// the token), two as the phone page does (in the hello).
func TestLoadInOneProcess(t *testing.T) { testLoad(t, 1, "http") }

func TestLoadWithTwoWorkerProcesses(t *testing.T) { testLoad(t, 2, "hello") }

// testLoad runs the whole generator against a real server with 200
// participants and checks that it counted exactly and measured everything.
// Speed is not checked: the machine running the tests is not a benchmark.
func testLoad(t *testing.T, workers int, joinIn string) {
	const n, share = 200, 0.2
	dbPath := testserver.TempDB(t)
	srv := testserver.Start(t, dbPath, httpapi.Config{})
	u, err := loopbackURL(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config{
		url: u, n: n, workers: workers, changeShare: share, joinConcurrency: 32, joinIn: joinIn,
		timeout: 15 * time.Second, pace: 200 * time.Millisecond, stepRounds: 3,
	}
	// The server is this test process; its memory and CPU come from /proc.
	procStats := runtime.GOOS == "linux"
	if procStats {
		cfg.serverPID = os.Getpid()
	}
	if err := cfg.complete(); err != nil {
		t.Fatal(err)
	}
	res := runLoad(t, cfg, 30*time.Second)

	changes := int(n * share)
	if res.Join.Joined != n || res.Join.Failed != 0 {
		t.Errorf("joined %d, failed %d; want %d, 0", res.Join.Joined, res.Join.Failed, n)
	}
	if res.Votes.Acked != n || res.Votes.Failed != 0 {
		t.Errorf("votes: acked %d, failed %d; want %d, 0", res.Votes.Acked, res.Votes.Failed, n)
	}
	if res.Changes.Acked != changes || res.Changes.Failed != 0 {
		t.Errorf("changes: acked %d, failed %d; want %d, 0", res.Changes.Acked, res.Changes.Failed, changes)
	}

	// One vote per participant on the voting step, one on the paced wave's.
	stored, err := srv.DB.CountVotes(context.Background(), res.Session)
	if err != nil {
		t.Fatal(err)
	}
	if stored != 2*n {
		t.Errorf("CountVotes = %d, want %d", stored, 2*n)
	}
	e := res.Exact
	if !e.OK || e.Acked != n || e.Screen.N != n || e.Host.N != n || e.Export == nil || e.Export.N != n || !slices.Equal(e.Export.Counts, e.Expected) {
		t.Errorf("not exact: acked %d, screen %d, host %d, export %+v, expected %v; want %d", e.Acked, e.Screen.N, e.Host.N, e.Export, e.Expected, n)
	}
	if last := e.Expected[len(e.Expected)-1]; last != changes {
		t.Errorf("the changed-to value has %d votes, want %d", last, changes)
	}

	p := res.Paced
	if p == nil {
		t.Fatalf("no paced wave; notes: %q", res.Notes)
	}
	if p.Step != res.StepChange.To || p.Votes.Acked != n || p.Votes.Failed != 0 || p.Votes.ToScreenMs.Count != n {
		t.Errorf("paced wave on step %d: acked %d, failed %d, %d on screen; want step %d, %d, 0, %d", p.Step, p.Votes.Acked, p.Votes.Failed, p.Votes.ToScreenMs.Count, res.StepChange.To, n, n)
	}
	if pe := p.Exact; !pe.OK || pe.Acked != n || pe.Screen.N != n || pe.Host.N != n || pe.Export == nil || pe.Export.N != n || !slices.Equal(pe.Export.Counts, pe.Expected) {
		t.Errorf("paced wave not exact: acked %d, screen %d, host %d, export %+v, expected %v; want %d", pe.Acked, pe.Screen.N, pe.Host.N, pe.Export, pe.Expected, n)
	}
	// The votes went out over the pace, not at once.
	if p.Votes.SendSeconds < 0.1 {
		t.Errorf("the paced votes were sent over %.3f s, want about 0.2 s", p.Votes.SendSeconds)
	}

	positive := map[string]Dist{
		"join latency":           res.Join.LatencyMs,
		"vote ack":               res.Votes.AckMs,
		"vote to screen":         res.Votes.ToScreenMs,
		"changed vote to screen": res.Changes.ToScreenMs,
		"reveal to participants": res.Reveal.ParticipantsMs,
		"step change fan-out":    res.StepChange.Ms,
		"paced vote to screen":   p.Votes.ToScreenMs,
	}
	for name, d := range positive {
		if d.Count == 0 || d.P50 <= 0 || d.P99 < d.P50 || d.Max < d.P99 {
			t.Errorf("%s: %+v, want a positive, ordered distribution", name, d)
		}
	}
	if res.Votes.ToScreenMs.Count != n || res.Changes.ToScreenMs.Count != changes {
		t.Errorf("measured %d votes and %d changes on screen, want %d and %d", res.Votes.ToScreenMs.Count, res.Changes.ToScreenMs.Count, n, changes)
	}
	if res.StepChange.Received != cfg.stepRounds*n || len(res.StepChange.Rounds) != cfg.stepRounds || res.Reveal.Received != n {
		t.Errorf("step changes reached %d in %d rounds, reveal %d; want %d in %d, %d", res.StepChange.Received, len(res.StepChange.Rounds), res.Reveal.Received, cfg.stepRounds*n, cfg.stepRounds, n)
	}
	for i, d := range res.StepChange.Rounds {
		if d.Count != n || d.P50 <= 0 || d.P99 < d.P50 {
			t.Errorf("step change round %d: %+v", i+1, d)
		}
	}
	if res.Join.PerSecond <= 0 || res.Votes.AckedPerSecond <= 0 || res.Reveal.ScreenMs <= 0 {
		t.Errorf("rates: join %.0f/s, votes %.0f/s, reveal on screen %.1f ms; want positive", res.Join.PerSecond, res.Votes.AckedPerSecond, res.Reveal.ScreenMs)
	}
	if !procStats {
		return
	}
	// The server's CPU per phase is measured, and a join burst of 200 takes
	// more than the 10 ms /proc counts in.
	if len(res.ServerCPU) != 7 || res.ServerCPU[0].Phase != "join burst" || res.ServerCPU[0].Seconds <= 0 {
		t.Errorf("server CPU by phase: %+v; want seven phases, the join burst's positive", res.ServerCPU)
	}
	// So is the generator's, which joined 200 phones too.
	if len(res.GeneratorCPU) != 7 || res.GeneratorCPU[0].Phase != "join burst" || res.GeneratorCPU[0].Seconds <= 0 {
		t.Errorf("generator CPU by phase: %+v; want seven phases, the join burst's positive", res.GeneratorCPU)
	}
	if m := res.Memory; m == nil || m.BeforeKiB <= 0 || m.AfterKiB <= 0 {
		t.Errorf("memory: %+v", m)
	}
}

// The generator spread over three nodes of a cluster on a real PostgreSQL
// and NATS: the host on the first, the screen on the third, the
// participants on all three in turn, in two worker processes. It counts
// exactly, and reports each node's figures and the forwarding's cost.
func TestLoadOverThreeNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three cluster nodes; not in -short")
	}
	db := storetest.PostgresDatabase(t)
	natsURL := testserver.NATS(t)
	var urls []string
	for _, id := range []string{"n1", "n2", "n3"} {
		urls = append(urls, testserver.StartNode(t, db, natsURL, id, httpapi.Config{}).URL)
	}
	const n = 150
	cfg, err := parseFlags([]string{
		"--url", strings.Join(urls, ","), "--screen-url", urls[2], "-n", fmt.Sprint(n), "--workers", "2",
		"--join-concurrency", "32", "--timeout", "15s", "--pace", "300ms", "--step-rounds", "3",
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	res := runLoad(t, cfg, time.Minute)
	if e := res.Exact; !e.OK || e.Acked != n || e.Export == nil || e.Export.N != n {
		t.Errorf("not exact: %+v", e)
	}
	if p := res.Paced; p == nil || !p.Exact.OK || p.Votes.Acked != n {
		t.Fatalf("paced wave: %+v", p)
	}
	if !slices.Equal(res.URLs, urls) || res.ScreenURL != urls[2] || len(res.Nodes) != 3 {
		t.Fatalf("urls %v, screen %s, %d nodes; want %v, %s, 3", res.URLs, res.ScreenURL, len(res.Nodes), urls, urls[2])
	}
	for i, node := range res.Nodes {
		if node.URL != urls[i] || node.Participants != n/3 || node.VoteAckMs.Count != n/3 ||
			node.PacedAckMs == nil || node.PacedAckMs.Count != n/3 || node.StepChangeMs.Count != cfg.stepRounds*n/3 {
			t.Errorf("node %d: %+v; want %s with %d participants, votes and paced votes each, %d step changes", i+1, node, urls[i], n/3, cfg.stepRounds*n/3)
		}
	}
	f := res.Forwarding
	if f == nil || f.Owner != urls[0] || f.Paced == nil || f.Paced.OwnerAckMs.Count != n/3 || f.Paced.OthersAckMs.Count != 2*n/3 {
		t.Fatalf("forwarding: %+v", f)
	}
	if d := f.Paced.P99DiffMs; d != f.Paced.OthersAckMs.P99-f.Paced.OwnerAckMs.P99 {
		t.Errorf("paced p99 difference %.3f, want others' %.3f − owner's %.3f", d, f.Paced.OthersAckMs.P99, f.Paced.OwnerAckMs.P99)
	}
	var out strings.Builder
	res.print(&out)
	for _, want := range []string{"3 nodes", "the owner (first URL)", "paced difference p50/p99"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report has no %q:\n%s", want, out.String())
		}
	}
}

// runLoad runs quorum-load with cfg for at most timeout, failing the test on
// an error, and reports the failures it counted.
func runLoad(t *testing.T, cfg config, timeout time.Duration) *Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	res, err := run(ctx, cfg, t.Output())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failures) > 0 {
		t.Errorf("failures: %q", res.Failures)
	}
	return res
}
