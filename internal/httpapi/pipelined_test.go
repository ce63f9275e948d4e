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

	"github.com/quorum-workshop/quorum/internal/httpapi"
)

// A phone that sends its hello in the same write as its upgrade request,
// without waiting for the 101, is served as any other: the hello is in the
// HTTP server's read buffer, which the connection keeps reading first. (An
// upgrade with nothing behind it reads the socket directly instead, so that
// a connected phone does not hold that buffer.)
func TestHelloSentWithTheUpgradeIsRead(t *testing.T) {
	ts := startServer(t, tempDB(t), httpapi.Config{})
	s := ts.create("leadership-vs-management")
	u, err := url.Parse(ts.url)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))

	hello, err := json.Marshal(map[string]any{"type": "hello", "role": "participant", "code": s.Code, "name": "Early"})
	if err != nil {
		t.Fatal(err)
	}
	request := "GET /ws HTTP/1.1\r\nHost: " + u.Host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := conn.Write(append([]byte(request), maskedTextFrame(hello)...)); err != nil {
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
			break
		}
	}
	var welcome struct {
		Type        string `json:"type"`
		Session     string `json:"session"`
		Participant struct {
			Name string `json:"name"`
		} `json:"participant"`
	}
	if err := json.Unmarshal(readServerFrame(t, r), &welcome); err != nil {
		t.Fatal(err)
	}
	if welcome.Type != "welcome" || welcome.Session != s.ID || welcome.Participant.Name != "Early" {
		t.Fatalf("first frame %+v; want the welcome of Early in session %s", welcome, s.ID)
	}
	if joined := ts.counts(s).Joined; joined != 1 {
		t.Errorf("host state: %d joined; want 1", joined)
	}
}

// maskedTextFrame is a client's text frame: masked, as RFC 6455 asks.
func maskedTextFrame(payload []byte) []byte {
	f := []byte{0x81}
	switch n := len(payload); {
	case n < 126:
		f = append(f, 0x80|byte(n))
	default:
		f = append(f, 0x80|126)
		f = binary.BigEndian.AppendUint16(f, uint16(n))
	}
	mask := [4]byte{0x12, 0x34, 0x56, 0x78}
	f = append(f, mask[:]...)
	for i, b := range payload {
		f = append(f, b^mask[i%4])
	}
	return f
}

// readServerFrame reads one unmasked, unfragmented frame and returns its payload.
func readServerFrame(t *testing.T, r *bufio.Reader) []byte {
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
	return payload
}
