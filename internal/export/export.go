// Package export turns a session into the files a facilitator takes home: a
// CSV of every response, a summary CSV, an Excel workbook, a JSON document of
// the whole session and a print-ready HTML report. docs/export.md describes
// every format.
//
// Build takes a snapshot: the Export it returns shares nothing with the
// session, so the caller may build it where the session lives (the room's
// goroutine, or a session freshly loaded from the store) and write the files
// anywhere else. The writers use only the exported fields of Export, so an
// Export decoded from its own JSON writes the same files again.
package export

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// Format is the schema version of the JSON document. A change that breaks
// scripts written for it gets a new version.
const Format = "quorum-export/1"

// Options says how to export.
type Options struct {
	// Anonymous leaves participants' names and segments out of every format;
	// pseudonyms (P001, …) stay. A session whose names are hidden is always
	// exported anonymously, whatever this says: its phones were told "Your
	// answers are anonymous".
	Anonymous bool
	// Notes puts the facilitator's notes in the report; other formats carry
	// them in the agenda whatever this says.
	Notes bool
	// Now is the time of the export, shown as "exported at"; zero means time.Now().
	Now time.Time
	// Location is the time zone of the times people read: the report, the
	// workbook and the date in the file name. Nil means UTC. The CSV and JSON
	// formats always give RFC 3339 times in UTC.
	Location *time.Location
}

// Export is the exported session. It is also the JSON document itself: its
// json tags are the documented format ("format": "quorum-export/1").
type Export struct {
	Format       string          `json:"format"`
	ExportedAt   time.Time       `json:"exportedAt"`
	Anonymous    bool            `json:"anonymous"`
	Session      Session         `json:"session"`
	Settings     quorum.Settings `json:"settings"`
	Agenda       *quorum.Agenda  `json:"agenda"`
	Participants []Participant   `json:"participants"`
	Steps        []Step          `json:"steps"`
	Votes        []Vote          `json:"votes"`
	// EarlierVotes are the votes of the rounds a step was asked before its
	// current one; Votes stays the current answers.
	EarlierVotes  []Vote                `json:"earlierVotes"`
	Profile       []quorum.ProfileEntry `json:"profile"`
	ProfileGaps   []quorum.ProfileGap   `json:"profileGaps"`
	ProfileGroups []ProfileGroup        `json:"profileGroups"`
	Shifts        []quorum.Shift        `json:"shifts"`
	History       []Event               `json:"history"`

	loc   *time.Location // for people's times; nil is UTC
	notes bool           // the report shows the facilitator's notes
}

// Session is the session's identity and life.
type Session struct {
	ID          string        `json:"id"`
	Title       string        `json:"title"`
	Status      quorum.Status `json:"status"`
	CurrentStep int           `json:"currentStep"`
	CreatedAt   time.Time     `json:"createdAt"`
	StartedAt   *time.Time    `json:"startedAt"` // null while in the lobby
	EndedAt     *time.Time    `json:"endedAt"`   // null until it ends
	// Names is what the phones were told: "hidden" (answers are
	// anonymous, and so is every export) or "visible".
	Names quorum.Names `json:"names"`
}

// Participant is one participant under a pseudonym. The server's own
// participant ids and tokens are never exported.
type Participant struct {
	ID   string `json:"id"`             // P001, P002, … in join order
	Name string `json:"name,omitempty"` // absent if none was given, or anonymous
	// Segment is absent if none was chosen, and in an anonymous export: there
	// a small group's answers would be its members'.
	Segment  string    `json:"segment,omitempty"`
	JoinedAt time.Time `json:"joinedAt"`
	Proxy    bool      `json:"proxy,omitempty"` // the facilitator voted for them
}

