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
// then the steps, as many to a page as fit whole, each with its chart (and
// the facilitator's notes with Options.Notes). It has no script and no
// inline style (the stylesheet is StylesheetURL), so it runs under a
// Content-Security-Policy of default-src 'self'. Results are the room's:
// names show only in the list of participants that closes a report with
// names, never next to an answer.
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
	Proxies      int
	Groups       []groupCount
	ExportedAt   string
	Anonymous    bool
	Names        string // the session's setting, quorum.Names
	Notes        bool   // the steps show the facilitator's notes
	Status       string
	Steps        []reportStep
	Profile      *profileChart // the room profile, when no step of the agenda shows it
	Roster       []rosterRow   // the participants, in a report with names
}

// rosterRow is one participant in the list of a report with names: who
// took part, never what they answered.
type rosterRow struct {
	ID      string
	Name    string
	Answers int // the steps they answered, in the current rounds
	Proxy   bool
}

type groupCount struct {
	Name string
	N    int
}

type reportStep struct {
	Number   int
	Kind     string
	KindName string
	Round    int // the current round, once the step was asked again
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
	Rounds   *resultTable // every round, once the step was asked again
	Moved    []string     // who moved between rounds
	Groups   *resultTable // the current round by group
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
		Names:        string(e.Session.Names),
		Notes:        e.notes,
		Status:       string(e.Session.Status),
	}
	p.Roster = e.roster()
	if e.Agenda.Title != e.Session.Title {
		p.AgendaTitle = e.Agenda.Title
	}
	p.Proxies = e.proxies()
	p.Groups = e.headcounts()
	hasProfileStep := false
	for i := range e.Steps {
		def := e.def(i)
		rs := reportStep{
			Number:   i + 1,
			Kind:     string(def.Kind),
			KindName: kindName(def.Kind),
			Title:    def.Title,
			Body:     blocks(def.Body),
			Notes:    e.notesOf(def.Notes),
			Headline: e.Headline(i),
			Short:    e.shortHeadline(i),
		}
		st := &e.Steps[i]
		if r := st.Results; r != nil {
			answered := fmt.Sprintf("%d of %d participants answered", r.N, len(e.Participants))
			if n := e.proxyVotes(i); n > 0 {
				answered += fmt.Sprintf(" (%s)", plural(n, "proxy vote", "proxy votes"))
			}
			rs.Meta = append(rs.Meta, answered)
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
			if len(st.Rounds) > 0 {
				rs.Round = st.Round
				rs.Rounds = e.roundsTable(i)
			}
			rs.Groups = e.groupsTable(i)
		}
		for _, sh := range e.Shifts {
			if sh.Step == i {
				rs.Moved = append(rs.Moved, movedLine(sh))
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
			rs.Profile = e.profileChart()
		}
		p.Steps = append(p.Steps, rs)
	}
	if !hasProfileStep && len(e.Profile) > 0 {
		p.Profile = e.profileChart()
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
		return e.Steps[i].roundPrefix() + fmt.Sprintf("mean %s of %d, spread ± %s, n = %d", fmtFixed(deref(r.Mean), 1), def.Points, fmtFixed(deref(r.StdDev), 1), r.N)
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

// ---------------------------------------------------------------- rounds and groups

// resultTable is a table of results side by side: a step's rounds, a step's
// groups, or the profile's groups.
type resultTable struct {
	Caption string
	First   string   // the head of the first column
	Head    []string // the heads of the others
	Rows    []resultRow
	Notes   []string // under the table
	Words   bool     // the last column is words, not a number
}

type resultRow struct {
	Name    string
	Cells   []string
	Note    string // instead of the cells: a hidden group
	Current bool
}

// resultHead is the head of the columns resultCells fills.
func resultHead(def *quorum.Step) []string {
	var head []string
	switch def.Kind {
	case quorum.KindChoice:
		head = append(head, def.Options...)
	case quorum.KindScale:
		for p := 1; p <= def.Points; p++ {
			head = append(head, pointLabel(def, p))
		}
	}
	head = append(head, "n")
	switch def.Kind {
	case quorum.KindScale:
		head = append(head, "Mean", "Spread")
	case quorum.KindText:
		head = append(head, "Most given")
	}
	return head
}

// resultCells is one round's or group's results in a table row.
func resultCells(def *quorum.Step, r *Results) []string {
	var cells []string
	switch def.Kind {
	case quorum.KindChoice:
		for _, c := range r.Counts {
			cells = append(cells, fmt.Sprintf("%d (%s%%)", c, fmtFixed(pct(c, r.N), 0)))
		}
	case quorum.KindScale:
		for _, c := range r.Counts {
			cells = append(cells, fmt.Sprint(c))
		}
	}
	cells = append(cells, fmt.Sprint(r.N))
	switch {
	case def.Kind == quorum.KindScale && r.N > 0:
		cells = append(cells, fmtFixed(deref(r.Mean), 1), "± "+fmtFixed(deref(r.StdDev), 1))
	case def.Kind == quorum.KindScale:
		cells = append(cells, "", "")
	case def.Kind == quorum.KindText:
		cells = append(cells, resultHeadline(def, r))
	}
	return cells
}

// roundsTable is every round of step i, the current one last.
func (e *Export) roundsTable(i int) *resultTable {
	st, def := &e.Steps[i], e.def(i)
	t := &resultTable{Caption: "Every round", First: "Round", Head: resultHead(def), Words: def.Kind == quorum.KindText}
	for j := range st.Rounds {
		t.Rows = append(t.Rows, resultRow{Name: fmt.Sprintf("Round %d", j+1), Cells: resultCells(def, &st.Rounds[j])})
	}
	t.Rows = append(t.Rows, resultRow{Name: fmt.Sprintf("Round %d (above)", st.Round), Cells: resultCells(def, st.Results), Current: true})
	return t
}

// groupsTable is step i's current round by group, nil when the step is not
// split by group.
func (e *Export) groupsTable(i int) *resultTable {
	st, def := &e.Steps[i], e.def(i)
	if len(st.Groups) == 0 {
		return nil
	}
	t := &resultTable{Caption: "By group", First: "Group", Head: resultHead(def)}
	if len(st.Rounds) > 0 {
		t.Caption = fmt.Sprintf("By group, round %d", st.Round)
	}
	for _, g := range st.Groups {
		row := resultRow{Name: groupName(g.Group, g.Pooled)}
		if g.Hidden || g.Results == nil {
			row.Note = e.hiddenNote()
		} else {
			row.Cells = resultCells(def, g.Results)
		}
		t.Rows = append(t.Rows, row)
	}
	t.Notes = append(t.Notes, e.poolNote())
	return t
}

// poolNote explains how small groups are pooled.
func (e *Export) poolNote() string {
	return fmt.Sprintf("A group with fewer than %d answers counts under %s, with the answers given without a group; too few of those, and the pool is hidden too.", e.minGroupSize(), quorum.OtherGroups)
}

// profileGroupsTable is the profile by group: a row per bar, a column per
// group shown; hidden groups are named under the table.
func (e *Export) profileGroupsTable() *resultTable {
	if len(e.ProfileGroups) == 0 {
		return nil
	}
	t := &resultTable{Caption: "By group: mean position from −1 to +1 (answers)", First: "Dimension"}
	var shown []ProfileGroup
	for _, g := range e.ProfileGroups {
		if g.Hidden {
			t.Notes = append(t.Notes, fmt.Sprintf("%s: %s.", groupName(g.Group, g.Pooled), e.hiddenNote()))
			continue
		}
		shown = append(shown, g)
		t.Head = append(t.Head, groupName(g.Group, g.Pooled))
	}
	if len(shown) == 0 {
		t.Head = nil
	}
	for _, en := range e.Profile {
		row := resultRow{Name: fmt.Sprintf("%s ↔ %s · %s", en.Left, en.Right, seriesLabel(seriesName(en.Series)))}
		for _, g := range shown {
			cell := "no votes"
			for _, ge := range g.Profile {
				if ge.Dimension == en.Dimension && ge.Series == en.Series && ge.N > 0 {
					cell = fmt.Sprintf("%s (%d)", fmtSigned(ge.Mean), ge.N)
					if ge.Split {
						cell += ", split"
					}
				}
			}
			row.Cells = append(row.Cells, cell)
		}
		t.Rows = append(t.Rows, row)
	}
	if len(shown) == 0 {
		t.Rows = nil
	}
	t.Notes = append(t.Notes, e.poolNote())
	return t
}

// headcounts are the participants of each group, for the cover: groups under
// the session's minimum group size, and people without a group, are counted
// together as Other groups. Nil when no group reaches the minimum, and in an
// anonymous export, which has no groups.
func (e *Export) headcounts() []groupCount {
	counts := map[string]int{}
	for _, pt := range e.Participants {
		counts[pt.Segment]++
	}
	var out []groupCount
	other := counts[""]
	for _, s := range e.segments() {
		if counts[s] >= e.minGroupSize() {
			out = append(out, groupCount{Name: s, N: counts[s]})
		} else {
			other += counts[s]
		}
	}
	if out != nil && other > 0 {
		out = append(out, groupCount{Name: quorum.OtherGroups, N: other})
	}
	return out
}

// proxyVotes counts the current votes on step i the facilitator entered.
func (e *Export) proxyVotes(i int) int {
	people := e.voters()
	n := 0
	for _, v := range e.Votes {
		if _, _, proxy := people.of(v.Participant); proxy && v.Step == i {
			n++
		}
	}
	return n
}

// ---------------------------------------------------------------- profile

// Each dimension of the profile is one SVG, 600 units wide: a lane per
// series with a bar from the midpoint to the mean, the middle half of the
// answers (Q1 to Q3) as a band behind it and the mean as a mark; under the
// lanes, an arrow per gap from the first series' mean to the later one's.
const (
	profW      = 600.0
	profMid    = profW / 2
	profHalf   = 280.0 // from the midpoint to a pole
	profLaneH  = 40.0
	profArrowH = 32.0
	profHead   = 12.0 // the arrowhead's length
)

// profX is a position from −1 to +1 on the chart.
func profX(pos float64) float64 { return profMid + profHalf*clamp(pos, -1, 1) }

type profileChart struct {
	Series []seriesKey
	Rows   []profileChartRow
	Moved  []string     // who moved between series
	Groups *resultTable // the profile by group
}

type seriesKey struct {
	Label, Class string
}

type profileChartRow struct {
	Left, Right string
	Empty       bool
	W, H        string
	Mid, Lo, Hi string // x of the midpoint and of the half-way lines
	Lanes       []profileLane
	Arrows      []gapArrow
	Title       string   // the row in words, for the SVG's title
	Values      []string // per series: "Today +0.17, middle half −0.33 to +0.67, n = 4"
	Gaps        []string // "gap today → target −0.17"
	Flags       []profileFlag
	Largest     bool // holds the profile's largest gap
}

// profileFlag points at what to discuss: a split room, the largest gap.
type profileFlag struct {
	Class, Text string
}

type profileLane struct {
	Class                  string
	BarX, BarW, BarY, BarH string
	BandX, BandW, BandY    string
	BandH                  string
	Mean, MeanTop, MeanBot string
	Label                  string
}

type gapArrow struct {
	Largest                string
	X1, X2, Y              string
	Head                   string // the arrowhead's points
	LabelX, Anchor, LabelY string
	Label                  string
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

func (e *Export) profileChart() *profileChart {
	c := &profileChart{Groups: e.profileGroupsTable()}
	series := profileSeries(e.Profile)
	for _, s := range series {
		c.Series = append(c.Series, seriesKey{Label: seriesLabel(s), Class: seriesClass(s)})
	}
	for _, row := range profileRows(e.Profile) {
		pr := profileChartRow{Left: row.left, Right: row.right, Empty: true,
			W: num(profW), Mid: num(profMid), Lo: num(profX(-0.5)), Hi: num(profX(0.5))}
		lanes := 0
		for _, s := range series {
			en := row.series[s]
			if en == nil {
				continue
			}
			y := float64(lanes) * profLaneH
			lanes++
			if en.N == 0 {
				pr.Values = append(pr.Values, seriesLabel(s)+": no votes")
				continue
			}
			pr.Empty = false
			pr.Values = append(pr.Values, fmt.Sprintf("%s %s, middle half %s to %s, n = %d", seriesLabel(s), fmtSigned(en.Mean), fmtSigned(en.Q1), fmtSigned(en.Q3), en.N))
			if en.Split {
				text := "split room — discuss"
				if len(row.order) > 1 {
					text += " (" + seriesLabel(s) + ")"
				}
				pr.Flags = append(pr.Flags, profileFlag{Class: "split", Text: text})
			}
			m := profX(en.Mean)
			pr.Lanes = append(pr.Lanes, profileLane{
				Class: seriesClass(s),
				BarX:  num(math.Min(profMid, m)), BarW: num(math.Abs(m - profMid)), BarY: num(y + 12), BarH: num(profLaneH - 24),
				BandX: num(profX(en.Q1)), BandW: num(profX(en.Q3) - profX(en.Q1)), BandY: num(y + 4), BandH: num(profLaneH - 8),
				Mean: num(m), MeanTop: num(y + 1), MeanBot: num(y + profLaneH - 1),
				Label: fmt.Sprintf("%s: mean %s, middle half %s to %s", seriesLabel(s), fmtSigned(en.Mean), fmtSigned(en.Q1), fmtSigned(en.Q3)),
			})
		}
		h := float64(lanes) * profLaneH
		for _, g := range e.ProfileGaps {
			if g.Dimension != row.dimension {
				continue
			}
			from, to := row.series[seriesName(g.From)], row.series[seriesName(g.To)]
			if from == nil || to == nil {
				continue
			}
			pr.Gaps = append(pr.Gaps, fmt.Sprintf("gap %s → %s %s", seriesName(g.From), seriesName(g.To), fmtSigned(g.Gap)))
			if g.Largest {
				pr.Largest = true
				pr.Flags = append(pr.Flags, profileFlag{Class: "largest", Text: "largest gap"})
			}
			pr.Arrows = append(pr.Arrows, newGapArrow(profX(from.Mean), profX(to.Mean), h+profArrowH/2, g))
			h += profArrowH
		}
		pr.H = num(h)
		pr.Title = fmt.Sprintf("%s ↔ %s: %s", row.left, row.right, strings.Join(append(append([]string(nil), pr.Values...), pr.Gaps...), "; "))
		c.Rows = append(c.Rows, pr)
	}
	for _, sh := range e.Shifts {
		if sh.Step < 0 {
			c.Moved = append(c.Moved, movedLine(sh))
		}
	}
	return c
}

// newGapArrow draws a gap from x1 to x2 at height y, labelled on the side
// with room.
func newGapArrow(x1, x2, y float64, g quorum.ProfileGap) gapArrow {
	a := gapArrow{Y: num(y), LabelY: num(y + 6), Label: fmtSigned(g.Gap)}
	if g.Largest {
		a.Largest = " is-largest"
	}
	dir := 1.0
	if x2 < x1 {
		dir = -1
	}
	length := math.Abs(x2 - x1)
	head := math.Min(profHead, length)
	a.X1, a.X2 = num(x1), num(x2-dir*head)
	a.Head = fmt.Sprintf("%s,%s %s,%s %s,%s", num(x2), num(y), num(x2-dir*head), num(y-7), num(x2-dir*head), num(y+7))
	if length < 1 {
		a.Head = ""
	}
	lo, hi := math.Min(x1, x2), math.Max(x1, x2)
	if (dir > 0 && hi < profW-80) || lo < 80 {
		a.LabelX, a.Anchor = num(hi+8), "start"
	} else {
		a.LabelX, a.Anchor = num(lo-8), "end"
	}
	return a
}

// notesOf is a step's notes as the report shows them: none unless asked for.
func (e *Export) notesOf(notes string) []textBlock {
	if !e.notes {
		return nil
	}
	return blocks(notes)
}

// roster lists the participants of a report with names, in join order, with
// how many steps each answered; an anonymous report has none.
func (e *Export) roster() []rosterRow {
	if e.Anonymous {
		return nil
	}
	answers := make(map[string]int, len(e.Participants))
	for _, v := range e.Votes {
		answers[v.Participant]++
	}
	out := make([]rosterRow, 0, len(e.Participants))
	for _, p := range e.Participants {
		out = append(out, rosterRow{ID: p.ID, Name: p.Name, Answers: answers[p.ID], Proxy: p.Proxy})
	}
	return out
}
