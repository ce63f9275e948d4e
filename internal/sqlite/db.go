// Package sqlite is Quorum's durable store: sessions, participants, votes and
// their history in one SQLite file, written through a group-committing writer.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/quorum-workshop/quorum/internal/groupcommit"
	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/schema"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DB is the store. Its methods are safe for concurrent use.
type DB struct {
	path  string
	write *sql.DB // one connection: the writer's batches and session creation take turns
	read  *sql.DB // several connections; WAL lets them read while the writer writes
	// checkpoints copies the WAL into the database file beside the writer
	// (runCheckpoints); one connection.
	checkpoints *sql.DB

	stmts *statements // prepared once on the write connection
	// writer commits records on the write connection, one transaction at a
	// time: SQLite has one writer.
	writer  *groupcommit.Queue[[]quorum.Record]
	closing chan struct{} // closed by Close
	// checkpointsStopped is closed when runCheckpoints has returned.
	checkpointsStopped chan struct{}

	closeOnce sync.Once
	closeErr  error
}

// Open opens the database file at path, creating it and its directory if
// needed, and brings its schema up to date.
func Open(path string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("open database %s: %w", abs, err)
	}
	db := &DB{
		path:               abs,
		closing:            make(chan struct{}),
		checkpointsStopped: make(chan struct{}),
	}
	if err := db.open(); err != nil {
		return nil, errors.Join(fmt.Errorf("open database %s: %w", abs, err), db.closeHandles())
	}
	db.writer = groupcommit.New(1, db.apply, func(records []quorum.Record) int { return len(records) })
	go db.runCheckpoints()
	return db, nil
}

// checkpointInterval is how often the WAL is copied into the database file.
// SQLite would do it inside the commit that makes the WAL reach 1,000 pages,
// holding that commit, and every acknowledgement waiting for it, for as long
// as the copy and its fsync take (over 100 ms in a 10,000-phone run); on a
// connection of its own, a passive checkpoint runs beside the writer.
const checkpointInterval = time.Second

func (db *DB) runCheckpoints() {
	defer close(db.checkpointsStopped)
	tick := time.NewTicker(checkpointInterval)
	defer tick.Stop()
	for {
		select {
		case <-db.closing:
			return
		case <-tick.C:
			// A checkpoint that fails or cannot finish (a reader still
			// needs old pages) leaves the WAL longer; the next one goes on.
			_, _ = db.checkpoints.Exec("PRAGMA wal_checkpoint(PASSIVE)")
		}
	}
}

