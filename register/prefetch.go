package register

import (
	"errors"
	"fmt"
	"slices"

	"github.com/cockroachdb/pebble/v2"

	"cpr/date"
	"cpr/pnr"
)

// Prefetch. The commit loop is one goroutine: whatever it does per change
// bounds the rate of changes. Reading the persons a change is about is the
// largest part of that work, so Apply does it first, on the caller's
// goroutine, from committed state: the person record, and the history too
// when the change will need it (it will not fold onto the stored record,
// see incremental.go). The loop uses what was read only if no change
// registered since could have altered it:
//
//   - at is the highest committed sequence when the reads began, so the
//     reads saw every change up to at;
//   - the loop remembers, for each person, the sequence of the last change
//     that wrote it (written); a person written after at is read again;
//   - the loop forgets written now and then; it then sets since to the
//     last sequence it had handed out, and a prefetch taken before that is
//     not used at all.
//
// A person written after at may have changes still in the pipeline (this
// group and the one being committed); those are read by the loop as before.

// prefetch is what Apply read before submitting its change.
type prefetch struct {
	at      uint64
	persons map[pnr.PNR]*Person // nil: not in the register
	history map[pnr.PNR][]Entry // for persons whose history was read
}

// maxWritten bounds the loop's memory of recent writes.
const maxWritten = 1 << 16

// subjects are the persons a change reads first, known before it is
// applied, and the change's effective date (0: the change always needs the
// history).
func subjects(c Change) ([]pnr.PNR, date.Date) {
	switch c := c.(type) {
	case Move:
		return []pnr.PNR{c.PNR}, c.Effective
	case NameChange:
		return []pnr.PNR{c.PNR}, c.Effective
	case Death:
		return []pnr.PNR{c.PNR}, c.Effective
	case Emigration:
		return []pnr.PNR{c.PNR}, c.Effective
	case Divorce:
		return []pnr.PNR{c.PNR}, c.Effective
	case Marriage:
		return []pnr.PNR{c.PNR, c.Spouse}, c.Effective
	case ProtectionChange:
		return []pnr.PNR{c.PNR}, 0
	case PNRChange:
		return []pnr.PNR{c.PNR}, 0
	case Correction:
		return []pnr.PNR{c.PNR}, 0
	}
	return nil, 0
}

// foldsLater reports whether a change effective on day e will likely fold
// onto p's stored record (see foldsOnto): it is dated after every fact
// of p, and p's open stay is known. A wrong guess costs a read, no more.
func foldsLater(p *Person, e date.Date) bool {
	return e != 0 && p.open != 0 &&
		e > max(p.StatusFrom, p.Residence.From, p.Name.From, p.Civil.From, p.CitizenFrom)
}

// prefetch reads the subjects of c from committed state. It returns nil
// when there is nothing to read or a read failed (the loop reads again).
func (r *Register) prefetch(c Change) *prefetch {
	ps, effective := subjects(c)
	if len(ps) == 0 {
		return nil
	}
	r.dbMu.RLock()
	defer r.dbMu.RUnlock()
	if r.dbClosed {
		return nil
	}
	pf := &prefetch{at: r.lastSeq.Load(), persons: make(map[pnr.PNR]*Person, len(ps))}
	var it *pebble.Iterator
	defer func() {
		if it != nil {
			it.Close()
		}
	}()
	for _, p := range ps {
		if p.IsZero() {
			continue
		}
		person, err := r.readPerson(p)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil
		}
		pf.persons[p] = person
		if person == nil || foldsLater(person, effective) {
			continue
		}
		if it == nil {
			if it, err = r.historyIter(); err != nil {
				return nil
			}
		}
		h, err := readEntries(it, p)
		if err != nil {
			return nil
		}
		if pf.history == nil {
			pf.history = map[pnr.PNR][]Entry{}
		}
		pf.history[p] = h
	}
	return pf
}

func (r *Register) historyIter() (*pebble.Iterator, error) {
	it, err := r.db.NewIter(&pebble.IterOptions{LowerBound: []byte{tagHistory}, UpperBound: []byte{tagHistory + 1}})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return it, nil
}

// valid reports whether what the current request read of p is still the
// committed state of p.
func (g *group) valid(p pnr.PNR) bool {
	pf := g.cur
	return pf != nil && pf.at >= g.r.since && g.r.written[p] <= pf.at
}

// prefetched returns the current request's read of p's record, if valid.
func (g *group) prefetched(p pnr.PNR) (*Person, bool) {
	if !g.valid(p) {
		return nil, false
	}
	got, ok := g.cur.persons[p]
	return got, ok
}

// prefetchedHistory returns the current request's read of p's history, if
// valid. The result has no room to grow: appending copies it.
func (g *group) prefetchedHistory(p pnr.PNR) ([]Entry, bool) {
	if !g.valid(p) {
		return nil, false
	}
	h, ok := g.cur.history[p]
	return slices.Clip(h), ok
}

// wrote records that the change with sequence seq wrote p.
func (r *Register) wrote(p pnr.PNR, seq uint64) {
	if len(r.written) >= maxWritten {
		clear(r.written)
		r.since = seq - 1
	}
	r.written[p] = seq
}
