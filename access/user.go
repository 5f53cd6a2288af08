package access

import (
	"errors"
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"

	"cpr/address"
	"cpr/pnr"
	"cpr/register"
)

const (
	maxIDLen   = 64
	maxNameLen = 100
)

// User is a person or system allowed to call the register, with one role.
type User struct {
	// ID is 1-64 of a-z, 0-9, '.', '_', '-', starting with a letter or a
	// digit, and holding nothing that looks like a personnummer (user ids
	// appear in logs and in the access log index).
	ID   string `json:"id"`
	Role Role   `json:"role"`
	// Kommune is the clerk's kommune: required for clerks, a known
	// kommunekode; zero for every other role.
	Kommune uint16 `json:"kommune,omitempty"`
	// PNR is the citizen's own number: required for citizens, zero for
	// every other role.
	PNR pnr.PNR `json:"pnr,omitzero"`
	// Subscriber is the subscriber id: required for subscribers, empty for
	// every other role. It has the syntax of a user id.
	Subscriber string `json:"subscriber,omitempty"`
	// Name is the display name of an official: at most 100 characters, no
	// control characters; not stored for citizens.
	Name string `json:"name,omitempty"`
	// Created is set by CreateUser when zero.
	Created time.Time `json:"created"`
	// Disabled users cannot authenticate or be issued tokens.
	Disabled bool `json:"disabled,omitempty"`
}

// Reasons of FieldErrors. They never quote the input.
const (
	reasonRequired     = "required"
	reasonIDSyntax     = "must be 1-64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit"
	reasonIDPNR        = "must not contain a personnummer"
	reasonRole         = "must be clerk, lookup, auditor, citizen, subscriber or admin"
	reasonKommune      = "unknown kommune"
	reasonOnlyClerk    = "only for clerks"
	reasonOnlyCitizen  = "only for citizens"
	reasonOnlySubscr   = "only for subscribers"
	reasonPNR          = "not a valid personnummer"
	reasonName         = "must be at most 100 characters without control characters"
	reasonNameCitizen  = "not stored for citizens"
	reasonClerkReq     = "required for clerks"
	reasonCitizenReq   = "required for citizens"
	reasonSubscrReq    = "required for subscribers"
	reasonTTLNegative  = "must not be negative"
	reasonTTLTooLong   = "longer than the longest token lifetime"
	reasonTooLong      = "too long"
	reasonUTF8         = "must be valid UTF-8"
	reasonOutcome      = "must be read, denied, changed, replayed, refused or admin"
	reasonTokenID      = "must be a public token id (16 lowercase hex digits)"
	reasonPersons      = "must be 0-2147483647"
	reasonRule         = "must be many_persons, off_hours, other_kommune, protected_person or move_from_other_kommune"
	reasonStatus       = "must be an HTTP status 100-599"
	reasonEntryID      = "must be a ULID"
	reasonEntryIDTime  = "the ULID's time must be the entry's time (to the millisecond)"
	reasonTimeRange    = "out of range"
	reasonLimit        = "must be 0-1000"
	reasonCursor       = "not a cursor from an earlier answer"
	reasonToBeforeFrom = "must not be before from"
)

// validID checks the syntax of a user or subscriber id.
func validID(field, id string) error {
	if id == "" {
		return &FieldError{field, reasonRequired}
	}
	if len(id) > maxIDLen {
		return &FieldError{field, reasonIDSyntax}
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case (c == '.' || c == '_' || c == '-') && i > 0:
		default:
			return &FieldError{field, reasonIDSyntax}
		}
	}
	if looksLikePNR(id) {
		return &FieldError{field, reasonIDPNR}
	}
	return nil
}

// looksLikePNR reports whether s holds 10 or more digits in a row, or 6
// digits, one separator and 4 digits: ids are logged, so they must not
// carry a personnummer.
func looksLikePNR(s string) bool {
	prev := -1 // length of the digit run before the last single separator
	run := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			run++
			if run >= 10 || (prev >= 6 && run >= 4) {
				return true
			}
			continue
		}
		if run > 0 {
			prev = run
		} else {
			prev = -1 // two separators in a row
		}
		run = 0
	}
	return false
}

func validName(name string) bool {
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxNameLen {
		return false
	}
	for _, r := range name {
		// U+FFFD stands for bytes that were not UTF-8 (encoding/json
		// puts it there); format characters can reverse what is shown.
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return false
		}
	}
	return true
}

