package sqlite

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// testAgenda parses testAgendaJSON and gives it an id and a title.
func testAgenda(tb testing.TB, id, title string) *quorum.Agenda {
	tb.Helper()
	a, err := quorum.ParseAgenda([]byte(testAgendaJSON))
	if err != nil {
		tb.Fatal(err)
	}
	a.ID, a.Title = id, title
	return a
}

func listedIDs(tb testing.TB, db *DB) []string {
	tb.Helper()
	list, err := db.ListAgendas(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	ids := []string{}
	for _, a := range list {
		ids = append(ids, a.ID)
	}
	return ids
}

func TestAgendaLifecycle(t *testing.T) {
	db := openTestDB(t, tempDBPath(t))
	ctx := context.Background()
	clk := newClock()

	if ids := listedIDs(t, db); len(ids) != 0 {
		t.Fatalf("a new database lists agendas %v", ids)
	}
	first := testAgenda(t, "a1", "Retro <team> & friends")
	second := testAgenda(t, "a2", "Kick-off")
	for _, a := range []*quorum.Agenda{first, second} {
		if err := db.CreateAgenda(ctx, a, clk.tick()); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.GetAgenda(ctx, "a1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, first) {
		t.Errorf("GetAgenda = %+v, want %+v", got, first)
	}
	// HTML characters are stored as they are, not as \u003c.
	var doc string
	if err := db.read.QueryRowContext(ctx, `SELECT agenda FROM agendas WHERE id = 'a1'`).Scan(&doc); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(doc, `"Retro <team> & friends"`) {
		t.Errorf("stored document %s escapes the title's HTML characters", doc)
	}
	if ids := listedIDs(t, db); !reflect.DeepEqual(ids, []string{"a2", "a1"}) {
		t.Errorf("listed %v, want the last created first", ids)
	}

	// Editing moves an agenda to the top and replaces its document.
	edited := testAgenda(t, "a1", "Retro, edited")
	edited.Steps = edited.Steps[:2]
	if err := db.UpdateAgenda(ctx, edited, clk.tick()); err != nil {
		t.Fatal(err)
	}
	if got, err := db.GetAgenda(ctx, "a1"); err != nil || !reflect.DeepEqual(got, edited) {
		t.Errorf("after the update GetAgenda = %+v, %v; want %+v", got, err, edited)
	}
	if ids := listedIDs(t, db); !reflect.DeepEqual(ids, []string{"a1", "a2"}) {
		t.Errorf("listed %v, want the last edited first", ids)
	}

	if err := db.DeleteAgenda(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetAgenda(ctx, "a1"); quorum.ErrorCode(err) != quorum.EAGENDANOTFOUND {
		t.Errorf("GetAgenda after the delete: %v, want %s", err, quorum.EAGENDANOTFOUND)
	}
	if ids := listedIDs(t, db); !reflect.DeepEqual(ids, []string{"a2"}) {
		t.Errorf("listed %v after the delete, want [a2]", ids)
	}
}

func TestAgendaNotFound(t *testing.T) {
	db := openTestDB(t, tempDBPath(t))
	ctx := context.Background()
	if err := db.CreateAgenda(ctx, testAgenda(t, "kept", "Kept"), newClock().tick()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"get", func() error { _, err := db.GetAgenda(ctx, "nope"); return err }},
		{"update", func() error { return db.UpdateAgenda(ctx, testAgenda(t, "nope", "Nope"), newClock().tick()) }},
		{"delete", func() error { return db.DeleteAgenda(ctx, "nope") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); quorum.ErrorCode(err) != quorum.EAGENDANOTFOUND {
				t.Errorf("got %v, want %s", err, quorum.EAGENDANOTFOUND)
			}
		})
	}
	if ids := listedIDs(t, db); !reflect.DeepEqual(ids, []string{"kept"}) {
		t.Errorf("listed %v, want [kept] untouched", ids)
	}
}

// An agenda that would be over the size limit once encoded is refused:
// Go writes U+2028 as the 6 bytes \u2028, twice its UTF-8 size.
func TestAgendaTooLargeOnceEncoded(t *testing.T) {
	db := openTestDB(t, tempDBPath(t))
	ctx := context.Background()
	a := testAgenda(t, "big", "Big")
	for i := range a.Steps {
		a.Steps[i].Notes = strings.Repeat("\u2028", 4000)
	}
	for len(a.Steps) < 12 {
		a.Steps = append(a.Steps, quorum.Step{Kind: quorum.KindInfo, Title: "More", Notes: strings.Repeat("\u2028", 4000)})
	}
	if err := db.CreateAgenda(ctx, a, newClock().tick()); quorum.ErrorCode(err) != quorum.ETOOLARGE {
		t.Fatalf("CreateAgenda: %v, want %s", err, quorum.ETOOLARGE)
	}
	if ids := listedIDs(t, db); len(ids) != 0 {
		t.Errorf("listed %v after a refused create", ids)
	}
}

func TestAgendasSurviveReopen(t *testing.T) {
	path := tempDBPath(t)
	want := testAgenda(t, "a1", "Kept across restarts")
	db := openTestDB(t, path)
	if err := db.CreateAgenda(context.Background(), want, newClock().tick()); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := openTestDB(t, path).GetAgenda(context.Background(), "a1")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("after reopening GetAgenda = %+v, %v; want %+v", got, err, want)
	}
}
