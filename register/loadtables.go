package register

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/objstorage/objstorageprovider"
	"github.com/cockroachdb/pebble/v2/sstable"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// writeTables writes the sstables of a load from the workers' spills. Each
// table covers a range of buckets of one key space, so the tables of a key
// space do not overlap and can be written at the same time: one job per
// table, as many at once as there are processors, each with one bucket in
// memory at a time. It returns the file names and the bytes written.
func (r *Register) writeTables(bufs []*loadBuffers, stamp string) ([]string, int64, error) {
	ts := &tableSet{r: r, stamp: stamp}
	table := ts.table
	spills := func(f func(b *loadBuffers) *spill) []*spill {
		out := make([]*spill, len(bufs))
		for i, b := range bufs {
			out[i] = f(b)
		}
		return out
	}
	people := spills(func(b *loadBuffers) *spill { return b.people })
	pool := make(sorters, runtime.GOMAXPROCS(0))
	var jobs []func() error
	// Persons and their history: 32 buckets (by day of birth) in 4 parts,
	// each a person table and a history table.
	for part := range 4 {
		lo, hi := part*8, part*8+8
		name := fmt.Sprintf("%02d", part)
		jobs = append(jobs, func() error {
			bs := pool.get()
			defer pool.put(bs)
			var hist *sstable.Writer
			return table("history-"+name, false, func(hw *sstable.Writer) error {
				hist = hw
				return table("person-"+name, true, func(pw *sstable.Writer) error {
					return writePeople(bs, people, lo, hi, pw, hist)
				})
			})
		})
	}
	copyJob := func(name string, ss []*spill, lo, hi int) {
		jobs = append(jobs, func() error {
			bs := pool.get()
			defer pool.put(bs)
			return table(name, false, func(w *sstable.Writer) error { return copySpill(bs, ss, lo, hi, w) })
		})
	}
	// The larger jobs first, so that the last ones to end are small.
	copyJob("name", spills(func(b *loadBuffers) *spill { return b.names[0] }), 0, 30)
	copyJob("phonetic", spills(func(b *loadBuffers) *spill { return b.names[1] }), 0, 30)
	res := spills(func(b *loadBuffers) *spill { return b.residences })
	copyJob("residence-0", res, 0, 50)
	copyJob("residence-1", res, 50, 100)
	jobs = append(jobs, func() error {
		return table("birth", false, func(w *sstable.Writer) error { return writeBirths(bufs, w) })
	})

	err := runJobs(jobs)
	return ts.files, ts.total, err
}

// sorters lends the jobs of a load their bucket buffers, so that a job
// reuses the memory of the one before it instead of new memory (which
// costs a page fault every 4 KiB).
type sorters chan *bucketSorter

func (s sorters) get() *bucketSorter {
	select {
	case b := <-s:
		return b
	default:
		return new(bucketSorter)
	}
}

func (s sorters) put(b *bucketSorter) {
	select {
	case s <- b:
	default:
	}
}

// tableSet writes the sstables of one bulk write, named after its stamp,
// and keeps their names and total size.
type tableSet struct {
	r     *Register
	stamp string
	mu    sync.Mutex
	files []string
	total int64
}

// table writes one sstable through write. With filter it gets the
// database's bloom filter: only tables read with Get need one, Pebble uses
// none for scans.
func (ts *tableSet) table(name string, filter bool, write func(w *sstable.Writer) error) error {
	r := ts.r
	path := ts.path(name)
	f, err := r.opts.FS.Create(path, "")
	if err != nil {
		return err
	}
	ts.mu.Lock()
	ts.files = append(ts.files, path)
	ts.mu.Unlock()
	wo := r.opts.MakeWriterOptions(6, r.db.TableFormat())
	if !filter {
		wo.FilterPolicy = pebble.NoFilterPolicy
	}
	// Written back as it is written (as Pebble writes its own tables), so
	// the sync at the end has little left to do.
	f = vfs.NewSyncingFile(f, vfs.SyncingFileOptions{BytesPerSync: 1 << 20})
	w := sstable.NewWriter(objstorageprovider.NewFileWritable(f), wo)
	if err := write(w); err != nil {
		w.Close()
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	st, err := r.opts.FS.Stat(path)
	if err != nil {
		return err
	}
	ts.mu.Lock()
	ts.total += st.Size()
	ts.mu.Unlock()
	return nil
}

func (ts *tableSet) path(name string) string {
	return ts.r.opts.FS.PathJoin(ts.r.dir, ts.stamp+"-"+name+".sst")
}

// remove deletes the set's files (after ingestion Pebble holds its own
// links to them).
func (ts *tableSet) remove() {
	for _, f := range ts.files {
		ts.r.opts.FS.Remove(f)
	}
}

// runJobs runs the jobs, as many at once as there are processors. An
// *InputError from a job is returned as is; any other error is
// ErrUnavailable.
func runJobs(jobs []func() error) error {
	errs := make([]error, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(jobs)) {
		wg.Go(func() {
			for j := range next {
				errs[j] = jobs[j]()
			}
		})
	}
	for j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	var ie *InputError
	for _, err := range errs {
		if errors.As(err, &ie) {
			return err
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: write sstable: %v", ErrUnavailable, err)
	}
	return nil
}

// copySpill writes the records of buckets lo to hi-1 of a set of spills,
// in key order, sorted in bs.
func copySpill(bs *bucketSorter, ss []*spill, lo, hi int, w *sstable.Writer) error {
	for i := lo; i < hi; i++ {
		buf, recs, _, err := bs.sortedBucket(ss, i)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			if err := w.Set(rec.key(buf), rec.value(buf)); err != nil {
				return err
			}
		}
	}
	return nil
}

// writePeople writes the person records and history entries of buckets lo
// to hi-1 of the person spills, sorted in bs.
func writePeople(bs *bucketSorter, ps []*spill, lo, hi int, pw, hw *sstable.Writer) error {
	var (
		pk = make([]byte, 0, personKeyLen)
		hk = make([]byte, 0, historyKeyLn)
	)
	for i := lo; i < hi; i++ {
		buf, recs, common, err := bs.sortedBucket(ps, i)
		if err != nil {
			return err
		}
		for j, rec := range recs {
			if j > 0 && recs[j-1].sameKey(rec, buf, common) {
				return invalid("pnr", "appears twice in the load")
			}
			p, err := decodePNR(rec.key(buf))
			if err != nil {
				return err
			}
			v := rec.value(buf)
			pl, n := binary.Uvarint(v)
			if n <= 0 || uint64(len(v)-n) < pl {
				return fmt.Errorf("%w: spilled person", ErrCorrupt)
			}
			if err := pw.Set(appendPersonKey(pk[:0], p), v[n:n+int(pl)]); err != nil {
				return err
			}
			// The entries, as a load bundle under one key.
			if err := hw.Set(appendHistoryKey(hk[:0], p, 0, 0), v[n+int(pl):]); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeBirths writes the birth date index, merging the workers' sorted
// lists.
func writeBirths(bufs []*loadBuffers, w *sstable.Writer) error {
	lens := make([]int, len(bufs))
	for i, b := range bufs {
		lens[i] = len(b.births)
	}
	bk := make([]byte, 0, birthKeyLen)
	return mergeRuns(lens, func(a, i, b, j int) int {
		return cmp.Compare(bufs[a].births[i], bufs[b].births[j])
	}, func(ri, i int) error {
		birth, p := unpackBirth(bufs[ri].births[i])
		return w.Set(appendBirthKey(bk[:0], birth, p), nil)
	})
}