// validate checks u; it returns a *FieldError for the first wrong field.
func (u *User) validate() error {
	if err := validID("id", u.ID); err != nil {
		return err
	}
	if !u.Role.Valid() {
		return &FieldError{"role", reasonRole}
	}
	switch {
	case u.Role == RoleClerk && u.Kommune == 0:
		return &FieldError{"kommune", reasonClerkReq}
	case u.Role != RoleClerk && u.Kommune != 0:
		return &FieldError{"kommune", reasonOnlyClerk}
	case u.Kommune != 0:
		if _, ok := address.LookupKommune(u.Kommune); !ok {
			return &FieldError{"kommune", reasonKommune}
		}
	}
	switch {
	case u.Role == RoleCitizen && u.PNR.IsZero():
		return &FieldError{"pnr", reasonCitizenReq}
	case u.Role != RoleCitizen && !u.PNR.IsZero():
		return &FieldError{"pnr", reasonOnlyCitizen}
	case !u.PNR.IsZero() && !u.PNR.Valid():
		return &FieldError{"pnr", reasonPNR}
	}
	switch {
	case u.Role == RoleSubscriber && u.Subscriber == "":
		return &FieldError{"subscriber", reasonSubscrReq}
	case u.Role != RoleSubscriber && u.Subscriber != "":
		return &FieldError{"subscriber", reasonOnlySubscr}
	case u.Subscriber != "":
		if err := validID("subscriber", u.Subscriber); err != nil {
			return err
		}
	}
	switch {
	case u.Role == RoleCitizen && u.Name != "":
		return &FieldError{"name", reasonNameCitizen}
	case !validName(u.Name):
		return &FieldError{"name", reasonName}
	}
	return nil
}

