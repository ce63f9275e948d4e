package main

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// Dist is a distribution of latencies, in milliseconds.
type Dist struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
}

// percentile returns the p-th percentile (0 < p ≤ 100) of sorted values by
// nearest rank: the smallest value that at least p% of the values do not
// exceed. It never interpolates, so it is always a latency that happened.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func distOf(ms []float64) Dist {
	s := slices.Clone(ms)
	slices.Sort(s)
	d := Dist{Count: len(s), P50: percentile(s, 50), P95: percentile(s, 95), P99: percentile(s, 99)}
	if len(s) > 0 {
		d.Max = s[len(s)-1]
	}
	return d
}

func ms(ns int64) float64 { return float64(ns) / 1e6 }

// sortedByAck returns the acknowledged votes, earliest ack first.
func sortedByAck(votes []voteTiming) []voteTiming {
	var acked []voteTiming
	for _, v := range votes {
		if v.Ack != 0 {
			acked = append(acked, v)
		}
	}
	sort.Slice(acked, func(i, j int) bool { return acked[i].Ack < acked[j].Ack })
	return acked
}

// screenLatency measures how long acknowledged votes took to reach the
// screen, in milliseconds, and how many never did.
//
// The screen shows how many votes there are, not whose, and the server
// coalesces its updates, so votes are matched to screen frames by rank: the
// votes are ordered by the arrival of their acks (from outside, the best view
// of the order the server committed them in), and the i-th vote is on screen
// from the first frame that arrived after the vote was sent and whose count
// is at least i. Its latency is that frame's arrival minus the vote's send
// time. count gives a frame's count (counts.voted before a reveal; after it,
// the tally of the value the changed votes went to), or false to skip it.
func screenLatency(votes []voteTiming, frames []screenFrame, count func(screenFrame) (int, bool)) (lat []float64, missing int) {
	for i, v := range sortedByAck(votes) {
		found := false
		for _, f := range frames {
			if n, ok := count(f); ok && f.At >= v.Sent && n >= i+1 {
				lat = append(lat, ms(f.At-v.Sent))
				found = true
				break
			}
		}
		if !found {
			missing++
		}
	}
	return lat, missing
}

// summarizeWave turns a wave's timings into its figures; frames and count
// measure vote-to-screen (see screenLatency).
func summarizeWave(votes []voteTiming, frames []screenFrame, count func(screenFrame) (int, bool)) WaveResult {
	r := WaveResult{Sent: len(votes)}
	var first, lastSent, last int64
	var ackMs []float64
	var errs []string
	for _, v := range votes {
		if v.Sent != 0 && (first == 0 || v.Sent < first) {
			first = v.Sent
		}
		lastSent = max(lastSent, v.Sent)
		if v.Ack == 0 {
			r.Failed++
			errs = append(errs, v.Err)
			continue
		}
		r.Acked++
		last = max(last, v.Ack)
		ackMs = append(ackMs, ms(v.Ack-v.Sent))
	}
	r.SendSeconds = float64(lastSent-first) / 1e9
	if r.Acked > 0 {
		r.Seconds = float64(last-first) / 1e9
		if r.Seconds > 0 {
			r.AckedPerSecond = float64(r.Acked) / r.Seconds
		}
	}
	r.AckMs = distOf(ackMs)
	lat, missing := screenLatency(votes, frames, count)
	r.ToScreenMs, r.NotOnScreen = distOf(lat), missing
	r.Errors = errorKinds(errs)
	return r
}

// maxErrorKinds bounds the distinct error messages a report carries.
const maxErrorKinds = 5

// errorKinds counts messages and keeps the most frequent few.
func errorKinds(msgs []string) []string {
	counts := map[string]int{}
	for _, m := range msgs {
		counts[m]++
	}
	kinds := make([]string, 0, len(counts))
	for m := range counts {
		kinds = append(kinds, m)
	}
	sort.Slice(kinds, func(i, j int) bool {
		if counts[kinds[i]] != counts[kinds[j]] {
			return counts[kinds[i]] > counts[kinds[j]]
		}
		return kinds[i] < kinds[j]
	})
	var out []string
	for _, m := range kinds[:min(len(kinds), maxErrorKinds)] {
		out = append(out, fmt.Sprintf("%d× %s", counts[m], m))
	}
	return out
}

// arrivals turns the await reports of every worker into latencies from t:
// the milliseconds of those that received the frame, and how many did not.
func arrivals(reps []report, t int64) (lat []float64, missing int) {
	for _, r := range reps {
		for _, at := range r.Seen {
			if at == 0 {
				missing++
				continue
			}
			lat = append(lat, ms(at-t))
		}
	}
	return lat, missing
}

// summarizeJoin adds up the workers' join bursts: the burst lasts from the
// first join request of any worker to the last first state of any.
func summarizeJoin(reps []report, n int) JoinResult {
	j := JoinResult{Participants: n}
	var start, end int64
	var lat, req, conn []float64
	for _, r := range reps {
		jr := r.Join
		if jr == nil {
			continue
		}
		j.Joined += jr.OK
		j.Failed += jr.Failed
		if start == 0 || jr.Start < start {
			start = jr.Start
		}
		end = max(end, jr.End)
		for i, ns := range jr.LatencyNs {
			lat = append(lat, ms(ns))
			req = append(req, ms(jr.RequestNs[i]))
			conn = append(conn, ms(ns-jr.RequestNs[i]))
		}
		j.Errors = append(j.Errors, jr.Errors...)
	}
	if end > start {
		j.Seconds = float64(end-start) / 1e9
		j.PerSecond = float64(j.Joined) / j.Seconds
	}
	j.LatencyMs, j.RequestMs, j.ConnectMs = distOf(lat), distOf(req), distOf(conn)
	return j
}