func (db *DB) open() error {
	var err error
	// synchronous(FULL): an acknowledged vote must survive a power loss, not
	// only a crash. _txlock=immediate takes the write lock at BEGIN, where
	// busy_timeout waits for it, rather than half-way through a transaction.
	db.write, err = sql.Open("sqlite", dsn(db.path, "_txlock=immediate",
		"_pragma=journal_mode(WAL)", "_pragma=synchronous(FULL)", "_pragma=wal_autocheckpoint(0)"))
	if err != nil {
		return err
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetMaxIdleConns(1)
	if err := db.migrate(context.Background()); err != nil {
		return err
	}
	if db.stmts, err = prepareStatements(context.Background(), db.write); err != nil {
		return err
	}
	// Readers come after the writer has set WAL mode, which is a property of
	// the file; query_only makes sure nothing writes around the writer.
	db.read, err = sql.Open("sqlite", dsn(db.path, "_pragma=query_only(1)"))
	if err != nil {
		return err
	}
	conns := max(4, runtime.GOMAXPROCS(0))
	db.read.SetMaxOpenConns(conns)
	db.read.SetMaxIdleConns(conns)
	if err := db.read.Ping(); err != nil {
		return err
	}
	if db.checkpoints, err = sql.Open("sqlite", dsn(db.path)); err != nil {
		return err
	}
	db.checkpoints.SetMaxOpenConns(1)
	db.checkpoints.SetMaxIdleConns(1)
	return db.checkpoints.Ping()
}

// dsn is a file: URI, so that any path works (SQLite decodes the escapes),
// with the pragmas every connection needs and then extra.
func dsn(path string, extra ...string) string {
	u := url.URL{Scheme: "file", OmitHost: true, Path: filepath.ToSlash(path)}
	params := append([]string{"_pragma=busy_timeout(5000)", "_pragma=foreign_keys(1)"}, extra...)
	return u.String() + "?" + strings.Join(params, "&")
}

// migrations lists the embedded migration files in version order.
func migrations() ([]schema.Migration, error) {
	return schema.List(migrationFiles, "migrations")
}

// migrate applies the migrations the database has not seen yet, each in its
// own transaction together with its row in schema_migrations.
func (db *DB) migrate(ctx context.Context) error {
	list, err := migrations()
	if err != nil {
		return err
	}
	return db.applyMigrations(ctx, list)
}

// applyMigrations applies the migrations of list that the database has not
// seen yet. Foreign keys are off meanwhile, as SQLite asks for rebuilding a
// table: dropping a table with foreign keys on first deletes its rows, and
// with them, through ON DELETE CASCADE, every row that refers to them.
// Instead, each migration must leave no reference dangling (PRAGMA
// foreign_key_check) or it is rolled back.
func (db *DB) applyMigrations(ctx context.Context, list []schema.Migration) (err error) {
	// The pragma holds for one connection: keep the writer's for the lot.
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return err
	}
	defer func() {
		if _, onErr := conn.ExecContext(ctx, `PRAGMA foreign_keys = ON`); onErr != nil && err == nil {
			err = fmt.Errorf("turn foreign keys back on after the migrations: %w", onErr)
		}
	}()
	for _, m := range list {
		if err := applyMigration(ctx, conn, m); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// applyMigration applies m unless it has been. It checks within the write
// transaction, so that two processes opening the file at once cannot both
// apply it.
func applyMigration(ctx context.Context, conn *sql.Conn, m schema.Migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // a no-op once committed
	var applied bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)`,
		m.Version).Scan(&applied); err != nil || applied {
		return err
	}
	if _, err := tx.ExecContext(ctx, m.Script); err != nil {
		return err
	}
	var table string
	switch err := tx.QueryRowContext(ctx, `SELECT "table" FROM pragma_foreign_key_check LIMIT 1`).Scan(&table); {
	case err == nil:
		return fmt.Errorf("it leaves rows of %s referring to rows that do not exist", table)
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
		m.Version, time.Now().UnixMilli()); err != nil {
		return err
	}
	return tx.Commit()
}

// Ping reports whether the database answers, for readiness checks.
func (db *DB) Ping(ctx context.Context) error {
	select {
	case <-db.closing:
		return quorum.ErrShuttingDown()
	default:
	}
	if err := db.read.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database %s: %w", db.path, err)
	}
	return nil
}

// Close stops accepting commits, waits for the writer to finish the ones it
// has accepted, and closes the database. It is safe to call more than once.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		close(db.closing)
		db.writer.Close()
		<-db.checkpointsStopped
		if err := db.closeHandles(); err != nil {
			db.closeErr = fmt.Errorf("close database %s: %w", db.path, err)
		}
	})
	return db.closeErr
}

// closeHandles closes whatever open managed to open.
func (db *DB) closeHandles() error {
	var errs []error
	if db.stmts != nil {
		errs = append(errs, db.stmts.close())
	}
	// The writer closes last: the last connection to close checkpoints the
	// whole WAL into the file and removes it.
	for _, h := range []*sql.DB{db.checkpoints, db.read, db.write} {
		if h != nil {
			errs = append(errs, h.Close())
		}
	}
	return errors.Join(errs...)
}

// millis is how a time is stored: unix milliseconds, NULL for the zero time.
func millis(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

// timeOf reads a time stored by millis back, in UTC.
func timeOf(ms sql.NullInt64) time.Time {
	if !ms.Valid {
		return time.Time{}
	}
	return time.UnixMilli(ms.Int64).UTC()
}
