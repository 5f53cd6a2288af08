package access

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

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
	// DeniedReads: flag a user refused access (403) more than this many
	// times (default 10) within Window.
	DeniedReads int
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
	// RuleMoveFromOtherKommune: a clerk registered a move into their
	// kommune of a person who lived in another one.
	RuleMoveFromOtherKommune = "move_from_other_kommune"
	// RuleReadLimit: a read refused with 429 because the user reached the
	// API's read limit (a denied access log entry with status 429).
	RuleReadLimit = "read_limit"
	// RuleDeniedReads: a user was refused access (403) more than
	// Rules.DeniedReads times within Rules.Window.
	RuleDeniedReads = "denied_reads"
)

// CallMove is the call of a registered move in the log (the route
// pattern; stored, so never changed).
const CallMove = "POST /v1/persons/{pnr}/moves"

// ruleOrder is the order of a single entry's flags; a page of flags is
// ordered by entry id, then by this.
var ruleOrder = []string{RuleManyPersons, RuleOffHours, RuleOtherKommune, RuleProtectedPerson, RuleMoveFromOtherKommune, RuleReadLimit, RuleDeniedReads}

// RuleNames returns the rule names in order.
func RuleNames() []string { return append([]string(nil), ruleOrder...) }

// withDefaults fills in zero fields; ok is false if the office hours were
// out of range and replaced by the defaults.
func (r Rules) withDefaults() (Rules, bool) {
	if r.ManyPersons <= 0 {
		r.ManyPersons = 50
	}
	if r.DeniedReads <= 0 {
		r.DeniedReads = 10
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
	// Count is the number of persons involved: 1 for the single-entry
	// rules. A many_persons flag stands for the user's reads from the
	// window before it (At - Window < t <= At) to the end of its hold-back
	// (At <= t < At + Window, no other many_persons flag of the user in
	// it): Count is the distinct persons the user read in that span, of
	// the entries before the query's To. A denied_reads flag likewise
	// counts the user's refusals (403) in the same span.
	Count int `json:"count"`
	// PNR is the person read, for the single-read rules (auditors may see
	// it); zero for many_persons.
	PNR pnr.PNR `json:"pnr,omitzero"`
	// Entry is the id of the access log entry that raised the flag.
	Entry string `json:"entry,omitempty"`
}

// FlagQuery selects flags.
type FlagQuery struct {
	// From and To select the entries with From <= Time < To; zero is
	// open.
	From, To time.Time
	// Rule, when set, selects the flags of one rule (Totals still count
	// every rule).
	Rule string
	// Limit is the page size: 0 means 100; at most 1000.
	Limit int
	// Cursor continues from an earlier answer's Next.
	Cursor string
}

// FlagPage is one page of flags.
type FlagPage struct {
	// Flags are oldest first (by entry, then rule).
	Flags []Flag `json:"flags"`
	// Next is the Cursor of the following page; "" after the last.
	Next string `json:"next"`
	// Totals counts the flags of each rule over the whole of [From, To),
	// every rule named (0 when none).
	Totals map[string]int `json:"totals"`
}

// Flags applies the rules to the entries logged with From <= Time < To
// (zero times are open ends), oldest first, and returns a page of the
// flags with the totals of the window:
//
//   - many_persons: a user read more than Rules.ManyPersons distinct
//     persons within Rules.Window. Raised at the read that crossed the
//     line, then not again for that user until a window later. Reads up to
//     a window before From count towards it. Count is the distinct
//     persons from the window before the flag to the end of its
//     hold-back (see Flag.Count).
//   - off_hours: a read outside office hours or at a weekend (a citizen
//     reading their own data is never flagged).
//   - other_kommune: a clerk read a person whose kommune (when known)
//     differs from the clerk's.
//   - protected_person: a read of a protected person by anyone but the
//     citizen themself.
//   - move_from_other_kommune: every move a clerk registered (outcome
//     changed, call CallMove) of a person who lived in another kommune
//     (PersonKommune, the kommune before the move) than the clerk's. The
//     receiving kommune registers every move in, so each such flag is an
//     ordinary act; it is flagged because it is the one write that brings
//     a person of another kommune under the clerk's hand.
//   - read_limit: a read refused with 429 because the user reached the
//     API's read limit (a denied entry with status 429).
//   - denied_reads: a user refused access (a denied entry with status
//     403) more than Rules.DeniedReads times within Rules.Window; raised
//     and held back like many_persons.
//
// Only successful reads (outcome read), accepted changes, reads refused
// over the read limit and refusals of access (403) count. The
// whole window is scanned for every page, so the totals are the same on
// every page of one window: give From and To to page a fixed window.
//
// It returns a *FieldError (fields to, rule, limit, cursor) or a storage
// error.
func (s *Service) Flags(q FlagQuery) (FlagPage, error) {
	limit := q.Limit
	switch {
	case limit < 0 || limit > maxLimit:
		return FlagPage{}, &FieldError{"limit", reasonLimit}
	case limit == 0:
		limit = defaultLimit
	}
	if q.Rule != "" && !slices.Contains(ruleOrder, q.Rule) {
		return FlagPage{}, &FieldError{"rule", reasonRule}
	}
	var after flagPos
	if q.Cursor != "" {
		var ok bool
		if after, ok = parseFlagCursor(q.Cursor); !ok {
			return FlagPage{}, &FieldError{"cursor", reasonCursor}
		}
	}
	page := FlagPage{Flags: []Flag{}, Totals: map[string]int{}}
	for _, r := range ruleOrder {
		page.Totals[r] = 0
	}
	err := s.flags(q.From, q.To, func(f Flag) {
		page.Totals[f.Rule]++
		if (q.Rule != "" && f.Rule != q.Rule) || (q.Cursor != "" && !after.before(posOf(f))) || len(page.Flags) > limit {
			return
		}
		page.Flags = append(page.Flags, f)
	})
	if err != nil {
		return FlagPage{}, err
	}
	if len(page.Flags) > limit {
		page.Flags = page.Flags[:limit]
		page.Next = posOf(page.Flags[limit-1]).cursor()
	}
	return page, nil
}

// flagPos is where a flag sits in the order of flags.
type flagPos struct {
	entry ulid.ULID
	rule  int
}

func posOf(f Flag) flagPos {
	id, _ := ulid.ParseStrict(f.Entry) // flags name the entries they were read from
	return flagPos{id, slices.Index(ruleOrder, f.Rule)}
}

func (p flagPos) before(q flagPos) bool {
	if c := p.entry.Compare(q.entry); c != 0 {
		return c < 0
	}
	return p.rule < q.rule
}

// cursor is "<entry id>.<rule>".
func (p flagPos) cursor() string { return p.entry.String() + "." + ruleOrder[p.rule] }

func parseFlagCursor(s string) (flagPos, bool) {
	id, rule, ok := strings.Cut(s, ".")
	if !ok {
		return flagPos{}, false
	}
	u, err := ulid.ParseStrict(id)
	i := slices.Index(ruleOrder, rule)
	return flagPos{u, i}, err == nil && i >= 0
}

// flags applies the rules over [from, to) and calls emit with each flag,
// oldest first.
func (s *Service) flags(from, to time.Time, emit func(Flag)) error {
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return &FieldError{"to", reasonToBeforeFrom}
	}
	scanFrom := from
	if !from.IsZero() {
		scanFrom = from.Add(-s.rules.Window)
	}
	lo, hi, ok := idRange(scanFrom, to)
	if !ok {
		return nil
	}
	f := flagger{s: s, rules: s.rules, from: from, users: map[string]*userWindow{}, denials: map[string]*userWindow{}, citizens: map[string][]pnr.PNR{}, emit: emit}
	var cbErr error
	err := s.reg.ScanRecords(register.SpaceAccessLog, appendLogKey(nil, lo), appendLogKey(nil, hi), false, func(k, v []byte) bool {
		var e Entry
		if e, cbErr = s.scanned(register.SpaceAccessLog, k, v); cbErr != nil {
			return false
		}
		if (e.Outcome != OutcomeRead && e.Outcome != OutcomeChanged && !readLimited(&e) && !forbidden(&e)) ||
			(!to.IsZero() && !e.Time.Before(to)) || (!scanFrom.IsZero() && e.Time.Before(scanFrom)) {
			return true
		}
		cbErr = f.add(&e)
		return cbErr == nil
	})
	if err != nil {
		return fmt.Errorf("access: scan log: %w", err)
	}
	if cbErr == nil {
		f.settle(time.Time{})
	}
	return cbErr
}

