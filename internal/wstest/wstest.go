// Package wstest writes WebSocket frames as a client sends them, for tests
// that speak the protocol byte by byte: internal/wsconn's frame reader and
// the HTTP server's WebSockets (internal/httpapi).
package wstest

import "encoding/binary"

// ClientFrame is a frame as a client sends it (RFC 6455, 5.2): masked, with
// the shortest length encoding unless long forces the 64-bit one.
func ClientFrame(fin bool, op int, payload []byte, long bool) []byte {
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

// Text is a client's whole text frame.
func Text(payload []byte) []byte { return ClientFrame(true, 0x1, payload, false) }
