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

// commitTimeout bounds one transaction of commits. A database that stops
// answering then fails the commits, which the rooms refuse as unavailable,
// instead of holding every room until TCP gives up.
const commitTimeout = 10 * time.Second

// request is one Commit or CommitFenced call.
type request struct {
	records []quorum.Record
	fence   *fence // nil: not fenced
}

// fence is the lease a fenced commit must still hold when it commits.
type fence struct {
	sessionID, nodeID string
	epoch             int64
}

// Commit makes records durable, in order, and returns once they are
// committed, so that the caller may then announce them. Commits that arrive
// while the writers are busy share a transaction and its fsync.
//
// ctx bounds only the wait for a writer to accept the request; once
// accepted, the request is finished, and Commit reports how it went.
func (db *DB) Commit(ctx context.Context, records []quorum.Record) error {
	if len(records) == 0 {
		return db.writers.Err()
	}
	if err := db.writers.Commit(ctx, request{records: records}); err != nil {
		return fmt.Errorf("commit %d records: %w", len(records), unavailable(err))
	}
	return nil
}

// CommitFenced commits records of one session as Commit does, if and only if
// nodeID still holds the session's lease with epoch when the transaction
// commits; otherwise it commits none of them and fails with ErrNotOwner.
// Commits of other sessions that share its transaction commit all the same.
func (db *DB) CommitFenced(ctx context.Context, sessionID, nodeID string, epoch int64, records []quorum.Record) error {
	for _, rec := range records {
		if id := quorum.RecordSession(rec); id != sessionID {
			return fmt.Errorf("commit %d records fenced by session %s: a record of session %s", len(records), sessionID, id)
		}
	}
	if len(records) == 0 {
		return db.writers.Err()
	}
	err := db.writers.Commit(ctx, request{records: records, fence: &fence{sessionID: sessionID, nodeID: nodeID, epoch: epoch}})
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pgErr) && pgErr.Code == fencedCode:
		return fmt.Errorf("commit %d records of session %s as node %s, epoch %d: %w",
			len(records), sessionID, nodeID, epoch, ErrNotOwner)
	default:
		return fmt.Errorf("commit %d records: %w", len(records), unavailable(err))
	}
}

// fencedCode is the SQLSTATE that fence_session raises.
const fencedCode = "QR001"

// apply writes the records of batch in one transaction, in arrival order.
// The transaction's begin and every statement go in one round trip, and its
// commit in a second.
func (db *DB) apply(batch []request) error {
	// The batch serves many callers and accepted requests are finished
	// whatever happens to them, so no caller's context applies.
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	defer cancel()
	var b pgx.Batch
	b.BeginTx(pgx.TxOptions{})
	for _, req := range batch {
		if f := req.fence; f != nil {
			b.Queue(`SELECT fence_session($1, $2, $3)`, f.sessionID, f.nodeID, f.epoch)
		}
		for _, rec := range req.records {
			if err := queue(&b, rec); err != nil {
				return err
			}
		}
	}
	results := db.pool.SendBatch(ctx, &b)
	tx := results.Tx()
	defer tx.Rollback(ctx) // a no-op once committed
	if err := results.Close(); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Statements that write records.
const (
	insertParticipant = `INSERT INTO participants (id, session_id, token_hash, name, segment, joined_at, last_seen_at, proxy)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	appendVoteHistory = `INSERT INTO vote_history (session_id, step, round, participant_id, num, text, msg_id, voted_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	updateLastSeen = `UPDATE participants SET last_seen_at = $1
		WHERE id = $2 AND session_id = $3 AND last_seen_at < $1`
	voidStepVotes = `UPDATE vote_history SET void = true
		WHERE session_id = $1 AND step = $2 AND round = $3 AND NOT void`
	updateSession = `UPDATE sessions SET status = $1, current_step = $2, started_at = $3, ended_at = $4
		WHERE id = $5`
	upsertStepState = `INSERT INTO step_states (session_id, step, voting, revealed, deadline, round, auto_reveal)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (session_id, step) DO UPDATE
		SET voting = excluded.voting, revealed = excluded.revealed, deadline = excluded.deadline,
			round = excluded.round, auto_reveal = excluded.auto_reveal`
	updateSettings = `UPDATE sessions SET settings = $1 WHERE id = $2`
	insertEvent    = `INSERT INTO events (session_id, at, action, step) VALUES ($1, $2, $3, $4)`
)

// stepStateArgs are upsertStepState's arguments.
func stepStateArgs(sessionID string, step int, st quorum.StepState) []any {
	return []any{sessionID, step, string(st.Voting), st.Revealed, stamp(st.Deadline), st.Round, string(st.AutoReveal)}
}

// queue adds the statements that write rec to b.
func queue(b *pgx.Batch, rec quorum.Record) error {
	switch r := rec.(type) {
	case quorum.JoinRecord:
		p := r.Participant
		named(b.Queue(insertParticipant, p.ID, p.SessionID, p.TokenHash, p.Name, p.Segment,
			stamp(p.JoinedAt), stamp(p.LastSeenAt), p.Proxy), nil,
			"join of participant %s to session %s", p.ID, p.SessionID)
	case quorum.VoteRecord:
		v := r.Vote
		named(b.Queue(appendVoteHistory, v.SessionID, v.Step, v.Round, v.ParticipantID, v.Value.Number,
			v.Value.Text, v.MsgID, stamp(v.At)), nil,
			"vote of participant %s on step %d of session %s", v.ParticipantID, v.Step, v.SessionID)
	case quorum.SeenRecord:
		named(b.Queue(updateLastSeen, stamp(r.At), r.ParticipantID, r.SessionID), nil,
			"last seen time of participant %s", r.ParticipantID)
	case quorum.StateRecord:
		return queueState(b, r)
	default:
		return fmt.Errorf("unknown record type %T", rec)
	}
	return nil
}

func queueState(b *pgx.Batch, r quorum.StateRecord) error {
	what := fmt.Sprintf("state of session %s after %s", r.SessionID, r.Event.Action)
	if r.ResetStep {
		named(b.Queue(voidStepVotes, r.SessionID, r.Event.Step, r.ResetRound), nil, "%s", what)
	}
	named(b.Queue(updateSession, string(r.Status), r.CurrentStep, stamp(r.StartedAt), stamp(r.EndedAt), r.SessionID),
		func(tag pgconn.CommandTag) error {
			if tag.RowsAffected() != 1 {
				return errors.New("no such session")
			}
			return nil
		}, "%s", what)
	for _, st := range r.Steps {
		named(b.Queue(upsertStepState, stepStateArgs(r.SessionID, st.Index, st.State)...), nil, "%s: step %d", what, st.Index)
	}
	if r.Settings != nil {
		settings, err := json.Marshal(r.Settings)
		if err != nil {
			return fmt.Errorf("%s: settings: %w", what, err)
		}
		named(b.Queue(updateSettings, string(settings), r.SessionID), nil, "%s: settings", what)
	}
	named(b.Queue(insertEvent, r.SessionID, stamp(r.Event.At), string(r.Event.Action), r.Event.Step), nil, "%s", what)
	return nil
}

// named makes the error of q, or of check on its result if check is set,
// name what q writes. The name is formatted only for an error.
func named(q *pgx.QueuedQuery, check func(pgconn.CommandTag) error, format string, args ...any) {
	q.Fn = func(results pgx.BatchResults) error {
		tag, err := results.Exec()
		if err == nil && check != nil {
			err = check(tag)
		}
		if err != nil {
			return fmt.Errorf(format+": %w", append(args, err)...)
		}
		return nil
	}
}
