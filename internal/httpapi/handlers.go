package httpapi

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/room"
)

// decodeBody reads a JSON object body strictly enough to catch mistakes:
// malformed JSON, fields of the wrong type and fields the endpoint does not
// know ("sesion" for "session") are each refused with their own message.
func decodeBody(c *fiber.Ctx, v any) error {
	body := bytes.TrimSpace(c.Body())
	if len(body) == 0 {
		return quorum.Errorf(quorum.EINVALIDJSON, "the request needs a JSON body")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errTrailingData
	}
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &typeErr):
		return quorum.Errorf(quorum.EINVALIDREQUEST, "field %q has the wrong type (got %s)", typeErr.Field, typeErr.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return quorum.Errorf(quorum.EINVALIDREQUEST, "%s is not a field this request takes", strings.TrimPrefix(err.Error(), "json: unknown field "))
	default:
		return quorum.Errorf(quorum.EINVALIDJSON, "the body is not valid JSON")
	}
}

var errTrailingData = errors.New("data after the JSON value")

type createRequest struct {
	Agenda json.RawMessage `json:"agenda"`
	Title  string          `json:"title"`
	// Names is "hidden" (the default: answers are anonymous) or "visible".
	Names    string `json:"names"`
	Password string `json:"password"`
}

type createResponse struct {
	ID        string     `json:"id"`
	Code      string     `json:"code"`
	HostKey   string     `json:"hostKey"`
	ScreenKey string     `json:"screenKey"`
	URLs      createURLs `json:"urls"`
}

type createURLs struct {
	Host   string `json:"host"`
	Screen string `json:"screen"`
	Join   string `json:"join"`
}

func (s *Server) createSession(c *fiber.Ctx) error {
	var req createRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	if err := s.checkHostPassword(req.Password, "creating a session"); err != nil {
		return err
	}
	names, err := quorum.ParseNames(req.Names)
	if err != nil {
		return err
	}
	agenda, err := s.agendaFrom(c.UserContext(), req.Agenda)
	if err != nil {
		return err
	}
	session, creds, err := quorum.NewSession(agenda, req.Title, time.Now())
	if err != nil {
		return err
	}
	session.Names = names
	if err := s.store.CreateSession(c.UserContext(), session); err != nil {
		return err
	}
	base := s.baseURL(c)
	// Keys go in the fragment: browsers never send it, so no server or proxy logs it.
	return c.Status(fiber.StatusCreated).JSON(createResponse{
		ID:        session.ID,
		Code:      session.Code,
		HostKey:   creds.HostKey,
		ScreenKey: creds.ScreenKey,
		URLs: createURLs{
			// The host link also carries the screen key, so the console can open the screen.
			Host:   base + "/host/" + session.ID + "#key=" + creds.HostKey + "&screen=" + creds.ScreenKey,
			Screen: base + "/screen/" + session.ID + "#key=" + creds.ScreenKey,
			Join:   base + "/j/" + session.Code,
		},
	})
}

// agendaFrom takes the id of a built-in or saved agenda, or a whole agenda
// document. The session keeps its own copy: editing the saved agenda later
// does not change it.
func (s *Server) agendaFrom(ctx context.Context, raw json.RawMessage) (*quorum.Agenda, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || bytes.Equal(raw, []byte("null")):
		return nil, quorum.Errorf(quorum.EINVALIDREQUEST, `"agenda" is required: an agenda's id or an agenda document`)
	case raw[0] == '"':
		var id string
		if err := json.Unmarshal(raw, &id); err != nil {
			return nil, quorum.Errorf(quorum.EINVALIDREQUEST, `"agenda" is not a valid string`)
		}
		return s.findAgenda(ctx, id)
	case raw[0] == '{':
		return quorum.ParseAgenda(raw)
	default:
		return nil, quorum.Errorf(quorum.EINVALIDREQUEST, `"agenda" must be an agenda's id or an agenda document`)
	}
}

type joinRequest struct {
	Code    string `json:"code"`
	Name    string `json:"name"`
	Segment string `json:"segment"`
}