// Step is one agenda step's state and results. Its definition (options,
// poles, notes) is Agenda.Steps[Index].
type Step struct {
	Index    int             `json:"index"` // from 0, as in the protocol
	Kind     quorum.StepKind `json:"kind"`
	Title    string          `json:"title"`
	Voting   quorum.Voting   `json:"voting"`
	Revealed bool            `json:"revealed"`
	// Round is the current round, from 1 (choice, scale and text steps).
	Round   int      `json:"round,omitempty"`
	Results *Results `json:"results,omitempty"` // choice, scale and text steps: the current round
	// Rounds are the results of the earlier rounds: Rounds[0] is round 1.
	Rounds []Results `json:"rounds,omitempty"`
	// Groups split a choice or scale step's current round by segment, with
	// small groups pooled (see Group); absent when the agenda has no segments.
	Groups []Group `json:"groups,omitempty"`
}

// Group is a step's current round among one group of participants. A group
// with fewer answers than the session's minGroupSize is pooled as
// quorum.OtherGroups; a pool still too small is hidden and has no results.
type Group struct {
	Group   string   `json:"group"`
	Pooled  int      `json:"pooled,omitempty"` // the pool: how many groups it holds
	Hidden  bool     `json:"hidden,omitempty"`
	Results *Results `json:"results,omitempty"`
}

// ProfileGroup is the profile of one group, pooled and hidden as Group is.
type ProfileGroup struct {
	Group       string                `json:"group"`
	Pooled      int                   `json:"pooled,omitempty"`
	Hidden      bool                  `json:"hidden,omitempty"`
	Profile     []quorum.ProfileEntry `json:"profile,omitempty"`
	ProfileGaps []quorum.ProfileGap   `json:"profileGaps,omitempty"`
}

// Results is a step's tally, in the shape of the protocol's results.
type Results struct {
	N       int                `json:"n"`
	Counts  []int              `json:"counts,omitempty"`  // choice: per option; scale: per point, counts[0] is point 1
	Correct *int               `json:"correct,omitempty"` // choice: the correct option's index, if any
	Mean    *float64           `json:"mean,omitempty"`    // scale: mean point, 0 without votes
	StdDev  *float64           `json:"stdDev,omitempty"`  // scale: population standard deviation
	Words   []quorum.WordCount `json:"words,omitempty"`   // text: every distinct answer, most given first
}

// Vote is one participant's answer to one step in one round.
type Vote struct {
	Step        int       `json:"step"`        // step index from 0
	Round       int       `json:"round"`       // from 1
	Participant string    `json:"participant"` // pseudonym
	Value       Value     `json:"value"`
	Label       string    `json:"label"`
	At          time.Time `json:"at"`
}

// Event is one entry of the state history: a facilitator command (or a
// countdown running out) and the step it applied to.
type Event struct {
	At     time.Time     `json:"at"`
	Action quorum.Action `json:"action"`
	Step   int           `json:"step"`
}

