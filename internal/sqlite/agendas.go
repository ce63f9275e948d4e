package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// Saved agendas are written seldom, by hosts in the editor, so they share the
// write connection with the writer through the pool, as sessions do.

// CreateAgenda saves a validated agenda under a.ID, which the caller chose.
func (db *DB) CreateAgenda(ctx context.Context, a *quorum.Agenda, at time.Time) error {
	doc, err := agendaDocument(a)
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
	doc, err := agendaDocument(a)
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
		return nil, errAgendaNotFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("get agenda %s: %w", id, err)
	}
	return readAgenda(id, doc)
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
		a, err := readAgenda(id, doc)
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

// agendaDocument is the JSON an agenda is saved as. HTML characters stay as
// they are (json.Marshal would write "<" in 6 bytes), and the document must
// still fit the format's size limit, so that it reads back like any other.
func agendaDocument(a *quorum.Agenda) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(a); err != nil {
		return "", fmt.Errorf("encode agenda %s: %w", a.ID, err)
	}
	doc := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	if len(doc) > quorum.MaxAgendaBytes {
		return "", quorum.Errorf(quorum.ETOOLARGE, "the agenda is larger than %d KiB", quorum.MaxAgendaBytes>>10)
	}
	return string(doc), nil
}

// readAgenda decodes a saved document; its id is the row's.
func readAgenda(id, doc string) (*quorum.Agenda, error) {
	var a quorum.Agenda
	if err := json.Unmarshal([]byte(doc), &a); err != nil {
		return nil, fmt.Errorf("read agenda %s: %w", id, err)
	}
	a.ID = id
	return &a, nil
}

func agendaAffected(res sql.Result, id string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("agenda %s: %w", id, err)
	}
	if n == 0 {
		return errAgendaNotFound(id)
	}
	return nil
}

func errAgendaNotFound(id string) error {
	return quorum.Errorf(quorum.EAGENDANOTFOUND, "there is no saved agenda %q", id)
}
