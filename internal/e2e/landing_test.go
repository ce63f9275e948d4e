package e2e

import (
	"strings"
	"testing"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/testserver"
)

// The landing page groups a typed code and takes the phone to /j/{code}.
func TestLandingJoinsByCode(t *testing.T) {
	b := newBrowser(t)
	srv := testserver.Start(t, testserver.TempDB(t), httpapi.Config{})
	phone := b.newTab("landing", 360, 780, true)
	phone.navigate(srv.URL + "/")
	phone.waitText("Host a workshop")
	phone.typeInto("Join with the code on the screen", "12345678")
	if got := evaluate[string](phone, `document.getElementById("code").value`); got != "1234 5678" {
		t.Errorf("code field shows %q, want it grouped as 1234 5678", got)
	}
	phone.clickButton("Join")
	phone.waitJS("the join page", `location.pathname === "/j/12345678"`)
	if url := evaluate[string](phone, `location.href`); !strings.HasSuffix(url, "/j/12345678") {
		t.Errorf("landed on %s", url)
	}
	b.assertNoConsoleErrors()
}
