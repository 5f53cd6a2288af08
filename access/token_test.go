package access

import (
	"bytes"
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"cpr/pnr"
	"cpr/register"
)

func TestIssueAndAuthenticate(t *testing.T) {
	s, clock, _ := newTestService(t, Options{})
	mustCreate(t, s, User{ID: "anne", Role: RoleClerk, Kommune: 101})

	secret, tok, err := s.IssueToken("anne", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "cpr_") || len(secret) != 47 {
		t.Fatalf("secret has the wrong form (length %d)", len(secret))
	}
	raw, err := base64.RawURLEncoding.DecodeString(secret[4:])
	if err != nil || len(raw) != 32 {
		t.Fatalf("secret is not base64url of 32 bytes: %v", err)
	}
	if tok.User != "anne" || !tok.Created.Equal(tuesday10) || !tok.Expires.Equal(tuesday10.Add(8*time.Hour)) || tok.Revoked {
		t.Fatalf("token = %+v", tok)
	}
	if tok.ID != tokenID(hashSecret(secret)) || len(tok.ID) != 16 {
		t.Fatalf("token id = %q", tok.ID)
	}

	u, got, err := s.Authenticate(secret)
	if err != nil || u.ID != "anne" || u.Kommune != 101 || got.ID != tok.ID {
		t.Fatalf("Authenticate = %+v, %+v, %v", u, got, err)
	}
	clock.Advance(8*time.Hour - time.Nanosecond)
	if _, _, err := s.Authenticate(secret); err != nil {
		t.Fatalf("Authenticate just before expiry: %v", err)
	}
	clock.Advance(time.Nanosecond)
	if _, _, err := s.Authenticate(secret); !errors.Is(err, ErrExpired) {
		t.Fatalf("Authenticate at expiry = %v, want ErrExpired", err)
	}

	secret2, tok2, err := s.IssueToken("anne", time.Minute)
	if err != nil || !tok2.Expires.Equal(tok2.Created.Add(time.Minute)) {
		t.Fatalf("IssueToken(1m) = %+v, %v", tok2, err)
	}
	if secret2 == secret || tok2.ID == tok.ID {
		t.Fatal("two tokens share a secret or an id")
	}
	tokens, err := s.Tokens("anne")
	if err != nil || len(tokens) != 2 || tokens[0].ID != tok.ID || tokens[1].ID != tok2.ID {
		t.Fatalf("Tokens = %+v, %v", tokens, err)
	}
	if _, err := s.Tokens("bob"); !errors.Is(err, ErrNoUser) {
		t.Fatalf("Tokens(unknown) = %v", err)
	}
}

func TestIssueTokenErrors(t *testing.T) {
	s, _, _ := newTestService(t, Options{MaxTTL: 24 * time.Hour})
	mustCreate(t, s, User{ID: "anne", Role: RoleLookup})
	mustCreate(t, s, User{ID: "gone", Role: RoleLookup, Disabled: true})
	tests := []struct {
		name string
		user string
		ttl  time.Duration
		want error
	}{
		{"max ttl", "anne", 24 * time.Hour, nil},
		{"ttl too long", "anne", 24*time.Hour + 1, ErrInvalid},
		{"negative ttl", "anne", -time.Second, ErrInvalid},
		{"unknown user", "bob", 0, ErrNoUser},
		{"malformed user", "Bob!", 0, ErrNoUser},
		{"disabled user", "gone", 0, ErrNoUser},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret, _, err := s.IssueToken(tt.user, tt.ttl)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (secret != "") {
				t.Fatalf("IssueToken = %v, want %v", err, tt.want)
			}
			if errors.Is(tt.want, ErrInvalid) && fieldOf(err) != "ttl" {
				t.Fatalf("error %v does not name ttl", err)
			}
		})
	}
}

