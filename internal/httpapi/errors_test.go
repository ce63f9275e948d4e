package httpapi

import (
	"os"
	"regexp"
	"strconv"
	"testing"
)

// The error table of docs/protocol.md and statusOf are the same table: every
// code with the same status, none missing on either side.
func TestErrorTableMatchesTheDocs(t *testing.T) {
	data, err := os.ReadFile("../../docs/protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]int{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\| ([0-9]{3}) \\|").FindAllStringSubmatch(string(data), -1) {
		documented[m[1]], _ = strconv.Atoi(m[2])
	}
	for code, status := range statusOf {
		if documented[code] != status {
			t.Errorf("%s: %d in statusOf, %d in docs/protocol.md", code, status, documented[code])
		}
	}
	for code := range documented {
		if _, ok := statusOf[code]; !ok {
			t.Errorf("docs/protocol.md lists %s, which statusOf does not", code)
		}
	}
}