// Build turns a session (as loaded from the store, tallies included) and its
// state history into the export model.
func Build(s *quorum.Session, events []quorum.Event, opts Options) *Export {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	// The phone's promise decides first: only a session whose phones said
	// names are visible may export them.
	anonymous := opts.Anonymous || s.Names != quorum.NamesVisible
	profile := s.Profile()
	e := &Export{
		Format:     Format,
		ExportedAt: now.UTC(),
		Anonymous:  anonymous,
		Session: Session{
			ID:          s.ID,
			Title:       s.Title,
			Status:      s.Status,
			CurrentStep: s.CurrentStep,
			CreatedAt:   s.CreatedAt.UTC(),
			StartedAt:   optTime(s.StartedAt),
			EndedAt:     optTime(s.EndedAt),
			Names:       s.Names,
		},
		Settings:      s.Settings,
		Agenda:        s.Agenda.Clone(),
		Participants:  []Participant{},
		Steps:         make([]Step, len(s.Agenda.Steps)),
		Votes:         []Vote{},
		EarlierVotes:  []Vote{},
		Profile:       profile.Entries,
		ProfileGaps:   append([]quorum.ProfileGap{}, profile.Gaps...),
		ProfileGroups: []ProfileGroup{},
		Shifts:        append([]quorum.Shift{}, s.Shifts()...),
		History:       make([]Event, 0, len(events)),
		loc:           opts.Location,
		notes:         opts.Notes,
	}
	people := s.Participants()
	pseudonyms := make(map[string]string, len(people))
	for i, p := range people {
		id := Pseudonym(i)
		pseudonyms[p.ID] = id
		out := Participant{ID: id, JoinedAt: p.JoinedAt.UTC(), Proxy: p.Proxy}
		if !anonymous {
			out.Name, out.Segment = p.Name, p.Segment
		}
		e.Participants = append(e.Participants, out)
	}
	// votes lists one round's votes on step i in join order.
	votes := func(i, round int, t *quorum.Tally, voteOf func(id string) *quorum.Vote) []Vote {
		def := &s.Agenda.Steps[i]
		spellings := map[string]string{}
		for _, w := range t.Words(0) {
			spellings[quorum.NormalizeText(w.Text)] = w.Text
		}
		var out []Vote
		for _, p := range people {
			v := voteOf(p.ID)
			if v == nil {
				continue
			}
			out = append(out, Vote{
				Step:        i,
				Round:       round,
				Participant: pseudonyms[p.ID],
				Value:       valueOf(def.Kind, v.Value),
				Label:       valueLabel(def, v.Value, spellings),
				At:          v.At.UTC(),
			})
		}
		return out
	}
	for i := range s.Agenda.Steps {
		def := &s.Agenda.Steps[i]
		st := Step{Index: i, Kind: def.Kind, Title: def.Title}
		if i < len(s.Steps) {
			st.Voting, st.Revealed = s.Steps[i].Voting, s.Steps[i].Revealed
		}
		if def.Kind.Votable() {
			for j, r := range s.PastRounds(i) {
				st.Rounds = append(st.Rounds, *results(def, r.Tally))
				e.EarlierVotes = append(e.EarlierVotes, votes(i, j+1, r.Tally, func(id string) *quorum.Vote { return r.Votes[id] })...)
			}
			st.Round = len(st.Rounds) + 1
			st.Results = results(def, s.Tally(i))
			e.Votes = append(e.Votes, votes(i, st.Round, s.Tally(i), func(id string) *quorum.Vote {
				if v, ok := s.VoteOf(i, id); ok {
					return &v
				}
				return nil
			})...)
		}
		// Text steps are not split by group, as on screen: a word list per
		// group would tie a small group to its words.
		if def.Kind == quorum.KindChoice || def.Kind == quorum.KindScale {
			for _, g := range s.GroupsOf(i) {
				out := Group{Group: g.Group, Pooled: g.Pooled, Hidden: g.Hidden}
				if !g.Hidden && g.Tally != nil {
					out.Results = results(def, g.Tally)
				}
				st.Groups = append(st.Groups, out)
			}
		}
		e.Steps[i] = st
	}
	for _, g := range s.ProfileByGroup() {
		e.ProfileGroups = append(e.ProfileGroups, ProfileGroup{Group: g.Group, Pooled: g.Pooled, Hidden: g.Hidden, Profile: g.Profile.Entries, ProfileGaps: g.Profile.Gaps})
	}
	for _, ev := range events {
		e.History = append(e.History, Event{At: ev.At.UTC(), Action: ev.Action, Step: ev.Step})
	}
	return e
}

// Pseudonym is the name of the i-th participant to join (from 0): P001, P002, …
// (P1000 and on past 999).
func Pseudonym(i int) string { return fmt.Sprintf("P%03d", i+1) }

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func results(def *quorum.Step, t *quorum.Tally) *Results {
	r := &Results{N: t.N}
	switch def.Kind {
	case quorum.KindChoice:
		r.Counts = append([]int(nil), t.Counts...)
		if def.Correct != nil {
			c := *def.Correct
			r.Correct = &c
		}
	case quorum.KindScale:
		r.Counts = append([]int(nil), t.Counts...)
		mean, sd := t.Mean(), t.StdDev()
		r.Mean, r.StdDev = &mean, &sd
	case quorum.KindText:
		r.Words = t.Words(0)
	}
	return r
}

func valueOf(kind quorum.StepKind, v quorum.Value) Value {
	if kind == quorum.KindText {
		return Value{Text: v.Text, IsText: true}
	}
	return Value{Number: v.Number}
}

