package quorum

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// StepKind says what a step asks of the room.
type StepKind string

const (
	KindInfo    StepKind = "info"    // a content slide, no vote
	KindChoice  StepKind = "choice"  // single choice among 2 to 8 options
	KindScale   StepKind = "scale"   // a two-pole scale of 5 or 7 points
	KindText    StepKind = "text"    // a short free answer
	KindProfile StepKind = "profile" // the aggregate of the scale steps by dimension and series
)

// Votable reports whether participants vote on steps of this kind.
func (k StepKind) Votable() bool {
	return k == KindChoice || k == KindScale || k == KindText
}

// withArticle is the kind with its indefinite article, for messages: "an info", "a scale".
func (k StepKind) withArticle() string {
	if k != "" && strings.ContainsRune("aeiou", rune(k[0])) {
		return "an " + string(k)
	}
	return "a " + string(k)
}

// Agenda limits. They keep a document small enough to hold in memory per
// session and to show on a phone.
const (
	MaxAgendaBytes   = 256 << 10
	MaxSteps         = 200
	MaxSegments      = 12
	MinOptions       = 2
	MaxOptions       = 8
	MaxTextLength    = 80
	maxTitleRunes    = 200
	maxBodyRunes     = 2000
	maxNotesRunes    = 4000
	maxLabelRunes    = 80
	maxSegmentRunes  = 40
	maxSeriesRunes   = 20
	maxDimensionLen  = 40
	maxAgendaIDRunes = 60
)

// Agenda is a workshop plan: what the room is asked, in order. Its JSON form is
// the public agenda format documented in docs/agenda.md.
type Agenda struct {
	ID       string   `json:"id,omitempty"`
	Title    string   `json:"title"`
	Segments []string `json:"segments,omitempty"`
	Steps    []Step   `json:"steps"`
}

// Step is one slide of an agenda. Which fields apply depends on Kind.
type Step struct {
	Kind  StepKind `json:"kind"`
	Title string   `json:"title"`
	Body  string   `json:"body,omitempty"`
	Notes string   `json:"notes,omitempty"`

	// choice
	Options []string `json:"options,omitempty"`
	Correct *int     `json:"correct,omitempty"`

	// scale
	Left      string `json:"left,omitempty"`
	Right     string `json:"right,omitempty"`
	Points    int    `json:"points,omitempty"`
	Dimension string `json:"dimension,omitempty"`
	Series    string `json:"series,omitempty"`

	// text
	MaxLength int `json:"maxLength,omitempty"`

	// choice, scale and text: reveal the results without the facilitator
	AutoReveal AutoReveal `json:"autoReveal,omitempty"`
}

// AutoReveal says when a step's results show themselves.
type AutoReveal string

const (
	RevealByHand     AutoReveal = ""          // the facilitator reveals
	RevealOnAllVoted AutoReveal = "all-voted" // once every connected participant has voted
	RevealOnTimer    AutoReveal = "timer"     // when the countdown ends
)

func (a AutoReveal) valid() bool {
	return a == RevealByHand || a == RevealOnAllVoted || a == RevealOnTimer
}

