package export

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// Sheet names of the workbook, besides one sheet per voting step.
const (
	SheetSummary   = "Summary"
	SheetResponses = "Responses"
	SheetProfile   = "Profile"
	SheetShifts    = "Shifts"
	SheetGroups    = "Groups"
)

// ResponseHeaders are the header cells of the Responses sheet; the columns
// are those of the responses CSV.
var ResponseHeaders = []string{"Step", "Step title", "Kind", "Participant", "Name", "Segment", "Value", "Value label", "Voted at", "Round", "Proxy"}

// votedAtColumn is the index of "Voted at" in ResponseHeaders: the sheet
// names the time zone there.
const votedAtColumn = 8

// SummaryHeaders head the table of steps on the Summary sheet.
var SummaryHeaders = []string{"Step", "Title", "Kind", "Responses", "Result"}

// ProfileHeaders head the Profile sheet.
var ProfileHeaders = []string{"Dimension", "Left pole (−1)", "Right pole (+1)", "Series", "Mean", "Spread", "n",
	"Q1", "Median", "Q3", "Left share", "Right share", "Split", "Gap", "Largest gap"}

// ShiftHeaders head the Shifts sheet: who moved between rounds and series.
var ShiftHeaders = []string{"Step", "Compared", "From", "To", "Left pole", "Right pole", "Answered both", "Toward left pole", "Stayed", "Toward right pole"}

// GroupHeaders head the Groups sheet's table of steps by group, and
// ProfileGroupHeaders its table of the profile by group.
var (
	GroupHeaders        = []string{"Step", "Title", "Group", "n", "Result"}
	ProfileGroupHeaders = append([]string{"Group"}, ProfileHeaders...)
)

// StepSheetName is the sheet of step i (from 0): its number and title, cut
// to Excel's 31 characters, without the characters Excel refuses.
func StepSheetName(i int, title string) string {
	name := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return ' '
		}
		return r
	}, fmt.Sprintf("%d %s", i+1, title))
	name = strings.Join(strings.Fields(name), " ")
	name = strings.TrimRight(name, "'")
	const limit = 31 // UTF-16 code units
	if len(utf16.Encode([]rune(name))) <= limit {
		return name
	}
	var b strings.Builder
	units := 0
	for _, r := range name {
		u := len(utf16.Encode([]rune{r}))
		if units+u > limit-1 {
			break
		}
		b.WriteRune(r)
		units += u
	}
	return strings.TrimRight(b.String(), " '") + "…"
}

// xlsxStyles are the cell styles of the workbook.
type xlsxStyles struct {
	title, subtitle, label, header, pct, dec2, signed, datetime, total, totalPct, wrap int
}

func newStyles(f *excelize.File) (xlsxStyles, error) {
	var s xlsxStyles
	var err error
	add := func(dst *int, st *excelize.Style) {
		if err == nil {
			*dst, err = f.NewStyle(st)
		}
	}
	pctFmt, dec2Fmt, signedFmt, dtFmt := "0.0%", "0.00", `+0.00;"−"0.00;0.00`, "yyyy-mm-dd hh:mm:ss"
	top := []excelize.Border{{Type: "top", Color: "161B22", Style: 1}}
	add(&s.title, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	add(&s.subtitle, &excelize.Style{Font: &excelize.Font{Color: "4D5866"}})
	add(&s.label, &excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Vertical: "top"}})
	add(&s.header, &excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"EEF1F4"}},
		Border:    []excelize.Border{{Type: "bottom", Color: "161B22", Style: 1}},
		Alignment: &excelize.Alignment{Vertical: "center"},
	})
	add(&s.pct, &excelize.Style{CustomNumFmt: &pctFmt})
	add(&s.dec2, &excelize.Style{CustomNumFmt: &dec2Fmt})
	add(&s.signed, &excelize.Style{CustomNumFmt: &signedFmt})
	add(&s.datetime, &excelize.Style{CustomNumFmt: &dtFmt})
	add(&s.total, &excelize.Style{Font: &excelize.Font{Bold: true}, Border: top})
	add(&s.totalPct, &excelize.Style{Font: &excelize.Font{Bold: true}, Border: top, CustomNumFmt: &pctFmt})
	add(&s.wrap, &excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	return s, err
}

