// Package metrics exports Quorum's live figures to Prometheus.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics implements room.Metrics and wsconn.Metrics on its own registry.
type Metrics struct {
	registry    *prometheus.Registry
	connections *prometheus.GaugeVec
	joins       prometheus.Counter
	votes       prometheus.Counter
	commit      prometheus.Histogram
	broadcast   prometheus.Histogram
	slowClients prometheus.Counter

	// a node of a cluster's
	owned      prometheus.Gauge
	frames     *prometheus.CounterVec
	messages   *prometheus.CounterVec
	failovers  *prometheus.HistogramVec
	leasesLost prometheus.Counter
}

// New registers every metric, with the Go runtime's and the process's.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		connections: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "quorum_connections", Help: "Open WebSocket connections by role.",
		}, []string{"role"}),
		joins: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "quorum_joins_total", Help: "Participants who joined a session.",
		}),
		votes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "quorum_votes_total", Help: "Votes committed (new or changed).",
		}),
		commit: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "quorum_commit_seconds", Help: "Time to commit one batch of a room's work.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		broadcast: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "quorum_broadcast_seconds", Help: "Time to encode a broadcast and queue it to every connection of a room.",
			Buckets: prometheus.ExponentialBuckets(0.00005, 2, 14),
		}),
		slowClients: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "quorum_slow_clients_dropped_total", Help: "Connections closed because they could not keep up.",
		}),
		owned: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "quorum_cluster_sessions_owned", Help: "Sessions this node owns (holds the lease of) in a cluster.",
		}),
		frames: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "quorum_cluster_forwarded_frames_total", Help: "Frames sent over NATS between this node and sessions' owners, by direction (to_owner: its connections' frames; from_owner: what its rooms sent other nodes).",
		}, []string{"direction"}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "quorum_cluster_messages_total", Help: "NATS messages that carried those frames, by direction.",
		}, []string{"direction"}),
		failovers: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "quorum_cluster_failover_seconds", Help: "From a session's owner found silent to this node's connections handed to the new owner, by where that is (this_node, other_node).",
			Buckets: prometheus.LinearBuckets(1, 1, 12),
		}, []string{"new_owner"}),
		leasesLost: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "quorum_cluster_leases_lost_total", Help: "Sessions this node gave up because its lease expired or a fenced commit failed.",
		}),
	}
	m.registry.MustRegister(m.connections, m.joins, m.votes, m.commit, m.broadcast, m.slowClients,
		m.owned, m.frames, m.messages, m.failovers, m.leasesLost,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

func (m *Metrics) Connected(role string, delta int) {
	m.connections.WithLabelValues(role).Add(float64(delta))
}
func (m *Metrics) Joined()                          { m.joins.Inc() }
func (m *Metrics) Voted(n int)                      { m.votes.Add(float64(n)) }
func (m *Metrics) Committed(d time.Duration, _ int) { m.commit.Observe(d.Seconds()) }
func (m *Metrics) Broadcast(d time.Duration)        { m.broadcast.Observe(d.Seconds()) }
func (m *Metrics) SlowClientDropped()               { m.slowClients.Inc() }

func (m *Metrics) Owned(delta int) { m.owned.Add(float64(delta)) }
func (m *Metrics) LeaseLost()      { m.leasesLost.Inc() }

func (m *Metrics) Forwarded(toOwner bool, frames, messages int) {
	direction := "from_owner"
	if toOwner {
		direction = "to_owner"
	}
	m.frames.WithLabelValues(direction).Add(float64(frames))
	m.messages.WithLabelValues(direction).Add(float64(messages))
}

func (m *Metrics) FailedOver(here bool, d time.Duration) {
	newOwner := "other_node"
	if here {
		newOwner = "this_node"
	}
	m.failovers.WithLabelValues(newOwner).Observe(d.Seconds())
}
