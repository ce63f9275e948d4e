package export_test

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/export"
	"github.com/quorum-workshop/quorum/internal/quorum"
)

// docExample is the session docs/export.md shows: two participants and a
// proxy, a choice (Ada changes her mind), a scale with a dimension asked
// twice and a text step.
func docExample(t *testing.T) *export.Export {
	t.Helper()
	a := mustAgenda(t, `{"title": "Team check-in", "segments": ["Manager", "Engineer"], "steps": [
	 {"kind": "choice", "title": "Can a manager lead without a title?", "options": ["Yes", "No", "It depends"], "correct": 0, "notes": "Leadership is influence."},
	 {"kind": "scale", "title": "Vision ↔ Execution: today", "left": "Vision", "right": "Execution", "points": 5, "dimension": "vision-execution", "series": "today"},
	 {"kind": "text", "title": "One word", "maxLength": 40}]}`)
	sd := newSeeded(t, a, "Leadership offsite")
	sd.s.ID = "c3073096-5a1e-4c31-9a53-0d7f3c2b8e11"
	sd.s.CreatedAt = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	sd.clock = sd.s.CreatedAt
	sd.join("Ada", "Engineer")
	sd.join("", "Manager")
	sd.do(quorum.ActionStart)
	sd.do(quorum.ActionOpen)
	sd.cast(0, 0, quorum.Value{Number: 2})
	sd.cast(1, 0, quorum.Value{Number: 0})
	sd.cast(0, 0, quorum.Value{Number: 0})
	sd.castProxy(0, quorum.Value{Number: 1})
	sd.do(quorum.ActionClose)
	sd.do(quorum.ActionReveal)
	sd.do(quorum.ActionNext)
	sd.do(quorum.ActionOpen)
	sd.cast(0, 1, quorum.Value{Number: 2})
	sd.cast(1, 1, quorum.Value{Number: 5})
	sd.do(quorum.ActionClose)
	sd.do(quorum.ActionRound)
	sd.do(quorum.ActionOpen)
	sd.cast(0, 1, quorum.Value{Number: 3})
	sd.cast(1, 1, quorum.Value{Number: 5})
	sd.do(quorum.ActionNext)
	sd.do(quorum.ActionOpen)
	sd.cast(0, 2, quorum.Value{Text: "Listen more"})
	sd.cast(1, 2, quorum.Value{Text: "listen more!"})
	sd.do(quorum.ActionEnd)
	return export.Build(sd.s, sd.events, export.Options{Now: exportedAt})
}

// docBlocks returns the fenced blocks of docs/export.md in a language, in order.
func docBlocks(t *testing.T, lang string) []string {
	t.Helper()
	data, err := os.ReadFile("../../docs/export.md")
	if err != nil {
		t.Fatalf("reading the export documentation: %v", err)
	}
	var out []string
	rest := string(data)
	for {
		i := strings.Index(rest, "```"+lang+"\n")
		if i < 0 {
			return out
		}
		rest = rest[i+len("```"+lang+"\n"):]
		end := strings.Index(rest, "```")
		out = append(out, rest[:end])
		rest = rest[end:]
	}
}

// The JSON example in docs/export.md is what the export writes for the
// session it describes, and uses no field the format does not have.
func TestDocJSONExample(t *testing.T) {
	blocks := docBlocks(t, "json")
	if len(blocks) != 1 {
		t.Fatalf("docs/export.md has %d JSON examples, want 1", len(blocks))
	}
	var typed export.Export
	dec := json.NewDecoder(strings.NewReader(blocks[0]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&typed); err != nil {
		t.Fatalf("the documented example does not decode: %v", err)
	}
	var documented, real any
	if err := json.Unmarshal([]byte(blocks[0]), &documented); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(write(t, docExample(t).WriteJSON), &real); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(documented, real) {
		got, _ := json.Marshal(real)
		t.Errorf("the documented example differs from the real export:\n%s", got)
	}
	var keys []string
	for k := range documented.(map[string]any) {
		keys = append(keys, k)
	}
	if len(keys) != len(topLevelKeys) {
		t.Errorf("the example has the top-level keys %q, want %q", keys, topLevelKeys)
	}
}

// The CSV examples are the real files, byte order mark and CRLF aside.
func TestDocCSVExamples(t *testing.T) {
	blocks := docBlocks(t, "csv")
	if len(blocks) != 2 {
		t.Fatalf("docs/export.md has %d CSV examples, want 2", len(blocks))
	}
	e := docExample(t)
	for i, f := range []func(w *bytes.Buffer) error{
		func(w *bytes.Buffer) error { return e.WriteCSV(w) },
		func(w *bytes.Buffer) error { return e.WriteSummaryCSV(w) },
	} {
		var b bytes.Buffer
		if err := f(&b); err != nil {
			t.Fatal(err)
		}
		got := strings.ReplaceAll(strings.TrimPrefix(b.String(), bom), "\r\n", "\n")
		if got != blocks[i] {
			t.Errorf("CSV example %d differs from the real file:\n%s", i+1, got)
		}
	}
}
