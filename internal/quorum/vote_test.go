package quorum_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

func TestCastValues(t *testing.T) {
	tests := []struct {
		name    string
		step    int
		value   quorum.Value
		wantErr string             // "" for a valid vote
		stored  *quorum.Value      // what is kept, when it differs from value
		counts  []int              // the tally's counts after a valid choice or scale vote
		words   []quorum.WordCount // the tally's words after a valid text vote
	}{
		// choice: an option index from 0
		{name: "choice first option", step: stepChoice, value: quorum.Value{Number: 0}, counts: []int{1, 0, 0}},
		{name: "choice last option", step: stepChoice, value: quorum.Value{Number: 2}, counts: []int{0, 0, 1}},
		{name: "choice past the last option", step: stepChoice, value: quorum.Value{Number: 3}, wantErr: quorum.EINVALIDVOTE},
		{name: "choice negative", step: stepChoice, value: quorum.Value{Number: -1}, wantErr: quorum.EINVALIDVOTE},
		{name: "choice with text", step: stepChoice, value: quorum.Value{Number: 1, Text: "B"}, wantErr: quorum.EINVALIDVOTE},

		// scale: a point from 1 to points
		{name: "scale 5 point 1", step: stepScale5, value: quorum.Value{Number: 1}, counts: []int{1, 0, 0, 0, 0}},
		{name: "scale 5 point 5", step: stepScale5, value: quorum.Value{Number: 5}, counts: []int{0, 0, 0, 0, 1}},
		{name: "scale 5 point 0", step: stepScale5, value: quorum.Value{Number: 0}, wantErr: quorum.EINVALIDVOTE},
		{name: "scale 5 point 6", step: stepScale5, value: quorum.Value{Number: 6}, wantErr: quorum.EINVALIDVOTE},
		{name: "scale 7 point 7", step: stepScale7, value: quorum.Value{Number: 7}, counts: []int{0, 0, 0, 0, 0, 0, 1}},
		{name: "scale 7 point 8", step: stepScale7, value: quorum.Value{Number: 8}, wantErr: quorum.EINVALIDVOTE},
		{name: "scale with text", step: stepScale7, value: quorum.Value{Number: 4, Text: "4"}, wantErr: quorum.EINVALIDVOTE},

		// text: up to maxLength characters
		{name: "text", step: stepText10, value: quorum.Value{Text: "Listen"}, words: []quorum.WordCount{{Text: "Listen", Count: 1}}},
		{name: "text spaces are folded", step: stepText10, value: quorum.Value{Text: "  Ask \t\n more "}, stored: &quorum.Value{Text: "Ask more"}, words: []quorum.WordCount{{Text: "Ask more", Count: 1}}},
		{name: "text of exactly maxLength", step: stepText10, value: quorum.Value{Text: "éééééééééé"}, words: []quorum.WordCount{{Text: "éééééééééé", Count: 1}}},
		{name: "text one past maxLength", step: stepText10, value: quorum.Value{Text: "ééééééééééé"}, wantErr: quorum.EINVALIDVOTE},
		{name: "text within maxLength once spaces fold", step: stepText10, value: quorum.Value{Text: "  a    b    c  "}, stored: &quorum.Value{Text: "a b c"}, words: []quorum.WordCount{{Text: "a b c", Count: 1}}},
		{name: "text of 80 by default", step: stepText, value: quorum.Value{Text: strings.Repeat("x", 80)}, words: []quorum.WordCount{{Text: strings.Repeat("x", 80), Count: 1}}},
		{name: "text of 81 by default", step: stepText, value: quorum.Value{Text: strings.Repeat("x", 81)}, wantErr: quorum.EINVALIDVOTE},
		{name: "empty text", step: stepText, value: quorum.Value{Text: ""}, wantErr: quorum.EINVALIDVOTE},
		{name: "white-space text", step: stepText, value: quorum.Value{Text: " \t\n "}, wantErr: quorum.EINVALIDVOTE},
		{name: "punctuation only", step: stepText, value: quorum.Value{Text: "?!"}, wantErr: quorum.EINVALIDVOTE},
		{name: "text with a control character", step: stepText, value: quorum.Value{Text: "bell\x07"}, wantErr: quorum.EINVALIDVOTE},
		{name: "text with a NUL", step: stepText, value: quorum.Value{Text: "a\x00b"}, wantErr: quorum.EINVALIDVOTE},
		{name: "text not UTF-8", step: stepText, value: quorum.Value{Text: "caf\xe9"}, wantErr: quorum.EINVALIDVOTE},
		{name: "number on a text step", step: stepText, value: quorum.Value{Number: 3}, wantErr: quorum.EINVALIDVOTE},
		{name: "number and text on a text step", step: stepText, value: quorum.Value{Number: 1, Text: "yes"}, wantErr: quorum.EINVALIDVOTE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t)
			p := mustJoin(t, s)
			openStep(t, s, tt.step)
			vote, changed, err := s.Cast(p.ID, tt.step, quorum.AnyRound, tt.value, "msg-1", now)
			if tt.wantErr != "" {
				if code := quorum.ErrorCode(err); code != tt.wantErr {
					t.Fatalf("Cast(%+v) = %v, want code %q", tt.value, err, tt.wantErr)
				}
				if changed || s.Tally(tt.step).N != 0 || len(s.VotesOf(p.ID)) != 0 {
					t.Errorf("a refused vote was counted")
				}
				return
			}
			if err != nil {
				t.Fatalf("Cast(%+v): %v", tt.value, err)
			}
			want := tt.value
			if tt.stored != nil {
				want = *tt.stored
			}
			if !changed || vote.Value != want || vote.Step != tt.step || vote.ParticipantID != p.ID || vote.SessionID != s.ID || vote.MsgID != "msg-1" || !vote.At.Equal(now) {
				t.Errorf("Cast = %+v changed %v, want value %+v", vote, changed, want)
			}
			if got := s.VotesOf(p.ID); !reflect.DeepEqual(got, map[int]quorum.Value{tt.step: want}) {
				t.Errorf("VotesOf = %v", got)
			}
			if got, ok := s.VoteOf(tt.step, p.ID); !ok || got != vote {
				t.Errorf("VoteOf = %+v, %v; want %+v", got, ok, vote)
			}
			if _, ok := s.VoteOf(tt.step, "someone-else"); ok {
				t.Errorf("VoteOf finds a vote of someone who did not vote")
			}
			tally := s.Tally(tt.step)
			if tally.N != 1 {
				t.Errorf("tally N = %d, want 1", tally.N)
			}
			if tt.counts != nil && !reflect.DeepEqual(tally.Counts, tt.counts) {
				t.Errorf("counts = %v, want %v", tally.Counts, tt.counts)
			}
			if tt.words != nil && !reflect.DeepEqual(tally.Words(0), tt.words) {
				t.Errorf("words = %v, want %v", tally.Words(0), tt.words)
			}
		})
	}
}

