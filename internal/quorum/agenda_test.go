package quorum_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

func TestBuiltinAgendaParses(t *testing.T) {
	a, err := quorum.BuiltinAgenda("leadership-vs-management")
	if err != nil {
		t.Fatalf("BuiltinAgenda: %v", err)
	}
	if a.ID != "leadership-vs-management" {
		t.Errorf("ID = %q, want the file name", a.ID)
	}
	if want := "Leadership vs. Management — the five differences"; a.Title != want {
		t.Errorf("Title = %q, want %q", a.Title, want)
	}
	wantSegments := []string{"Executive", "Manager", "Team lead", "Individual contributor", "Other"}
	if !reflect.DeepEqual(a.Segments, wantSegments) {
		t.Errorf("Segments = %q, want %q", a.Segments, wantSegments)
	}
	// It validates again on its own (the loader panics otherwise, but say it).
	if err := a.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	// And round-trips through its public JSON form, which GET /api/agendas/{id} serves.
	data, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	again, err := quorum.ParseAgenda(data)
	if err != nil {
		t.Fatalf("re-parse of the marshalled built-in: %v", err)
	}
	if !reflect.DeepEqual(again, a) {
		t.Errorf("marshal/parse round trip changed the agenda")
	}

	kinds := make([]quorum.StepKind, len(a.Steps))
	for i, s := range a.Steps {
		kinds[i] = s.Kind
		if n := utf8.RuneCountInString(s.Title); n > 70 {
			t.Errorf("steps[%d].title has %d characters, too long for a projector: %q", i, n, s.Title)
		}
		if strings.TrimSpace(s.Notes) == "" {
			t.Errorf("steps[%d] (%s) has no facilitator notes", i, s.Title)
		}
	}
	wantKinds := []quorum.StepKind{
		quorum.KindInfo, quorum.KindScale,
		quorum.KindScale, quorum.KindScale, quorum.KindScale, quorum.KindScale, quorum.KindScale,
		quorum.KindScale, quorum.KindScale, quorum.KindScale, quorum.KindScale, quorum.KindScale,
		quorum.KindProfile, quorum.KindChoice,
		quorum.KindChoice, quorum.KindChoice, quorum.KindChoice,
		quorum.KindText, quorum.KindInfo,
	}
	if !reflect.DeepEqual(kinds, wantKinds) {
		t.Fatalf("step kinds = %v, want %v", kinds, wantKinds)
	}

	energy := a.Steps[1]
	if energy.Left != "Leading" || energy.Right != "Managing" || energy.Points != 7 || energy.Dimension != "" || energy.Series != "" {
		t.Errorf("energy step = %+v", energy)
	}

	pairs := []struct{ dimension, left, right string }{
		{"vision-execution", "Vision", "Execution"},
		{"people-processes", "People", "Processes"},
		{"inspiration-control", "Inspiration", "Control"},
		{"longterm-shortterm", "Long-term", "Short-term"},
		{"creativity-efficiency", "Creativity", "Efficiency"},
	}
	var wantOptions []string
	for i, p := range pairs {
		wantOptions = append(wantOptions, p.left+" ↔ "+p.right)
		for j, series := range []string{"today", "target"} {
			idx := 2 + 2*i + j
			s := a.Steps[idx]
			if s.Dimension != p.dimension || s.Series != series || s.Left != p.left || s.Right != p.right || s.Points != 7 {
				t.Errorf("steps[%d] = {dimension %q series %q left %q right %q points %d}, want {%q %q %q %q 7}",
					idx, s.Dimension, s.Series, s.Left, s.Right, s.Points, p.dimension, series, p.left, p.right)
			}
		}
	}

	balance := a.Steps[13]
	if !reflect.DeepEqual(balance.Options, wantOptions) || balance.Correct != nil {
		t.Errorf("balance step options = %q correct = %v, want %q and no correct answer", balance.Options, balance.Correct, wantOptions)
	}
	for _, idx := range []int{14, 15, 16} {
		s := a.Steps[idx]
		if !reflect.DeepEqual(s.Options, []string{"Yes", "No", "It depends"}) {
			t.Errorf("steps[%d].options = %q", idx, s.Options)
		}
		if s.Correct == nil || *s.Correct != 0 {
			t.Errorf("steps[%d].correct = %v, want 0 (Yes)", idx, s.Correct)
		}
	}
	if a.Steps[17].MaxLength != 80 || a.Steps[17].TextLimit() != 80 {
		t.Errorf("text step maxLength = %d", a.Steps[17].MaxLength)
	}

	// The profile of a fresh session has one entry per dimension and series, in agenda order.
	s, _, err := quorum.NewSession(a, "", now)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range s.Profile().Entries {
		got = append(got, e.Dimension+"/"+e.Series)
	}
	var want []string
	for _, p := range pairs {
		want = append(want, p.dimension+"/today", p.dimension+"/target")
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("profile entries = %q, want %q", got, want)
	}
}

