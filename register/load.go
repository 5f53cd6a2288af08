package register

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/objstorage/objstorageprovider"
	"github.com/cockroachdb/pebble/v2/sstable"

	"cpr/date"
	"cpr/pnr"
)

// Bulk load. A population is not registered change by change: the records,
// their first history entries and the index entries are encoded, sorted and
// written as sstables that Pebble ingests whole. Bulk-loaded entries carry
// sequence number 0 and make no journal events: the journal starts after
// the load.

// LoadStats describes a bulk load.
type LoadStats struct {
	Persons  int
	Entries  int
	Bytes    int64
	Duration time.Duration
	// The phases: encoding the persons, sorting and writing the sstables,
	// and Pebble's ingestion.
	Encode, Write, Ingest time.Duration
}

// Load bulk-loads persons into an empty register. Each person is the
// record as it stands (Status, Name, Residence, Civil, Citizenship,
// Protections and Children with their from-dates); the register derives the
// history entries and the index entries from it. Residence.KommuneFrom and
// PreviousKommune are derived as well: the register's knowledge of a loaded
// person starts with its current address.
//
// It returns ErrNotEmpty if the register holds persons or changes already,
// and an *InputError for a person that cannot be stored (duplicate pnr,
// missing status).
func (r *Register) Load(ctx context.Context, persons iter.Seq[*Person]) (LoadStats, error) {
	start := time.Now()
	if r.lastSeq.Load() != 0 || r.hasPersons() {
		return LoadStats{}, ErrNotEmpty
	}
	regT := r.clock().UTC()
	workers := min(max(runtime.GOMAXPROCS(0), 1), 4)
	bufs := make([]*loadBuffers, workers)
	errs := make([]error, workers)
	chunks := make(chan []*Person, workers*2)
	var wg sync.WaitGroup
	for w := range workers {
		bufs[w] = &loadBuffers{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := bufs[w]
			for chunk := range chunks {
				for _, p := range chunk {
					if errs[w] == nil {
						errs[w] = b.add(p, regT)
					}
				}
			}
			if errs[w] == nil {
				b.sortRuns()
			}
		}()
	}
	var (
		chunk []*Person
		n     int
		err   error
	)
	for p := range persons {
		if n++; n%4096 == 0 && ctx.Err() != nil {
			err = ctx.Err()
			break
		}
		chunk = append(chunk, p)
		if len(chunk) == 2048 {
			chunks <- chunk
			chunk = nil
		}
	}
	if len(chunk) > 0 {
		chunks <- chunk
	}
	close(chunks)
	wg.Wait()
	if err != nil {
		return LoadStats{}, err
	}
	if err := errors.Join(errs...); err != nil {
		return LoadStats{}, err
	}
	st := LoadStats{Encode: time.Since(start)}
	for _, b := range bufs {
		st.Persons += len(b.persons)
		st.Entries += b.entries
	}
	files, size, err := r.writeTables(bufs)
	st.Write = time.Since(start) - st.Encode
	for _, f := range files {
		defer r.opts.FS.Remove(f)
	}
	if err != nil {
		return st, err
	}
	st.Bytes = size
	if err := r.db.Ingest(ctx, files); err != nil {
		return st, fmt.Errorf("%w: ingest: %v", ErrUnavailable, err)
	}
	st.Duration = time.Since(start)
	st.Ingest = st.Duration - st.Encode - st.Write
	return st, nil
}

func (r *Register) hasPersons() bool {
	it, err := r.db.NewIter(&pebble.IterOptions{LowerBound: []byte{tagPerson}, UpperBound: []byte{tagPerson + 1}})
	if err != nil {
		return true
	}
	defer it.Close()
	return it.First()
}

// loadBuffers holds the encoded population until it is sorted.
type loadBuffers struct {
	arena      []byte
	persons    []loadRec
	residences []resRec
	births     []birthRec
	names      [2]keyArena // folded and phonetic name keys
	nameCache  nameCache
	entries    int
	scratch    []Entry
}

type loadRec struct {
	pnr        pnr.PNR
	off        uint64 // person value, then the entries, each length-prefixed
	personLen  uint32
	entriesLen uint32
	nEntries   uint8
}

type resRec struct {
	key [residenceLen]byte
	to  date.Date
}

type birthRec struct {
	birth date.Date
	pnr   pnr.PNR
}

