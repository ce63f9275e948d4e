package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/quorum-workshop/quorum/internal/schema"
)

// oldRows is a session of the schema before migrations 4 and 5, written as an
// older Quorum would have: participants (one a proxy), their votes and the
// votes' history.
const oldRows = `
INSERT INTO sessions (id, code, title, agenda, status, current_step, host_key_hash, screen_key_hash, created_at)
    VALUES ('s1', '12345678', 'Workshop', '{}', 'live', 1, 'hk', 'sk', 1);
INSERT INTO participants (id, session_id, token_hash, name, segment, joined_at, last_seen_at, proxy) VALUES
    ('p1', 's1', 't1', 'Ada', 'Manager', 2, 3, 0),
    ('p2', 's1', 't2', 'Grace', '', 4, 5, 1),
    ('p3', 's1', 't3', '', '', 6, 7, 0);
INSERT INTO votes (session_id, step, round, participant_id, num, text, msg_id, voted_at) VALUES
    ('s1', 1, 1, 'p1', 2, '', 'm1', 8),
    ('s1', 1, 1, 'p2', 0, '', 'm2', 9);
INSERT INTO vote_history (session_id, step, round, participant_id, num, text, msg_id, voted_at) VALUES
    ('s1', 1, 1, 'p1', 1, '', 'm0', 7),
    ('s1', 1, 1, 'p1', 2, '', 'm1', 8),
    ('s1', 1, 1, 'p2', 0, '', 'm2', 9);
`

// schemaBefore makes a database at path with the migrations before version,
// holding oldRows, as an older Quorum would have left it, and closes it.
func schemaBefore(t *testing.T, path string, version int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	old := openRaw(t, path)
	if err := (&DB{write: old}).applyMigrations(context.Background(), migrationsBefore(t, version)); err != nil {
		t.Fatal(err)
	}
	if _, err := old.ExecContext(context.Background(), oldRows); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
}

func migrationsBefore(t *testing.T, version int) []schema.Migration {
	t.Helper()
	list, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	var before []schema.Migration
	for _, m := range list {
		if m.Version < version {
			before = append(before, m)
		}
	}
	return before
}

// openRaw opens the file as the writer does, without migrating it.
func openRaw(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(path, "_pragma=journal_mode(WAL)"))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	return db
}

// A database of the schema before migration 4, which builds the
// participants table anew, comes through it with every row, and its
// foreign keys still hold. Dropping the old table with foreign keys on
// would have deleted every vote along with it.
func TestRebuildingTheParticipantsTableKeepsEveryVote(t *testing.T) {
	ctx := context.Background()
	path := tempDBPath(t)
	schemaBefore(t, path, 4)
	db := openRaw(t, path)
	defer db.Close()
	wantParticipants := dump(t, db, `SELECT * FROM participants ORDER BY id`)
	wantVotes := dump(t, db, `SELECT * FROM votes ORDER BY participant_id`)
	wantHistory := dump(t, db, `SELECT * FROM vote_history ORDER BY id`)

	if err := (&DB{write: db}).applyMigrations(ctx, migrationsBefore(t, 5)); err != nil {
		t.Fatal(err)
	}
	for what, q := range map[string]struct {
		query string
		want  []string
	}{
		"participants": {`SELECT * FROM participants ORDER BY id`, wantParticipants},
		"votes":        {`SELECT * FROM votes ORDER BY participant_id`, wantVotes},
		"history":      {`SELECT * FROM vote_history ORDER BY id`, wantHistory},
	} {
		if got := dump(t, db, q.query); !reflect.DeepEqual(got, q.want) || len(got) == 0 {
			t.Errorf("%s after the migration:\n%q\nwant\n%q", what, got, q.want)
		}
	}
	if got := dump(t, db, `SELECT il.name FROM pragma_index_list('participants') AS il
		JOIN pragma_index_info(il.name) AS ii WHERE ii.name = 'token_hash'`); len(got) != 0 {
		t.Errorf("indexes on participants.token_hash: %q, want none", got)
	}
	if got := dump(t, db, `PRAGMA foreign_keys`); !reflect.DeepEqual(got, []string{"1"}) {
		t.Errorf("foreign_keys on the writer after migrating: %q, want 1", got)
	}
	wantIntegrity(t, db)

	// The votes' foreign key names the new table: a vote by nobody is
	// refused, and deleting a participant takes its votes along.
	wantForeignKeyError(t, db, `INSERT INTO votes (session_id, step, round, participant_id, num, text, msg_id, voted_at)
		VALUES ('s1', 2, 1, 'nobody', 0, '', 'm9', 10)`)
	if _, err := db.ExecContext(ctx, `DELETE FROM participants WHERE id = 'p1'`); err != nil {
		t.Fatal(err)
	}
	if got := dump(t, db, `SELECT participant_id FROM votes`); !reflect.DeepEqual(got, []string{"p2"}) {
		t.Errorf("votes after deleting participant p1: %q, want p2's only", got)
	}
}

