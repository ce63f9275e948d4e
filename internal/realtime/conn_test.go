package realtime

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"go.uber.org/goleak"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// A client that lets its outbox fill is closed with CloseTooSlow; the room
// sending to it never waits.
func TestSlowClientIsKickedNotWaitedFor(t *testing.T) {
	cfg := Config{OutboxSize: 4}
	cfg.setDefaults()
	c := newConn(nil, &cfg)
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, []byte(`{"type":"state"}`))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < cfg.OutboxSize; i++ {
		c.send(pm)
	}
	select {
	case <-c.closing:
		t.Fatal("kicked before the outbox was full")
	default:
	}
	c.send(pm) // one more than fits: must return at once and kick
	select {
	case <-c.closing:
	default:
		t.Fatal("a full outbox did not close the connection")
	}
	if c.closeCode != CloseTooSlow {
		t.Errorf("close code %d, want %d", c.closeCode, CloseTooSlow)
	}
}

// Results updates replace each other instead of queueing.
func TestResultsReplaceUnsentResults(t *testing.T) {
	cfg := Config{}
	cfg.setDefaults()
	c := newConn(nil, &cfg)
	var last *websocket.PreparedMessage
	for i := 0; i < 1000; i++ {
		pm, err := websocket.NewPreparedMessage(websocket.TextMessage, []byte(`{"type":"results"}`))
		if err != nil {
			t.Fatal(err)
		}
		c.setResults(pm)
		last = pm
	}
	if got := c.results.Load(); got != last {
		t.Error("the pending results are not the newest")
	}
	select {
	case <-c.closing:
		t.Error("results updates closed the connection")
	default:
	}
}

func TestTokenBucket(t *testing.T) {
	b := newTokenBucket(10, 20)
	now := time.Unix(1000, 0)
	for i := 0; i < 20; i++ {
		if !b.take(now) {
			t.Fatalf("burst refused at %d", i)
		}
	}
	if b.take(now) {
		t.Fatal("a 21st frame at once passed")
	}
	if !b.take(now.Add(100 * time.Millisecond)) {
		t.Fatal("a frame after a tenth of a second (rate 10/s) was refused")
	}
	if b.take(now.Add(100 * time.Millisecond)) {
		t.Fatal("two frames passed on one token")
	}
}

// The hand-made acknowledgement decodes to the same VoteAck that
// encoding/json would make.
func TestAppendAck(t *testing.T) {
	for _, tt := range []struct {
		vote quorum.Vote
		text bool
	}{
		{quorum.Vote{MsgID: "v-1", Step: 3, Value: quorum.Value{Number: 2}}, false},
		{quorum.Vote{MsgID: `odd "id" \ here`, Step: 0, Value: quorum.Value{Number: 7}}, false},
		{quorum.Vote{MsgID: "ü-<&>", Step: 12, Value: quorum.Value{Text: "Listen \"more\" — <b>ä</b>\\"}}, true},
	} {
		var got VoteAck
		data := appendAck(nil, tt.vote, tt.text)
		if err := json.Unmarshal(data, &got); err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		want := VoteAck{Type: "ack", ID: tt.vote.MsgID, Step: tt.vote.Step, Value: float64(tt.vote.Value.Number)}
		if tt.text {
			want.Value = tt.vote.Value.Text
		}
		if got != want {
			t.Errorf("%s decodes to %+v, want %+v", data, got, want)
		}
	}
}
