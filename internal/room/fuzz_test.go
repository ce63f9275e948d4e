package room

import (
	"encoding/json"
	"testing"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

// FuzzParseValue feeds a vote's value anything: it answers with a value or
// an invalid_vote error, never a panic.
func FuzzParseValue(f *testing.F) {
	for _, seed := range []string{`3`, `"Listen more"`, `1.5`, `1e400`, `-0`, `[1]`, `null`, `"\ud800"`, ``} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := parseValue(json.RawMessage(data)); err != nil && quorum.ErrorCode(err) != quorum.EINVALIDVOTE {
			t.Fatalf("value error code %q", quorum.ErrorCode(err))
		}
	})
}
