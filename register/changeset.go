package register

import (
	"fmt"
	"maps"
	"reflect"
	"time"

	"cpr/address"

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
	if h.Marker == 0 {
		h.Marker = MarkNone
	}
	t.ord++
	t.entries = append(t.entries, h)
}

// writes are the key operations of one change, applied to the group's
// batch only when the whole change succeeded.
type writes struct {
	ops     []op
	persons map[pnr.PNR]*Person
	pending map[pnr.PNR][]Entry // the entries this change added
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
	w := &writes{persons: map[pnr.PNR]*Person{}, pending: map[pnr.PNR][]Entry{}}
	for _, p := range cs.order {
		t := cs.touched[p]
		var (
			snap          *Person
			before, after []period
			err           error
		)
		fast := !t.created && foldsOnto(t.base, t.entries)
		if fast {
			snap, before, after = foldOnto(t.base, t.entries)
		}
		if !fast || cs.g.r.verify {
			full, fb, fa, ferr := cs.fullFold(t)
			if ferr != nil {
				return nil, ferr
			}
			if fast {
				err = checkSame(snap, full, before, after, fb, fa)
			} else {
				snap, before, after = full, fb, fa
			}
		}
		if err != nil {
			return nil, err
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
		diffPeriods(w, p, before, after)
		if t.created || !sameName(t.base.Name, snap.Name) {
			if !t.created {
				f, ph := nameKeys(t.base.Name, p)
				w.del(f)
				w.del(ph)
			}
			f, ph := nameKeys(snap.Name, p)
			w.set(f, nil)
			w.set(ph, nil)
		}
		w.persons[p] = snap
		w.pending[p] = t.entries
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

// fullFold replays every entry of the person, old and new.
func (cs *changeSet) fullFold(t *touched) (*Person, []period, []period, error) {
	var old []Entry
	if !t.created {
		var err error
		if old, err = cs.g.entries(t.base.PNR); err != nil {
			return nil, nil, nil, err
		}
	}
	all := make([]Entry, 0, len(old)+len(t.entries))
	all = append(append(all, old...), t.entries...)
	eff := effective(all, time.Time{})
	snap, ok := replay(t.base, eff, latestFrom(eff))
	if !ok {
		return nil, nil, nil, fmt.Errorf("%w: change leaves a person without status", ErrInvalid)
	}
	snap.Seq = lastSeq(all, time.Time{})
	after := residencePeriods(eff)
	snap.open = openFrom(after)
	return snap, residencePeriods(effective(old, time.Time{})), after, nil
}

// checkSame is Options.Verify: the fast path must agree with the full fold,
// in the record and in what it does to the address index.
func checkSame(fast, full *Person, fb, fa, b, a []period) error {
	fast.CurrentPNR, full.CurrentPNR = 0, 0
	if !reflect.DeepEqual(fast, full) {
		return fmt.Errorf("%w: verify: fast fold differs from replay", ErrCorrupt)
	}
	if !maps.Equal(periodOps(fb, fa), periodOps(b, a)) {
		return fmt.Errorf("%w: verify: fast index differs from replay", ErrCorrupt)
	}
	return nil
}

type periodKey struct {
	a    [12]byte
	from date.Date
}

// periodOps is the index change from before to after: for each key, the
// new to-date, or -1 to delete it.
func periodOps(before, after []period) map[periodKey]int64 {
	key := func(pp period) periodKey {
		var k periodKey
		pp.addr.AppendKey(k.a[:0])
		k.from = pp.from
		return k
	}
	now := map[periodKey]date.Date{}
	for _, pp := range after {
		now[key(pp)] = pp.to
	}
	was := map[periodKey]date.Date{}
	ops := map[periodKey]int64{}
	for _, pp := range before {
		k := key(pp)
		was[k] = pp.to
		if _, ok := now[k]; !ok {
			ops[k] = -1
		}
	}
	for _, pp := range after {
		if to, ok := was[key(pp)]; !ok || to != pp.to {
			ops[key(pp)] = int64(pp.to)
		}
	}
	return ops
}

// diffPeriods writes the address index changes between two period lists.
func diffPeriods(w *writes, p pnr.PNR, before, after []period) {
	for k, to := range periodOps(before, after) {
		a, err := address.DecodeKey(k.a[:])
		if err != nil {
			panic(err) // encoded just above
		}
		if to < 0 {
			w.del(appendResidenceKey(nil, a, p, k.from))
		} else {
			w.set(appendResidenceKey(nil, a, p, k.from), (&enc{}).u32v(uint32(to)))
		}
	}
}

func sameName(a, b Name) bool {
	return a.First == b.First && a.Middle == b.Middle && a.Last == b.Last
}
