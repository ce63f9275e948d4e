package export

import (
	"bufio"
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// bom makes Excel read the file as UTF-8, accents included.
const bom = "\uFEFF"

// csvTime is RFC 3339 in UTC with milliseconds, which is what the store keeps.
const csvTime = "2006-01-02T15:04:05.000Z07:00"

// ResponseColumns are the columns of the responses CSV. Columns added to the
// format go at the end, so that a script's column numbers stay right.
var ResponseColumns = []string{"step", "step_title", "kind", "participant", "name", "segment", "value", "value_label", "voted_at", "round", "proxy"}

// SummaryColumns are the columns of the summary CSV; the ones after
// "correct" came with rounds, groups, shifts and the profile's statistics.
var SummaryColumns = []string{
	"step", "step_title", "kind", "value", "value_label", "count", "percent", "n", "mean", "sd", "correct",
	"round", "group", "q1", "median", "q3", "left_share", "right_share", "split", "gap", "largest_gap",
}

// WriteCSV writes one row per vote of every round, by step, then round,
// then participant in join order: a UTF-8 byte order mark, then RFC 4180 CSV
// with CRLF line ends.
func (e *Export) WriteCSV(w io.Writer) error {
	return writeCSV(w, ResponseColumns, func(row func(...string) error) error {
		people := e.voters()
		for _, v := range e.responses() {
			def := e.def(v.Step)
			name, segment, proxy := people.of(v.Participant)
			if err := row(
				strconv.Itoa(v.Step+1), cell(def.Title), string(def.Kind),
				v.Participant, cell(name), cell(segment),
				csvValue(def, v.Value), cell(v.Label),
				v.At.UTC().Format(csvTime),
				strconv.Itoa(v.Round), yesNo(proxy),
			); err != nil {
				return err
			}
		}
		return nil
	})
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// csvValue is a vote's value for people: the option's number from 1, the
// point, or the answer.
func csvValue(def *quorum.Step, v Value) string {
	switch def.Kind {
	case quorum.KindChoice:
		return strconv.Itoa(v.Number + 1)
	case quorum.KindText:
		return cell(v.Text)
	}
	return strconv.Itoa(v.Number)
}

// summaryRow is one row of the summary CSV, by column.
type summaryRow struct {
	step, title, kind, value, label, count, percent, n, mean, sd, correct    string
	round, group, q1, median, q3, leftShare, rightShare, split, gap, largest string
}

func (r *summaryRow) fields() []string {
	return []string{
		r.step, cell(r.title), r.kind, cell(r.value), cell(r.label), r.count, r.percent, r.n, r.mean, r.sd, r.correct,
		r.round, cell(r.group), r.q1, r.median, r.q3, r.leftShare, r.rightShare, r.split, r.gap, r.largest,
	}
}

// WriteSummaryCSV writes the results of every voting step as one table: per
// step, a row per option, point or distinct answer for each round, then per
// group that may be shown, then who moved between rounds; and the profile, a
// row per entry, per group, then who moved between series. docs/export.md
// describes the columns.
func (e *Export) WriteSummaryCSV(w io.Writer) error {
	return writeCSV(w, SummaryColumns, func(write func(...string) error) error {
		emit := func(rows []summaryRow) error {
			for i := range rows {
				if err := write(rows[i].fields()...); err != nil {
					return err
				}
			}
			return nil
		}
		profileDone := false
		for i, st := range e.Steps {
			def := e.def(i)
			base := summaryRow{step: strconv.Itoa(i + 1), title: def.Title, kind: string(def.Kind)}
			if def.Kind == quorum.KindProfile && !profileDone {
				profileDone = true
				if err := emit(e.profileSummaryRows(base)); err != nil {
					return err
				}
				continue
			}
			if st.Results == nil {
				continue
			}
			var rows []summaryRow
			for j := range st.Rounds {
				base.round = strconv.Itoa(j + 1)
				rows = append(rows, resultRows(def, base, &st.Rounds[j])...)
			}
			base.round = strconv.Itoa(max(st.Round, 1))
			rows = append(rows, resultRows(def, base, st.Results)...)
			for _, g := range st.Groups {
				gb := base
				gb.group = groupName(g.Group, g.Pooled)
				if g.Hidden || g.Results == nil {
					gb.label = e.hiddenNote()
					rows = append(rows, gb)
					continue
				}
				rows = append(rows, resultRows(def, gb, g.Results)...)
			}
			for _, sh := range e.Shifts {
				if sh.Step == i {
					rows = append(rows, shiftRows(base, sh)...)
				}
			}
			if err := emit(rows); err != nil {
				return err
			}
		}
		if !profileDone {
			return emit(e.profileSummaryRows(summaryRow{title: "Profile", kind: string(quorum.KindProfile)}))
		}
		return nil
	})
}

// resultRows are one round's (or one group's) rows: a row per option, point
// or distinct answer, on base.
func resultRows(def *quorum.Step, base summaryRow, r *Results) []summaryRow {
	var rows []summaryRow
	base.n = strconv.Itoa(r.N)
	switch def.Kind {
	case quorum.KindChoice:
		for j, c := range r.Counts {
			row := base
			row.value, row.label = strconv.Itoa(j+1), def.Options[j]
			row.count, row.percent = strconv.Itoa(c), fmtFixed(pct(c, r.N), 1)
			if r.Correct != nil {
				row.correct = yesNo(*r.Correct == j)
			}
			rows = append(rows, row)
		}
	case quorum.KindScale:
		if r.N > 0 {
			base.mean, base.sd = fmtFixed(deref(r.Mean), 2), fmtFixed(deref(r.StdDev), 2)
		}
		for j, c := range r.Counts {
			row := base
			row.value, row.label = strconv.Itoa(j+1), scaleLabel(def, j+1)
			row.count, row.percent = strconv.Itoa(c), fmtFixed(pct(c, r.N), 1)
			rows = append(rows, row)
		}
	case quorum.KindText:
		if len(r.Words) == 0 {
			base.count = "0"
			rows = append(rows, base)
		}
		for _, wc := range r.Words {
			row := base
			row.value, row.label = wc.Text, wc.Text
			row.count, row.percent = strconv.Itoa(wc.Count), fmtFixed(pct(wc.Count, r.N), 1)
			rows = append(rows, row)
		}
	}
	return rows
}

// shiftRows are who moved in one paired comparison: a row toward the left
// pole, one for those who stayed and one toward the right pole.
func shiftRows(base summaryRow, sh quorum.Shift) []summaryRow {
	base.kind, base.n = "shift", strconv.Itoa(sh.Paired)
	if sh.Step >= 0 {
		base.round = strings.TrimPrefix(sh.To, "Round ")
	}
	pair := shiftPair(sh)
	var rows []summaryRow
	for _, d := range []struct {
		value, label string
		count        int
	}{
		{"toward_left", "moved toward " + sh.Left, sh.TowardLeft},
		{"stayed", "stayed", sh.Stayed},
		{"toward_right", "moved toward " + sh.Right, sh.TowardRight},
	} {
		row := base
		row.value, row.label = d.value, pair+": "+d.label
		row.count, row.percent = strconv.Itoa(d.count), fmtFixed(pct(d.count, sh.Paired), 1)
		rows = append(rows, row)
	}
	return rows
}

// profileSummaryRows are the profile's rows on base: the room's entries,
// then each group's, then who moved between series.
func (e *Export) profileSummaryRows(base summaryRow) []summaryRow {
	rows := profileEntryRows(base, e.Profile, e.ProfileGaps)
	for _, g := range e.ProfileGroups {
		gb := base
		gb.group = groupName(g.Group, g.Pooled)
		if g.Hidden {
			gb.label = e.hiddenNote()
			rows = append(rows, gb)
			continue
		}
		rows = append(rows, profileEntryRows(gb, g.Profile, g.ProfileGaps)...)
	}
	for _, sh := range e.Shifts {
		if sh.Step < 0 {
			rows = append(rows, shiftRows(base, sh)...)
		}
	}
	return rows
}

// profileEntryRows is a row per profile entry; a later series carries its
// gap from the dimension's first series.
func profileEntryRows(base summaryRow, entries []quorum.ProfileEntry, gaps []quorum.ProfileGap) []summaryRow {
	var rows []summaryRow
	base.kind = string(quorum.KindProfile)
	for _, p := range entries {
		row := base
		row.value, row.label = p.Dimension, p.Left+" ↔ "+p.Right
		if p.Series != "" {
			row.value += "/" + p.Series
			row.label += " (" + p.Series + ")"
		}
		row.n = strconv.Itoa(p.N)
		if p.N > 0 {
			row.mean, row.sd = fmtFixed(p.Mean, 2), fmtFixed(p.Spread, 2)
			row.q1, row.median, row.q3 = fmtFixed(p.Q1, 2), fmtFixed(p.Median, 2), fmtFixed(p.Q3, 2)
			row.leftShare, row.rightShare = fmtFixed(p.LeftShare*100, 1), fmtFixed(p.RightShare*100, 1)
			row.split = yesNo(p.Split)
		}
		if g := gapTo(gaps, p); g != nil {
			row.gap, row.largest = fmtFixed(g.Gap, 2), yesNo(g.Largest)
		}
		rows = append(rows, row)
	}
	return rows
}

// gapTo finds the gap that ends at entry p, if any.
func gapTo(gaps []quorum.ProfileGap, p quorum.ProfileEntry) *quorum.ProfileGap {
	for i := range gaps {
		if gaps[i].Dimension == p.Dimension && gaps[i].To == p.Series {
			return &gaps[i]
		}
	}
	return nil
}

func writeCSV(w io.Writer, header []string, rows func(row func(...string) error) error) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString(bom); err != nil {
		return err
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	if err := cw.Write(header); err != nil {
		return err
	}
	if err := rows(func(fields ...string) error { return cw.Write(fields) }); err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// cell protects a text cell from spreadsheet formula injection: a cell that
// starts with =, +, -, @, a tab or a carriage return gets a leading
// apostrophe, which spreadsheets take as "this is text". Numbers the export
// writes itself never go through cell.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
