// Package subscription is the distribution register (fordelingsregister):
// the subscribers, what each may receive (its data scope) and whom it
// receives (its circle), and the routing of every change to the
// subscribers whose circle it touches.
//
// A circle is made of selectors and filters. The selectors say whose
// changes: persons marked by the subscriber (pnr marks, each with the
// subscriber's own customer key), and everyone living in given kommuner
// before or after a change. A circle with no selector is the whole
// population. The filters narrow it: an age range, and change kinds.
package subscription

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"cpr/address"
	"cpr/register"
)

// Kind is the kind of subscriber.
type Kind string

// The kinds of subscriber. Private subscribers never receive a pnr (they
// get their customer key) nor the name or address of a protected person,
// and always the protections; research subscribers get pseudonyms and
// dates to the month only, and never the ResearchRefused scopes.
const (
	Public   Kind = "public"
	Private  Kind = "private"
	Research Kind = "research"
)

// Scope is the set of records a subscriber may receive.
type Scope uint16

// The scopes.
const (
	ScopePerson Scope = 1 << iota
	ScopeAddress
	ScopeClearAddress
	ScopeProtection
	ScopeName
	ScopeCivil
	ScopeChildren
	ScopeParents
	ScopeHistory
)

var scopeNames = []struct {
	name string
	s    Scope
}{
	{"person", ScopePerson}, {"address", ScopeAddress}, {"clear_address", ScopeClearAddress},
	{"protection", ScopeProtection}, {"name", ScopeName}, {"civil_status", ScopeCivil},
	{"children", ScopeChildren}, {"parents", ScopeParents}, {"history", ScopeHistory},
}

// ResearchRefused is what a research subscriber may never receive: what
// names or locates a person (name, address, clear-text address,
// protection) or links it to other persons (parents, children).
const ResearchRefused = ScopeName | ScopeAddress | ScopeClearAddress | ScopeProtection | ScopeParents | ScopeChildren

// Allowed is the scope a subscriber is given whatever it stores: a
// research subscriber never the ResearchRefused scopes (a subscriber
// stored before the rule keeps none of them), a private subscriber always
// the protections, so it can honour them (it gets no name or address of a
// person under 0001 and must not use a 0002 or 0003 person for local
// directories or marketing).
func (s *Subscriber) Allowed() Scope {
	switch s.Kind {
	case Research:
		return s.Scope &^ ResearchRefused
	case Private:
		return s.Scope | ScopeProtection
	}
	return s.Scope
}

// Has reports whether s includes t.
func (s Scope) Has(t Scope) bool { return s&t == t }

// Names lists the scope's names.
func (s Scope) Names() []string {
	out := []string{}
	for _, n := range scopeNames {
		if s.Has(n.s) {
			out = append(out, n.name)
		}
	}
	return out
}

// ParseScope reads scope names; "person" is always included.
func ParseScope(names []string) (Scope, error) {
	s := ScopePerson
	for _, n := range names {
		i := slices.IndexFunc(scopeNames, func(x struct {
			name string
			s    Scope
		}) bool {
			return x.name == n
		})
		if i < 0 {
			return 0, &FieldError{"scope", "unknown scope; use person, address, clear_address, protection, name, civil_status, children, parents, history"}
		}
		s |= scopeNames[i].s
	}
	return s, nil
}

// Circle is whom a subscriber receives.
type Circle struct {
	Kommuner []uint16
	AgeMin   int // 0: no lower bound
	AgeMax   int // 0: no upper bound
	Kinds    []register.Kind
	// Marks makes pnr marks a selector of the circle (always so for
	// private subscribers): without kommuner, only marked persons.
	Marks bool
}

// Subscriber is one recipient of extracts and of the live stream.
type Subscriber struct {
	ID         string
	Name       string
	Kind       Kind
	TaskNumber int // opgavenr, 1-999999: names the extract files
	Scope      Scope
	Circle     Circle
	Secret     [32]byte // research pseudonym key; never leaves the register
	Created    time.Time
	Updated    time.Time
}

// Errors.
var (
	ErrInvalid  = errors.New("subscription: invalid input")
	ErrNotFound = errors.New("subscription: no such subscriber")
	ErrNoMark   = errors.New("subscription: no such mark")
	ErrCorrupt  = errors.New("subscription: corrupt data")
	// ErrNotAllowed is a well-formed field the subscriber's kind may not
	// have (a research subscriber's name or address scope).
	ErrNotAllowed = errors.New("subscription: not allowed for this kind of subscriber")
)

// FieldError is bad input in one field; it matches ErrInvalid.
type FieldError struct{ Field, Reason string }

func (e *FieldError) Error() string        { return "subscription: " + e.Field + ": " + e.Reason }
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// NotAllowedError is a field the subscriber's kind may not have: it
// matches ErrNotAllowed (not ErrInvalid), and errors.As finds its
// FieldError.
type NotAllowedError struct{ FieldError }

func (e *NotAllowedError) Is(target error) bool { return target == ErrNotAllowed }

// As lets errors.As find the FieldError.
func (e *NotAllowedError) As(target any) bool {
	if fe, ok := target.(**FieldError); ok {
		*fe = &e.FieldError
		return true
	}
	return false
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// MaxMarksPerCall bounds one bulk mark request.
const MaxMarksPerCall = 100_000

func (s *Subscriber) check() error {
	switch {
	case !idPattern.MatchString(s.ID):
		return &FieldError{"id", "must be 1-40 of a-z, 0-9, _ and -, starting with a letter or digit"}
	case s.Name == "" || len(s.Name) > 100:
		return &FieldError{"name", "is required, at most 100 characters"}
	case !PlainText(s.Name):
		return &FieldError{"name", "must be valid UTF-8 without control or format characters"}
	case s.Kind != Public && s.Kind != Private && s.Kind != Research:
		return &FieldError{"kind", "must be public, private or research"}
	case s.TaskNumber < 1 || s.TaskNumber > 999_999:
		return &FieldError{"task_number", "must be 1-999999"}
	case s.Circle.AgeMin < 0 || s.Circle.AgeMax < 0 || (s.Circle.AgeMax != 0 && s.Circle.AgeMax < s.Circle.AgeMin) || s.Circle.AgeMax > 150:
		return &FieldError{"circle.age", "min and max must be 0-150 with min <= max"}
	}
	if refused := s.Scope & ResearchRefused; s.Kind == Research && refused != 0 {
		return &NotAllowedError{FieldError{"scope", "a research subscriber may not receive " + strings.Join(refused.Names(), ", ") +
			" (it gets pseudonyms, sex, birth year and month, status, civil status and history, dates to the month)"}}
	}
	for _, k := range s.Circle.Kommuner {
		if _, ok := address.LookupKommune(k); !ok {
			return &FieldError{"circle.kommuner", fmt.Sprintf("unknown kommune %04d", k)}
		}
	}
	for _, k := range s.Circle.Kinds {
		if k.String() == "unknown" {
			return &FieldError{"circle.kinds", "unknown change kind"}
		}
	}
	return nil
}

// PlainText reports whether s is valid UTF-8 without control or format
// characters (which could end up in files and logs).
func PlainText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return false
		}
	}
	return true
}
