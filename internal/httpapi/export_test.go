package httpapi_test

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/testserver"
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
	ts.call("POST", "/api/sessions", "", map[string]any{"agenda": "leadership-vs-management", "title": "Offsite Zürich", "names": "visible"}, &s)
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
	// The report has the facilitator's notes only when asked for.
	for query, want := range map[string]bool{"": false, "?notes=1": true, "?notes=1&anonymous=1": true} {
		if _, _, body := ts.get("/api/sessions/"+s.ID+"/export.html"+query, s.HostKey); strings.Contains(body, "Facilitator notes") != want {
			t.Errorf("export.html%s: has the facilitator's notes %v, want %v", query, !want, want)
		}
	}
	if status, _, _ := ts.get("/api/sessions/"+s.ID+"/export.pdf", s.HostKey); status != http.StatusNotFound {
		t.Errorf("unknown format: %d", status)
	}
	if status, _, _ := ts.get("/api/sessions/4b1c6d0e-0000-0000-0000-000000000000/export.csv", s.HostKey); status != http.StatusNotFound {
		t.Errorf("unknown session: %d", status)
	}
}

// A session created without "names" told its phones "Your answers are
// anonymous": no export of it, in any format and whatever the query asks,
// holds a name a phone typed. A session created with names visible, whose
// phones said so, exports them unless asked not to.
func TestExportsKeepThePhonesPromise(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{})
	names := []string{"Ana Test", "Ben Sample"}
	sessionWith := func(body map[string]any) created {
		t.Helper()
		var s created
		if status := ts.call("POST", "/api/sessions", "", body, &s); status != http.StatusCreated {
			t.Fatalf("create %v: %d", body, status)
		}
		var parts []*client
		for _, name := range names {
			j := ts.join(s.Code, name, "Manager")
			c := ts.connect(name, "participant", s.ID, j.Token)
			c.awaitType("state")
			parts = append(parts, c)
		}
		// Answers on a scale and on the open-text step, the one step whose
		// rows would be most telling next to a name.
		for _, step := range []int{1, 17} {
			ts.call("POST", "/api/sessions/"+s.ID+"/actions", s.HostKey, map[string]any{"action": "goto", "step": step}, nil)
			ts.call("POST", "/api/sessions/"+s.ID+"/actions", s.HostKey, `{"action":"open"}`, nil)
			for i, c := range parts {
				c.await("open", func(f frame) bool {
					st := f.state()
					return f.Type == "state" && st.Step != nil && st.Step.Index == step && st.Step.Voting == "open"
				})
				var value any = 2 + i
				if step == 17 {
					value = "listen more"
				}
				c.send(map[string]any{"type": "vote", "id": "v", "step": step, "value": value})
				c.awaitType("ack")
			}
		}
		return s
	}
	// export reads one export, a workbook unzipped, as text.
	export := func(s created, path string) string {
		t.Helper()
		status, _, body := ts.get("/api/sessions/"+s.ID+"/"+path, s.HostKey)
		if status != http.StatusOK {
			t.Fatalf("%s: %d", path, status)
		}
		if !strings.HasPrefix(path, "export.xlsx") {
			return body
		}
		return testserver.Unzipped(t, []byte(body))
	}
	paths := []string{"export.csv", "export.csv?summary=1", "export.xlsx", "export.json", "export.html"}
	queries := []string{"", "anonymous=0", "anonymous=1", "anonymous=false"}

	hidden := sessionWith(map[string]any{"agenda": "leadership-vs-management"})
	var info struct {
		Names string `json:"names"`
	}
	ts.call("GET", "/api/codes/"+hidden.Code, "", nil, &info)
	if info.Names != "hidden" {
		t.Errorf("GET /api/codes/{code} of a default session: names %q, want hidden", info.Names)
	}
	for _, path := range paths {
		for _, q := range queries {
			full := path
			if q != "" {
				full += map[bool]string{true: "&", false: "?"}[strings.Contains(path, "?")] + q
			}
			body := export(hidden, full)
			// The names, and their surnames ("Ben" alone is in "Benefit").
			for _, word := range []string{"Ana Test", "Ben Sample", "Sample"} {
				if strings.Contains(body, word) {
					t.Errorf("anonymous session, %s: holds %q", full, word)
				}
			}
		}
	}

	visible := sessionWith(map[string]any{"agenda": "leadership-vs-management", "names": "visible"})
	ts.call("GET", "/api/codes/"+visible.Code, "", nil, &info)
	if info.Names != "visible" {
		t.Errorf("GET /api/codes/{code} of a session with names visible: names %q", info.Names)
	}
	for _, path := range []string{"export.csv", "export.xlsx", "export.json", "export.html"} {
		if body := export(visible, path); !strings.Contains(body, "Ana Test") || !strings.Contains(body, "Ben Sample") {
			t.Errorf("names visible, %s: lacks the names", path)
		}
		if body := export(visible, path+"?anonymous=1"); strings.Contains(body, "Ana Test") || strings.Contains(body, "Ben Sample") {
			t.Errorf("names visible, %s?anonymous=1: holds a name", path)
		}
	}

	var e apiError
	if status := ts.call("POST", "/api/sessions", "", map[string]any{"agenda": "leadership-vs-management", "names": "shown"}, &e); status != http.StatusBadRequest || e.Error.Code != quorum.EINVALIDREQUEST {
		t.Errorf(`create with names "shown": %d %q, want 400 %s`, status, e.Error.Code, quorum.EINVALIDREQUEST)
	}
}