// ParseAgenda decodes and validates an agenda document. Unknown fields are
// refused so that a typo ("option" for "options") does not pass silently.
func ParseAgenda(data []byte) (*Agenda, error) {
	if len(data) > MaxAgendaBytes {
		return nil, Errorf(ETOOLARGE, "the agenda is larger than %d KiB", MaxAgendaBytes>>10)
	}
	// The steps are decoded one by one, so that a decoding problem inside a
	// step carries the step's path (steps[3].option), as validation problems
	// do. doc mirrors Agenda's top-level fields.
	var doc struct {
		ID       string            `json:"id"`
		Title    string            `json:"title"`
		Segments []string          `json:"segments"`
		Steps    []json.RawMessage `json:"steps"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, agendaDecodeError(err, "")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, agendaError(Problem{Message: "the document has data after the agenda object"})
	}
	a := Agenda{ID: doc.ID, Title: doc.Title, Segments: doc.Segments, Steps: make([]Step, len(doc.Steps))}
	var problems []Problem
	for i, raw := range doc.Steps {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&a.Steps[i]); err != nil {
			problems = append(problems, agendaDecodeError(err, fmt.Sprintf("steps[%d]", i)).Problems...)
		}
	}
	if len(problems) > 0 {
		return nil, agendaError(problems...)
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return &a, nil
}

// agendaDecodeError turns a decoding error into a problem; prefix is the path
// of the part of the document that was decoded ("" for the whole document).
func agendaDecodeError(err error, prefix string) *Error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		return agendaError(Problem{Path: joinPath(prefix, typeErr.Field), Message: fmt.Sprintf("must be %s, not %s", jsonTypeName(typeErr.Type.Kind().String()), typeErr.Value)})
	case errors.As(err, &syntaxErr):
		return agendaError(Problem{Message: fmt.Sprintf("not valid JSON at byte %d: %s", syntaxErr.Offset, syntaxErr.Error())})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return agendaError(Problem{Path: joinPath(prefix, field), Message: "is not a field of the agenda format"})
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return agendaError(Problem{Message: "the document is empty or cut short"})
	default:
		return agendaError(Problem{Message: "not a valid agenda document: " + err.Error()})
	}
}

func joinPath(prefix, field string) string {
	if prefix == "" || field == "" {
		return prefix + field
	}
	return prefix + "." + field
}

func jsonTypeName(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "int", "int64":
		return "a whole number"
	case "slice":
		return "a list"
	case "struct", "ptr":
		return "an object"
	case "bool":
		return "true or false"
	default:
		return goKind
	}
}

func agendaError(problems ...Problem) *Error {
	msg := problems[0].String()
	if n := len(problems) - 1; n == 1 {
		msg += " (and 1 more problem)"
	} else if n > 1 {
		msg += fmt.Sprintf(" (and %d more problems)", n)
	}
	return &Error{Code: EINVALIDAGENDA, Message: msg, Problems: problems}
}

var dimensionPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Validate checks the whole agenda and reports every problem it finds, each
// with the path of the offending field.
func (a *Agenda) Validate() error {
	var v validator
	v.text("id", a.ID, maxAgendaIDRunes, false)
	v.text("title", a.Title, maxTitleRunes, true)
	if len(a.Segments) > MaxSegments {
		v.add("segments", "at most %d segments", MaxSegments)
	}
	seenSegment := map[string]bool{}
	for i, s := range a.Segments {
		path := fmt.Sprintf("segments[%d]", i)
		v.text(path, s, maxSegmentRunes, true)
		if seenSegment[s] {
			v.add(path, "%q is listed twice", s)
		}
		seenSegment[s] = true
	}
	switch {
	case len(a.Steps) == 0:
		v.add("steps", "an agenda needs at least one step")
	case len(a.Steps) > MaxSteps:
		v.add("steps", "at most %d steps", MaxSteps)
	}
	hasDimension := false
	for _, s := range a.Steps {
		if s.Kind == KindScale && s.Dimension != "" {
			hasDimension = true
		}
	}
	for i := range a.Steps {
		v.step(fmt.Sprintf("steps[%d]", i), &a.Steps[i], hasDimension)
	}
	if len(v.problems) > 0 {
		return agendaError(v.problems...)
	}
	return nil
}

type validator struct{ problems []Problem }

func (v *validator) add(path, format string, args ...any) {
	v.problems = append(v.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) text(path, s string, maxRunes int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.add(path, "is required")
	case utf8.RuneCountInString(s) > maxRunes:
		v.add(path, "is longer than %d characters", maxRunes)
	case hasControl(s, false):
		v.add(path, "contains control characters")
	}
}

func (v *validator) multiline(path, s string, maxRunes int) {
	switch {
	case utf8.RuneCountInString(s) > maxRunes:
		v.add(path, "is longer than %d characters", maxRunes)
	case hasControl(s, true):
		v.add(path, "contains control characters")
	}
}

func (v *validator) absent(path string, present bool, kind StepKind) {
	if present {
		v.add(path, "does not apply to %s step", kind.withArticle())
	}
}

func (v *validator) step(path string, s *Step, hasDimension bool) {
	v.text(path+".title", s.Title, maxTitleRunes, true)
	v.multiline(path+".body", s.Body, maxBodyRunes)
	v.multiline(path+".notes", s.Notes, maxNotesRunes)
	isChoice, isScale, isText := s.Kind == KindChoice, s.Kind == KindScale, s.Kind == KindText
	switch s.Kind {
	case KindInfo, KindChoice, KindScale, KindText, KindProfile:
	case "":
		v.add(path+".kind", "is required (info, choice, scale, text or profile)")
		return
	default:
		v.add(path+".kind", "%q is not a step kind (info, choice, scale, text or profile)", s.Kind)
		return
	}
	if !isChoice {
		v.absent(path+".options", s.Options != nil, s.Kind)
		v.absent(path+".correct", s.Correct != nil, s.Kind)
	}
	if !isScale {
		v.absent(path+".left", s.Left != "", s.Kind)
		v.absent(path+".right", s.Right != "", s.Kind)
		v.absent(path+".points", s.Points != 0, s.Kind)
		v.absent(path+".dimension", s.Dimension != "", s.Kind)
		v.absent(path+".series", s.Series != "", s.Kind)
	}
	if !isText {
		v.absent(path+".maxLength", s.MaxLength != 0, s.Kind)
	}
	if !s.Kind.Votable() {
		v.absent(path+".autoReveal", s.AutoReveal != "", s.Kind)
	} else if !s.AutoReveal.valid() {
		v.add(path+".autoReveal", "%q is not a way to reveal (all-voted or timer; leave it out to reveal by hand)", s.AutoReveal)
	}
	switch {
	case isChoice:
		if len(s.Options) < MinOptions || len(s.Options) > MaxOptions {
			v.add(path+".options", "a choice step needs %d to %d options", MinOptions, MaxOptions)
		}
		seen := map[string]bool{}
		for i, o := range s.Options {
			optPath := fmt.Sprintf("%s.options[%d]", path, i)
			v.text(optPath, o, maxLabelRunes, true)
			if seen[o] {
				v.add(optPath, "%q is listed twice", o)
			}
			seen[o] = true
		}
		if s.Correct != nil && (*s.Correct < 0 || *s.Correct >= len(s.Options)) {
			v.add(path+".correct", "must be the index of an option, 0 to %d", max(len(s.Options)-1, 0))
		}
	case isScale:
		v.text(path+".left", s.Left, maxLabelRunes, true)
		v.text(path+".right", s.Right, maxLabelRunes, true)
		if s.Points != 5 && s.Points != 7 {
			v.add(path+".points", "a scale has 5 or 7 points")
		}
		if s.Dimension != "" && (len(s.Dimension) > maxDimensionLen || !dimensionPattern.MatchString(s.Dimension)) {
			v.add(path+".dimension", "use lower-case letters, digits and single dashes, at most %d characters (like vision-execution)", maxDimensionLen)
		}
		v.text(path+".series", s.Series, maxSeriesRunes, false)
		if s.Series != "" && s.Dimension == "" {
			v.add(path+".series", "a series needs a dimension")
		}
	case isText:
		if s.MaxLength < 0 || s.MaxLength > MaxTextLength {
			v.add(path+".maxLength", "must be between 1 and %d", MaxTextLength)
		}
	case s.Kind == KindProfile:
		if !hasDimension {
			v.add(path, "a profile step needs scale steps with a dimension")
		}
	}
}

// TextLimit is the longest answer a text step takes.
func (s *Step) TextLimit() int {
	if s.MaxLength == 0 {
		return MaxTextLength
	}
	return s.MaxLength
}

// hasControl reports control characters; multi-line fields may hold newlines and tabs.
func hasControl(s string, multiline bool) bool {
	for _, r := range s {
		if multiline && (r == '\n' || r == '\t' || r == '\r') {
			continue
		}
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}
