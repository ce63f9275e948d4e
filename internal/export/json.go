package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// Value is a vote's value as the protocol encodes it: a JSON number for a
// choice (the option's index from 0) or a scale (the point from 1), a JSON
// string for a text answer.
type Value struct {
	Number int
	Text   string
	IsText bool
}

// MarshalJSON writes the number or the string.
func (v Value) MarshalJSON() ([]byte, error) {
	if v.IsText {
		return json.Marshal(v.Text)
	}
	return []byte(strconv.Itoa(v.Number)), nil
}

// UnmarshalJSON reads a whole number or a string.
func (v *Value) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*v = Value{Text: s, IsText: true}
		return nil
	}
	var n int
	if err := json.Unmarshal(data, &n); err != nil {
		return fmt.Errorf("a vote's value is a whole number or a string, not %s", data)
	}
	*v = Value{Number: n}
	return nil
}

// WriteJSON writes the export as an indented JSON document.
func (e *Export) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(e)
}