func (b *loadBuffers) add(in *Person, regT time.Time) error {
	if in == nil || in.PNR.IsZero() {
		return invalid("pnr", "is required")
	}
	if !in.Status.Valid() {
		return invalid("status", "is not a CPR status code")
	}
	es := loadEntries(b.scratch[:0], in, regT)
	b.scratch = es
	if len(es) > 255 {
		return invalid("children", "too many for one record")
	}
	eff := effective(es, time.Time{})
	snap, ok := replay(in, eff, latestFrom(eff))
	if !ok {
		return invalid("status", "is required")
	}
	snap.CurrentPNR = in.CurrentPNR
	off := uint64(len(b.arena))
	b.arena = appendPerson(b.arena, snap)
	pl := uint32(uint64(len(b.arena)) - off)
	for i := range es {
		es[i].Ord = uint8(i)
		b.arena = appendLenPrefixed(b.arena, &es[i])
	}
	b.persons = append(b.persons, loadRec{pnr: in.PNR, off: off, personLen: pl,
		entriesLen: uint32(uint64(len(b.arena))-off) - pl, nEntries: uint8(len(es))})
	b.entries += len(es)
	for _, pp := range residencePeriods(eff) {
		var rr resRec
		appendResidenceKey(rr.key[:0], pp.addr, in.PNR, pp.from)
		rr.to = pp.to
		b.residences = append(b.residences, rr)
	}
	b.births = append(b.births, birthRec{snap.BirthDate, in.PNR})
	f, ph := b.nameCache.keys(snap.Name, in.PNR)
	b.names[0].add(f)
	b.names[1].add(ph)
	return nil
}

// keyArena holds variable-length keys back to back.
type keyArena struct {
	buf  []byte
	keys [][2]uint32 // offset, length
}

func (a *keyArena) add(k []byte) {
	a.keys = append(a.keys, [2]uint32{uint32(len(a.buf)), uint32(len(k))})
	a.buf = append(a.buf, k...)
}

func (a *keyArena) key(i int) []byte {
	k := a.keys[i]
	return a.buf[k[0] : k[0]+k[1]]
}

func (a *keyArena) sort() {
	slices.SortFunc(a.keys, func(x, y [2]uint32) int {
		return bytes.Compare(a.buf[x[0]:x[0]+x[1]], a.buf[y[0]:y[0]+y[1]])
	})
}

func appendLenPrefixed(dst []byte, h *Entry) []byte {
	n := len(dst)
	dst = append(dst, 0, 0)
	dst = appendEntry(dst, h)
	l := len(dst) - n - 2
	dst[n], dst[n+1] = byte(l>>8), byte(l)
	return dst
}

// loadEntries derives the history entries of a loaded person.
func loadEntries(dst []Entry, p *Person, regT time.Time) []Entry {
	add := func(h Entry) {
		h.Registered = regT
		dst = append(dst, h)
	}
	add(Entry{Fact: FactStatus, From: p.StatusFrom, Status: p.Status})
	add(Entry{Fact: FactName, From: p.Name.From, Name: p.Name})
	add(Entry{Fact: FactAddress, From: p.Residence.From, Address: p.Residence.Address, Foreign: p.Residence.Foreign})
	add(Entry{Fact: FactCivil, From: p.Civil.From, Civil: p.Civil.Code, Spouse: p.Civil.Spouse})
	add(Entry{Fact: FactCitizenship, From: p.CitizenFrom, Citizenship: p.Citizenship})
	for _, pp := range p.Protections {
		add(Entry{Fact: FactProtection, From: pp.From, To: pp.To, Protection: pp.Type, On: true})
	}
	for _, c := range p.Children {
		add(Entry{Fact: FactChild, From: date.Of(c.BirthDate()), Child: c, On: true})
	}
	return dst
}

// sortRuns sorts one worker's buffers; writeTables merges the runs.
func (b *loadBuffers) sortRuns() {
	slices.SortFunc(b.persons, func(x, y loadRec) int { return cmp.Compare(x.pnr, y.pnr) })
	slices.SortFunc(b.residences, func(x, y resRec) int { return bytes.Compare(x.key[:], y.key[:]) })
	slices.SortFunc(b.births, func(x, y birthRec) int {
		return cmp.Or(cmp.Compare(x.birth, y.birth), cmp.Compare(x.pnr, y.pnr))
	})
	for i := range b.names {
		b.names[i].sort()
	}
}

// mergeRuns calls emit for the elements of sorted runs in merged order:
// run r has lens[r] elements and cmp compares element i of run a with
// element j of run b.
func mergeRuns(lens []int, cmp func(a, i, b, j int) int, emit func(r, i int) error) error {
	pos := make([]int, len(lens))
	for {
		best := -1
		for r := range lens {
			if pos[r] < lens[r] && (best < 0 || cmp(r, pos[r], best, pos[best]) < 0) {
				best = r
			}
		}
		if best < 0 {
			return nil
		}
		if err := emit(best, pos[best]); err != nil {
			return err
		}
		pos[best]++
	}
}