func TestBuiltinAgendas(t *testing.T) {
	list := quorum.BuiltinAgendas()
	if len(list) == 0 {
		t.Fatal("no built-in agendas")
	}
	for i := 1; i < len(list); i++ {
		if list[i-1].ID >= list[i].ID {
			t.Errorf("BuiltinAgendas not sorted by id: %q before %q", list[i-1].ID, list[i].ID)
		}
	}
	_, err := quorum.BuiltinAgenda("no-such-agenda")
	if code := quorum.ErrorCode(err); code != quorum.EAGENDANOTFOUND {
		t.Errorf("unknown built-in: code %q, want %q", code, quorum.EAGENDANOTFOUND)
	}
}

// agendaDoc builds an agenda document around the given steps (JSON objects).
func agendaDoc(steps ...string) string {
	return `{"title":"T","steps":[` + strings.Join(steps, ",") + `]}`
}

const (
	infoStep  = `{"kind":"info","title":"Hello"}`
	scaleStep = `{"kind":"scale","title":"S","left":"L","right":"R","points":5,"dimension":"d","series":"today"}`
)

func TestParseAgendaValid(t *testing.T) {
	tests := []struct {
		name string
		doc  string
	}{
		{"one info step", agendaDoc(infoStep)},
		{"every kind", agendaDoc(infoStep,
			`{"kind":"choice","title":"C","options":["a","b"],"correct":1}`,
			scaleStep,
			`{"kind":"text","title":"X","maxLength":12}`,
			`{"kind":"profile","title":"P"}`)},
		{"choice with 8 options", agendaDoc(`{"kind":"choice","title":"C","options":["1","2","3","4","5","6","7","8"]}`)},
		{"correct 0", agendaDoc(`{"kind":"choice","title":"C","options":["a","b"],"correct":0}`)},
		{"scale of 7 without dimension", agendaDoc(`{"kind":"scale","title":"S","left":"L","right":"R","points":7}`)},
		{"profile before its scale steps", agendaDoc(`{"kind":"profile","title":"P"}`, scaleStep)},
		{"text with default length", agendaDoc(`{"kind":"text","title":"X"}`)},
		{"multi-line body and notes", agendaDoc(`{"kind":"info","title":"I","body":"a\nb\tc\r\n","notes":"n\n- m"}`)},
		{"id, segments", `{"id":"my-agenda","title":"T","segments":["A","B"],"steps":[` + infoStep + `]}`},
		{"trailing white space", agendaDoc(infoStep) + "\n\t "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := quorum.ParseAgenda([]byte(tt.doc)); err != nil {
				t.Fatalf("ParseAgenda: %v (problems %v)", err, quorum.ErrorProblems(err))
			}
		})
	}
}