func TestCastWhenVotingIsNotOpen(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, s *quorum.Session)
		step  int
		after time.Duration
		want  string
	}{
		{"lobby", func(t *testing.T, s *quorum.Session) {}, stepChoice, 0, quorum.EVOTINGCLOSED},
		{"not opened yet", func(t *testing.T, s *quorum.Session) { mustDo(t, s, gotoStep(stepChoice), now) }, stepChoice, 0, quorum.EVOTINGCLOSED},
		{"closed", func(t *testing.T, s *quorum.Session) {
			openStep(t, s, stepChoice)
			mustDo(t, s, cmd(quorum.ActionClose), now)
		}, stepChoice, 0, quorum.EVOTINGCLOSED},
		{"another step than the current one", func(t *testing.T, s *quorum.Session) { openStep(t, s, stepScale5) }, stepChoice, 0, quorum.EVOTINGCLOSED},
		{"a step left behind", func(t *testing.T, s *quorum.Session) {
			openStep(t, s, stepChoice)
			mustDo(t, s, cmd(quorum.ActionNext), now)
		}, stepChoice, 0, quorum.EVOTINGCLOSED},
		{"an info step", func(t *testing.T, s *quorum.Session) { mustDo(t, s, cmd(quorum.ActionStart), now) }, stepInfo, 0, quorum.EVOTINGCLOSED},
		{"timer ran out", func(t *testing.T, s *quorum.Session) {
			mustDo(t, s, gotoStep(stepChoice), now)
			mustDo(t, s, timer(10), now)
		}, stepChoice, 10 * time.Second, quorum.EVOTINGCLOSED},
		{"ended", func(t *testing.T, s *quorum.Session) {
			openStep(t, s, stepChoice)
			mustDo(t, s, cmd(quorum.ActionEnd), now)
		}, stepChoice, 0, quorum.ESESSIONENDED},
		{"no such step", func(t *testing.T, s *quorum.Session) { openStep(t, s, stepChoice) }, stepCount, 0, quorum.EVOTINGCLOSED},
		{"step 99", func(t *testing.T, s *quorum.Session) { openStep(t, s, stepChoice) }, 99, 0, quorum.EVOTINGCLOSED},
		{"negative step", func(t *testing.T, s *quorum.Session) { openStep(t, s, stepChoice) }, -1, 0, quorum.EVOTINGCLOSED},
		{"no such step in the lobby", func(t *testing.T, s *quorum.Session) {}, stepCount, 0, quorum.EVOTINGCLOSED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t)
			p := mustJoin(t, s)
			tt.setup(t, s)
			_, changed, err := s.Cast(p.ID, tt.step, quorum.AnyRound, quorum.Value{Number: 1}, "msg-1", now.Add(tt.after))
			if code := quorum.ErrorCode(err); code != tt.want {
				t.Fatalf("Cast = %v, want code %q", err, tt.want)
			}
			if changed || len(s.VotesOf(p.ID)) != 0 {
				t.Errorf("a refused vote was recorded")
			}
		})
	}
}

