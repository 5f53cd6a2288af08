package register

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/oklog/ulid/v2"

	"cpr/date"
	"cpr/pnr"
)

// Group commit. One goroutine takes the submitted changes in order, checks
// each against the state including the changes before it in the same group,
// and commits the whole group in one synced Pebble batch: many changes share
// one fsync, sequence numbers are gap-free and in commit order, and a change
// is visible to readers only once it is durable.

// Change is one kind of change to the register (Birth, Move, ...).
type Change interface {
	Kind() Kind
	apply(cs *changeSet) error
}

type request struct {
	change Change
	meta   Meta
	res    Result
	err    error
	done   chan struct{}
}

func (r *Register) commitLoop() {
	defer close(r.loopDone)
	entropy := ulid.Monotonic(rand.Reader, 0)
	group := make([]*request, 0, r.maxGrp)
	for {
		select {
		case q := <-r.reqs:
			group = append(group[:0], q)
		case <-r.stop:
			for {
				select {
				case q := <-r.reqs:
					r.commitGroup([]*request{q}, entropy)
				default:
					return
				}
			}
		}
	fill:
		for len(group) < r.maxGrp {
			select {
			case q := <-r.reqs:
				group = append(group, q)
			default:
				break fill
			}
		}
		r.commitGroup(group, entropy)
	}
}

func (r *Register) commitGroup(reqs []*request, entropy *ulid.MonotonicEntropy) {
	g := &group{r: r, batch: r.db.NewBatch(), persons: map[pnr.PNR]*Person{},
		hist: map[pnr.PNR][]Entry{}, idem: map[[32]byte][]byte{}, entropy: entropy}
	firstSeq, firstReg := r.nextSeq, r.lastReg
	for _, q := range reqs {
		q.res, q.err = g.apply(q)
	}
	if g.iter != nil {
		g.iter.Close()
	}
	if g.changes > 0 {
		if err := g.batch.Commit(pebble.Sync); err != nil {
			r.failed.Store(true)
			r.log.Error("register: commit failed", "err", err, "changes", g.changes)
			r.nextSeq, r.lastReg = firstSeq, firstReg
			for _, q := range reqs {
				if q.err == nil {
					q.res, q.err = Result{}, fmt.Errorf("%w: commit failed", ErrUnavailable)
				}
			}
		} else {
			r.failed.Store(false)
			r.lastSeq.Store(r.nextSeq - 1)
			r.commits.Add(1)
			r.changes.Add(g.changes)
			r.signalCommit()
		}
	}
	g.batch.Close()
	for _, q := range reqs {
		close(q.done)
	}
}

// group is the state of one group commit: the batch and what the changes
// in it wrote so far, so later changes in the group see earlier ones.
type group struct {
	r       *Register
	batch   *pebble.Batch
	iter    *pebble.Iterator
	persons map[pnr.PNR]*Person
	hist    map[pnr.PNR][]Entry
	idem    map[[32]byte][]byte
	changes uint64
	entropy *ulid.MonotonicEntropy
}