// A database of the schema before migration 5, whose votes a reset partly
// deleted, keeps every current vote once they are read from the history,
// and votes the reset deleted stay deleted.
func TestCurrentVotesFromTheHistoryAreTheVotesThatWere(t *testing.T) {
	ctx := context.Background()
	path := tempDBPath(t)
	schemaBefore(t, path, 5)
	old := openRaw(t, path)
	// p3 voted on step 2 and a reset deleted the vote; p1 voted on step 2,
	// the reset deleted it, and p1 voted again.
	if _, err := old.ExecContext(ctx, `
		INSERT INTO vote_history (session_id, step, round, participant_id, num, text, msg_id, voted_at) VALUES
			('s1', 2, 1, 'p3', 1, '', 'm3', 10), ('s1', 2, 1, 'p1', 0, '', 'm4', 11), ('s1', 2, 1, 'p1', 1, '', 'm5', 12);
		INSERT INTO votes (session_id, step, round, participant_id, num, text, msg_id, voted_at) VALUES
			('s1', 2, 1, 'p1', 1, '', 'm5', 12);`); err != nil {
		t.Fatal(err)
	}
	want := dump(t, old, `SELECT session_id, step, round, participant_id, num, text, msg_id, voted_at
		FROM votes ORDER BY step, participant_id`)
	history := dump(t, old, `SELECT * FROM vote_history ORDER BY id`)
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	db := openTestDB(t, path)
	if got := dump(t, db.write, `SELECT * FROM current_votes ORDER BY step, participant_id`); !reflect.DeepEqual(got, want) {
		t.Errorf("current votes after the migration:\n%q\nwant\n%q", got, want)
	}
	if got := dump(t, db.write, `SELECT participant_id, msg_id FROM vote_history WHERE void = 1 ORDER BY id`); !reflect.DeepEqual(got, []string{"p3|m3"}) {
		t.Errorf("void history: %q, want p3's deleted vote only", got)
	}
	if got := dump(t, db.write, `SELECT count(*) FROM vote_history`); !reflect.DeepEqual(got, []string{fmt.Sprint(len(history))}) {
		t.Errorf("history rows after the migration: %q, want the %d there were", got, len(history))
	}
	if n, err := db.CountVotes(ctx, "s1"); err != nil || n != len(want) {
		t.Errorf("CountVotes = %d, %v; want %d", n, err, len(want))
	}
	wantForeignKeyError(t, db.write, `INSERT INTO vote_history (session_id, step, round, participant_id, num, text, msg_id, voted_at)
		VALUES ('s1', 2, 1, 'nobody', 0, '', 'm9', 13)`)
	wantIntegrity(t, db.write)
}

