package api

import (
	"errors"
	"net"
	"sync"
	"time"

	"cpr/access"
)

// Why a call was not authenticated: the values of the reason label of
// cpr_http_unauthenticated_total. Never a token, a user or a pnr.
const (
	reasonMissing   = "missing"   // no Authorization header
	reasonScheme    = "scheme"    // not "Bearer <token>"
	reasonMalformed = "malformed" // not the shape of a token
	reasonUnknown   = "unknown"   // no such token
	reasonExpired   = "expired"
	reasonRevoked   = "revoked"
	reasonDisabled  = "disabled" // the token's user is disabled or deleted
)

// authReasons are every reason, so each series exists from the start.
var authReasons = []string{reasonMissing, reasonScheme, reasonMalformed, reasonUnknown, reasonExpired, reasonRevoked, reasonDisabled}

// authError is a call that was not authenticated (401): the reason, and
// the access error that picks the problem code.
type authError struct {
	reason string
	err    error
}

func (e *authError) Error() string { return "api: not authenticated: " + e.reason }
func (e *authError) Unwrap() error { return e.err }

// authFailure wraps an error of access.Authenticate; a storage error is
// returned as it is.
func authFailure(err error) error {
	for _, m := range []struct {
		err    error
		reason string
	}{
		{access.ErrNoToken, reasonUnknown},
		{access.ErrExpired, reasonExpired},
		{access.ErrRevoked, reasonRevoked},
		{access.ErrNoUser, reasonDisabled},
	} {
		if errors.Is(err, m.err) {
			return &authError{reason: m.reason, err: err}
		}
	}
	return err
}

// unauthenticated handles a 401: it sets WWW-Authenticate (RFC 6750
// section 3: error="invalid_token" when a bearer token was given but is
// not good), counts the call by reason and logs at most one line a
// second with the number of calls since the last line. Nothing is
// stored: a flood of bad tokens must not grow the database.
func (c *call) unauthenticated(err error) {
	reason := reasonUnknown
	var ae *authError
	if errors.As(err, &ae) {
		reason = ae.reason
	}
	challenge := `Bearer realm="cpr"`
	if reason != reasonMissing && reason != reasonScheme {
		challenge += `, error="invalid_token"`
	}
	c.w.Header().Set("WWW-Authenticate", challenge)
	c.s.metrics.unauthenticated.WithLabelValues(reason).Inc()
	if n, ok := c.s.unauthLog.take(time.Now()); ok {
		host, _, _ := net.SplitHostPort(c.r.RemoteAddr)
		c.s.log.Warn("api: unauthenticated calls", "reason", reason, "route", c.rt.pattern, "remote", host,
			"calls_since_last_line", n)
	}
}

// sampler lets one log line through per interval and counts the rest.
type sampler struct {
	interval time.Duration
	mu       sync.Mutex
	last     time.Time
	calls    int
}

// take counts a call; ok is true when a line may be written, with the
// calls counted since the last line (this one included).
func (s *sampler) take(now time.Time) (calls int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if !s.last.IsZero() && now.Sub(s.last) < s.interval {
		return 0, false
	}
	calls, s.calls, s.last = s.calls, 0, now
	return calls, true
}
