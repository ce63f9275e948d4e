// Command quorum-load drives a running Quorum server over its real HTTP and
// WebSocket protocol, as a keynote's worth of phones would: a screen and a
// host, then N participants who all join within seconds, all vote, see a
// reveal, partly change their minds, follow the host to the next step and
// vote there again. It measures join rate, vote throughput, vote-to-screen
// latency, state fan-out, server memory and whether every acknowledged vote
// was counted exactly.
//
// Votes come twice, for two figures. The vote wave sends every vote at once:
// a burst no server absorbs instantly, which measures capacity (votes
// acknowledged per second). The paced wave, on the next step, spreads one
// vote per participant evenly over --pace (2s), as a hall does when everyone
// votes within seconds of voting opening: its vote-to-screen latency is the
// one to hold against a latency target.
//
// It only ever targets loopback addresses: it is a benchmark for one machine,
// not a tool to flood someone else's server.
//
// Against several nodes of a cluster (docs/cluster.md), --url takes their
// URLs separated by commas: the host, the API calls and, unless --screen-url
// puts it elsewhere, the screen go to the first; the participants are spread
// over all of them in turn. The run creates its session on the first node and
// reads it there before anything else, so that node takes the session's
// lease: phones on the other nodes are forwarded, and the report gives each
// node's figures and the forwarding's cost (send → ack on the other nodes
// against the first's).
//
// Usage, against a server started for the purpose:
//
//	go build -o /tmp/quorum ./cmd/quorum
//	/tmp/quorum --addr 127.0.0.1:18200 --data /tmp/qload &
//	go run ./cmd/quorum-load --url http://127.0.0.1:18200 -n 10000 \
//	    --server-pid $!
//
// Past 16,000 participants it re-executes itself as worker processes, each
// holding a slice of the connections; on Linux connections come from
// 127.0.0.2, 127.0.0.3, … so that no source address runs out of ephemeral
// ports. It prints a table (or, with --json, one JSON object) and exits with status 1
// if anything failed or any count of the votes differs from the
// acknowledged ones.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

// workerFlag, as the only argument, makes the binary a worker process that
// takes commands on stdin (see pool.go). It is not in the usage on purpose:
// people never pass it.
const workerFlag = "--quorum-load-worker"

// Sizing limits.
const (
	// participantsPerWorker is the default slice of one worker process:
	// under the 20,000 open files a process may hold here, with room for the
	// join burst's HTTP connections. As few processes as the files allow:
	// each one more on the same two cores took a third more of the
	// generator's CPU per state received (17.0 against 12.6 µs at 10,000 in
	// two processes or one), and the generator shares those cores with the
	// server it measures.
	participantsPerWorker = 16_000
	// maxFilesPerWorker keeps a worker clear of that limit.
	maxFilesPerWorker = 18_000
	// connsPerSource is the default load of one source address. Linux gives
	// each address about 28,000 ephemeral ports (32768–60999).
	connsPerSource    = 5_000 // below the server's default per-address limit
	maxConnsPerSource = 25_000
	// maxConnsOneSource is the load of the one source address elsewhere:
	// macOS and Windows give it 16,384 ephemeral ports (49152–65535).
	maxConnsOneSource = 15_000
)

// spreadSources: Linux answers on every address of 127.0.0.0/8, so that
// connections can come from many; macOS answers on 127.0.0.1 alone unless
// aliases are added. Elsewhere every connection comes from the server's own
// loopback address.
const spreadSources = runtime.GOOS == "linux"

// errNoProc refuses --server-pid off Linux: the server's memory and CPU come
// from /proc (proc_linux.go).
var errNoProc = errors.New("--server-pid reads the server's memory and CPU from /proc, which only Linux has")

