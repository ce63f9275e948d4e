package export_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/quorum-workshop/quorum/internal/export"
	"github.com/quorum-workshop/quorum/internal/quorum"
)

// roundsAgenda has three segments, one of them (Board) a single person, a
// scale asked twice, a today → target pair and a step only two people from
// small groups answer:
//
//	0 choice, 1 scale today (two rounds), 2 scale target, 3 profile, 4 choice "Tiny"
const roundsAgenda = `{
  "title": "Pace check",
  "segments": ["Sales", "Ops", "Board"],
  "steps": [
    {"kind": "choice", "title": "Ship on Friday?", "options": ["Yes", "No", "Zed"]},
    {"kind": "scale", "title": "Pace today", "left": "Slow", "right": "Fast", "points": 5, "dimension": "pace", "series": "today"},
    {"kind": "scale", "title": "Pace target", "left": "Slow", "right": "Fast", "points": 5, "dimension": "pace", "series": "target"},
    {"kind": "profile", "title": "Our pace"},
    {"kind": "choice", "title": "Tiny", "options": ["X", "Y"]}
  ]
}`

const (
	rStepChoice = 0
	rStepToday  = 1
	rStepTarget = 2
	rStepTiny   = 4
	// board is the one member of the Board segment, proxy the person the
	// facilitator votes for.
	board = 8
	proxy = 9
)

// castProxy records a vote the facilitator enters for someone without a
// phone: the session's one proxy, added on its first vote.
func (sd *seeded) castProxy(step int, v quorum.Value) {
	sd.t.Helper()
	sd.seq++
	id := ""
	for _, p := range sd.people {
		if p.Proxy {
			id = p.ID
		}
	}
	p, _, _, err := sd.s.CastAsProxy(id, step, quorum.AnyRound, v, "m"+strconv.Itoa(sd.seq), sd.tick())
	if err != nil {
		sd.t.Fatalf("CastAsProxy(step %d, %+v): %v", step, v, err)
	}
	if id == "" {
		sd.people = append(sd.people, *p)
	}
}

// castAll casts a point or option for participants from 0 on; -1 skips one.
func (sd *seeded) castAll(step int, values ...int) {
	sd.t.Helper()
	for who, v := range values {
		if v >= 0 {
			sd.cast(who, step, quorum.Value{Number: v})
		}
	}
}

// seedRounds plays roundsAgenda: Sales are P001–P004, Ops P005–P008, Board
// P009, and the proxy P010.
func seedRounds(t testing.TB) *seeded {
	t.Helper()
	sd := newSeeded(t, mustAgenda(t, roundsAgenda), "Pace check")
	for _, seg := range []string{"Sales", "Sales", "Sales", "Sales", "Ops", "Ops", "Ops", "Ops", "Board"} {
		sd.join("", seg)
	}
	sd.do(quorum.ActionStart)
	sd.do(quorum.ActionOpen)
	sd.castAll(rStepChoice, 0, 0, 0, 0, 0, 0, 1, 1, 2) // Board alone says "Zed"
	sd.do(quorum.ActionClose)

	sd.do(quorum.ActionNext)
	sd.do(quorum.ActionOpen)
	sd.castAll(rStepToday, 2, 2, 3, 3, 4, 4, 5, 5, 1)
	sd.do(quorum.ActionClose)
	sd.do(quorum.ActionRound)
	sd.do(quorum.ActionOpen)
	// P001 moves toward Fast, P006 and P008 toward Slow, five stay; Board
	// does not answer again, the proxy answers only now.
	sd.castAll(rStepToday, 3, 2, 3, 3, 4, 3, 5, 4)
	sd.castProxy(rStepToday, quorum.Value{Number: 5})
	sd.do(quorum.ActionClose)
	sd.do(quorum.ActionReveal)

	sd.do(quorum.ActionNext)
	sd.do(quorum.ActionOpen)
	sd.castAll(rStepTarget, 1, 1, 1, 2, 5, 5, 4, 4, 5) // Sales to Slow, Ops to Fast: a split room
	sd.do(quorum.ActionClose)

	sd.do(quorum.ActionNext)
	sd.do(quorum.ActionReveal)
	sd.do(quorum.ActionNext)
	sd.do(quorum.ActionOpen)
	sd.cast(board, rStepTiny, quorum.Value{Number: 0})
	sd.cast(4, rStepTiny, quorum.Value{Number: 1})
	sd.do(quorum.ActionEnd)
	return sd
}

