package access

import (
	"errors"
	"fmt"
	"time"

	"cpr/date"
	"cpr/pnr"
	"cpr/register"
)

// Rules are the thresholds of the unusual-pattern rules. Zero fields take
// the defaults.
type Rules struct {
	// ManyPersons: flag a user who reads more than this many distinct
	// persons (default 50) ...
	ManyPersons int
	// ... within this window (default 10 minutes).
	Window time.Duration
	// OfficeStart and OfficeEnd are office hours in Copenhagen time on
	// weekdays, [OfficeStart:00, OfficeEnd:00) (default 7 and 18; both
	// zero means the defaults). Reads outside them, or on a Saturday or
	// Sunday, are flagged. Public holidays are not known.
	OfficeStart, OfficeEnd int
}

// The rule names of a Flag.
const (
	RuleManyPersons     = "many_persons"
	RuleOffHours        = "off_hours"
	RuleOtherKommune    = "other_kommune"
	RuleProtectedPerson = "protected_person"
	// RuleReadLimit: a read refused with 429 because the user reached the
	// API's read limit (a denied access log entry with status 429).
	RuleReadLimit = "read_limit"
)

// withDefaults fills in zero fields; ok is false if the office hours were
// out of range and replaced by the defaults.
func (r Rules) withDefaults() (Rules, bool) {
	if r.ManyPersons <= 0 {
		r.ManyPersons = 50
	}
	if r.Window <= 0 {
		r.Window = 10 * time.Minute
	}
	if r.OfficeStart == 0 && r.OfficeEnd == 0 {
		r.OfficeStart, r.OfficeEnd = 7, 18
	}
	if r.OfficeStart < 0 || r.OfficeStart >= r.OfficeEnd || r.OfficeEnd > 24 {
		r.OfficeStart, r.OfficeEnd = 7, 18
		return r, false
	}
	return r, true
}

// Flag is one unusual pattern found in the access log.
type Flag struct {
	Rule string `json:"rule"` // one of the Rule constants
	User string `json:"user"`
	// At is the time of the entry that raised the flag.
	At time.Time `json:"at"`
	// Count is the number of entries involved: 1 for the single-read
	// rules; for many_persons, the user's reads in the window.
	Count int `json:"count"`
	// PNR is the person read, for the single-read rules (auditors may see
	// it); zero for many_persons.
	PNR pnr.PNR `json:"pnr,omitzero"`
	// Entry is the id of the access log entry that raised the flag.
	Entry string `json:"entry,omitempty"`
}

// Flags applies the rules to the successful reads (Outcome "read") and
// the reads refused over the read limit (Outcome "denied", status 429)
// logged with from <= Time < to (zero times are open ends), oldest first:
//
//   - many_persons: a user read more than Rules.ManyPersons distinct
//     persons within Rules.Window. Raised at the read that crossed the
//     line, then not again for that user until a window later. Reads up to
//     a window before from count towards it.
//   - off_hours: a read outside office hours or at a weekend (a citizen
//     reading their own data is never flagged).
//   - other_kommune: a clerk read a person whose kommune (when known)
//     differs from the clerk's.
//   - protected_person: a read of a protected person by anyone but the
//     citizen themself.
//   - read_limit: a read refused because the user reached the read limit.
//
// It returns a *FieldError (field "to") or a storage error.
func (s *Service) Flags(from, to time.Time) ([]Flag, error) {
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return nil, &FieldError{"to", reasonToBeforeFrom}
	}
	scanFrom := from
	if !from.IsZero() {
		scanFrom = from.Add(-s.rules.Window)
	}
	lo, hi, ok := idRange(scanFrom, to)
	if !ok {
		return nil, nil
	}
	f := flagger{s: s, rules: s.rules, from: from, users: map[string]*userWindow{}, citizens: map[string]pnr.PNR{}}
	var cbErr error
	err := s.reg.ScanRecords(register.SpaceAccessLog, appendLogKey(nil, lo), appendLogKey(nil, hi), false, func(k, v []byte) bool {
		var e Entry
		if e, cbErr = s.scanned(register.SpaceAccessLog, k, v); cbErr != nil {
			return false
		}
		if (e.Outcome != OutcomeRead && !readLimited(&e)) || (!to.IsZero() && !e.Time.Before(to)) || (!scanFrom.IsZero() && e.Time.Before(scanFrom)) {
			return true
		}
		cbErr = f.add(&e)
		return cbErr == nil
	})
	if err != nil {
		return nil, fmt.Errorf("access: scan log: %w", err)
	}
	return f.flags, cbErr
}

