package export

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// StylesheetURL is where the report's stylesheet is served.
const StylesheetURL = "/static/app/report.css"

//go:embed report.gohtml
var reportSource string

var reportTemplate = template.Must(template.New("report").Parse(reportSource))

// WriteHTML writes the report: a standalone HTML5 page for A4, a cover and
// then one page per step with its chart and the facilitator's notes. It has
// no script and no inline style (the stylesheet is StylesheetURL), so it
// runs under a Content-Security-Policy of default-src 'self'. It never shows
// names, whatever Options.Anonymous says: results are the room's.
func (e *Export) WriteHTML(w io.Writer) error {
	return reportTemplate.Execute(w, e.reportPage())
}

type reportPage struct {
	Stylesheet   string
	Title        string
	AgendaTitle  string // empty when the session has the agenda's title
	Date         string
	Time         string
	Duration     string
	Participants int
	Groups       []groupCount
	ExportedAt   string
	Anonymous    bool
	Status       string
	Steps        []reportStep
	Profile      *profileChart // the room profile, when no step of the agenda shows it
}

type groupCount struct {
	Name string
	N    int
}

type reportStep struct {
	Number   int
	Kind     string
	KindName string
	Title    string
	Body     []textBlock
	Notes    []textBlock
	Headline string
	Short    string // the headline for the contents
	Meta     []string
	Choice   *choiceChart
	Scale    *scaleChart
	Text     *textChart
	Profile  *profileChart
}

// textBlock is a paragraph (its lines) or a list (its items) of a body or notes.
type textBlock struct {
	Lines []string
	Items []string
}

// blocks splits a body or notes into paragraphs at blank lines; lines that
// start with "- " or "* " make a list.
func blocks(s string) []textBlock {
	var out []textBlock
	var cur textBlock
	flush := func() {
		if len(cur.Lines) > 0 || len(cur.Items) > 0 {
			out = append(out, cur)
		}
		cur = textBlock{}
	}
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		t := strings.TrimSpace(line)
		switch {
		case t == "":
			flush()
		case strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "* "):
			if len(cur.Lines) > 0 {
				flush()
			}
			cur.Items = append(cur.Items, strings.TrimSpace(t[2:]))
		default:
			if len(cur.Items) > 0 {
				flush()
			}
			cur.Lines = append(cur.Lines, t)
		}
	}
	flush()
	return out
}

func (e *Export) reportPage() *reportPage {
	p := &reportPage{
		Stylesheet:   StylesheetURL,
		Title:        e.Session.Title,
		Date:         e.date().Format("Monday 2 January 2006"),
		Time:         e.clockSpan(),
		Duration:     e.durationText(),
		Participants: len(e.Participants),
		ExportedAt:   e.local(e.ExportedAt).Format("2 January 2006, 15:04 MST"),
		Anonymous:    e.Anonymous,
		Status:       string(e.Session.Status),
	}
	if e.Agenda.Title != e.Session.Title {
		p.AgendaTitle = e.Agenda.Title
	}
	if segs := e.segments(); segs != nil {
		counts := map[string]int{}
		for _, pt := range e.Participants {
			counts[pt.Segment]++
		}
		for _, s := range segs {
			if counts[s] > 0 {
				p.Groups = append(p.Groups, groupCount{Name: segmentName(s), N: counts[s]})
			}
		}
	}
	hasProfileStep := false
	for i := range e.Steps {
		def := e.def(i)
		rs := reportStep{
			Number:   i + 1,
			Kind:     string(def.Kind),
			KindName: kindName(def.Kind),
			Title:    def.Title,
			Body:     blocks(def.Body),
			Notes:    blocks(def.Notes),
			Headline: e.Headline(i),
			Short:    e.shortHeadline(i),
		}
		st := &e.Steps[i]
		if r := st.Results; r != nil {
			rs.Meta = append(rs.Meta, fmt.Sprintf("%d of %d participants answered", r.N, len(e.Participants)))
			switch {
			case st.Voting == quorum.VotingPending && r.N == 0:
				rs.Meta = append(rs.Meta, "voting never opened")
			case st.Voting == quorum.VotingOpen:
				rs.Meta = append(rs.Meta, "voting still open")
			}
			if st.Revealed {
				rs.Meta = append(rs.Meta, "results shown to the room")
			} else {
				rs.Meta = append(rs.Meta, "results not shown to the room")
			}
		}
		switch def.Kind {
		case quorum.KindChoice:
			rs.Choice = newChoiceChart(def, st.Results)
		case quorum.KindScale:
			rs.Scale = newScaleChart(def, st.Results)
		case quorum.KindText:
			rs.Text = newTextChart(st.Results)
		case quorum.KindProfile:
			hasProfileStep = true
			rs.Profile = newProfileChart(e.Profile)
		}
		p.Steps = append(p.Steps, rs)
	}
	if !hasProfileStep && len(e.Profile) > 0 {
		p.Profile = newProfileChart(e.Profile)
	}
	return p
}

