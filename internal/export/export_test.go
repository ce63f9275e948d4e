package export_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/quorum-workshop/quorum/internal/export"
	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/testserver"
)

const bom = "\uFEFF"

// readCSV checks the byte order mark and parses the rest.
func readCSV(t *testing.T, data []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(data, []byte(bom)) {
		t.Fatalf("the CSV does not start with a UTF-8 byte order mark: %q", data[:min(len(data), 12)])
	}
	if !bytes.Contains(data, []byte("\r\n")) {
		t.Errorf("the CSV's lines do not end with CRLF")
	}
	r := csv.NewReader(bytes.NewReader(data[len(bom):]))
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v", err)
	}
	return rows
}

func write(t *testing.T, f func(io.Writer) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := f(&b); err != nil {
		t.Fatalf("write: %v", err)
	}
	return b.Bytes()
}

// formulaSafe is what the CSV does to text that a spreadsheet could take for a formula.
func formulaSafe(s string) string {
	if s != "" && strings.ContainsAny(s[:1], "=+-@\t\r") {
		return "'" + s
	}
	return s
}

// expectedResponses derives the responses from the session itself: one row
// per vote of every round, by step, round, then join order.
func expectedResponses(sd *seeded, anonymous bool) [][]string {
	s := sd.s
	var rows [][]string
	for i := range s.Agenda.Steps {
		def := &s.Agenda.Steps[i]
		if !def.Kind.Votable() {
			continue
		}
		past := s.PastRounds(i)
		for round := 1; round <= len(past)+1; round++ {
			tally, voteOf := s.Tally(i), func(id string) (quorum.Vote, bool) { return s.VoteOf(i, id) }
			if round <= len(past) {
				r := past[round-1]
				tally, voteOf = r.Tally, func(id string) (quorum.Vote, bool) {
					if v := r.Votes[id]; v != nil {
						return *v, true
					}
					return quorum.Vote{}, false
				}
			}
			groups := map[string]string{}
			for _, w := range tally.Words(0) {
				groups[quorum.NormalizeText(w.Text)] = w.Text
			}
			for k, p := range s.Participants() {
				v, ok := voteOf(p.ID)
				if !ok {
					continue
				}
				name, segment := p.Name, p.Segment
				if anonymous {
					name, segment = "", ""
				}
				var value, label string
				switch def.Kind {
				case quorum.KindChoice:
					value, label = strconv.Itoa(v.Value.Number+1), def.Options[v.Value.Number]
				case quorum.KindScale:
					value, label = strconv.Itoa(v.Value.Number), fmt.Sprintf("%d of %d (%s ↔ %s)", v.Value.Number, def.Points, def.Left, def.Right)
				case quorum.KindText:
					value, label = v.Value.Text, groups[quorum.NormalizeText(v.Value.Text)]
				}
				rows = append(rows, []string{
					strconv.Itoa(i + 1), def.Title, string(def.Kind), fmt.Sprintf("P%03d", k+1),
					name, segment, value, label, v.At.UTC().Format("2006-01-02T15:04:05.000Z"),
					strconv.Itoa(round), map[bool]string{true: "yes", false: "no"}[p.Proxy],
				})
			}
		}
	}
	return rows
}

func csvSafe(rows [][]string) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = append([]string(nil), r...)
		for _, col := range []int{1, 4, 5, 6, 7} {
			out[i][col] = formulaSafe(r[col])
		}
	}
	return out
}

func TestCSVResponses(t *testing.T) {
	sd := seed(t, "ended")
	for _, anonymous := range []bool{false, true} {
		t.Run(fmt.Sprintf("anonymous=%v", anonymous), func(t *testing.T) {
			rows := readCSV(t, write(t, sd.export(anonymous).WriteCSV))
			if !reflect.DeepEqual(rows[0], export.ResponseColumns) {
				t.Errorf("header %q, want %q", rows[0], export.ResponseColumns)
			}
			want := csvSafe(expectedResponses(sd, anonymous))
			if len(want) != 16 {
				t.Fatalf("the seed has %d votes, want 16", len(want))
			}
			if !reflect.DeepEqual(rows[1:], want) {
				t.Errorf("rows differ from the votes:\n got %q\nwant %q", rows[1:], want)
			}
		})
	}

	// A few rows checked by hand.
	rows := readCSV(t, write(t, sd.export(false).WriteCSV))
	find := func(step int, participant string) []string {
		for _, r := range rows[1:] {
			if r[0] == strconv.Itoa(step+1) && r[3] == participant {
				return r
			}
		}
		return nil
	}
	adaChoice, _ := sd.s.VoteOf(stepChoice, sd.people[0].ID)
	tests := []struct {
		step        int
		participant string
		want        []string // name, segment, value, value_label
	}{
		{stepChoice, "P001", []string{"Ada Lovelace", "Manager", "1", "Yes"}}, // the changed vote, as it ended
		{stepChoice, "P002", []string{"", "Engineer", "2", "No"}},
		{stepChoice, "P004", []string{"'=cmd()", "Engineer", "1", "Yes"}},
		{stepToday, "P003", []string{"Zoë Ünal", "", "7", "7 of 7 (Vision ↔ Execution)"}},
		{stepTarget, "P004", []string{"'=cmd()", "Engineer", "3", "3 of 5 (Vision ↔ Execution)"}},
		{stepText, "P002", []string{"", "Engineer", "listen more!", "Listen more"}},
		{stepText, "P003", []string{"Zoë Ünal", "", "'=SUM(A1)", "'=SUM(A1)"}},
		{stepText, "P005", []string{"Bob", "Manager", "Listen more", "Listen more"}},
	}
	for _, tc := range tests {
		r := find(tc.step, tc.participant)
		if r == nil {
			t.Errorf("no row for step %d, %s", tc.step+1, tc.participant)
			continue
		}
		if got := r[4:8]; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("step %d, %s: %q, want %q", tc.step+1, tc.participant, got, tc.want)
		}
	}
	if r := find(stepChoice, "P001"); r[8] != adaChoice.At.Format("2006-01-02T15:04:05.000Z") {
		t.Errorf("Ada's choice was voted at %s, want the time of her second vote %s", r[8], adaChoice.At)
	}
	if r := find(stepSkipped, "P001"); r != nil {
		t.Errorf("a step nobody voted on has rows: %q", r)
	}
}