// valueLabel is a vote's value in words: the option, the point with its
// poles, or the answer as the word list shows it (its most common spelling).
func valueLabel(def *quorum.Step, v quorum.Value, spellings map[string]string) string {
	switch def.Kind {
	case quorum.KindChoice:
		if v.Number >= 0 && v.Number < len(def.Options) {
			return def.Options[v.Number]
		}
	case quorum.KindScale:
		return scaleLabel(def, v.Number)
	case quorum.KindText:
		if sp, ok := spellings[quorum.NormalizeText(v.Text)]; ok {
			return sp
		}
		return v.Text
	}
	return ""
}

// scaleLabel is "3 of 7 (Vision ↔ Execution)".
func scaleLabel(def *quorum.Step, point int) string {
	return fmt.Sprintf("%d of %d (%s ↔ %s)", point, def.Points, def.Left, def.Right)
}

// ------------------------------------------------------------ helpers for the writers

// def returns the agenda definition of step i.
func (e *Export) def(i int) *quorum.Step { return &e.Agenda.Steps[i] }

func (e *Export) location() *time.Location {
	if e.loc == nil {
		return time.UTC
	}
	return e.loc
}

// local is t in the time zone people read.
func (e *Export) local(t time.Time) time.Time { return t.In(e.location()) }

// voters tells who gave a vote, by pseudonym.
type voters struct {
	byID      map[string]*Participant
	anonymous bool
}

func (e *Export) voters() voters {
	v := voters{byID: make(map[string]*Participant, len(e.Participants)), anonymous: e.Anonymous}
	for i := range e.Participants {
		v.byID[e.Participants[i].ID] = &e.Participants[i]
	}
	return v
}

// of returns a voter's name and segment (both empty in an anonymous
// export), and whether the facilitator voted for them.
func (v voters) of(id string) (name, segment string, proxy bool) {
	if p := v.byID[id]; p != nil {
		name, segment, proxy = p.Name, p.Segment, p.Proxy
	}
	if v.anonymous {
		name, segment = "", ""
	}
	return name, segment, proxy
}

// responses lists the votes of every round, by step, then round, then
// pseudonym: the rows of the responses CSV and sheet.
func (e *Export) responses() []Vote {
	out := append(append(make([]Vote, 0, len(e.EarlierVotes)+len(e.Votes)), e.EarlierVotes...), e.Votes...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Step != out[j].Step {
			return out[i].Step < out[j].Step
		}
		return out[i].Round < out[j].Round
	})
	return out
}

// minGroupSize is the fewest answers a group shows on its own; a document
// without settings has the default.
func (e *Export) minGroupSize() int {
	if e.Settings.MinGroupSize < 1 {
		return quorum.DefaultSettings().MinGroupSize
	}
	return e.Settings.MinGroupSize
}

// splitShare is the share of answers on each side that makes a split room.
func (e *Export) splitShare() float64 {
	if e.Settings.SplitShare <= 0 {
		return quorum.DefaultSettings().SplitShare
	}
	return e.Settings.SplitShare
}

// proxies counts the participants the facilitator voted for.
func (e *Export) proxies() int {
	n := 0
	for _, p := range e.Participants {
		if p.Proxy {
			n++
		}
	}
	return n
}

// hiddenNote says why a pooled group shows nothing: "hidden: fewer than 3 answers".
func (e *Export) hiddenNote() string {
	return fmt.Sprintf("hidden: fewer than %d answers", e.minGroupSize())
}

// groupName is a group for people: a segment, or "Other groups (2 groups)".
// (A pool of one shown on its own is the answers given without a group.)
func groupName(group string, pooled int) string {
	if group == quorum.OtherGroups && pooled > 1 {
		return fmt.Sprintf("%s (%s)", group, plural(pooled, "group", "groups"))
	}
	return group
}

// date is the session's day: its start, or its creation before it starts.
func (e *Export) date() time.Time {
	if e.Session.StartedAt != nil {
		return e.local(*e.Session.StartedAt)
	}
	return e.local(e.Session.CreatedAt)
}