// roundShift and seriesShift are who moved in seedRounds.
var (
	roundShift  = quorum.Shift{Dimension: "pace", Step: rStepToday, From: "Round 1", To: "Round 2", Left: "Slow", Right: "Fast", Paired: 8, TowardLeft: 2, Stayed: 5, TowardRight: 1}
	seriesShift = quorum.Shift{Dimension: "pace", Step: -1, From: "today", To: "target", Left: "Slow", Right: "Fast", Paired: 8, TowardLeft: 5, Stayed: 1, TowardRight: 2}
)

func TestRoundsSeed(t *testing.T) {
	sd := seedRounds(t)
	if got := sd.s.Shifts(); !reflect.DeepEqual(got, []quorum.Shift{seriesShift, roundShift}) {
		t.Fatalf("the seed's shifts are %+v", got)
	}
	if g := sd.s.GroupsOf(rStepTiny); len(g) != 1 || !g[0].Hidden {
		t.Fatalf("the tiny step's groups are %+v, want one hidden pool", g)
	}
}

func TestRoundsJSON(t *testing.T) {
	sd := seedRounds(t)
	for _, anonymous := range []bool{false, true} {
		e := sd.export(anonymous)
		data := write(t, e.WriteJSON)
		var doc struct {
			Settings     quorum.Settings
			Participants []map[string]any
			Steps        []struct {
				Round   int
				Results *export.Results
				Rounds  []export.Results
				Groups  []map[string]any
			}
			Votes, EarlierVotes []export.Vote
			ProfileGaps         []quorum.ProfileGap
			ProfileGroups       []map[string]any
			Shifts              []quorum.Shift
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}

		// The decoded document writes the same files.
		var back export.Export
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatal(err)
		}
		for name, pair := range map[string][2]func(io.Writer) error{
			"csv": {e.WriteCSV, back.WriteCSV}, "summary": {e.WriteSummaryCSV, back.WriteSummaryCSV}, "html": {e.WriteHTML, back.WriteHTML},
		} {
			if !bytes.Equal(write(t, pair[0]), write(t, pair[1])) {
				t.Errorf("anonymous %v: the %s from the decoded document differs", anonymous, name)
			}
		}

		// Round 2 apart from round 1.
		today := doc.Steps[rStepToday]
		if today.Round != 2 || len(today.Rounds) != 1 {
			t.Fatalf("today: round %d with %d earlier rounds, want round 2 after 1", today.Round, len(today.Rounds))
		}
		if got := today.Rounds[0].Counts; !reflect.DeepEqual(got, []int{1, 2, 2, 2, 2}) {
			t.Errorf("round 1 counts %v", got)
		}
		if got := today.Results.Counts; !reflect.DeepEqual(got, []int{0, 1, 4, 2, 2}) {
			t.Errorf("round 2 counts %v", got)
		}
		if doc.Steps[rStepChoice].Round != 1 || doc.Steps[rStepChoice].Rounds != nil {
			t.Errorf("a step asked once: round %d, rounds %v", doc.Steps[rStepChoice].Round, doc.Steps[rStepChoice].Rounds)
		}
		rounds := map[[2]int]int{} // step, round → votes
		for _, v := range doc.Votes {
			rounds[[2]int{v.Step, v.Round}]++
		}
		for _, v := range doc.EarlierVotes {
			rounds[[2]int{v.Step, -v.Round}]++
		}
		if rounds[[2]int{rStepToday, 2}] != 9 || rounds[[2]int{rStepToday, -1}] != 9 || rounds[[2]int{rStepToday, 1}] != 0 || len(doc.EarlierVotes) != 9 {
			t.Errorf("votes by step and round (earlier rounds negative): %v", rounds)
		}

		// The proxy is marked, and only the proxy.
		for i, p := range doc.Participants {
			if got := p["proxy"] == true; got != (i == proxy) {
				t.Errorf("participant %v: proxy %v", p["id"], p["proxy"])
			}
			if _, has := p["segment"]; has && anonymous {
				t.Errorf("anonymous participant %v has a segment", p["id"])
			}
		}

		// Who moved.
		if !reflect.DeepEqual(doc.Shifts, []quorum.Shift{seriesShift, roundShift}) {
			t.Errorf("shifts %+v", doc.Shifts)
		}
		if len(doc.ProfileGaps) != 1 || !doc.ProfileGaps[0].Largest || doc.ProfileGaps[0].From != "today" {
			t.Errorf("profile gaps %+v", doc.ProfileGaps)
		}
		if doc.Settings != sd.s.Settings {
			t.Errorf("settings %+v, want %+v", doc.Settings, sd.s.Settings)
		}

		// Groups: Ops alone is shown on the first step; Board never.
		if g := doc.Steps[rStepChoice].Groups; len(g) != 2 || g[0]["group"] != "Ops" || fmt.Sprint(g[0]["results"].(map[string]any)["counts"]) != "[2 2 0]" || g[1]["group"] != quorum.OtherGroups {
			t.Errorf("the choice's groups: %v", g)
		}
		if g := doc.Steps[rStepTiny].Groups; len(g) != 1 || g[0]["hidden"] != true || g[0]["results"] != nil {
			t.Errorf("the tiny step's groups: %v", g)
		}
		for _, g := range doc.ProfileGroups {
			if g["hidden"] == true && g["profile"] != nil {
				t.Errorf("a hidden profile group has a profile: %v", g)
			}
		}
		// Board is in the agenda, and in the participants of a named export:
		// nowhere else.
		var rest bytes.Buffer
		for _, part := range []any{doc.Steps, doc.ProfileGroups, doc.Shifts} {
			b, _ := json.Marshal(part)
			rest.Write(b)
		}
		if strings.Contains(rest.String(), "Board") {
			t.Errorf("the JSON's results name the Board: %s", rest.String())
		}
		if n := strings.Count(string(data), `"Board"`); n != map[bool]int{false: 2, true: 1}[anonymous] {
			t.Errorf("anonymous %v: the JSON names the Board %d times", anonymous, n)
		}
	}
}

