package httpapi

import (
	"errors"
	"log/slog"

	"github.com/gofiber/fiber/v2"
	"github.com/quorum-workshop/quorum/internal/quorum"
)

// statusOf maps every error code to its HTTP status, in one place. A request
// that cannot be read as one is 400; a request that was read but that the
// session will not do is 409 (docs/protocol.md, "Commands", has the rule;
// TestErrorTableMatchesTheDocs keeps its error table and this one the same).
var statusOf = map[string]int{
	quorum.EINVALIDJSON:     fiber.StatusBadRequest,
	quorum.EINVALIDREQUEST:  fiber.StatusBadRequest,
	quorum.EUNKNOWNMESSAGE:  fiber.StatusBadRequest,
	quorum.EINVALIDAGENDA:   fiber.StatusUnprocessableEntity,
	quorum.EINVALIDVOTE:     fiber.StatusUnprocessableEntity,
	quorum.EINVALIDJOIN:     fiber.StatusUnprocessableEntity,
	quorum.EINVALIDACTION:   fiber.StatusConflict,
	quorum.EVOTINGCLOSED:    fiber.StatusConflict,
	quorum.ECODENOTFOUND:    fiber.StatusNotFound,
	quorum.ESESSIONENDED:    fiber.StatusNotFound,
	quorum.ESESSIONNOTFOUND: fiber.StatusNotFound,
	quorum.EAGENDANOTFOUND:  fiber.StatusNotFound,
	quorum.ENOTFOUND:        fiber.StatusNotFound,
	quorum.EUNAUTHORIZED:    fiber.StatusUnauthorized,
	quorum.EFORBIDDEN:       fiber.StatusForbidden,
	quorum.ETOOLARGE:        fiber.StatusRequestEntityTooLarge,
	quorum.ETOOMANY:         fiber.StatusTooManyRequests,
	quorum.EUNAVAILABLE:     fiber.StatusServiceUnavailable,
	quorum.EINTERNAL:        fiber.StatusInternalServerError,
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code     string           `json:"code"`
	Message  string           `json:"message"`
	Problems []quorum.Problem `json:"problems,omitempty"`
}

// errorHandler is Fiber's error handler: every error leaves as
// {"error":{"code","message"}}; internal errors are logged, never shown.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		err = fiberError(fe)
	}
	code := quorum.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = fiber.StatusInternalServerError
	}
	if code == quorum.EINTERNAL {
		s.log.Error("request failed", "method", c.Method(), "path", c.Path(), "err", err)
	}
	return c.Status(status).JSON(errorBody{Error: errorDetail{Code: code, Message: quorum.ErrorMessage(err), Problems: quorum.ErrorProblems(err)}})
}

// fiberError translates the errors Fiber raises itself (no route, body too
// large, bad method) into our codes.
func fiberError(fe *fiber.Error) error {
	switch fe.Code {
	case fiber.StatusNotFound:
		return quorum.Errorf(quorum.ENOTFOUND, "there is nothing at this address")
	case fiber.StatusMethodNotAllowed:
		return quorum.Errorf(quorum.ENOTFOUND, "this address does not take that method")
	case fiber.StatusRequestEntityTooLarge:
		return quorum.Errorf(quorum.ETOOLARGE, "the request body is too large")
	case fiber.StatusUpgradeRequired:
		return quorum.Errorf(quorum.EINVALIDREQUEST, "this address takes WebSocket connections only")
	case fiber.StatusRequestHeaderFieldsTooLarge:
		return quorum.Errorf(quorum.ETOOLARGE, "the request headers are too large")
	default:
		if fe.Code >= 400 && fe.Code < 500 {
			return quorum.Errorf(quorum.EINVALIDREQUEST, "%s", fe.Message)
		}
		return fe
	}
}

// logAttrs are the request line's fields. The path is logged without its
// query string, and no header is, so neither keys nor tokens reach a log.
func logAttrs(c *fiber.Ctx) []any {
	return []any{
		slog.String("method", c.Method()),
		slog.String("path", c.Path()),
		slog.Int("status", c.Response().StatusCode()),
		slog.String("ip", c.IP()),
	}
}