func main() {
	if len(os.Args) == 2 && os.Args[1] == workerFlag {
		os.Exit(workerMain())
	}
	if len(os.Args) == 2 && os.Args[1] == floorReaderFlag {
		os.Exit(floorReaderMain())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "quorum-load:", err)
		os.Exit(2)
	}
	// Workers inherit the limit, so one check here covers them.
	limit, err := raiseFileLimit()
	if err != nil {
		fmt.Fprintln(os.Stderr, "quorum-load:", err)
	} else if need := cfg.filesPerProcess(); uint64(need) > limit {
		fmt.Fprintf(os.Stderr, "quorum-load: each process needs about %d open files, over its limit of %d: raise --workers or the limit (ulimit -n)\n", need, limit)
		os.Exit(2)
	}
	if cfg.failover.cycles > 0 {
		res, err := runFailover(ctx, cfg.failover, cfg.n, cfg.timeout, os.Stderr)
		if res != nil {
			printResult(res, cfg.json)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "quorum-load:", err)
			os.Exit(1)
		}
		if !res.ok() {
			os.Exit(1)
		}
		return
	}
	if cfg.floor {
		f, err := runFloor(ctx, cfg.n, cfg.joinConcurrency, cfg.sourceIPs(), cfg.timeout)
		if err != nil {
			fmt.Fprintln(os.Stderr, "quorum-load:", err)
			os.Exit(1)
		}
		if cfg.json {
			_ = json.NewEncoder(os.Stdout).Encode(f)
		} else {
			f.print(os.Stdout)
		}
		return
	}
	res, err := run(ctx, cfg, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "quorum-load:", err)
		os.Exit(1)
	}
	printResult(res, cfg.json)
	if len(res.Failures) > 0 {
		fmt.Fprintf(os.Stderr, "quorum-load: FAILED: %s\n", strings.Join(res.Failures, "; "))
		os.Exit(1)
	}
}