func TestRoundsCSV(t *testing.T) {
	sd := seedRounds(t)
	for _, anonymous := range []bool{false, true} {
		rows := readCSV(t, write(t, sd.export(anonymous).WriteCSV))
		if want := csvSafe(expectedResponses(sd, anonymous)); !reflect.DeepEqual(rows[1:], want) {
			t.Errorf("anonymous %v: rows\n got %q\nwant %q", anonymous, rows[1:], want)
		}
		var order []string
		for _, r := range rows[1:] {
			if r[0] == strconv.Itoa(rStepToday+1) {
				order = append(order, r[9])
			}
			if got, want := r[10], map[bool]string{true: "yes", false: "no"}[r[3] == "P010"]; got != want {
				t.Errorf("%s: proxy %q, want %q", r[3], got, want)
			}
			if anonymous && r[5] != "" {
				t.Errorf("an anonymous row has the segment %q", r[5])
			}
		}
		if got := strings.Join(order, ""); got != strings.Repeat("1", 9)+strings.Repeat("2", 9) {
			t.Errorf("today's rows by round: %s, want round 1's nine then round 2's", got)
		}
	}
}

func TestRoundsSummaryCSV(t *testing.T) {
	sd := seedRounds(t)
	rows := readCSV(t, write(t, sd.export(false).WriteSummaryCSV))
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	get := func(r []string, names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, r[col[n]])
		}
		return out
	}
	counts := map[string][]string{} // kind/step/round/group → counts
	var shifts, profile [][]string
	for _, r := range rows[1:] {
		if strings.Contains(strings.Join(r, ","), "Board") {
			t.Errorf("a summary row names the Board: %q", r)
		}
		switch r[col["kind"]] {
		case "shift":
			shifts = append(shifts, get(r, "step", "round", "value", "value_label", "count", "percent", "n"))
		case "profile":
			profile = append(profile, get(r, "group", "value", "n", "mean", "q1", "median", "q3", "left_share", "right_share", "split", "gap", "largest_gap"))
		default:
			key := strings.Join(get(r, "step", "round", "group"), "/")
			counts[key] = append(counts[key], r[col["count"]])
		}
	}
	for key, want := range map[string]string{
		"2/1/":                        "1 2 2 2 2",
		"2/2/":                        "0 1 4 2 2",
		"2/2/Ops":                     "0 0 1 2 1",
		"2/2/Other groups (2 groups)": "0 1 3 0 1",
		"1/1/Ops":                     "2 2 0",
		"5/1/":                        "1 1",
		"5/1/Other groups (2 groups)": "", // hidden: one row, no count
	} {
		if got := strings.Join(counts[key], " "); got != want {
			t.Errorf("%s: counts %q, want %q", key, got, want)
		}
	}
	wantShifts := [][]string{
		{"2", "2", "toward_left", "Round 1 → Round 2: moved toward Slow", "2", "25.0", "8"},
		{"2", "2", "stayed", "Round 1 → Round 2: stayed", "5", "62.5", "8"},
		{"2", "2", "toward_right", "Round 1 → Round 2: moved toward Fast", "1", "12.5", "8"},
		{"4", "", "toward_left", "Slow ↔ Fast: today → target: moved toward Slow", "5", "62.5", "8"},
		{"4", "", "stayed", "Slow ↔ Fast: today → target: stayed", "1", "12.5", "8"},
		{"4", "", "toward_right", "Slow ↔ Fast: today → target: moved toward Fast", "2", "25.0", "8"},
	}
	if !reflect.DeepEqual(shifts, wantShifts) {
		t.Errorf("shift rows\n got %q\nwant %q", shifts, wantShifts)
	}
	// Today (round 2) and target, with the target's gap; then Ops, then the pool.
	p := sd.s.Profile()
	f2 := func(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }
	today, target := p.Entries[0], p.Entries[1]
	wantProfile := [][]string{
		{"", "pace/today", "9", f2(today.Mean), f2(today.Q1), f2(today.Median), f2(today.Q3), "11.1", "44.4", "no", "", ""},
		{"", "pace/target", "9", f2(target.Mean), f2(target.Q1), f2(target.Median), f2(target.Q3), "44.4", "55.6", "yes", f2(target.Mean - today.Mean), "yes"},
	}
	if !reflect.DeepEqual(profile[:2], wantProfile) {
		t.Errorf("profile rows\n got %q\nwant %q", profile[:2], wantProfile)
	}
	var groups []string
	for _, r := range profile[2:] {
		groups = append(groups, r[0]+":"+r[2])
	}
	if got := strings.Join(groups, " "); got != "Ops:4 Ops:4 Other groups (3 groups):5 Other groups (3 groups):5" {
		t.Errorf("profile group rows %s", got)
	}
}

