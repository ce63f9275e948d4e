package room

import (
	"encoding/json"
	"testing"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

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
		want := VoteAck{Type: "ack", ID: tt.vote.MsgID, Step: tt.vote.Step, Round: tt.vote.Round, Value: float64(tt.vote.Value.Number)}
		if tt.text {
			want.Value = tt.vote.Value.Text
		}
		if got != want {
			t.Errorf("%s decodes to %+v, want %+v", data, got, want)
		}
	}
}
