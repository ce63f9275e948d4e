package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/fasthttp/websocket"
)

// Client-side buffer sizes. Server frames to phones are a few hundred bytes
// and a phone writes a vote now and then: small buffers keep thousands of
// connections cheap, and the write buffer is pooled, held only while writing.
const (
	wsReadBuffer  = 1024
	wsWriteBuffer = 512
)

var wsWritePool sync.Pool

// api calls Quorum's HTTP API (docs/protocol.md, "HTTP API").
type api struct {
	base   string // http://127.0.0.1:8080
	client *http.Client
}

// newAPI returns a client whose connections come from the given source
// addresses in turn (none: the system's choice), at most conns at once.
func newAPI(base string, sources []string, conns int, timeout time.Duration) *api {
	var next int
	var mu sync.Mutex
	dialers := make([]*net.Dialer, max(1, len(sources)))
	for i := range dialers {
		dialers[i] = &net.Dialer{Timeout: timeout}
		if i < len(sources) {
			dialers[i].LocalAddr = &net.TCPAddr{IP: net.ParseIP(sources[i])}
		}
	}
	transport := &http.Transport{
		Proxy: nil, // loopback only: never through a proxy from the environment
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			mu.Lock()
			d := dialers[next%len(dialers)]
			next++
			mu.Unlock()
			return d.DialContext(ctx, network, addr)
		},
		MaxConnsPerHost:     conns,
		MaxIdleConnsPerHost: conns,
		DisableCompression:  true,
	}
	return &api{base: base, client: &http.Client{Transport: transport, Timeout: timeout}}
}

// apiError is the body of every error answer.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (a *api) call(ctx context.Context, method, path, hostKey string, body, out any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if hostKey != "" {
		req.Header.Set("Authorization", "Bearer "+hostKey)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		var e apiError
		if json.Unmarshal(data, &e) == nil && e.Error.Code != "" {
			return fmt.Errorf("%s %s: %d %s: %s", method, path, resp.StatusCode, e.Error.Code, e.Error.Message)
		}
		return fmt.Errorf("%s %s: %s", method, path, resp.Status)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decode the answer: %w", method, path, err)
	}
	return nil
}

// loadAgenda is the session a run creates: a scale to vote on, then a choice
// to step to, then a closing slide.
var loadAgenda = map[string]any{
	"title": "quorum-load",
	"steps": []map[string]any{
		{"kind": "scale", "title": "How is the load test going?", "left": "Badly", "right": "Great", "points": 5},
		{"kind": "choice", "title": "What next?", "options": []string{"More load", "Coffee", "Lunch", "Go home"}},
		{"kind": "info", "title": "Thank you"},
	},
}

type created struct {
	ID        string `json:"id"`
	Code      string `json:"code"`
	HostKey   string `json:"hostKey"`
	ScreenKey string `json:"screenKey"`
}

func (a *api) createSession(ctx context.Context, title string) (created, error) {
	var c created
	err := a.call(ctx, "POST", "/api/sessions", "", map[string]any{"agenda": loadAgenda, "title": title}, &c)
	return c, err
}

type joined struct {
	SessionID string `json:"sessionId"`
	Token     string `json:"token"`
}

func (a *api) join(ctx context.Context, code, name string) (joined, error) {
	var j joined
	err := a.call(ctx, "POST", "/api/join", "", map[string]string{"code": code, "name": name}, &j)
	return j, err
}

// hostState is the host's view of a session, as far as the generator needs it.
type hostState struct {
	Session struct {
		ID          string `json:"id"`
		Code        string `json:"code"`
		Status      string `json:"status"`
		CurrentStep int    `json:"currentStep"`
	} `json:"session"`
	Step    *stepView    `json:"step"`
	Results *resultsView `json:"results"`
	Steps   []struct {
		Kind     string `json:"kind"`
		Voting   string `json:"voting"`
		Revealed bool   `json:"revealed"`
		Votes    int    `json:"votes"`
	} `json:"steps"`
}

func (a *api) hostState(ctx context.Context, session, hostKey string) (*hostState, error) {
	var st hostState
	err := a.call(ctx, "GET", "/api/sessions/"+session, hostKey, nil, &st)
	return &st, err
}

// act runs a host command over HTTP; it answers the new host state.
func (a *api) act(ctx context.Context, session, hostKey string, cmd map[string]any) (*hostState, error) {
	var st hostState
	err := a.call(ctx, "POST", "/api/sessions/"+session+"/actions", hostKey, cmd, &st)
	return &st, err
}

