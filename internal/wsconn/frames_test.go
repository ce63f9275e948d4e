package wsconn

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"github.com/fasthttp/websocket"
)

// clientFrame is a frame as a client sends it: masked, with the shortest
// length encoding unless long forces the 64-bit one.
func clientFrame(fin bool, op int, payload []byte, long bool) []byte {
	b0 := byte(op)
	if fin {
		b0 |= 0x80
	}
	f := []byte{b0}
	switch n := len(payload); {
	case long:
		f = append(f, 0x80|127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	case n < 126:
		f = append(f, 0x80|byte(n))
	case n < 1<<16:
		f = append(f, 0x80|126)
		f = binary.BigEndian.AppendUint16(f, uint16(n))
	default:
		f = append(f, 0x80|127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	mask := [4]byte{0xa1, 0x07, 0x3c, 0xf2}
	f = append(f, mask[:]...)
	for i, c := range payload {
		f = append(f, c^mask[i%4])
	}
	return f
}

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
	stream = append(stream, clientFrame(true, opText, []byte(`{"type":"vote"}`), false)...)
	stream = append(stream, clientFrame(false, opText, []byte("frag"), false)...)
	stream = append(stream, clientFrame(true, opPing, []byte("p"), false)...) // between fragments
	stream = append(stream, clientFrame(false, opContinuation, []byte("men"), false)...)
	stream = append(stream, clientFrame(true, opContinuation, []byte("ted"), false)...)
	stream = append(stream, clientFrame(true, opBinary, long, false)...)
	stream = append(stream, clientFrame(true, opText, []byte("sixty-four"), true)...)
	stream = append(stream, clientFrame(true, opText, nil, false)...)
	stream = append(stream, clientFrame(true, opPong, nil, false)...)
	stream = append(stream, clientFrame(true, opClose, []byte{0x03, 0xe8}, false)...)
	stream = append(stream, clientFrame(true, opText, []byte("after the close"), false)...)
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
	unmasked := clientFrame(true, opText, []byte("hi"), false)
	unmasked[1] &^= 0x80
	reserved := clientFrame(true, opText, []byte("hi"), false)
	reserved[0] |= 0x40
	huge := clientFrame(true, opText, nil, true)
	huge[2] |= 0x80
	for name, c := range map[string]struct {
		stream []byte
		code   int
	}{
		"unmasked":                  {unmasked, websocket.CloseProtocolError},
		"reserved bits":             {reserved, websocket.CloseProtocolError},
		"unknown opcode":            {clientFrame(true, 0x3, nil, false), websocket.CloseProtocolError},
		"long ping":                 {clientFrame(true, opPing, bytes.Repeat([]byte("p"), 126), false), websocket.CloseProtocolError},
		"fragmented ping":           {clientFrame(false, opPing, nil, false), websocket.CloseProtocolError},
		"continuation of nothing":   {clientFrame(true, opContinuation, []byte("x"), false), websocket.CloseProtocolError},
		"new message in a message":  {append(clientFrame(false, opText, []byte("a"), false), clientFrame(true, opText, []byte("b"), false)...), websocket.CloseProtocolError},
		"negative length":           {huge, websocket.CloseProtocolError},
		"one frame over the limit":  {clientFrame(true, opText, make([]byte, 101), false), websocket.CloseMessageTooBig},
		"fragments over the limit":  {append(clientFrame(false, opText, make([]byte, 60), false), clientFrame(true, opContinuation, make([]byte, 41), false)...), websocket.CloseMessageTooBig},
		"over the limit, head only": {clientFrame(true, opBinary, make([]byte, 1<<20), false)[:10], websocket.CloseMessageTooBig},
	} {
		got, err := readAll(c.stream, 1, 100)
		var fe *frameError
		if !errors.As(err, &fe) || fe.code != c.code {
			t.Errorf("%s: read %q, error %v; want close code %d", name, got, err, c.code)
		}
	}
	// Exactly at the limit is fine.
	if got, err := readAll(clientFrame(true, opText, make([]byte, 100), false), 1, 100); err != nil || len(got) != 1 {
		t.Errorf("a message of exactly the limit: %d messages, %v", len(got), err)
	}
}

// What is read does not depend on how the bytes are split, and no input
// makes the reader panic or keep more than the bytes it was given.
func FuzzFrameReader(f *testing.F) {
	f.Add(clientFrame(true, opText, []byte(`{"type":"vote","step":1,"value":2}`), false), uint8(3))
	f.Add(append(clientFrame(false, opText, []byte("a"), false), clientFrame(true, opContinuation, []byte("b"), false)...), uint8(1))
	f.Add(clientFrame(true, opClose, []byte{3, 232}, false), uint8(2))
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
