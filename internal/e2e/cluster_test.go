package e2e

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/storetest"
	"github.com/quorum-workshop/quorum/internal/testserver"
)

// The console on one node, a phone on a second and the shared screen on a
// third run a question together, as behind a load balancer that spread them:
// the phone joins and votes, the screen counts it, the reveal reaches both.
func TestConsolePhoneAndScreenOnThreeNodes(t *testing.T) {
	const title = "Across three nodes"
	b := newBrowser(t)
	db, bus := storetest.PostgresDatabase(t), testserver.NATS(t)
	var nodes [3]*testserver.Server
	suffix := strings.ToLower(rand.Text()[:6]) // unique on the shared NATS server
	for i := range nodes {
		nodes[i] = testserver.StartNode(t, db, bus, fmt.Sprintf("n%d-%s", i+1, suffix), httpapi.Config{})
	}
	s := &roomSession{srv: nodes[0]}
	agenda := map[string]any{"title": title, "steps": []map[string]any{
		{"kind": "info", "title": "Welcome"},
		{"kind": "choice", "title": "Tea or coffee?", "options": []string{"Tea", "Coffee"}},
	}}
	apiJSON(t, nodes[0], "POST", "/api/sessions", "", map[string]any{"agenda": agenda}, s, http.StatusCreated)

	host := b.newTab("host", 1280, 800, false)
	host.navigate(fmt.Sprintf("%s/host/%s#key=%s&screen=%s", nodes[0].URL, s.ID, s.HostKey, s.ScreenKey))
	host.waitText(title)
	screen := b.newTab("screen", 1280, 720, false)
	screen.navigate(fmt.Sprintf("%s/screen/%s#key=%s", nodes[2].URL, s.ID, s.ScreenKey))
	screen.waitText(title)
	phone := b.newTab("phone", 360, 780, true)
	phone.navigate(nodes[1].URL + "/j/" + s.Code)
	phone.waitText(title)
	phone.clickButton("Join")
	phone.waitText("Look at the shared screen")
	screen.waitText("1 joined")
	host.waitText("1 joined")

	host.key(kb.ArrowRight)
	screen.waitText("Welcome")
	host.key(kb.ArrowRight)
	screen.waitText("Tea or coffee?")
	host.key(" ")
	waitVotable(phone)
	phone.clickButton("Coffee")
	phone.waitText(receivedText)
	screen.waitText("1 of 1 voted")
	host.key("r")
	screen.waitText("Coffee — 1 (100%)")
	phone.waitText("Coffee — 1 (100%)")
	screen.shot("cluster-screen-revealed")
	b.assertNoConsoleErrors()
}
