package storetest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultPostgresURL is where the tests look for PostgreSQL when
// QUORUM_TEST_DATABASE_URL is not set: the machine's, as .ci/run starts it.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// PostgresDatabase creates a database of its own for the test, named
// quorum_test_<random>, on the server at QUORUM_TEST_DATABASE_URL, drops it
// when the test ends, and returns its URL. When the server cannot be
// reached, the test is skipped with the reason, unless
// QUORUM_REQUIRE_CLUSTER=1, which makes that a failure.
func PostgresDatabase(tb testing.TB) string {
	tb.Helper()
	admin := os.Getenv("QUORUM_TEST_DATABASE_URL")
	if admin == "" {
		admin = DefaultPostgresURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		msg := fmt.Sprintf("PostgreSQL not reachable at %s: set QUORUM_TEST_DATABASE_URL or start it; "+
			"QUORUM_REQUIRE_CLUSTER=1 makes this a failure: %v", redacted(admin), err)
		if os.Getenv("QUORUM_REQUIRE_CLUSTER") == "1" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	defer conn.Close(context.Background())
	name := "quorum_test_" + strings.ToLower(rand.Text())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		tb.Fatalf("create test database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			tb.Errorf("drop test database %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		// FORCE ends the connections a failed test may have left open.
		if _, err := conn.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatalf("QUORUM_TEST_DATABASE_URL %s: %v", redacted(admin), err)
	}
	u.Path = "/" + name
	return u.String()
}

// redacted is a URL without its password, for messages.
func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(an unreadable URL)"
	}
	return u.Redacted()
}
