package api

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"

	"cpr/pnr"
	"cpr/register"
)

// A search cursor is opaque: the last person of a page, sealed with
// AES-256-GCM under a key the server draws when it starts, and bound to
// the user it was given to (the user id is the additional data). It
// carries no readable pnr, and a cursor from another server, from before
// a restart, of another user, or altered is refused with 400 on field
// cursor: cursors do not survive a restart, and a client starts its search
// again. A search page is cheap to redo, and a key kept on disk would be
// one more secret to guard.
type cursors struct{ aead cipher.AEAD }

// errCursor refuses a cursor this server did not give this user.
var errCursor = &fieldError{field: "cursor", reason: "is not a cursor this server gave you (cursors end when the server restarts)",
	err: register.ErrInvalid}

func newCursors() (*cursors, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &cursors{aead: aead}, nil
}

// seal is the cursor after p for user.
func (c *cursors) seal(user string, p pnr.PNR) string {
	nonce := make([]byte, c.aead.NonceSize(), c.aead.NonceSize()+10+c.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic(errors.New("api: no randomness for a cursor"))
	}
	return base64.RawURLEncoding.EncodeToString(c.aead.Seal(nonce, nonce, []byte(p.String()), []byte(user)))
}

// open reads a cursor of user's.
func (c *cursors) open(user, s string) (pnr.PNR, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	n := c.aead.NonceSize()
	if err != nil || len(b) < n+c.aead.Overhead() {
		return 0, errCursor
	}
	plain, err := c.aead.Open(nil, b[:n], b[n:], []byte(user))
	if err != nil {
		return 0, errCursor
	}
	p, err := pnr.Parse(string(plain))
	if err != nil {
		return 0, errCursor
	}
	return p, nil
}
