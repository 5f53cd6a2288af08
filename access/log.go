package access

import (
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"

	"cpr/pnr"
	"cpr/register"
)

// The outcomes of an access log entry.
const (
	OutcomeRead    = "read"    // person data was read
	OutcomeDenied  = "denied"  // the attempt was refused
	OutcomeChanged = "changed" // person data was changed
	// OutcomeReplayed: a write repeated with the same Idempotency-Key;
	// it changed nothing (the first request's entry says "changed").
	OutcomeReplayed = "replayed"
	// OutcomeRefused: a write the register's rules refused (e.g. a move
	// of a dead person); nothing changed.
	OutcomeRefused = "refused"
	// OutcomeAdmin: an administrator's action on users, tokens,
	// subscribers or marks (Target says on what).
	OutcomeAdmin = "admin"
)

const (
	maxCallLen    = 200 // bytes
	maxPurposeLen = 200 // characters; longer purposes are cut
	maxTargetLen  = 200 // bytes
	maxPersons    = 1<<31 - 1
	defaultLimit  = 100
	maxLimit      = 1000
)

// Times the log accepts: ULIDs hold milliseconds since 1970, and the
// exclusive upper bound of a scan must stay above every id.
var (
	minLogTime = time.Unix(0, 0)
	maxLogTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

// Entry is one access log entry: a read of a person's data, a change, or
// a refused attempt.
type Entry struct {
	// ID is a ULID (26 characters), time-ordered; Log assigns it when
	// empty. A given ID must carry the entry's time to the millisecond.
	ID string `json:"id"`
	// Time is when it happened; Log sets it to now when zero. It is
	// stored to the nanosecond and read back in UTC.
	Time time.Time `json:"time"`
	// User is the user id, empty for an attempt by no known user.
	User string `json:"user,omitempty"`
	Role Role   `json:"role,omitempty"`
	// PNR is the person read; zero for calls about no one person.
	PNR pnr.PNR `json:"pnr,omitzero"`
	// Call is the route pattern, e.g. "GET /v1/persons/{pnr}" (required,
	// at most 200 bytes).
	Call string `json:"call"`
	// Purpose is the X-Purpose header; Log keeps the first 200 characters.
	Purpose string `json:"purpose,omitempty"`
	// Outcome is OutcomeRead, OutcomeDenied or OutcomeChanged.
	Outcome string `json:"outcome"`
	// Status is the HTTP status answered, 100-599.
	Status int `json:"status"`
	// PersonKommune is where the person lived when read, or, for a
	// change, before it (for the rules).
	PersonKommune uint16 `json:"person_kommune,omitempty"`
	// Protected: the person had name-and-address protection.
	Protected   bool   `json:"protected,omitempty"`
	UserKommune uint16 `json:"user_kommune,omitempty"`
	// Token is the public id (16 hex digits) of the token the call was
	// made with; empty when there was none. Never the secret.
	Token string `json:"token,omitempty"`
	// Target is what an admin action or a download was about, as
	// "kind:id" words, e.g. "user:anne token:0123456789abcdef" or
	// "change-extract:bank 2024-03-05 jsonl" (at most 200 bytes; never a
	// pnr, a name or an address).
	Target string `json:"target,omitempty"`
	// Persons is how many persons a download or a batch held.
	Persons int `json:"persons,omitempty"`
}

// prepare validates e, cuts its purpose, and gives it a time and an id.
func (s *Service) prepare(e *Entry) (ulid.ULID, error) {
	var id ulid.ULID
	if e.User != "" {
		if err := validID("user", e.User); err != nil {
			return id, err
		}
	}
	if e.Role != "" && !e.Role.Valid() {
		return id, &FieldError{"role", reasonRole}
	}
	if !e.PNR.IsZero() && !e.PNR.Valid() {
		return id, &FieldError{"pnr", reasonPNR}
	}
	switch {
	case e.Call == "":
		return id, &FieldError{"call", reasonRequired}
	case len(e.Call) > maxCallLen:
		return id, &FieldError{"call", reasonTooLong}
	case !utf8.ValidString(e.Call):
		return id, &FieldError{"call", reasonUTF8}
	}
	e.Purpose = cutPurpose(e.Purpose)
	if e.Token != "" {
		if _, ok := parseTokenID(e.Token); !ok {
			return id, &FieldError{"token", reasonTokenID}
		}
	}
	switch {
	case len(e.Target) > maxTargetLen:
		return id, &FieldError{"target", reasonTooLong}
	case !utf8.ValidString(e.Target):
		return id, &FieldError{"target", reasonUTF8}
	case e.Persons < 0 || e.Persons > maxPersons:
		return id, &FieldError{"persons", reasonPersons}
	}
	switch e.Outcome {
	case OutcomeRead, OutcomeDenied, OutcomeChanged, OutcomeReplayed, OutcomeRefused, OutcomeAdmin:
	default:
		return id, &FieldError{"outcome", reasonOutcome}
	}
	if e.Status < 100 || e.Status > 599 {
		return id, &FieldError{"status", reasonStatus}
	}
	if e.ID != "" {
		var err error
		if id, err = ulid.ParseStrict(e.ID); err != nil {
			return id, &FieldError{"id", reasonEntryID}
		}
		if e.Time.IsZero() {
			e.Time = ulid.Time(id.Time())
		}
	}
	if e.Time.IsZero() {
		e.Time = s.clock()
	}
	e.Time = e.Time.UTC()
	if e.Time.Before(minLogTime) || e.Time.After(maxLogTime) {
		return id, &FieldError{"time", reasonTimeRange}
	}
	ms := uint64(e.Time.UnixMilli())
	if e.ID == "" {
		var err error
		if id, err = s.ids.next(ms); err != nil {
			return id, fmt.Errorf("access: entry id: %w", err)
		}
		e.ID = id.String()
	} else if id.Time() != ms {
		return id, &FieldError{"id", reasonEntryIDTime}
	}
	return id, nil
}

// cutPurpose keeps valid UTF-8 and at most maxPurposeLen characters.
func cutPurpose(p string) string {
	if !utf8.ValidString(p) {
		p = toValidUTF8(p)
	}
	if len(p) <= maxPurposeLen {
		return p
	}
	n := 0
	for i := range p {
		if n == maxPurposeLen {
			return p[:i]
		}
		n++
	}
	return p
}

func toValidUTF8(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = utf8.AppendRune(b, utf8.RuneError)
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return string(b)
}

// appendRecords adds e's log record and index entries to recs, with
// their bytes in buf.
func appendRecords(recs []register.Record, buf []byte, e *Entry, id ulid.ULID) ([]register.Record, []byte) {
	at := len(buf)
	buf = appendLogKey(buf, id)
	lk := buf[at:len(buf):len(buf)]
	at = len(buf)
	buf = appendEntry(buf, e)
	recs = append(recs, register.Record{Space: register.SpaceAccessLog, Key: lk, Value: buf[at:len(buf):len(buf)]})
	if !e.PNR.IsZero() {
		at = len(buf)
		buf = appendPNRLogKey(buf, e.PNR, id)
		recs = append(recs, register.Record{Space: register.SpaceAccessByPNR, Key: buf[at:len(buf):len(buf)], Value: []byte{}})
	}
	if e.User != "" {
		at = len(buf)
		buf = appendUserLogKey(buf, e.User, id)
		recs = append(recs, register.Record{Space: register.SpaceAccessByUser, Key: buf[at:len(buf):len(buf)], Value: []byte{}})
	}
	return recs, buf
}

// recordSize is an upper bound on the bytes appendRecords writes for e.
func recordSize(e *Entry) int {
	return idLen + pnrLen + idLen + len(e.User) + 1 + idLen + // keys
		1 + 3 + 2*len(e.User) + 1 + 10 + len(e.Call) + len(e.Purpose) + 2 + 1 + 3 + 3 + 3 + 1 + 16 +
		tokenIDLen + 2 + len(e.Target) + 5
}

// Log writes one access log entry: the entry (L), and its index entries by
// person (X, if it has a pnr) and by user (Y, if it has a user), in one
// synced batch. It assigns the time and id when empty and keeps the first
// 200 characters of the purpose. Concurrent calls share fsyncs.
//
// It returns a *FieldError for an invalid entry, or a storage error; on
// error nothing was written.
func (s *Service) Log(e Entry) error {
	id, err := s.prepare(&e)
	if err != nil {
		return err
	}
	var arr [3]register.Record
	recs, _ := appendRecords(arr[:0], make([]byte, 0, recordSize(&e)), &e, id)
	if err := s.reg.PutRecords(recs...); err != nil {
		return fmt.Errorf("access: write log: %w", err)
	}
	return nil
}

// LogMany writes entries as Log does, all in one synced batch (a search
// result reads many persons). If any entry is invalid, nothing is written
// and the error is that entry's *FieldError.
func (s *Service) LogMany(es []Entry) error {
	if len(es) == 0 {
		return nil
	}
	ids := make([]ulid.ULID, len(es))
	es = append([]Entry(nil), es...) // prepare fills in ids and times
	size := 0
	for i := range es {
		var err error
		if ids[i], err = s.prepare(&es[i]); err != nil {
			return err
		}
		size += recordSize(&es[i])
	}
	recs := make([]register.Record, 0, 3*len(es))
	buf := make([]byte, 0, size)
	for i := range es {
		recs, buf = appendRecords(recs, buf, &es[i], ids[i])
	}
	if err := s.reg.PutRecords(recs...); err != nil {
		return fmt.Errorf("access: write log: %w", err)
	}
	return nil
}

// Query selects access log entries.
type Query struct {
	// PNR selects the entries about one person (the X index).
	PNR pnr.PNR
	// User selects the entries of one user (the Y index, unless PNR is
	// also set).
	User string
	// From and To select entries with From <= Time < To; zero is open.
	From, To time.Time
	// Outcome, when set, selects the entries with that outcome (e.g.
	// OutcomeChanged with PNR: who changed this person).
	Outcome string
	// Limit is the page size: 0 means 100; at most 1000.
	Limit int
	// Cursor continues from an earlier answer's next.
	Cursor string
}

// Query returns access log entries, newest first, one page at a time:
// next is the Cursor for the following page, or "" after the last. With
// PNR or User set it scans that index; otherwise the whole log. The time
// bounds are turned into ULID bounds, so a narrow window scans only its
// entries.
//
// It returns a *FieldError (fields limit, pnr, user, outcome, cursor, to)
// or a storage error.
func (s *Service) Query(q Query) (entries []Entry, next string, err error) {
	limit := q.Limit
	switch {
	case limit < 0 || limit > maxLimit:
		return nil, "", &FieldError{"limit", reasonLimit}
	case limit == 0:
		limit = defaultLimit
	}
	if !q.PNR.IsZero() && !q.PNR.Valid() {
		return nil, "", &FieldError{"pnr", reasonPNR}
	}
	if q.User != "" {
		if err := validID("user", q.User); err != nil {
			return nil, "", err
		}
	}
	if q.Outcome != "" && code(outcomeCodes, q.Outcome) == 0xff {
		return nil, "", &FieldError{"outcome", reasonOutcome}
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		return nil, "", &FieldError{"to", reasonToBeforeFrom}
	}
	lo, hi, ok := idRange(q.From, q.To)
	if q.Cursor != "" {
		c, err := ulid.ParseStrict(q.Cursor)
		if err != nil {
			return nil, "", &FieldError{"cursor", reasonCursor}
		}
		if c.Compare(hi) < 0 {
			hi = c
		}
	}
	if !ok || lo.Compare(hi) >= 0 {
		return nil, "", nil
	}

	var (
		space  = register.SpaceAccessLog
		prefix []byte
	)
	switch {
	case !q.PNR.IsZero():
		space, prefix = register.SpaceAccessByPNR, pnrLogPrefix(q.PNR)
	case q.User != "":
		space, prefix = register.SpaceAccessByUser, userLogPrefix(q.User)
	}
	from := appendLogKey(append([]byte(nil), prefix...), lo)
	to := appendLogKey(append([]byte(nil), prefix...), hi)

	var cbErr error
	err = s.reg.ScanRecords(space, from, to, true, func(k, v []byte) bool {
		var e Entry
		if e, cbErr = s.scanned(space, k, v); cbErr != nil {
			return false
		}
		if (!q.From.IsZero() && e.Time.Before(q.From)) || (!q.To.IsZero() && !e.Time.Before(q.To)) ||
			(q.User != "" && e.User != q.User) || (!q.PNR.IsZero() && e.PNR != q.PNR) ||
			(q.Outcome != "" && e.Outcome != q.Outcome) {
			return true
		}
		entries = append(entries, e)
		return len(entries) <= limit
	})
	if err != nil {
		return nil, "", fmt.Errorf("access: scan log: %w", err)
	}
	if cbErr != nil {
		return nil, "", cbErr
	}
	if len(entries) > limit {
		entries = entries[:limit]
		next = entries[limit-1].ID
	}
	return entries, next, nil
}

// scanned decodes the entry behind a key of the log or one of its
// indexes.
func (s *Service) scanned(space register.Space, k, v []byte) (Entry, error) {
	if space == register.SpaceAccessLog {
		id, err := decodeLogKey(k)
		if err != nil {
			return Entry{}, err
		}
		return decodeEntry(id, v)
	}
	id, err := decodeIndexID(k)
	if err != nil {
		return Entry{}, err
	}
	v, err = s.reg.GetRecord(register.SpaceAccessLog, appendLogKey(nil, id))
	if errors.Is(err, register.ErrNotFound) {
		return Entry{}, fmt.Errorf("%w: index entry without a log entry", ErrCorrupt)
	}
	if err != nil {
		return Entry{}, fmt.Errorf("access: read log: %w", err)
	}
	return decodeEntry(id, v)
}

// idRange turns [from, to) into ULID bounds [lo, hi); ok is false when no
// entry can be in the range. Zero times are open ends.
func idRange(from, to time.Time) (lo, hi ulid.ULID, ok bool) {
	for i := range hi {
		hi[i] = 0xff // above every id: log times end in year 9999
	}
	if !from.IsZero() && from.After(minLogTime) {
		if from.After(maxLogTime) {
			return lo, hi, false
		}
		lo = boundID(uint64(from.UnixMilli()))
	}
	if !to.IsZero() {
		if !to.After(minLogTime) {
			return lo, hi, false
		}
		if !to.After(maxLogTime) {
			hi = boundID(uint64(to.UnixMilli()) + 1) // ids of the same millisecond may be before to
		}
	}
	return lo, hi, true
}