func (g *group) apply(q *request) (Result, error) {
	r := g.r
	var idemHash [32]byte
	if q.meta.IdempotencyKey != "" {
		idemHash = sha256.Sum256([]byte(q.meta.Actor + "\x00" + q.meta.IdempotencyKey))
		rec, err := g.idempotency(idemHash)
		if err != nil {
			return Result{}, err
		}
		if rec != nil {
			return decodeIdempotency(rec, q.meta.BodyHash)
		}
	}
	now := r.clock().UTC()
	if !now.After(r.lastReg) {
		now = r.lastReg.Add(time.Microsecond)
	}
	id, err := ulid.New(ulid.Timestamp(now), g.entropy)
	if err != nil {
		return Result{}, fmt.Errorf("register: event id: %w", err)
	}
	cs := &changeSet{g: g, seq: r.nextSeq, now: now, today: date.InCopenhagen(now),
		touched: map[pnr.PNR]*touched{}}
	cs.ev = Event{ID: id, Seq: cs.seq, Kind: q.change.Kind(), Registered: now, Actor: q.meta.Actor}
	if err := q.change.apply(cs); err != nil {
		return Result{}, err
	}
	w, err := cs.finish()
	if err != nil {
		return Result{}, err
	}
	res := Result{ID: id, Seq: cs.seq, PNR: cs.ev.PNR}
	w.set(appendJournalKey(nil, cs.seq), appendEvent(nil, &cs.ev))
	if q.meta.IdempotencyKey != "" {
		rec := encodeIdempotency(q.meta.BodyHash, res)
		w.set(appendIdempotencyKey(nil, idemHash), rec)
		g.idem[idemHash] = rec
	}
	for _, op := range w.ops {
		if op.del {
			g.batch.Delete(op.key, nil)
		} else {
			g.batch.Set(op.key, op.value, nil)
		}
	}
	for p, snap := range w.persons {
		g.persons[p] = snap
		g.hist[p] = w.hist[p]
	}
	r.nextSeq++
	r.lastReg = now
	g.changes++
	return res, nil
}

func (g *group) idempotency(h [32]byte) ([]byte, error) {
	if rec, ok := g.idem[h]; ok {
		return rec, nil
	}
	v, closer, err := g.r.db.Get(appendIdempotencyKey(nil, h))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer closer.Close()
	return bytes.Clone(v), nil
}

func encodeIdempotency(body [32]byte, res Result) []byte {
	e := enc{make([]byte, 0, 64)}
	e.b = append(e.b, body[:]...)
	e.u64(res.Seq)
	e.b = append(e.b, res.ID[:]...)
	e.pnr(res.PNR)
	return e.b
}

func decodeIdempotency(rec []byte, body [32]byte) (Result, error) {
	d := dec{b: rec}
	stored := d.take(32, "body hash")
	res := Result{Seq: d.u64(), Replayed: true}
	copy(res.ID[:], d.take(16, "id"))
	res.PNR = d.pnr()
	if err := d.err("idempotency record"); err != nil {
		return Result{}, err
	}
	if !bytes.Equal(stored, body[:]) {
		return Result{}, ErrIdempotencyKey
	}
	return res, nil
}

// person returns the person as the group sees it: written earlier in the
// group, or committed. It returns ErrNotFound.
func (g *group) person(p pnr.PNR) (*Person, error) {
	if snap, ok := g.persons[p]; ok {
		return snap.Clone(), nil
	}
	return g.r.readPerson(p)
}

// entries returns every history entry of p, in key order.
func (g *group) entries(p pnr.PNR) ([]Entry, error) {
	if h, ok := g.hist[p]; ok {
		return h, nil
	}
	if g.iter == nil {
		it, err := g.r.db.NewIter(&pebble.IterOptions{LowerBound: []byte{tagHistory}, UpperBound: []byte{tagHistory + 1}})
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		g.iter = it
	}
	return readEntries(g.iter, p)
}

func (r *Register) readPerson(p pnr.PNR) (*Person, error) {
	v, closer, err := r.db.Get(appendPersonKey(make([]byte, 0, personKeyLen), p))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer closer.Close()
	return decodePerson(v)
}

// readEntries reads p's history with an iterator over the history keys.
func readEntries(it *pebble.Iterator, p pnr.PNR) ([]Entry, error) {
	prefix := appendHistoryPrefix(make([]byte, 0, 16), p)
	var out []Entry
	for ok := it.SeekGE(prefix); ok && bytes.HasPrefix(it.Key(), prefix); ok = it.Next() {
		_, seq, ord, err := decodeHistoryKey(it.Key())
		if err != nil {
			return nil, err
		}
		v, err := it.ValueAndErr()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		h, err := decodeEntry(v, seq, ord)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return out, nil
}
