package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/quorum-workshop/quorum/internal/quorum"
)

// agendaSummary is an agenda as GET /api/agendas lists it, and as saving one
// answers.
type agendaSummary struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Steps   int    `json:"steps"`
	Builtin bool   `json:"builtin"`
}

func summarize(a *quorum.Agenda, builtin bool) agendaSummary {
	return agendaSummary{ID: a.ID, Title: a.Title, Steps: len(a.Steps), Builtin: builtin}
}

// listAgendas lists the built-in agendas, then the saved ones, the last
// edited first. When the server has a host password, saved agendas (their
// notes, their quiz answers) are listed only to a request that sends it as
// Authorization: Bearer; otherwise the answer says "locked", or, when the
// request asks for them with ?saved=1, is 401.
func (s *Server) listAgendas(c *fiber.Ctx) error {
	out := []agendaSummary{}
	for _, a := range quorum.BuiltinAgendas() {
		out = append(out, summarize(a, true))
	}
	if err := s.checkHostPassword(bearer(c), savedAgendas); err != nil {
		if c.Query("saved") == "1" {
			return err
		}
		return c.JSON(fiber.Map{"agendas": out, "locked": true})
	}
	saved, err := s.store.ListAgendas(c.UserContext())
	if err != nil {
		return err
	}
	for _, a := range saved {
		out = append(out, summarize(a, false))
	}
	return c.JSON(fiber.Map{"agendas": out})
}

// getAgenda answers the document of a built-in or saved agenda, as it could
// be uploaded again or passed to POST /api/sessions. A saved one needs the
// host password, when the server has one.
func (s *Server) getAgenda(c *fiber.Ctx) error {
	id := c.Params("id")
	if refuseBuiltin(id) == nil {
		if err := s.checkHostPassword(bearer(c), savedAgendas); err != nil {
			return err
		}
	}
	a, err := s.findAgenda(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(a)
}

// findAgenda looks an agenda up by id among the built-ins, then the saved
// ones. Built-in ids are file names and saved ones UUIDs, so they never meet.
func (s *Server) findAgenda(ctx context.Context, id string) (*quorum.Agenda, error) {
	if a, err := quorum.BuiltinAgenda(id); err == nil {
		return a, nil
	}
	a, err := s.store.GetAgenda(ctx, id)
	if quorum.ErrorCode(err) == quorum.EAGENDANOTFOUND {
		return nil, quorum.Errorf(quorum.EAGENDANOTFOUND, "there is no agenda %q", id)
	}
	return a, err
}

// agendaRequest is the body of POST and PUT /api/agendas, and of DELETE
// (its password only).
type agendaRequest struct {
	Agenda   json.RawMessage `json:"agenda"`
	Password string          `json:"password"`
}

func (s *Server) createAgenda(c *fiber.Ctx) error {
	req, err := s.authorizeWrite(c)
	if err != nil {
		return err
	}
	a, err := parseAgendaDocument(req.Agenda)
	if err != nil {
		return err
	}
	a.ID = uuid.NewString()
	if err := s.store.CreateAgenda(c.UserContext(), a, time.Now()); err != nil {
		return err
	}
	s.log.Info("agenda saved", "agenda", a.ID, "steps", len(a.Steps))
	return c.Status(fiber.StatusCreated).JSON(summarize(a, false))
}

// updateAgenda replaces a saved agenda. Sessions created from it keep the
// copy they were created with.
func (s *Server) updateAgenda(c *fiber.Ctx) error {
	req, err := s.authorizeWrite(c)
	if err != nil {
		return err
	}
	id := strings.Clone(c.Params("id"))
	if err := refuseBuiltin(id); err != nil {
		return err
	}
	a, err := parseAgendaDocument(req.Agenda)
	if err != nil {
		return err
	}
	a.ID = id
	if err := s.store.UpdateAgenda(c.UserContext(), a, time.Now()); err != nil {
		return err
	}
	s.log.Info("agenda edited", "agenda", a.ID, "steps", len(a.Steps))
	return c.JSON(summarize(a, false))
}

// deleteAgenda removes a saved agenda; sessions created from it keep theirs.
func (s *Server) deleteAgenda(c *fiber.Ctx) error {
	if _, err := s.authorizeWrite(c); err != nil {
		return err
	}
	id := c.Params("id")
	if err := refuseBuiltin(id); err != nil {
		return err
	}
	if err := s.store.DeleteAgenda(c.UserContext(), id); err != nil {
		return err
	}
	s.log.Info("agenda deleted", "agenda", id)
	return c.SendStatus(fiber.StatusNoContent)
}

// authorizeWrite reads the body of a write and checks its password before
// anything else, so that nobody without it learns anything. A DELETE may
// leave the body out when the server has no host password.
func (s *Server) authorizeWrite(c *fiber.Ctx) (agendaRequest, error) {
	var req agendaRequest
	if len(bytes.TrimSpace(c.Body())) > 0 {
		if err := decodeBody(c, &req); err != nil {
			return req, err
		}
	}
	return req, s.checkHostPassword(req.Password, savedAgendas)
}

// parseAgendaDocument checks an agenda to save as strictly as POST
// /api/sessions checks one: only a whole document, never an id.
func parseAgendaDocument(raw json.RawMessage) (*quorum.Agenda, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, quorum.Errorf(quorum.EINVALIDREQUEST, `"agenda" must be an agenda document, a JSON object`)
	}
	return quorum.ParseAgenda(raw)
}

// savedAgendas is what the host password guards here.
const savedAgendas = "reading or changing saved agendas"

// refuseBuiltin keeps writes away from the built-in agendas, which ship
// with the binary.
func refuseBuiltin(id string) error {
	if _, err := quorum.BuiltinAgenda(id); err == nil {
		return quorum.Errorf(quorum.EFORBIDDEN, "%q is a built-in agenda and cannot be changed; save a copy of it and edit that", id)
	}
	return nil
}
