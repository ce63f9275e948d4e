package quorum

import (
	"errors"
	"fmt"
)

// Error codes. They are part of the public API: HTTP bodies and WebSocket
// error frames carry them, and clients branch on them.
const (
	EINVALIDJSON     = "invalid_json"      // the body or frame is not well-formed JSON
	EINVALIDREQUEST  = "invalid_request"   // JSON, but not a request: a field missing, unknown or of the wrong type, an unknown action
	EINVALIDAGENDA   = "invalid_agenda"    // an agenda document failed validation
	EINVALIDVOTE     = "invalid_vote"      // the value does not fit the step
	EINVALIDACTION   = "invalid_action"    // a request that was read, refused for the session's state or the values it names
	EINVALIDJOIN     = "invalid_join"      // a name or segment was refused
	EVOTINGCLOSED    = "voting_closed"     // the step is not open for votes
	ECODENOTFOUND    = "code_not_found"    // no live session has this join code
	ESESSIONENDED    = "session_ended"     // the session has ended
	ESESSIONNOTFOUND = "session_not_found" // no session with this id
	EAGENDANOTFOUND  = "agenda_not_found"  // no built-in agenda with this id
	ENOTFOUND        = "not_found"         // no such route or resource
	EUNAUTHORIZED    = "unauthorized"      // a key, token or password is missing or wrong
	EFORBIDDEN       = "forbidden"         // authenticated, but this role may not do that
	ETOOLARGE        = "too_large"         // a body or frame is over the size limit
	EUNKNOWNMESSAGE  = "unknown_message"   // a WebSocket frame of a type the server does not know
	ETOOMANY         = "too_many_requests" // a client went over a rate limit; wait and retry
	EUNAVAILABLE     = "unavailable"       // the server is shutting down
	EINTERNAL        = "internal"          // anything else; details are logged, never sent
)

// Problem is one precise complaint about a document, qualified by its path.
type Problem struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// Error is the one error type the domain hands to its adapters. Adapters map
// Code to a transport status in one place and show Message to people.
type Error struct {
	Code     string
	Message  string
	Problems []Problem // optional, for validation errors
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, or EINTERNAL for errors that are not an
// *Error (those are bugs or infrastructure failures).
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the human message of err. Internal errors, coded or
// not, get a generic message so that no internals reach a client.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "Internal error."
}

// ErrorProblems returns the validation problems carried by err, if any.
func ErrorProblems(err error) []Problem {
	var e *Error
	if errors.As(err, &e) {
		return e.Problems
	}
	return nil
}
