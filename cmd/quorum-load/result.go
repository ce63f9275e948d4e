package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Result is every figure of a run; --json prints it as is.
type Result struct {
	URL             string   `json:"url"`
	Session         string   `json:"session"`
	Participants    int      `json:"participants"`
	Workers         int      `json:"workers"`
	Sources         []string `json:"sources"`
	JoinConcurrency int      `json:"joinConcurrency"`
	VoteWindowMs    float64  `json:"voteWindowMs"`
	ChangeShare     float64  `json:"changeShare"`
	VotingStep      int      `json:"votingStep"`

	Join       JoinResult    `json:"join"`
	Votes      WaveResult    `json:"votes"`   // first votes, results hidden
	Reveal     RevealResult  `json:"reveal"`  // the host reveals the step
	Changes    WaveResult    `json:"changes"` // changed votes, results shown
	StepChange FanoutResult  `json:"stepChange"`
	Paced      *PacedResult  `json:"paced,omitempty"` // nil when skipped: the notes say why
	Memory     *MemoryResult `json:"memory,omitempty"`
	ServerCPU  []PhaseCPU    `json:"serverCPU,omitempty"` // with --server-pid
	// GeneratorCPU is this process's and its workers' (Linux only): what
	// the generator itself took of the cores it shares with the server.
	GeneratorCPU []PhaseCPU `json:"generatorCPU,omitempty"`
	Exact        Exactness  `json:"exact"`

	// With several --url: every node's URL, the screen's, each node's
	// figures and what forwarding costs.
	URLs       []string          `json:"urls,omitempty"`
	ScreenURL  string            `json:"screenURL,omitempty"`
	Nodes      []NodeResult      `json:"nodes,omitempty"`
	Forwarding *ForwardingResult `json:"forwarding,omitempty"`

	Failures []string `json:"failures"` // anything wrong; the exit status is then 1
	Notes    []string `json:"notes"`    // how the figures are defined
}

type JoinResult struct {
	Participants int      `json:"participants"`
	Joined       int      `json:"joined"`
	Failed       int      `json:"failed"`
	Seconds      float64  `json:"seconds"` // first join request to last participant's first state
	PerSecond    float64  `json:"perSecond"`
	LatencyMs    Dist     `json:"latencyMs"` // one participant's join request to its first state
	RequestMs    Dist     `json:"requestMs"` // of which the join request (none when joining in the hello)
	ConnectMs    Dist     `json:"connectMs"` // of which the WebSocket, from dialing to the first state
	Errors       []string `json:"errors,omitempty"`
}

type WaveResult struct {
	Sent           int      `json:"sent"`
	Acked          int      `json:"acked"`
	Failed         int      `json:"failed"`
	SendSeconds    float64  `json:"sendSeconds"` // first vote sent to last vote sent: the offered load
	Seconds        float64  `json:"seconds"`     // first vote sent to last ack received
	AckedPerSecond float64  `json:"ackedPerSecond"`
	AckMs          Dist     `json:"ackMs"`
	ToScreenMs     Dist     `json:"toScreenMs"`
	NotOnScreen    int      `json:"notOnScreen"` // acknowledged votes no screen frame ever counted
	Errors         []string `json:"errors,omitempty"`
}

type RevealResult struct {
	ScreenMs       float64 `json:"screenMs"` // 0: the screen never showed the results
	Received       int     `json:"received"`
	Missing        int     `json:"missing"`
	ParticipantsMs Dist    `json:"participantsMs"`
	AllMs          float64 `json:"allMs"` // until the screen and every participant had them
}

type FanoutResult struct {
	Action   string `json:"action"`
	From     int    `json:"from"`
	To       int    `json:"to"`
	Received int    `json:"received"`
	Missing  int    `json:"missing"`
	Ms       Dist   `json:"ms"`     // over all rounds
	Rounds   []Dist `json:"rounds"` // each round's own
}

// PhaseCPU is the CPU time a process (the server, or the generator) used
// during one phase, user and system, in steps of 10 ms: less noisy than a
// latency on a shared machine. User is the process's own work; System its
// system calls, which on loopback include the other side's TCP work.
type PhaseCPU struct {
	Phase   string  `json:"phase"`
	Seconds float64 `json:"seconds"`
	User    float64 `json:"userSeconds"`
	System  float64 `json:"systemSeconds"`
}

