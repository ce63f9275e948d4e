package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// maxCodeAttempts bounds the search for a free join code. With 10^8 codes a
// second collision in a row already means something else is wrong.
const maxCodeAttempts = 20

// CreateSession saves a new session and the state of each of its steps. If
// its join code is taken by a session that has not ended, it gives s a new
// code and tries again, so callers never see a collision.
func (db *DB) CreateSession(ctx context.Context, s *quorum.Session) error {
	agenda, err := json.Marshal(s.Agenda)
	if err != nil {
		return fmt.Errorf("create session %s: %w", s.ID, err)
	}
	settings, err := json.Marshal(s.Settings)
	if err != nil {
		return fmt.Errorf("create session %s: %w", s.ID, err)
	}
	for range maxCodeAttempts {
		err := db.insertSession(ctx, s, agenda, settings)
		if !isCodeTaken(err) {
			if err != nil {
				return fmt.Errorf("create session %s: %w", s.ID, unavailable(err))
			}
			return nil
		}
		s.Code = quorum.NewJoinCode()
	}
	return fmt.Errorf("create session %s: no free join code after %d attempts", s.ID, maxCodeAttempts)
}

func (db *DB) insertSession(ctx context.Context, s *quorum.Session, agenda, settings []byte) error {
	var b pgx.Batch
	b.BeginTx(pgx.TxOptions{})
	b.Queue(`INSERT INTO sessions
		(id, code, title, agenda, status, current_step, host_key_hash, screen_key_hash, created_at, started_at, ended_at, settings, names)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		s.ID, s.Code, s.Title, string(agenda), string(s.Status), s.CurrentStep, s.HostKeyHash, s.ScreenKeyHash,
		stamp(s.CreatedAt), stamp(s.StartedAt), stamp(s.EndedAt), string(settings), string(s.Names))
	for i, st := range s.Steps {
		named(b.Queue(upsertStepState, stepStateArgs(s.ID, i, st)...), nil, "step %d", i)
	}
	results := db.pool.SendBatch(ctx, &b)
	tx := results.Tx()
	defer tx.Rollback(ctx) // a no-op once committed
	if err := results.Close(); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// isCodeTaken reports a violation of sessions_open_code.
func isCodeTaken(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505" && e.ConstraintName == "sessions_open_code"
}

// FindSessionByCode returns the id of the session that has not ended and has
// the join code code, given as its 8 digits.
func (db *DB) FindSessionByCode(ctx context.Context, code string) (string, error) {
	var id string
	var ended bool
	// A live session with the code comes first; an ended one tells "ended"
	// from "no such code".
	err := db.pool.QueryRow(ctx, `SELECT id, status = 'ended' AS ended FROM sessions WHERE code = $1
		ORDER BY ended LIMIT 1`, code).Scan(&id, &ended)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return "", quorum.ErrCodeNotFound(code)
	case err != nil:
		return "", fmt.Errorf("find session by code %s: %w", code, unavailable(err))
	case ended:
		return "", quorum.ErrCodeEnded(code)
	}
	return id, nil
}

// LoadSession reads a session with its step states, participants and
// current votes, and rebuilds its tallies.
func (db *DB) LoadSession(ctx context.Context, id string) (*quorum.Session, error) {
	var s *quorum.Session
	err := db.readOnly(ctx, func(tx pgx.Tx) error {
		var err error
		s, err = loadSession(ctx, tx, id)
		return err
	})
	var notFound *quorum.Error
	if err != nil && !errors.As(err, &notFound) {
		return nil, fmt.Errorf("load session %s: %w", id, unavailable(err))
	}
	return s, err
}

// readOnly runs f in a read-only transaction on one snapshot, so that all it
// reads comes from the same commits.
func (db *DB) readOnly(ctx context.Context, f func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, f)
}

func loadSession(ctx context.Context, tx pgx.Tx, id string) (*quorum.Session, error) {
	s := &quorum.Session{}
	var agenda, settings string
	var createdAt, startedAt, endedAt *time.Time
	err := tx.QueryRow(ctx, `SELECT id, code, title, agenda, status, current_step,
		host_key_hash, screen_key_hash, created_at, started_at, ended_at, settings, names
		FROM sessions WHERE id = $1`, id).Scan(&s.ID, &s.Code, &s.Title, &agenda, &s.Status, &s.CurrentStep,
		&s.HostKeyHash, &s.ScreenKeyHash, &createdAt, &startedAt, &endedAt, &settings, &s.Names)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, quorum.ErrSessionNotFound()
	}
	if err != nil {
		return nil, err
	}
	s.CreatedAt, s.StartedAt, s.EndedAt = timeOf(createdAt), timeOf(startedAt), timeOf(endedAt)
	if err := s.DecodeStored(agenda, settings); err != nil {
		return nil, err
	}
	if s.Steps, err = loadStepStates(ctx, tx, id); err != nil {
		return nil, fmt.Errorf("step states: %w", err)
	}
	participants, err := loadParticipants(ctx, tx, id)
	if err != nil {
		return nil, fmt.Errorf("participants: %w", err)
	}
	votes, err := loadVotes(ctx, tx, id)
	if err != nil {
		return nil, fmt.Errorf("votes: %w", err)
	}
	if err := s.Restore(participants, votes); err != nil {
		// Restore reports a damaged database as an *Error coded internal,
		// whose message an adapter would show; as a plain error it goes to
		// the logs only.
		return nil, fmt.Errorf("restore: %v", err)
	}
	return s, nil
}

func loadStepStates(ctx context.Context, tx pgx.Tx, sessionID string) ([]quorum.StepState, error) {
	rows, _ := tx.Query(ctx, `SELECT step, voting, revealed, deadline, round, auto_reveal
		FROM step_states WHERE session_id = $1 ORDER BY step`, sessionID)
	var out []quorum.StepState
	var step int
	var st quorum.StepState
	var deadline *time.Time
	_, err := pgx.ForEachRow(rows, []any{&step, &st.Voting, &st.Revealed, &deadline, &st.Round, &st.AutoReveal}, func() error {
		if step != len(out) {
			return fmt.Errorf("the state of step %d is missing", len(out))
		}
		st.Deadline = timeOf(deadline)
		out = append(out, st)
		return nil
	})
	return out, err
}

func loadParticipants(ctx context.Context, tx pgx.Tx, sessionID string) ([]quorum.Participant, error) {
	rows, _ := tx.Query(ctx, `SELECT id, token_hash, name, segment, joined_at, last_seen_at, proxy
		FROM participants WHERE session_id = $1`, sessionID)
	var out []quorum.Participant
	p := quorum.Participant{SessionID: sessionID}
	var joinedAt, lastSeenAt *time.Time
	_, err := pgx.ForEachRow(rows, []any{&p.ID, &p.TokenHash, &p.Name, &p.Segment, &joinedAt, &lastSeenAt, &p.Proxy}, func() error {
		p.JoinedAt, p.LastSeenAt = timeOf(joinedAt), timeOf(lastSeenAt)
		out = append(out, p)
		return nil
	})
	return out, err
}

// loadVotes reads a session's current votes in the order they were cast,
// because a text tally shows the first spelling it saw of each answer. Ties
// go by participant id, byte by byte, as internal/sqlite breaks them.
func loadVotes(ctx context.Context, tx pgx.Tx, sessionID string) ([]quorum.Vote, error) {
	rows, _ := tx.Query(ctx, `SELECT step, round, participant_id, num, text, msg_id, voted_at
		FROM current_votes WHERE session_id = $1 ORDER BY voted_at, participant_id COLLATE "C"`, sessionID)
	var out []quorum.Vote
	v := quorum.Vote{SessionID: sessionID}
	var votedAt *time.Time
	_, err := pgx.ForEachRow(rows, []any{&v.Step, &v.Round, &v.ParticipantID, &v.Value.Number, &v.Value.Text, &v.MsgID, &votedAt}, func() error {
		v.At = timeOf(votedAt)
		out = append(out, v)
		return nil
	})
	return out, err
}

// CountVotes returns how many current votes a session has.
func (db *DB) CountVotes(ctx context.Context, sessionID string) (int, error) {
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM current_votes WHERE session_id = $1`, sessionID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count votes of session %s: %w", sessionID, err)
	}
	return n, nil
}
