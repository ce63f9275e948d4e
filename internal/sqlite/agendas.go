package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// Saved agendas are written seldom, by hosts in the editor, so they share the
// write connection with the writer through the pool, as sessions do.

// CreateAgenda saves a validated agenda under a.ID, which the caller chose.
func (db *DB) CreateAgenda(ctx context.Context, a *quorum.Agenda, at time.Time) error {
	doc, err := quorum.AgendaDocument(a)
	if err != nil {
		return err
	}
	if _, err := db.write.ExecContext(ctx, `INSERT INTO agendas (id, title, agenda, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?)`, a.ID, a.Title, doc, at.UnixMilli(), at.UnixMilli()); err != nil {
		return fmt.Errorf("create agenda %s: %w", a.ID, err)
	}
	return nil
}

// UpdateAgenda replaces the saved agenda a.ID with a. Sessions created from
// it keep the copy they were created with.
func (db *DB) UpdateAgenda(ctx context.Context, a *quorum.Agenda, at time.Time) error {
	doc, err := quorum.AgendaDocument(a)
	if err != nil {
		return err
	}
	res, err := db.write.ExecContext(ctx, `UPDATE agendas SET title = ?, agenda = ?, updated_at = ? WHERE id = ?`,
		a.Title, doc, at.UnixMilli(), a.ID)
	if err != nil {
		return fmt.Errorf("update agenda %s: %w", a.ID, err)
	}
	return agendaAffected(res, a.ID)
}

// DeleteAgenda removes a saved agenda. Sessions created from it keep theirs.
func (db *DB) DeleteAgenda(ctx context.Context, id string) error {
	res, err := db.write.ExecContext(ctx, `DELETE FROM agendas WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete agenda %s: %w", id, err)
	}
	return agendaAffected(res, id)
}

// GetAgenda returns a saved agenda.
func (db *DB) GetAgenda(ctx context.Context, id string) (*quorum.Agenda, error) {
	var doc string
	err := db.read.QueryRowContext(ctx, `SELECT agenda FROM agendas WHERE id = ?`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, quorum.ErrAgendaNotFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("get agenda %s: %w", id, err)
	}
	return quorum.ReadAgendaDocument(id, doc)
}

// ListAgendas returns the saved agendas, the last edited first.
func (db *DB) ListAgendas(ctx context.Context) ([]*quorum.Agenda, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, agenda FROM agendas ORDER BY updated_at DESC, created_at DESC, id`)
	if err != nil {
		return nil, fmt.Errorf("list agendas: %w", err)
	}
	defer rows.Close()
	out := []*quorum.Agenda{}
	for rows.Next() {
		var id, doc string
		if err := rows.Scan(&id, &doc); err != nil {
			return nil, fmt.Errorf("list agendas: %w", err)
		}
		a, err := quorum.ReadAgendaDocument(id, doc)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list agendas: %w", err)
	}
	return out, nil
}

func agendaAffected(res sql.Result, id string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("agenda %s: %w", id, err)
	}
	if n == 0 {
		return quorum.ErrAgendaNotFound(id)
	}
	return nil
}
