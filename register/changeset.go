package register

import (
	"fmt"
	"time"

	"cpr/date"
	"cpr/pnr"
)

// changeSet stages one change: the history entries it adds per person and
// the facts without history it alters. Nothing reaches the batch until
// finish has computed every write, so a change that fails leaves no trace.
type changeSet struct {
	g       *group
	seq     uint64
	now     time.Time
	today   date.Date
	ev      Event
	touched map[pnr.PNR]*touched
	order   []pnr.PNR
}

type touched struct {
	base    *Person // facts without history (pnr, sex, birth, parents, links)
	entries []Entry
	created bool
	ord     uint8
}

// get returns a copy of the person as it stands before this change.
func (cs *changeSet) get(p pnr.PNR) (*Person, error) {
	if p.IsZero() {
		return nil, ErrNotFound
	}
	if t, ok := cs.touched[p]; ok && t.created {
		return t.base.Clone(), nil
	}
	return cs.g.person(p)
}

// exists reports whether p is a number already in use (for allocation).
func (cs *changeSet) exists(p pnr.PNR) bool {
	if _, ok := cs.touched[p]; ok {
		return true
	}
	_, err := cs.g.person(p)
	return err != ErrNotFound
}

func (cs *changeSet) touch(p *Person) *touched {
	t, ok := cs.touched[p.PNR]
	if !ok {
		t = &touched{base: p}
		cs.touched[p.PNR] = t
		cs.order = append(cs.order, p.PNR)
	}
	return t
}

// create stages a new person; base holds the facts without history.
func (cs *changeSet) create(base *Person) {
	t := cs.touch(base)
	t.created = true
}

// setBase replaces the facts without history of a person already touched
// or about to be.
func (cs *changeSet) setBase(p *Person) { cs.touch(p).base = p }

// add stages a history entry for p (a person from get or create).
func (cs *changeSet) add(p *Person, h Entry) {
	t := cs.touch(p)
	h.Seq, h.Ord, h.Registered = cs.seq, t.ord, cs.now
	t.ord++
	t.entries = append(t.entries, h)
}

// writes are the key operations of one change, applied to the group's
// batch only when the whole change succeeded.
type writes struct {
	ops     []op
	persons map[pnr.PNR]*Person
	hist    map[pnr.PNR][]Entry
}

type op struct {
	key, value []byte
	del        bool
}

func (w *writes) set(k, v []byte) { w.ops = append(w.ops, op{key: k, value: v}) }
func (w *writes) del(k []byte)    { w.ops = append(w.ops, op{key: k, del: true}) }

// finish folds every touched person's entries into its new record and
// derives the index entries.
func (cs *changeSet) finish() (*writes, error) {
	w := &writes{persons: map[pnr.PNR]*Person{}, hist: map[pnr.PNR][]Entry{}}
	for _, p := range cs.order {
		t := cs.touched[p]
		var old []Entry
		if !t.created {
			var err error
			if old, err = cs.g.entries(p); err != nil {
				return nil, err
			}
		}
		all := make([]Entry, 0, len(old)+len(t.entries))
		all = append(append(all, old...), t.entries...)
		eff := effective(all, time.Time{})
		snap, ok := replay(t.base, eff, latestFrom(eff))
		if !ok {
			return nil, fmt.Errorf("%w: change leaves a person without status", ErrInvalid)
		}
		snap.CurrentPNR = t.base.CurrentPNR
		if len(t.entries) == 0 {
			snap.Seq = t.base.Seq
		}
		w.set(appendPersonKey(nil, p), appendPerson(nil, snap))
		for i := range t.entries {
			h := &t.entries[i]
			w.set(appendHistoryKey(nil, p, h.Seq, h.Ord), appendEntry(nil, h))
		}
		if t.created {
			w.set(appendBirthKey(nil, snap.BirthDate, p), nil)
		}
		diffPeriods(w, p, residencePeriods(effective(old, time.Time{})), residencePeriods(eff))
		w.persons[p] = snap
		w.hist[p] = all
		if p == cs.ev.PNR {
			cs.ev.Person = snap
			if cs.ev.Kind == KindCorrection {
				cs.ev.KommuneTo = snap.Kommune()
			}
		}
	}
	if cs.ev.Person == nil {
		return nil, fmt.Errorf("%w: change does not touch its own person", ErrInvalid)
	}
	return w, nil
}

// diffPeriods writes the address index changes between two period lists.
func diffPeriods(w *writes, p pnr.PNR, before, after []period) {
	type k struct {
		a    [12]byte
		from date.Date
	}
	key := func(pp period) k {
		var kk k
		copy(kk.a[:], pp.addr.AppendKey(nil))
		kk.from = pp.from
		return kk
	}
	now := map[k]date.Date{}
	for _, pp := range after {
		now[key(pp)] = pp.to
	}
	was := map[k]date.Date{}
	for _, pp := range before {
		was[key(pp)] = pp.to
		if _, ok := now[key(pp)]; !ok {
			w.del(appendResidenceKey(nil, pp.addr, p, pp.from))
		}
	}
	for _, pp := range after {
		if to, ok := was[key(pp)]; !ok || to != pp.to {
			w.set(appendResidenceKey(nil, pp.addr, p, pp.from), (&enc{}).u32v(uint32(pp.to)))
		}
	}
}