// Filename is the file name for ext: the slug of the session title, the
// session's date (its start, or its creation before it starts),
// "-anonymous" for an anonymous export, then ext, after a dot unless it
// starts with "." or "-": Filename("csv") and Filename(".csv") are
// "leadership-offsite-2026-11-28.csv", Filename("-summary.csv") is
// "leadership-offsite-2026-11-28-summary.csv". It is plain ASCII (ext
// aside), safe for a Content-Disposition header.
func (e *Export) Filename(ext string) string {
	name := Slug(e.Session.Title) + "-" + e.date().Format("2006-01-02")
	if e.Anonymous {
		name += "-anonymous"
	}
	if ext != "" && !strings.HasPrefix(ext, ".") && !strings.HasPrefix(ext, "-") {
		ext = "." + ext
	}
	return name + ext
}

const maxSlugLen = 60

// Slug is s in lower-case ASCII letters and digits joined by single dashes:
// accents are dropped ("Équipe" is "equipe"), other characters separate
// words. An empty result is "quorum-session".
func Slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		r = unicode.ToLower(r)
		var add string
		switch {
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			add = string(r)
		case folds[r] != "":
			add = folds[r]
		}
		if add == "" {
			dash = b.Len() > 0
			continue
		}
		if dash {
			b.WriteByte('-')
			dash = false
		}
		b.WriteString(add)
	}
	out := b.String()
	if len(out) > maxSlugLen {
		out = out[:maxSlugLen]
		if i := strings.LastIndexByte(out, '-'); i > maxSlugLen/2 {
			out = out[:i]
		}
		out = strings.TrimRight(out, "-")
	}
	if out == "" {
		return "quorum-session"
	}
	return out
}

// folds maps the lower-case accented Latin letters (Latin-1 Supplement and
// Latin Extended-A) to ASCII.
var folds = func() map[rune]string {
	m := map[rune]string{'ß': "ss", 'æ': "ae", 'œ': "oe", 'þ': "th", 'ĳ': "ij"}
	for ascii, letters := range map[string]string{
		"a": "àáâãäåāăą", "c": "çćĉċč", "d": "ďđð", "e": "èéêëēĕėęě", "g": "ĝğġģ", "h": "ĥħ",
		"i": "ìíîïĩīĭįı", "j": "ĵ", "k": "ķĸ", "l": "ĺļľŀł", "n": "ñńņňŉŋ", "o": "òóôõöøōŏő",
		"r": "ŕŗř", "s": "śŝşšſ", "t": "ţťŧ", "u": "ùúûüũūŭůűų", "w": "ŵ", "y": "ýÿŷ", "z": "źżž",
	} {
		for _, r := range letters {
			m[r] = ascii
		}
	}
	return m
}()

// ------------------------------------------------------------ numbers and words

func pct(count, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(count) / float64(n) * 100
}

// fmtFixed formats x with d decimals, without a negative zero.
func fmtFixed(x float64, d int) string {
	s := strconv.FormatFloat(x, 'f', d, 64)
	if strings.Trim(s, "-0.") == "" {
		return strings.TrimPrefix(s, "-")
	}
	return s
}

