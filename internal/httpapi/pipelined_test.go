package httpapi_test

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"io"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/quorum-workshop/quorum/internal/httpapi"
	"github.com/quorum-workshop/quorum/internal/room"
	"github.com/quorum-workshop/quorum/internal/wstest"
)

// A phone that sends its hello in the same write as its upgrade request,
// without waiting for the 101, is served as any other: the hello is in the
// HTTP server's read buffer, which the connection keeps reading first. (An
// upgrade with nothing behind it reads the socket directly instead, so that
// a connected phone does not hold that buffer.)
func TestHelloSentWithTheUpgradeIsRead(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{})
	s := ts.create("leadership-vs-management")
	hello := mustJSON(t, map[string]any{"type": "hello", "role": "participant", "code": s.Code, "name": "Early"})
	_, r := rawUpgrade(t, ts, wstest.Text(hello))
	var welcome struct {
		Type        string `json:"type"`
		Session     string `json:"session"`
		Participant struct {
			Name string `json:"name"`
		} `json:"participant"`
	}
	if err := json.Unmarshal(readServerFrame(t, r).payload, &welcome); err != nil {
		t.Fatal(err)
	}
	if welcome.Type != "welcome" || welcome.Session != s.ID || welcome.Participant.Name != "Early" {
		t.Fatalf("first frame %+v; want the welcome of Early in session %s", welcome, s.ID)
	}
	if joined := ts.counts(s).Joined; joined != 1 {
		t.Errorf("host state: %d joined; want 1", joined)
	}
}

// A vote sent in the same write as the hello (and the upgrade request) is
// read and answered: the bytes after the hello are kept, not lost with a
// reader that stopped at the hello. So is a vote whose frame comes a byte
// at a time.
func TestFramesAfterTheHelloAreRead(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{})
	s := ts.openChoice("Pipelined")
	hello := mustJSON(t, map[string]any{"type": "hello", "role": "participant", "code": s.Code, "name": "Hasty"})
	first := mustJSON(t, map[string]any{"type": "vote", "id": "first", "step": 0, "value": 0})
	conn, r := rawUpgrade(t, ts, append(wstest.Text(hello), wstest.Text(first)...))
	awaitAck(t, r, "first")

	second := wstest.Text(mustJSON(t, map[string]any{"type": "vote", "id": "second", "step": 0, "value": 1}))
	for _, b := range second {
		if _, err := conn.Write([]byte{b}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	awaitAck(t, r, "second")
	var st room.StateMsg
	ts.call("GET", "/api/sessions/"+s.ID, s.HostKey, nil, &st)
	if st.Results.N != 1 || st.Results.Counts[1] != 1 {
		t.Errorf("results %+v; want the one vote, changed to B", st.Results)
	}
}

// A frame the protocol forbids (here an unmasked one) closes the
// connection with 1002, and says why.
func TestUnmaskedFrameClosesWithProtocolError(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{})
	s := ts.create("leadership-vs-management")
	hello := mustJSON(t, map[string]any{"type": "hello", "role": "participant", "code": s.Code, "name": "Plain"})
	conn, r := rawUpgrade(t, ts, wstest.Text(hello))
	unmasked := []byte(`{"type":"react","emoji":"👍"}`)
	if _, err := conn.Write(append([]byte{0x81, byte(len(unmasked))}, unmasked...)); err != nil {
		t.Fatal(err)
	}
	for {
		f := readServerFrame(t, r)
		if f.op != 0x8 {
			continue
		}
		if len(f.payload) < 2 || binary.BigEndian.Uint16(f.payload) != websocket.CloseProtocolError {
			t.Fatalf("close frame %q; want code 1002", f.payload)
		}
		if !strings.Contains(string(f.payload[2:]), "masked") {
			t.Errorf("close reason %q does not say what was wrong", f.payload[2:])
		}
		return
	}
}

// awaitAck reads server frames until the ack of the vote id.
func awaitAck(t *testing.T, r *bufio.Reader, id string) {
	t.Helper()
	for {
		var f struct{ Type, ID, Code, Message string }
		if err := json.Unmarshal(readServerFrame(t, r).payload, &f); err != nil {
			t.Fatal(err)
		}
		switch {
		case f.Type == "ack" && f.ID == id:
			return
		case f.Type == "error":
			t.Fatalf("vote %s: %s %s", id, f.Code, f.Message)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// rawUpgrade opens a WebSocket by hand, with first sent in the same write
// as the upgrade request, and returns the connection and its reader past
// the 101's headers.
func rawUpgrade(t *testing.T, ts *testServer, first []byte) (net.Conn, *bufio.Reader) {
	t.Helper()
	u, err := url.Parse(ts.url)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	request := "GET /ws HTTP/1.1\r\nHost: " + u.Host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := conn.Write(append([]byte(request), first...)); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	status, err := r.ReadString('\n')
	if err != nil || !strings.Contains(status, " 101 ") {
		t.Fatalf("upgrade answered %q, %v; want 101", status, err)
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "\r\n" {
			return conn, r
		}
	}
}

// serverFrame is a frame of the server's: its opcode and payload.
type serverFrame struct {
	op      byte
	payload []byte
}

// readServerFrame reads one unmasked, unfragmented frame.
func readServerFrame(t *testing.T, r *bufio.Reader) serverFrame {
	t.Helper()
	var head [2]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		t.Fatal(err)
	}
	n := int(head[1] & 0x7f)
	switch n {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			t.Fatal(err)
		}
		n = int(binary.BigEndian.Uint16(ext[:]))
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			t.Fatal(err)
		}
		n = int(binary.BigEndian.Uint64(ext[:]))
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		t.Fatal(err)
	}
	return serverFrame{op: head[0] & 0x0f, payload: payload}
}
