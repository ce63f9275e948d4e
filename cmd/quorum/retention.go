package main

import (
	"context"
	"log/slog"
	"time"
)

// retentionInterval is how often the purge looks for expired sessions.
const retentionInterval = time.Hour

// purger deletes sessions that ended longer ago than the retention.
type purger struct {
	list   func(ctx context.Context, before time.Time) ([]string, error)
	delete func(ctx context.Context, id string) error
	keep   time.Duration
	log    *slog.Logger
}

// run purges now and then every interval until ctx ends.
func (p *purger) run(ctx context.Context, interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		p.purge(ctx, time.Now())
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// purge deletes every session that ended before now minus the retention.
func (p *purger) purge(ctx context.Context, now time.Time) int {
	ids, err := p.list(ctx, now.Add(-p.keep))
	if err != nil {
		p.log.Error("retention: list expired sessions", "err", err)
		return 0
	}
	n := 0
	for _, id := range ids {
		if err := p.delete(ctx, id); err != nil {
			p.log.Error("retention: delete session", "session", id, "err", err)
			continue
		}
		n++
	}
	if n > 0 {
		p.log.Info("retention: deleted expired sessions", "count", n, "ended_before", now.Add(-p.keep).Format(time.RFC3339))
	}
	return n
}
