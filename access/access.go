package access

import (
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"

	"cpr/register"
)

// Errors returned by this package. Returned errors wrap one of these (or a
// register error such as register.ErrUnavailable) and never contain a
// pnr, a name, an address or a token secret.
var (
	// ErrInvalid: bad input; the error is a *FieldError naming the field.
	ErrInvalid = errors.New("access: invalid input")
	// ErrExists: a user with that id already exists.
	ErrExists = errors.New("access: user already exists")
	// ErrCitizenExists: a citizen user for that pnr already exists (a
	// citizen has one user).
	ErrCitizenExists = errors.New("access: a citizen user for this pnr already exists")
	// ErrNoUser: no such user, or the user is disabled.
	ErrNoUser = errors.New("access: no such user")
	// ErrNoToken: empty, malformed or unknown token.
	ErrNoToken = errors.New("access: no such token")
	// ErrExpired: the token has expired.
	ErrExpired = errors.New("access: token expired")
	// ErrRevoked: the token was revoked.
	ErrRevoked = errors.New("access: token revoked")
	// ErrCorrupt: a stored record does not decode.
	ErrCorrupt = errors.New("access: corrupt record")
)

// FieldError reports which field of the input is wrong and why. Reason
// describes the rule that was broken and never quotes the input.
// errors.Is(err, ErrInvalid) is true for every *FieldError.
type FieldError struct {
	Field  string // the JSON name of the field
	Reason string
}

// Error returns "access: <field>: <reason>".
func (e *FieldError) Error() string { return "access: " + e.Field + ": " + e.Reason }

// Is reports whether target is ErrInvalid.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// Role is what a user may do.
type Role string

// The roles. The strings are stored and part of the API; never change them.
const (
	RoleClerk      Role = "clerk"      // registers changes in its own kommune
	RoleLookup     Role = "lookup"     // reads persons
	RoleAuditor    Role = "auditor"    // reads the access log and its flags
	RoleCitizen    Role = "citizen"    // reads its own data and its own access log
	RoleSubscriber Role = "subscriber" // reads its own extracts and stream
	RoleAdmin      Role = "admin"      // manages users and tokens
)

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool {
	switch r {
	case RoleClerk, RoleLookup, RoleAuditor, RoleCitizen, RoleSubscriber, RoleAdmin:
		return true
	}
	return false
}

// Options configures New. The zero value works.
type Options struct {
	// Clock gives token and log times (default time.Now).
	Clock func() time.Time
	// DefaultTTL is the lifetime of a token issued with ttl 0 (default 8h).
	DefaultTTL time.Duration
	// MaxTTL is the longest lifetime a token may be issued with (default
	// 90 days).
	MaxTTL time.Duration
	// Rules are the unusual-pattern rules of Flags; zero fields take
	// their defaults.
	Rules Rules
	// Logger gets operational messages: user and token ids, never a pnr,
	// a name or a secret (default: discard).
	Logger *slog.Logger
}

// Service keeps users, tokens and the access log in the register's record
// store. It is safe for concurrent use and starts no goroutines.
type Service struct {
	reg    *register.Register
	clock  func() time.Time
	defTTL time.Duration
	maxTTL time.Duration
	rules  Rules
	log    *slog.Logger

	// mu serialises the read-check-write of users and tokens (CreateUser,
	// SetDisabled, DeleteUser, IssueToken, RevokeToken, PruneTokens). The
	// access log does not take it.
	mu sync.Mutex
	// citizensIndexed: the citizen index (U | 0x01 | pnr) is complete;
	// guarded by mu.
	citizensIndexed bool

	ids idSource
}

// New returns a service on reg. The register must stay open while the
// service is used; the service has nothing to close.
func New(reg *register.Register, o Options) *Service {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.DefaultTTL <= 0 {
		o.DefaultTTL = 8 * time.Hour
	}
	if o.MaxTTL <= 0 {
		o.MaxTTL = 90 * 24 * time.Hour
	}
	if o.DefaultTTL > o.MaxTTL {
		o.DefaultTTL = o.MaxTTL
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	rules, ok := o.Rules.withDefaults()
	if !ok {
		o.Logger.Warn("access: office hours out of range, using the defaults",
			"office_start", o.Rules.OfficeStart, "office_end", o.Rules.OfficeEnd)
	}
	return &Service{
		reg: reg, clock: o.Clock, defTTL: o.DefaultTTL, maxTTL: o.MaxTTL, rules: rules, log: o.Logger,
		ids: idSource{entropy: ulid.Monotonic(rand.Reader, 0)},
	}
}

// now is the clock's time in UTC, without a monotonic reading.
func (s *Service) now() time.Time { return s.clock().UTC() }

// idSource makes access log ids: ULIDs, strictly increasing within a
// millisecond, safe for concurrent use.
type idSource struct {
	mu      sync.Mutex
	entropy *ulid.MonotonicEntropy
}

func (g *idSource) next(ms uint64) (ulid.ULID, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return ulid.New(ms, g.entropy)
}
