package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/room"
	"github.com/quorum-workshop/quorum/internal/sqlite"
)

// The purge deletes sessions that ended before the retention, and only those.
func TestPurgeDeletesExpiredSessions(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "quorum.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rooms := room.New(db, room.Config{Logger: log})
	defer rooms.Shutdown(ctx)

	agenda, err := quorum.BuiltinAgenda("leadership-vs-management")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	session := func(endedAgo time.Duration) string {
		t.Helper()
		created := now.Add(-endedAgo - time.Hour)
		s, _, err := quorum.NewSession(agenda, "", created)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Join("Ada", "", created); err != nil {
			t.Fatal(err)
		}
		if endedAgo >= 0 {
			change, err := s.Do(quorum.Command{Action: quorum.ActionEnd}, now.Add(-endedAgo))
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Commit(ctx, []quorum.Record{s.Record(change)}); err != nil {
				t.Fatal(err)
			}
		}
		return s.ID
	}
	expired := session(91 * 24 * time.Hour)
	recent := session(2 * 24 * time.Hour)
	live := session(-1)

	p := &purger{
		list:   db.EndedBefore,
		delete: rooms.Purge,
		keep:   90 * 24 * time.Hour,
		log:    log,
	}
	if n := p.purge(ctx, now); n != 1 {
		t.Errorf("purged %d sessions, want 1", n)
	}
	if _, err := db.LoadSession(ctx, expired); quorum.ErrorCode(err) != quorum.ESESSIONNOTFOUND {
		t.Errorf("expired session still loads (%v)", err)
	}
	for _, id := range []string{recent, live} {
		if _, err := db.LoadSession(ctx, id); err != nil {
			t.Errorf("session %s was purged too early: %v", id, err)
		}
	}
	if n := p.purge(ctx, now); n != 0 {
		t.Errorf("second purge deleted %d", n)
	}
}
