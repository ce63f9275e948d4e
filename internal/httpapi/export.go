package httpapi

import (
	"bytes"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/quorum-workshop/quorum/internal/export"
	"github.com/quorum-workshop/quorum/internal/quorum"
)

// exportSession serves a session's results as CSV, Excel, JSON or the
// printable report, for its host. It reads a committed snapshot from the
// store, so it works while the session is live without stopping its room.
func (s *Server) exportSession(c *fiber.Ctx) error {
	key, err := hostKey(c)
	if err != nil {
		return err
	}
	session, events, err := s.store.LoadForExport(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	if !quorum.SecretMatches(key, session.HostKeyHash) {
		return quorum.Errorf(quorum.EUNAUTHORIZED, "the host key is missing or wrong")
	}
	e := export.Build(session, events, export.Options{Anonymous: c.Query("anonymous") == "1", Notes: c.Query("notes") == "1", Now: time.Now()})
	var buf bytes.Buffer
	format := c.Params("format")
	disposition := "attachment"
	name := e.Filename("." + format)
	switch format {
	case "csv":
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		if c.Query("summary") == "1" {
			name = e.Filename("-summary.csv")
			err = e.WriteSummaryCSV(&buf)
		} else {
			err = e.WriteCSV(&buf)
		}
	case "xlsx":
		c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		err = e.WriteXLSX(&buf)
	case "json":
		c.Set(fiber.HeaderContentType, "application/json; charset=utf-8")
		err = e.WriteJSON(&buf)
	case "html":
		c.Set(fiber.HeaderContentType, "text/html; charset=utf-8")
		disposition = "inline"
		err = e.WriteHTML(&buf)
	default:
		return quorum.Errorf(quorum.ENOTFOUND, "exports are csv, xlsx, json and html, not %q", format)
	}
	if err != nil {
		return fmt.Errorf("export %s as %s: %w", session.ID, format, err)
	}
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`%s; filename="%s"`, disposition, name))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}
