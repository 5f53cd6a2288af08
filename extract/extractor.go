package extract

import (
	"context"
	"errors"
	"io"
	"slices"
	"time"

	"cpr/date"
	"cpr/pnr"
	"cpr/register"
	"cpr/subscription"
)

// Extractor produces extracts from a register and its subscribers.
type Extractor struct {
	Reg  *register.Register
	Subs *subscription.Registry
	// NameTableBytes bounds the table of relatives' names a large status
	// extract builds (zero: DefaultNameTableBytes); relatives it cannot
	// hold are read one by one.
	NameTableBytes int64
	// SortBytes bounds the memory in which a research subscriber's extract
	// is put in pseudonym order (zero: DefaultSortBytes); beyond it sorted
	// runs go to temporary files in TempDir (empty: os.TempDir()), removed
	// when the extract ends.
	SortBytes int
	TempDir   string
}

// newFormatter is newFormatter with the register's today for a private
// subscriber (protectedNow).
func (x *Extractor) newFormatter(f Format, sub *subscription.Subscriber, names func(pnr.PNR) (register.Name, bool), ids identity, on date.Date) *formatter {
	fm := newFormatter(f, sub, x.Reg.Roads(), names, ids, on)
	fm.protectedNow = x.protectedNow(sub, on)
	return fm
}