// writeTables writes one sstable per key space, merging the workers' sorted
// runs, two tables at a time. It returns the file names and bytes written.
func (r *Register) writeTables(bufs []*loadBuffers) ([]string, int64, error) {
	lens := func(f func(b *loadBuffers) int) []int {
		out := make([]int, len(bufs))
		for i, b := range bufs {
			out[i] = f(b)
		}
		return out
	}
	k := make([]byte, 0, 64)
	nameJob := func(which int) func(w *sstable.Writer) error {
		return func(w *sstable.Writer) error {
			return mergeRuns(lens(func(b *loadBuffers) int { return len(b.names[which].keys) }),
				func(a, i, b, j int) int {
					return bytes.Compare(bufs[a].names[which].key(i), bufs[b].names[which].key(j))
				},
				func(r, i int) error { return w.Set(bufs[r].names[which].key(i), nil) })
		}
	}
	jobs := []struct {
		name  string
		write func(w *sstable.Writer) error
	}{
		{"person", func(w *sstable.Writer) error {
			var prev pnr.PNR
			return mergeRuns(lens(func(b *loadBuffers) int { return len(b.persons) }),
				func(a, i, b, j int) int { return cmp.Compare(bufs[a].persons[i].pnr, bufs[b].persons[j].pnr) },
				func(r, i int) error {
					rec := bufs[r].persons[i]
					if rec.pnr == prev {
						return invalid("pnr", "appears twice in the load")
					}
					prev = rec.pnr
					return w.Set(appendPersonKey(k[:0], rec.pnr), bufs[r].arena[rec.off:rec.off+uint64(rec.personLen)])
				})
		}},
		{"history", func(w *sstable.Writer) error {
			hk := make([]byte, 0, historyKeyLn)
			return mergeRuns(lens(func(b *loadBuffers) int { return len(b.persons) }),
				func(a, i, b, j int) int { return cmp.Compare(bufs[a].persons[i].pnr, bufs[b].persons[j].pnr) },
				func(r, i int) error {
					rec := bufs[r].persons[i]
					at := rec.off + uint64(rec.personLen)
					e := bufs[r].arena[at : at+uint64(rec.entriesLen)]
					for ord := 0; ord < int(rec.nEntries); ord++ {
						l := int(e[0])<<8 | int(e[1])
						if err := w.Set(appendHistoryKey(hk[:0], rec.pnr, 0, uint8(ord)), e[2:2+l]); err != nil {
							return err
						}
						e = e[2+l:]
					}
					return nil
				})
		}},
		{"residence", func(w *sstable.Writer) error {
			var v enc
			return mergeRuns(lens(func(b *loadBuffers) int { return len(b.residences) }),
				func(a, i, b, j int) int {
					return bytes.Compare(bufs[a].residences[i].key[:], bufs[b].residences[j].key[:])
				},
				func(r, i int) error {
					v.b = v.b[:0]
					v.u32(uint32(bufs[r].residences[i].to))
					return w.Set(bufs[r].residences[i].key[:], v.b)
				})
		}},
		{"birth", func(w *sstable.Writer) error {
			bk := make([]byte, 0, birthKeyLen)
			return mergeRuns(lens(func(b *loadBuffers) int { return len(b.births) }),
				func(a, i, b, j int) int {
					x, y := bufs[a].births[i], bufs[b].births[j]
					return cmp.Or(cmp.Compare(x.birth, y.birth), cmp.Compare(x.pnr, y.pnr))
				},
				func(r, i int) error {
					br := bufs[r].births[i]
					return w.Set(appendBirthKey(bk[:0], br.birth, br.pnr), nil)
				})
		}},
		{"name", nameJob(0)},
		{"phonetic", nameJob(1)},
	}
	stamp := time.Now().UnixNano()
	files := make([]string, len(jobs))
	sizes := make([]int64, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i, j := range jobs {
		files[i] = r.opts.FS.PathJoin(r.dir, fmt.Sprintf("load-%d-%s.sst", stamp, j.name))
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			sizes[i], errs[i] = r.writeTable(files[i], j.write)
		}()
	}
	wg.Wait()
	var total int64
	for _, n := range sizes {
		total += n
	}
	for _, err := range errs {
		var ie *InputError
		if errors.As(err, &ie) {
			return files, total, err
		}
	}
	for _, err := range errs {
		if err != nil {
			return files, total, fmt.Errorf("%w: write sstable: %v", ErrUnavailable, err)
		}
	}
	return files, total, nil
}

func (r *Register) writeTable(name string, fill func(*sstable.Writer) error) (int64, error) {
	f, err := r.opts.FS.Create(name, "")
	if err != nil {
		return 0, err
	}
	w := sstable.NewWriter(objstorageprovider.NewFileWritable(f), r.opts.MakeWriterOptions(6, r.db.TableFormat()))
	if err := fill(w); err != nil {
		w.Close()
		return 0, err
	}
	if err := w.Close(); err != nil {
		return 0, err
	}
	st, err := r.opts.FS.Stat(name)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}
