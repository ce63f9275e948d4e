package sqlite

import (
	"context"
	"testing"

	"github.com/quorum-workshop/quorum/internal/storetest"
)

func TestDeletingASessionDeletesItsData(t *testing.T) {
	clk := storetest.NewClock()
	db := openTestDB(t, tempDBPath(t))
	ctx := context.Background()
	s := storetest.NewSession(t, db, clk)
	_, records := storetest.Workshop(t, s, clk)
	storetest.Commit(t, db, records...)
	kept := storetest.NewSession(t, db, clk)
	_, records = storetest.Workshop(t, kept, clk)
	storetest.Commit(t, db, records...)

	if _, err := db.write.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, s.ID); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"sessions", "step_states", "participants", "current_votes", "vote_history", "events"} {
		column := "session_id"
		if table == "sessions" {
			column = "id"
		}
		var left, other int
		if err := db.read.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE `+column+` = ?1),
			count(*) FILTER (WHERE `+column+` = ?2) FROM `+table, s.ID, kept.ID).Scan(&left, &other); err != nil {
			t.Fatal(err)
		}
		if left != 0 || other == 0 {
			t.Errorf("%s: %d rows of the deleted session, %d of the other; want 0 and some", table, left, other)
		}
	}
}