func TestCastBeforeTheDeadline(t *testing.T) {
	s := newSession(t)
	p := mustJoin(t, s)
	mustDo(t, s, gotoStep(stepChoice), now)
	mustDo(t, s, timer(10), now)
	if _, _, err := s.Cast(p.ID, stepChoice, quorum.AnyRound, quorum.Value{Number: 1}, "msg-1", now.Add(10*time.Second-time.Millisecond)); err != nil {
		t.Fatalf("vote just before the deadline: %v", err)
	}
}

func TestCastChecksTheCaller(t *testing.T) {
	s := newSession(t)
	p := mustJoin(t, s)
	openStep(t, s, stepChoice)
	tests := []struct {
		name          string
		participantID string
		msgID         string
		want          string
	}{
		{"unknown participant", "not-a-participant", "msg-1", quorum.EUNAUTHORIZED},
		{"no participant", "", "msg-1", quorum.EUNAUTHORIZED},
		{"no message id", p.ID, "", quorum.EINVALIDREQUEST},
		{"message id too long", p.ID, strings.Repeat("m", 65), quorum.EINVALIDREQUEST},
		{"message id with a control character", p.ID, "m\n1", quorum.EINVALIDREQUEST},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := s.Cast(tt.participantID, stepChoice, quorum.AnyRound, quorum.Value{Number: 1}, tt.msgID, now)
			if code := quorum.ErrorCode(err); code != tt.want {
				t.Errorf("Cast = %v, want code %q", err, tt.want)
			}
		})
	}
	if s.Tally(stepChoice).N != 0 {
		t.Errorf("refused votes were counted: N = %d", s.Tally(stepChoice).N)
	}
	// A message id of 64 characters is fine.
	if _, _, err := s.Cast(p.ID, stepChoice, quorum.AnyRound, quorum.Value{Number: 1}, strings.Repeat("m", 64), now); err != nil {
		t.Errorf("64-character message id: %v", err)
	}
}

func TestChangeVoteMovesTheTally(t *testing.T) {
	s := newSession(t)
	p1, p2 := mustJoin(t, s), mustJoin(t, s)
	openStep(t, s, stepChoice)
	steps := []struct {
		who    *quorum.Participant
		option int
		counts []int
	}{
		{p1, 0, []int{1, 0, 0}},
		{p2, 0, []int{2, 0, 0}},
		{p1, 2, []int{1, 0, 1}}, // p1 changes: option 0 loses one, option 2 gains one
		{p1, 1, []int{1, 1, 0}},
		{p2, 1, []int{0, 2, 0}},
		{p2, 1, []int{0, 2, 0}}, // the same answer again, with a new message id
	}
	for i, st := range steps {
		_, changed, err := s.Cast(st.who.ID, stepChoice, quorum.AnyRound, quorum.Value{Number: st.option}, "msg-"+itoa(i), now)
		if err != nil || !changed {
			t.Fatalf("vote %d: changed %v, %v", i, changed, err)
		}
		tally := s.Tally(stepChoice)
		if !reflect.DeepEqual(tally.Counts, st.counts) || tally.N != 2 && i > 0 {
			t.Errorf("after vote %d: counts %v N %d, want %v", i, tally.Counts, tally.N, st.counts)
		}
	}
}

func TestChangeVoteMovesScaleAndTextTallies(t *testing.T) {
	s := newSession(t)
	p := mustJoin(t, s)
	openStep(t, s, stepScale7)
	mustCast(t, s, p.ID, stepScale7, quorum.Value{Number: 1})
	mustCast(t, s, p.ID, stepScale7, quorum.Value{Number: 7})
	tally := s.Tally(stepScale7)
	if tally.N != 1 || tally.Mean() != 7 || tally.StdDev() != 0 || !reflect.DeepEqual(tally.Counts, []int{0, 0, 0, 0, 0, 0, 1}) {
		t.Errorf("scale after a change: N %d mean %v sd %v counts %v", tally.N, tally.Mean(), tally.StdDev(), tally.Counts)
	}

	mustDo(t, s, gotoStep(stepText), now)
	mustDo(t, s, cmd(quorum.ActionOpen), now)
	mustCast(t, s, p.ID, stepText, quorum.Value{Text: "Listen more"})
	mustCast(t, s, p.ID, stepText, quorum.Value{Text: "Delegate"})
	if got, want := s.Tally(stepText).Words(0), []quorum.WordCount{{Text: "Delegate", Count: 1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("words after a change = %v, want %v", got, want)
	}
}

func TestResentVoteCountsOnce(t *testing.T) {
	s := newSession(t)
	p := mustJoin(t, s)
	openStep(t, s, stepChoice)
	first, changed, err := s.Cast(p.ID, stepChoice, quorum.AnyRound, quorum.Value{Number: 2}, "msg-1", now)
	if err != nil || !changed {
		t.Fatalf("first vote: changed %v, %v", changed, err)
	}
	// The same message again, even with another value and later: nothing changes.
	again, changed, err := s.Cast(p.ID, stepChoice, quorum.AnyRound, quorum.Value{Number: 0}, "msg-1", now.Add(time.Second))
	if err != nil {
		t.Fatalf("re-sent vote: %v", err)
	}
	if changed {
		t.Errorf("a re-sent vote reports changed")
	}
	if again != first {
		t.Errorf("re-sent vote = %+v, want the recorded %+v", again, first)
	}
	if tally := s.Tally(stepChoice); tally.N != 1 || !reflect.DeepEqual(tally.Counts, []int{0, 0, 1}) {
		t.Errorf("tally after a re-send: N %d counts %v", tally.N, tally.Counts)
	}
	// A re-send that arrives after voting closed is still acknowledged, not refused.
	mustDo(t, s, cmd(quorum.ActionClose), now)
	if _, changed, err := s.Cast(p.ID, stepChoice, quorum.AnyRound, quorum.Value{Number: 2}, "msg-1", now); err != nil || changed {
		t.Errorf("re-send after close: changed %v, %v", changed, err)
	}
	// A new message after close is refused.
	if _, _, err := s.Cast(p.ID, stepChoice, quorum.AnyRound, quorum.Value{Number: 1}, "msg-2", now); quorum.ErrorCode(err) != quorum.EVOTINGCLOSED {
		t.Errorf("new vote after close = %v, want voting_closed", err)
	}
}

// A message id counts once, whatever round it arrives in: a phone whose
// round-1 ack was lost re-sends its vote during round 2, and it is
// acknowledged as the round-1 vote, not counted again (nor paired with
// itself as someone who "stayed").
func TestResentVoteCountsOnceAcrossRounds(t *testing.T) {
	s := newSession(t)
	p := mustJoin(t, s)
	openStep(t, s, stepScale5)
	first, changed, err := s.Cast(p.ID, stepScale5, quorum.AnyRound, quorum.Value{Number: 4}, "r1", now)
	if err != nil || !changed || first.Round != 1 {
		t.Fatalf("round-1 vote: %+v changed %v, %v", first, changed, err)
	}
	mustDo(t, s, cmd(quorum.ActionClose), now)
	mustDo(t, s, cmd(quorum.ActionRound), now)
	mustDo(t, s, cmd(quorum.ActionOpen), now)

	for _, round := range []int{quorum.AnyRound, 1, 2} {
		again, changed, err := s.Cast(p.ID, stepScale5, round, quorum.Value{Number: 4}, "r1", now)
		if err != nil || changed || again != first {
			t.Errorf("re-sent for round %d: %+v changed %v, %v; want the round-1 vote %+v", round, again, changed, err, first)
		}
	}
	if n := s.Tally(stepScale5).N; n != 0 {
		t.Errorf("round 2 counts %d votes, want 0", n)
	}
	if shifts := s.RoundShifts(stepScale5); len(shifts) != 0 {
		t.Errorf("who moved, with nobody voting in round 2: %+v", shifts)
	}
	if v, ok := s.LastVoteOf(stepScale5, p.ID); !ok || v != first {
		t.Errorf("LastVoteOf = %+v, %v; want the round-1 vote", v, ok)
	}

	// A new vote meant for another round than the current one.
	for _, tt := range []struct {
		round int
		says  string
	}{
		{1, "round 1 of this question is over; vote again in round 2"},
		{3, "round 3 of this question has not begun; it is on round 2"},
		{-1, "there is no round -1; this question is on round 2"},
	} {
		_, changed, err := s.Cast(p.ID, stepScale5, tt.round, quorum.Value{Number: 2}, "new", now)
		if quorum.ErrorCode(err) != quorum.EVOTINGCLOSED || quorum.ErrorMessage(err) != tt.says || changed {
			t.Errorf("a new vote for round %d: %v, want voting_closed %q", tt.round, err, tt.says)
		}
	}

	second, changed, err := s.Cast(p.ID, stepScale5, 2, quorum.Value{Number: 2}, "r2", now)
	if err != nil || !changed || second.Round != 2 {
		t.Fatalf("round-2 vote: %+v changed %v, %v", second, changed, err)
	}
	if v, ok := s.LastVoteOf(stepScale5, p.ID); !ok || v != second {
		t.Errorf("LastVoteOf after round 2's vote = %+v, %v", v, ok)
	}
	// The round-1 id still names the round-1 vote.
	if again, changed, err := s.Cast(p.ID, stepScale5, quorum.AnyRound, quorum.Value{Number: 4}, "r1", now); err != nil || changed || again != first {
		t.Errorf("round-1 id after a round-2 vote: %+v changed %v, %v", again, changed, err)
	}
	if n := s.Tally(stepScale5).N; n != 1 {
		t.Errorf("round 2 counts %d votes, want 1", n)
	}
}

func TestRestoreRebuildsTallies(t *testing.T) {
	s := newSession(t)
	p1, p2 := mustJoin(t, s), mustJoin(t, s)
	openStep(t, s, stepScale5)
	mustCast(t, s, p1.ID, stepScale5, quorum.Value{Number: 2})
	mustCast(t, s, p2.ID, stepScale5, quorum.Value{Number: 4})

	restored := *s
	participants := []quorum.Participant{*p1, *p2}
	votes := []quorum.Vote{
		{SessionID: s.ID, Step: stepScale5, Round: 1, ParticipantID: p1.ID, Value: quorum.Value{Number: 2}, MsgID: "a"},
		{SessionID: s.ID, Step: stepScale5, Round: 1, ParticipantID: p2.ID, Value: quorum.Value{Number: 4}, MsgID: "b"},
	}
	if err := restored.Restore(participants, votes); err != nil {
		t.Fatal(err)
	}
	if got := restored.Tally(stepScale5); got.N != 2 || got.Mean() != 3 || !near(got.StdDev(), 1) {
		t.Errorf("restored tally N %d mean %v sd %v", got.N, got.Mean(), got.StdDev())
	}
	if _, ok := restored.Participant(p1.ID); !ok || restored.Joined() != 2 {
		t.Errorf("restored participants: %d", restored.Joined())
	}

	bad := []struct {
		name string
		vote quorum.Vote
	}{
		{"unknown participant", quorum.Vote{Step: stepScale5, ParticipantID: "nobody", Value: quorum.Value{Number: 1}}},
		{"no such step", quorum.Vote{Step: stepCount, ParticipantID: p1.ID, Value: quorum.Value{Number: 1}}},
		{"value out of range", quorum.Vote{Step: stepScale5, ParticipantID: p1.ID, Value: quorum.Value{Number: 6}}},
		{"vote on an info step", quorum.Vote{Step: stepInfo, ParticipantID: p1.ID, Value: quorum.Value{Number: 1}}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			r := *s
			if err := r.Restore(participants, []quorum.Vote{tt.vote}); quorum.ErrorCode(err) != quorum.EINTERNAL {
				t.Errorf("Restore = %v, want code internal", err)
			}
		})
	}

	// Two participants with one token would let one phone act as both.
	twin := *p2
	twin.TokenHash = p1.TokenHash
	r := *s
	if err := r.Restore([]quorum.Participant{*p1, twin}, nil); quorum.ErrorCode(err) != quorum.EINTERNAL {
		t.Errorf("Restore of two participants sharing a token = %v, want code internal", err)
	}
}