func TestCSVSummary(t *testing.T) {
	sd := seed(t, "ended")
	rows := readCSV(t, write(t, sd.export(false).WriteSummaryCSV))
	if !reflect.DeepEqual(rows[0], export.SummaryColumns) {
		t.Fatalf("header %q, want %q", rows[0], export.SummaryColumns)
	}
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	// The room's rows (not a group's, nor who moved), in the columns the
	// summary had before rounds and groups; the seed asks every step once.
	byStep := map[string][][]string{}
	for _, r := range rows[1:] {
		if r[col["group"]] == "" && r[col["kind"]] != "shift" {
			byStep[r[0]] = append(byStep[r[0]], r[:col["correct"]+1])
		}
		// The profile's rows and who moved between its series have no round.
		wantRound := "1"
		if k := r[col["kind"]]; k == "profile" || k == "shift" {
			wantRound = ""
		}
		if r[col["round"]] != wantRound {
			t.Errorf("row %q: round %q, want %q", r, r[col["round"]], wantRound)
		}
	}

	// Against the tallies.
	f2 := func(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }
	for i := range sd.s.Agenda.Steps {
		def, tally := &sd.s.Agenda.Steps[i], sd.s.Tally(i)
		got := byStep[strconv.Itoa(i+1)]
		switch def.Kind {
		case quorum.KindChoice, quorum.KindScale:
			if len(got) != len(tally.Counts) {
				t.Errorf("step %d: %d rows, want %d", i+1, len(got), len(tally.Counts))
				continue
			}
			for j, r := range got {
				if r[col["value"]] != strconv.Itoa(j+1) || r[col["count"]] != strconv.Itoa(tally.Counts[j]) || r[col["n"]] != strconv.Itoa(tally.N) {
					t.Errorf("step %d row %d: %q, want value %d count %d n %d", i+1, j, r, j+1, tally.Counts[j], tally.N)
				}
				if def.Kind == quorum.KindScale && tally.N > 0 && (r[col["mean"]] != f2(tally.Mean()) || r[col["sd"]] != f2(tally.StdDev())) {
					t.Errorf("step %d: mean %s sd %s, want %s %s", i+1, r[col["mean"]], r[col["sd"]], f2(tally.Mean()), f2(tally.StdDev()))
				}
			}
		case quorum.KindText:
			words := tally.Words(0)
			if len(got) != len(words) {
				t.Fatalf("text step: %d rows, want %d", len(got), len(words))
			}
			for j, w := range words {
				if got[j][col["value_label"]] != formulaSafe(w.Text) || got[j][col["count"]] != strconv.Itoa(w.Count) {
					t.Errorf("text row %d: %q, want %q × %d", j, got[j], w.Text, w.Count)
				}
			}
		case quorum.KindProfile:
			profile := sd.s.Profile().Entries
			if len(got) != len(profile) {
				t.Fatalf("profile: %d rows, want %d", len(got), len(profile))
			}
			for j, p := range profile {
				if got[j][col["n"]] != strconv.Itoa(p.N) || got[j][col["mean"]] != f2(p.Mean) || got[j][col["sd"]] != f2(p.Spread) {
					t.Errorf("profile row %d: %q, want n %d mean %s spread %s", j, got[j], p.N, f2(p.Mean), f2(p.Spread))
				}
			}
		case quorum.KindInfo:
			if len(got) != 0 {
				t.Errorf("an info step has summary rows: %q", got)
			}
		}
	}

	// And by hand: step, value, value_label, count, percent, n, mean, sd, correct.
	want := map[string][][]string{
		"2": {
			{"1", "Yes", "3", "75.0", "4", "", "", "yes"},
			{"2", "No", "1", "25.0", "4", "", "", "no"},
			{"3", "It depends", "0", "0.0", "4", "", "", "no"},
		},
		"4": {
			{"1", "1 of 5 (Vision ↔ Execution)", "1", "33.3", "3", "3.00", "1.63", ""},
			{"2", "2 of 5 (Vision ↔ Execution)", "0", "0.0", "3", "3.00", "1.63", ""},
			{"3", "3 of 5 (Vision ↔ Execution)", "1", "33.3", "3", "3.00", "1.63", ""},
			{"4", "4 of 5 (Vision ↔ Execution)", "0", "0.0", "3", "3.00", "1.63", ""},
			{"5", "5 of 5 (Vision ↔ Execution)", "1", "33.3", "3", "3.00", "1.63", ""},
		},
		"5": {
			{"Listen more", "Listen more", "3", "60.0", "5", "", "", ""},
			{"'=SUM(A1)", "'=SUM(A1)", "1", "20.0", "5", "", "", ""},
			{"Café", "Café", "1", "20.0", "5", "", "", ""},
		},
		"6": {
			{"vision-execution/today", "Vision ↔ Execution (today)", "", "", "4", "0.17", "0.60", ""},
			{"vision-execution/target", "Vision ↔ Execution (target)", "", "", "3", "0.00", "0.82", ""},
		},
		"7": {
			{"1", "A", "0", "0.0", "0", "", "", ""},
			{"2", "B", "0", "0.0", "0", "", "", ""},
		},
	}
	for step, rows := range want {
		var got [][]string
		for _, r := range byStep[step] {
			got = append(got, r[3:])
		}
		if !reflect.DeepEqual(got, rows) {
			t.Errorf("step %s:\n got %q\nwant %q", step, got, rows)
		}
	}
	if got := byStep["3"]; len(got) != 7 || got[0][col["mean"]] != "4.50" || got[0][col["sd"]] != "1.80" {
		t.Errorf("the 7-point scale: %q, want 7 rows with mean 4.50, sd 1.80", got)
	}
}

