package quorum

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"strings"
)

// NewSecret returns a random 256-bit secret for host keys, screen keys and
// participant tokens, safe to put in a URL fragment.
func NewSecret() string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(32))
}

// A token a client chose must be as hard to guess as one of NewSecret's.
const (
	minClientToken = 43 // 32 bytes in unpadded base64url
	maxClientToken = 128
)

// IsClientToken reports whether a token a client chose itself is long and
// plain enough: base64url characters, 43 to 128 of them.
func IsClientToken(token string) bool {
	if len(token) < minClientToken || len(token) > maxClientToken {
		return false
	}
	for i := 0; i < len(token); i++ {
		c := token[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// SessionToken is the participant token a client's own secret stands for in
// one session.
func SessionToken(sessionID, clientSecret string) string {
	sum := sha256.Sum256([]byte(sessionID + "\x00" + clientSecret))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// HashSecret is what the store keeps of a secret: enough to check one, never
// enough to act with a leaked database.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// SecretMatches compares a presented secret with a stored hash in constant time.
func SecretMatches(secret, hash string) bool {
	if secret == "" || hash == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(HashSecret(secret)), []byte(hash)) == 1
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("quorum: the system's random source failed: " + err.Error()) // crypto/rand documents it never fails
	}
	return b
}

// JoinCodeLength is the number of digits of a join code.
const JoinCodeLength = 8

// NewJoinCode returns a random 8-digit join code. Uniqueness among live
// sessions is the store's job.
func NewJoinCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(100_000_000))
	if err != nil {
		panic("quorum: the system's random source failed: " + err.Error())
	}
	s := n.String()
	return strings.Repeat("0", JoinCodeLength-len(s)) + s
}

// FormatJoinCode groups a code for reading aloud and on screens: "1234 5678".
func FormatJoinCode(code string) string {
	if len(code) != JoinCodeLength {
		return code
	}
	return code[:4] + " " + code[4:]
}

// NormalizeJoinCode accepts a code as people type or paste it ("1234 5678",
// "1234-5678") and returns its 8 digits.
func NormalizeJoinCode(input string) (string, error) {
	var b strings.Builder
	for _, r := range input {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '\u00a0' || r == '\t':
		default:
			return "", Errorf(EINVALIDREQUEST, "a join code has %d digits, like 1234 5678", JoinCodeLength)
		}
	}
	if b.Len() != JoinCodeLength {
		return "", Errorf(EINVALIDREQUEST, "a join code has %d digits, like 1234 5678", JoinCodeLength)
	}
	return b.String(), nil
}
