package wsconn

import (
	"encoding/binary"

	"github.com/fasthttp/websocket"
)

// A client's frames are read here, from the bytes its socket gave, rather
// than by the WebSocket library: the library reads on a goroutine that
// blocks in the socket's read between messages, and it cannot stop between
// two frames and hand back what it buffered. Reading bytes as they come
// lets a connection between messages wait with no goroutine at all (see
// the poller), and the bytes that came with the hello are never lost.

// Frame opcodes (RFC 6455, 5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xa
)

// frameError ends a connection whose client broke the protocol: the close
// frame's code and text.
type frameError struct {
	code int
	text string
}

func (e *frameError) Error() string { return e.text }

var errTooBig = &frameError{websocket.CloseMessageTooBig, "message too big"}

func protocolError(text string) *frameError {
	return &frameError{websocket.CloseProtocolError, text}
}

// inMessage is what frameReader.next found: a whole message (a text or
// binary one, its fragments joined) or a control frame.
type inMessage struct {
	opcode  int
	payload []byte // valid until the next call to next
}

// frameReader assembles a client's messages from its bytes. It holds only
// what is not yet a whole frame, and the fragments of a message not yet
// whole, so that a connection between messages holds nothing.
type frameReader struct {
	limit    int64  // the largest message, in bytes
	partial  []byte // the start of a frame not yet whole
	fragment []byte // a fragmented message so far
	fragOp   int    // its opcode; 0: no fragmented message is open
}

// feed adds the bytes that came: data is read up to its last whole frame
// (each message given to handle, which may keep its payload only for the
// call) and the rest kept. It stops at the first error, or when handle
// returns false (keeping what it did not read), and reports whether to go
// on reading: never after an error.
func (r *frameReader) feed(data []byte, handle func(inMessage) bool) (bool, error) {
	if len(r.partial) > 0 {
		data = append(r.partial, data...)
		r.partial = nil
	}
	for len(data) > 0 {
		m, used, err := r.next(data)
		if err != nil {
			return false, err
		}
		if used == 0 {
			break
		}
		data = data[used:]
		if m.opcode >= 0 && !handle(m) {
			r.keep(data)
			return false, nil
		}
	}
	r.keep(data)
	return true, nil
}

// keep holds the bytes that are not yet a whole frame, or not yet read.
func (r *frameReader) keep(data []byte) {
	if len(data) > 0 {
		r.partial = append([]byte(nil), data...)
	}
}

// next reads the frame at the start of data. used is 0 if data does not
// yet hold it whole; opcode is -1 for a fragment of a message not yet whole.
// It unmasks the payload in place.
func (r *frameReader) next(data []byte) (m inMessage, used int, err error) {
	if len(data) < 2 {
		return m, 0, nil
	}
	b0, b1 := data[0], data[1]
	fin, op := b0&0x80 != 0, int(b0&0x0f)
	if b0&0x70 != 0 {
		return m, 0, protocolError("unexpected reserved bits")
	}
	if b1&0x80 == 0 {
		return m, 0, protocolError("a client's frame must be masked")
	}
	length, head := int64(b1&0x7f), 2
	switch length {
	case 126:
		if len(data) < 4 {
			return m, 0, nil
		}
		length, head = int64(binary.BigEndian.Uint16(data[2:])), 4
	case 127:
		if len(data) < 10 {
			return m, 0, nil
		}
		u := binary.BigEndian.Uint64(data[2:])
		if u>>63 != 0 {
			return m, 0, protocolError("invalid frame length")
		}
		length, head = int64(u), 10
	}
	switch op {
	case opClose, opPing, opPong:
		if length > 125 || !fin {
			return m, 0, protocolError("a control frame must be whole and at most 125 bytes")
		}
	case opText, opBinary:
		if r.fragOp != 0 {
			return m, 0, protocolError("a new message before the last one's final fragment")
		}
	case opContinuation:
		if r.fragOp == 0 {
			return m, 0, protocolError("a continuation frame with no message to continue")
		}
	default:
		return m, 0, protocolError("unknown opcode")
	}
	// A message over the limit fails on its header, before its bytes come.
	if op < opClose && int64(len(r.fragment))+length > r.limit {
		return m, 0, errTooBig
	}
	end := int64(head+4) + length
	if int64(len(data)) < end {
		return m, 0, nil
	}
	payload := data[head+4 : end]
	unmask(payload, [4]byte(data[head:head+4]))
	used = int(end)
	switch {
	case op >= opClose:
		return inMessage{opcode: op, payload: payload}, used, nil
	case fin && r.fragOp == 0:
		return inMessage{opcode: op, payload: payload}, used, nil
	case r.fragOp == 0: // the first fragment
		r.fragOp = op
		r.fragment = append(r.fragment[:0], payload...)
		return inMessage{opcode: -1}, used, nil
	}
	r.fragment = append(r.fragment, payload...)
	if !fin {
		return inMessage{opcode: -1}, used, nil
	}
	m = inMessage{opcode: r.fragOp, payload: r.fragment}
	r.fragOp, r.fragment = 0, nil
	return m, used, nil
}

// unmask applies a client's masking key to p, eight bytes at a time.
func unmask(p []byte, key [4]byte) {
	k := uint64(binary.LittleEndian.Uint32(key[:]))
	k |= k << 32
	i := 0
	for ; i+8 <= len(p); i += 8 {
		binary.LittleEndian.PutUint64(p[i:], binary.LittleEndian.Uint64(p[i:])^k)
	}
	for ; i < len(p); i++ {
		p[i] ^= key[i&3]
	}
}