func cell(t *testing.T, f *excelize.File, sheet, ref string) string {
	t.Helper()
	v, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("%s!%s: %v", sheet, ref, err)
	}
	return v
}

func near(got string, want float64) bool {
	x, err := strconv.ParseFloat(got, 64)
	return err == nil && math.Abs(x-want) < 1e-9
}

func TestXLSX(t *testing.T) {
	sd := seed(t, "ended")
	e := sd.export(false)
	f, err := excelize.OpenReader(bytes.NewReader(write(t, e.WriteXLSX)))
	if err != nil {
		t.Fatalf("the workbook does not open: %v", err)
	}
	defer f.Close()

	var wantSheets []string
	wantSheets = append(wantSheets, export.SheetSummary)
	for i, s := range sd.s.Agenda.Steps {
		if s.Kind.Votable() {
			wantSheets = append(wantSheets, export.StepSheetName(i, s.Title))
		}
	}
	wantSheets = append(wantSheets, export.SheetResponses, export.SheetProfile, export.SheetShifts, export.SheetGroups)
	if got := f.GetSheetList(); !reflect.DeepEqual(got, wantSheets) {
		t.Fatalf("sheets %q, want %q", got, wantSheets)
	}
	if got := f.GetActiveSheetIndex(); got != 0 {
		t.Errorf("the active sheet is %d, want the summary", got)
	}

	// Every sheet's header row is frozen: the row just above the pane holds the headers.
	headers := map[string][]string{
		export.SheetSummary:   export.SummaryHeaders,
		export.SheetResponses: export.ResponseHeaders[:8],
		export.SheetProfile:   export.ProfileHeaders,
		export.SheetShifts:    export.ShiftHeaders,
		export.SheetGroups:    export.GroupHeaders,
		// Every group has fewer than 3 answers: they are pooled, and the
		// pool mixes three groups (no group counts as one).
		wantSheets[1]: {"Option", "Text", "Votes", "%", "Correct", "Other groups (3 groups)"},
		wantSheets[2]: {"Point", "Label", "Votes", "%", "Other groups (3 groups)"},
		wantSheets[4]: {"Answer", "Count", "%"},
	}
	for _, sheet := range wantSheets {
		panes, err := f.GetPanes(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if !panes.Freeze || panes.YSplit < 1 {
			t.Errorf("%s: panes %+v, want the header row frozen", sheet, panes)
			continue
		}
		rows, _ := f.GetRows(sheet)
		if want := headers[sheet]; want != nil {
			if got := rows[panes.YSplit-1]; len(got) < len(want) || !reflect.DeepEqual(got[:len(want)], want) {
				t.Errorf("%s: frozen row %d is %q, want the headers %q", sheet, panes.YSplit, got, want)
			}
		}
		if w, _ := f.GetColWidth(sheet, "A"); w == 9.140625 || w <= 0 {
			t.Errorf("%s: column A has the default width", sheet)
		}
	}

	// Responses: the same rows as the votes, with typed cells.
	rows, _ := f.GetRows(export.SheetResponses)
	want := expectedResponses(sd, false)
	if len(rows)-1 != len(want) {
		t.Fatalf("Responses has %d rows, want %d", len(rows)-1, len(want))
	}
	for i, w := range want {
		got := rows[i+1]
		voted, _ := time.Parse("2006-01-02T15:04:05.000Z", w[8])
		w[8] = voted.Format("2006-01-02 15:04:05") // to the second, not rounded up
		if !reflect.DeepEqual(got, w) {
			t.Errorf("Responses row %d: %q, want %q", i+2, got, w)
		}
	}
	if got := rows[0][8:]; !reflect.DeepEqual(got, []string{"Voted at (UTC)", "Round", "Proxy"}) {
		t.Errorf("time column %q, want the time zone in it", got)
	}
	if got, _ := f.GetCellType(export.SheetResponses, "G2"); got != excelize.CellTypeNumber && got != excelize.CellTypeUnset {
		t.Errorf("a choice value is a %v cell, want a number", got)
	}

	// Summary: one row per step with its number of responses.
	rows, _ = f.GetRows(export.SheetSummary)
	if rows[0][0] != sd.s.Title {
		t.Errorf("Summary A1 = %q, want the session title", rows[0][0])
	}
	panes, _ := f.GetPanes(export.SheetSummary)
	for i := range sd.s.Agenda.Steps {
		r := rows[panes.YSplit+i]
		n := ""
		if sd.s.Agenda.Steps[i].Kind.Votable() {
			n = strconv.Itoa(sd.s.Tally(i).N)
		}
		if r[0] != strconv.Itoa(i+1) || r[1] != sd.s.Agenda.Steps[i].Title || (len(r) > 3 && r[3] != n) || (len(r) <= 3 && n != "") {
			t.Errorf("Summary row for step %d: %q, want %d responses", i+1, r, sd.s.Tally(i).N)
		}
	}
	facts := map[string]string{}
	for _, r := range rows[1 : panes.YSplit-1] {
		if len(r) >= 2 {
			facts[r[0]] = r[1]
		}
	}
	if facts["Participants"] != "5" || facts["Date"] != "Saturday 28 November 2026" || facts["Agenda"] != "Team check-in" {
		t.Errorf("Summary facts %q", facts)
	}

	// Step sheets: the tallies, and the breakdown by segment.
	choice := wantSheets[1]
	for j, c := range sd.s.Tally(stepChoice).Counts {
		row := strconv.Itoa(4 + j)
		if got := cell(t, f, choice, "C"+row); got != strconv.Itoa(c) {
			t.Errorf("%s C%s = %s, want %d", choice, row, got, c)
		}
		if got := cell(t, f, choice, "D"+row); !near(got, float64(c)/4) {
			t.Errorf("%s D%s = %s, want %v", choice, row, got, float64(c)/4)
		}
	}
	if got := cell(t, f, choice, "E4"); got != "✓ correct" {
		t.Errorf("the correct option is marked %q", got)
	}
	// The pool is the whole room: Yes 3, No 1.
	for ref, want := range map[string]string{"F4": "3", "F5": "1", "F6": "0", "C7": "4", "F7": "4"} {
		if got := cell(t, f, choice, ref); got != want {
			t.Errorf("%s %s = %s, want %s", choice, ref, got, want)
		}
	}
	today := wantSheets[2]
	tally := sd.s.Tally(stepToday)
	for j, c := range tally.Counts {
		if got := cell(t, f, today, fmt.Sprintf("C%d", 4+j)); got != strconv.Itoa(c) {
			t.Errorf("%s point %d: %s, want %d", today, j+1, got, c)
		}
	}
	meanRow := 4 + len(tally.Counts) + 2
	if got := cell(t, f, today, fmt.Sprintf("A%d", meanRow)); got != "Mean" {
		t.Fatalf("%s A%d = %q, want Mean", today, meanRow, got)
	}
	if got := cell(t, f, today, fmt.Sprintf("C%d", meanRow)); !near(got, tally.Mean()) {
		t.Errorf("mean %s, want %v", got, tally.Mean())
	}
	if got := cell(t, f, today, fmt.Sprintf("C%d", meanRow+1)); !near(got, tally.StdDev()) {
		t.Errorf("sd %s, want %v", got, tally.StdDev())
	}
	// The pool of every group on "today" is the room.
	if got := cell(t, f, today, fmt.Sprintf("E%d", meanRow)); !near(got, tally.Mean()) {
		t.Errorf("the pool's mean is %s, want %v", got, tally.Mean())
	}
	text := wantSheets[4]
	for j, w := range sd.s.Tally(stepText).Words(0) {
		if a, c := cell(t, f, text, fmt.Sprintf("A%d", 4+j)), cell(t, f, text, fmt.Sprintf("B%d", 4+j)); a != w.Text || c != strconv.Itoa(w.Count) {
			t.Errorf("%s row %d: %q %s, want %q %d", text, 4+j, a, c, w.Text, w.Count)
		}
	}

	// Profile: the target's gap from today, the largest.
	if got := []string{cell(t, f, export.SheetProfile, "M3"), cell(t, f, export.SheetProfile, "O3")}; !near(cell(t, f, export.SheetProfile, "N3"), sd.s.Profile().Gaps[0].Gap) ||
		!reflect.DeepEqual(got, []string{"split room", "largest gap"}) {
		t.Errorf("the target's split and gap: %q, gap %s", got, cell(t, f, export.SheetProfile, "N3"))
	}
	for j, p := range sd.s.Profile().Entries {
		row := strconv.Itoa(j + 2)
		if cell(t, f, export.SheetProfile, "A"+row) != p.Dimension || cell(t, f, export.SheetProfile, "D"+row) != p.Series ||
			!near(cell(t, f, export.SheetProfile, "E"+row), p.Mean) || !near(cell(t, f, export.SheetProfile, "F"+row), p.Spread) ||
			cell(t, f, export.SheetProfile, "G"+row) != strconv.Itoa(p.N) {
			t.Errorf("Profile row %s differs from %+v", row, p)
		}
	}
}

func TestStepSheetName(t *testing.T) {
	tests := []struct {
		i     int
		title string
		want  string
	}{
		{0, "Pick one", "1 Pick one"},
		{11, "What: now? [draft] a/b\\c*", "12 What now draft a b c"},
		{2, "Vision ↔ Execution: today, our team leans toward…", "3 Vision ↔ Execution today, ou…"},
		{3, "'quoted'", "4 'quoted"},
	}
	for _, tc := range tests {
		if got := export.StepSheetName(tc.i, tc.title); got != tc.want {
			t.Errorf("StepSheetName(%d, %q) = %q, want %q", tc.i, tc.title, got, tc.want)
		}
	}
}

// topLevelKeys are the documented keys of the JSON document.
var topLevelKeys = []string{"agenda", "anonymous", "earlierVotes", "exportedAt", "format", "history", "participants", "profile", "profileGaps", "profileGroups", "session", "settings", "shifts", "steps", "votes"}

func TestJSON(t *testing.T) {
	sd := seed(t, "ended")
	e := sd.export(false)
	data := write(t, e.WriteJSON)
	if !bytes.HasPrefix(data, []byte("{\n  \"format\": \"quorum-export/1\",")) {
		t.Errorf("the document does not start with its indented format: %.60s", data)
	}

	// Round trip through the struct.
	var back export.Export
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&back); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if again := write(t, back.WriteJSON); !bytes.Equal(again, data) {
		t.Errorf("re-encoding the decoded document changes it:\n%s\n---\n%s", again, data)
	}
	// The decoded document writes the same files.
	for name, pair := range map[string][2]func(io.Writer) error{
		"csv":     {e.WriteCSV, back.WriteCSV},
		"summary": {e.WriteSummaryCSV, back.WriteSummaryCSV},
		"html":    {e.WriteHTML, back.WriteHTML},
	} {
		if a, b := write(t, pair[0]), write(t, pair[1]); !bytes.Equal(a, b) {
			t.Errorf("%s from the decoded document differs", name)
		}
	}

	// The documented shape.
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if !reflect.DeepEqual(keys, topLevelKeys) {
		t.Errorf("top-level keys %q, want %q", keys, topLevelKeys)
	}
	if doc["format"] != "quorum-export/1" || doc["anonymous"] != false || doc["exportedAt"] != "2026-11-28T12:00:00Z" {
		t.Errorf("format %v, anonymous %v, exportedAt %v", doc["format"], doc["anonymous"], doc["exportedAt"])
	}
	session := doc["session"].(map[string]any)
	if session["title"] != sd.s.Title || session["status"] != "ended" || session["startedAt"] == nil || session["endedAt"] == nil || session["id"] != sd.s.ID {
		t.Errorf("session %v", session)
	}
	participants := doc["participants"].([]any)
	if len(participants) != 5 {
		t.Fatalf("%d participants, want 5", len(participants))
	}
	for i, p := range participants {
		p := p.(map[string]any)
		if p["id"] != fmt.Sprintf("P%03d", i+1) {
			t.Errorf("participant %d is %v", i, p["id"])
		}
		if _, has := p["name"]; has != (names[i] != "") {
			t.Errorf("participant %v: name present %v, given %q", p["id"], has, names[i])
		}
	}
	if len(doc["history"].([]any)) != len(sd.events) {
		t.Errorf("%d history entries, want %d", len(doc["history"].([]any)), len(sd.events))
	}
	first := doc["history"].([]any)[0].(map[string]any)
	if first["action"] != "start" || first["at"] != sd.events[0].At.Format(time.RFC3339Nano) {
		t.Errorf("first event %v, want start at %s", first, sd.events[0].At)
	}
	if agenda := doc["agenda"].(map[string]any); len(agenda["steps"].([]any)) != len(sd.s.Agenda.Steps) {
		t.Errorf("the agenda snapshot has %d steps", len(agenda["steps"].([]any)))
	}

	// Votes keep the protocol's values: a choice's index from 0, a point, a string.
	wantValues := map[string]any{
		"1/P001": 0.0, "1/P002": 1.0, "2/P003": 7.0, "3/P001": 1.0, "4/P003": "=SUM(A1)", "4/P005": "Listen more",
	}
	for _, v := range doc["votes"].([]any) {
		v := v.(map[string]any)
		key := fmt.Sprintf("%v/%v", v["step"], v["participant"])
		if want, ok := wantValues[key]; ok {
			if v["value"] != want {
				t.Errorf("vote %s: value %#v, want %#v", key, v["value"], want)
			}
			delete(wantValues, key)
		}
	}
	if len(wantValues) > 0 {
		t.Errorf("votes missing: %v", wantValues)
	}
	if len(doc["votes"].([]any)) != 16 {
		t.Errorf("%d votes, want 16", len(doc["votes"].([]any)))
	}

	// Results as the tallies say.
	steps := doc["steps"].([]any)
	for i, st := range steps {
		st := st.(map[string]any)
		r, has := st["results"].(map[string]any)
		if has != sd.s.Agenda.Steps[i].Kind.Votable() {
			t.Errorf("step %d: results present %v", i, has)
			continue
		}
		if has && r["n"] != float64(sd.s.Tally(i).N) {
			t.Errorf("step %d: n %v, want %d", i, r["n"], sd.s.Tally(i).N)
		}
	}
	if r := steps[stepChoice].(map[string]any)["results"].(map[string]any); fmt.Sprint(r["counts"]) != "[3 1 0]" || r["correct"] != 0.0 {
		t.Errorf("choice results %v", r)
	}
	if r := steps[stepToday].(map[string]any)["results"].(map[string]any); r["mean"] != 4.5 || !near(fmt.Sprint(r["stdDev"]), math.Sqrt(3.25)) {
		t.Errorf("scale results %v", r)
	}
	if r := steps[stepText].(map[string]any)["results"].(map[string]any); fmt.Sprint(r["words"]) != "[map[count:3 text:Listen more] map[count:1 text:=SUM(A1)] map[count:1 text:Café]]" {
		t.Errorf("text results %v", r["words"])
	}
	if st := steps[stepSkipped].(map[string]any); st["voting"] != "pending" || st["revealed"] != false {
		t.Errorf("the skipped step: %v", st)
	}
}

