package register

import (
	"errors"
	"fmt"
)

// Errors returned by the register. None of them carries a pnr, a name or an
// address: they may leave the process.
var (
	ErrNotFound       = errors.New("register: person not found")
	ErrCorrupt        = errors.New("register: corrupt data")
	ErrFormatVersion  = errors.New("register: unknown storage format version")
	ErrClosed         = errors.New("register: closed")
	ErrUnavailable    = errors.New("register: storage unavailable")
	ErrInvalid        = errors.New("register: invalid input")
	ErrNotActive      = errors.New("register: person is not active")
	ErrDead           = errors.New("register: person is dead")
	ErrEmigrated      = errors.New("register: person has emigrated")
	ErrNotFree        = errors.New("register: person is not free to marry")
	ErrNotMarried     = errors.New("register: person is not married or in a partnership")
	ErrSamePerson     = errors.New("register: a person cannot marry themself")
	ErrUnderage       = errors.New("register: person is under the age of marriage")
	ErrFuture         = errors.New("register: effective date too far in the future")
	ErrTooEarly       = errors.New("register: effective date before the fact in force")
	ErrExists         = errors.New("register: person already registered")
	ErrNotEmigrated   = errors.New("register: person has not emigrated")
	ErrSameAddress    = errors.New("register: person already lives at that address")
	ErrNoSuchEntry    = errors.New("register: no such history entry")
	ErrNotProtected   = errors.New("register: person has no such protection")
	ErrPNRExhausted   = errors.New("register: no free pnr for that birth date")
	ErrIdempotencyKey = errors.New("register: idempotency key reused with another request")
	ErrNotEmpty       = errors.New("register: bulk load needs an empty register")
	ErrWrongKommune   = errors.New("register: the person belongs to another kommune")
)

// InputError is bad input in a change: which field and why. It wraps
// ErrInvalid, and Err when a lower layer (pnr, address, date) said why.
type InputError struct {
	Field  string
	Reason string
	Err    error
}

func (e *InputError) Error() string {
	return fmt.Sprintf("register: invalid %s: %s", e.Field, e.Reason)
}

// Is makes every InputError match ErrInvalid.
func (e *InputError) Is(target error) bool { return target == ErrInvalid }

// Unwrap returns the lower layer's error, if any.
func (e *InputError) Unwrap() error { return e.Err }

func invalid(field, reason string) error { return &InputError{Field: field, Reason: reason} }

func invalidErr(field string, err error) error {
	return &InputError{Field: field, Reason: err.Error(), Err: err}
}
