package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// Commit makes records durable, in order, and returns once they are
// committed, so that the caller may then announce them. Commits that arrive
// while the writer is busy share its next transaction and its fsync.
//
// ctx bounds only the wait for the writer to accept the request; once
// accepted, the request is finished, and Commit reports how it went.
func (db *DB) Commit(ctx context.Context, records []quorum.Record) error {
	if len(records) == 0 {
		return db.writer.Err()
	}
	if err := db.writer.Commit(ctx, records); err != nil {
		return fmt.Errorf("commit %d records: %w", len(records), err)
	}
	return nil
}

// apply writes the records of batch in one transaction, in arrival order.
func (db *DB) apply(batch [][]quorum.Record) error {
	// The batch serves many callers and accepted requests are finished
	// whatever happens to them, so no caller's context applies.
	ctx := context.Background()
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // a no-op once committed
	w := &txWriter{ctx: ctx, tx: tx, shared: db.stmts}
	for _, records := range batch {
		for _, rec := range records {
			if err := w.apply(rec); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

// statementID names one of the statements the writer prepares once.
type statementID int

const (
	insertParticipant statementID = iota
	appendVoteHistory
	updateLastSeen
	voidStepVotes
	updateSession
	upsertStepState
	updateSettings
	insertEvent
	statementCount
)

var statementSQL = [statementCount]string{
	insertParticipant: `INSERT INTO participants (id, session_id, token_hash, name, segment, joined_at, last_seen_at, proxy)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
	appendVoteHistory: `INSERT INTO vote_history (session_id, step, round, participant_id, num, text, msg_id, voted_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
	updateLastSeen: `UPDATE participants SET last_seen_at = ?1
		WHERE id = ?2 AND session_id = ?3 AND last_seen_at < ?1`,
	voidStepVotes: `UPDATE vote_history SET void = 1
		WHERE session_id = ? AND step = ? AND round = ? AND void = 0`,
	updateSession: `UPDATE sessions SET status = ?, current_step = ?, started_at = ?, ended_at = ?
		WHERE id = ?`,
	upsertStepState: `INSERT INTO step_states (session_id, step, voting, revealed, deadline, round, auto_reveal)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (session_id, step) DO UPDATE
		SET voting = excluded.voting, revealed = excluded.revealed, deadline = excluded.deadline,
			round = excluded.round, auto_reveal = excluded.auto_reveal`,
	updateSettings: `UPDATE sessions SET settings = ? WHERE id = ?`,
	insertEvent:    `INSERT INTO events (session_id, at, action, step) VALUES (?, ?, ?, ?)`,
}

// stepStateArgs are upsertStepState's arguments.
func stepStateArgs(sessionID string, step int, st quorum.StepState) []any {
	return []any{sessionID, step, string(st.Voting), st.Revealed, millis(st.Deadline), st.Round, string(st.AutoReveal)}
}

// statements are prepared on the write connection. A transaction on that
// connection binds them without preparing them again.
type statements [statementCount]*sql.Stmt

func prepareStatements(ctx context.Context, db *sql.DB) (*statements, error) {
	var s statements
	for id, query := range statementSQL {
		stmt, err := db.PrepareContext(ctx, query)
		if err != nil {
			return nil, fmt.Errorf("prepare %q: %w", query, errors.Join(err, s.close()))
		}
		s[id] = stmt
	}
	return &s, nil
}

func (s *statements) close() error {
	var errs []error
	for _, stmt := range s {
		if stmt != nil {
			errs = append(errs, stmt.Close())
		}
	}
	return errors.Join(errs...)
}

// txWriter writes records within one transaction.
type txWriter struct {
	ctx    context.Context
	tx     *sql.Tx
	shared *statements
	bound  statements // shared statements bound to tx, as they are first needed
}

func (w *txWriter) exec(id statementID, args ...any) (sql.Result, error) {
	if w.bound[id] == nil {
		w.bound[id] = w.tx.StmtContext(w.ctx, w.shared[id])
	}
	return w.bound[id].ExecContext(w.ctx, args...)
}

func (w *txWriter) apply(rec quorum.Record) error {
	switch r := rec.(type) {
	case quorum.JoinRecord:
		p := r.Participant
		if _, err := w.exec(insertParticipant, p.ID, p.SessionID, p.TokenHash, p.Name, p.Segment,
			millis(p.JoinedAt), millis(p.LastSeenAt), p.Proxy); err != nil {
			return fmt.Errorf("join of participant %s to session %s: %w", p.ID, p.SessionID, err)
		}
	case quorum.VoteRecord:
		v := r.Vote
		args := []any{v.SessionID, v.Step, v.Round, v.ParticipantID, v.Value.Number, v.Value.Text, v.MsgID, millis(v.At)}
		if _, err := w.exec(appendVoteHistory, args...); err != nil {
			return fmt.Errorf("vote of participant %s on step %d of session %s: %w", v.ParticipantID, v.Step, v.SessionID, err)
		}
	case quorum.SeenRecord:
		if _, err := w.exec(updateLastSeen, millis(r.At), r.ParticipantID, r.SessionID); err != nil {
			return fmt.Errorf("last seen time of participant %s: %w", r.ParticipantID, err)
		}
	case quorum.StateRecord:
		if err := w.saveState(r); err != nil {
			return fmt.Errorf("state of session %s after %s: %w", r.SessionID, r.Event.Action, err)
		}
	default:
		return fmt.Errorf("unknown record type %T", rec)
	}
	return nil
}

func (w *txWriter) saveState(r quorum.StateRecord) error {
	if r.ResetStep {
		if _, err := w.exec(voidStepVotes, r.SessionID, r.Event.Step, r.ResetRound); err != nil {
			return err
		}
	}
	res, err := w.exec(updateSession, string(r.Status), r.CurrentStep, millis(r.StartedAt), millis(r.EndedAt), r.SessionID)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return errors.New("no such session")
	}
	for _, st := range r.Steps {
		if _, err := w.exec(upsertStepState, stepStateArgs(r.SessionID, st.Index, st.State)...); err != nil {
			return fmt.Errorf("step %d: %w", st.Index, err)
		}
	}
	if r.Settings != nil {
		settings, err := json.Marshal(r.Settings)
		if err != nil {
			return err
		}
		if _, err := w.exec(updateSettings, string(settings), r.SessionID); err != nil {
			return fmt.Errorf("settings: %w", err)
		}
	}
	_, err = w.exec(insertEvent, r.SessionID, millis(r.Event.At), string(r.Event.Action), r.Event.Step)
	return err
}
