package extract

import (
	"context"
	"io"
	"time"

	"cpr/date"
	"cpr/pnr"
	"cpr/subscription"
)

// Status writes the status extract of subscriber id: every person in its
// circle as of day on, as the register knows it now, streamed: memory
// does not grow with the population. progress, if set, is told the
// persons written so far, now and then, on the caller's goroutine.
//
// A circle of marks alone is read mark by mark; any other circle is a
// scan of the whole register, cut into pnr ranges that GOMAXPROCS workers
// fold and format at once, written in pnr order (see status_scan.go).
func (x *Extractor) Status(ctx context.Context, id string, on date.Date, f Format, w io.Writer, progress func(int)) (Stats, error) {
	sub, err := x.subscriber(id, f)
	if err != nil {
		return Stats{}, err
	}
	ids := x.identity(sub)
	now := time.Now()
	h := header{kind: "status", sub: sub, day: on, prev: 0, production: date.InCopenhagen(now)}
	var st Stats
	if sub.UsesMarks() && len(sub.Circle.Kommuner) == 0 {
		st, err = x.statusMarked(ctx, sub, ids, on, h, f, w, progress)
	} else {
		st, err = x.statusScan(ctx, sub, ids, on, date.InCopenhagen(now), h, f, w, progress)
	}
	if err != nil {
		return Stats{}, err
	}
	return st, nil
}

// statusMarked writes the status extract of a circle of marks: one read
// per marked person, in pnr order, from one view of the register.
func (x *Extractor) statusMarked(ctx context.Context, sub *subscription.Subscriber, ids identity, on date.Date, h header, f Format, w io.Writer, progress func(int)) (Stats, error) {
	view := x.Reg.View()
	defer view.Close()
	seq, err := view.Seq()
	if err != nil {
		return Stats{}, err
	}
	out := newOutput(f, w, sub, x.Reg.Roads(), x.viewNames(view), ids, on)
	if err := out.begin(h); err != nil {
		return Stats{}, err
	}
	var werr error
	err = x.Subs.Marked(sub.ID, func(p pnr.PNR) bool {
		if werr = ctx.Err(); werr != nil {
			return false
		}
		ps, ok, err := x.viewSnapshot(view, sub, ids, p, on)
		if err != nil {
			werr = err
			return false
		}
		if ok && x.Subs.InCircle(sub, ps.p, on) {
			if werr = out.person(ps); werr == nil && progress != nil && out.st.Persons%10_000 == 0 {
				progress(out.st.Persons)
			}
		}
		return werr == nil
	})
	if werr != nil {
		return Stats{}, werr
	}
	if err != nil {
		return Stats{}, err
	}
	if progress != nil {
		progress(out.st.Persons)
	}
	st, err := out.end()
	st.Seq = seq
	return st, err
}