// sheetWriter fills one sheet and remembers how wide each column must be.
type sheetWriter struct {
	f      *excelize.File
	name   string
	err    error
	widths map[int]float64
}

func (w *sheetWriter) set(col, row int, v any, style int) {
	w.put(col, row, v, style, true)
}

// setWide writes a cell whose text may be as long as it likes without
// widening its column (titles, bodies).
func (w *sheetWriter) setWide(col, row int, v any, style int) {
	w.put(col, row, v, style, false)
}

func (w *sheetWriter) put(col, row int, v any, style int, measure bool) {
	if w.err != nil {
		return
	}
	ref, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		w.err = err
		return
	}
	if err := w.f.SetCellValue(w.name, ref, v); err != nil {
		w.err = err
		return
	}
	if style != 0 {
		if err := w.f.SetCellStyle(w.name, ref, ref, style); err != nil {
			w.err = err
			return
		}
	}
	if measure {
		width := 8.0
		switch x := v.(type) {
		case string:
			width = float64(utf8.RuneCountInString(x)) + 2
		case time.Time:
			width = 20
		}
		if width > w.widths[col] {
			w.widths[col] = width
		}
	}
}

func (w *sheetWriter) row(row int, style int, values ...any) {
	for i, v := range values {
		w.set(i+1, row, v, style)
	}
}

// finish sets the column widths (between min and 60 characters) and
// freezes the rows above headerRow+1 when headerRow > 0.
func (w *sheetWriter) finish(headerRow int, minWidth float64) error {
	for col, width := range w.widths {
		if w.err != nil {
			break
		}
		name, err := excelize.ColumnNumberToName(col)
		if err != nil {
			return err
		}
		w.err = w.f.SetColWidth(w.name, name, name, min(60, max(minWidth, width)))
	}
	if w.err == nil && headerRow > 0 {
		top := fmt.Sprintf("A%d", headerRow+1)
		w.err = w.f.SetPanes(w.name, &excelize.Panes{
			Freeze:      true,
			YSplit:      headerRow,
			TopLeftCell: top,
			ActivePane:  "bottomLeft",
			Selection:   []excelize.Selection{{SQRef: top, ActiveCell: top, Pane: "bottomLeft"}},
		})
	}
	return w.err
}

// excelTime is t as the wall-clock time people read, for a date cell
// (Excel's dates have no time zone), to the second: a spreadsheet would
// round 09:11:02.750 up to 09:11:03 on display.
func (e *Export) excelTime(t time.Time) time.Time {
	l := e.local(t)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
}

func (e *Export) zoneName() string {
	if e.Session.StartedAt != nil {
		return e.local(*e.Session.StartedAt).Format("MST")
	}
	return e.local(e.Session.CreatedAt).Format("MST")
}

// WriteXLSX writes the workbook: a Summary sheet, one sheet per voting
// step, a Responses sheet with a row per vote; when the agenda has
// dimensions, a Profile sheet; when people answered twice, a Shifts sheet;
// when the agenda has segments, a Groups sheet. Every table's header row is
// frozen.
func (e *Export) WriteXLSX(out io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", SheetSummary); err != nil {
		return err
	}
	if err := f.SetDocProps(&excelize.DocProperties{
		Title:   e.Session.Title,
		Subject: "Quorum session export",
		Creator: "Quorum",
		Created: e.ExportedAt.UTC().Format(time.RFC3339),
	}); err != nil {
		return err
	}
	if err := e.summarySheet(f, st); err != nil {
		return err
	}
	for i := range e.Steps {
		if e.Steps[i].Results == nil {
			continue
		}
		if err := e.stepSheet(f, st, i); err != nil {
			return err
		}
	}
	if err := e.responsesSheet(f, st); err != nil {
		return err
	}
	if len(e.Profile) > 0 {
		if err := e.profileSheet(f, st); err != nil {
			return err
		}
	}
	if len(e.Shifts) > 0 {
		if err := e.shiftsSheet(f, st); err != nil {
			return err
		}
	}
	if e.hasGroups() {
		if err := e.groupsSheet(f, st); err != nil {
			return err
		}
	}
	// Summary, the template's first sheet renamed, is the active sheet. (Do
	// not call SetActiveSheet: it would parse the streamed sheet back.)
	return f.Write(out)
}