func TestRoundsXLSX(t *testing.T) {
	sd := seedRounds(t)
	for _, anonymous := range []bool{false, true} {
		data := write(t, sd.export(anonymous).WriteXLSX)
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		sheets := f.GetSheetList()
		for _, want := range []string{export.SheetResponses, export.SheetProfile, export.SheetShifts, export.SheetGroups} {
			if !contains(sheets, want) {
				t.Errorf("no sheet %s in %q", want, sheets)
			}
		}

		// Responses: the round and proxy columns.
		rows, _ := f.GetRows(export.SheetResponses)
		want := expectedResponses(sd, anonymous)
		if len(rows)-1 != len(want) {
			t.Fatalf("Responses has %d rows, want %d", len(rows)-1, len(want))
		}
		for i, w := range want {
			if got := rows[i+1][9:]; !reflect.DeepEqual(got, w[9:]) {
				t.Errorf("Responses row %d: round and proxy %q, want %q", i+2, got, w[9:])
			}
		}

		// The today step's sheet: round 2 in C, round 1 to the right, then Ops.
		today := export.StepSheetName(rStepToday, "Pace today")
		head, _ := f.GetRows(today)
		if got := head[2]; !reflect.DeepEqual(got, []string{"Point", "Label", "Votes", "%", "Round 1 votes", "Round 1 %", "Ops", "Other groups (2 groups)"}) {
			t.Errorf("%s headers %q", today, got)
		}
		for j, c := range []int{1, 2, 2, 2, 2} {
			if got := cell(t, f, today, fmt.Sprintf("E%d", 4+j)); got != strconv.Itoa(c) {
				t.Errorf("round 1, point %d: %s, want %d", j+1, got, c)
			}
		}
		if got := cell(t, f, today, "C4"); got != "0" {
			t.Errorf("round 2, point 1: %s, want 0", got)
		}

		// Shifts.
		shifts, _ := f.GetRows(export.SheetShifts)
		if got := shifts[1:3]; !reflect.DeepEqual(got, [][]string{
			{"", "pace", "today", "target", "Slow", "Fast", "8", "5", "1", "2"},
			{"2", "Pace today", "Round 1", "Round 2", "Slow", "Fast", "8", "2", "5", "1"},
		}) {
			t.Errorf("Shifts rows %q", got)
		}

		// The tiny step's pool is hidden: no column, a note.
		tiny := export.StepSheetName(rStepTiny, "Tiny")
		tinyRows, _ := f.GetRows(tiny)
		if got := tinyRows[2]; len(got) != 5 {
			t.Errorf("%s headers %q, want no group column", tiny, got)
		}
		if !strings.Contains(fmt.Sprint(tinyRows), "Other groups (2 groups): hidden: fewer than 3 answers.") {
			t.Errorf("%s does not say its pool is hidden: %q", tiny, tinyRows)
		}

		// Groups: the steps' groups, then the profile's.
		groups, _ := f.GetRows(export.SheetGroups)
		var lines []string
		for _, r := range groups[1:] {
			lines = append(lines, strings.Join(r, "|"))
		}
		for _, want := range []string{
			"1|Ship on Friday?|Ops|4|Yes / No — 2 each of 4 (50%)",
			"2|Pace today|Ops|4|mean 4.0 of 5 (Slow ↔ Fast), spread ± 0.7, n = 4",
			"5|Tiny|Other groups (2 groups)||hidden: fewer than 3 answers",
			"Ops|pace|Slow|Fast|target|+0.75|0.25|4",
			"Other groups (3 groups)|pace|Slow|Fast|today|",
		} {
			found := false
			for _, l := range lines {
				found = found || strings.HasPrefix(l, want)
			}
			if !found {
				t.Errorf("the Groups sheet has no row %q:\n%s", want, strings.Join(lines, "\n"))
			}
		}

		// Board shows nowhere but in the named Responses sheet.
		for _, sheet := range sheets {
			rows, _ := f.GetRows(sheet)
			has := strings.Contains(fmt.Sprint(rows), "Board")
			if has && (anonymous || sheet != export.SheetResponses) {
				t.Errorf("anonymous %v: sheet %s names the Board", anonymous, sheet)
			}
		}
		f.Close()
	}
}

