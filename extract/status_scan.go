package extract

import (
	"context"
	"errors"
	"io"
	"runtime"

	"cpr/date"
	"cpr/pnr"
	"cpr/register"
	"cpr/subscription"
)

// statusScan writes the status extract of a circle that is not marks
// alone by scanning the whole register. The pnr space is cut into ranges
// (pnrRanges); GOMAXPROCS workers each fold and format one range at a
// time into a buffer of their own, and the caller's goroutine writes the
// buffers in pnr order (inOrder). One view of the register serves every
// range, so the extract is one consistent state. Memory is a few ranges'
// output at a time, plus the relatives' name table (nameTable), which has
// a fixed budget.
func (x *Extractor) statusScan(ctx context.Context, sub *subscription.Subscriber, ids identity, on, today date.Date, h header, f Format, w io.Writer, progress func(int)) (Stats, error) {
	view := x.Reg.View()
	defer view.Close()
	seq, err := view.Seq()
	if err != nil {
		return Stats{}, err
	}
	persons, _, err := x.Reg.EstimatePersons(nil)
	if err != nil {
		return Stats{}, err
	}
	ranges := pnrRanges(persons)
	workers := runtime.GOMAXPROCS(0)
	var table *nameTable
	if x.wantsNameTable(sub) {
		if table, err = x.buildNameTable(ctx, view, ranges, workers); err != nil {
			return Stats{}, err
		}
	}
	out := x.newOutput(f, w, sub, nil, ids, on)
	defer out.close()
	if err := out.begin(h); err != nil {
		return Stats{}, err
	}
	s := &scanJob{x: x, ctx: ctx, view: view, sub: sub, on: on,
		withHistory:  sub.Scope.Has(subscription.ScopeHistory) || on != today,
		scopeHistory: sub.Scope.Has(subscription.ScopeHistory)}
	states := make([]*scanWorker, workers)
	readers, err := openReaders(view, workers)
	defer closeReaders(readers)
	if err != nil {
		return Stats{}, err
	}
	for i := range states {
		names := x.viewNames(readers[i])
		if table != nil {
			names = table.lookup(names)
		}
		states[i] = &scanWorker{fm: x.newFormatter(f, sub, names, ids, on)}
	}
	err = inOrder(ctx, len(ranges)-1, workers,
		func(wk, i int, buf []byte) ([]byte, Stats, error) {
			return s.run(states[wk], ranges[i], ranges[i+1], buf)
		},
		func(buf []byte, st Stats) error {
			if err := out.chunk(buf, st); err != nil {
				return err
			}
			if progress != nil {
				progress(out.st.Persons)
			}
			return nil
		})
	if err != nil {
		return Stats{}, err
	}
	st, err := out.end()
	st.Seq = seq
	return st, err
}

// scanJob is what every worker of one status scan shares.
type scanJob struct {
	x            *Extractor
	ctx          context.Context
	view         *register.View
	sub          *subscription.Subscriber
	on           date.Date
	withHistory  bool // fold each person's history (a past day, or history in scope)
	scopeHistory bool
}

// scanWorker is one worker's own state.
type scanWorker struct {
	fm   *formatter
	hist []register.Entry // the history view of the person being written
}

// run appends the extract of the persons from pnr lo up to hi (0: the
// end) to buf.
func (s *scanJob) run(wk *scanWorker, lo, hi pnr.PNR, buf []byte) ([]byte, Stats, error) {
	var st Stats
	var werr error
	i := 0
	f := register.ScanFilter{On: s.on}
	if c := s.sub.Circle; len(c.Kommuner) > 0 || c.AgeMin > 0 || c.AgeMax > 0 || s.sub.UsesMarks() {
		// A circle that is not everyone: skip who is not in it unread.
		f.Keep = func(p pnr.PNR, kommune uint16, birth date.Date) bool {
			return s.x.Subs.InCircleOf(s.sub, p, kommune, birth, s.on)
		}
	}
	err := s.view.ScanWhere(lo, hi, s.withHistory, f, func(stored *register.Person, hist []register.Entry) bool {
		if i++; i%1024 == 0 {
			if werr = s.ctx.Err(); werr != nil {
				return false
			}
		}
		p := stored
		if s.withHistory {
			var ok bool
			if p, ok = register.AtNow(stored, hist, s.on); !ok {
				return true
			}
		} else if !p.InForce(s.on) {
			var err error
			if p, err = s.view.AsOf(stored.PNR, s.on); errors.Is(err, register.ErrNotFound) {
				return true // not in the register that day
			} else if err != nil {
				werr = err
				return false
			}
		}
		if !s.x.Subs.InCircle(s.sub, p, s.on) {
			return true
		}
		name, ok := wk.fm.ids.of(p.PNR)
		if !ok {
			return true
		}
		ps := person{id: name, p: p}
		if s.scopeHistory {
			wk.hist = register.AppendHistoryView(wk.hist[:0], hist)
			ps.history = wk.hist
		}
		var n int
		buf, n, werr = wk.fm.person(buf, &ps)
		st.Persons++
		st.Records += n
		return werr == nil
	})
	if werr != nil {
		return buf, st, werr
	}
	return buf, st, err
}

// rangePersons is about how many persons one range of a parallel scan
// holds: its output (some 4 MB in P12170 with every record) is what a
// worker keeps in memory at a time.
const rangePersons = 4000

// pnrRanges cuts the pnr space into ranges of about equal population for
// a parallel scan of persons persons, as boundaries: range i is from b[i]
// up to b[i+1], the first starts at 0 and the last is open (0). A pnr is
// DDMMYYSSSS, so a range is one day of the year and a quarter of the two
// year digits (1,488 ranges), cut into as many parts as it takes to hold
// about rangePersons each.
func pnrRanges(persons int) []pnr.PNR {
	const base = 31 * 12 * 4
	parts := uint64(max(1, (persons+base*rangePersons-1)/(base*rangePersons)))
	parts = min(parts, 25*10_000) // one pnr a range
	b := []pnr.PNR{0}
	for d := uint64(1); d <= 31; d++ {
		for m := uint64(1); m <= 12; m++ {
			for y := uint64(0); y < 100; y += 25 {
				lo := d*100_000_000 + m*1_000_000 + y*10_000
				for i := range parts {
					b = append(b, pnr.PNR(lo+i*25*10_000/parts))
				}
			}
		}
	}
	return append(b, 0)
}