var tagPattern = regexp.MustCompile(`<[^>]*>`)

// visibleText is the report's text: tags out, entities decoded, spaces folded.
func visibleText(doc string) string {
	return strings.Join(strings.Fields(html.UnescapeString(tagPattern.ReplaceAllString(doc, " "))), " ")
}

func TestHTMLReport(t *testing.T) {
	sd := seed(t, "ended")
	doc := string(write(t, export.Build(sd.s, sd.events, export.Options{Notes: true, Now: exportedAt}).WriteHTML))
	text := visibleText(doc)

	for _, bad := range []string{"<script", "style=", "<style", "javascript:", " on"} {
		if bad == " on" {
			if m := regexp.MustCompile(`(?i)<[^>]+\son[a-z]+=`).FindString(doc); m != "" {
				t.Errorf("the report has an event handler: %s", m)
			}
			continue
		}
		if strings.Contains(strings.ToLower(doc), bad) {
			t.Errorf("the report contains %q", bad)
		}
	}
	for _, want := range []string{"<!doctype html>", `<html lang="en">`, `<meta charset="utf-8">`, `<link rel="stylesheet" href="/static/app/report.css">`} {
		if !strings.Contains(doc, want) {
			t.Errorf("the report lacks %s", want)
		}
	}
	if got := strings.Count(doc, `<section class="sheet step `); got != len(sd.s.Agenda.Steps) {
		t.Errorf("%d step sections, want one per step (%d)", got, len(sd.s.Agenda.Steps))
	}
	for i, s := range sd.s.Agenda.Steps {
		if !strings.Contains(text, fmt.Sprintf("Step %d · ", i+1)+"") || !strings.Contains(text, s.Title) {
			t.Errorf("the report lacks step %d, %q", i+1, s.Title)
		}
	}
	for _, want := range []string{
		// cover
		"Équipe offsite: café & stratégie!", "Agenda: Team check-in", "Saturday 28 November 2026",
		"Participants 5 Exported", "Duration",
		// choice: counts, percentages, the correct option
		"Yes — 3 (75%) ✓ correct", "No — 1 (25%)", "It depends — 0 (0%)", "4 votes",
		// scale
		"mean 4.5", "spread ± 1.8", "n = 4", "1 · Vision", "Execution · 7",
		// text, every answer with its count
		"Listen more 3 60%", "=SUM(A1) 1 20%", "Café 1 20%", "5 answers, 3 distinct",
		// profile: today's answers at −2/3, 0, 1/3 and 1, the target's at −1, 0 and 1
		"Today +0.17, middle half −0.17 to +0.50, n = 4 Target 0.00, middle half −0.50 to +0.50, n = 3 gap today → target −0.17",
		"split room — discuss (Target) largest gap",
		"Vision ↔ Execution: today → target: 1 moved toward Vision, 0 stayed, 1 moved toward Execution (2 answered both)",
		// notes, paragraphs and lists
		"Facilitator notes", "Leadership is influence.", "Keep the opening short. How to run it:", "open voting", "reveal, then discuss",
		"Start with the largest gap.",
		// state
		"4 of 5 participants answered", "voting never opened", "results not shown to the room",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	// Names show in the list of participants at the end, and nowhere else.
	results, roster, _ := strings.Cut(text, "With names Participants")
	if strings.Contains(results, "Ada") || strings.Contains(results, "Bob") {
		t.Errorf("the report names participants next to its results")
	}
	if want := "Pseudonym Name Steps answered P001 Ada Lovelace 4 P002 no name given 4"; !strings.Contains(roster, want) {
		t.Errorf("the list of participants lacks %q: %s", want, roster)
	}

	// Without asking, the notes stay out.
	plain := visibleText(string(write(t, sd.export(false).WriteHTML)))
	if strings.Contains(plain, "Facilitator notes") || strings.Contains(plain, "Start with the largest gap.") {
		t.Error("the report shows the facilitator's notes unasked")
	}
	// One bar per option, drawn to scale: the most chosen is full width.
	if !strings.Contains(doc, `<rect class="qc-fill" x="0" y="0" width="100.00" height="10"/>`) ||
		!strings.Contains(doc, `<rect class="qc-fill" x="0" y="0" width="33.33" height="10"/>`) {
		t.Errorf("the choice bars are not drawn to scale")
	}
	if n := strings.Count(doc, `<rect class="qs-fill"`); n != 7+5 {
		t.Errorf("%d histogram columns, want 12", n)
	}
}

// TestAnonymous: a session whose phones were told "Your answers are
// anonymous" (names hidden, the default) exports no name and no segment in
// any format, whatever the facilitator asks for; a session whose phones
// said names are visible exports them unless asked not to.
func TestAnonymous(t *testing.T) {
	secret := []string{"Ada", "Lovelace", "Zoë", "Ünal", "cmd()", "Bob"}
	kept := []string{"P001", "P005"}
	for _, tc := range []struct {
		names         quorum.Names
		askAnonymous  bool
		wantAnonymous bool
	}{
		{quorum.NamesHidden, false, true},
		{quorum.NamesHidden, true, true},
		{quorum.NamesVisible, false, false},
		{quorum.NamesVisible, true, true},
	} {
		t.Run(fmt.Sprintf("%s/anonymous=%v", tc.names, tc.askAnonymous), func(t *testing.T) {
			sd := seed(t, "ended")
			sd.s.Names = tc.names
			anonymous := tc.wantAnonymous
			e := sd.export(tc.askAnonymous)
			files := map[string]string{
				"csv":     string(write(t, e.WriteCSV)),
				"summary": string(write(t, e.WriteSummaryCSV)),
				"json":    string(write(t, e.WriteJSON)),
				"html":    string(write(t, e.WriteHTML)),
				"xlsx":    testserver.Unzipped(t, write(t, e.WriteXLSX)),
			}
			for format, content := range files {
				for _, name := range secret {
					if got := strings.Contains(content, name); got && anonymous {
						t.Errorf("anonymous %s contains the name %q", format, name)
					}
				}
				if format == "csv" || format == "json" || format == "xlsx" {
					for _, k := range kept {
						if !strings.Contains(content, k) {
							t.Errorf("%s (anonymous %v) lacks %q", format, anonymous, k)
						}
					}
					if !anonymous && !strings.Contains(content, "Ada Lovelace") {
						t.Errorf("%s without anonymous lacks the names", format)
					}
					// Segments are raw data only with the names: in an anonymous
					// export a small group's answers would be its members'.
					if format != "json" && strings.Contains(content, "Manager") == anonymous {
						t.Errorf("%s (anonymous %v) has segments: %v", format, anonymous, !anonymous)
					}
				}
			}
			// The report says which it is; only with names does it list the participants.
			report := visibleText(files["html"])
			cover := map[quorum.Names]string{
				quorum.NamesHidden:  "Names Anonymous, as the phones promised: no names, no groups of participants.",
				quorum.NamesVisible: "Names Anonymous: names and groups of participants left out.",
			}[tc.names]
			if !anonymous {
				cover = "Names With names: the participants are listed at the end, never next to an answer."
			}
			if !strings.Contains(report, cover) {
				t.Errorf("the report's cover lacks %q", cover)
			}
			if strings.Contains(report, "With names Participants") == anonymous {
				t.Errorf("the report lists the participants: %v, want %v", !anonymous, !anonymous)
			}
			if !strings.Contains(files["json"], fmt.Sprintf(`"anonymous": %v`, anonymous)) {
				t.Errorf("the JSON does not say anonymous: %v", anonymous)
			}
			if !strings.Contains(files["json"], fmt.Sprintf(`"names": %q`, tc.names)) {
				t.Errorf("the JSON does not say names: %q", tc.names)
			}
		})
	}
}

func TestFilename(t *testing.T) {
	day := time.Date(2026, 11, 28, 23, 30, 0, 0, time.UTC)
	tests := []struct {
		title     string
		started   bool
		anonymous bool
		loc       *time.Location
		ext       string
		want      string
	}{
		{"Leadership offsite", true, false, nil, "csv", "leadership-offsite-2026-11-28.csv"},
		{"Leadership offsite", true, false, nil, ".xlsx", "leadership-offsite-2026-11-28.xlsx"},
		{"Leadership offsite", true, true, nil, "-summary.csv", "leadership-offsite-2026-11-28-anonymous-summary.csv"},
		{"Leadership offsite", true, false, nil, "-summary.csv", "leadership-offsite-2026-11-28-summary.csv"},
		{"Leadership offsite", false, false, nil, "json", "leadership-offsite-2026-11-27.json"}, // created the day before
		{"Leadership offsite", true, false, time.FixedZone("CET", 3600), "html", "leadership-offsite-2026-11-29.html"},
		{"Équipe à Zürich — Straße & Œuvre!", true, false, nil, "csv", "equipe-a-zurich-strasse-oeuvre-2026-11-28.csv"},
		{"  Q&A: 2027 plans (v2)…  ", true, false, nil, "csv", "q-a-2027-plans-v2-2026-11-28.csv"},
		{"", true, false, nil, "csv", "quorum-session-2026-11-28.csv"},
		{"!!! ??? —", true, false, nil, "csv", "quorum-session-2026-11-28.csv"},
		{"日本語のワークショップ", true, false, nil, "csv", "quorum-session-2026-11-28.csv"},
		{"Łódź ĳssel Ærø", true, false, nil, "", "lodz-ijssel-aero-2026-11-28"},
		{strings.Repeat("abcdefghij ", 10), true, false, nil, "csv", "abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij-2026-11-28.csv"},
	}
	for _, tc := range tests {
		e := &export.Export{Session: export.Session{Title: tc.title, CreatedAt: day.Add(-24 * time.Hour)}, Anonymous: tc.anonymous}
		if tc.started {
			e.Session.StartedAt = &day
		}
		if tc.loc != nil {
			s := seed(t, "lobby")
			s.s.Title, s.s.CreatedAt = tc.title, day
			e = export.Build(s.s, nil, export.Options{Location: tc.loc, Now: exportedAt})
		}
		if got := e.Filename(tc.ext); got != tc.want {
			t.Errorf("Filename(%q) of %q = %q, want %q", tc.ext, tc.title, got, tc.want)
		}
	}
}

func TestStates(t *testing.T) {
	tests := []struct {
		stop     string
		duration string
		votes    int
		status   quorum.Status
	}{
		{"lobby", "not started", 0, quorum.StatusLobby},
		{"live", "still live", 16, quorum.StatusLive},
		{"ended", "", 16, quorum.StatusEnded},
	}
	for _, tc := range tests {
		t.Run(tc.stop, func(t *testing.T) {
			sd := seed(t, tc.stop)
			e := sd.export(false)
			if e.Session.Status != tc.status || len(e.Votes) != tc.votes {
				t.Errorf("status %s with %d votes, want %s with %d", e.Session.Status, len(e.Votes), tc.status, tc.votes)
			}
			text := visibleText(string(write(t, e.WriteHTML)))
			if tc.duration != "" && !strings.Contains(text, "Duration "+tc.duration) {
				t.Errorf("the report does not say %q", tc.duration)
			}
			if tc.stop == "ended" && !regexp.MustCompile(`Duration (\d+ h )?\d+ min`).MatchString(text) {
				t.Errorf("the report has no duration: %.300s", text)
			}
			// Every format writes.
			for _, f := range []func(io.Writer) error{e.WriteCSV, e.WriteSummaryCSV, e.WriteJSON, e.WriteXLSX} {
				write(t, f)
			}
		})
	}
}

func TestEmptyAgendaParts(t *testing.T) {
	// No segments, no dimensions, nobody joined.
	a := mustAgenda(t, `{"title": "Bare", "steps": [
		{"kind": "text", "title": "Say something"},
		{"kind": "scale", "title": "How much?", "left": "Little", "right": "Lots", "points": 5}]}`)
	sd := newSeeded(t, a, "")
	e := export.Build(sd.s, nil, export.Options{Now: exportedAt})
	f, err := excelize.OpenReader(bytes.NewReader(write(t, e.WriteXLSX)))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{"Summary", "1 Say something", "2 How much", "Responses"}) {
		t.Errorf("sheets %q", got)
	}
	rows := readCSV(t, write(t, e.WriteSummaryCSV))
	if len(rows) != 1+1+5 {
		t.Errorf("summary rows %q", rows)
	}
	text := visibleText(string(write(t, e.WriteHTML)))
	for _, want := range []string{"No answers", "n = 0", "Participants 0"} {
		if !strings.Contains(text, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if strings.Contains(text, "Room profile") {
		t.Errorf("a report without dimensions has a profile")
	}
}

func TestBuiltinAgenda(t *testing.T) {
	sd := seedBuiltin(t, 40)
	e := sd.export(false)
	text := visibleText(string(write(t, e.WriteHTML)))
	for _, s := range sd.s.Agenda.Steps {
		if !strings.Contains(text, s.Title) {
			t.Errorf("the report lacks %q", s.Title)
		}
	}
	f, err := excelize.OpenReader(bytes.NewReader(write(t, e.WriteXLSX)))
	if err != nil {
		t.Fatal(err)
	}
	votable := 0
	for _, s := range sd.s.Agenda.Steps {
		if s.Kind.Votable() {
			votable++
		}
	}
	// Summary, Responses, Profile, Shifts (today → target) and Groups.
	if got := len(f.GetSheetList()); got != votable+5 {
		t.Errorf("%d sheets, want %d", got, votable+5)
	}
	if rows := readCSV(t, write(t, e.WriteCSV)); len(rows)-1 != len(e.Votes) || len(e.Votes) != 40*votable {
		t.Errorf("%d CSV rows for %d votes", len(rows)-1, len(e.Votes))
	}
	if dir := os.Getenv("QUORUM_EXPORT_DIR"); dir != "" {
		// For looking at the files: QUORUM_EXPORT_DIR=/tmp go test -run Builtin ./internal/export/
		for ext, f := range map[string]func(io.Writer) error{"html": e.WriteHTML, "xlsx": e.WriteXLSX, "csv": e.WriteCSV, "-summary.csv": e.WriteSummaryCSV, "json": e.WriteJSON} {
			if err := os.WriteFile(filepath.Join(dir, e.Filename(ext)), write(t, f), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for _, small := range []*export.Export{seed(t, "ended").export(false), seedRounds(t).export(false)} {
			if err := os.WriteFile(filepath.Join(dir, small.Filename("html")), write(t, small.WriteHTML), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
