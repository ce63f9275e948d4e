package wsconn

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/quorum-workshop/quorum/internal/room"
)

// decodeInbound decodes a client's frame. Nearly every frame is a hello, a
// vote or a reaction of a few plain fields; those are read by hand, which is shallow and
// reflection-free (encoding/json's deep recursion grows each new reader
// goroutine's stack, for the connection's whole life). Anything else goes to
// encoding/json, whose meaning the hand-read path keeps exactly
// (FuzzDecodeInbound checks).
func decodeInbound(data []byte, in *room.Inbound) error {
	if readPlainInbound(data, in) {
		return nil
	}
	*in = room.Inbound{}
	return json.Unmarshal(data, in)
}

// readPlainInbound reads a frame that is one flat object of known keys whose
// values are strings without escapes (valid UTF-8) or whole numbers, and reports
// whether it could; it may leave in half filled when it could not.
func readPlainInbound(data []byte, in *room.Inbound) bool {
	*in = room.Inbound{}
	i := skipBlank(data, 0)
	if i >= len(data) || data[i] != '{' {
		return false
	}
	i = skipBlank(data, i+1)
	if i < len(data) && data[i] == '}' {
		return skipBlank(data, i+1) == len(data)
	}
	for {
		key, next, ok := plainString(data, i)
		if !ok {
			return false
		}
		i = skipBlank(data, next)
		if i >= len(data) || data[i] != ':' {
			return false
		}
		i = skipBlank(data, i+1)
		if i, ok = readPlainField(data, i, key, in); !ok {
			return false
		}
		i = skipBlank(data, i)
		if i >= len(data) {
			return false
		}
		switch data[i] {
		case ',':
			i = skipBlank(data, i+1)
		case '}':
			return skipBlank(data, i+1) == len(data)
		default:
			return false
		}
	}
}

// readPlainField reads the value at data[i] into the field key names.
func readPlainField(data []byte, i int, key []byte, in *room.Inbound) (int, bool) {
	var text *string
	switch string(key) {
	case "type":
		text = &in.Type
	case "session":
		text = &in.Session
	case "token":
		text = &in.Token
	case "key":
		text = &in.Key
	case "id":
		text = &in.ID
	case "code":
		text = &in.Code
	case "name":
		text = &in.Name
	case "segment":
		text = &in.Segment
	case "emoji":
		text = &in.Emoji
	case "role":
		s, next, ok := plainString(data, i)
		in.Role = room.Role(s)
		return next, ok
	case "step":
		return plainIntInto(data, i, &in.Step)
	case "round":
		return plainIntInto(data, i, &in.Round)
	case "value":
		// Kept raw, as encoding/json keeps a json.RawMessage: a whole
		// number or a plain string, quotes included.
		next, ok := 0, false
		if i < len(data) && data[i] == '"' {
			_, next, ok = plainString(data, i)
		} else {
			_, next, ok = plainInt(data, i)
		}
		if ok {
			in.Value = append(json.RawMessage(nil), data[i:next]...)
		}
		return next, ok
	default:
		return i, false
	}
	s, next, ok := plainString(data, i)
	*text = string(s)
	return next, ok
}

// plainString reads a string without escapes or control characters at
// data[i] and returns its content. Beyond ASCII it must be valid UTF-8, which
// encoding/json keeps as it is (invalid bytes it would replace).
func plainString(data []byte, i int) ([]byte, int, bool) {
	if i >= len(data) || data[i] != '"' {
		return nil, i, false
	}
	ascii := true
	for j := i + 1; j < len(data); j++ {
		switch c := data[j]; {
		case c == '"':
			s := data[i+1 : j]
			return s, j + 1, ascii || utf8.Valid(s)
		case c < 0x20 || c == '\\':
			return nil, j, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, len(data), false
}

// plainInt reads a whole number at data[i] as JSON writes it: an optional
// minus, no leading zero, at most 15 digits, so that it fits any int.
func plainInt(data []byte, i int) (int, int, bool) {
	start := i
	if i < len(data) && data[i] == '-' {
		i++
	}
	digits := i
	for i < len(data) && '0' <= data[i] && data[i] <= '9' {
		i++
	}
	n := i - digits
	if n == 0 || n > 15 || n > 1 && data[digits] == '0' {
		return 0, i, false
	}
	if i < len(data) && (data[i] == '.' || data[i] == 'e' || data[i] == 'E') {
		return 0, i, false
	}
	v, err := strconv.Atoi(string(data[start:i]))
	return v, i, err == nil
}

func plainIntInto(data []byte, i int, field **int) (int, bool) {
	v, next, ok := plainInt(data, i)
	if ok {
		*field = &v
	}
	return next, ok
}

// skipBlank skips JSON whitespace.
func skipBlank(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}