// flagger applies the rules to reads in time order.
type flagger struct {
	s        *Service
	rules    Rules
	from     time.Time
	users    map[string]*userWindow
	citizens map[string]pnr.PNR // citizen user id -> own pnr (0: not a known citizen)
	flags    []Flag
}

// userWindow is one user's reads within the last window.
type userWindow struct {
	reads   []read // oldest first; reads[head:] are in the window
	head    int
	persons map[pnr.PNR]int // reads per person in the window
	flagged time.Time       // last many_persons flag (zero: none)
}

type read struct {
	at time.Time
	p  pnr.PNR
}

func (f *flagger) add(e *Entry) error {
	inRange := f.from.IsZero() || !e.Time.Before(f.from)
	if readLimited(e) {
		if inRange {
			f.flags = append(f.flags, Flag{Rule: RuleReadLimit, User: e.User, At: e.Time, Count: 1, PNR: e.PNR, Entry: e.ID})
		}
		return nil
	}
	if !e.PNR.IsZero() && e.User != "" {
		f.manyPersons(e, inRange)
	}
	if !inRange {
		return nil
	}
	single := func(rule string) {
		f.flags = append(f.flags, Flag{Rule: rule, User: e.User, At: e.Time, Count: 1, PNR: e.PNR, Entry: e.ID})
	}
	if e.Role == RoleCitizen {
		// A citizen reading their own data is what the insight is for.
		if own, err := f.isOwn(e); err != nil || own {
			return err
		}
	}
	if f.offHours(e.Time) {
		single(RuleOffHours)
	}
	if e.Role == RoleClerk && e.PersonKommune != 0 && e.UserKommune != 0 && e.PersonKommune != e.UserKommune {
		single(RuleOtherKommune)
	}
	if e.Protected {
		own, err := f.isOwn(e)
		if err != nil {
			return err
		}
		if !own {
			single(RuleProtectedPerson)
		}
	}
	return nil
}

func (f *flagger) manyPersons(e *Entry, inRange bool) {
	w := f.users[e.User]
	if w == nil {
		w = &userWindow{persons: map[pnr.PNR]int{}}
		f.users[e.User] = w
	}
	start := e.Time.Add(-f.rules.Window)
	for w.head < len(w.reads) && !w.reads[w.head].at.After(start) {
		old := w.reads[w.head].p
		if w.persons[old]--; w.persons[old] == 0 {
			delete(w.persons, old)
		}
		w.head++
	}
	if w.head > len(w.reads)/2 { // reuse the slice's front
		n := copy(w.reads, w.reads[w.head:])
		w.reads, w.head = w.reads[:n], 0
	}
	w.reads = append(w.reads, read{e.Time, e.PNR})
	w.persons[e.PNR]++
	if len(w.persons) > f.rules.ManyPersons && inRange &&
		(w.flagged.IsZero() || !e.Time.Before(w.flagged.Add(f.rules.Window))) {
		w.flagged = e.Time
		f.flags = append(f.flags, Flag{Rule: RuleManyPersons, User: e.User, At: e.Time,
			Count: len(w.reads) - w.head, Entry: e.ID})
	}
}

// readLimited reports whether e is a read refused over the read limit.
func readLimited(e *Entry) bool { return e.Outcome == OutcomeDenied && e.Status == 429 }

// offHours reports whether t is outside office hours in Copenhagen.
func (f *flagger) offHours(t time.Time) bool {
	c := t.In(date.Copenhagen)
	if wd := c.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return true
	}
	h := c.Hour()
	return h < f.rules.OfficeStart || h >= f.rules.OfficeEnd
}

// isOwn reports whether e is a citizen reading their own data: the user is
// (still) a citizen user with e's pnr.
func (f *flagger) isOwn(e *Entry) (bool, error) {
	if e.Role != RoleCitizen {
		return false, nil
	}
	own, ok := f.citizens[e.User]
	if !ok {
		u, err := f.s.User(e.User)
		switch {
		case err == nil && u.Role == RoleCitizen:
			own = u.PNR
		case err == nil, errors.Is(err, ErrNoUser):
		default:
			return false, err
		}
		f.citizens[e.User] = own
	}
	return own != 0 && own == e.PNR, nil
}
