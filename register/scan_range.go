package register

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"cpr/date"
	"cpr/pnr"
)

// View is one consistent, read-only view of the register, for a scan
// split into pnr ranges that several goroutines read at once: every range
// sees the same state. It is safe for concurrent use. Close it when done.
type View struct {
	snap *pebble.Snapshot
}

// View opens a view of the register as it is now.
func (r *Register) View() *View { return &View{snap: r.db.NewSnapshot()} }

// Close releases the view.
func (v *View) Close() error { return v.snap.Close() }

// Seq is the sequence number of the last change the view holds: the view
// is the register as it stood just after that change was committed (0: no
// change yet, the register as loaded).
func (v *View) Seq() (uint64, error) {
	lo := []byte{tagJournal}
	it, err := v.snap.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer it.Close()
	var seq uint64
	if it.Last() {
		if seq, err = decodeJournalKey(it.Key()); err != nil {
			return 0, err
		}
	}
	if err := it.Error(); err != nil {
		return 0, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return seq, nil
}

// Read returns person p's stored record and history entries as the view
// holds them (fold them with At or AtNow, view them with HistoryView). It
// returns ErrNotFound.
func (v *View) Read(p pnr.PNR) (*Person, []Entry, error) {
	val, closer, err := v.snap.Get(appendPersonKey(make([]byte, 0, personKeyLen), p))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, nil, ErrNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	q, err := decodePerson(val)
	closer.Close()
	if err != nil {
		return nil, nil, err
	}
	lo := appendHistoryPrefix(nil, p)
	it, err := v.snap.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer it.Close()
	hist, err := readEntries(it, p)
	if err != nil {
		return nil, nil, err
	}
	return q, hist, nil
}

// Get is Register.Get as the view holds the person, on day today (see
// Register.Today): one read when the stored record is in force that day.
// It returns ErrNotFound.
func (v *View) Get(p pnr.PNR, today date.Date) (*Person, error) {
	val, closer, err := v.snap.Get(appendPersonKey(make([]byte, 0, personKeyLen), p))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	q, err := decodePerson(val)
	closer.Close()
	if err != nil {
		return nil, err
	}
	if q.InForce(today) {
		return q, nil
	}
	return v.AsOf(p, today)
}

// AsOf is Register.AsOf(p, at, time.Time{}) as the view holds the person:
// the person in force on valid date at. It returns ErrNotFound.
func (v *View) AsOf(p pnr.PNR, at date.Date) (*Person, error) {
	q, hist, err := v.Read(p)
	if err != nil {
		return nil, err
	}
	out, ok := At(q, hist, at, time.Time{})
	if !ok {
		return nil, ErrNotFound
	}
	return out, nil
}

// Scan is Register.Scan over the persons from pnr from up to, not
// including, pnr to (0: to the end), as the view holds them.
func (v *View) Scan(from, to pnr.PNR, withHistory bool, fn func(p *Person, history []Entry) bool) error {
	return scanRange(v.snap, from, to, withHistory, nil, fn)
}

// ScanFilter is a cheap test of a stored person record, made before it is
// decoded: Keep is asked with the record's pnr, the kommune of its address
// (0: none) and its birth date. A nil Keep keeps every record.
type ScanFilter struct {
	On   date.Date
	Keep func(p pnr.PNR, kommune uint16, birth date.Date) bool
}

// ScanWhere is Scan over the persons from pnr from up to to (0: the end)
// that f keeps. The test is made only of records in force on day f.On, so
// that what it is asked is the person that day: those it refuses are
// skipped, history and all, without being decoded. A record not in force
// on f.On (or of a shape the test cannot read) is always passed to fn:
// fold it and test the person of that day again.
func (v *View) ScanWhere(from, to pnr.PNR, withHistory bool, f ScanFilter, fn func(p *Person, history []Entry) bool) error {
	return scanRange(v.snap, from, to, withHistory, &f, fn)
}

// Today is the day by the register's clock, in Danish time: the day Get
// returns the person in force on.
func (r *Register) Today() date.Date { return date.InCopenhagen(r.clock()) }

// ScanNames is Scan for names alone, several times faster: it calls fn
// for every person from pnr from up to to (0: the end) with the stored
// record's last name and addressing name, and whether the stored record
// is the person in force on day on (Person.InForce; if not, AsOf gives
// the person that day). The byte slices are valid during the call only.
func (v *View) ScanNames(from, to pnr.PNR, on date.Date, fn func(p pnr.PNR, last, addressing []byte, inForce bool) bool) error {
	hi := []byte{tagPerson + 1}
	if to != 0 {
		hi = appendPersonKey(nil, to)
	}
	it, err := v.snap.NewIter(&pebble.IterOptions{LowerBound: appendPersonKey(nil, from), UpperBound: hi})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		p, last, addressing, inForce, ok := peekNames(it.Value(), on)
		if !ok { // a record peekNames does not know: decode it all
			q, err := decodePerson(it.Value())
			if err != nil {
				return err
			}
			p, last, addressing, inForce = q.PNR, []byte(q.Name.Last), []byte(q.Name.Addressing), q.InForce(on)
		}
		if !fn(p, last, addressing, inForce) {
			break
		}
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return nil
}

// peeked is what peekPerson reads of a stored person record.
type peeked struct {
	pnr              pnr.PNR
	birth            date.Date
	kommune          uint16 // of the address, 0 without one
	last, addressing []byte
	inForce          bool // the stored record is the person on the day asked for
}

// peekNames reads the names and the valid-from dates of a stored person
// record (appendPerson) without decoding the rest. ok is false if the
// record is not of a version and shape it knows.
func peekNames(b []byte, on date.Date) (p pnr.PNR, last, addressing []byte, inForce, ok bool) {
	pk, ok := peekPerson(b, on)
	return pk.pnr, pk.last, pk.addressing, pk.inForce, ok
}

// peekPerson reads a stored person record's pnr, birth date, kommune,
// names and valid-from dates without decoding the rest: whether the
// record is in force on day on. ok is false if the record is not of a
// version and shape it knows.
func peekPerson(b []byte, on date.Date) (pk peeked, ok bool) {
	d := dec{b: b}
	v := d.u8()
	if v != 1 && v != 2 {
		return pk, false
	}
	pk.pnr = pnr.PNR(d.u64())
	d.take(2*pnrLen+1, "pnr") // current and previous pnr, status
	var q Person
	q.StatusFrom = d.date()
	d.u8() // sex
	pk.birth = d.date()
	d.bytes() // first
	d.bytes() // middle
	pk.last = d.bytes()
	pk.addressing = d.bytes()
	q.Name.From = d.date()
	if d.flag() {
		if a := d.take(addrLen, "address"); len(a) >= 2 {
			pk.kommune = binary.BigEndian.Uint16(a)
		}
	}
	q.Residence.From = d.date()
	d.take(dateLen+2+2, "residence") // kommune from, previous kommune, foreign country
	for n := d.count(maxForeignLines); n > 0; n-- {
		d.bytes()
	}
	d.take(1+pnrLen, "civil") // code, spouse
	q.Civil.From = d.date()
	d.take(2*pnrLen, "parents")
	d.take(pnrLen*d.count(len(d.b)/pnrLen), "children")
	d.u16() // citizenship
	q.CitizenFrom = d.date()
	var prot [4]ProtectionPeriod
	n := d.count(16)
	if n > len(prot) {
		return pk, false
	}
	for i := range n {
		prot[i] = ProtectionPeriod{Type: Protection(d.u16()), From: d.date(), To: d.date()}
	}
	q.Protections = prot[:n]
	d.uvarint() // seq
	if v == 2 {
		d.date() // start of the open stay
	}
	if d.fail != "" || len(d.b) != 0 || pk.pnr == 0 {
		return peeked{}, false
	}
	pk.inForce = !needsReplay(&q, on)
	return pk, true
}
