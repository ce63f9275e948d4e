package wsconn

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/fasthttp/websocket"

	"github.com/quorum-workshop/quorum/internal/wstest"
)

// readAll feeds data to a new reader in chunks of the given size and
// returns what it read: each message as "opcode:payload", then the error.
func readAll(data []byte, chunk int, limit int64) (got []string, err error) {
	r := frameReader{limit: limit}
	for len(data) > 0 {
		n := min(chunk, len(data))
		ok, ferr := r.feed(bytes.Clone(data[:n]), func(m inMessage) bool {
			got = append(got, fmt.Sprintf("%d:%s", m.opcode, m.payload))
			return m.opcode != opClose
		})
		data = data[n:]
		if ferr != nil || !ok {
			return got, ferr
		}
	}
	return got, nil
}

func TestFrameReaderAssemblesMessagesHoweverTheBytesCome(t *testing.T) {
	long := bytes.Repeat([]byte("x"), 300)
	var stream []byte
	stream = append(stream, wstest.ClientFrame(true, opText, []byte(`{"type":"vote"}`), false)...)
	stream = append(stream, wstest.ClientFrame(false, opText, []byte("frag"), false)...)
	stream = append(stream, wstest.ClientFrame(true, opPing, []byte("p"), false)...) // between fragments
	stream = append(stream, wstest.ClientFrame(false, opContinuation, []byte("men"), false)...)
	stream = append(stream, wstest.ClientFrame(true, opContinuation, []byte("ted"), false)...)
	stream = append(stream, wstest.ClientFrame(true, opBinary, long, false)...)
	stream = append(stream, wstest.ClientFrame(true, opText, []byte("sixty-four"), true)...)
	stream = append(stream, wstest.ClientFrame(true, opText, nil, false)...)
	stream = append(stream, wstest.ClientFrame(true, opPong, nil, false)...)
	stream = append(stream, wstest.ClientFrame(true, opClose, []byte{0x03, 0xe8}, false)...)
	stream = append(stream, wstest.ClientFrame(true, opText, []byte("after the close"), false)...)
	want := []string{
		`1:{"type":"vote"}`, "9:p", "1:fragmented", "2:" + string(long), "1:sixty-four", "1:", "10:", "8:\x03\xe8",
	}
	for _, chunk := range []int{1, 2, 3, 7, 64, len(stream)} {
		got, err := readAll(stream, chunk, 4096)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("in chunks of %d: %q, %v; want %q", chunk, got, err, want)
		}
	}
}

func TestFrameReaderRefusesWhatTheProtocolForbids(t *testing.T) {
	unmasked := wstest.ClientFrame(true, opText, []byte("hi"), false)
	unmasked[1] &^= 0x80
	reserved := wstest.ClientFrame(true, opText, []byte("hi"), false)
	reserved[0] |= 0x40
	huge := wstest.ClientFrame(true, opText, nil, true)
	huge[2] |= 0x80
	for name, c := range map[string]struct {
		stream []byte
		code   int
	}{
		"unmasked":                  {unmasked, websocket.CloseProtocolError},
		"reserved bits":             {reserved, websocket.CloseProtocolError},
		"unknown opcode":            {wstest.ClientFrame(true, 0x3, nil, false), websocket.CloseProtocolError},
		"long ping":                 {wstest.ClientFrame(true, opPing, bytes.Repeat([]byte("p"), 126), false), websocket.CloseProtocolError},
		"fragmented ping":           {wstest.ClientFrame(false, opPing, nil, false), websocket.CloseProtocolError},
		"continuation of nothing":   {wstest.ClientFrame(true, opContinuation, []byte("x"), false), websocket.CloseProtocolError},
		"new message in a message":  {append(wstest.ClientFrame(false, opText, []byte("a"), false), wstest.ClientFrame(true, opText, []byte("b"), false)...), websocket.CloseProtocolError},
		"negative length":           {huge, websocket.CloseProtocolError},
		"one frame over the limit":  {wstest.ClientFrame(true, opText, make([]byte, 101), false), websocket.CloseMessageTooBig},
		"fragments over the limit":  {append(wstest.ClientFrame(false, opText, make([]byte, 60), false), wstest.ClientFrame(true, opContinuation, make([]byte, 41), false)...), websocket.CloseMessageTooBig},
		"over the limit, head only": {wstest.ClientFrame(true, opBinary, make([]byte, 1<<20), false)[:10], websocket.CloseMessageTooBig},
	} {
		got, err := readAll(c.stream, 1, 100)
		var fe *frameError
		if !errors.As(err, &fe) || fe.code != c.code {
			t.Errorf("%s: read %q, error %v; want close code %d", name, got, err, c.code)
		}
	}
	// Exactly at the limit is fine.
	if got, err := readAll(wstest.ClientFrame(true, opText, make([]byte, 100), false), 1, 100); err != nil || len(got) != 1 {
		t.Errorf("a message of exactly the limit: %d messages, %v", len(got), err)
	}
}

// What is read does not depend on how the bytes are split, and no input
// makes the reader panic or keep more than the bytes it was given.
func FuzzFrameReader(f *testing.F) {
	f.Add(wstest.ClientFrame(true, opText, []byte(`{"type":"vote","step":1,"value":2}`), false), uint8(3))
	f.Add(append(wstest.ClientFrame(false, opText, []byte("a"), false), wstest.ClientFrame(true, opContinuation, []byte("b"), false)...), uint8(1))
	f.Add(wstest.ClientFrame(true, opClose, []byte{3, 232}, false), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		whole, wholeErr := readAll(data, len(data)+1, 512)
		split, splitErr := readAll(data, int(chunk)+1, 512)
		if fmt.Sprint(whole) != fmt.Sprint(split) || (wholeErr == nil) != (splitErr == nil) {
			t.Fatalf("whole: %q, %v; in chunks of %d: %q, %v", whole, wholeErr, int(chunk)+1, split, splitErr)
		}
	})
}

func TestUnmaskMatchesTheBytewiseRule(t *testing.T) {
	key := [4]byte{1, 2, 3, 4}
	for n := range 40 {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(i * 7)
		}
		want := bytes.Clone(p)
		for i := range want {
			want[i] ^= key[i%4]
		}
		unmask(p, key)
		if !bytes.Equal(p, want) {
			t.Fatalf("unmask of %d bytes: %v, want %v", n, p, want)
		}
	}
}
