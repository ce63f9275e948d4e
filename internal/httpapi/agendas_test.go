package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/quorum"
)

const savedAgendaJSON = `{
	"title": "Team check-in",
	"segments": ["Dev", "Ops"],
	"steps": [
		{"kind": "info", "title": "Welcome", "notes": "Wait for the room."},
		{"kind": "choice", "title": "Lunch?", "options": ["Pizza", "Salad"]},
		{"kind": "scale", "title": "Pace", "left": "Slow", "right": "Fast", "points": 5}
	]
}`

type agendaListed struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Steps   int    `json:"steps"`
	Builtin bool   `json:"builtin"`
}

// saveAgenda posts an agenda document and returns what the server answered.
func (ts *testServer) saveAgenda(doc string) agendaListed {
	ts.t.Helper()
	var a agendaListed
	if status := ts.call("POST", "/api/agendas", "", `{"agenda": `+doc+`}`, &a); status != http.StatusCreated {
		ts.t.Fatalf("save agenda: status %d", status)
	}
	return a
}

func (ts *testServer) listAgendas() []agendaListed {
	ts.t.Helper()
	var list struct {
		Agendas []agendaListed `json:"agendas"`
	}
	if status := ts.call("GET", "/api/agendas", "", nil, &list); status != http.StatusOK {
		ts.t.Fatalf("list agendas: status %d", status)
	}
	return list.Agendas
}

// hostSteps are the titles of a session's steps, as its host sees them live.
func (ts *testServer) hostSteps(s created) []string {
	ts.t.Helper()
	var state struct {
		Steps []struct {
			Title string `json:"title"`
		} `json:"steps"`
	}
	if status := ts.call("GET", "/api/sessions/"+s.ID, s.HostKey, nil, &state); status != http.StatusOK {
		ts.t.Fatalf("session state: status %d", status)
	}
	var titles []string
	for _, st := range state.Steps {
		titles = append(titles, st.Title)
	}
	return titles
}

// nextMillisecond waits for the clock's next millisecond: the store keeps
// edit times to the millisecond, and two saves within one have no order to
// be listed in.
func nextMillisecond() {
	for ms := time.Now().UnixMilli(); time.Now().UnixMilli() == ms; {
		runtime.Gosched()
	}
}

func TestSavedAgendaLifecycle(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{})
	want, err := quorum.ParseAgenda([]byte(savedAgendaJSON))
	if err != nil {
		t.Fatal(err)
	}

	saved := ts.saveAgenda(savedAgendaJSON)
	if _, err := uuid.Parse(saved.ID); err != nil {
		t.Errorf("saved agenda's id %q is not a UUID", saved.ID)
	}
	if saved.Title != want.Title || saved.Steps != 3 || saved.Builtin {
		t.Errorf("saved %+v, want the title, 3 steps, not built-in", saved)
	}
	nextMillisecond()
	other := ts.saveAgenda(`{"title": "Other", "steps": [{"kind": "info", "title": "Hi"}]}`)

	// Listed after the built-ins, the last edited first.
	list := ts.listAgendas()
	builtins := quorum.BuiltinAgendas()
	if len(list) != len(builtins)+2 {
		t.Fatalf("listed %+v, want %d built-ins and 2 saved", list, len(builtins))
	}
	for i, b := range builtins {
		if list[i].ID != b.ID || !list[i].Builtin || list[i].Steps != len(b.Steps) {
			t.Errorf("listed[%d] = %+v, want built-in %s", i, list[i], b.ID)
		}
	}
	if got := list[len(builtins):]; !reflect.DeepEqual(got, []agendaListed{other, saved}) {
		t.Errorf("saved agendas listed as %+v, want %+v", got, []agendaListed{other, saved})
	}

	// The document comes back as it was saved, under its id.
	var doc quorum.Agenda
	if status := ts.call("GET", "/api/agendas/"+saved.ID, "", nil, &doc); status != http.StatusOK {
		t.Fatalf("get saved agenda: %d", status)
	}
	want.ID = saved.ID
	if !reflect.DeepEqual(&doc, want) {
		t.Errorf("got document %+v, want %+v", doc, want)
	}

	// A session created from it keeps its own copy.
	session := ts.create(saved.ID)
	before := []string{"Welcome", "Lunch?", "Pace"}
	if got := ts.hostSteps(session); !reflect.DeepEqual(got, before) {
		t.Fatalf("session steps %v, want %v", got, before)
	}

	var edited agendaListed
	nextMillisecond()
	if status := ts.call("PUT", "/api/agendas/"+saved.ID, "", `{"agenda": {"title": "Team check-in v2", "steps": [{"kind": "info", "title": "Hello again"}]}}`, &edited); status != http.StatusOK {
		t.Fatalf("edit: %d", status)
	}
	if want := (agendaListed{ID: saved.ID, Title: "Team check-in v2", Steps: 1}); edited != want {
		t.Errorf("edit answered %+v, want %+v", edited, want)
	}
	if list := ts.listAgendas(); list[len(builtins)].ID != saved.ID {
		t.Errorf("after the edit the first saved agenda is %+v, want the edited one", list[len(builtins)])
	}
	if got := ts.create(saved.ID); !reflect.DeepEqual(ts.hostSteps(got), []string{"Hello again"}) {
		t.Errorf("a session created after the edit has steps %v, want the edited ones", ts.hostSteps(got))
	}
	if got := ts.hostSteps(session); !reflect.DeepEqual(got, before) {
		t.Errorf("after the edit the earlier session's steps are %v, want %v unchanged", got, before)
	}

	if status, _, body := ts.do("DELETE", "/api/agendas/"+saved.ID, "", nil); status != http.StatusNoContent || len(body) != 0 {
		t.Fatalf("delete: %d %q", status, body)
	}
	var e apiError
	if status := ts.call("GET", "/api/agendas/"+saved.ID, "", nil, &e); status != http.StatusNotFound || e.Error.Code != quorum.EAGENDANOTFOUND {
		t.Errorf("get after delete: %d %q", status, e.Error.Code)
	}
	if status := ts.call("POST", "/api/sessions", "", map[string]any{"agenda": saved.ID}, &e); status != http.StatusNotFound || e.Error.Code != quorum.EAGENDANOTFOUND {
		t.Errorf("create a session from a deleted agenda: %d %q", status, e.Error.Code)
	}
	if got := ts.hostSteps(session); !reflect.DeepEqual(got, before) {
		t.Errorf("after the delete the session's steps are %v, want %v unchanged", got, before)
	}
	// On disk too, not only in the running room.
	stored, err := ts.db.LoadSession(context.Background(), session.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Agenda.Title != "Team check-in" || len(stored.Agenda.Steps) != 3 {
		t.Errorf("stored session agenda %q with %d steps, want the original", stored.Agenda.Title, len(stored.Agenda.Steps))
	}
}

