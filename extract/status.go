package extract

import (
	"context"
	"io"
	"runtime"
	"slices"

	"cpr/date"
	"cpr/pnr"
	"cpr/register"
	"cpr/subscription"
)

// Status writes the status extract of subscriber id: every person in its
// circle as of day on, as the register knows it now, streamed: memory
// does not grow with the population. progress, if set, is told the
// persons written so far, now and then, on the caller's goroutine.
//
// A circle of marks alone is read mark by mark, in pieces that GOMAXPROCS
// workers read and format at once; any other circle is a scan of the
// whole register, cut into pnr ranges that the workers fold and format at
// once (see status_scan.go). Either is written in pnr order.
func (x *Extractor) Status(ctx context.Context, id string, on date.Date, f Format, w io.Writer, progress func(int)) (Stats, error) {
	sub, err := x.subscriber(id, f)
	if err != nil {
		return Stats{}, err
	}
	if err := Monthly(sub, on); err != nil {
		return Stats{}, err
	}
	ids := x.identity(sub)
	// Today by the register's clock: the day its stored records are
	// measured against (a replayed year runs on a clock of its own).
	today := x.Reg.Today()
	h := header{kind: "status", sub: sub, day: on, prev: 0, production: today}
	var st Stats
	if sub.UsesMarks() && len(sub.Circle.Kommuner) == 0 {
		st, err = x.statusMarked(ctx, sub, ids, on, today, h, f, w, progress)
	} else {
		st, err = x.statusScan(ctx, sub, ids, on, today, h, f, w, progress)
	}
	if err != nil {
		return Stats{}, err
	}
	return st, nil
}

// markPiece is how many marks one worker reads at a time.
const markPiece = 256

// statusMarked writes the status extract of a circle of marks: one read
// per marked person, in pnr order, from one view of the register. The
// marks are cut into pieces that GOMAXPROCS workers read, fold and format
// at once, written in order (inOrder). Memory is the subscriber's marks
// (8 bytes each) and a few pieces' output.
func (x *Extractor) statusMarked(ctx context.Context, sub *subscription.Subscriber, ids identity, on, today date.Date, h header, f Format, w io.Writer, progress func(int)) (Stats, error) {
	view := x.Reg.View()
	defer view.Close()
	seq, err := view.Seq()
	if err != nil {
		return Stats{}, err
	}
	var (
		marked []pnr.PNR
		keys   []string
	)
	if ids.keys != nil { // a private subscriber: its customer keys too
		err = x.Subs.MarkedKeys(sub.ID, func(p pnr.PNR, key string) bool {
			marked = append(marked, p)
			keys = append(keys, key)
			return true
		})
	} else {
		err = x.Subs.Marked(sub.ID, func(p pnr.PNR) bool {
			marked = append(marked, p)
			return true
		})
	}
	if err != nil {
		return Stats{}, err
	}
	if ids.keys != nil {
		// The customer keys as read with the marks, not one read each.
		ids.keys = func(p pnr.PNR) (string, bool) {
			if i, ok := slices.BinarySearch(marked, p); ok {
				return keys[i], true
			}
			return "", false
		}
	}
	out := x.newOutput(f, w, sub, nil, ids, on)
	defer out.close()
	if err := out.begin(h); err != nil {
		return Stats{}, err
	}
	workers := runtime.GOMAXPROCS(0)
	fms := make([]*formatter, workers)
	readers, err := openReaders(view, workers)
	defer closeReaders(readers)
	if err != nil {
		return Stats{}, err
	}
	for i := range fms {
		fms[i] = x.newFormatter(f, sub, x.viewNames(readers[i]), ids, on)
	}
	pieces := (len(marked) + markPiece - 1) / markPiece
	err = inOrder(ctx, pieces, workers,
		func(wk, i int, buf []byte) ([]byte, Stats, error) {
			var st Stats
			for _, p := range marked[i*markPiece : min(len(marked), (i+1)*markPiece)] {
				ps, ok, err := x.viewSnapshot(readers[wk], sub, ids, p, on, today)
				if err != nil {
					return buf, st, err
				}
				if !ok || !sub.InAgeRange(ps.p.BirthDate, on) { // marked, so in the circle if of age
					continue
				}
				var n int
				if buf, n, err = fms[wk].person(buf, ps); err != nil {
					return buf, st, err
				}
				st.Persons++
				st.Records += n
			}
			return buf, st, nil
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
	if progress != nil {
		progress(out.st.Persons)
	}
	st, err := out.end()
	st.Seq = seq
	return st, err
}

// openReaders opens n readers of view, one for each worker. Close them with
// closeReaders, also after an error.
func openReaders(view *register.View, n int) ([]*register.ViewReader, error) {
	readers := make([]*register.ViewReader, 0, n)
	for range n {
		r, err := view.Reader()
		if err != nil {
			return readers, err
		}
		readers = append(readers, r)
	}
	return readers, nil
}

func closeReaders(readers []*register.ViewReader) {
	for _, r := range readers {
		r.Close()
	}
}
