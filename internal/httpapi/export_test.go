package httpapi_test

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/quorum-workshop/quorum/internal/httpapi"
)

// get fetches a path with the host key.
func (ts *testServer) get(path, bearer string) (int, http.Header, string) {
	ts.t.Helper()
	status, header, body := ts.do("GET", path, bearer, nil)
	return status, header, string(body)
}

// The four exports answer the host, live and after the end, with file names
// from the title and date; nobody else gets them; anonymous drops names.
func TestExports(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{})
	var s created
	ts.call("POST", "/api/sessions", "", map[string]any{"agenda": "leadership-vs-management", "title": "Offsite Zürich"}, &s)
	var parts []*client
	for _, name := range []string{"Ada Lovelace", "Grace Hopper"} {
		j := ts.join(s.Code, name, "Manager")
		c := ts.connect(name, "participant", s.ID, j.Token)
		c.awaitType("state")
		parts = append(parts, c)
	}
	ts.call("POST", "/api/sessions/"+s.ID+"/actions", s.HostKey, `{"action":"goto","step":1}`, nil)
	ts.call("POST", "/api/sessions/"+s.ID+"/actions", s.HostKey, `{"action":"open"}`, nil)
	for i, c := range parts {
		c.await("open", func(f frame) bool {
			st := f.state()
			return f.Type == "state" && st.Step != nil && st.Step.Voting == "open"
		})
		c.send(map[string]any{"type": "vote", "id": "v", "step": 1, "value": 2 + i*3})
		c.awaitType("ack")
	}

	formats := []struct {
		path, contentType, disposition string
	}{
		{"export.csv", "text/csv", `attachment; filename="offsite-zurich-`},
		{"export.csv?summary=1", "text/csv", `attachment; filename="offsite-zurich-`},
		{"export.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", `attachment; filename="offsite-zurich-`},
		{"export.json", "application/json", `attachment; filename="offsite-zurich-`},
		{"export.html", "text/html", `inline; filename="offsite-zurich-`},
	}
	check := func(when string) {
		for _, f := range formats {
			path := "/api/sessions/" + s.ID + "/" + f.path
			status, h, body := ts.get(path, s.HostKey)
			if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), f.contentType) || !strings.HasPrefix(h.Get("Content-Disposition"), f.disposition) || len(body) == 0 {
				t.Errorf("%s %s: %d %q %q (%d bytes)", when, f.path, status, h.Get("Content-Type"), h.Get("Content-Disposition"), len(body))
			}
			for name, key := range map[string]string{"no key": "", "screen key": s.ScreenKey} {
				if status, _, _ := ts.get(path, key); status != http.StatusUnauthorized {
					t.Errorf("%s %s with %s: %d, want 401", when, f.path, name, status)
				}
			}
			sep := "?"
			if strings.Contains(f.path, "?") {
				sep = "&"
			}
			if _, _, anon := ts.get(path+sep+"anonymous=1", s.HostKey); strings.Contains(anon, "Lovelace") || strings.Contains(anon, "Hopper") {
				t.Errorf("%s anonymous %s contains a name", when, f.path)
			}
		}
	}
	check("live")

	_, _, body := ts.get("/api/sessions/"+s.ID+"/export.csv", s.HostKey)
	if !strings.HasPrefix(body, "\ufeff") {
		t.Error("the CSV has no UTF-8 byte order mark")
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+2 || !strings.Contains(body, "Ada Lovelace") {
		t.Errorf("CSV rows = %d (want a header and 2 votes), names present: %v", len(rows), strings.Contains(body, "Ada Lovelace"))
	}

	ts.call("POST", "/api/sessions/"+s.ID+"/actions", s.HostKey, `{"action":"end"}`, nil)
	check("ended")
	if status, _, _ := ts.get("/api/sessions/"+s.ID+"/export.pdf", s.HostKey); status != http.StatusNotFound {
		t.Errorf("unknown format: %d", status)
	}
	if status, _, _ := ts.get("/api/sessions/4b1c6d0e-0000-0000-0000-000000000000/export.csv", s.HostKey); status != http.StatusNotFound {
		t.Errorf("unknown session: %d", status)
	}
}
