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

// ErrNotOwner is what RenewLease and CommitFenced return, wrapped, when the
// node's lease has expired or another node has taken it: the node must stop
// serving the session, and refuse what it was asked as unavailable.
var ErrNotOwner = quorum.Errorf(quorum.EUNAVAILABLE, "this node no longer owns the session")

// Leases are timed by the database's clock, now(), which every node shares;
// the nodes' own clocks never count. A lease is held until lease_until, and
// each new holder gets a higher epoch, which fences the commits of the one
// before (CommitFenced).

// AcquireLease takes the lease of a session for nodeID for ttl if it is free
// or has expired, with a new epoch, or renews it, keeping its epoch, if
// nodeID holds it already. Otherwise it reports the node that holds it, and
// that node's epoch. Of nodes that race for one lease, one wins.
func (db *DB) AcquireLease(ctx context.Context, sessionID, nodeID string, ttl time.Duration) (epoch int64, acquired bool, owner string, err error) {
	err = db.pool.QueryRow(ctx, `INSERT INTO session_leases AS l (session_id, owner_node, epoch, lease_until)
		VALUES ($1, $2, 1, now() + $3)
		ON CONFLICT (session_id) DO UPDATE
		SET owner_node = excluded.owner_node, lease_until = excluded.lease_until,
			epoch = CASE WHEN l.owner_node = excluded.owner_node AND l.lease_until > now() THEN l.epoch ELSE l.epoch + 1 END
		WHERE l.lease_until <= now() OR l.owner_node = excluded.owner_node
		RETURNING epoch`, sessionID, nodeID, ttl).Scan(&epoch)
	if err == nil {
		return epoch, true, nodeID, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, false, "", leaseError(err, "acquire", sessionID)
	}
	// Another node holds it. It may let it go before this reads it, and
	// then nobody is named: the caller tries again.
	err = db.pool.QueryRow(ctx, `SELECT owner_node, epoch FROM session_leases WHERE session_id = $1 AND lease_until > now()`,
		sessionID).Scan(&owner, &epoch)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return 0, false, "", leaseError(err, "acquire", sessionID)
	}
	return epoch, false, owner, nil
}

// RenewLease extends nodeID's lease of a session with epoch to ttl from now.
// It fails with ErrNotOwner if the lease has expired or moved on: once
// expired, it may only be acquired again, with a new epoch, because another
// node may have held it meanwhile.
func (db *DB) RenewLease(ctx context.Context, sessionID, nodeID string, epoch int64, ttl time.Duration) error {
	tag, err := db.pool.Exec(ctx, `UPDATE session_leases SET lease_until = now() + $4
		WHERE session_id = $1 AND owner_node = $2 AND epoch = $3 AND lease_until > now()`,
		sessionID, nodeID, epoch, ttl)
	if err != nil {
		return leaseError(err, "renew", sessionID)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("renew the lease of session %s as node %s, epoch %d: %w", sessionID, nodeID, epoch, ErrNotOwner)
	}
	return nil
}

// ReleaseLease gives up nodeID's lease of a session with epoch, so that
// another node may take it at once rather than when it expires. Releasing a
// lease that is not the node's any more does nothing.
func (db *DB) ReleaseLease(ctx context.Context, sessionID, nodeID string, epoch int64) error {
	// The row stays, with its epoch, so that the next holder's is higher.
	if _, err := db.pool.Exec(ctx, `UPDATE session_leases SET lease_until = now()
		WHERE session_id = $1 AND owner_node = $2 AND epoch = $3 AND lease_until > now()`,
		sessionID, nodeID, epoch); err != nil {
		return leaseError(err, "release", sessionID)
	}
	return nil
}

func leaseError(err error, what, sessionID string) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" { // foreign_key_violation
		return quorum.ErrSessionNotFound()
	}
	return fmt.Errorf("%s the lease of session %s: %w", what, sessionID, unavailable(err))
}