func (s *Server) join(c *fiber.Ctx) error {
	var req joinRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	ctx := c.UserContext()
	var res room.JoinResult
	retryAfter, err := s.joinByCode(ctx, c.IP(), req.Code, func(sessionID string) (err error) {
		res, err = s.sessions.Join(ctx, sessionID, req.Name, req.Segment, "")
		return err
	})
	if err != nil {
		return withRetryAfter(c, retryAfter, err)
	}
	return c.Status(fiber.StatusCreated).JSON(res)
}

// codeInfo tells a phone what it is about to join: the session's title and
// the groups it offers. A join code is public; it is on the shared screen.
func (s *Server) codeInfo(c *fiber.Ctx) error {
	raw, err := url.PathUnescape(c.Params("code"))
	if err != nil {
		raw = c.Params("code") // not a code either: findSession refuses and counts it
	}
	// Not from the cache: an ended session's code leads nowhere.
	id, retryAfter, err := s.findSession(c.UserContext(), c.IP(), raw, true)
	if err != nil {
		return withRetryAfter(c, retryAfter, err)
	}
	info, err := s.sessions.PublicInfo(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(info)
}

// withRetryAfter says in a Retry-After header when a refused client may try
// again, if it may.
func withRetryAfter(c *fiber.Ctx, retryAfter int, err error) error {
	if retryAfter > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(retryAfter))
	}
	return err
}

// bearer is the secret a request sends as "Authorization: Bearer <secret>",
// the one place a secret travels outside the URL fragment; "" without one.
func bearer(c *fiber.Ctx) string {
	secret, _ := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	return secret
}

// hostKey reads the host key a request sends as its bearer.
func hostKey(c *fiber.Ctx) (string, error) {
	key := strings.TrimSpace(bearer(c))
	if key == "" {
		return "", quorum.Errorf(quorum.EUNAUTHORIZED, "send the host key as Authorization: Bearer <key>")
	}
	return key, nil
}

// checkHostPassword lets a request through when the server has no host
// password or when password is it, compared in constant time; doing says
// what needs it.
func (s *Server) checkHostPassword(password, doing string) error {
	if s.cfg.HostPassword != "" && subtle.ConstantTimeCompare([]byte(password), []byte(s.cfg.HostPassword)) != 1 {
		return quorum.Errorf(quorum.EUNAUTHORIZED, "%s on this server needs the host password", doing)
	}
	return nil
}

func (s *Server) sessionState(c *fiber.Ctx) error {
	key, err := hostKey(c)
	if err != nil {
		return err
	}
	state, err := s.sessions.HostState(c.UserContext(), c.Params("id"), key)
	if err != nil {
		return err
	}
	return c.JSON(state)
}

func (s *Server) action(c *fiber.Ctx) error {
	key, err := hostKey(c)
	if err != nil {
		return err
	}
	var cmd quorum.Command
	if err := decodeBody(c, &cmd); err != nil {
		return err
	}
	state, err := s.sessions.Act(c.UserContext(), c.Params("id"), key, cmd)
	if err != nil {
		return err
	}
	return c.JSON(state)
}

type deleteResponse struct {
	Deleted quorum.Deleted `json:"deleted"`
}

// deleteSession removes a session and all its data for its host; its room
// closes every connection with 4404.
func (s *Server) deleteSession(c *fiber.Ctx) error {
	key, err := hostKey(c)
	if err != nil {
		return err
	}
	id := c.Params("id")
	deleted, err := s.sessions.Delete(c.UserContext(), id, key)
	if err != nil {
		return err
	}
	s.log.Info("session deleted", "session", id, "participants", deleted.Participants, "votes", deleted.Votes)
	return c.JSON(deleteResponse{Deleted: deleted})
}

func (s *Server) qrCode(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 5*time.Second)
	defer cancel()
	info, err := s.sessions.PublicInfo(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	svg, err := qrSVG(s.baseURL(c) + "/j/" + info.Code)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/svg+xml")
	c.Set(fiber.HeaderCacheControl, "private, max-age=300")
	return c.Send(svg)
}