func TestSavedAgendaBadInput(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{})
	saved := ts.saveAgenda(savedAgendaJSON)
	builtin := quorum.BuiltinAgendas()[0].ID
	unknown := "/api/agendas/" + uuid.NewString()
	// Each step's notes are 4000 U+2028, which JSON escapes in 6 bytes each:
	// the document is under the limit as sent and over it once encoded.
	var steps []string
	for range 12 {
		steps = append(steps, `{"kind": "info", "title": "Long", "notes": "`+strings.Repeat("\u2028", 4000)+`"}`)
	}
	grows := `{"agenda": {"title": "Grows", "steps": [` + strings.Join(steps, ",") + `]}}`

	tests := []struct {
		name, method, path string
		body               any
		status             int
		code               string
	}{
		{"malformed JSON", "POST", "/api/agendas", `{"agenda":`, 400, quorum.EINVALIDJSON},
		{"empty body", "POST", "/api/agendas", nil, 400, quorum.EINVALIDREQUEST},
		{"no agenda", "POST", "/api/agendas", `{}`, 400, quorum.EINVALIDREQUEST},
		{"an id, not a document", "POST", "/api/agendas", `{"agenda": "` + builtin + `"}`, 400, quorum.EINVALIDREQUEST},
		{"unknown field in the request", "POST", "/api/agendas", `{"agenda": {}, "pasword": "x"}`, 400, quorum.EINVALIDREQUEST},
		{"invalid agenda", "POST", "/api/agendas", `{"agenda": {"title": "T", "steps": [{"kind": "choice", "title": "Q", "options": ["A"]}]}}`, 422, quorum.EINVALIDAGENDA},
		{"too large once encoded", "POST", "/api/agendas", grows, 413, quorum.ETOOLARGE},
		{"invalid edit", "PUT", "/api/agendas/" + saved.ID, `{"agenda": {"title": "", "steps": []}}`, 422, quorum.EINVALIDAGENDA},
		{"edit an unknown agenda", "PUT", unknown, `{"agenda": ` + savedAgendaJSON + `}`, 404, quorum.EAGENDANOTFOUND},
		{"edit a built-in", "PUT", "/api/agendas/" + builtin, `{"agenda": ` + savedAgendaJSON + `}`, 403, quorum.EFORBIDDEN},
		{"delete an unknown agenda", "DELETE", unknown, nil, 404, quorum.EAGENDANOTFOUND},
		{"delete a built-in", "DELETE", "/api/agendas/" + builtin, nil, 403, quorum.EFORBIDDEN},
		{"get an unknown agenda", "GET", unknown, nil, 404, quorum.EAGENDANOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e apiError
			status := ts.call(tt.method, tt.path, "", tt.body, &e)
			if status != tt.status || e.Error.Code != tt.code || e.Error.Message == "" {
				t.Errorf("got %d %q %q, want %d %q", status, e.Error.Code, e.Error.Message, tt.status, tt.code)
			}
		})
	}

	// Every problem comes with the path of its field, for the editor to show
	// next to it.
	var e apiError
	ts.call("PUT", "/api/agendas/"+saved.ID, "", `{"agenda": {"title": "T", "steps": [
		{"kind": "info", "title": "Hi"},
		{"kind": "choice", "title": "Q", "options": ["A", "A"]},
		{"kind": "scale", "title": "S", "left": "L", "right": "R", "points": 6, "dimension": "Not Valid"}]}}`, &e)
	var paths []string
	for _, p := range e.Error.Problems {
		paths = append(paths, p.Path)
	}
	if want := []string{"steps[1].options[1]", "steps[2].points", "steps[2].dimension"}; !reflect.DeepEqual(paths, want) {
		t.Errorf("problem paths %v, want %v", paths, want)
	}

	// None of the refused writes changed anything.
	var doc json.RawMessage
	ts.call("GET", "/api/agendas/"+saved.ID, "", nil, &doc)
	if !strings.Contains(string(doc), `"Team check-in"`) {
		t.Errorf("after refused writes the agenda is %s", doc)
	}
	if n := len(ts.listAgendas()) - len(quorum.BuiltinAgendas()); n != 1 {
		t.Errorf("%d saved agendas after refused writes, want 1", n)
	}
}