func (e *Export) summarySheet(f *excelize.File, st xlsxStyles) error {
	w := &sheetWriter{f: f, name: SheetSummary, widths: map[int]float64{}}
	w.setWide(1, 1, e.Session.Title, st.title)
	names := "included where given"
	if e.Anonymous {
		names = "left out (anonymous export)"
	}
	facts := []struct {
		label string
		value any
	}{
		{"Agenda", e.Agenda.Title},
		{"Date", e.date().Format("Monday 2 January 2006")},
		{"Time", e.clockSpan()},
		{"Duration", e.durationText()},
		{"Participants", len(e.Participants)},
		{"Status", string(e.Session.Status)},
		{"Proxies", e.proxies()},
		{"Names", names},
		{"Groups", fmt.Sprintf("shown from %d answers; smaller ones are pooled as %s", e.minGroupSize(), quorum.OtherGroups)},
		{"Exported", e.local(e.ExportedAt).Format("2006-01-02 15:04 MST")},
	}
	row := 2
	for _, fact := range facts {
		w.set(1, row, fact.label, st.label)
		w.setWide(2, row, fact.value, 0)
		row++
	}
	row++
	header := row
	w.row(header, st.header, anys(SummaryHeaders)...)
	for i, s := range e.Steps {
		row++
		responses := any("")
		if s.Results != nil {
			responses = s.Results.N
		}
		w.set(1, row, i+1, 0)
		w.set(2, row, s.Title, 0)
		w.set(3, row, kindName(s.Kind), 0)
		w.set(4, row, responses, 0)
		w.set(5, row, e.Headline(i), 0)
	}
	w.widths[1] = max(w.widths[1], 14)
	return w.finish(header, 8)
}

