package main

import "fmt"

// Figures by node, for a run spread over several nodes of a cluster. The
// first URL's node owns the session (the run reads the session there before
// any other node hears of it, so that node takes its lease); a phone on
// another node has each vote forwarded to it and each ack forwarded back.

// NodeResult is one node's share of a run.
type NodeResult struct {
	URL          string `json:"url"`
	Participants int    `json:"participants"` // connected through this node
	VoteAckMs    Dist   `json:"voteAckMs"`    // the vote wave's send → ack
	PacedAckMs   *Dist  `json:"pacedAckMs,omitempty"`
	StepChangeMs Dist   `json:"stepChangeMs"` // fan-out, over every round
}

// ForwardingResult is what forwarding costs a vote: send → ack of the
// phones on the other nodes against the phones on the owner's.
type ForwardingResult struct {
	Owner string          `json:"owner"` // the first URL
	Votes ForwardingWave  `json:"votes"` // the burst
	Paced *ForwardingWave `json:"paced,omitempty"`
}

// ForwardingWave compares one wave's send → ack on the owner's node and on
// the others; the differences are the others' minus the owner's.
type ForwardingWave struct {
	OwnerAckMs  Dist    `json:"ownerAckMs"`
	OthersAckMs Dist    `json:"othersAckMs"`
	P50DiffMs   float64 `json:"p50DiffMs"`
	P99DiffMs   float64 `json:"p99DiffMs"`
}

// stepRound is one step change's awaits and when the host sent it.
type stepRound struct {
	sent int64
	reps []report
}

// byNode splits the run's figures by node.
func (r *runner) byNode() ([]NodeResult, *ForwardingResult) {
	nodes := make([]NodeResult, len(r.cfg.urls))
	for i, u := range r.cfg.urls {
		nodes[i].URL = u.String()
	}
	voteAcks := acksByNode(r.firsts, len(nodes))
	pacedAcks := acksByNode(r.paced, len(nodes))
	fanout := make([][]float64, len(nodes))
	for k, round := range r.stepReps {
		for _, rep := range round.reps {
			for i, at := range rep.Seen {
				node := rep.Node[i]
				if k == 0 {
					nodes[node].Participants++
				}
				if at != 0 {
					fanout[node] = append(fanout[node], ms(at-round.sent))
				}
			}
		}
	}
	for i := range nodes {
		nodes[i].VoteAckMs = distOf(voteAcks[i])
		nodes[i].StepChangeMs = distOf(fanout[i])
		if r.res.Paced != nil {
			d := distOf(pacedAcks[i])
			nodes[i].PacedAckMs = &d
		}
	}
	f := &ForwardingResult{Owner: nodes[0].URL, Votes: compareOwner(voteAcks)}
	if r.res.Paced != nil {
		p := compareOwner(pacedAcks)
		f.Paced = &p
	}
	return nodes, f
}

// acksByNode gives each node's acknowledged votes' send → ack, in ms.
func acksByNode(votes []voteTiming, nodes int) [][]float64 {
	out := make([][]float64, nodes)
	for _, v := range votes {
		if v.Ack != 0 && v.Node < nodes {
			out[v.Node] = append(out[v.Node], ms(v.Ack-v.Sent))
		}
	}
	return out
}

// compareOwner sets node 0's acks against every other node's together.
func compareOwner(acks [][]float64) ForwardingWave {
	var others []float64
	for _, a := range acks[1:] {
		others = append(others, a...)
	}
	w := ForwardingWave{OwnerAckMs: distOf(acks[0]), OthersAckMs: distOf(others)}
	if w.OwnerAckMs.Count > 0 && w.OthersAckMs.Count > 0 {
		w.P50DiffMs = w.OthersAckMs.P50 - w.OwnerAckMs.P50
		w.P99DiffMs = w.OthersAckMs.P99 - w.OwnerAckMs.P99
	}
	return w
}

// printNodes adds the rows by node and the forwarding's cost to the report.
func (r *Result) printNodes(row func(phase, figure, value, target string)) {
	for i, n := range r.Nodes {
		role := "another node"
		if i == 0 {
			role = "the owner (first URL)"
		}
		if n.URL == r.ScreenURL {
			role += ", the screen"
		}
		row(fmt.Sprintf("node %d", i+1), n.URL, fmt.Sprintf("%s, %d participants", role, n.Participants), "")
		row("", "vote wave send→ack p50/p99/max", fmtDist(n.VoteAckMs, false), "")
		if n.PacedAckMs != nil {
			row("", "paced send→ack p50/p99/max", fmtDist(*n.PacedAckMs, false), "")
		}
		row("", "fan-out p50/p99/max", fmtDist(n.StepChangeMs, false), "")
	}
	f := r.Forwarding
	if f == nil {
		return
	}
	wave := func(name string, w ForwardingWave, target string) {
		row("", name+" owner's p50/p99", fmt.Sprintf("%.2f / %.2f ms", w.OwnerAckMs.P50, w.OwnerAckMs.P99), "")
		row("", name+" others' p50/p99", fmt.Sprintf("%.2f / %.2f ms", w.OthersAckMs.P50, w.OthersAckMs.P99), "")
		row("", name+" difference p50/p99", fmt.Sprintf("%+.2f / %+.2f ms", w.P50DiffMs, w.P99DiffMs), target)
	}
	row("forwarding", "send→ack, others against the owner", "", "")
	wave("vote wave", f.Votes, "")
	if f.Paced != nil {
		wave("paced", *f.Paced, "p99 ≤ 3 ms")
	}
}
