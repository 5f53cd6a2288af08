package register

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
)

// Get returns the person as in force today (Danish time), as the register
// knows it now. It returns ErrNotFound.
func (r *Register) Get(p pnr.PNR) (*Person, error) {
	snap, err := r.readPerson(p)
	if err != nil {
		return nil, err
	}
	today := date.InCopenhagen(r.clock())
	if !needsReplay(snap, today) {
		return snap, nil
	}
	return r.AsOf(p, today, time.Time{})
}

// InForce reports whether the stored record p (from Scan) is the person in
// force on day today: no fact registered ahead of time, no protection run
// out. If not, fold its history with At.
func (p *Person) InForce(today date.Date) bool { return !needsReplay(p, today) }

// needsReplay reports whether the stored record (the person at the latest
// valid date) differs from the person today: a fact registered ahead of
// time, or a protection that has run out.
func needsReplay(p *Person, today date.Date) bool {
	if p.StatusFrom > today || p.Name.From > today || p.Residence.From > today ||
		p.Civil.From > today || p.CitizenFrom > today {
		return true
	}
	for _, pp := range p.Protections {
		if pp.From > today || (pp.To != 0 && pp.To <= today) {
			return true
		}
	}
	return false
}

// AsOf returns the person in force on valid date at, as the register knew
// it at time known (zero: now). It returns ErrNotFound if the person was
// not in the register on that day or was not yet known then.
func (r *Register) AsOf(p pnr.PNR, at date.Date, known time.Time) (*Person, error) {
	snap, err := r.readPerson(p)
	if err != nil {
		return nil, err
	}
	entries, err := r.entries(p)
	if err != nil {
		return nil, err
	}
	out, ok := replay(snap, effective(entries, known), at)
	if !ok {
		return nil, ErrNotFound
	}
	out.Seq = lastSeq(entries, known)
	return out, nil
}

func (r *Register) entries(p pnr.PNR) ([]Entry, error) {
	lo := appendHistoryPrefix(nil, p)
	it, err := r.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer it.Close()
	return readEntries(it, p)
}

// History returns every entry ever registered for the person, in
// registration order, with valid-to dates filled in from the timeline as
// known now, and replaced entries marked K (corrected) or A (annulled).
func (r *Register) History(p pnr.PNR) ([]Entry, error) {
	if _, err := r.readPerson(p); err != nil {
		return nil, err
	}
	all, err := r.entries(p)
	if err != nil {
		return nil, err
	}
	return historyView(all), nil
}

func historyView(all []Entry) []Entry {
	mark := map[entryID]Marker{}
	for _, h := range all {
		switch h.Marker {
		case MarkCorrects:
			mark[entryID{h.Fact, h.Target, h.Protection}] = MarkK
		case MarkAnnuls:
			mark[entryID{h.Fact, h.Target, h.Protection}] = MarkA
		}
	}
	// valid-to: the next effective entry of the same fact starts.
	to := map[entryID]date.Date{}
	last := map[entryID]entryID{}
	for _, h := range effective(all, time.Time{}) {
		if h.Fact == FactChild || h.Fact == FactProtection {
			continue
		}
		key := entryID{fact: h.Fact}
		if prev, ok := last[key]; ok {
			to[prev] = h.From
		}
		last[key] = entryID{h.Fact, h.Seq, h.Protection}
	}
	out := make([]Entry, len(all))
	for i, h := range all {
		if h.Marker == 0 {
			h.Marker = MarkNone
		}
		id := entryID{h.Fact, h.Seq, h.Protection}
		if m, ok := mark[id]; ok {
			h.Marker = m
		}
		if t, ok := to[id]; ok && h.To == 0 {
			h.To = t
		}
		out[i] = h
	}
	return out
}

// Resident is one stay at an address.
type Resident struct {
	PNR      pnr.PNR
	From, To date.Date // To zero: lives there still
}

// Residents returns who lived at the address on day on (zero: everyone
// who ever lived there), as known now.
func (r *Register) Residents(a address.Address, on date.Date) ([]Resident, error) {
	lo := appendResidencePrefix(nil, a)
	it, err := r.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer it.Close()
	var out []Resident
	for ok := it.First(); ok; ok = it.Next() {
		_, p, from, err := decodeResidenceKey(it.Key())
		if err != nil {
			return nil, err
		}
		v := it.Value()
		if len(v) != 4 {
			return nil, fmt.Errorf("%w: residence value", ErrCorrupt)
		}
		to := date.Date(binary.BigEndian.Uint32(v))
		if on != 0 && (on < from || (to != 0 && on >= to)) {
			continue
		}
		out = append(out, Resident{PNR: p, From: from, To: to})
	}
	return out, it.Error()
}

// Journal calls fn for every event with sequence number from and up, in
// order, up to the last committed one, until fn returns an error.
func (r *Register) Journal(from uint64, fn func(*Event) error) error {
	lo := appendJournalKey(nil, from)
	// Not past LastSeq: a batch whose commit failed can be visible in
	// memory without being durable (see faults.go).
	hi := appendJournalKey(nil, r.LastSeq()+1)
	it, err := r.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		ev, err := decodeEvent(it.Value())
		if err != nil {
			return err
		}
		if err := fn(ev); err != nil {
			return err
		}
	}
	return it.Error()
}

// ByBirthDate calls fn for every pnr born between from and to (inclusive),
// in birth date order, until fn returns false.
func (r *Register) ByBirthDate(from, to date.Date, fn func(pnr.PNR) bool) error {
	lo := appendBirthKey(nil, from, 0)[:1+dateLen]
	hi := appendBirthKey(nil, to.AddDays(1), 0)[:1+dateLen]
	it, err := r.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		_, p, err := decodeBirthKey(it.Key())
		if err != nil {
			return err
		}
		if !fn(p) {
			break
		}
	}
	return it.Error()
}

// Persons calls fn for every stored person record in pnr order, until fn
// returns false. It reads a consistent snapshot.
func (r *Register) Persons(fn func(*Person) bool) error {
	return r.Scan(0, false, func(p *Person, _ []Entry) bool { return fn(p) })
}