// protectedNow is, for a private subscriber and an extract of another day
// than today, whether a person has 0001 today as the register knows it
// now: 0001 put on after the extract's day hides the name and the address
// too. nil otherwise (no private subscriber, or the person as of today is
// the one written and tells it).
func (x *Extractor) protectedNow(sub *subscription.Subscriber, on date.Date) func(pnr.PNR) (bool, error) {
	if sub.Kind != subscription.Private || on == x.Reg.Today() {
		return nil
	}
	return func(p pnr.PNR) (bool, error) {
		q, err := x.Reg.Get(p)
		if errors.Is(err, register.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		return q.Protected(register.ProtectNameAddress, x.Reg.Today()), nil
	}
}

// newOutput is newOutput with the research order of x.
func (x *Extractor) newOutput(f Format, w io.Writer, sub *subscription.Subscriber, names func(pnr.PNR) (register.Name, bool), ids identity, on date.Date) *output {
	o := newOutput(f, w, sub, x.Reg.Roads(), names, ids, on)
	o.fm.protectedNow = x.protectedNow(sub, on)
	if coarse(sub) {
		o.order = newIDOrder(f, x.SortBytes, x.TempDir)
	}
	return o
}

func (x *Extractor) subscriber(id string, f Format) (*subscription.Subscriber, error) {
	s, _, err := x.Subs.Get(id)
	if err != nil {
		return nil, err
	}
	if f == P12170 && s.Kind == subscription.Private {
		return nil, ErrForbidden
	}
	return &s, nil
}

func (x *Extractor) identity(s *subscription.Subscriber) identity {
	id := identity{sub: s}
	switch s.Kind {
	case subscription.Private:
		id.keys = func(p pnr.PNR) (string, bool) { return x.Subs.CustomerKey(s.ID, p) }
	case subscription.Research:
		id.ps = newPseudonyms(s.Secret)
	}
	return id
}

// names looks up relatives' names for records 012 and 015, as known at
// known, remembering the last few thousand.
func (x *Extractor) names(on date.Date, known time.Time) func(pnr.PNR) (register.Name, bool) {
	cache := map[pnr.PNR]register.Name{}
	return func(p pnr.PNR) (register.Name, bool) {
		if n, ok := cache[p]; ok {
			return n, n.Last != ""
		}
		var n register.Name
		if known.IsZero() {
			// As known now: the stored record (one read) is enough.
			if q, err := x.Reg.Get(p); err == nil {
				n = q.Name
			}
		} else if q, err := x.Reg.AsOf(p, on, known); err == nil {
			n = q.Name
		}
		if len(cache) > 1<<16 {
			clear(cache)
		}
		cache[p] = n
		return n, n.Last != ""
	}
}

// viewNames is names(on, time.Time{}) for a status extract: relatives'
// names as in force today, read from the extract's view of the register,
// not from the register as it is when the relative is written.
// personReader reads persons from one state of the register: a
// *register.View (safe for concurrent use) or a *register.ViewReader (one
// goroutine's, cheaper for many reads).
type personReader interface {
	Read(p pnr.PNR) (*register.Person, []register.Entry, error)
	Get(p pnr.PNR, today date.Date) (*register.Person, error)
}

func (x *Extractor) viewNames(view personReader) func(pnr.PNR) (register.Name, bool) {
	cache := map[pnr.PNR]register.Name{}
	today := x.Reg.Today()
	return func(p pnr.PNR) (register.Name, bool) {
		if n, ok := cache[p]; ok {
			return n, n.Last != ""
		}
		var n register.Name
		if q, err := view.Get(p, today); err == nil {
			n = q.Name
		}
		if len(cache) > 1<<16 {
			clear(cache)
		}
		cache[p] = n
		return n, n.Last != ""
	}
}

// viewSnapshot is snapshot(sub, ids, p, on, time.Time{}) read from a view
// of the register whose day is today.
func (x *Extractor) viewSnapshot(view personReader, sub *subscription.Subscriber, ids identity, p pnr.PNR, on, today date.Date) (*person, bool, error) {
	name, ok := ids.of(p)
	if !ok {
		return nil, false, nil
	}
	if on == today && !sub.Scope.Has(subscription.ScopeHistory) {
		// One read when the stored record is in force today; the history
		// is read and folded only when it is not. (Get cannot tell another
		// day: a child born or a child link ended after it is in the
		// stored record, not in the dates Get looks at.)
		q, err := view.Get(p, on)
		if errors.Is(err, register.ErrNotFound) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		return &person{id: name, p: q}, true, nil
	}
	stored, hist, err := view.Read(p)
	if errors.Is(err, register.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	q, ok := register.At(stored, hist, on, time.Time{})
	if !ok {
		return nil, false, nil
	}
	return &person{id: name, p: q, history: register.HistoryView(hist)}, true, nil
}

// Change writes the change extract of subscriber id for day: every person
// in its circle touched by a change registered that day (Danish time),
// each as a full snapshot as the register knew it at the end of the day,
// with an event record per change. The start record names the day and the
// day before as production dates (the extract is daily, so a missing file
// shows). The same day asked twice gives the same bytes. A research
// subscriber's is monthly: day is the first of a month that has ended
// (else ErrResearchMonthly or ErrMonthOpen), the start record names it and
// the first of the month before.
func (x *Extractor) Change(ctx context.Context, id string, day date.Date, f Format, w io.Writer) (Stats, error) {
	sub, err := x.subscriber(id, f)
	if err != nil {
		return Stats{}, err
	}
	// A research subscriber's change extract is of a month: every change
	// registered from its first day to its last, the persons as known at
	// its end. It is made only once the month has ended.
	last, partial := day, x.partialDay(day)
	if sub.Kind == subscription.Research {
		if err := Monthly(sub, day); err != nil {
			return Stats{}, err
		}
		if last = NextMonth(day).AddDays(-1); x.partialDay(last) {
			return Stats{}, ErrMonthOpen
		}
	}
	end := last.AddDays(1).StartIn(date.Copenhagen)
	known := end.Add(-time.Nanosecond)
	first, err := x.Reg.FirstSeqAt(day.StartIn(date.Copenhagen))
	if err != nil {
		return Stats{}, err
	}
	stop, err := x.Reg.FirstSeqAt(end)
	if err != nil {
		return Stats{}, err
	}
	touched := map[pnr.PNR][]event{}
	rt := x.Subs.Router()
	kommuneOf := func(p pnr.PNR) uint16 {
		if q, err := x.Reg.AsOf(p, last, known); err == nil {
			return q.Kommune()
		}
		return 0
	}
	var stopped = errors.New("stop")
	err = x.Reg.Journal(first, func(ev *register.Event) error {
		if ev.Seq >= stop {
			return stopped
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		for _, d := range rt.Route(ev, kommuneOf) {
			if d.Sub.ID != sub.ID {
				continue
			}
			for _, p := range d.PNRs {
				touched[p] = append(touched[p], event{ev: ev, derived: p != ev.PNR})
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, stopped) {
		return Stats{}, err
	}
	pnrs := make([]pnr.PNR, 0, len(touched))
	for p := range touched {
		pnrs = append(pnrs, p)
	}
	slices.Sort(pnrs)
	ids := x.identity(sub)
	out := x.newOutput(f, w, sub, x.names(last, known), ids, last)
	defer out.close()
	prev := day.AddDays(-1)
	if sub.Kind == subscription.Research {
		prev = date.Of(day.Time().AddDate(0, -1, 0)) // the month before
	}
	if err := out.begin(header{kind: "change", sub: sub, day: day, prev: prev, production: day, partial: partial}); err != nil {
		return Stats{}, err
	}
	for _, p := range pnrs {
		ps, ok, err := x.snapshot(sub, ids, p, last, known)
		if err != nil {
			return Stats{}, err
		}
		if !ok {
			continue
		}
		ps.events = touched[p]
		if err := out.person(ps); err != nil {
			return Stats{}, err
		}
	}
	return out.end()
}

// snapshot is person p on day on as known at known, with history when
// the scope has it. ok is false if the subscriber may not see p.
func (x *Extractor) snapshot(sub *subscription.Subscriber, ids identity, p pnr.PNR, on date.Date, known time.Time) (*person, bool, error) {
	name, ok := ids.of(p)
	if !ok {
		return nil, false, nil
	}
	q, err := x.Reg.AsOf(p, on, known)
	if errors.Is(err, register.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	ps := &person{id: name, p: q}
	if sub.Scope.Has(subscription.ScopeHistory) {
		all, err := x.Reg.History(p)
		if err != nil {
			return nil, false, err
		}
		ps.history = knownBy(all, known)
	}
	return ps, true, nil
}

// knownBy is the history view of the entries registered by known.
func knownBy(all []register.Entry, known time.Time) []register.Entry {
	kept := all[:0:0]
	for _, h := range all {
		if !h.Registered.After(known) {
			kept = append(kept, h)
		}
	}
	return register.HistoryView(kept)
}

// Check tells whether subscriber id may receive format f, before any work
// is done.
func (x *Extractor) Check(id string, f Format) (*subscription.Subscriber, error) {
	return x.subscriber(id, f)
}