// A database of the schema before migration 7 keeps every participant and
// every vote once its participants are one tree keyed by session: a vote
// by nobody is still refused, a vote by a participant still taken, and
// deleting a session still takes its participants along.
func TestParticipantsKeyedBySessionKeepEveryRow(t *testing.T) {
	ctx := context.Background()
	path := tempDBPath(t)
	schemaBefore(t, path, 5) // oldRows needs the votes table migration 5 drops
	db := openRaw(t, path)
	defer db.Close()
	if err := (&DB{write: db}).applyMigrations(ctx, migrationsBefore(t, 7)); err != nil {
		t.Fatal(err)
	}
	const participants = `SELECT session_id, id, token_hash, name, segment, joined_at, last_seen_at, proxy
		FROM participants ORDER BY id`
	wantParticipants := dump(t, db, participants)
	wantHistory := dump(t, db, `SELECT * FROM vote_history ORDER BY id`)

	if err := (&DB{write: db}).applyMigrations(ctx, migrationsBefore(t, 8)); err != nil {
		t.Fatal(err)
	}
	if got := dump(t, db, participants); !reflect.DeepEqual(got, wantParticipants) || len(got) != 3 {
		t.Errorf("participants after the migration:\n%q\nwant\n%q", got, wantParticipants)
	}
	if got := dump(t, db, `SELECT * FROM vote_history ORDER BY id`); !reflect.DeepEqual(got, wantHistory) {
		t.Errorf("history after the migration:\n%q\nwant\n%q", got, wantHistory)
	}
	if got := dump(t, db, `SELECT wr FROM pragma_table_list WHERE name = 'participants'`); !reflect.DeepEqual(got, []string{"1"}) {
		t.Errorf("participants WITHOUT ROWID: %q, want 1", got)
	}
	if got := dump(t, db, `SELECT name FROM pragma_index_list('participants') WHERE origin != 'pk'`); len(got) != 0 {
		t.Errorf("indexes on participants beside its key: %q, want none", got)
	}
	wantIntegrity(t, db)

	wantForeignKeyError(t, db, `INSERT INTO vote_history (session_id, step, round, participant_id, num, text, msg_id, voted_at)
		VALUES ('s1', 2, 1, 'nobody', 0, '', 'm9', 10)`)
	if _, err := db.ExecContext(ctx, `INSERT INTO vote_history (session_id, step, round, participant_id, num, text, msg_id, voted_at)
		VALUES ('s1', 2, 1, 'p3', 1, '', 'm10', 11)`); err != nil {
		t.Errorf("a vote by participant p3 after the migration: %v", err)
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM sessions WHERE id = 's1'`); err != nil {
		t.Fatal(err)
	}
	if got := dump(t, db, `SELECT count(*) FROM participants`); !reflect.DeepEqual(got, []string{"0"}) {
		t.Errorf("participants after deleting their session: %q, want none", got)
	}
}

// A migration that leaves a reference dangling is rolled back, not
// recorded, and foreign keys are on again afterwards.
func TestAMigrationThatBreaksAForeignKeyIsRolledBack(t *testing.T) {
	ctx := context.Background()
	path := tempDBPath(t)
	schemaBefore(t, path, 5)
	db := openTestDB(t, path)
	bad := schema.Migration{Version: 1000, Name: "1000_orphan_the_participants.sql", Script: `DELETE FROM sessions`}
	err := db.applyMigrations(ctx, []schema.Migration{bad})
	if err == nil || !strings.Contains(err.Error(), "1000_orphan_the_participants.sql") || !strings.Contains(err.Error(), "do not exist") {
		t.Fatalf("applying a migration that orphans participants: %v, want an error naming it and what it orphans", err)
	}
	if got := dump(t, db.write, `SELECT count(*) FROM sessions`); !reflect.DeepEqual(got, []string{"1"}) {
		t.Errorf("sessions after the failed migration: %q, want 1", got)
	}
	if got := dump(t, db.write, `SELECT count(*) FROM schema_migrations WHERE version = 1000`); !reflect.DeepEqual(got, []string{"0"}) {
		t.Errorf("the failed migration is recorded: %q", got)
	}
	if got := dump(t, db.write, `PRAGMA foreign_keys`); !reflect.DeepEqual(got, []string{"1"}) {
		t.Errorf("foreign_keys after the failed migration: %q, want 1", got)
	}
}

// dump returns the rows of a query, each as its columns joined by "|".
func dump(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		fields := make([]string, len(cols))
		for i, v := range vals {
			fields[i] = v.String
		}
		out = append(out, strings.Join(fields, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// wantForeignKeyError runs an insert that a foreign key (or the trigger that
// stands for one) must refuse.
func wantForeignKeyError(t *testing.T, db *sql.DB, insert string) {
	t.Helper()
	_, err := db.ExecContext(context.Background(), insert)
	if err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Errorf("%s: %v, want a foreign key error", insert, err)
	}
}

func wantIntegrity(t *testing.T, db *sql.DB) {
	t.Helper()
	if got := dump(t, db, `PRAGMA integrity_check`); !reflect.DeepEqual(got, []string{"ok"}) {
		t.Errorf("integrity_check: %q", got)
	}
}

// A session from before migration 6 had phones that said "Your answers stay
// anonymous either way": it comes through as a session whose names are
// hidden, so that its exports keep that promise.
func TestSessionsFromBeforeNamesStayAnonymous(t *testing.T) {
	path := tempDBPath(t)
	schemaBefore(t, path, 5) // oldRows needs the votes table migration 5 drops
	db := openRaw(t, path)
	defer db.Close()
	if err := (&DB{write: db}).applyMigrations(context.Background(), migrationsBefore(t, 7)); err != nil {
		t.Fatal(err)
	}
	if got := dump(t, db, `SELECT names FROM sessions`); !reflect.DeepEqual(got, []string{"hidden"}) {
		t.Errorf("names of an older session: %q, want hidden", got)
	}
	if _, err := db.ExecContext(context.Background(), `UPDATE sessions SET names = 'shown'`); err == nil {
		t.Error(`names = 'shown' was accepted; only hidden and visible are`)
	}
}
