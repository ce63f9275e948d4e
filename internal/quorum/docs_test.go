package quorum_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// docExamples returns the JSON blocks of docs/agenda.md that follow an
// "<!-- example: NAME -->" marker, by name.
func docExamples(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile("../../docs/agenda.md")
	if err != nil {
		t.Fatalf("reading the agenda format documentation: %v", err)
	}
	out := map[string]string{}
	rest := string(data)
	for {
		i := strings.Index(rest, "<!-- example: ")
		if i < 0 {
			return out
		}
		rest = rest[i+len("<!-- example: "):]
		name := rest[:strings.Index(rest, " -->")]
		start := strings.Index(rest, "```json\n") + len("```json\n")
		end := start + strings.Index(rest[start:], "```")
		out[name] = rest[start:end]
	}
}

// The examples in docs/agenda.md are real: the valid one parses, and the
// invalid one produces exactly the error shown after it.
func TestDocExamples(t *testing.T) {
	ex := docExamples(t)
	for _, name := range []string{"valid", "invalid", "error"} {
		if ex[name] == "" {
			t.Fatalf("docs/agenda.md has no %q example", name)
		}
	}
	t.Run("valid", func(t *testing.T) {
		a, err := quorum.ParseAgenda([]byte(ex["valid"]))
		if err != nil {
			t.Fatalf("the complete example does not parse: %v %v", err, quorum.ErrorProblems(err))
		}
		kinds := map[quorum.StepKind]bool{}
		for _, s := range a.Steps {
			kinds[s.Kind] = true
		}
		if len(kinds) != 5 {
			t.Errorf("the complete example uses %d kinds of step, want all 5", len(kinds))
		}
	})
	t.Run("invalid", func(t *testing.T) {
		_, err := quorum.ParseAgenda([]byte(ex["invalid"]))
		type body struct {
			Error struct {
				Code     string           `json:"code"`
				Message  string           `json:"message"`
				Problems []quorum.Problem `json:"problems"`
			} `json:"error"`
		}
		var got, want body
		got.Error.Code, got.Error.Message, got.Error.Problems = quorum.ErrorCode(err), quorum.ErrorMessage(err), quorum.ErrorProblems(err)
		dec := json.NewDecoder(bytes.NewReader([]byte(ex["error"])))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("the error example is not valid: %v", err)
		}
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if !bytes.Equal(g, w) {
			t.Errorf("the documented error differs from the real one:\n got %s\nwant %s", g, w)
		}
	})
}