func (a *api) closeIdle() { a.client.CloseIdleConnections() }

// resultsPrefix starts every live-results frame as the server encodes it.
// Phones and the host skip those frames without decoding them; a frame that
// starts otherwise is decoded in full, so the shortcut can only save work.
var resultsPrefix = []byte(`{"type":"results"`)

// hello is the first frame of every connection.
type hello struct {
	Type    string `json:"type"`
	Role    string `json:"role"`
	Session string `json:"session,omitempty"`
	Token   string `json:"token,omitempty"`
	Key     string `json:"key,omitempty"`
	// joining in the hello instead of with a session and token
	Code string `json:"code,omitempty"`
	Name string `json:"name,omitempty"`
}

// newWSDialer dials from source (empty: the system's choice).
func newWSDialer(source string, timeout time.Duration) *websocket.Dialer {
	nd := &net.Dialer{Timeout: timeout}
	if source != "" {
		nd.LocalAddr = &net.TCPAddr{IP: net.ParseIP(source)}
	}
	return &websocket.Dialer{
		NetDialContext:   nd.DialContext,
		HandshakeTimeout: timeout,
		ReadBufferSize:   wsReadBuffer,
		WriteBufferSize:  wsWriteBuffer,
		WriteBufferPool:  &wsWritePool,
	}
}

// connect opens a WebSocket, says hello and reads up to the first state
// frame, which it returns with its arrival time.
func connect(ctx context.Context, d *websocket.Dialer, wsURL string, h hello, timeout time.Duration) (*websocket.Conn, view, int64, error) {
	ws, resp, err := d.DialContext(ctx, wsURL, nil)
	if err != nil {
		if resp != nil {
			err = fmt.Errorf("%w (HTTP %s)", err, resp.Status)
		}
		return nil, view{}, 0, fmt.Errorf("websocket: %w", err)
	}
	fail := func(err error) (*websocket.Conn, view, int64, error) {
		ws.Close()
		return nil, view{}, 0, err
	}
	_ = ws.SetWriteDeadline(time.Now().Add(timeout))
	if err := ws.WriteJSON(h); err != nil {
		return fail(fmt.Errorf("hello: %w", err))
	}
	_ = ws.SetReadDeadline(time.Now().Add(timeout))
	for {
		_, data, err := ws.ReadMessage()
		at := time.Now().UnixNano()
		if err != nil {
			return fail(fmt.Errorf("after hello: %w", err))
		}
		switch typ := frameType(data); typ {
		case "state":
			v, err := firstState(h.Role, data)
			if err != nil {
				return fail(fmt.Errorf("state: %w", err))
			}
			_ = ws.SetReadDeadline(time.Time{})
			_ = ws.SetWriteDeadline(time.Time{})
			return ws, v, at, nil
		case "error":
			var f replyFrame
			_ = json.Unmarshal(data, &f)
			return fail(fmt.Errorf("after hello: %s: %s", f.Code, f.Message))
		}
	}
}

// firstState reads a connection's first state: a phone's with the lean
// walker (ten thousand of them join at once), a screen's or host's in full.
func firstState(role string, data []byte) (view, error) {
	if role == "participant" {
		return phoneState(data)
	}
	return decodeView("state", data)
}

// wsURL is the WebSocket endpoint of a server's base URL.
func wsURL(base string) string { return "ws" + strings.TrimPrefix(base, "http") + "/ws" }

// screenFrame is what the projector showed from the moment it arrived.
type screenFrame struct {
	At int64 // arrival, Unix nanoseconds
	view
}

// screen is the projector's connection: it keeps every frame it receives.
type screen struct {
	ws      *websocket.Conn
	mu      sync.Mutex
	frames  []screenFrame
	err     error
	changed chan struct{} // signalled after every frame and at the end
}

func openScreen(ctx context.Context, base, session, key string, timeout time.Duration) (*screen, error) {
	ws, first, at, err := connect(ctx, newWSDialer("", timeout), wsURL(base), hello{Type: "hello", Role: "screen", Session: session, Key: key}, timeout)
	if err != nil {
		return nil, fmt.Errorf("screen: %w", err)
	}
	s := &screen{ws: ws, changed: make(chan struct{}, 1)}
	s.add(first, at)
	go s.read()
	return s, nil
}

func (s *screen) read() {
	for {
		_, data, err := s.ws.ReadMessage()
		at := time.Now().UnixNano()
		if err != nil {
			s.mu.Lock()
			s.err = err
			s.mu.Unlock()
			s.signal()
			return
		}
		if v, err := decodeView(frameType(data), data); err == nil {
			s.add(v, at)
		}
	}
}

