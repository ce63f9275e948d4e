package wsconn

import (
	"encoding/json"
	"testing"

	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/room"
)

// FuzzDecodeFrame feeds the WebSocket message decoder anything: it answers
// with a frame or a coded error, never a panic (room's FuzzParseValue does
// the same for a vote's value).
func FuzzDecodeFrame(f *testing.F) {
	for _, seed := range []string{
		`{"type":"vote","id":"v1","step":1,"value":3}`,
		`{"type":"vote","id":"v1","step":1,"value":"Listen more"}`,
		`{"type":"vote","id":"v1","step":"one","value":1.5}`,
		`{"type":"vote","value":1e400}`,
		`{"type":"vote","value":-0}`,
		`{"type":"vote","value":[1]}`,
		`{"type":"action","id":"a","action":"timer","seconds":60}`,
		`{"type":"hello","role":"host","session":"x","key":"k"}`,
		`{"type":`, `null`, `"x"`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := new(room.Inbound)
		if err := json.Unmarshal(data, in); err != nil {
			if code := quorum.ErrorCode(decodeError(err)); code != quorum.EINVALIDJSON && code != quorum.EINVALIDREQUEST {
				t.Fatalf("decode error code %q", code)
			}
		}
	})
}
