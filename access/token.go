package access

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"cpr/register"
)

// Token is the stored part of a personal access token. The secret itself
// is shown once, by IssueToken, and stored only as its sha256.
type Token struct {
	// ID is the public id for listing and revoking: the first 16 hex
	// digits of sha256(secret).
	ID      string    `json:"id"`
	User    string    `json:"user"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	Revoked bool      `json:"revoked,omitempty"`
	// Issuer is the user who issued the token when it was issued through
	// IssueTokenBy (an administrator, or the user themself); empty for
	// tokens from the command line and from before the field.
	Issuer string `json:"issuer,omitempty"`
}

const (
	secretPrefix = "cpr_"
	secretBytes  = 32
	secretLen    = len(secretPrefix) + 43 // base64url of 32 bytes, no padding
	pruneBatch   = 1000                   // tokens deleted per batch by PruneTokens
)

var secretEncoding = base64.RawURLEncoding.Strict()

// hashSecret is the key of a token: sha256 of the whole secret string.
func hashSecret(secret string) [hashLen]byte { return sha256.Sum256([]byte(secret)) }

// wellFormed reports whether secret could have been issued by IssueToken.
func wellFormed(secret string) bool {
	if len(secret) != secretLen || !strings.HasPrefix(secret, secretPrefix) {
		return false
	}
	var b [secretBytes]byte
	n, err := secretEncoding.Decode(b[:], []byte(secret[len(secretPrefix):]))
	return err == nil && n == secretBytes
}

// WellFormed reports whether secret has the shape of a token IssueToken
// gives ("cpr_" and 43 base64url characters); it reads no storage.
func WellFormed(secret string) bool { return wellFormed(secret) }

// IssueToken issues a token for the user, valid for ttl (0: the default
// lifetime). The secret, "cpr_" and 43 base64url characters of 32 random
// bytes, is returned once; only its sha256 is stored.
//
// It returns a *FieldError for the field "ttl" (negative, or longer than
// Options.MaxTTL), ErrNoUser if the user does not exist or is disabled, or
// a storage error.
func (s *Service) IssueToken(userID string, ttl time.Duration) (secret string, t Token, err error) {
	return s.IssueTokenBy("", userID, ttl)
}

// IssueTokenBy is IssueToken recording who issued the token (Token.Issuer;
// "" for none). It returns the errors of IssueToken.
func (s *Service) IssueTokenBy(issuer, userID string, ttl time.Duration) (secret string, t Token, err error) {
	switch {
	case ttl < 0:
		return "", Token{}, &FieldError{"ttl", reasonTTLNegative}
	case ttl == 0:
		ttl = s.defTTL
	case ttl > s.maxTTL:
		return "", Token{}, &FieldError{"ttl", reasonTTLTooLong}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.User(userID)
	if err != nil {
		return "", Token{}, err
	}
	if u.Disabled {
		return "", Token{}, ErrNoUser
	}
	var h [hashLen]byte
	for {
		var raw [secretBytes]byte
		if _, err := rand.Read(raw[:]); err != nil {
			return "", Token{}, fmt.Errorf("access: token secret: %w", err)
		}
		secret = secretPrefix + secretEncoding.EncodeToString(raw[:])
		h = hashSecret(secret)
		// Token ids are 64-bit prefixes of the hash; keep them unique.
		n, err := s.tokensWithID([tokenIDLen]byte(h[:tokenIDLen]), nil)
		if err != nil {
			return "", Token{}, err
		}
		if n == 0 {
			break
		}
	}
	now := s.now()
	t = Token{ID: tokenID(h), User: u.ID, Created: now, Expires: now.Add(ttl), Issuer: issuer}
	v, err := appendRecord(nil, &t)
	if err != nil {
		return "", Token{}, fmt.Errorf("access: encode token: %w", err)
	}
	err = s.reg.PutRecords(
		register.Record{Space: register.SpaceTokens, Key: tokenKey(h), Value: v},
		register.Record{Space: register.SpaceUsers, Key: userTokenKey(u.ID, [tokenIDLen]byte(h[:tokenIDLen])), Value: h[:]},
	)
	if err != nil {
		return "", Token{}, fmt.Errorf("access: write token: %w", err)
	}
	s.log.Info("access: token issued", "user", u.ID, "token", t.ID, "expires", t.Expires, "issuer", issuer)
	return secret, t, nil
}

// tokensWithID counts the token records whose hash starts with id and
// calls fn (if not nil) with each key and record.
func (s *Service) tokensWithID(id [tokenIDLen]byte, fn func(h [hashLen]byte, t Token)) (int, error) {
	n := 0
	var derr error
	err := s.reg.ScanRecords(register.SpaceTokens, id[:], tokenIDEnd(id), false, func(k, v []byte) bool {
		if len(k) != hashLen {
			derr = fmt.Errorf("%w: token key", ErrCorrupt)
			return false
		}
		n++
		if fn != nil {
			var t Token
			if derr = decodeRecord(v, &t); derr != nil {
				return false
			}
			fn([hashLen]byte(k), t)
		}
		return true
	})
	if err != nil {
		return 0, fmt.Errorf("access: scan tokens: %w", err)
	}
	return n, derr
}

// RevokeToken revokes the token with the given public id. Revoking a
// revoked token again is not an error. It returns ErrNoToken (also for a
// malformed id) or a storage error.
func (s *Service) RevokeToken(id string) error {
	tid, ok := parseTokenID(id)
	if !ok {
		return ErrNoToken
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var recs []register.Record
	var encErr error
	n, err := s.tokensWithID(tid, func(h [hashLen]byte, t Token) {
		if t.Revoked {
			return
		}
		t.Revoked = true
		v, err := appendRecord(nil, &t)
		if err != nil {
			encErr = err
			return
		}
		recs = append(recs, register.Record{Space: register.SpaceTokens, Key: tokenKey(h), Value: v})
	})
	switch {
	case err != nil:
		return err
	case encErr != nil:
		return fmt.Errorf("access: encode token: %w", encErr)
	case n == 0:
		return ErrNoToken
	}
	if err := s.reg.PutRecords(recs...); err != nil {
		return fmt.Errorf("access: write token: %w", err)
	}
	if len(recs) > 0 {
		s.log.Info("access: token revoked", "token", id)
	}
	return nil
}

// Tokens returns the user's tokens, expired and revoked ones included,
// oldest first. It returns ErrNoUser if the user does not exist.
func (s *Service) Tokens(userID string) ([]Token, error) {
	if _, err := s.User(userID); err != nil {
		return nil, err
	}
	var hashes [][hashLen]byte
	if err := s.scanUserTokens(userID, func(_ []byte, h [hashLen]byte) { hashes = append(hashes, h) }); err != nil {
		return nil, err
	}
	tokens := make([]Token, 0, len(hashes))
	for _, h := range hashes {
		v, err := s.reg.GetRecord(register.SpaceTokens, tokenKey(h))
		if errors.Is(err, register.ErrNotFound) {
			continue // pruned or deleted meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("access: read token: %w", err)
		}
		var t Token
		if err := decodeRecord(v, &t); err != nil {
			return nil, err
		}
		tokens = append(tokens, t)
	}
	slices.SortFunc(tokens, func(a, b Token) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return tokens, nil
}

// Authenticate checks a secret and returns its user and token.
//
// It returns ErrNoToken for an empty, malformed or unknown secret,
// ErrRevoked, ErrExpired, ErrNoUser if the user was disabled or deleted,
// or a storage error. Errors never contain the secret.
func (s *Service) Authenticate(secret string) (User, Token, error) {
	if !wellFormed(secret) {
		return User{}, Token{}, ErrNoToken
	}
	h := hashSecret(secret)
	v, err := s.reg.GetRecord(register.SpaceTokens, tokenKey(h))
	if errors.Is(err, register.ErrNotFound) {
		return User{}, Token{}, ErrNoToken
	}
	if err != nil {
		return User{}, Token{}, fmt.Errorf("access: read token: %w", err)
	}
	var t Token
	if err := decodeRecord(v, &t); err != nil {
		return User{}, Token{}, err
	}
	if t.ID != tokenID(h) {
		return User{}, Token{}, fmt.Errorf("%w: token id", ErrCorrupt)
	}
	switch {
	case t.Revoked:
		return User{}, t, ErrRevoked
	case !s.now().Before(t.Expires):
		return User{}, t, ErrExpired
	}
	u, err := s.User(t.User)
	if err != nil {
		return User{}, t, err
	}
	if u.Disabled {
		return User{}, t, ErrNoUser
	}
	return u, t, nil
}

// PruneTokens deletes the tokens that expired before the given time
// (revoked or not), so the token space does not grow forever. It returns
// how many it deleted.
func (s *Service) PruneTokens(before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var recs []register.Record
	var derr error
	err := s.reg.ScanRecords(register.SpaceTokens, nil, nil, false, func(k, v []byte) bool {
		var t Token
		if len(k) != hashLen {
			derr = fmt.Errorf("%w: token key", ErrCorrupt)
			return false
		}
		if derr = decodeRecord(v, &t); derr != nil {
			return false
		}
		if t.Expires.Before(before) {
			h := [hashLen]byte(k)
			recs = append(recs,
				register.Record{Space: register.SpaceTokens, Key: bytes.Clone(k), Delete: true},
				register.Record{Space: register.SpaceUsers, Key: userTokenKey(t.User, [tokenIDLen]byte(h[:tokenIDLen])), Delete: true})
		}
		return true
	})
	if err != nil {
		return 0, fmt.Errorf("access: scan tokens: %w", err)
	}
	if derr != nil {
		return 0, derr
	}
	for chunk := range slices.Chunk(recs, 2*pruneBatch) { // a token and its index entry stay together
		if err := s.reg.PutRecords(chunk...); err != nil {
			return 0, fmt.Errorf("access: prune tokens: %w", err)
		}
	}
	if len(recs) > 0 {
		s.log.Info("access: tokens pruned", "tokens", len(recs)/2)
	}
	return len(recs) / 2, nil
}