// flagger applies the rules to reads in time order.
type flagger struct {
	s        *Service
	rules    Rules
	from     time.Time
	users    map[string]*userWindow // many_persons
	denials  map[string]*userWindow // denied_reads
	denied   uint64                 // the refusals seen, a key for each
	citizens map[string][]pnr.PNR   // citizen user id -> every pnr the person has had (none: not a known citizen)
	emit     func(Flag)
	// queue holds the flags found, in order, from the first whose count
	// is still open (a window rule's hold-back has not ended) on.
	queue []*queued
}

// queued is a flag found; until is when its count closes (zero: closed).
type queued struct {
	f     Flag
	until time.Time
	keys  map[uint64]struct{}
}

// userWindow is one user's reads (or refusals) within the last window.
type userWindow struct {
	reads   []read // oldest first; reads[head:] are in the window
	head    int
	keys    map[uint64]int // reads per person (refusal) in the window
	flagged time.Time      // last flag of the rule (zero: none)
	open    *queued        // that flag while its count is open
}

type read struct {
	at  time.Time
	key uint64
}

// found queues a flag; it is emitted once the counts of the flags before
// it are closed.
func (f *flagger) found(fl Flag) {
	f.queue = append(f.queue, &queued{f: fl})
	f.settle(fl.At)
}