type MemoryResult struct {
	PID               int     `json:"pid"`
	BeforeKiB         int64   `json:"beforeKiB"` // screen and host connected, no participant yet
	AfterKiB          int64   `json:"afterKiB"`  // every participant joined and connected
	EndKiB            int64   `json:"endKiB"`    // after the last phase
	PerParticipantKiB float64 `json:"perParticipantKiB"`
	AfterGC           bool    `json:"afterGC"` // each RSS was read right after a forced GC
}

// Exactness compares the acknowledged votes with every count of them.
type Exactness struct {
	Acked    int    `json:"acked"`            // participants with an acknowledged vote
	Expected []int  `json:"expected"`         // per option or point, from each one's last acknowledged value
	Screen   Tally  `json:"screen"`           // the screen's last frame
	Host     Tally  `json:"host"`             // GET /api/sessions/{id}
	Export   *Tally `json:"export,omitempty"` // export.json's votes; absent if it could not be read
	OK       bool   `json:"ok"`
}

// Tally is one view of a step's votes.
type Tally struct {
	N      int   `json:"n"`
	Counts []int `json:"counts"` // nil for a view that shows only how many voted
}

// PacedResult is the paced wave: one vote per participant on the step moved
// to, spread evenly over --pace, with results hidden.
type PacedResult struct {
	Step   int        `json:"step"`
	PaceMs float64    `json:"paceMs"`
	Votes  WaveResult `json:"votes"`
	Exact  Exactness  `json:"exact"` // the screen shows only how many voted
}

func (r *Result) fail(format string, args ...any) {
	r.Failures = append(r.Failures, fmt.Sprintf(format, args...))
}

// print writes the human report: figures, the targets at 10,000
// participants for comparison, then the definitions and any failure.
func (r *Result) print(out io.Writer) {
	against := r.URL
	if len(r.URLs) > 1 {
		against = fmt.Sprintf("%d nodes, %s (the screen on %s)", len(r.URLs), strings.Join(r.URLs, ", "), r.ScreenURL)
	}
	fmt.Fprintf(out, "quorum-load: %d participants in %d process(es), from %s, against %s (session %s, voting on step %d)\n\n",
		r.Participants, r.Workers, strings.Join(r.Sources, ", "), against, r.Session, r.VotingStep)
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	row := func(phase, figure, value, target string) {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", phase, figure, value, target)
	}
	row("phase", "figure", "measured", "target at 10,000")
	j := r.Join
	row("join burst", "joined", fmt.Sprintf("%d of %d, %d failed", j.Joined, j.Participants, j.Failed), "0 failed")
	row("", "time", fmt.Sprintf("%.2f s (%.0f /s)", j.Seconds, j.PerSecond), "≤ 3 s")
	row("", "join→first state p50/p99/max", fmtDist(j.LatencyMs, false), "")
	if j.RequestMs.Max > 0 {
		row("", "  POST /api/join p50/p99/max", fmtDist(j.RequestMs, false), "")
		row("", "  WebSocket→state p50/p99/max", fmtDist(j.ConnectMs, false), "")
	}
	for _, e := range j.Errors {
		row("", "error", e, "")
	}
	// Both bursts measure capacity; the paced wave holds the latency target.
	burst := "(burst)"
	if r.VoteWindowMs > 0 {
		burst = ""
	}
	r.printWave(row, "vote wave", "vote→screen (voted count)", r.Votes, "≥ 20,000 /s", burst)
	v := r.Reveal
	row("reveal", "screen", fmtMs(v.ScreenMs), "")
	row("", "participants p50/p99/max", fmt.Sprintf("%s (%d of %d)", fmtDist(v.ParticipantsMs, false), v.Received, v.Received+v.Missing), "")
	row("", "everyone", fmtMs(v.AllMs), "")
	r.printWave(row, "change wave", "vote→screen (tally)", r.Changes, "", burst)
	s := r.StepChange
	row("step change", s.Action, fmt.Sprintf("step %d → %d and back, %d rounds, %d of %d received", s.From, s.To, len(s.Rounds), s.Received, s.Received+s.Missing), "")
	row("", "fan-out p50/p99/max", fmtDist(s.Ms, false), "p99 ≤ 100 ms")
	p99s := make([]string, len(s.Rounds))
	for i, d := range s.Rounds {
		p99s[i] = fmt.Sprintf("%.1f", d.P99)
	}
	row("", "each round's p99", strings.Join(p99s, " / ")+" ms", "")
	if p := r.Paced; p != nil {
		r.printWave(row, "paced wave", "vote→screen (voted count)", p.Votes, "", "p99 ≤ 150 ms")
		row("", "acked / screen / host / export", fmtExact(p.Exact), "exact")
	}
	if m := r.Memory; m != nil {
		row("server memory", "before → after → end", fmt.Sprintf("%.1f → %.1f → %.1f MiB", float64(m.BeforeKiB)/1024, float64(m.AfterKiB)/1024, float64(m.EndKiB)/1024), "")
		row("", "per participant", fmt.Sprintf("%.1f KiB", m.PerParticipantKiB), "≤ 20 KiB")
	}
	if len(r.ServerCPU) > 0 {
		row("server CPU", "by phase, s", fmtPhases(r.ServerCPU), "")
	}
	if len(r.GeneratorCPU) > 0 {
		row("generator CPU", "by phase, s", fmtPhases(r.GeneratorCPU), "")
	}
	e := r.Exact
	row("exactness", "acked / screen / host / export", fmtExact(e), "exact")
	row("", "per value: expected / screen", fmt.Sprintf("%v / %v", e.Expected, e.Screen.Counts), "")
	r.printNodes(row)
	w.Flush()

	fmt.Fprintln(out)
	for _, n := range r.Notes {
		fmt.Fprintf(out, "- %s\n", n)
	}
	for _, f := range r.Failures {
		fmt.Fprintf(out, "FAILURE: %s\n", f)
	}
}