func TestParseAgendaDecodesFields(t *testing.T) {
	a, err := quorum.ParseAgenda([]byte(agendaDoc(
		`{"kind":"choice","title":"C","body":"B","notes":"N","options":["a","b","c"],"correct":2}`,
		`{"kind":"scale","title":"S","left":"L","right":"R","points":7,"dimension":"vision-execution","series":"target"}`,
		`{"kind":"text","title":"X","maxLength":12}`)))
	if err != nil {
		t.Fatal(err)
	}
	two := 2
	want := []quorum.Step{
		{Kind: quorum.KindChoice, Title: "C", Body: "B", Notes: "N", Options: []string{"a", "b", "c"}, Correct: &two},
		{Kind: quorum.KindScale, Title: "S", Left: "L", Right: "R", Points: 7, Dimension: "vision-execution", Series: "target"},
		{Kind: quorum.KindText, Title: "X", MaxLength: 12},
	}
	if !reflect.DeepEqual(a.Steps, want) {
		t.Errorf("steps = %+v\nwant %+v", a.Steps, want)
	}
	if a.Steps[2].TextLimit() != 12 {
		t.Errorf("TextLimit = %d, want 12", a.Steps[2].TextLimit())
	}
}

func TestParseAgendaInvalid(t *testing.T) {
	p := func(path, msg string) quorum.Problem { return quorum.Problem{Path: path, Message: msg} }
	nineOptions := `["1","2","3","4","5","6","7","8","9"]`
	manySegments := `["1","2","3","4","5","6","7","8","9","10","11","12","13"]`
	tooManySteps := agendaDoc(strings.TrimSuffix(strings.Repeat(infoStep+",", quorum.MaxSteps+1), ","))
	tests := []struct {
		name string
		doc  string
		want []quorum.Problem
	}{
		// Structure of the document.
		{"empty document", ``, []quorum.Problem{p("", "the document is empty or cut short")}},
		{"cut short", `{"title":"T",`, []quorum.Problem{p("", "the document is empty or cut short")}},
		{"syntax error", `{"title":"T",}`, []quorum.Problem{p("", "not valid JSON at byte 14: invalid character '}' looking for beginning of object key string")}},
		{"data after the object", agendaDoc(infoStep) + ` {}`, []quorum.Problem{p("", "the document has data after the agenda object")}},
		{"not an object", `[]`, []quorum.Problem{p("", "must be an object, not array")}},
		{"unknown top-level field", `{"title":"T","titel":"x","steps":[` + infoStep + `]}`, []quorum.Problem{p("titel", "is not a field of the agenda format")}},
		{"unknown step field", agendaDoc(infoStep, `{"kind":"choice","title":"C","option":["a","b"]}`), []quorum.Problem{p("steps[1].option", "is not a field of the agenda format")}},
		{"unknown fields in two steps", agendaDoc(`{"kind":"info","title":"I","bdy":"x"}`, infoStep, `{"kind":"info","title":"I","note":"x"}`),
			[]quorum.Problem{p("steps[0].bdy", "is not a field of the agenda format"), p("steps[2].note", "is not a field of the agenda format")}},
		{"title is a number", `{"title":5,"steps":[` + infoStep + `]}`, []quorum.Problem{p("title", "must be a string, not number")}},
		{"steps is a string", `{"title":"T","steps":"no"}`, []quorum.Problem{p("steps", "must be a list, not string")}},
		{"segments hold a number", `{"title":"T","segments":[1],"steps":[` + infoStep + `]}`, []quorum.Problem{p("segments", "must be a string, not number")}},
		{"a step is a number", agendaDoc(infoStep, `3`), []quorum.Problem{p("steps[1]", "must be an object, not number")}},
		{"points is a string", agendaDoc(`{"kind":"scale","title":"S","left":"L","right":"R","points":"7"}`), []quorum.Problem{p("steps[0].points", "must be a whole number, not string")}},
		{"correct is a fraction", agendaDoc(`{"kind":"choice","title":"C","options":["a","b"],"correct":0.5}`), []quorum.Problem{p("steps[0].correct", "must be a whole number, not number 0.5")}},
		{"points written with a decimal point", agendaDoc(`{"kind":"scale","title":"S","left":"L","right":"R","points":7.0}`), []quorum.Problem{p("steps[0].points", "must be a whole number, not number 7.0")}},
		{"an option is a number", agendaDoc(`{"kind":"choice","title":"C","options":["a",2]}`), []quorum.Problem{p("steps[0].options", "must be a string, not number")}},

		// Top level.
		{"no title", `{"steps":[` + infoStep + `]}`, []quorum.Problem{p("title", "is required")}},
		{"blank title", `{"title":"  ","steps":[` + infoStep + `]}`, []quorum.Problem{p("title", "is required")}},
		{"title too long", `{"title":"` + strings.Repeat("é", 201) + `","steps":[` + infoStep + `]}`, []quorum.Problem{p("title", "is longer than 200 characters")}},
		{"newline in the title", `{"title":"a\nb","steps":[` + infoStep + `]}`, []quorum.Problem{p("title", "contains control characters")}},
		{"empty steps", `{"title":"T","steps":[]}`, []quorum.Problem{p("steps", "an agenda needs at least one step")}},
		{"no steps", `{"title":"T"}`, []quorum.Problem{p("steps", "an agenda needs at least one step")}},
		{"too many steps", tooManySteps, []quorum.Problem{p("steps", "at most 200 steps")}},
		{"too many segments", `{"title":"T","segments":` + manySegments + `,"steps":[` + infoStep + `]}`, []quorum.Problem{p("segments", "at most 12 segments")}},
		{"duplicate segment", `{"title":"T","segments":["A","B","A"],"steps":[` + infoStep + `]}`, []quorum.Problem{p("segments[2]", `"A" is listed twice`)}},
		{"empty segment", `{"title":"T","segments":[""],"steps":[` + infoStep + `]}`, []quorum.Problem{p("segments[0]", "is required")}},

		// Every step.
		{"no kind", agendaDoc(`{"title":"X"}`), []quorum.Problem{p("steps[0].kind", "is required (info, choice, scale, text or profile)")}},
		{"unknown kind", agendaDoc(`{"kind":"poll","title":"X"}`), []quorum.Problem{p("steps[0].kind", `"poll" is not a step kind (info, choice, scale, text or profile)`)}},
		{"no step title", agendaDoc(`{"kind":"info"}`), []quorum.Problem{p("steps[0].title", "is required")}},
		{"control character in a step title", agendaDoc(`{"kind":"info","title":"a\u0007"}`), []quorum.Problem{p("steps[0].title", "contains control characters")}},
		{"control character in a body", agendaDoc(`{"kind":"info","title":"I","body":"line\nnul\u0000"}`), []quorum.Problem{p("steps[0].body", "contains control characters")}},
		{"notes too long", agendaDoc(`{"kind":"info","title":"I","notes":"` + strings.Repeat("n", 4001) + `"}`), []quorum.Problem{p("steps[0].notes", "is longer than 4000 characters")}},
		{"options on an info step", agendaDoc(`{"kind":"info","title":"I","options":["a","b"]}`), []quorum.Problem{p("steps[0].options", "does not apply to an info step")}},
		{"scale fields on a text step", agendaDoc(`{"kind":"text","title":"X","left":"L","points":5}`),
			[]quorum.Problem{p("steps[0].left", "does not apply to a text step"), p("steps[0].points", "does not apply to a text step")}},
		{"maxLength on a choice step", agendaDoc(`{"kind":"choice","title":"C","options":["a","b"],"maxLength":5}`), []quorum.Problem{p("steps[0].maxLength", "does not apply to a choice step")}},

		// choice
		{"choice with one option", agendaDoc(infoStep, `{"kind":"choice","title":"C","options":["only"]}`), []quorum.Problem{p("steps[1].options", "a choice step needs 2 to 8 options")}},
		{"choice without options", agendaDoc(`{"kind":"choice","title":"C"}`), []quorum.Problem{p("steps[0].options", "a choice step needs 2 to 8 options")}},
		{"choice with nine options", agendaDoc(`{"kind":"choice","title":"C","options":` + nineOptions + `}`), []quorum.Problem{p("steps[0].options", "a choice step needs 2 to 8 options")}},
		{"duplicate option", agendaDoc(`{"kind":"choice","title":"C","options":["Yes","Yes","No"]}`), []quorum.Problem{p("steps[0].options[1]", `"Yes" is listed twice`)}},
		{"blank option", agendaDoc(`{"kind":"choice","title":"C","options":["a"," "]}`), []quorum.Problem{p("steps[0].options[1]", "is required")}},
		{"correct past the last option", agendaDoc(`{"kind":"choice","title":"C","options":["a","b","c"],"correct":3}`), []quorum.Problem{p("steps[0].correct", "must be the index of an option, 0 to 2")}},
		{"negative correct", agendaDoc(`{"kind":"choice","title":"C","options":["a","b"],"correct":-1}`), []quorum.Problem{p("steps[0].correct", "must be the index of an option, 0 to 1")}},

		// scale
		{"scale with 6 points", agendaDoc(`{"kind":"scale","title":"S","left":"L","right":"R","points":6}`), []quorum.Problem{p("steps[0].points", "a scale has 5 or 7 points")}},
		{"scale without points", agendaDoc(`{"kind":"scale","title":"S","left":"L","right":"R"}`), []quorum.Problem{p("steps[0].points", "a scale has 5 or 7 points")}},
		{"scale without poles", agendaDoc(`{"kind":"scale","title":"S","points":5}`), []quorum.Problem{p("steps[0].left", "is required"), p("steps[0].right", "is required")}},
		{"bad dimension", agendaDoc(`{"kind":"scale","title":"S","left":"L","right":"R","points":5,"dimension":"Vision_Execution"}`),
			[]quorum.Problem{p("steps[0].dimension", "use lower-case letters, digits and single dashes, at most 40 characters (like vision-execution)")}},
		{"dimension with a double dash", agendaDoc(`{"kind":"scale","title":"S","left":"L","right":"R","points":5,"dimension":"a--b"}`),
			[]quorum.Problem{p("steps[0].dimension", "use lower-case letters, digits and single dashes, at most 40 characters (like vision-execution)")}},
		{"series without dimension", agendaDoc(`{"kind":"scale","title":"S","left":"L","right":"R","points":5,"series":"today"}`), []quorum.Problem{p("steps[0].series", "a series needs a dimension")}},
		{"series too long", agendaDoc(`{"kind":"scale","title":"S","left":"L","right":"R","points":5,"dimension":"d","series":"` + strings.Repeat("s", 21) + `"}`), []quorum.Problem{p("steps[0].series", "is longer than 20 characters")}},

		// text
		{"maxLength over the limit", agendaDoc(`{"kind":"text","title":"X","maxLength":81}`), []quorum.Problem{p("steps[0].maxLength", "must be between 1 and 80")}},
		{"negative maxLength", agendaDoc(`{"kind":"text","title":"X","maxLength":-1}`), []quorum.Problem{p("steps[0].maxLength", "must be between 1 and 80")}},

		// profile
		{"profile without dimensions", agendaDoc(`{"kind":"scale","title":"S","left":"L","right":"R","points":5}`, `{"kind":"profile","title":"P"}`),
			[]quorum.Problem{p("steps[1]", "a profile step needs scale steps with a dimension")}},

		// Several problems are all reported, in document order.
		{"several problems", `{"title":"","steps":[{"kind":"choice","title":"C","options":["a"],"correct":1},{"kind":"scale","title":"","left":"L","right":"R","points":3}]}`,
			[]quorum.Problem{
				p("title", "is required"),
				p("steps[0].options", "a choice step needs 2 to 8 options"),
				p("steps[0].correct", "must be the index of an option, 0 to 0"),
				p("steps[1].title", "is required"),
				p("steps[1].points", "a scale has 5 or 7 points"),
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := quorum.ParseAgenda([]byte(tt.doc))
			if err == nil {
				t.Fatalf("ParseAgenda accepted the document: %+v", a)
			}
			if a != nil {
				t.Errorf("ParseAgenda returned an agenda with its error")
			}
			if code := quorum.ErrorCode(err); code != quorum.EINVALIDAGENDA {
				t.Errorf("code = %q, want %q", code, quorum.EINVALIDAGENDA)
			}
			got := quorum.ErrorProblems(err)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems:\n got %#v\nwant %#v", got, tt.want)
			}
			wantMsg := tt.want[0].String()
			switch n := len(tt.want) - 1; {
			case n == 1:
				wantMsg += " (and 1 more problem)"
			case n > 1:
				wantMsg += fmt.Sprintf(" (and %d more problems)", n)
			}
			if msg := quorum.ErrorMessage(err); msg != wantMsg {
				t.Errorf("message = %q, want %q", msg, wantMsg)
			}
		})
	}
}