func TestRevokeToken(t *testing.T) {
	s, _, _ := newTestService(t, Options{})
	mustCreate(t, s, User{ID: "anne", Role: RoleLookup})
	secret, tok, err := s.IssueToken("anne", 0)
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := s.IssueToken("anne", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, got, err := s.Authenticate(secret); !errors.Is(err, ErrRevoked) || got.ID != tok.ID {
		t.Fatalf("Authenticate revoked = %v", err)
	}
	if _, _, err := s.Authenticate(other); err != nil {
		t.Fatalf("the other token was hit: %v", err)
	}
	if err := s.RevokeToken(tok.ID); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
	tokens, err := s.Tokens("anne")
	if err != nil || len(tokens) != 2 {
		t.Fatalf("Tokens = %+v, %v", tokens, err)
	}
	for _, x := range tokens {
		if x.Revoked != (x.ID == tok.ID) {
			t.Fatalf("token %s revoked = %v", x.ID, x.Revoked)
		}
	}
	for _, id := range []string{"", "0000000000000000", "ABCDEF0123456789", tok.ID[:15], tok.ID + "0", "zzzzzzzzzzzzzzzz"} {
		if err := s.RevokeToken(id); !errors.Is(err, ErrNoToken) {
			t.Errorf("RevokeToken(%q) = %v, want ErrNoToken", id, err)
		}
	}
}

func TestDisabledAndDeletedUser(t *testing.T) {
	s, _, _ := newTestService(t, Options{})
	mustCreate(t, s, User{ID: "anne", Role: RoleLookup})
	secret, _, err := s.IssueToken("anne", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetDisabled("anne", true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Authenticate(secret); !errors.Is(err, ErrNoUser) {
		t.Fatalf("Authenticate for a disabled user = %v, want ErrNoUser", err)
	}
	if _, _, err := s.IssueToken("anne", 0); !errors.Is(err, ErrNoUser) {
		t.Fatalf("IssueToken for a disabled user = %v, want ErrNoUser", err)
	}
	if err := s.SetDisabled("anne", false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Authenticate(secret); err != nil {
		t.Fatalf("Authenticate after enabling: %v", err)
	}
	if err := s.SetDisabled("bob", true); !errors.Is(err, ErrNoUser) {
		t.Fatalf("SetDisabled(unknown) = %v", err)
	}

	if err := s.DeleteUser("anne"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Authenticate(secret); !errors.Is(err, ErrNoToken) {
		t.Fatalf("Authenticate for a deleted user = %v, want ErrNoToken", err)
	}
	// A new user with the same id does not inherit the old tokens.
	mustCreate(t, s, User{ID: "anne", Role: RoleAdmin})
	if _, _, err := s.Authenticate(secret); !errors.Is(err, ErrNoToken) {
		t.Fatalf("Authenticate after re-creating the user = %v, want ErrNoToken", err)
	}
	if tokens, err := s.Tokens("anne"); err != nil || len(tokens) != 0 {
		t.Fatalf("Tokens of the new user = %+v, %v", tokens, err)
	}
	if err := s.DeleteUser("bob"); !errors.Is(err, ErrNoUser) {
		t.Fatalf("DeleteUser(unknown) = %v", err)
	}
}

func TestAuthenticateMalformed(t *testing.T) {
	s, _, _ := newTestService(t, Options{})
	mustCreate(t, s, User{ID: "anne", Role: RoleLookup})
	secret, _, err := s.IssueToken("anne", 0)
	if err != nil {
		t.Fatal(err)
	}
	flip := []byte(secret)
	if flip[10] == 'A' {
		flip[10] = 'B'
	} else {
		flip[10] = 'A'
	}
	for name, bad := range map[string]string{
		"empty":          "",
		"prefix only":    "cpr_",
		"no prefix":      secret[4:],
		"other prefix":   "CPR_" + secret[4:],
		"one char off":   string(flip),
		"too short":      secret[:46],
		"too long":       secret + "A",
		"padding":        secret[:46] + "=",
		"std alphabet":   secret[:46] + "+",
		"spaces":         " " + secret[:46],
		"unknown":        "cpr_" + base64.RawURLEncoding.EncodeToString(make([]byte, 32)),
		"bearer":         "Bearer " + secret,
		"non-canonical":  secret[:46] + string(noncanonical(secret[46])),
		"zero bytes":     strings.Repeat("\x00", 47),
		"invalid utf8":   "cpr_\xff" + secret[5:],
		"trailing space": secret + " ",
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := s.Authenticate(bad)
			if !errors.Is(err, ErrNoToken) {
				t.Fatalf("Authenticate = %v, want ErrNoToken", err)
			}
		})
	}
}

// noncanonical returns a base64url character that decodes to the same
// bytes as the last character c of a 43-character encoding (whose low 2
// bits are unused), so a strict decoder must reject it.
func noncanonical(c byte) byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, c)
	return alphabet[i^1]
}

// TestSecretNotStored scans every space the package writes for the
// secret, its random part and its raw bytes.
func TestSecretNotStored(t *testing.T) {
	var logged syncBuffer
	s, _, reg := newTestService(t, Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	mustCreate(t, s, User{ID: "anne", Role: RoleLookup, Name: "Anne Hansen"})
	citizen := pnr.MustParse("010170-1234")
	mustCreate(t, s, User{ID: "cit", Role: RoleCitizen, PNR: citizen})
	if _, _, err := s.IssueToken("cit", 0); err != nil {
		t.Fatal(err)
	}
	var secrets []string
	for range 5 {
		secret, tok, err := s.IssueToken("anne", 0)
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, secret)
		if err := s.Log(Entry{User: "anne", Role: RoleLookup, Call: "GET /v1/persons", Outcome: OutcomeRead, Status: 200}); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeToken(tok.ID); err != nil {
			t.Fatal(err)
		}
	}
	var stored [][]byte
	for _, sp := range []register.Space{register.SpaceUsers, register.SpaceTokens, register.SpaceAccessLog,
		register.SpaceAccessByPNR, register.SpaceAccessByUser} {
		err := reg.ScanRecords(sp, nil, nil, false, func(k, v []byte) bool {
			stored = append(stored, bytes.Clone(k), bytes.Clone(v))
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(stored) == 0 {
		t.Fatal("nothing stored")
	}
	for _, secret := range secrets {
		raw, _ := base64.RawURLEncoding.DecodeString(secret[4:])
		needles := [][]byte{[]byte(secret), []byte(secret[4:]), []byte(secret[4:20]), raw, raw[:12]}
		for _, b := range stored {
			for _, n := range needles {
				if bytes.Contains(b, n) {
					t.Fatalf("stored bytes contain (part of) a token secret")
				}
			}
		}
		if strings.Contains(logged.String(), secret[4:20]) {
			t.Fatal("the log holds a token secret")
		}
	}
	if out := logged.String(); !strings.Contains(out, "token issued") ||
		strings.Contains(out, "Anne Hansen") || strings.Contains(out, citizen.String()) {
		t.Fatalf("log lines hold person data or miss events:\n%s", out)
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestPruneTokens(t *testing.T) {
	s, clock, _ := newTestService(t, Options{})
	mustCreate(t, s, User{ID: "anne", Role: RoleLookup})
	short, _, err := s.IssueToken("anne", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	long, longTok, err := s.IssueToken("anne", 48*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Hour)
	n, err := s.PruneTokens(clock.Now())
	if err != nil || n != 1 {
		t.Fatalf("PruneTokens = %d, %v; want 1", n, err)
	}
	if _, _, err := s.Authenticate(short); !errors.Is(err, ErrNoToken) {
		t.Fatalf("pruned token: %v", err)
	}
	if _, _, err := s.Authenticate(long); err != nil {
		t.Fatalf("kept token: %v", err)
	}
	if tokens, err := s.Tokens("anne"); err != nil || len(tokens) != 1 || tokens[0].ID != longTok.ID {
		t.Fatalf("Tokens = %+v, %v", tokens, err)
	}
}
