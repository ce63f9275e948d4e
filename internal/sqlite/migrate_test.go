package sqlite

import (
	"context"
	"database/sql"
	"reflect"
	"strings"
	"testing"
)

// oldRows is a session with participants (one a proxy), their votes and
// the votes' history.
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

// A migration that leaves a reference dangling is rolled back, not
// recorded, and foreign keys are on again afterwards.
func TestAMigrationThatBreaksAForeignKeyIsRolledBack(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, tempDBPath(t))
	if _, err := db.write.ExecContext(ctx, oldRows); err != nil {
		t.Fatal(err)
	}
	bad := migration{version: 1000, name: "1000_orphan_the_votes.sql", script: `DELETE FROM participants`}
	err := db.applyMigrations(ctx, []migration{bad})
	if err == nil || !strings.Contains(err.Error(), "1000_orphan_the_votes.sql") || !strings.Contains(err.Error(), "votes") {
		t.Fatalf("applying a migration that orphans votes: %v, want an error naming it and the votes", err)
	}
	if got := dump(t, db.write, `SELECT count(*) FROM participants`); !reflect.DeepEqual(got, []string{"3"}) {
		t.Errorf("participants after the failed migration: %q, want 3", got)
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
