package extract

import (
	"context"
	"errors"
	"io"
	"runtime"
	"slices"
	"sync"
	"time"

	"cpr/date"
	"cpr/pnr"
	"cpr/register"
	"cpr/subscription"
)

// DayOptions says where ChangeDay writes each subscriber's extract.
type DayOptions struct {
	// Format is a subscriber's format (nil: P12170 for public subscribers,
	// JSON Lines for the others).
	Format func(sub *subscription.Subscriber) Format
	// Open returns where a subscriber's extract goes. ChangeDay writes the
	// whole extract, then calls Close on it. Open and Close may be called
	// from several goroutines at once.
	Open func(sub *subscription.Subscriber, f Format) (io.WriteCloser, error)
	// Workers is how many goroutines read and format (0: GOMAXPROCS).
	Workers int
}

// DayExtract is one subscriber's change extract of a day.
type DayExtract struct {
	Subscriber string
	Format     Format
	Stats
}

// ChangeDay writes the change extract of day for every subscriber, the
// same content Change gives each of them, in one pass over the day's
// journal: each change is routed once, each person touched is read once
// (as the register knew it at the end of the day) and formatted for every
// subscriber that receives it. Every subscriber but a research one gets
// an extract, an empty one (start and end record) when nothing touched its
// circle; a research subscriber's is monthly, made by Change. The result
// is ordered by subscriber id.
func (x *Extractor) ChangeDay(ctx context.Context, day date.Date, o DayOptions) ([]DayExtract, error) {
	if o.Format == nil {
		o.Format = func(s *subscription.Subscriber) Format {
			if s.Kind == subscription.Public {
				return P12170
			}
			return JSONL
		}
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	partial := x.partialDay(day)
	// Research subscribers' change extracts are monthly (Change), never
	// of a day: ChangeDay leaves them out.
	subs := slices.DeleteFunc(x.Subs.List(), func(s subscription.Subscriber) bool { return s.Kind == subscription.Research })
	end := day.AddDays(1).StartIn(date.Copenhagen)
	known := end.Add(-time.Nanosecond)
	first, err := x.Reg.FirstSeqAt(day.StartIn(date.Copenhagen))
	if err != nil {
		return nil, err
	}
	stop, err := x.Reg.FirstSeqAt(end)
	if err != nil {
		return nil, err
	}

	// Route every change of the day once.
	slot := make(map[string]int, len(subs))
	for i := range subs {
		slot[subs[i].ID] = i
	}
	touched := make([]map[pnr.PNR][]event, len(subs))
	want := map[pnr.PNR]bool{} // person -> some subscriber has the history scope
	// When nothing was registered after the day and the register's today
	// is the day, the register knows now what it knew at the end of the
	// day: the stored records (Get, no replay) are the persons as of the
	// day, and relatives' names are read from them.
	now := x.Reg.LastSeq() < stop && x.Reg.Today() == day
	asOf := func(p pnr.PNR) (*register.Person, error) {
		if now {
			return x.Reg.Get(p)
		}
		return x.Reg.AsOf(p, day, known)
	}
	kommune := map[pnr.PNR]uint16{}
	kommuneOf := func(p pnr.PNR) uint16 {
		if k, ok := kommune[p]; ok {
			return k
		}
		var k uint16
		if q, err := asOf(p); err == nil {
			k = q.Kommune()
		}
		kommune[p] = k
		return k
	}
	rt := x.Subs.Router()
	errStop := errors.New("stop")
	err = x.Reg.Journal(first, func(ev *register.Event) error {
		if ev.Seq >= stop {
			return errStop
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		for _, d := range rt.Route(ev, kommuneOf) {
			i, ok := slot[d.Sub.ID]
			if !ok {
				continue // a research subscriber, or one put since List
			}
			if touched[i] == nil {
				touched[i] = map[pnr.PNR][]event{}
			}
			hist := d.Sub.Scope.Has(subscription.ScopeHistory)
			for _, p := range d.PNRs {
				touched[i][p] = append(touched[i][p], event{ev: ev, derived: p != ev.PNR})
				want[p] = want[p] || hist
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return nil, err
	}

	snaps, err := x.daySnapshots(ctx, want, asOf, known, o.Workers)
	if err != nil {
		return nil, err
	}

	// Relatives' names (records 012 and 015): from the persons read above,
	// else read once and shared by the workers.
	var (
		namesMu sync.RWMutex
		named   = map[pnr.PNR]register.Name{}
	)
	names := func(p pnr.PNR) (register.Name, bool) {
		if s, ok := snaps[p]; ok {
			return s.p.Name, s.p.Name.Last != ""
		}
		namesMu.RLock()
		n, ok := named[p]
		namesMu.RUnlock()
		if !ok {
			if q, err := asOf(p); err == nil {
				n = q.Name
			}
			namesMu.Lock()
			named[p] = n
			namesMu.Unlock()
		}
		return n, n.Last != ""
	}

	// Format every subscriber's extract, the subscribers shared among the
	// workers.
	out := make([]DayExtract, len(subs))
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed error
		next   int
	)
	for range o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for {
				mu.Lock()
				i := next
				next++
				stop := failed != nil || ctx.Err() != nil
				mu.Unlock()
				if i >= len(subs) || stop {
					return
				}
				sub := &subs[i]
				f := o.Format(sub)
				var err error
				out[i], buf, err = x.dayExtract(sub, f, day, partial, touched[i], snaps, names, buf, o.Open)
				if err != nil {
					mu.Lock()
					if failed == nil {
						failed = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if failed != nil {
		return nil, failed
	}
	return out, ctx.Err()
}

// daySnap is a person as the register knew it at the end of the day.
type daySnap struct {
	p       *register.Person
	history []register.Entry // HistoryView as known then; only when asked for
}

// daySnapshots reads every person touched, in parallel.
func (x *Extractor) daySnapshots(ctx context.Context, want map[pnr.PNR]bool, asOf func(pnr.PNR) (*register.Person, error), known time.Time, workers int) (map[pnr.PNR]*daySnap, error) {
	pnrs := make([]pnr.PNR, 0, len(want))
	for p := range want {
		pnrs = append(pnrs, p)
	}
	slices.Sort(pnrs)
	snaps := make([]*daySnap, len(pnrs))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(pnrs); i += workers {
				if ctx.Err() != nil {
					errs[w] = ctx.Err()
					return
				}
				p := pnrs[i]
				q, err := asOf(p)
				if errors.Is(err, register.ErrNotFound) {
					continue
				} else if err != nil {
					errs[w] = err
					return
				}
				s := &daySnap{p: q}
				if want[p] {
					all, err := x.Reg.History(p)
					if err != nil {
						errs[w] = err
						return
					}
					s.history = knownBy(all, known)
				}
				snaps[i] = s
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out := make(map[pnr.PNR]*daySnap, len(pnrs))
	for i, p := range pnrs {
		if snaps[i] != nil {
			out[p] = snaps[i]
		}
	}
	return out, nil
}

// dayExtract writes one subscriber's change extract of the day.
func (x *Extractor) dayExtract(sub *subscription.Subscriber, f Format, day date.Date, partial bool, touched map[pnr.PNR][]event,
	snaps map[pnr.PNR]*daySnap, names func(pnr.PNR) (register.Name, bool), buf []byte,
	open func(*subscription.Subscriber, Format) (io.WriteCloser, error)) (DayExtract, []byte, error) {
	de := DayExtract{Subscriber: sub.ID, Format: f}
	if f == P12170 && sub.Kind == subscription.Private {
		return de, buf, ErrForbidden
	}
	w, err := open(sub, f)
	if err != nil {
		return de, buf, err
	}
	ids := x.identity(sub)
	fm := x.newFormatter(f, sub, names, ids, day)
	buf, err = fm.begin(buf[:0], header{kind: "change", sub: sub, day: day, prev: day.AddDays(-1), production: day, partial: partial})
	de.Records++
	pnrs := make([]pnr.PNR, 0, len(touched))
	for p := range touched {
		pnrs = append(pnrs, p)
	}
	slices.Sort(pnrs)
	if coarse(sub) {
		byID(pnrs, ids) // as Change writes it: see idorder.go
	}
	write := func() {
		if err == nil {
			var n int
			n, err = w.Write(buf)
			de.Bytes += int64(n)
		}
		buf = buf[:0]
	}
	for _, p := range pnrs {
		if err != nil {
			break
		}
		s, ok := snaps[p]
		if !ok {
			continue
		}
		id, ok := ids.of(p)
		if !ok {
			continue
		}
		ps := &person{id: id, p: s.p, events: touched[p]}
		if sub.Scope.Has(subscription.ScopeHistory) {
			ps.history = s.history
		}
		var n int
		buf, n, err = fm.person(buf, ps)
		de.Persons++
		de.Events += len(ps.events)
		de.Records += n
		if len(buf) >= 1<<20 {
			write()
		}
	}
	if err == nil {
		buf, err = fm.end(buf, de.Records)
		de.Records++
	}
	write()
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return de, buf, err
}
