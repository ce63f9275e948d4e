package quorum_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// A stored agenda keeps HTML characters as they are, not as \u003c, and reads
// back under its row's id.
func TestAgendaDocumentRoundTrip(t *testing.T) {
	a := &quorum.Agenda{Title: "Retro <team> & friends", Steps: []quorum.Step{{Kind: quorum.KindInfo, Title: "Hi"}}}
	doc, err := quorum.AgendaDocument(a)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(doc, `"Retro <team> & friends"`) || strings.HasSuffix(doc, "\n") {
		t.Errorf("document %q escapes the title's HTML characters or ends in a newline", doc)
	}
	got, err := quorum.ReadAgendaDocument("a1", doc)
	if err != nil {
		t.Fatal(err)
	}
	a.ID = "a1"
	if !reflect.DeepEqual(got, a) {
		t.Errorf("read back %+v, want %+v", got, a)
	}
}