// shortHeadline is the headline for the report's contents, where the
// step's title stands next to it: a scale's poles and a profile's count of
// dimensions are left out.
func (e *Export) shortHeadline(i int) string {
	def, r := e.def(i), e.Steps[i].Results
	switch {
	case def.Kind == quorum.KindScale && r != nil && r.N > 0:
		return fmt.Sprintf("mean %s of %d, spread ± %s, n = %d", fmtFixed(deref(r.Mean), 1), def.Points, fmtFixed(deref(r.StdDev), 1), r.N)
	case def.Kind == quorum.KindProfile:
		h := e.profileHeadline()
		if i := strings.Index(h, "; "); i >= 0 {
			return h[i+2:]
		}
		return h
	}
	return e.Headline(i)
}

// num formats an SVG coordinate.
func num(x float64) string { return fmtFixed(x, 2) }

func clamp(x, lo, hi float64) float64 { return math.Min(hi, math.Max(lo, x)) }

// ---------------------------------------------------------------- choice

type choiceChart struct {
	HasCorrect bool
	N          int
	Rows       []choiceRow
}

type choiceRow struct {
	Text    string
	Count   int
	Pct     string
	Width   string // of the bar, 0 to 100, relative to the most chosen option
	Correct bool
}

func newChoiceChart(def *quorum.Step, r *Results) *choiceChart {
	c := &choiceChart{HasCorrect: r.Correct != nil, N: r.N}
	most := 1
	for _, n := range r.Counts {
		most = max(most, n)
	}
	for j, n := range r.Counts {
		c.Rows = append(c.Rows, choiceRow{
			Text:    def.Options[j],
			Count:   n,
			Pct:     fmtFixed(pct(n, r.N), 0),
			Width:   num(float64(n) / float64(most) * 100),
			Correct: r.Correct != nil && *r.Correct == j,
		})
	}
	return c
}

// ---------------------------------------------------------------- scale

// The scale histogram is one SVG: columns with their counts, the mean ± one
// standard deviation as a band, the mean as a line with its label, and the
// points under the baseline. The poles are HTML under it, so that long
// labels wrap.
const (
	scaleW        = 600.0
	scaleTop      = 46.0 // room for the mean label and the counts over the tallest column
	scalePlotH    = 150.0
	scaleBaseline = scaleTop + scalePlotH
	scaleH        = scaleBaseline + 26
)

type scaleChart struct {
	W, H, Baseline, AxisY    string
	Cols                     []scaleCol
	Points                   int
	Left, Right              string
	N                        int
	HasMean                  bool
	Mean, SD                 string
	MeanX, MeanTop           string
	BandX, BandW, BandY      string
	BandH                    string
	LabelX, LabelW, LabelMid string
	Label                    string
}

type scaleCol struct {
	Point                int
	Count                int
	X, Y, W, H, CX, TopY string
}

func newScaleChart(def *quorum.Step, r *Results) *scaleChart {
	points := def.Points
	c := &scaleChart{
		W: fmtFixed(scaleW, 0), H: fmtFixed(scaleH, 0), Baseline: num(scaleBaseline), AxisY: num(scaleBaseline + 20),
		Points: points, Left: def.Left, Right: def.Right, N: r.N,
	}
	most := 1
	for _, n := range r.Counts {
		most = max(most, n)
	}
	colW := scaleW / float64(points)
	for j := 0; j < points; j++ {
		n := 0
		if j < len(r.Counts) {
			n = r.Counts[j]
		}
		h := float64(n) / float64(most) * scalePlotH
		c.Cols = append(c.Cols, scaleCol{
			Point: j + 1, Count: n,
			X: num(float64(j)*colW + 0.12*colW), W: num(0.76 * colW),
			Y: num(scaleBaseline - h), H: num(h),
			CX: num((float64(j) + 0.5) * colW), TopY: num(scaleBaseline - h - 6),
		})
	}
	if r.N > 0 {
		mean, sd := deref(r.Mean), deref(r.StdDev)
		at := func(x float64) float64 { return clamp((x-0.5)/float64(points)*scaleW, 0, scaleW) }
		c.HasMean = true
		c.Mean, c.SD = fmtFixed(mean, 1), fmtFixed(sd, 1)
		c.MeanX = num(at(mean))
		c.MeanTop = num(26)
		lo, hi := at(mean-sd), at(mean+sd)
		c.BandX, c.BandW = num(lo), num(hi-lo)
		c.BandY, c.BandH = num(scaleTop-10), num(scaleBaseline-(scaleTop-10))
		c.Label = "mean " + c.Mean
		// The label's box, about 8.6 units a character in bold 15, kept inside the chart.
		w := 8.6*float64(len(c.Label)) + 16
		x := clamp(at(mean)-w/2, 0, scaleW-w)
		c.LabelX, c.LabelW, c.LabelMid = num(x), num(w), num(x+w/2)
	}
	return c
}

