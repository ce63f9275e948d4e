package main

import (
	"bytes"
	"encoding/json"
	"math"
	"unicode/utf8"
)

// A small JSON lookup for the participants' read path. Ten thousand phones
// read every state frame at once, on the cores the server needs, and each
// wants three fields of it: encoding/json would decode the whole frame,
// through reflection, into fresh memory. lookup walks the frame's bytes,
// skips what it does not need without decoding it, and allocates nothing.

// maxDepth bounds nesting as encoding/json does, so that a frame of ten
// thousand "[" fails rather than runs the stack out.
const maxDepth = 10000

// lookup returns the raw bytes of the value at path in data: path names
// object keys from the outside in, and no path gives the whole value. ok is
// false when data is not one well-formed JSON value, or when the path leads
// nowhere. A key matches when its bytes between the quotes are the name
// itself: the server writes its keys without escapes. Of duplicate keys the
// last one counts, as with encoding/json.
func lookup(data []byte, path ...string) (raw []byte, ok bool) {
	if len(path) == 0 {
		start := skipSpace(data, 0)
		end, ok := skipValue(data, start, 0)
		if !ok || skipSpace(data, end) != len(data) {
			return nil, false
		}
		return data[start:end], true
	}
	var found [1][]byte
	if !lookupMembers(data, path[:1], found[:]) || found[0] == nil {
		return nil, false
	}
	// found[0] is well-formed: only the keys are left to find.
	raw = found[0]
	for _, key := range path[1:] {
		if raw[0] != '{' {
			return nil, false
		}
		if _, ok := member(raw, 0, 1, []string{key}, found[:]); !ok || found[0] == nil {
			return nil, false
		}
		raw = found[0]
	}
	return raw, true
}

// lookupMembers finds several members of the object data in one walk, and
// checks the whole of data as lookup does: values, as long as keys, gets in
// values[k] the raw value of keys[k], or nil when the object has no such
// key. ok is false when data is not one well-formed JSON object.
func lookupMembers(data []byte, keys []string, values [][]byte) (ok bool) {
	start := skipSpace(data, 0)
	if start >= len(data) || data[start] != '{' {
		return false
	}
	end, ok := member(data, start, 1, keys, values)
	return ok && skipSpace(data, end) == len(data)
}

// lookupInt reads a whole number that fits an int, as encoding/json does
// into an int: 2 but not 2.0 or 2e0.
func lookupInt(data []byte, path ...string) (int, bool) {
	raw, ok := lookup(data, path...)
	if !ok {
		return 0, false
	}
	neg := raw[0] == '-'
	digits := raw
	if neg {
		digits = raw[1:]
	}
	const limit = uint64(math.MaxInt)
	var n uint64
	for _, c := range digits {
		if c < '0' || c > '9' || n > (limit+1)/10 {
			return 0, false // a fraction, an exponent, true, a string… or far too big
		}
		n = n*10 + uint64(c-'0')
	}
	switch {
	case n <= limit && neg:
		return -int(n), true
	case n <= limit:
		return int(n), true
	case n == limit+1 && neg:
		return math.MinInt, true
	}
	return 0, false
}

// lookupBool reads true or false.
func lookupBool(data []byte, path ...string) (value, ok bool) {
	raw, ok := lookup(data, path...)
	switch {
	case ok && string(raw) == "true":
		return true, true
	case ok && string(raw) == "false":
		return false, true
	}
	return false, false
}

// lookupString reads a string.
func lookupString(data []byte, path ...string) (string, bool) {
	raw, ok := lookup(data, path...)
	if !ok {
		return "", false
	}
	return unquote(raw)
}

// unquote reads a JSON string value. One without escapes, the server's
// usual, is copied as it is; encoding/json reads the rest, as it alone
// knows JSON's escapes and its way with invalid UTF-8.
func unquote(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	if s := raw[1 : len(raw)-1]; bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
		return string(s), true
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err == nil
}

