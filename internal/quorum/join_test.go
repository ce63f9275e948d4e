package quorum_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/quorum-workshop/quorum/internal/quorum"
)

func TestJoin(t *testing.T) {
	tests := []struct {
		name, inName, segment string
		wantName              string
		wantErr               string
	}{
		{name: "anonymous", inName: "", wantName: ""},
		{name: "trimmed", inName: "  Ada  ", wantName: "Ada"},
		{name: "inner spaces folded", inName: " Ada \t  Lovelace\n", wantName: "Ada Lovelace"},
		{name: "40 characters", inName: longString(40), wantName: longString(40)},
		{name: "40 characters once trimmed", inName: "   " + longString(40) + "   ", wantName: longString(40)},
		{name: "41 characters", inName: longString(41), wantErr: quorum.EINVALIDJOIN},
		{name: "control character", inName: "Ada\x00", wantErr: quorum.EINVALIDJOIN},
		{name: "with a segment", inName: "Ada", segment: "Manager", wantName: "Ada"},
		{name: "unknown segment", inName: "Ada", segment: "Boss", wantErr: quorum.EINVALIDJOIN},
		{name: "segment in another case", inName: "Ada", segment: "manager", wantErr: quorum.EINVALIDJOIN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t)
			at := now.Add(time.Minute)
			p, token, err := s.Join(tt.inName, tt.segment, at)
			if tt.wantErr != "" {
				if code := quorum.ErrorCode(err); code != tt.wantErr {
					t.Fatalf("Join = %v, want code %q", err, tt.wantErr)
				}
				if p != nil || token != "" || s.Joined() != 0 {
					t.Errorf("a refused join was admitted")
				}
				return
			}
			if err != nil {
				t.Fatalf("Join: %v", err)
			}
			if p.Name != tt.wantName || p.Segment != tt.segment || p.SessionID != s.ID || p.ID == "" {
				t.Errorf("participant = %+v, want name %q segment %q", p, tt.wantName, tt.segment)
			}
			if !p.JoinedAt.Equal(at) || !p.LastSeenAt.Equal(at) {
				t.Errorf("times = %v, %v", p.JoinedAt, p.LastSeenAt)
			}
			if token == "" || p.TokenHash != quorum.HashSecret(token) || strings.Contains(p.TokenHash, token) {
				t.Errorf("token %q hash %q", token, p.TokenHash)
			}
			if got, ok := s.Participant(p.ID); s.Joined() != 1 || !ok || got != *p {
				t.Errorf("Joined %d, Participant(id) = %v", s.Joined(), got)
			}
		})
	}
}

func TestJoinWithoutSegments(t *testing.T) {
	s := newSessionFrom(t, `{"title":"T","steps":[{"kind":"info","title":"I"}]}`)
	if _, _, err := s.Join("Ada", "Manager", now); quorum.ErrorCode(err) != quorum.EINVALIDJOIN {
		t.Errorf("segment on an agenda without segments = %v, want invalid_join", err)
	}
	if _, _, err := s.Join("Ada", "", now); err != nil {
		t.Errorf("no segment: %v", err)
	}
}

func TestJoinByStatus(t *testing.T) {
	s := newSession(t)
	if _, _, err := s.Join("lobby", "", now); err != nil {
		t.Errorf("join in the lobby: %v", err)
	}
	mustDo(t, s, cmd(quorum.ActionStart), now)
	if _, _, err := s.Join("live", "", now); err != nil {
		t.Errorf("join while live: %v", err)
	}
	mustDo(t, s, cmd(quorum.ActionEnd), now)
	p, token, err := s.Join("late", "", now)
	if quorum.ErrorCode(err) != quorum.ESESSIONENDED || p != nil || token != "" {
		t.Errorf("join after end = %v, %q, %v; want session_ended", p, token, err)
	}
	if s.Joined() != 2 {
		t.Errorf("Joined = %d, want 2", s.Joined())
	}
}

func TestParticipantByToken(t *testing.T) {
	s := newSession(t)
	p1, token1, err := s.Join("One", "", now)
	if err != nil {
		t.Fatal(err)
	}
	p2, token2, err := s.Join("Two", "", now)
	if err != nil {
		t.Fatal(err)
	}
	if token1 == token2 || p1.ID == p2.ID {
		t.Fatalf("two joins share a token or an id")
	}
	tests := []struct {
		name  string
		token string
		want  *quorum.Participant
	}{
		{"first token", token1, p1},
		{"second token", token2, p2},
		{"wrong token", quorum.NewSecret(), nil},
		{"the hash is not the token", p1.TokenHash, nil},
		{"token with a change", token1 + "x", nil},
		{"no token", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.ParticipantByToken(tt.token); got != tt.want {
				t.Errorf("ParticipantByToken = %v, want %v", got, tt.want)
			}
		})
	}
	// A token of one session opens nothing in another.
	other := newSession(t)
	if other.ParticipantByToken(token1) != nil {
		t.Errorf("a token works in another session")
	}
}

func TestJoinCodes(t *testing.T) {
	digits := regexp.MustCompile(`^[0-9]{8}$`)
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		code := quorum.NewJoinCode()
		if !digits.MatchString(code) {
			t.Fatalf("NewJoinCode = %q, want 8 digits", code)
		}
		seen[code] = true
	}
	if len(seen) < 190 {
		t.Errorf("only %d distinct codes in 200", len(seen))
	}
}

func TestNormalizeJoinCode(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"12345678", "12345678", true},
		{"1234 5678", "12345678", true},
		{"1234-5678", "12345678", true},
		{" 12345678 ", "12345678", true},
		{"1234\u00a05678", "12345678", true},
		{"\t1234 - 5678\t", "12345678", true},
		{"00000000", "00000000", true},
		{"1234567", "", false},
		{"123456789", "", false},
		{"abcdefgh", "", false},
		{"1234567a", "", false},
		{"1234_5678", "", false},
		{"١٢٣٤٥٦٧٨", "", false}, // Arabic-Indic digits
		{"", "", false},
		{"    ", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := quorum.NormalizeJoinCode(tt.in)
			if tt.ok {
				if err != nil || got != tt.want {
					t.Errorf("NormalizeJoinCode(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
				}
				return
			}
			if quorum.ErrorCode(err) != quorum.EINVALIDREQUEST || got != "" {
				t.Errorf("NormalizeJoinCode(%q) = %q, %v; want invalid_request", tt.in, got, err)
			}
		})
	}
}

func TestFormatJoinCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"12345678", "1234 5678"},
		{"00001234", "0000 1234"},
		{"1234567", "1234567"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := quorum.FormatJoinCode(tt.in); got != tt.want {
				t.Errorf("FormatJoinCode(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	// What is shown reads back as the code.
	code := quorum.NewJoinCode()
	if back, err := quorum.NormalizeJoinCode(quorum.FormatJoinCode(code)); err != nil || back != code {
		t.Errorf("round trip of %q = %q, %v", code, back, err)
	}
}

func TestSecrets(t *testing.T) {
	a, b := quorum.NewSecret(), quorum.NewSecret()
	if a == b {
		t.Fatal("two secrets are equal")
	}
	if len(a) != 43 || strings.ContainsAny(a, "+/=") {
		t.Errorf("NewSecret = %q, want 43 URL-safe characters", a)
	}
	hash := quorum.HashSecret(a)
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(hash) || hash != quorum.HashSecret(a) {
		t.Errorf("HashSecret = %q", hash)
	}
	tests := []struct {
		name         string
		secret, hash string
		want         bool
	}{
		{"the secret", a, hash, true},
		{"another secret", b, hash, false},
		{"the hash itself", hash, hash, false},
		{"no secret", "", hash, false},
		{"no hash", a, "", false},
		{"hash of the empty string", "", quorum.HashSecret(""), false},
		{"upper-case hash", a, strings.ToUpper(hash), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := quorum.SecretMatches(tt.secret, tt.hash); got != tt.want {
				t.Errorf("SecretMatches = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestErrorHelpers(t *testing.T) {
	err := quorum.Errorf(quorum.EINVALIDVOTE, "choose a point from 1 to %d", 5)
	if err.Error() != "invalid_vote: choose a point from 1 to 5" {
		t.Errorf("Error() = %q", err.Error())
	}
	plain := errString("disk on fire")
	if quorum.ErrorCode(plain) != quorum.EINTERNAL || quorum.ErrorMessage(plain) != "Internal error." || quorum.ErrorProblems(plain) != nil {
		t.Errorf("a plain error leaks: %q %q", quorum.ErrorCode(plain), quorum.ErrorMessage(plain))
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func TestSeenKeepsAMinuteResolution(t *testing.T) {
	s := newSession(t)
	p := mustJoin(t, s)
	for name, at := range map[string]time.Time{"at once": now, "within the minute": now.Add(59 * time.Second), "earlier": now.Add(-time.Hour)} {
		if _, ok := s.Seen(p.ID, at); ok {
			t.Errorf("%s: a record", name)
		}
	}
	later := now.Add(quorum.SeenResolution)
	rec, ok := s.Seen(p.ID, later)
	if !ok || rec.ParticipantID != p.ID || !rec.At.Equal(later) {
		t.Errorf("a minute later: %+v %v", rec, ok)
	}
	if got, _ := s.Participant(p.ID); !got.LastSeenAt.Equal(later) {
		t.Errorf("last seen %v, want %v", got.LastSeenAt, later)
	}
	if _, ok := s.Seen("nobody", later.Add(time.Hour)); ok {
		t.Error("a record for an unknown participant")
	}
}

// A phone that brought its own secret and joins again with it (its first
// answer was lost) is the same participant; the same secret in another
// session is another token; a weak secret is refused.
func TestJoinWithToken(t *testing.T) {
	s := newSession(t)
	secret := quorum.NewSecret()
	p, token, joined, err := s.JoinWithToken(secret, "Ada", "Manager", now)
	if err != nil || !joined || token == secret || p.TokenHash != quorum.HashSecret(token) || s.ParticipantByToken(token) != p {
		t.Fatalf("first join: %+v, token %q, %v, %v", p, token, joined, err)
	}
	again, token2, joined, err := s.JoinWithToken(secret, "Someone else", "", now.Add(time.Second))
	if err != nil || joined || again != p || token2 != token || s.Joined() != 1 {
		t.Errorf("the same secret again: %+v, joined %v, %v; %d joined; want the first participant, not a new one", again, joined, err, s.Joined())
	}
	other := newSession(t)
	if _, otherToken, _, err := other.JoinWithToken(secret, "", "", now); err != nil || otherToken == token {
		t.Errorf("the same secret in another session: token %q, %v; want another token", otherToken, err)
	}
	for _, weak := range []string{"", "short", strings.Repeat("a", 42), strings.Repeat("a", 129), strings.Repeat("a", 42) + "!"} {
		if _, _, _, err := s.JoinWithToken(weak, "", "", now); quorum.ErrorCode(err) != quorum.EINVALIDREQUEST {
			t.Errorf("secret %q: %v, want %s", weak, err, quorum.EINVALIDREQUEST)
		}
	}
	if s.Joined() != 1 {
		t.Errorf("%d joined after refused secrets, want 1", s.Joined())
	}
	s.Status = quorum.StatusEnded
	if _, _, _, err := s.JoinWithToken(quorum.NewSecret(), "", "", now); quorum.ErrorCode(err) != quorum.ESESSIONENDED {
		t.Errorf("a new secret in an ended session: %v, want %s", err, quorum.ESESSIONENDED)
	}
}
