package quorum_test

import (
	"os"
	"strings"
	"testing"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// FuzzParseAgenda: any document is either a valid agenda or an
// invalid_agenda/too_large error with a message; never a panic.
func FuzzParseAgenda(f *testing.F) {
	builtin, err := os.ReadFile("agendas/leadership-vs-management.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		string(builtin),
		`{"title":"T","steps":[{"kind":"info","title":"Hi"}]}`,
		`{"title":"T","steps":[{"kind":"choice","title":"Q","options":["A"],"correct":3}]}`,
		`{"title":"T","steps":[{"kind":"scale","title":"Q","left":"L","right":"R","points":6,"series":"x"}]}`,
		`{"title":"T","steps":[{"kind":"profile","title":"P"}]}`,
		`{"title":"T","steps":[{"kind":"text","title":"Q","maxLength":-1}]}`,
		`{"title":"T","segments":["a","a"],"steps":[]}`,
		`{"title":"T","steps":[{"kind":"choice","title":"Q","options":"A"}]} trailing`,
		`{"title":1}`, `[]`, `null`, ``, `{`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		a, err := quorum.ParseAgenda([]byte(doc))
		if err != nil {
			if code := quorum.ErrorCode(err); code != quorum.EINVALIDAGENDA && code != quorum.ETOOLARGE {
				t.Fatalf("code %q for %q", code, doc)
			}
			if quorum.ErrorMessage(err) == "" {
				t.Fatalf("no message for %q", doc)
			}
			return
		}
		if err := a.Validate(); err != nil {
			t.Fatalf("parsed agenda fails validation: %v", err)
		}
	})
}

// FuzzNormalizeJoinCode: whatever is typed, the answer is 8 digits or a
// clear error.
func FuzzNormalizeJoinCode(f *testing.F) {
	for _, seed := range []string{"1234 5678", "1234-5678", " 12345678 ", "1234567", "abcdefgh", "١٢٣٤٥٦٧٨", "12345678\x00", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, input string) {
		code, err := quorum.NormalizeJoinCode(input)
		if err != nil {
			if quorum.ErrorCode(err) != quorum.EINVALIDREQUEST {
				t.Fatalf("code %q", quorum.ErrorCode(err))
			}
			return
		}
		if len(code) != quorum.JoinCodeLength || strings.Trim(code, "0123456789") != "" {
			t.Fatalf("%q normalised to %q", input, code)
		}
	})
}