// CreateUser validates and stores a new user. A zero Created is set to
// now; times are stored in UTC. It returns the stored user. A citizen has
// one user: the pnr index (U | 0x01 | pnr) is written in the same batch.
//
// It returns a *FieldError (matching ErrInvalid) naming the wrong field,
// ErrExists if the id is taken, ErrCitizenExists if a citizen user with
// that pnr, or any other number the person has had (PNRs), exists, or a
// storage error.
func (s *Service) CreateUser(u User) (User, error) {
	if err := u.validate(); err != nil {
		return User{}, err
	}
	if u.Created.IsZero() {
		u.Created = s.now()
	}
	u.Created = u.Created.UTC()
	v, err := appendRecord(nil, &u)
	if err != nil {
		return User{}, fmt.Errorf("access: encode user: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch _, err := s.reg.GetRecord(register.SpaceUsers, userKey(u.ID)); {
	case err == nil:
		return User{}, ErrExists
	case !errors.Is(err, register.ErrNotFound):
		return User{}, fmt.Errorf("access: read user: %w", err)
	}
	recs := []register.Record{{Space: register.SpaceUsers, Key: userKey(u.ID), Value: v}}
	if u.Role == RoleCitizen {
		if err := s.indexCitizens(); err != nil {
			return User{}, err
		}
		// Any number the person has had: a pnr change does not make
		// room for a second user.
		pnrs, err := s.PNRs(u.PNR)
		if err != nil {
			return User{}, err
		}
		for _, n := range pnrs {
			switch _, err := s.reg.GetRecord(register.SpaceUsers, citizenKey(n)); {
			case err == nil:
				return User{}, ErrCitizenExists
			case !errors.Is(err, register.ErrNotFound):
				return User{}, fmt.Errorf("access: read citizen index: %w", err)
			}
		}
		recs = append(recs, register.Record{Space: register.SpaceUsers, Key: citizenKey(u.PNR), Value: []byte(u.ID)})
	}
	if err := s.reg.PutRecords(recs...); err != nil {
		return User{}, fmt.Errorf("access: write user: %w", err)
	}
	s.log.Info("access: user created", "user", u.ID, "role", string(u.Role))
	return u, nil
}

// indexCitizens writes the citizen index of the users stored before it
// existed, once per store (a migration; the key citizenIndexKey marks it
// done). Where an old store holds two citizen users of one pnr, the
// index names the first by id; both keep working. s.mu must be held.
func (s *Service) indexCitizens() error {
	if s.citizensIndexed {
		return nil
	}
	switch _, err := s.reg.GetRecord(register.SpaceUsers, citizenIndexKey()); {
	case err == nil:
		s.citizensIndexed = true
		return nil
	case !errors.Is(err, register.ErrNotFound):
		return fmt.Errorf("access: read citizen index: %w", err)
	}
	users, err := s.Users()
	if err != nil {
		return err
	}
	seen := map[pnr.PNR]bool{}
	var recs []register.Record
	for _, u := range users {
		if u.Role == RoleCitizen && !seen[u.PNR] {
			seen[u.PNR] = true
			recs = append(recs, register.Record{Space: register.SpaceUsers, Key: citizenKey(u.PNR), Value: []byte(u.ID)})
		}
	}
	recs = append(recs, register.Record{Space: register.SpaceUsers, Key: citizenIndexKey(), Value: []byte{valueVersion}})
	if err := s.reg.PutRecords(recs...); err != nil {
		return fmt.Errorf("access: write citizen index: %w", err)
	}
	s.citizensIndexed = true
	s.log.Info("access: citizen index built", "citizens", len(recs)-1)
	return nil
}

// User returns the user with the given id, disabled or not. It returns
// ErrNoUser or a storage error.
func (s *Service) User(id string) (User, error) {
	if validID("id", id) != nil {
		return User{}, ErrNoUser
	}
	v, err := s.reg.GetRecord(register.SpaceUsers, userKey(id))
	if errors.Is(err, register.ErrNotFound) {
		return User{}, ErrNoUser
	}
	if err != nil {
		return User{}, fmt.Errorf("access: read user: %w", err)
	}
	var u User
	if err := decodeRecord(v, &u); err != nil {
		return User{}, err
	}
	return u, nil
}

// Users returns every user, by id.
func (s *Service) Users() ([]User, error) {
	var users []User
	var derr error
	err := s.reg.ScanRecords(register.SpaceUsers, firstUserKey(), nil, false, func(_, v []byte) bool {
		var u User
		if derr = decodeRecord(v, &u); derr != nil {
			return false
		}
		users = append(users, u)
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("access: scan users: %w", err)
	}
	return users, derr
}

// SetDisabled disables or re-enables a user. A disabled user's tokens are
// kept but refused (ErrNoUser) until the user is enabled again. It
// returns ErrNoUser or a storage error.
func (s *Service) SetDisabled(id string, disabled bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.User(id)
	if err != nil {
		return err
	}
	if u.Disabled == disabled {
		return nil
	}
	u.Disabled = disabled
	v, err := appendRecord(nil, &u)
	if err != nil {
		return fmt.Errorf("access: encode user: %w", err)
	}
	if err := s.reg.PutRecords(register.Record{Space: register.SpaceUsers, Key: userKey(id), Value: v}); err != nil {
		return fmt.Errorf("access: write user: %w", err)
	}
	s.log.Info("access: user state changed", "user", id, "disabled", disabled)
	return nil
}

// DeleteUser deletes a user and all its tokens in one batch, so a later
// user with the same id cannot use them. Its access log entries stay. It
// returns ErrNoUser or a storage error.
func (s *Service) DeleteUser(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.User(id)
	if err != nil {
		return err
	}
	recs := []register.Record{{Space: register.SpaceUsers, Key: userKey(id), Delete: true}}
	if u.Role == RoleCitizen {
		switch v, err := s.reg.GetRecord(register.SpaceUsers, citizenKey(u.PNR)); {
		case err == nil && string(v) == id:
			recs = append(recs, register.Record{Space: register.SpaceUsers, Key: citizenKey(u.PNR), Delete: true})
		case err != nil && !errors.Is(err, register.ErrNotFound):
			return fmt.Errorf("access: read citizen index: %w", err)
		}
	}
	err = s.scanUserTokens(id, func(k []byte, h [hashLen]byte) {
		recs = append(recs,
			register.Record{Space: register.SpaceUsers, Key: k, Delete: true},
			register.Record{Space: register.SpaceTokens, Key: tokenKey(h), Delete: true})
	})
	if err != nil {
		return err
	}
	if err := s.reg.PutRecords(recs...); err != nil {
		return fmt.Errorf("access: delete user: %w", err)
	}
	s.log.Info("access: user deleted", "user", id, "tokens", (len(recs)-1)/2)
	return nil
}

// scanUserTokens calls fn with the index key (a copy) and the token hash
// of each of the user's tokens.
func (s *Service) scanUserTokens(user string, fn func(k []byte, h [hashLen]byte)) error {
	prefix := userTokenPrefix(user)
	var derr error
	err := s.reg.ScanRecords(register.SpaceUsers, prefix, userTokenEnd(user), false, func(k, v []byte) bool {
		if len(k) != len(prefix)+tokenIDLen || len(v) != hashLen {
			derr = fmt.Errorf("%w: token index", ErrCorrupt)
			return false
		}
		fn(append([]byte(nil), k...), [hashLen]byte(v))
		return true
	})
	if err != nil {
		return fmt.Errorf("access: scan tokens: %w", err)
	}
	return derr
}