func (r *Result) printWave(row func(phase, figure, value, target string), phase, screenFigure string, v WaveResult, rateTarget, screenTarget string) {
	row(phase, "acknowledged", fmt.Sprintf("%d of %d sent over %.2f s, %d failed", v.Acked, v.Sent, v.SendSeconds, v.Failed), "0 failed")
	row("", "rate", fmt.Sprintf("%.0f /s over %.2f s", v.AckedPerSecond, v.Seconds), rateTarget)
	row("", "send→ack p50/p99/max", fmtDist(v.AckMs, false), "")
	row("", screenFigure+" p50/p95/p99/max", fmtDist(v.ToScreenMs, true), screenTarget)
	if v.NotOnScreen > 0 {
		row("", "never on screen", fmt.Sprint(v.NotOnScreen), "0")
	}
	for _, e := range v.Errors {
		row("", "error", e, "")
	}
}

// fmtExact is every count of the votes and the verdict.
func fmtExact(e Exactness) string {
	export := "-"
	if e.Export != nil {
		export = fmt.Sprint(e.Export.N)
	}
	verdict := "exact"
	if !e.OK {
		verdict = "NOT EXACT"
	}
	return fmt.Sprintf("%d / %d / %d / %s: %s", e.Acked, e.Screen.N, e.Host.N, export, verdict)
}

func fmtDist(d Dist, p95 bool) string {
	if d.Count == 0 {
		return "-"
	}
	if p95 {
		return fmt.Sprintf("%.1f / %.1f / %.1f / %.1f ms", d.P50, d.P95, d.P99, d.Max)
	}
	return fmt.Sprintf("%.1f / %.1f / %.1f ms", d.P50, d.P99, d.Max)
}

func fmtMs(v float64) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f ms", v)
}

// fmtPhases is CPU time by phase, on one line.
func fmtPhases(phases []PhaseCPU) string {
	parts := make([]string, len(phases))
	for i, p := range phases {
		parts[i] = fmt.Sprintf("%s %.2f (user %.2f)", p.Phase, p.Seconds, p.User)
	}
	return strings.Join(parts, " · ")
}
