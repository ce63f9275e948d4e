package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// LoadForExport reads a session and its state history from one snapshot, so
// that an export made while the session is live is consistent.
func (db *DB) LoadForExport(ctx context.Context, id string) (*quorum.Session, []quorum.Event, error) {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, nil, fmt.Errorf("load session %s for export: %w", id, err)
	}
	defer tx.Rollback() // read-only: nothing to keep
	s, err := loadSession(ctx, tx, id)
	if err != nil {
		var notFound *quorum.Error
		if errors.As(err, &notFound) {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("load session %s for export: %w", id, err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT at, action, step FROM events WHERE session_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, nil, fmt.Errorf("load events of session %s: %w", id, err)
	}
	defer rows.Close()
	var events []quorum.Event
	for rows.Next() {
		var at int64
		var e quorum.Event
		if err := rows.Scan(&at, &e.Action, &e.Step); err != nil {
			return nil, nil, fmt.Errorf("load events of session %s: %w", id, err)
		}
		e.At = time.UnixMilli(at)
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("load events of session %s: %w", id, err)
	}
	return s, events, nil
}

// DeleteSession removes a session and everything that belongs to it (the
// foreign keys cascade), and counts what went.
func (db *DB) DeleteSession(ctx context.Context, id string) (quorum.Deleted, error) {
	d := quorum.Deleted{Session: id}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return d, fmt.Errorf("delete session %s: %w", id, err)
	}
	defer tx.Rollback() // a no-op after Commit
	counts := []struct {
		query string
		into  *int
	}{
		{`SELECT count(*) FROM participants WHERE session_id = ?`, &d.Participants},
		{`SELECT count(*) FROM current_votes WHERE session_id = ?`, &d.Votes},
		{`SELECT count(*) FROM events WHERE session_id = ?`, &d.Events},
	}
	for _, c := range counts {
		if err := tx.QueryRowContext(ctx, c.query, id).Scan(c.into); err != nil {
			return d, fmt.Errorf("delete session %s: %w", id, err)
		}
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id)
	if err != nil {
		return d, fmt.Errorf("delete session %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return d, quorum.ErrSessionNotFound()
	}
	if err := tx.Commit(); err != nil {
		return d, fmt.Errorf("delete session %s: %w", id, err)
	}
	return d, nil
}

// EndedBefore lists the sessions that ended before t, oldest first, for the
// retention job.
func (db *DB) EndedBefore(ctx context.Context, t time.Time) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id FROM sessions WHERE status = 'ended' AND ended_at < ? ORDER BY ended_at`, t.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("list sessions ended before %s: %w", t.Format(time.RFC3339), err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
