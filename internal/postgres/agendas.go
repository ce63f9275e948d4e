package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// CreateAgenda saves a validated agenda under a.ID, which the caller chose.
func (db *DB) CreateAgenda(ctx context.Context, a *quorum.Agenda, at time.Time) error {
	doc, err := quorum.AgendaDocument(a)
	if err != nil {
		return err
	}
	if _, err := db.pool.Exec(ctx, `INSERT INTO agendas (id, title, agenda, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $4)`, a.ID, a.Title, doc, stamp(at)); err != nil {
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
	tag, err := db.pool.Exec(ctx, `UPDATE agendas SET title = $1, agenda = $2, updated_at = $3 WHERE id = $4`,
		a.Title, doc, stamp(at), a.ID)
	return agendaAffected(tag, err, "update", a.ID)
}

// DeleteAgenda removes a saved agenda. Sessions created from it keep theirs.
func (db *DB) DeleteAgenda(ctx context.Context, id string) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM agendas WHERE id = $1`, id)
	return agendaAffected(tag, err, "delete", id)
}

func agendaAffected(tag pgconn.CommandTag, err error, what, id string) error {
	if err != nil {
		return fmt.Errorf("%s agenda %s: %w", what, id, err)
	}
	if tag.RowsAffected() == 0 {
		return quorum.ErrAgendaNotFound(id)
	}
	return nil
}

// GetAgenda returns a saved agenda.
func (db *DB) GetAgenda(ctx context.Context, id string) (*quorum.Agenda, error) {
	var doc string
	err := db.pool.QueryRow(ctx, `SELECT agenda FROM agendas WHERE id = $1`, id).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, quorum.ErrAgendaNotFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("get agenda %s: %w", id, err)
	}
	return quorum.ReadAgendaDocument(id, doc)
}

// ListAgendas returns the saved agendas, the last edited first.
func (db *DB) ListAgendas(ctx context.Context) ([]*quorum.Agenda, error) {
	rows, _ := db.pool.Query(ctx, `SELECT id, agenda FROM agendas ORDER BY updated_at DESC, created_at DESC, id COLLATE "C"`)
	out := []*quorum.Agenda{}
	var id, doc string
	_, err := pgx.ForEachRow(rows, []any{&id, &doc}, func() error {
		a, err := quorum.ReadAgendaDocument(id, doc)
		out = append(out, a)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list agendas: %w", err)
	}
	return out, nil
}
