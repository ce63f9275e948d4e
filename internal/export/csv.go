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

// ResponseColumns are the columns of the responses CSV.
var ResponseColumns = []string{"step", "step_title", "kind", "participant", "name", "segment", "value", "value_label", "voted_at"}

// SummaryColumns are the columns of the summary CSV.
var SummaryColumns = []string{"step", "step_title", "kind", "value", "value_label", "count", "percent", "n", "mean", "sd", "correct"}

// WriteCSV writes one row per current vote, by step then by participant in
// join order: a UTF-8 byte order mark, then RFC 4180 CSV with CRLF line ends.
func (e *Export) WriteCSV(w io.Writer) error {
	return writeCSV(w, ResponseColumns, func(row func(...string) error) error {
		people := e.voters()
		for _, v := range e.Votes {
			def := e.def(v.Step)
			name, segment := people.of(v.Participant)
			if err := row(
				strconv.Itoa(v.Step+1), cell(def.Title), string(def.Kind),
				v.Participant, cell(name), cell(segment),
				csvValue(def, v.Value), cell(v.Label),
				v.At.UTC().Format(csvTime),
			); err != nil {
				return err
			}
		}
		return nil
	})
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

// WriteSummaryCSV writes the results of every voting step as one table, a
// row per option, point or distinct answer, then a row per profile entry.
// docs/export.md describes the columns.
func (e *Export) WriteSummaryCSV(w io.Writer) error {
	return writeCSV(w, SummaryColumns, func(row func(...string) error) error {
		profileDone := false
		for i, st := range e.Steps {
			def := e.def(i)
			num, title, kind := strconv.Itoa(i+1), cell(def.Title), string(def.Kind)
			if def.Kind == quorum.KindProfile && !profileDone {
				profileDone = true
				if err := e.profileSummaryRows(row, num, title); err != nil {
					return err
				}
				continue
			}
			r := st.Results
			if r == nil {
				continue
			}
			n := strconv.Itoa(r.N)
			switch def.Kind {
			case quorum.KindChoice:
				for j, c := range r.Counts {
					correct := ""
					if r.Correct != nil {
						correct = map[bool]string{true: "yes", false: "no"}[*r.Correct == j]
					}
					if err := row(num, title, kind, strconv.Itoa(j+1), cell(def.Options[j]), strconv.Itoa(c), fmtFixed(pct(c, r.N), 1), n, "", "", correct); err != nil {
						return err
					}
				}
			case quorum.KindScale:
				mean, sd := fmtFixed(deref(r.Mean), 2), fmtFixed(deref(r.StdDev), 2)
				if r.N == 0 {
					mean, sd = "", ""
				}
				for j, c := range r.Counts {
					if err := row(num, title, kind, strconv.Itoa(j+1), cell(scaleLabel(def, j+1)), strconv.Itoa(c), fmtFixed(pct(c, r.N), 1), n, mean, sd, ""); err != nil {
						return err
					}
				}
			case quorum.KindText:
				if len(r.Words) == 0 {
					if err := row(num, title, kind, "", "", "0", "", n, "", "", ""); err != nil {
						return err
					}
				}
				for _, wc := range r.Words {
					if err := row(num, title, kind, cell(wc.Text), cell(wc.Text), strconv.Itoa(wc.Count), fmtFixed(pct(wc.Count, r.N), 1), n, "", "", ""); err != nil {
						return err
					}
				}
			}
		}
		if !profileDone {
			return e.profileSummaryRows(row, "", "Profile")
		}
		return nil
	})
}

func (e *Export) profileSummaryRows(row func(...string) error, num, title string) error {
	for _, p := range e.Profile {
		value, label := p.Dimension, p.Left+" ↔ "+p.Right
		if p.Series != "" {
			value += "/" + p.Series
			label += " (" + p.Series + ")"
		}
		mean, sd := fmtFixed(p.Mean, 2), fmtFixed(p.Spread, 2)
		if p.N == 0 {
			mean, sd = "", ""
		}
		if err := row(num, cell(title), string(quorum.KindProfile), cell(value), cell(label), "", "", strconv.Itoa(p.N), mean, sd, ""); err != nil {
			return err
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