func TestParseAgendaTooLarge(t *testing.T) {
	// At the limit, a document is parsed (and here refused for its content)...
	prefix, suffix := `{"title":"T","steps":[{"kind":"info","title":"I","notes":"`, `"}]}`
	doc := prefix + strings.Repeat("n", quorum.MaxAgendaBytes-len(prefix)-len(suffix)) + suffix
	if len(doc) != quorum.MaxAgendaBytes {
		t.Fatalf("test document has %d bytes, want %d", len(doc), quorum.MaxAgendaBytes)
	}
	_, err := quorum.ParseAgenda([]byte(doc))
	if code := quorum.ErrorCode(err); code != quorum.EINVALIDAGENDA {
		t.Fatalf("at the limit: code %q, want %q (%v)", code, quorum.EINVALIDAGENDA, err)
	}
	if got := quorum.ErrorProblems(err); len(got) != 1 || got[0].Path != "steps[0].notes" {
		t.Errorf("at the limit: problems %v", got)
	}

	// ...one byte over, it is refused before decoding.
	over := []byte(agendaDoc(infoStep) + strings.Repeat(" ", quorum.MaxAgendaBytes))
	_, err = quorum.ParseAgenda(over)
	if code := quorum.ErrorCode(err); code != quorum.ETOOLARGE {
		t.Errorf("over the limit: code %q, want %q", code, quorum.ETOOLARGE)
	}
	if msg := quorum.ErrorMessage(err); msg != "the agenda is larger than 256 KiB" {
		t.Errorf("over the limit: message %q", msg)
	}
	if quorum.ErrorProblems(err) != nil {
		t.Errorf("over the limit: unexpected problems %v", quorum.ErrorProblems(err))
	}
}

func TestValidateStruct(t *testing.T) {
	// Validate also guards agendas built in code, not only parsed ones.
	a := &quorum.Agenda{Title: "T", Steps: []quorum.Step{{Kind: quorum.KindChoice, Title: "C", Options: []string{"a"}}}}
	err := a.Validate()
	want := []quorum.Problem{{Path: "steps[0].options", Message: "a choice step needs 2 to 8 options"}}
	if got := quorum.ErrorProblems(err); !reflect.DeepEqual(got, want) {
		t.Errorf("problems = %v, want %v", got, want)
	}
	var e *quorum.Error
	if ok := errors.As(err, &e); !ok || e.Code != quorum.EINVALIDAGENDA {
		t.Errorf("error %v is not an *Error with code invalid_agenda", err)
	}
}
