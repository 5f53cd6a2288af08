package extract

import (
	"context"
	"io"
	"time"

	"cpr/date"
	"cpr/pnr"
	"cpr/register"
	"cpr/subscription"
)

// Status writes the status extract of subscriber id: every person in its
// circle as of day on, as the register knows it now, streamed: memory
// does not grow with the population. progress, if set, is told the
// persons written so far, now and then.
func (x *Extractor) Status(ctx context.Context, id string, on date.Date, f Format, w io.Writer, progress func(int)) (Stats, error) {
	sub, err := x.subscriber(id, f)
	if err != nil {
		return Stats{}, err
	}
	ids := x.identity(sub)
	now := time.Now()
	out := newOutput(f, w, sub, x.Reg.Roads(), x.names(on, time.Time{}), ids)
	if err := out.begin(header{kind: "status", sub: sub, day: on, prev: 0, production: date.InCopenhagen(now)}); err != nil {
		return Stats{}, err
	}
	n := 0
	emit := func(ps *person) error {
		if err := out.person(ps); err != nil {
			return err
		}
		if n++; progress != nil && n%10_000 == 0 {
			progress(n)
		}
		return nil
	}
	var werr error
	if sub.UsesMarks() && len(sub.Circle.Kommuner) == 0 {
		err = x.Subs.Marked(sub.ID, func(p pnr.PNR) bool {
			if werr = ctx.Err(); werr != nil {
				return false
			}
			ps, ok, err := x.snapshot(sub, ids, p, on, time.Time{})
			if err != nil {
				werr = err
				return false
			}
			if ok && x.Subs.InCircle(sub, ps.p, on) {
				werr = emit(ps)
			}
			return werr == nil
		})
	} else {
		today := date.InCopenhagen(now)
		withHistory := sub.Scope.Has(subscription.ScopeHistory) || on != today
		i := 0
		err = x.Reg.Scan(0, withHistory, func(stored *register.Person, hist []register.Entry) bool {
			if i++; i%4096 == 0 {
				if werr = ctx.Err(); werr != nil {
					return false
				}
			}
			p := stored
			if !withHistory && !p.InForce(on) {
				var err error
				if p, err = x.Reg.AsOf(stored.PNR, on, time.Time{}); err != nil {
					return true
				}
			} else if withHistory {
				var ok bool
				if p, ok = register.At(stored, hist, on, time.Time{}); !ok {
					return true
				}
			}
			if !x.Subs.InCircle(sub, p, on) {
				return true
			}
			name, ok := ids.of(p.PNR)
			if !ok {
				return true
			}
			ps := &person{id: name, p: p}
			if sub.Scope.Has(subscription.ScopeHistory) {
				ps.history = register.HistoryView(hist)
			}
			werr = emit(ps)
			return werr == nil
		})
	}
	if werr != nil {
		return Stats{}, werr
	}
	if err != nil {
		return Stats{}, err
	}
	if progress != nil {
		progress(n)
	}
	return out.end()
}
