package register

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"

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
	stamp := fmt.Sprintf("load-%d", time.Now().UnixNano())
	workers := min(max(runtime.GOMAXPROCS(0), 1), 4)
	bufs := make([]*loadBuffers, workers)
	for w := range bufs {
		bufs[w] = r.newLoadBuffers(fmt.Sprintf("%s-w%d", stamp, w))
		defer bufs[w].remove()
	}
	errs := make([]error, workers)
	chunks := make(chan []*Person, workers*2)
	var wg sync.WaitGroup
	for w := range workers {
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
				errs[w] = b.finish()
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
		var ie *InputError
		if errors.As(err, &ie) {
			return LoadStats{}, err
		}
		return LoadStats{}, fmt.Errorf("%w: load: %v", ErrUnavailable, err)
	}
	st := LoadStats{Encode: time.Since(start)}
	for _, b := range bufs {
		st.Persons += b.persons
		st.Entries += b.entries
	}
	files, size, err := r.writeTables(bufs, stamp)
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

// loadBuffers is one load worker's output: spilled records of every key
// space but the small birth date index, which stays in memory.
type loadBuffers struct {
	persons, entries int
	people           *spill // pnr -> person value, entries
	residences       *spill // residence key -> to
	names            [2]*spill
	births           []uint64 // packBirth
	nameCache        nameCache
	scratch, eff     []Entry
	rec, val         []byte
	fkey, pkey       []byte // name keys
}

// packBirth packs a birth date index entry into one integer that sorts as
// its key does: the date (yyyymmdd < 2^27) above the pnr (< 2^34).
func packBirth(birth date.Date, p pnr.PNR) uint64 { return uint64(birth)<<34 | uint64(p) }

func unpackBirth(v uint64) (date.Date, pnr.PNR) { return date.Date(v >> 34), pnr.PNR(v & (1<<34 - 1)) }

func (r *Register) newLoadBuffers(prefix string) *loadBuffers {
	path := func(s string) string { return r.opts.FS.PathJoin(r.dir, prefix+"-"+s) }
	return &loadBuffers{
		// A pnr starts with the day of birth: 32 buckets in key order.
		people: newSpill(r.opts.FS, path("person"), 32, func(k []byte) int {
			return int(binary.BigEndian.Uint64(k) / 100_000_000)
		}),
		// A residence key starts with the kommunekode (< 1000).
		residences: newSpill(r.opts.FS, path("residence"), 100, func(k []byte) int {
			return int(binary.BigEndian.Uint16(k[1:3])) / 10
		}),
		names: [2]*spill{
			newSpill(r.opts.FS, path("name"), 30, nameBucket),
			newSpill(r.opts.FS, path("phonetic"), 30, nameBucket),
		},
	}
}

// nameBucket buckets name keys by the first byte of the last name, in
// byte order.
func nameBucket(k []byte) int {
	switch c := k[1]; {
	case c < '0':
		return 0
	case c <= '9':
		return 1
	case c < 'a':
		return 2
	case c <= 'z':
		return 3 + int(c-'a')
	}
	return 29
}

func (b *loadBuffers) finish() error {
	slices.Sort(b.births)
	return errors.Join(b.people.finish(), b.residences.finish(), b.names[0].finish(), b.names[1].finish())
}

func (b *loadBuffers) remove() {
	b.people.remove()
	b.residences.remove()
	b.names[0].remove()
	b.names[1].remove()
}

// add encodes one person: its record and history entries (derived by the
// same fold as every change), its residence, name and birth date keys.
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
	eff := effectiveInto(b.eff, es, time.Time{})
	b.eff = eff
	snap, ok := replay(in, eff, latestFrom(eff))
	if !ok {
		return invalid("status", "is required")
	}
	snap.CurrentPNR = in.CurrentPNR
	periods := residencePeriods(eff)
	snap.open = openFrom(periods)
	b.rec = appendPerson(b.rec[:0], snap)
	v := binary.AppendUvarint(b.val[:0], uint64(len(b.rec)))
	v = append(v, b.rec...)
	v, err := appendLoadBundle(v, es)
	if err != nil {
		return err
	}
	b.val = v
	var key [pnrLen]byte
	in.PNR.AppendKey(key[:0])
	if err := b.people.add(key[:], v); err != nil {
		return err
	}
	b.persons++
	b.entries += len(es)
	var rk [residenceLen]byte
	var rv enc
	for _, pp := range periods {
		appendResidenceKey(rk[:0], pp.addr, in.PNR, pp.from)
		rv.b = rv.b[:0]
		rv.u32(uint32(pp.to))
		if err := b.residences.add(rk[:], rv.b); err != nil {
			return err
		}
	}
	b.births = append(b.births, packBirth(snap.BirthDate, in.PNR))
	b.fkey, b.pkey = b.nameCache.keys(snap.Name, in.PNR, b.fkey[:0], b.pkey[:0])
	if err := b.names[0].add(b.fkey, nil); err != nil {
		return err
	}
	return b.names[1].add(b.pkey, nil)
}

// loadEntries derives the history entries of a loaded person.
func loadEntries(dst []Entry, p *Person, regT time.Time) []Entry {
	add := func(h Entry) {
		h.Registered, h.Marker = regT, MarkNone
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