// member walks the object that starts at data[i], checking every member,
// and returns where it ends. values[k] becomes the value of its last member
// named keys[k], or nil. depth counts the containers around the object's
// members, itself included.
func member(data []byte, i, depth int, keys []string, values [][]byte) (end int, ok bool) {
	clear(values)
	if depth > maxDepth {
		return i, false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return i + 1, true
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return i, false
		}
		nameEnd, ok := skipString(data, i)
		if !ok {
			return nameEnd, false
		}
		name := data[i+1 : nameEnd-1]
		i = skipSpace(data, nameEnd)
		if i >= len(data) || data[i] != ':' {
			return i, false
		}
		i = skipSpace(data, i+1)
		valueEnd, ok := skipValue(data, i, depth)
		if !ok {
			return valueEnd, false
		}
		for k, key := range keys {
			if string(name) == key {
				values[k] = data[i:valueEnd]
			}
		}
		i = skipSpace(data, valueEnd)
		if i >= len(data) {
			return i, false
		}
		switch data[i] {
		case '}':
			return i + 1, true
		case ',':
			i = skipSpace(data, i+1)
		default:
			return i, false
		}
	}
}

// skipValue returns where the value that starts at data[i] ends, and whether
// it is well-formed; depth counts the containers around it.
func skipValue(data []byte, i, depth int) (int, bool) {
	if i >= len(data) {
		return i, false
	}
	switch c := data[i]; {
	case c == '{':
		return member(data, i, depth+1, nil, nil)
	case c == '[':
		return skipArray(data, i, depth+1)
	case c == '"':
		return skipString(data, i)
	case c == '-' || '0' <= c && c <= '9':
		return skipNumber(data, i)
	case c == 't':
		return skipLiteral(data, i, "true")
	case c == 'f':
		return skipLiteral(data, i, "false")
	case c == 'n':
		return skipLiteral(data, i, "null")
	}
	return i, false
}

func skipArray(data []byte, i, depth int) (int, bool) {
	if depth > maxDepth {
		return i, false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return i + 1, true
	}
	for {
		end, ok := skipValue(data, i, depth)
		if !ok {
			return end, false
		}
		i = skipSpace(data, end)
		if i >= len(data) {
			return i, false
		}
		switch data[i] {
		case ']':
			return i + 1, true
		case ',':
			i = skipSpace(data, i+1)
		default:
			return i, false
		}
	}
}

// plain marks the bytes a string holds as they are: all but the quote, the
// backslash and the control characters.
var plain = func() (t [256]bool) {
	for c := 0x20; c < len(t); c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// skipString skips the string that starts at data[i], a '"'. Its bytes
// need not be valid UTF-8: encoding/json takes them too.
func skipString(data []byte, i int) (int, bool) {
	for i++; i < len(data); i++ {
		for i < len(data) && plain[data[i]] {
			i++ // most of a frame: let this loop be tight
		}
		switch {
		case i >= len(data):
			return i, false
		case data[i] == '"':
			return i + 1, true
		case data[i] != '\\':
			return i, false // a control character must be escaped
		}
		i++
		if i >= len(data) {
			return i, false
		}
		switch data[i] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		case 'u':
			if i+4 >= len(data) || !isHex(data[i+1]) || !isHex(data[i+2]) || !isHex(data[i+3]) || !isHex(data[i+4]) {
				return i, false
			}
			i += 4
		default:
			return i, false
		}
	}
	return i, false
}

// skipNumber skips -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? from data[i].
func skipNumber(data []byte, i int) (int, bool) {
	if data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && isDigit(data[i]):
		i = skipDigits(data, i)
	default:
		return i, false
	}
	if i < len(data) && data[i] == '.' {
		if i++; i >= len(data) || !isDigit(data[i]) {
			return i, false
		}
		i = skipDigits(data, i)
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		if i++; i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= len(data) || !isDigit(data[i]) {
			return i, false
		}
		i = skipDigits(data, i)
	}
	return i, true
}

func skipDigits(data []byte, i int) int {
	for i < len(data) && isDigit(data[i]) {
		i++
	}
	return i
}

func skipLiteral(data []byte, i int, lit string) (int, bool) {
	end := i + len(lit)
	if end > len(data) || string(data[i:end]) != lit {
		return i, false
	}
	return end, true
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHex(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }
