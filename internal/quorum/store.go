package quorum

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// What every store says, and writes, the same way: the tests of the store
// contract (internal/storetest) hold each store to these messages.

// ErrSessionNotFound is a store's answer for a session id it does not hold.
func ErrSessionNotFound() *Error { return Errorf(ESESSIONNOTFOUND, "no session with this id") }

// ErrCodeNotFound is a store's answer for a join code no session has.
func ErrCodeNotFound(code string) *Error {
	return Errorf(ECODENOTFOUND, "no session has the code %s; check the code on the shared screen", FormatJoinCode(code))
}

// ErrCodeEnded is a store's answer for a join code whose session has ended
// and that no live session has taken since.
func ErrCodeEnded(code string) *Error {
	return Errorf(ESESSIONENDED, "the session %s has ended", FormatJoinCode(code))
}

// ErrAgendaNotFound is a store's answer for a saved agenda it does not hold.
func ErrAgendaNotFound(id string) *Error {
	return Errorf(EAGENDANOTFOUND, "there is no saved agenda %q", id)
}

// ErrShuttingDown is a store's answer once it has been closed.
func ErrShuttingDown() *Error { return Errorf(EUNAVAILABLE, "the server is shutting down") }

// AgendaDocument is the JSON a saved agenda is stored as. HTML characters stay
// as they are (json.Marshal would write "<" in 6 bytes), and the document
// must still fit the format's size limit, so that it reads back like any
// other.
func AgendaDocument(a *Agenda) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(a); err != nil {
		return "", fmt.Errorf("encode agenda %s: %w", a.ID, err)
	}
	doc := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	if len(doc) > MaxAgendaBytes {
		return "", Errorf(ETOOLARGE, "the agenda is larger than %d KiB", MaxAgendaBytes>>10)
	}
	return string(doc), nil
}

// DecodeStored sets what a store keeps of s as JSON: the agenda the session
// was created with, and its settings. Sessions from before settings existed
// have '{}': their fields keep the defaults.
func (s *Session) DecodeStored(agenda, settings string) error {
	if err := json.Unmarshal([]byte(agenda), &s.Agenda); err != nil {
		return fmt.Errorf("agenda: %w", err)
	}
	s.Settings = DefaultSettings()
	if err := json.Unmarshal([]byte(settings), &s.Settings); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	return nil
}

// ReadAgendaDocument decodes a stored document; its id is the row's, id.
func ReadAgendaDocument(id, doc string) (*Agenda, error) {
	var a Agenda
	if err := json.Unmarshal([]byte(doc), &a); err != nil {
		return nil, fmt.Errorf("read agenda %s: %w", id, err)
	}
	a.ID = id
	return &a, nil
}