// ---------------------------------------------------------------- text

const cloudLimit = 40

type textChart struct {
	N     int
	Cloud []cloudWord
	Many  string // a smaller base size when there are many words
	More  int    // answers left out of the cloud (all are in the list)
	Words []wordRow
}

type cloudWord struct {
	Text        string
	Count       int
	Size, Color int
}

type wordRow struct {
	Text  string
	Count int
	Pct   string
}

func newTextChart(r *Results) *textChart {
	c := &textChart{N: r.N}
	for _, w := range r.Words {
		c.Words = append(c.Words, wordRow{Text: w.Text, Count: w.Count, Pct: fmtFixed(pct(w.Count, r.N), 0)})
	}
	words := r.Words
	if len(words) > cloudLimit {
		c.More = len(words) - cloudLimit
		words = words[:cloudLimit]
	}
	if len(words) == 0 {
		return c
	}
	hi, lo := words[0].Count, words[len(words)-1].Count
	// 1em for the rarest answer, 3em for the most given, on a square-root
	// scale, in six sizes (qw-s1 … qw-s6); biggest in the middle.
	size := func(n int) int {
		em := 2.0
		switch {
		case hi != lo:
			em = 1 + 2*math.Sqrt(float64(n-lo)/float64(hi-lo))
		case len(words) == 1:
			em = 3
		}
		return int(math.Round((em-1)/2*5)) + 1
	}
	laid := make([]cloudWord, 0, len(words))
	for i, w := range words {
		cw := cloudWord{Text: w.Text, Count: w.Count, Size: size(w.Count), Color: i%8 + 1}
		if i%2 == 0 {
			laid = append(laid, cw)
		} else {
			laid = append([]cloudWord{cw}, laid...)
		}
	}
	c.Cloud = laid
	switch {
	case len(words) > 30:
		c.Many = " qw-lots"
	case len(words) > 12:
		c.Many = " qw-many"
	}
	return c
}

// ---------------------------------------------------------------- profile

type profileChart struct {
	Series []seriesKey
	Rows   []profileChartRow
}

type seriesKey struct {
	Label, Class string
}

type profileChartRow struct {
	Left, Right string
	Empty       bool
	Bars        []profileBar
	Values      []string // per series: "Today −0.33 ± 0.47 (n = 12)"
	Gap         string   // target − today, when both have votes
}

type profileBar struct {
	Class                       string
	X, Y, W, H                  string
	Lo, Hi, Mid, CapTop, CapBot string
	Mean, MeanTop, MeanBot      string
}

func seriesLabel(s string) string {
	switch s {
	case "today":
		return "Today"
	case "target":
		return "Target"
	}
	return s
}

func seriesClass(s string) string {
	if s == "today" || s == "target" {
		return s
	}
	return "other"
}

func newProfileChart(entries []quorum.ProfileEntry) *profileChart {
	c := &profileChart{}
	series := profileSeries(entries)
	for _, s := range series {
		c.Series = append(c.Series, seriesKey{Label: seriesLabel(s), Class: seriesClass(s)})
	}
	lane := 10 / math.Max(1, float64(len(series)))
	for _, row := range profileRows(entries) {
		pr := profileChartRow{Left: row.left, Right: row.right, Empty: true}
		for i, s := range series {
			en := row.series[s]
			if en == nil {
				continue
			}
			if en.N == 0 {
				pr.Values = append(pr.Values, seriesLabel(s)+": no votes")
				continue
			}
			pr.Empty = false
			pr.Values = append(pr.Values, fmt.Sprintf("%s %s ± %s (n = %d)", seriesLabel(s), fmtSigned(en.Mean), fmtFixed(en.Spread, 2), en.N))
			y := float64(i) * lane
			mid := y + lane/2
			m := clamp(en.Mean, -1, 1)
			pr.Bars = append(pr.Bars, profileBar{
				Class: seriesClass(s),
				X:     num(math.Min(0, m)), W: num(math.Abs(m)),
				Y: num(y + lane*0.12), H: num(lane * 0.76),
				Lo: num(clamp(en.Mean-en.Spread, -1, 1)), Hi: num(clamp(en.Mean+en.Spread, -1, 1)),
				Mid: num(mid), CapTop: num(mid - lane*0.22), CapBot: num(mid + lane*0.22),
				Mean: num(m), MeanTop: num(y + lane*0.05), MeanBot: num(y + lane*0.95),
			})
		}
		today, target := row.series["today"], row.series["target"]
		if today != nil && target != nil && today.N > 0 && target.N > 0 {
			pr.Gap = fmtSigned(target.Mean - today.Mean)
		}
		c.Rows = append(c.Rows, pr)
	}
	return c
}