// settle closes the counts whose hold-back has ended by now (all, for a
// zero now) and emits the flags at the head of the queue that are closed.
func (f *flagger) settle(now time.Time) {
	for _, q := range f.queue {
		if !q.until.IsZero() && (now.IsZero() || !now.Before(q.until)) {
			q.f.Count, q.until, q.keys = len(q.keys), time.Time{}, nil
		}
	}
	n := 0
	for n < len(f.queue) && f.queue[n].until.IsZero() {
		f.emit(f.queue[n].f)
		n++
	}
	f.queue = f.queue[n:]
}

func (f *flagger) add(e *Entry) error {
	f.settle(e.Time)
	inRange := f.from.IsZero() || !e.Time.Before(f.from)
	single := func(rule string) {
		f.found(Flag{Rule: rule, User: e.User, At: e.Time, Count: 1, PNR: e.PNR, Entry: e.ID})
	}
	if forbidden(e) {
		if e.User != "" {
			f.denied++
			f.window(RuleDeniedReads, f.denials, f.rules.DeniedReads, e, f.denied, inRange)
		}
		return nil
	}
	if readLimited(e) {
		if inRange {
			single(RuleReadLimit)
		}
		return nil
	}
	if e.Outcome == OutcomeChanged {
		if inRange && e.Role == RoleClerk && e.Call == CallMove &&
			e.PersonKommune != 0 && e.UserKommune != 0 && e.PersonKommune != e.UserKommune {
			single(RuleMoveFromOtherKommune)
		}
		return nil
	}
	if !e.PNR.IsZero() && e.User != "" {
		f.manyPersons(e, inRange)
	}
	if !inRange {
		return nil
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
	f.window(RuleManyPersons, f.users, f.rules.ManyPersons, e, uint64(e.PNR), inRange)
}

// window applies a window rule: flag e's user when the distinct keys of
// the user's entries within the window before e (e's included) are more
// than limit, then not again until a window later; the flag's count is
// the keys from the window before it to the end of that hold-back.
func (f *flagger) window(rule string, users map[string]*userWindow, limit int, e *Entry, key uint64, inRange bool) {
	w := users[e.User]
	if w == nil {
		w = &userWindow{keys: map[uint64]int{}}
		users[e.User] = w
	}
	start := e.Time.Add(-f.rules.Window)
	for w.head < len(w.reads) && !w.reads[w.head].at.After(start) {
		old := w.reads[w.head].key
		if w.keys[old]--; w.keys[old] == 0 {
			delete(w.keys, old)
		}
		w.head++
	}
	if w.head > len(w.reads)/2 { // reuse the slice's front
		n := copy(w.reads, w.reads[w.head:])
		w.reads, w.head = w.reads[:n], 0
	}
	w.reads = append(w.reads, read{e.Time, key})
	w.keys[key]++
	if w.open != nil && !w.open.until.IsZero() {
		w.open.keys[key] = struct{}{}
	}
	if len(w.keys) > limit && inRange &&
		(w.flagged.IsZero() || !e.Time.Before(w.flagged.Add(f.rules.Window))) {
		w.flagged = e.Time
		q := &queued{f: Flag{Rule: rule, User: e.User, At: e.Time, Entry: e.ID}, until: e.Time.Add(f.rules.Window),
			keys: make(map[uint64]struct{}, len(w.keys))}
		for k := range w.keys {
			q.keys[k] = struct{}{}
		}
		w.open = q
		f.queue = append(f.queue, q)
	}
}

// forbidden reports whether e is a refusal of access (403).
func forbidden(e *Entry) bool { return e.Outcome == OutcomeDenied && e.Status == 403 }

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
			if own, err = f.s.PNRs(u.PNR); err != nil {
				return false, err
			}
		case err == nil, errors.Is(err, ErrNoUser):
		default:
			return false, err
		}
		f.citizens[e.User] = own
	}
	return slices.Contains(own, e.PNR), nil
}
