package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// LoadForExport reads a session and its state history from one snapshot, so
// that an export made while the session is live is consistent.
func (db *DB) LoadForExport(ctx context.Context, id string) (*quorum.Session, []quorum.Event, error) {
	var s *quorum.Session
	var events []quorum.Event
	err := db.readOnly(ctx, func(tx pgx.Tx) error {
		var err error
		if s, err = loadSession(ctx, tx, id); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, `SELECT at, action, step FROM events WHERE session_id = $1 ORDER BY id`, id)
		var e quorum.Event
		_, err = pgx.ForEachRow(rows, []any{&e.At, &e.Action, &e.Step}, func() error {
			e.At = e.At.UTC()
			events = append(events, e)
			return nil
		})
		return err
	})
	var notFound *quorum.Error
	if errors.As(err, &notFound) {
		return nil, nil, err
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load session %s for export: %w", id, unavailable(err))
	}
	return s, events, nil
}

// DeleteSession removes a session and everything that belongs to it (the
// foreign keys cascade), and counts what went.
func (db *DB) DeleteSession(ctx context.Context, id string) (quorum.Deleted, error) {
	d := quorum.Deleted{Session: id}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		// Locking the session first keeps a commit from adding to what is
		// counted before it goes.
		var found bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE)`, id).Scan(&found); err != nil {
			return err
		}
		if !found {
			return quorum.ErrSessionNotFound()
		}
		if err := tx.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM participants WHERE session_id = $1),
			(SELECT count(*) FROM current_votes WHERE session_id = $1),
			(SELECT count(*) FROM events WHERE session_id = $1)`, id).Scan(&d.Participants, &d.Votes, &d.Events); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, id)
		return err
	})
	var notFound *quorum.Error
	if err != nil && !errors.As(err, &notFound) {
		err = fmt.Errorf("delete session %s: %w", id, unavailable(err))
	}
	return d, err
}

// EndedBefore lists the sessions that ended before t, oldest first, for the
// retention job.
func (db *DB) EndedBefore(ctx context.Context, t time.Time) ([]string, error) {
	rows, _ := db.pool.Query(ctx, `SELECT id FROM sessions WHERE status = 'ended' AND ended_at < $1 ORDER BY ended_at`, stamp(t))
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list sessions ended before %s: %w", t.Format(time.RFC3339), err)
	}
	return ids, nil
}
