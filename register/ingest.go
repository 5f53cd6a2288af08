package register

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2/sstable"
)

// IngestRecords writes records of space s as sstables that Pebble ingests
// whole, in one atomic step: for bulk imports too large for one batch.
// Each run puts its keys (after the space tag) in strictly ascending order;
// the runs' key ranges must not overlap, and they are written at the same
// time, as many at once as there are processors. An ingested record
// replaces a stored one with the same key.
//
// Nothing is ingested if a run fails: its error is returned as is. Keys
// out of order are an *InputError.
func (r *Register) IngestRecords(ctx context.Context, s Space, runs ...func(put func(key, value []byte) error) error) error {
	if !s.valid() {
		return fmt.Errorf("%w: unknown record space", ErrInvalid)
	}
	if err := r.brokenErr(); err != nil {
		return err
	}
	ts := &tableSet{r: r, stamp: fmt.Sprintf("ingest-%d", time.Now().UnixNano())}
	defer ts.remove()
	jobs := make([]func() error, len(runs))
	names := make([]string, len(runs))
	empty := make([]bool, len(runs))
	runErrs := make([]error, len(runs))
	for i, run := range runs {
		names[i] = fmt.Sprintf("%c-%03d", s, i)
		jobs[i] = func() error {
			return ts.table(names[i], false, func(w *sstable.Writer) error {
				var k, prev []byte
				n := 0
				err := run(func(key, value []byte) error {
					k = append(append(k[:0], byte(s)), key...)
					if n > 0 && bytes.Compare(prev, k) >= 0 {
						return invalid("key", "records are not in strictly ascending order")
					}
					n++
					prev, k = k, prev
					if err := w.Set(prev, value); err != nil {
						return fmt.Errorf("%w: write sstable: %v", ErrUnavailable, err)
					}
					return nil
				})
				empty[i] = n == 0
				runErrs[i] = err // returned as is, not as a storage error
				return err
			})
		}
	}
	if err := runJobs(jobs); err != nil {
		for _, re := range runErrs {
			if re != nil {
				return re
			}
		}
		return err
	}
	var files []string
	for i, name := range names {
		if !empty[i] {
			files = append(files, ts.path(name))
		}
	}
	if len(files) == 0 {
		return nil
	}
	if err := r.db.Ingest(ctx, files); err != nil {
		return fmt.Errorf("%w: ingest: %v", ErrUnavailable, err)
	}
	return nil
}
