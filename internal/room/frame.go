package room

import (
	"encoding/binary"
	"encoding/json"
	"log/slog"
)

// Frame is one complete WebSocket text frame as the server sends it: header
// and payload, unmasked and uncompressed (the upgrader never negotiates
// permessage-deflate). Built once, the same bytes go to any number of
// connections, and a writer sends several queued frames in one system call:
// on loopback a write costs 10–20 µs whatever its size.
type Frame []byte

// frameHeaderRoom is the longest header a server frame has: one byte of
// flags, one of length, eight of extended length.
const frameHeaderRoom = 10

// startFrame returns a buffer to append a frame's payload to; finishFrame
// then puts the header in front without copying the payload.
func startFrame(sizeHint int) []byte {
	return make([]byte, frameHeaderRoom, frameHeaderRoom+sizeHint)
}

// finishFrame frames the payload appended to a startFrame buffer.
func finishFrame(buf []byte) *Frame {
	n := len(buf) - frameHeaderRoom
	var header [frameHeaderRoom]byte
	header[0] = 0x80 | 0x1 // final fragment, opcode 1: text
	h := 2
	switch {
	case n <= 125:
		header[1] = byte(n)
	case n <= 0xffff:
		header[1] = 126
		binary.BigEndian.PutUint16(header[2:], uint16(n))
		h = 4
	default:
		header[1] = 127
		binary.BigEndian.PutUint64(header[2:], uint64(n))
		h = frameHeaderRoom
	}
	f := Frame(buf[frameHeaderRoom-h:])
	copy(f, header[:h])
	return &f
}

// TextFrame frames a payload that is already encoded.
func TextFrame(payload []byte) *Frame {
	return finishFrame(append(startFrame(len(payload)), payload...))
}

// EncodeFrame encodes a message once for any number of connections; nil if
// it does not marshal, which is a bug, logged.
func EncodeFrame(log *slog.Logger, v any) *Frame {
	data, err := json.Marshal(v)
	if err != nil {
		log.Error("encode message", "err", err) // a bug: every message type marshals
		return nil
	}
	return TextFrame(data)
}