// fmtSigned formats a profile position for people: "−0.33", "+0.50", "0.00".
func fmtSigned(x float64) string {
	s := fmtFixed(x, 2)
	switch {
	case strings.HasPrefix(s, "-"):
		return "−" + s[1:]
	case s == "0.00":
		return s
	default:
		return "+" + s
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// kindName is a step kind for people.
func kindName(k quorum.StepKind) string {
	switch k {
	case quorum.KindInfo:
		return "Information"
	case quorum.KindChoice:
		return "Single choice"
	case quorum.KindScale:
		return "Scale"
	case quorum.KindText:
		return "Open text"
	case quorum.KindProfile:
		return "Profile"
	}
	return string(k)
}

// Headline is a step's result in one line, for the summary sheet and the
// report's contents: "Yes — 7 of 12 (58%), correct", "mean 4.3 of 7 …";
// "round 2: …" once a step was asked again.
func (e *Export) Headline(i int) string {
	st, def := &e.Steps[i], e.def(i)
	if def.Kind == quorum.KindProfile {
		return e.profileHeadline()
	}
	if st.Results == nil {
		return ""
	}
	return st.roundPrefix() + resultHeadline(def, st.Results)
}

// roundPrefix is "round 2: " for a step asked more than once.
func (st *Step) roundPrefix() string {
	if len(st.Rounds) == 0 {
		return ""
	}
	return fmt.Sprintf("round %d: ", st.Round)
}

// resultHeadline is one round's (or one group's) result in one line.
func resultHeadline(def *quorum.Step, r *Results) string {
	if r.N == 0 {
		return "no votes"
	}
	switch def.Kind {
	case quorum.KindChoice:
		best := 0
		for _, c := range r.Counts {
			best = max(best, c)
		}
		var top []string
		topCorrect := false
		for j, c := range r.Counts {
			if c == best && j < len(def.Options) {
				top = append(top, def.Options[j])
				topCorrect = topCorrect || (r.Correct != nil && *r.Correct == j)
			}
		}
		each := ""
		if len(top) > 1 {
			each = " each"
		}
		out := fmt.Sprintf("%s — %d%s of %d (%s%%)", strings.Join(top, " / "), best, each, r.N, fmtFixed(pct(best, r.N), 0))
		if r.Correct != nil && *r.Correct < len(r.Counts) {
			if topCorrect && len(top) == 1 {
				out += ", the correct answer"
			} else {
				c := *r.Correct
				out += fmt.Sprintf("; correct: %s, %d (%s%%)", def.Options[c], r.Counts[c], fmtFixed(pct(r.Counts[c], r.N), 0))
			}
		}
		return out
	case quorum.KindScale:
		return fmt.Sprintf("mean %s of %d (%s ↔ %s), spread ± %s, n = %d", fmtFixed(deref(r.Mean), 1), def.Points, def.Left, def.Right, fmtFixed(deref(r.StdDev), 1), r.N)
	case quorum.KindText:
		words := r.Words
		var parts []string
		for j, w := range words {
			if j == 3 {
				break
			}
			parts = append(parts, fmt.Sprintf("%s (%d)", w.Text, w.Count))
		}
		out := strings.Join(parts, ", ")
		if more := len(words) - len(parts); more > 0 {
			out += fmt.Sprintf(" and %d more", more)
		}
		return out
	}
	return ""
}

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// profileHeadline names the dimension with the largest gap between two
// series (today → target), or counts the dimensions.
func (e *Export) profileHeadline() string {
	rows := profileRows(e.Profile)
	if len(rows) == 0 {
		return ""
	}
	dims := plural(len(rows), "dimension", "dimensions")
	for _, g := range e.ProfileGaps {
		if !g.Largest {
			continue
		}
		for _, r := range rows {
			if r.dimension == g.Dimension {
				return fmt.Sprintf("%s; largest gap %s → %s: %s ↔ %s (%s)", dims, seriesName(g.From), seriesName(g.To), r.left, r.right, fmtSigned(g.Gap))
			}
		}
	}
	return dims
}

// shiftPair names what a shift compares: "Round 1 → Round 2", or for the
// series of a dimension "Vision ↔ Execution: today → target".
func shiftPair(sh quorum.Shift) string {
	if sh.Step >= 0 {
		return sh.From + " → " + sh.To
	}
	return fmt.Sprintf("%s ↔ %s: %s → %s", sh.Left, sh.Right, seriesName(sh.From), seriesName(sh.To))
}

// movedLine is who moved, for people: "Round 1 → Round 2: 3 moved toward
// Vision, 5 stayed, 2 moved toward Execution (10 answered both)".
func movedLine(sh quorum.Shift) string {
	return fmt.Sprintf("%s: %d moved toward %s, %d stayed, %d moved toward %s (%d answered both)",
		shiftPair(sh), sh.TowardLeft, sh.Left, sh.Stayed, sh.TowardRight, sh.Right, sh.Paired)
}

// profileRow is one dimension of the profile with its series.
type profileRow struct {
	dimension, left, right string
	series                 map[string]*quorum.ProfileEntry
	order                  []string
}

// profileRows groups profile entries by dimension, in order of appearance.
func profileRows(entries []quorum.ProfileEntry) []*profileRow {
	var rows []*profileRow
	byDim := map[string]*profileRow{}
	for i := range entries {
		en := &entries[i]
		r := byDim[en.Dimension]
		if r == nil {
			r = &profileRow{dimension: en.Dimension, left: en.Left, right: en.Right, series: map[string]*quorum.ProfileEntry{}}
			byDim[en.Dimension] = r
			rows = append(rows, r)
		}
		s := seriesName(en.Series)
		if r.series[s] == nil {
			r.order = append(r.order, s)
		}
		r.series[s] = en
	}
	return rows
}

// seriesName is a profile entry's series; an entry without one is "today", as on screen.
func seriesName(s string) string {
	if s == "" {
		return "today"
	}
	return s
}

// profileSeries lists the series present: today and target first, as on screen, then the others in order of appearance.
func profileSeries(entries []quorum.ProfileEntry) []string {
	seen := map[string]bool{}
	var others []string
	for _, en := range entries {
		s := seriesName(en.Series)
		if !seen[s] {
			seen[s] = true
			if s != "today" && s != "target" {
				others = append(others, s)
			}
		}
	}
	var out []string
	for _, s := range []string{"today", "target"} {
		if seen[s] {
			out = append(out, s)
		}
	}
	return append(out, others...)
}

// segments lists the groups participants chose: the agenda's, in its order,
// then any no longer in the agenda. Nil when nobody chose a group (and in an
// anonymous export, which has no groups).
func (e *Export) segments() []string {
	used := map[string]bool{}
	for _, p := range e.Participants {
		if p.Segment != "" {
			used[p.Segment] = true
		}
	}
	if len(used) == 0 {
		return nil
	}
	out := append([]string(nil), e.Agenda.Segments...)
	// A segment that is no longer in the agenda still counts.
	var extra []string
	for s := range used {
		if !contains(e.Agenda.Segments, s) {
			extra = append(extra, s)
		}
	}
	sort.Strings(extra)
	return append(out, extra...)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// duration is how long the session ran, for people: "1 h 25 min".
func duration(d time.Duration) string {
	m := int(d.Round(time.Minute) / time.Minute)
	switch {
	case d < time.Minute:
		return "under a minute"
	case m < 60:
		return fmt.Sprintf("%d min", m)
	case m%60 == 0:
		return fmt.Sprintf("%d h", m/60)
	default:
		return fmt.Sprintf("%d h %d min", m/60, m%60)
	}
}

// timeSpan describes when the session ran: "09:30–11:42 CET (2 h 12 min)",
// "started 09:30 UTC, still live", "not started".
func (e *Export) timeSpan() string {
	s := e.Session
	if s.StartedAt == nil {
		return "not started"
	}
	start := e.local(*s.StartedAt)
	if s.EndedAt == nil {
		return fmt.Sprintf("started %s %s, still live", start.Format("15:04"), start.Format("MST"))
	}
	end := e.local(*s.EndedAt)
	endFmt := "15:04"
	if end.Format("2006-01-02") != start.Format("2006-01-02") {
		endFmt = "2 January 15:04"
	}
	return fmt.Sprintf("%s–%s %s (%s)", start.Format("15:04"), end.Format(endFmt), end.Format("MST"), duration(s.EndedAt.Sub(*s.StartedAt)))
}

// clockSpan is timeSpan without the duration: "09:30–11:42 CET".
func (e *Export) clockSpan() string {
	s := e.timeSpan()
	if i := strings.LastIndex(s, " ("); i >= 0 && e.Session.EndedAt != nil {
		return s[:i]
	}
	return s
}

// durationText is the duration alone, or "still live" / "not started".
func (e *Export) durationText() string {
	s := e.Session
	switch {
	case s.StartedAt == nil:
		return "not started"
	case s.EndedAt == nil:
		return "still live"
	default:
		return duration(s.EndedAt.Sub(*s.StartedAt))
	}
}