// config is every setting of a run.
type config struct {
	url             *url.URL   // http://loopback:port, localhost already resolved: the host's, the API's
	urls            []*url.URL // every node's, url first: participants are spread over them in turn
	screenURL       *url.URL   // the screen's: url unless --screen-url
	n               int
	workers         int
	sources         int
	session         string
	hostKey         string
	screenKey       string
	changeShare     float64
	voteWindow      time.Duration
	pace            time.Duration // the paced wave's spread; 0: no paced wave
	stepRounds      int           // step changes, there and back; odd
	joinConcurrency int
	joinIn          string // "hello" or "http"
	serverPID       int
	debugURL        *url.URL
	json            bool
	timeout         time.Duration
	floor           bool
	failover        failoverConfig // cycles > 0: the failover series instead of a run
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	var rawURL, rawDebugURL, rawScreenURL string
	fs := flag.NewFlagSet("quorum-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&rawURL, "url", "http://127.0.0.1:8080", "the Quorum server, or the nodes of a cluster separated by commas (the host on the first, participants on each in turn); loopback addresses only")
	fs.StringVar(&rawScreenURL, "screen-url", "", "the node the screen connects to (default: the first --url)")
	fs.IntVar(&cfg.n, "n", 1000, "participants")
	fs.IntVar(&cfg.workers, "workers", 0, fmt.Sprintf("processes that hold the participants; 1 is this process (default: one per %d participants)", participantsPerWorker))
	fs.IntVar(&cfg.sources, "sources", 0, fmt.Sprintf("source addresses 127.0.0.2, 127.0.0.3, … to spread connections over, on Linux (default: one per %d participants, plus one)", connsPerSource))
	fs.StringVar(&cfg.session, "session", "", "use this existing session instead of creating one (needs --host-key and --screen-key)")
	fs.StringVar(&cfg.hostKey, "host-key", "", "the host key of --session")
	fs.StringVar(&cfg.screenKey, "screen-key", "", "the screen key of --session")
	fs.Float64Var(&cfg.changeShare, "change-share", 0.2, "fraction of participants who change their vote after the reveal")
	fs.DurationVar(&cfg.voteWindow, "vote-window", 0, "spread the vote and change waves evenly over this long; 0 sends every vote at once (the paced wave has --pace)")
	fs.DurationVar(&cfg.pace, "pace", 2*time.Second, "spread the paced wave's votes, one per participant on the next step, evenly over this long; 0 skips the paced wave")
	fs.IntVar(&cfg.stepRounds, "step-rounds", 5, "step changes to time, there and back again; odd, so that the run ends on the step moved to")
	fs.IntVar(&cfg.joinConcurrency, "join-concurrency", 256, "joins in flight at once, over all workers")
	fs.StringVar(&cfg.joinIn, "join", "hello", "how participants join: hello (in the WebSocket hello, as the phone page does) or http (POST /api/join, then a hello with the token)")
	fs.IntVar(&cfg.serverPID, "server-pid", 0, "the server's process id, to read its memory and CPU from /proc/<pid> (Linux only)")
	fs.StringVar(&rawDebugURL, "debug-url", "", "the server's --debug-addr as a URL (http://127.0.0.1:6060): memory is then measured after a forced GC")
	fs.BoolVar(&cfg.json, "json", false, "print the results as one JSON object")
	fs.BoolVar(&cfg.floor, "floor", false, "measure only the machine's floor: one message to -n bare loopback TCP connections, written and read as the server and the generator do, no Quorum needed")
	fs.DurationVar(&cfg.timeout, "timeout", time.Minute, "give up on a phase that takes longer than this")
	fs.IntVar(&cfg.failover.cycles, "failover", 0, "run the failover series instead: start three cluster nodes from --quorum, and this many times kill the session's owner (SIGKILL) in the middle of a vote wave of -n phones and start it again; needs --quorum, --database-url and --nats-url")
	fs.StringVar(&cfg.failover.bin, "quorum", "", "--failover: the quorum binary to start the nodes from")
	fs.StringVar(&cfg.failover.databaseURL, "database-url", "", "--failover: the nodes' PostgreSQL (postgres://…@127.0.0.1/…), a database for the series")
	fs.StringVar(&cfg.failover.natsURL, "nats-url", "", "--failover: the nodes' NATS (nats://127.0.0.1:4222)")
	fs.DurationVar(&cfg.failover.window, "failover-window", 6*time.Second, "--failover: spread each wave's votes over this long; the kill comes a third of the way in")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	seen := map[string]bool{}
	for _, raw := range strings.Split(rawURL, ",") {
		u, err := loopbackURL(strings.TrimSpace(raw))
		if err != nil {
			return cfg, err
		}
		if seen[u.String()] {
			return cfg, fmt.Errorf("--url names %s twice", u)
		}
		seen[u.String()] = true
		cfg.urls = append(cfg.urls, u)
	}
	cfg.url, cfg.screenURL = cfg.urls[0], cfg.urls[0]
	var err error
	if rawScreenURL != "" {
		if cfg.screenURL, err = loopbackURL(rawScreenURL); err != nil {
			return cfg, fmt.Errorf("--screen-url: %w", err)
		}
	}
	if rawDebugURL != "" {
		if cfg.debugURL, err = loopbackURL(rawDebugURL); err != nil {
			return cfg, fmt.Errorf("--debug-url: %w", err)
		}
	}
	return cfg, cfg.complete()
}

// complete checks the settings and fills in the defaults that depend on n.
func (cfg *config) complete() error {
	if len(cfg.urls) == 0 {
		cfg.urls = []*url.URL{cfg.url}
	}
	if cfg.screenURL == nil {
		cfg.screenURL = cfg.url
	}
	switch {
	case cfg.n < 1:
		return fmt.Errorf("-n must be at least 1")
	case cfg.changeShare < 0 || cfg.changeShare > 1:
		return fmt.Errorf("--change-share is a fraction from 0 to 1")
	case cfg.voteWindow < 0:
		return fmt.Errorf("--vote-window cannot be negative")
	case cfg.stepRounds < 1 || cfg.stepRounds%2 == 0:
		return fmt.Errorf("--step-rounds must be odd and at least 1, so that the run ends on the step it moved to; got %d", cfg.stepRounds)
	case cfg.pace < 0:
		return fmt.Errorf("--pace cannot be negative (0 skips the paced wave)")
	case cfg.timeout > 0 && cfg.pace >= cfg.timeout:
		return fmt.Errorf("--pace %s leaves no time to answer the last votes within --timeout %s", cfg.pace, cfg.timeout)
	case cfg.joinConcurrency < 1:
		return fmt.Errorf("--join-concurrency must be at least 1")
	case cfg.joinIn != "hello" && cfg.joinIn != "http":
		return fmt.Errorf("--join is hello or http, not %q", cfg.joinIn)
	case cfg.timeout <= 0:
		return fmt.Errorf("--timeout must be positive")
	case cfg.workers < 0 || cfg.sources < 0:
		return fmt.Errorf("--workers and --sources cannot be negative")
	case cfg.session != "" && (cfg.hostKey == "" || cfg.screenKey == ""):
		return fmt.Errorf("--session needs --host-key and --screen-key")
	case cfg.session == "" && (cfg.hostKey != "" || cfg.screenKey != ""):
		return fmt.Errorf("--host-key and --screen-key go with --session")
	case cfg.debugURL != nil && cfg.serverPID == 0:
		return fmt.Errorf("--debug-url goes with --server-pid: it makes the memory figure come after a GC")
	case cfg.serverPID != 0 && runtime.GOOS != "linux":
		return errNoProc
	case slices.ContainsFunc(cfg.urls, func(u *url.URL) bool { return (u.Hostname() == "::1") != cfg.ipv6() }):
		return fmt.Errorf("--url mixes ::1 with IPv4 addresses: connections come from one family's loopback addresses")
	case cfg.sources > 1 && !spreadSources:
		return fmt.Errorf("--sources: on %s connections come from the server's own loopback address; spreading them over 127.0.0.2 and up needs Linux", runtime.GOOS)
	}
	if cfg.failover.cycles > 0 {
		if err := cfg.failover.check(); err != nil {
			return err
		}
	}
	if cfg.workers == 0 {
		cfg.workers = ceilDiv(cfg.n, participantsPerWorker)
	}
	if cfg.sources == 0 {
		cfg.sources = ceilDiv(cfg.n, connsPerSource) + 1
	}
	if cfg.sources > 250 {
		return fmt.Errorf("--sources can be at most 250 (127.0.0.2 to 127.0.0.251)")
	}
	cfg.workers = min(cfg.workers, cfg.n)
	if cfg.floor && cfg.n+64 > maxFilesPerWorker {
		return fmt.Errorf("--floor holds all %d connections in each of its two processes: at most %d", cfg.n, maxFilesPerWorker-64)
	}
	if files := cfg.filesPerProcess(); files > maxFilesPerWorker {
		return fmt.Errorf("%d participants per worker need about %d open files, over the %d a worker may use: raise --workers", ceilDiv(cfg.n, cfg.workers), files, maxFilesPerWorker)
	}
	if cfg.ipv6() || !spreadSources {
		// There is one IPv6 loopback address, and one usable off Linux.
		cfg.sources = 1
		if cfg.n > maxConnsOneSource {
			return fmt.Errorf("%d connections from one source address would run out of ephemeral ports: at most %d here", cfg.n, maxConnsOneSource)
		}
	}
	if perSource := ceilDiv(cfg.n, cfg.sources); perSource > maxConnsPerSource {
		return fmt.Errorf("%d connections per source address would run out of ephemeral ports: raise --sources", perSource)
	}
	return nil
}

// filesPerProcess is about how many files the busiest process holds: its
// participants' WebSockets, the join burst's HTTP connections and a margin
// for the screen, the host and the runtime.
func (cfg *config) filesPerProcess() int {
	return ceilDiv(cfg.n, cfg.workers) + ceilDiv(cfg.joinConcurrency, cfg.workers) + 64
}

// loopbackURL parses the server's URL and refuses any host that is not a
// loopback address. localhost becomes 127.0.0.1, so that every connection,
// including those bound to a 127.0.0.x source, goes the same way.
func loopbackURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("--url: %w", err)
	}
	if u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("--url must look like http://127.0.0.1:8080, not %q", raw)
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("--url is the server's base address, with no path, query or user: %q", raw)
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("--url host %q is not a loopback address: quorum-load only targets 127.0.0.0/8, ::1 or localhost", u.Hostname())
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	return &url.URL{Scheme: "http", Host: net.JoinHostPort(ip.String(), port)}, nil
}

// sourceIPs are the addresses participants connect from: 127.0.0.2 and on
// for an IPv4 server on Linux, the server's own address otherwise.
func (cfg *config) sourceIPs() []string {
	if cfg.ipv6() || !spreadSources {
		return []string{cfg.url.Hostname()}
	}
	ips := make([]string, cfg.sources)
	for i := range ips {
		ips[i] = fmt.Sprintf("127.0.0.%d", i+2)
	}
	return ips
}

// ipv6 reports whether the run targets the IPv6 loopback address.
func (cfg *config) ipv6() bool { return cfg.url.Hostname() == "::1" }

// urlStrings are the nodes' URLs, first the host's.
func (cfg *config) urlStrings() []string {
	out := make([]string, len(cfg.urls))
	for i, u := range cfg.urls {
		out[i] = u.String()
	}
	return out
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// printResult prints a run's result on stdout, as indented JSON or as text.
func printResult(res interface{ print(io.Writer) }, asJSON bool) {
	if !asJSON {
		res.print(os.Stdout)
		return
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(res)
}
