package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// maxCodeAttempts bounds the search for a free join code. With 10^8 codes a
// second collision in a row already means something else is wrong.
const maxCodeAttempts = 20

// CreateSession saves a new session and the state of each of its steps. If
// its join code is taken by a session that has not ended, it gives s a new
// code and tries again, so callers never see a collision.
//
// Sessions are created seldom, so this shares the write connection with the
// writer through the pool, which runs the two one after the other.
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
				return fmt.Errorf("create session %s: %w", s.ID, err)
			}
			return nil
		}
		s.Code = quorum.NewJoinCode()
	}
	return fmt.Errorf("create session %s: no free join code after %d attempts", s.ID, maxCodeAttempts)
}

func (db *DB) insertSession(ctx context.Context, s *quorum.Session, agenda, settings []byte) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // a no-op once committed
	if _, err := tx.ExecContext(ctx, `INSERT INTO sessions
		(id, code, title, agenda, status, current_step, host_key_hash, screen_key_hash, created_at, started_at, ended_at, settings, names)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.Code, s.Title, string(agenda), string(s.Status), s.CurrentStep, s.HostKeyHash, s.ScreenKeyHash,
		millis(s.CreatedAt), millis(s.StartedAt), millis(s.EndedAt), string(settings), string(s.Names)); err != nil {
		return err
	}
	stmt := tx.StmtContext(ctx, db.stmts[upsertStepState])
	for i, st := range s.Steps {
		if _, err := stmt.ExecContext(ctx, stepStateArgs(s.ID, i, st)...); err != nil {
			return fmt.Errorf("step %d: %w", i, err)
		}
	}
	return tx.Commit()
}

// isCodeTaken reports a violation of sessions_open_code, the only UNIQUE
// constraint on sessions besides the primary key, which has its own code.
func isCodeTaken(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}

// FindSessionByCode returns the id of the session that has not ended and has
// the join code code, given as its 8 digits.
func (db *DB) FindSessionByCode(ctx context.Context, code string) (string, error) {
	var id string
	err := db.read.QueryRowContext(ctx,
		`SELECT id FROM sessions WHERE code = ? AND status <> 'ended'`, code).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("find session by code %s: %w", code, err)
	}
	var ended bool
	if err := db.read.QueryRowContext(ctx,
		`SELECT EXISTS (SELECT 1 FROM sessions WHERE code = ? AND status = 'ended')`, code).Scan(&ended); err != nil {
		return "", fmt.Errorf("find session by code %s: %w", code, err)
	}
	if ended {
		return "", quorum.ErrCodeEnded(code)
	}
	return "", quorum.ErrCodeNotFound(code)
}

// LoadSession reads a session with its step states, participants and
// current votes, and rebuilds its tallies.
func (db *DB) LoadSession(ctx context.Context, id string) (*quorum.Session, error) {
	// One read transaction, so that all parts come from the same commit.
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("load session %s: %w", id, err)
	}
	defer tx.Rollback() // read-only: nothing to keep
	s, err := loadSession(ctx, tx, id)
	var notFound *quorum.Error
	if err != nil && !errors.As(err, &notFound) {
		return nil, fmt.Errorf("load session %s: %w", id, err)
	}
	return s, err
}

func loadSession(ctx context.Context, tx *sql.Tx, id string) (*quorum.Session, error) {
	s := &quorum.Session{}
	var agenda, settings string
	var createdAt, startedAt, endedAt sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT id, code, title, agenda, status, current_step,
		host_key_hash, screen_key_hash, created_at, started_at, ended_at, settings, names
		FROM sessions WHERE id = ?`, id).Scan(&s.ID, &s.Code, &s.Title, &agenda, &s.Status, &s.CurrentStep,
		&s.HostKeyHash, &s.ScreenKeyHash, &createdAt, &startedAt, &endedAt, &settings, &s.Names)
	if errors.Is(err, sql.ErrNoRows) {
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

func loadStepStates(ctx context.Context, tx *sql.Tx, sessionID string) ([]quorum.StepState, error) {
	rows, err := tx.QueryContext(ctx, `SELECT step, voting, revealed, deadline, round, auto_reveal
		FROM step_states WHERE session_id = ? ORDER BY step`, sessionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []quorum.StepState
	for rows.Next() {
		var step int
		var st quorum.StepState
		var deadline sql.NullInt64
		if err := rows.Scan(&step, &st.Voting, &st.Revealed, &deadline, &st.Round, &st.AutoReveal); err != nil {
			return nil, err
		}
		if step != len(out) {
			return nil, fmt.Errorf("the state of step %d is missing", len(out))
		}
		st.Deadline = timeOf(deadline)
		out = append(out, st)
	}
	return out, rows.Err()
}

func loadParticipants(ctx context.Context, tx *sql.Tx, sessionID string) ([]quorum.Participant, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, token_hash, name, segment, joined_at, last_seen_at, proxy
		FROM participants WHERE session_id = ?`, sessionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []quorum.Participant
	for rows.Next() {
		p := quorum.Participant{SessionID: sessionID}
		var joinedAt, lastSeenAt sql.NullInt64
		if err := rows.Scan(&p.ID, &p.TokenHash, &p.Name, &p.Segment, &joinedAt, &lastSeenAt, &p.Proxy); err != nil {
			return nil, err
		}
		p.JoinedAt, p.LastSeenAt = timeOf(joinedAt), timeOf(lastSeenAt)
		out = append(out, p)
	}
	return out, rows.Err()
}

// loadVotes reads a session's current votes: for each participant, step and
// round, the newest of its history that no reset voided. The history is read
// in the order it was written, which its index by session gives without a
// sort, and the newest vote is picked here: three times as fast as SQLite's
// current_votes view on a keynote's 180,000 rows (BenchmarkLoadSession).
func loadVotes(ctx context.Context, tx *sql.Tx, sessionID string) ([]quorum.Vote, error) {
	rows, err := tx.QueryContext(ctx, `SELECT step, round, participant_id, num, text, msg_id, voted_at
		FROM vote_history WHERE session_id = ? AND void = 0 ORDER BY id`, sessionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type key struct {
		step, round   int
		participantID string
	}
	newest := map[key]int{} // index in out
	var out []quorum.Vote
	for rows.Next() {
		v := quorum.Vote{SessionID: sessionID}
		var votedAt sql.NullInt64
		if err := rows.Scan(&v.Step, &v.Round, &v.ParticipantID, &v.Value.Number, &v.Value.Text, &v.MsgID, &votedAt); err != nil {
			return nil, err
		}
		v.At = timeOf(votedAt)
		k := key{v.Step, v.Round, v.ParticipantID}
		if i, ok := newest[k]; ok {
			out[i] = v
			continue
		}
		newest[k] = len(out)
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// In the order they were cast, because a text tally shows the first
	// spelling it saw of each answer.
	slices.SortFunc(out, func(a, b quorum.Vote) int {
		return cmp.Or(a.At.Compare(b.At), strings.Compare(a.ParticipantID, b.ParticipantID))
	})
	return out, nil
}

// CountVotes returns how many current votes a session has.
func (db *DB) CountVotes(ctx context.Context, sessionID string) (int, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM current_votes WHERE session_id = ?`, sessionID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count votes of session %s: %w", sessionID, err)
	}
	return n, nil
}