func (s *screen) add(v view, at int64) {
	s.mu.Lock()
	s.frames = append(s.frames, screenFrame{At: at, view: v})
	s.mu.Unlock()
	s.signal()
}

func (s *screen) signal() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// snapshot returns the frames so far.
func (s *screen) snapshot() []screenFrame {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]screenFrame(nil), s.frames...)
}

// await waits until the latest frame satisfies ok, and returns it; on
// timeout it returns the latest frame and false.
func (s *screen) await(timeout time.Duration, ok func(screenFrame) bool) (screenFrame, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		last, err := s.frames[len(s.frames)-1], s.err
		s.mu.Unlock()
		if ok(last) {
			return last, true
		}
		if err != nil {
			return last, false
		}
		select {
		case <-s.changed:
		case <-deadline.C:
			return last, false
		}
	}
}

// firstAfter returns the arrival of the first frame after t that satisfies
// ok, waiting for it; 0 on timeout.
func (s *screen) firstAfter(t int64, timeout time.Duration, ok func(screenFrame) bool) int64 {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		for _, f := range s.frames {
			if f.At >= t && ok(f) {
				s.mu.Unlock()
				return f.At
			}
		}
		err := s.err
		s.mu.Unlock()
		if err != nil {
			return 0
		}
		select {
		case <-s.changed:
		case <-deadline.C:
			return 0
		}
	}
}

func (s *screen) close() { s.ws.Close() }

// host is the facilitator's connection: it sends commands and waits for
// their replies.
type host struct {
	ws      *websocket.Conn
	mu      sync.Mutex
	nextID  int
	waiting map[string]chan reply
	err     error
}

func openHost(ctx context.Context, base, session, key string, timeout time.Duration) (*host, error) {
	ws, _, _, err := connect(ctx, newWSDialer("", timeout), wsURL(base), hello{Type: "hello", Role: "host", Session: session, Key: key}, timeout)
	if err != nil {
		return nil, fmt.Errorf("host: %w", err)
	}
	h := &host{ws: ws, waiting: map[string]chan reply{}}
	go h.read()
	return h, nil
}

func (h *host) read() {
	for {
		_, data, err := h.ws.ReadMessage()
		if err != nil {
			h.mu.Lock()
			h.err = err
			for id, ch := range h.waiting {
				close(ch)
				delete(h.waiting, id)
			}
			h.mu.Unlock()
			return
		}
		if bytes.HasPrefix(data, resultsPrefix) {
			continue // the host's live results: the screen's are the ones measured
		}
		typ := frameType(data)
		if typ != "done" && typ != "error" {
			continue
		}
		var f replyFrame
		if json.Unmarshal(data, &f) != nil {
			continue
		}
		h.mu.Lock()
		ch := h.waiting[f.ID]
		delete(h.waiting, f.ID)
		h.mu.Unlock()
		if ch != nil {
			ch <- reply{typ, f}
		}
	}
}

// act sends a command and waits for its "done". It returns when the command
// was sent, in Unix nanoseconds: the start of its fan-out.
func (h *host) act(action string, timeout time.Duration) (int64, error) {
	h.mu.Lock()
	if h.err != nil {
		h.mu.Unlock()
		return 0, fmt.Errorf("host connection: %w", h.err)
	}
	h.nextID++
	id := fmt.Sprintf("h%d", h.nextID)
	replies := make(chan reply, 1)
	h.waiting[id] = replies
	h.mu.Unlock()

	_ = h.ws.SetWriteDeadline(time.Now().Add(timeout))
	sent := time.Now().UnixNano()
	if err := h.ws.WriteJSON(map[string]string{"type": "action", "id": id, "action": action}); err != nil {
		return 0, fmt.Errorf("host %s: %w", action, err)
	}
	select {
	case r, ok := <-replies:
		switch {
		case !ok:
			return 0, fmt.Errorf("host %s: the connection closed", action)
		case r.typ == "error":
			return 0, fmt.Errorf("host %s: %s: %s", action, r.Code, r.Message)
		}
		return sent, nil
	case <-time.After(timeout):
		return 0, fmt.Errorf("host %s: no reply in %s", action, timeout)
	}
}

// reply is a done or an error for one of the host's commands.
type reply struct {
	typ string
	replyFrame
}

func (h *host) close() { h.ws.Close() }
