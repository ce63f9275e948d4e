package export

import (
	"fmt"
	"io"
	"math"
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
)

// ResponseHeaders are the header cells of the Responses sheet; the columns
// are those of the responses CSV.
var ResponseHeaders = []string{"Step", "Step title", "Kind", "Participant", "Name", "Segment", "Value", "Value label", "Voted at"}

// SummaryHeaders head the table of steps on the Summary sheet.
var SummaryHeaders = []string{"Step", "Title", "Kind", "Responses", "Result"}

// ProfileHeaders head the Profile sheet.
var ProfileHeaders = []string{"Dimension", "Left pole (−1)", "Right pole (+1)", "Series", "Mean", "Spread", "n"}

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
// step, a Responses sheet with a row per vote and, when the agenda has
// dimensions, a Profile sheet. Every table's header row is frozen.
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
		{"Names", names},
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
// scale tables break the counts down by segment.
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
	w.setWide(1, 2, sub, st.subtitle)
	const header = 3
	row := header

	segs := e.segments()
	people := e.voters()
	// bySeg[segment][index] counts the step's votes per option or point.
	bySeg := map[string][]int{}
	sums := map[string][2]float64{} // scale: sum and sum of squares per segment
	nSeg := map[string]int{}
	for _, v := range e.votesOf(i) {
		_, seg := people.of(v.Participant)
		if def.Kind == quorum.KindText {
			continue
		}
		idx := v.Value.Number
		if def.Kind == quorum.KindScale {
			idx--
			x := float64(v.Value.Number)
			acc := sums[seg]
			sums[seg] = [2]float64{acc[0] + x, acc[1] + x*x}
		}
		if bySeg[seg] == nil {
			bySeg[seg] = make([]int, len(r.Counts))
		}
		if idx >= 0 && idx < len(r.Counts) {
			bySeg[seg][idx]++
		}
		nSeg[seg]++
	}

	switch def.Kind {
	case quorum.KindChoice, quorum.KindScale:
		var heads []string
		if def.Kind == quorum.KindChoice {
			heads = []string{"Option", "Text", "Votes", "%", "Correct"}
		} else {
			heads = []string{"Point", "Label", "Votes", "%"}
		}
		first := len(heads) + 1 // first segment column
		for _, sg := range segs {
			heads = append(heads, segmentName(sg))
		}
		w.row(header, st.header, anys(heads)...)
		for j, c := range r.Counts {
			row++
			w.set(1, row, j+1, 0)
			if def.Kind == quorum.KindChoice {
				w.set(2, row, def.Options[j], 0)
			} else {
				w.set(2, row, pointLabel(def, j+1), 0)
			}
			w.set(3, row, c, 0)
			w.set(4, row, pct(c, r.N)/100, st.pct)
			if def.Kind == quorum.KindChoice && r.Correct != nil && *r.Correct == j {
				w.set(5, row, "✓ correct", 0)
			}
			for k, sg := range segs {
				n := 0
				if bySeg[sg] != nil {
					n = bySeg[sg][j]
				}
				w.set(first+k, row, n, 0)
			}
		}
		row++
		w.set(1, row, "Total", st.total)
		for col := 2; col < first+len(segs); col++ {
			w.set(col, row, "", st.total)
		}
		w.set(3, row, r.N, st.total)
		w.set(4, row, map[bool]float64{true: 1, false: 0}[r.N > 0], st.totalPct)
		for k, sg := range segs {
			w.set(first+k, row, nSeg[sg], st.total)
		}
		if def.Kind == quorum.KindScale {
			row += 2
			w.set(1, row, "Mean", st.label)
			w.set(2, row, "mean point, 1 to "+fmt.Sprint(def.Points), 0)
			if r.N > 0 {
				w.set(3, row, deref(r.Mean), st.dec2)
			}
			for k, sg := range segs {
				if n := nSeg[sg]; n > 0 {
					w.set(first+k, row, sums[sg][0]/float64(n), st.dec2)
				}
			}
			row++
			w.set(1, row, "SD", st.label)
			w.set(2, row, "population standard deviation", 0)
			if r.N > 0 {
				w.set(3, row, deref(r.StdDev), st.dec2)
			}
			for k, sg := range segs {
				if n := float64(nSeg[sg]); n > 0 {
					m := sums[sg][0] / n
					w.set(first+k, row, sqrt0(sums[sg][1]/n-m*m), st.dec2)
				}
			}
		}
	case quorum.KindText:
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
	}
	return w.finish(header, 9)
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
	heads[len(heads)-1] = "Voted at (" + e.zoneName() + ")"
	people := e.voters()
	rows := make([][]any, 0, len(e.Votes))
	widths := make([]int, len(heads))
	measure := func(col int, s string) {
		widths[col] = max(widths[col], utf8.RuneCountInString(s)+2)
	}
	for col, h := range heads {
		measure(col, h+"  ") // room for the filter button
	}
	for _, v := range e.Votes {
		def := e.def(v.Step)
		name, segment := people.of(v.Participant)
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
		})
	}
	widths[8] = max(widths[8], 21)
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

func (e *Export) profileSheet(f *excelize.File, st xlsxStyles) error {
	if _, err := f.NewSheet(SheetProfile); err != nil {
		return err
	}
	w := &sheetWriter{f: f, name: SheetProfile, widths: map[int]float64{}}
	w.row(1, st.header, anys(ProfileHeaders)...)
	for k, p := range e.Profile {
		row := k + 2
		w.set(1, row, p.Dimension, 0)
		w.set(2, row, p.Left, 0)
		w.set(3, row, p.Right, 0)
		w.set(4, row, p.Series, 0)
		if p.N > 0 {
			w.set(5, row, p.Mean, st.signed)
			w.set(6, row, p.Spread, st.dec2)
		}
		w.set(7, row, p.N, 0)
	}
	note := len(e.Profile) + 3
	w.setWide(1, note, "Mean: the room's average position from −1 (left pole) to +1 (right pole); spread: the population standard deviation of the positions (0: everyone agrees, 1: split between the poles).", st.subtitle)
	return w.finish(1, 9)
}

func sqrt0(x float64) float64 { return math.Sqrt(max(0, x)) }
