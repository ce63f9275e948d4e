package wsconn

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/quorum-workshop/quorum/internal/room"
	"github.com/quorum-workshop/quorum/internal/wstest"
)

// recordingSession takes a connection's frames as a room would, and tells
// the test what came.
type recordingSession struct {
	votes    chan string
	detached chan struct{}
}

func (s *recordingSession) Attach(context.Context, room.Member, *room.Inbound) (Session, error) {
	return s, nil
}

func (s *recordingSession) JoinAndAttach(context.Context, string, room.Member, *room.Inbound) (Session, error) {
	return s, nil
}

func (s *recordingSession) Vote(_ room.Member, in *room.Inbound) error { s.votes <- in.ID; return nil }
func (s *recordingSession) React(room.Member, *room.Inbound) error     { return nil }
func (s *recordingSession) Command(room.Member, *room.Inbound) error   { return nil }
func (s *recordingSession) Proxy(room.Member, *room.Inbound) error     { return nil }
func (s *recordingSession) Detach(room.Member) error                   { close(s.detached); return nil }

// hiddenSocket hides a connection's socket, as TLS would: its connections
// are read by a goroutine each, not by the poller.
type hiddenSocket struct{ net.Listener }

type hiddenConn struct{ net.Conn }

func (l hiddenSocket) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	return hiddenConn{c}, err
}

// Both ways of reading serve a connection alike: a vote in two fragments
// with a ping between them, a binary frame refused, and the client's close
// answered, after which the connection leaves its session.
func TestBothReadersServeAConnection(t *testing.T) {
	for _, hide := range []bool{false, true} {
		name := "poller"
		if hide {
			name = "a goroutine per connection"
		}
		t.Run(name, func(t *testing.T) {
			sess := &recordingSession{votes: make(chan string, 4), detached: make(chan struct{})}
			s := New(sess, Config{})
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
				if err != nil {
					t.Error(err)
					return
				}
				go s.ServeWS(ws, "test")
			}))
			if hide {
				srv.Listener = hiddenSocket{srv.Listener}
			}
			srv.Start()
			defer srv.Close()
			client, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			pongs := make(chan string, 1)
			client.SetPongHandler(func(data string) error { pongs <- data; return nil })
			replies := make(chan []byte, 4)
			closed := make(chan error, 1)
			go func() {
				for {
					_, data, err := client.ReadMessage()
					if err != nil {
						closed <- err
						return
					}
					replies <- data
				}
			}()

			if err := client.WriteJSON(map[string]any{"type": "hello", "role": "participant", "session": "s", "token": "t"}); err != nil {
				t.Fatal(err)
			}
			vote, _ := json.Marshal(map[string]any{"type": "vote", "id": "v1", "step": 0, "value": 1})
			var frames []byte
			frames = append(frames, wstest.ClientFrame(false, opText, vote[:10], false)...)
			frames = append(frames, wstest.ClientFrame(true, opPing, []byte("between"), false)...)
			frames = append(frames, wstest.ClientFrame(true, opContinuation, vote[10:], false)...)
			if _, err := client.NetConn().Write(frames); err != nil {
				t.Fatal(err)
			}
			select {
			case id := <-sess.votes:
				if id != "v1" {
					t.Errorf("vote %q; want v1", id)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("no vote within 5 s")
			}

			if _, err := client.NetConn().Write(wstest.ClientFrame(true, opBinary, []byte{1, 2, 3}, false)); err != nil {
				t.Fatal(err)
			}
			select {
			case data := <-replies:
				if !strings.Contains(string(data), "invalid_json") {
					t.Errorf("reply to a binary frame %s; want invalid_json", data)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("no reply to a binary frame within 5 s")
			}
			select {
			case data := <-pongs:
				if data != "between" {
					t.Errorf("pong %q; want the ping's payload", data)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("no pong within 5 s")
			}

			_ = client.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
			select {
			case err := <-closed:
				if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
					t.Errorf("after the client's close: %v; want the server's 1000", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("no close within 5 s")
			}
			select {
			case <-sess.detached:
			case <-time.After(5 * time.Second):
				t.Fatal("the connection never left its session")
			}
			client.Close()
			if err := s.Shutdown(t.Context()); err != nil {
				t.Errorf("shutdown: %v", err)
			}
		})
	}
}