func TestRoundsReport(t *testing.T) {
	sd := seedRounds(t)
	for _, anonymous := range []bool{false, true} {
		text := visibleText(string(write(t, sd.export(anonymous).WriteHTML)))
		for _, want := range []string{
			"Step 2 · Scale · round 2",
			"Every round",
			"Round 1 1 2 2 2 2 9 3.2 ± 1.3",
			"Round 2 (above) 0 1 4 2 2 9 3.6 ± 1.0",
			"Who moved Round 1 → Round 2: 2 moved toward Slow, 5 stayed, 1 moved toward Fast (8 answered both)",
			"Who moved Slow ↔ Fast: today → target: 5 moved toward Slow, 1 stayed, 2 moved toward Fast (8 answered both)",
			"9 of 10 participants answered (1 proxy vote)",
			"split room — discuss (Target)",
			"largest gap",
			"By group, round 2 Group 1 (Slow) 2 3 4 5 (Fast) n Mean Spread Ops 0 0 1 2 1 4 4.0 ± 0.7 Other groups (2 groups) 0 1 3 0 1 5 3.2 ± 1.0",
			"By group Group Yes No Zed n Ops 2 (50%) 2 (50%) 0 (0%) 4",
			"Other groups (2 groups) hidden: fewer than 3 answers",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("anonymous %v: the report lacks %q", anonymous, want)
			}
		}
		cover := map[bool]string{
			false: "Participants 10 (Sales 4, Ops 4, Other groups 2) · 1 voted by proxy Exported",
			true:  "Participants 10 · 1 voted by proxy Exported", // an anonymous export has no groups
		}[anonymous]
		if !strings.Contains(text, cover) {
			t.Errorf("anonymous %v: the cover lacks %q", anonymous, cover)
		}
		if strings.Contains(text, "Board") {
			t.Errorf("anonymous %v: the report names the Board", anonymous)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
