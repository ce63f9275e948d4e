package room

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
	"github.com/quorum-workshop/quorum/internal/sqlite"
)

// slowLoads is the real store with each session load held until the test
// lets it go: a load in flight at a chosen moment.
type slowLoads struct {
	*sqlite.DB
	started chan struct{}
	proceed chan struct{}
}

func (s *slowLoads) LoadSession(ctx context.Context, id string) (*quorum.Session, error) {
	s.started <- struct{}{}
	<-s.proceed
	return s.DB.LoadSession(ctx, id)
}

func openStoreWithSession(t *testing.T) (*sqlite.DB, *quorum.Session) {
	db, s, _ := openStoreWithCredentials(t)
	return db, s
}

// openStoreWithCredentials opens a real store holding a new session, and
// returns the session's keys too.
func openStoreWithCredentials(t *testing.T) (*sqlite.DB, *quorum.Session, quorum.Credentials) {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "quorum.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	agenda, err := quorum.BuiltinAgenda("leadership-vs-management")
	if err != nil {
		t.Fatal(err)
	}
	s, creds, err := quorum.NewSession(agenda, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSession(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return db, s, creds
}

func shutdownAtCleanup(t *testing.T, h *Rooms) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := h.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
}

func (h *Rooms) isClosing() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closing
}

// A shutdown that arrives while a session loads returns once the load is
// done, and stops the room the load started; it once waited for the load
// while holding the lock the loader needed, and never returned.
func TestShutdownDuringALoadReturns(t *testing.T) {
	db, s := openStoreWithSession(t)
	store := &slowLoads{DB: db, started: make(chan struct{}), proceed: make(chan struct{})}
	h := New(store, Config{})
	type acquired struct {
		r   *Room
		err error
	}
	got := make(chan acquired, 1)
	go func() {
		r, release, err := h.acquire(context.Background(), s.ID)
		if err == nil {
			release()
		}
		got <- acquired{r, err}
	}()
	<-store.started

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done <- h.Shutdown(ctx)
	}()
	// The load ends only once the shutdown has begun.
	deadline := time.Now().Add(5 * time.Second)
	for !h.isClosing() {
		if time.Now().After(deadline) {
			t.Fatal("the shutdown did not begin")
		}
		time.Sleep(time.Millisecond)
	}
	close(store.proceed)

	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the shutdown did not return after the load finished")
	}
	a := <-got
	if a.err != nil {
		t.Fatalf("the load that was in flight: %v", a.err)
	}
	select {
	case <-a.r.stopped:
	default:
		t.Error("the room the load started still runs after the shutdown")
	}
	if _, _, err := h.acquire(context.Background(), s.ID); quorum.ErrorCode(err) != quorum.EUNAVAILABLE {
		t.Errorf("a room asked for after the shutdown: %v, want unavailable", err)
	}
}

// A load started by a caller that then hangs up still serves the callers
// waiting for the same session.
func TestALoadOutlivesTheCallerThatStartedIt(t *testing.T) {
	db, s := openStoreWithSession(t)
	store := &slowLoads{DB: db, started: make(chan struct{}), proceed: make(chan struct{})}
	h := New(store, Config{})
	shutdownAtCleanup(t, h)
	first, hangUp := context.WithCancel(context.Background())
	firstErr := make(chan error, 1)
	go func() {
		_, _, err := h.acquire(first, s.ID)
		firstErr <- err
	}()
	<-store.started
	second := make(chan error, 1)
	go func() {
		_, release, err := h.acquire(context.Background(), s.ID)
		if err == nil {
			release()
		}
		second <- err
	}()
	hangUp()
	if err := <-firstErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("the caller that hung up: %v, want canceled", err)
	}
	close(store.proceed)
	if err := <-second; err != nil {
		t.Fatalf("a caller waiting for the same load: %v", err)
	}
}

// A room held by a caller is not evicted however idle it is; once released,
// it is, and the next caller gets a fresh room.
func TestAHeldRoomIsNotEvicted(t *testing.T) {
	db, s := openStoreWithSession(t)
	h := New(db, Config{})
	shutdownAtCleanup(t, h)
	r, release, err := h.acquire(context.Background(), s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if h.evictIdle(r) {
		t.Fatal("a room was evicted while a caller held it")
	}
	release()
	if !h.evictIdle(r) {
		t.Fatal("a room nobody holds was not evicted")
	}
	close(r.quit) // evicted by the test, not by its own loop: stop it
	<-r.stopped
	again, release, err := h.acquire(context.Background(), s.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if again == r {
		t.Error("the evicted room was handed out again")
	}
}
