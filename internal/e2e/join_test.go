package e2e

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/testserver"
)

// The phone joins in its WebSocket hello: the identity the welcome brings
// survives a reload (the same participant, no second join), and a join the
// server refuses (the session ended while the form was open) says why.
func TestPhoneJoinsInTheHello(t *testing.T) {
	b := newBrowser(t)
	srv := testserver.Start(t, testserver.TempDB(t), httpapi.Config{})
	var s seededSession
	apiJSON(t, srv, "POST", "/api/sessions", "", map[string]any{"agenda": "leadership-vs-management"}, &s, http.StatusCreated)
	joined := func() int {
		t.Helper()
		var st struct {
			Counts struct{ Joined int } `json:"counts"`
		}
		apiJSON(t, srv, "GET", "/api/sessions/"+s.ID, s.HostKey, nil, &st, http.StatusOK)
		return st.Counts.Joined
	}

	phone := b.newTab("phone", 360, 780, true)
	phone.navigate(srv.URL + "/j/" + s.Code)
	phone.waitText("Leadership vs. Management")
	phone.typeInto("Your name (optional)", "Ana")
	// Requests the page makes from here on: joining needs none.
	evaluate[bool](phone, `(() => { window.requested = []; const f = window.fetch; window.fetch = (u, o) => { window.requested.push(String(u)); return f(u, o); }; return true; })()`)
	phone.clickButton("Join")
	phone.waitText("Look at the shared screen")
	if got := evaluate[[]string](phone, `window.requested`); len(got) != 0 {
		t.Errorf("joining made requests %q; the hello should carry the join", got)
	}
	// The phone's own token (43 characters of base64url), so that a join
	// retried after a lost welcome is the same participant.
	phone.waitJS("the identity stored", `JSON.parse(localStorage.getItem("quorum:participant:`+s.Code+`") || "{}").token?.length === 43`)
	phone.navigate(srv.URL + "/j/" + s.Code)
	phone.waitText("Look at the shared screen")
	if phone.hasText("Your name (optional)") {
		t.Error("the reloaded phone shows the join form again")
	}
	if n := joined(); n != 1 {
		t.Errorf("%d joined after a join and a reload, want 1", n)
	}

	late := b.newTab("late phone", 360, 780, true)
	late.navigate(srv.URL + "/j/" + s.Code)
	late.waitText("Your name (optional)")
	apiJSON(t, srv, "POST", "/api/sessions/"+s.ID+"/actions", s.HostKey, map[string]any{"action": "end"}, nil, http.StatusOK)
	late.clickButton("Join")
	late.waitText("has ended. Type the code of another session, or ask the facilitator.")
	if n := joined(); n != 1 {
		t.Errorf("%d joined after a refused join, want 1", n)
	}
	b.assertNoConsoleErrors()
}

// A join the server refuses for another reason than the session (here: too
// many wrong codes from this address) goes back to the join form, with the
// reason and what the phone typed.
func TestRefusedJoinKeepsWhatWasTyped(t *testing.T) {
	b := newBrowser(t)
	srv := testserver.Start(t, testserver.TempDB(t), httpapi.Config{FailedJoins: 1})
	var s seededSession
	apiJSON(t, srv, "POST", "/api/sessions", "", map[string]any{"agenda": "leadership-vs-management"}, &s, http.StatusCreated)

	phone := b.newTab("phone", 360, 780, true)
	phone.navigate(srv.URL + "/j/" + s.Code)
	phone.waitText("Your name (optional)")
	phone.typeInto("Your name (optional)", "Ana")
	// One wrong code from this address reaches the limit of one.
	apiJSON(t, srv, "POST", "/api/join", "", map[string]any{"code": "00000000"}, nil, http.StatusNotFound)
	phone.clickButton("Join")
	phone.waitText("Too many wrong join codes from this address")
	if got := evaluate[string](phone, `document.getElementById("name").value`); got != "Ana" {
		t.Errorf("the name field holds %q after the refusal, want what was typed", got)
	}
	b.assertNoConsoleErrors()
}

// A phone that joins through the page's own flow, while nothing else is
// connected to the session and the host drives it over REST, is joined and
// sees voting open: 8 sessions in a row. It was lost in 4 of 8 when the
// host's REST calls could reach another room than the phone's.
func TestPhoneJoinsAloneWhileTheHostUsesREST(t *testing.T) {
	const title = "Alone in the room"
	b := newBrowser(t)
	srv := testserver.Start(t, testserver.TempDB(t), httpapi.Config{})
	agenda := map[string]any{"title": title, "steps": []map[string]any{
		{"kind": "info", "title": "Welcome"},
		{"kind": "choice", "title": "Tea or coffee?", "options": []string{"Tea", "Coffee"}},
	}}
	for i := range 8 {
		s := &roomSession{srv: srv}
		apiJSON(t, srv, "POST", "/api/sessions", "", map[string]any{"agenda": agenda}, s, http.StatusCreated)
		s.act(t, "start", nil)
		phone := b.newTab(fmt.Sprintf("phone-%d", i), 360, 780, true)
		phone.navigate(srv.URL + "/j/" + s.Code)
		phone.waitText(title)
		phone.clickButton("Join")
		phone.waitText("Look at the shared screen")
		s.nextVote(t, phone, "Coffee")
		var st struct {
			Counts struct{ Joined, Connected, Voted int } `json:"counts"`
		}
		apiJSON(t, srv, "GET", "/api/sessions/"+s.ID, s.HostKey, nil, &st, http.StatusOK)
		if st.Counts.Joined != 1 || st.Counts.Connected != 1 || st.Counts.Voted != 1 {
			t.Errorf("session %d: counts %+v, want 1 joined, 1 connected, 1 voted", i, st.Counts)
		}
	}
	b.assertNoConsoleErrors()
}