func TestSavedAgendasNeedHostPassword(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{HostPassword: "s3cret"})
	doc := `{"title": "Secret plan", "steps": [{"kind": "info", "title": "Hi"}]}`

	for _, password := range []string{"", "wrong"} {
		var e apiError
		if status := ts.call("POST", "/api/agendas", "", `{"agenda": `+doc+`, "password": "`+password+`"}`, &e); status != 401 || e.Error.Code != quorum.EUNAUTHORIZED {
			t.Errorf("save with password %q: %d %q", password, status, e.Error.Code)
		}
	}
	var saved agendaListed
	if status := ts.call("POST", "/api/agendas", "", `{"agenda": `+doc+`, "password": "s3cret"}`, &saved); status != 201 {
		t.Fatalf("save with the password: %d", status)
	}
	path := "/api/agendas/" + saved.ID
	// The password is checked before anything else: a built-in or an invalid
	// document tells nothing to someone without it.
	for _, w := range []struct {
		method, path string
		body         any
	}{
		{"PUT", path, `{"agenda": ` + doc + `}`},
		{"PUT", "/api/agendas/" + quorum.BuiltinAgendas()[0].ID, `{"agenda": {}}`},
		{"POST", "/api/agendas", `{"agenda": {}}`},
		{"DELETE", path, nil},
		{"DELETE", path, `{"password": "wrong"}`},
	} {
		if status := ts.call(w.method, w.path, "", w.body, nil); status != 401 {
			t.Errorf("%s %s %v without the password: %d, want 401", w.method, w.path, w.body, status)
		}
	}
	if status := ts.call("PUT", path, "", `{"agenda": `+doc+`, "password": "s3cret"}`, nil); status != 200 {
		t.Errorf("edit with the password: %d", status)
	}
	// Reading a saved agenda (its notes, its quiz answers) needs the password
	// too: without it the list has the built-ins only and says it is locked.
	var locked struct {
		Agendas []struct{ ID string }
		Locked  bool
	}
	if status := ts.call("GET", "/api/agendas", "", nil, &locked); status != 200 || !locked.Locked || len(locked.Agendas) != len(quorum.BuiltinAgendas()) {
		t.Errorf("list without the password: %d %+v", status, locked)
	}
	for _, bearer := range []string{"", "wrong"} {
		if status := ts.call("GET", "/api/agendas?saved=1", bearer, nil, nil); status != 401 {
			t.Errorf("list of saved agendas with password %q: %d, want 401", bearer, status)
		}
		if status := ts.call("GET", path, bearer, nil, nil); status != 401 {
			t.Errorf("read of a saved agenda with password %q: %d, want 401", bearer, status)
		}
	}
	if status := ts.call("GET", "/api/agendas/leadership-vs-management", "", nil, nil); status != 200 {
		t.Errorf("a built-in without the password: %d", status)
	}
	locked.Agendas, locked.Locked = nil, false
	if status := ts.call("GET", "/api/agendas?saved=1", "s3cret", nil, &locked); status != 200 || locked.Locked || locked.Agendas[len(locked.Agendas)-1].ID != saved.ID {
		t.Errorf("list with the password: %d %+v", status, locked)
	}
	if status := ts.call("GET", path, "s3cret", nil, nil); status != 200 {
		t.Errorf("read of a saved agenda with the password: %d", status)
	}
	if status, _, _ := ts.do("DELETE", path, "", `{"password": "s3cret"}`); status != http.StatusNoContent {
		t.Errorf("delete with the password: %d", status)
	}
}
