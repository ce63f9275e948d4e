// Package postgres is Quorum's durable store on PostgreSQL, for nodes that
// share one database: the same sessions, votes and agendas as
// internal/sqlite, with the same semantics and error codes, and the session
// leases that keep one owner per session in a cluster.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/quorum-workshop/quorum/internal/groupcommit"
	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/schema"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DB is the store. Its methods are safe for concurrent use.
type DB struct {
	name string // host, port and database, for messages: the URL may hold a password
	pool *pgxpool.Pool

	writers *groupcommit.Queue[request]
}

// writerCount is how many transactions of commits run at once. Commits that
// arrive while they are all busy share the next one, as with SQLite's single
// writer; unlike SQLite, PostgreSQL can run a few side by side, so that one
// slow fsync does not hold every room.
const writerCount = 4

// idleInTransaction is how long a transaction may wait for its client; see
// Open.
const idleInTransaction = 2 * time.Second

// openTimeout bounds connecting and migrating at start, so that a database
// that does not answer is a clear error rather than a wait without end.
const openTimeout = 30 * time.Second

// Open connects to the database at url (postgres://…, or any connection
// string pgx reads) and brings its schema up to date. Several nodes may open
// the same database at once: each migration is applied once.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The error names the offending part without the password.
		return nil, fmt.Errorf("open database: %w", err)
	}
	// The writers hold connections while they commit; readers need some
	// beside them.
	cfg.MaxConns = max(cfg.MaxConns, writerCount+4)
	// A fenced commit locks its session's lease row until it commits. A node
	// paused in the middle of one (SIGSTOP, a frozen VM) would hold that
	// lock, and with it every other node's takeover, for as long as it is
	// paused: the database ends such a transaction after this long idle, as
	// a commit's own round trips take milliseconds.
	if _, set := cfg.ConnConfig.RuntimeParams["idle_in_transaction_session_timeout"]; !set {
		cfg.ConnConfig.RuntimeParams["idle_in_transaction_session_timeout"] = strconv.Itoa(int(idleInTransaction.Milliseconds()))
	}
	db := &DB{
		name: net.JoinHostPort(cfg.ConnConfig.Host, strconv.Itoa(int(cfg.ConnConfig.Port))) + "/" + cfg.ConnConfig.Database,
	}
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	if db.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, fmt.Errorf("open database %s: %w", db.name, err)
	}
	if err := db.pool.Ping(ctx); err != nil {
		db.pool.Close()
		// pgx puts each address it tried on a line of its own; the
		// start-up error is one line.
		return nil, fmt.Errorf("open database %s: %s", db.name, strings.Join(strings.Fields(err.Error()), " "))
	}
	if err := db.migrate(ctx); err != nil {
		db.pool.Close()
		return nil, fmt.Errorf("open database %s: %w", db.name, err)
	}
	db.writers = groupcommit.New(writerCount, db.apply, func(r request) int { return len(r.records) })
	return db, nil
}

// migrations lists the embedded migration files in version order.
func migrations() ([]schema.Migration, error) {
	return schema.List(migrationFiles, "migrations")
}

func (db *DB) migrate(ctx context.Context) error {
	list, err := migrations()
	if err != nil {
		return err
	}
	for _, m := range list {
		if err := db.applyMigration(ctx, m); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// migrationLock is the key of the advisory lock that migrations take, the
// same in every node ("quorum" in ASCII).
const migrationLock = 0x71756f72756d

// applyMigration applies m, with its row in schema_migrations, unless it has
// been. The lock is the transaction's: it ends with it, whatever becomes of
// the connection, and while one node migrates the others wait and then find
// the migration applied.
func (db *DB) applyMigration(ctx context.Context, m schema.Migration) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer PRIMARY KEY,
			applied_at timestamptz NOT NULL
		)`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var applied bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`,
			m.Version).Scan(&applied); err != nil || applied {
			return err
		}
		// Without arguments, pgx sends the script as one simple query,
		// which may hold several statements.
		if _, err := tx.Exec(ctx, m.Script); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())`, m.Version)
		return err
	})
}

// Ping reports whether the database answers, for readiness checks.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.writers.Err(); err != nil {
		return err
	}
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping database %s: %w", db.name, err)
	}
	return nil
}

// Close stops accepting commits, waits for the writers to finish the ones
// they have accepted, and closes the connections. It is safe to call more
// than once.
func (db *DB) Close() error {
	db.writers.Close()
	db.pool.Close() // safe to call more than once
	return nil
}

// stamp is how a time is stored: to the millisecond, as SQLite keeps it,
// and NULL for the zero time.
func stamp(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.Truncate(time.Millisecond)
	return &t
}

// timeOf reads a time stored by stamp back, in UTC.
func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// unavailable codes an error that says the database could not be reached,
// or did not answer in time, so that the caller refuses what it was asked as
// unavailable rather than as an internal error; it may try again later.
func unavailable(err error) error {
	var pgErr *pgconn.PgError
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.As(err, &pgErr):
		// Connection exceptions, and a server shutting down or restarting.
		if !strings.HasPrefix(pgErr.Code, "08") && !strings.HasPrefix(pgErr.Code, "57P") {
			return err
		}
	case errors.As(err, &connectErr), errors.As(err, &netErr), pgconn.Timeout(err),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
	default:
		return err
	}
	return fmt.Errorf("%w: %w", errUnreachable, err)
}

var errUnreachable = quorum.Errorf(quorum.EUNAVAILABLE, "the database cannot be reached; try again in a moment")