func anys(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// stepSheet writes a voting step's table: its title and what it asked in
// rows 1 and 2, the table's header in row 3, then one row per option, point
// or answer, a total row and, for a scale, the mean and spread. Choice and
// scale tables put earlier rounds, then the groups, to the right of the
// current round; a text step's earlier rounds follow its table.
func (e *Export) stepSheet(f *excelize.File, st xlsxStyles, i int) error {
	s, def := &e.Steps[i], e.def(i)
	r := s.Results
	name := StepSheetName(i, def.Title)
	if _, err := f.NewSheet(name); err != nil {
		return err
	}
	w := &sheetWriter{f: f, name: name, widths: map[int]float64{}}
	w.setWide(1, 1, fmt.Sprintf("Step %d: %s", i+1, def.Title), st.title)
	var sub string
	switch def.Kind {
	case quorum.KindChoice:
		sub = fmt.Sprintf("Single choice · %s", plural(r.N, "vote", "votes"))
		if r.Correct != nil {
			sub += " · correct answer: " + def.Options[*r.Correct]
		}
	case quorum.KindScale:
		sub = fmt.Sprintf("Scale from 1 (%s) to %d (%s) · %s", def.Left, def.Points, def.Right, plural(r.N, "vote", "votes"))
	case quorum.KindText:
		sub = fmt.Sprintf("Open text · %s, %s", plural(r.N, "answer", "answers"), plural(len(r.Words), "distinct", "distinct"))
	}
	if len(s.Rounds) > 0 {
		sub += fmt.Sprintf(" · round %d; earlier rounds ", s.Round)
		if def.Kind == quorum.KindText {
			sub += "below"
		} else {
			sub += "to the right"
		}
	}
	w.setWide(1, 2, sub, st.subtitle)
	const header = 3
	row := header

	switch def.Kind {
	case quorum.KindChoice, quorum.KindScale:
		var heads []string
		if def.Kind == quorum.KindChoice {
			heads = []string{"Option", "Text", "Votes", "%", "Correct"}
		} else {
			heads = []string{"Point", "Label", "Votes", "%"}
		}
		// A column of counts (or shares) of one round or group.
		type column struct {
			col int
			r   *Results
			pct bool
		}
		cols := []column{{3, r, false}, {4, r, true}}
		add := func(head string, r *Results, pct bool) {
			heads = append(heads, head)
			cols = append(cols, column{len(heads), r, pct})
		}
		for j := range s.Rounds {
			add(fmt.Sprintf("Round %d votes", j+1), &s.Rounds[j], false)
			add(fmt.Sprintf("Round %d %%", j+1), &s.Rounds[j], true)
		}
		var hidden []string
		for _, g := range s.Groups {
			if g.Hidden || g.Results == nil {
				hidden = append(hidden, groupName(g.Group, g.Pooled))
				continue
			}
			add(groupName(g.Group, g.Pooled), g.Results, false)
		}
		w.row(header, st.header, anys(heads)...)
		for j := range r.Counts {
			row++
			w.set(1, row, j+1, 0)
			if def.Kind == quorum.KindChoice {
				w.set(2, row, def.Options[j], 0)
			} else {
				w.set(2, row, pointLabel(def, j+1), 0)
			}
			if def.Kind == quorum.KindChoice && r.Correct != nil && *r.Correct == j {
				w.set(5, row, "✓ correct", 0)
			}
			for _, c := range cols {
				n := 0
				if j < len(c.r.Counts) {
					n = c.r.Counts[j]
				}
				if c.pct {
					w.set(c.col, row, pct(n, c.r.N)/100, st.pct)
				} else {
					w.set(c.col, row, n, 0)
				}
			}
		}
		row++
		w.set(1, row, "Total", st.total)
		for col := 2; col <= len(heads); col++ {
			w.set(col, row, "", st.total)
		}
		for _, c := range cols {
			if c.pct {
				w.set(c.col, row, map[bool]float64{true: 1, false: 0}[c.r.N > 0], st.totalPct)
			} else {
				w.set(c.col, row, c.r.N, st.total)
			}
		}
		if def.Kind == quorum.KindScale {
			row += 2
			w.set(1, row, "Mean", st.label)
			w.set(2, row, "mean point, 1 to "+fmt.Sprint(def.Points), 0)
			w.set(1, row+1, "SD", st.label)
			w.set(2, row+1, "population standard deviation", 0)
			for _, c := range cols {
				if !c.pct && c.r.N > 0 {
					w.set(c.col, row, deref(c.r.Mean), st.dec2)
					w.set(c.col, row+1, deref(c.r.StdDev), st.dec2)
				}
			}
			row++
		}
		for _, g := range hidden {
			row += 2
			w.setWide(1, row, fmt.Sprintf("%s: %s.", g, e.hiddenNote()), st.subtitle)
		}
	case quorum.KindText:
		row = textTable(w, st, header, r)
		for j := range s.Rounds {
			row += 2
			w.setWide(1, row, fmt.Sprintf("Round %d", j+1), st.label)
			row = textTable(w, st, row+1, &s.Rounds[j])
		}
	}
	return w.finish(header, 9)
}

// textTable writes a text round's answers with their header in row header,
// and returns its last row.
func textTable(w *sheetWriter, st xlsxStyles, header int, r *Results) int {
	row := header
	w.row(header, st.header, "Answer", "Count", "%")
	for _, wc := range r.Words {
		row++
		w.set(1, row, wc.Text, 0)
		w.set(2, row, wc.Count, 0)
		w.set(3, row, pct(wc.Count, r.N)/100, st.pct)
	}
	row++
	w.set(1, row, "Total", st.total)
	w.set(2, row, r.N, st.total)
	w.set(3, row, map[bool]float64{true: 1, false: 0}[r.N > 0], st.totalPct)
	return row
}

// pointLabel is a scale point with its pole, if it is one: "1 (Vision)", "4", "7 (Execution)".
func pointLabel(def *quorum.Step, p int) string {
	switch p {
	case 1:
		return fmt.Sprintf("1 (%s)", def.Left)
	case def.Points:
		return fmt.Sprintf("%d (%s)", p, def.Right)
	}
	return fmt.Sprint(p)
}

// responsesSheet streams the Responses sheet, which has a row per vote: a
// table (filter buttons on the header, banded rows) with its header frozen.
func (e *Export) responsesSheet(f *excelize.File, st xlsxStyles) error {
	if _, err := f.NewSheet(SheetResponses); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(SheetResponses)
	if err != nil {
		return err
	}
	heads := append([]string(nil), ResponseHeaders...)
	heads[votedAtColumn] = "Voted at (" + e.zoneName() + ")"
	people := e.voters()
	votes := e.responses()
	rows := make([][]any, 0, len(votes))
	widths := make([]int, len(heads))
	measure := func(col int, s string) {
		widths[col] = max(widths[col], utf8.RuneCountInString(s)+2)
	}
	for col, h := range heads {
		measure(col, h+"  ") // room for the filter button
	}
	for _, v := range votes {
		def := e.def(v.Step)
		name, segment, proxy := people.of(v.Participant)
		var value any
		switch def.Kind {
		case quorum.KindChoice:
			value = v.Value.Number + 1
		case quorum.KindScale:
			value = v.Value.Number
		default:
			value = v.Value.Text
			measure(6, v.Value.Text)
		}
		measure(1, def.Title)
		measure(4, name)
		measure(5, segment)
		measure(7, v.Label)
		rows = append(rows, []any{
			v.Step + 1, def.Title, string(def.Kind), v.Participant, name, segment, value, v.Label,
			excelize.Cell{StyleID: st.datetime, Value: e.excelTime(v.At)},
			v.Round, yesNo(proxy),
		})
	}
	widths[votedAtColumn] = max(widths[votedAtColumn], 21)
	for col, w := range widths {
		if err := sw.SetColWidth(col+1, col+1, float64(min(max(w, 8), 50))); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}); err != nil {
		return err
	}
	header := make([]any, len(heads))
	for i, h := range heads {
		header[i] = excelize.Cell{StyleID: st.header, Value: h}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	for i, r := range rows {
		if err := sw.SetRow(fmt.Sprintf("A%d", i+2), r); err != nil {
			return err
		}
	}
	last, err := excelize.CoordinatesToCellName(len(heads), max(2, len(rows)+1))
	if err != nil {
		return err
	}
	if err := sw.AddTable(&excelize.Table{Range: "A1:" + last, Name: "ResponseRows", StyleName: "TableStyleLight1"}); err != nil {
		return err
	}
	return sw.Flush()
}

// profileCells writes a profile entry in the columns of ProfileHeaders,
// from column first; gap is the entry's gap from its first series, if any.
func profileCells(w *sheetWriter, st xlsxStyles, row, first int, p quorum.ProfileEntry, gap *quorum.ProfileGap) {
	col := func(header string) int { return first + slices.Index(ProfileHeaders, header) }
	w.set(col("Dimension"), row, p.Dimension, 0)
	w.set(col("Left pole (−1)"), row, p.Left, 0)
	w.set(col("Right pole (+1)"), row, p.Right, 0)
	w.set(col("Series"), row, p.Series, 0)
	w.set(col("n"), row, p.N, 0)
	if p.N > 0 {
		w.set(col("Mean"), row, p.Mean, st.signed)
		w.set(col("Spread"), row, p.Spread, st.dec2)
		w.set(col("Q1"), row, p.Q1, st.signed)
		w.set(col("Median"), row, p.Median, st.signed)
		w.set(col("Q3"), row, p.Q3, st.signed)
		w.set(col("Left share"), row, p.LeftShare, st.pct)
		w.set(col("Right share"), row, p.RightShare, st.pct)
		if p.Split {
			w.set(col("Split"), row, "split room", 0)
		}
	}
	if gap != nil {
		w.set(col("Gap"), row, gap.Gap, st.signed)
		if gap.Largest {
			w.set(col("Largest gap"), row, "largest gap", 0)
		}
	}
}

func (e *Export) profileSheet(f *excelize.File, st xlsxStyles) error {
	if _, err := f.NewSheet(SheetProfile); err != nil {
		return err
	}
	w := &sheetWriter{f: f, name: SheetProfile, widths: map[int]float64{}}
	w.row(1, st.header, anys(ProfileHeaders)...)
	for k, p := range e.Profile {
		profileCells(w, st, k+2, 1, p, gapTo(e.ProfileGaps, p))
	}
	note := len(e.Profile) + 3
	for k, text := range []string{
		"Mean: the room's average position from −1 (left pole) to +1 (right pole); spread: the population standard deviation of the positions (0: everyone agrees, 1: split between the poles).",
		"Q1 to Q3: the middle half of the answers; left and right share: the answers on each side of the midpoint.",
		fmt.Sprintf("Split room: at least %s of the answers on each side of the midpoint. Gap: this series' mean minus the dimension's first series' (today → target).", fmtFixed(e.splitShare()*100, 0)+"%"),
	} {
		w.setWide(1, note+k, text, st.subtitle)
	}
	return w.finish(1, 9)
}

// shiftsSheet writes who moved: a row per pair of rounds of a step and per
// pair of series of a dimension.
func (e *Export) shiftsSheet(f *excelize.File, st xlsxStyles) error {
	if _, err := f.NewSheet(SheetShifts); err != nil {
		return err
	}
	w := &sheetWriter{f: f, name: SheetShifts, widths: map[int]float64{}}
	w.row(1, st.header, anys(ShiftHeaders)...)
	for k, sh := range e.Shifts {
		row := k + 2
		step, compared, from, to := any(""), sh.Dimension, seriesName(sh.From), seriesName(sh.To)
		if sh.Step >= 0 {
			step, compared, from, to = sh.Step+1, e.def(sh.Step).Title, sh.From, sh.To
		}
		w.row(row, 0, step, compared, from, to, sh.Left, sh.Right, sh.Paired, sh.TowardLeft, sh.Stayed, sh.TowardRight)
	}
	w.setWide(1, len(e.Shifts)+3, "Only the participants who answered both are compared; a series' position is the mean of its questions' answers.", st.subtitle)
	return w.finish(1, 9)
}

// hasGroups tells whether results are split by group: the agenda has segments.
func (e *Export) hasGroups() bool {
	return len(e.Agenda.Segments) > 0
}

// groupsSheet writes each choice and scale step's current round by group,
// then the profile by group, with small groups pooled or hidden.
func (e *Export) groupsSheet(f *excelize.File, st xlsxStyles) error {
	if _, err := f.NewSheet(SheetGroups); err != nil {
		return err
	}
	w := &sheetWriter{f: f, name: SheetGroups, widths: map[int]float64{}}
	w.row(1, st.header, anys(GroupHeaders)...)
	row := 1
	for i, s := range e.Steps {
		for _, g := range s.Groups {
			row++
			n, result := any(""), e.hiddenNote()
			if !g.Hidden && g.Results != nil {
				n, result = g.Results.N, resultHeadline(e.def(i), g.Results)
			}
			w.row(row, 0, i+1, s.Title, groupName(g.Group, g.Pooled), n)
			w.setWide(5, row, result, 0)
		}
	}
	if len(e.ProfileGroups) > 0 {
		row += 2
		w.row(row, st.header, anys(ProfileGroupHeaders)...)
		for _, g := range e.ProfileGroups {
			name := groupName(g.Group, g.Pooled)
			if g.Hidden {
				row++
				w.set(1, row, name, 0)
				w.setWide(2, row, e.hiddenNote(), 0)
				continue
			}
			for _, p := range g.Profile {
				row++
				w.set(1, row, name, 0)
				profileCells(w, st, row, 2, p, gapTo(g.ProfileGaps, p))
			}
		}
	}
	w.setWide(1, row+2, fmt.Sprintf("A group with fewer than %d answers is pooled with the other small groups and the answers given without a group, as %s; a pool still too small, or made of one group, is hidden.", e.minGroupSize(), quorum.OtherGroups), st.subtitle)
	return w.finish(1, 9)
}
