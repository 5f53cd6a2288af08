package register

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"runtime/pprof"
	"sync/atomic"
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
// is answered, and counted in LastSeq, only once it is durable.
//
// Three stages overlap. The commit loop builds group N+1 while the
// committer applies group N to Pebble's memtable (ApplyNoSyncWait), and
// the syncer waits for the log syncs of N-1, N-2, ... in order: groups
// applied one after the other share the fsync Pebble's log writer does for
// all of them. A group is built on the groups before it: those already
// applied are read from Pebble, the one not yet applied (its parent) from
// its maps. Once one sync fails the register is broken, and every group
// after it fails too, whatever its own sync says: it was built on changes
// that never became durable.

// Change is one kind of change to the register (Birth, Move, ...).
type Change interface {
	Kind() Kind
	// Subject is the existing person the change is about (zero for a
	// birth and a newcomer's immigration).
	Subject() pnr.PNR
	apply(cs *changeSet) error
}

type request struct {
	change Change
	meta   Meta
	pre    *prefetch
	res    Result
	err    error
	done   chan struct{}
	// state is queued, then taken by the commit loop, or withdrawn by
	// Apply when its context ends first: never both.
	state atomic.Int32
}

const (
	queued int32 = iota
	taken
	withdrawn
)

func (r *Register) commitLoop() {
	defer close(r.loopDone)
	commits := make(chan *group)
	committerDone := make(chan struct{})
	go func() {
		// Labelled for CPU profiles: -tagfocus cpr=committer.
		pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("cpr", "committer")))
		r.committer(commits, committerDone)
	}()
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("cpr", "commitloop")))
	defer func() {
		close(commits)
		<-committerDone
	}()
	entropy := ulid.Monotonic(rand.Reader, 0)
	var inflight *group // at most one group is submitted and not yet applied
	for {
		var first *request
		var applied <-chan struct{}
		if inflight != nil {
			applied = inflight.applied
		}
		select {
		case first = <-r.reqs:
		case <-applied:
			inflight = nil
			continue
		case <-r.stop:
			if inflight != nil {
				<-inflight.done
			}
			for {
				select {
				case q := <-r.reqs:
					g := r.buildGroup([]*request{q}, nil, entropy)
					r.submit(commits, g)
					<-g.done
				default:
					return
				}
			}
		}
		reqs := []*request{first}
	fill:
		for len(reqs) < r.maxGrp {
			select {
			case q := <-r.reqs:
				reqs = append(reqs, q)
			default:
				break fill
			}
		}
		g := r.buildGroup(reqs, inflight, entropy)
		if inflight != nil {
			<-inflight.applied
			if inflight.applyErr != nil {
				// g was built on changes that never became durable.
				r.nextSeq, r.lastReg = inflight.firstSeq, inflight.firstReg
				g.fail(fmt.Errorf("%w: an earlier commit failed", ErrUnavailable))
				inflight = nil
				continue
			}
			inflight = nil
		}
		r.submit(commits, g)
		if g.changes > 0 {
			inflight = g
		}
	}
}

// submit hands a group to the committer, or finishes it at once if it
// holds no change to write.
func (r *Register) submit(commits chan<- *group, g *group) {
	if g.changes == 0 {
		g.finish(r.brokenErr()) // a replay may have read what never became durable
		return
	}
	commits <- g
}

// committer applies groups to storage one at a time, in order, and hands
// each to the syncer, while the commit loop builds the next group.
func (r *Register) committer(commits <-chan *group, done chan<- struct{}) {
	defer close(done)
	syncs := make(chan *group, 64)
	syncerDone := make(chan struct{})
	go func() {
		pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("cpr", "syncer")))
		r.syncer(syncs, syncerDone)
	}()
	defer func() {
		close(syncs)
		<-syncerDone
	}()
	for g := range commits {
		if err := r.applyGroup(g.batch); err != nil {
			g.applyErr = err
			close(g.applied)
			r.log.Error("register: commit failed", "err", err, "changes", g.changes)
			g.keepBatch = true // Pebble may still hold it; the register is broken
			g.finish(fmt.Errorf("%w: commit failed", ErrUnavailable))
			continue
		}
		close(g.applied)
		syncs <- g
	}
}

// syncer waits for the log sync of each applied group, in order, and
// answers its requests.
func (r *Register) syncer(syncs <-chan *group, done chan<- struct{}) {
	defer close(done)
	for g := range syncs {
		err := r.syncGroup(g.batch)
		if err != nil {
			r.log.Error("register: commit failed", "err", err, "changes", g.changes)
			g.finish(fmt.Errorf("%w: commit failed", ErrUnavailable))
			continue
		}
		r.failed.Store(false)
		r.lastSeq.Store(g.lastSeq)
		r.commits.Add(1)
		r.changes.Add(g.changes)
		r.signalCommit()
		g.finish(nil)
	}
}

// buildGroup applies reqs in order into a new batch. parent is the group
// being committed meanwhile; its writes are visible to this one.
func (r *Register) buildGroup(reqs []*request, parent *group, entropy *ulid.MonotonicEntropy) *group {
	g := &group{r: r, reqs: reqs, parent: parent, batch: r.db.NewBatch(), persons: map[pnr.PNR]*Person{},
		pending: map[pnr.PNR][]Entry{}, idem: map[[32]byte][]byte{}, entropy: entropy,
		firstSeq: r.nextSeq, firstReg: r.lastReg, applied: make(chan struct{}), done: make(chan struct{})}
	for _, q := range reqs {
		if !q.state.CompareAndSwap(queued, taken) {
			q.err = context.Canceled
			continue
		}
		g.cur = q.pre
		q.res, q.err = g.apply(q)
		g.cur = nil
	}
	if g.iter != nil {
		g.iter.Close()
		g.iter = nil
	}
	g.lastSeq = r.nextSeq - 1
	return g
}

// finish answers every request of the group; err fails those that had
// succeeded (the batch did not become durable).
func (g *group) finish(err error) {
	if err != nil {
		for _, q := range g.reqs {
			if q.err == nil {
				q.res, q.err = Result{}, err
			}
		}
	}
	if !g.keepBatch {
		g.batch.Close()
	}
	g.parent = nil // let the parent's maps go
	for _, q := range g.reqs {
		close(q.done)
	}
	close(g.done)
}

// fail answers a group that will never be committed.
func (g *group) fail(err error) { g.finish(err) }

// group is the state of one group commit: the batch and what the changes
// in it wrote so far, so later changes (in this group or the next) see
// earlier ones before they are durable.
type group struct {
	r        *Register
	reqs     []*request
	parent   *group
	batch    *pebble.Batch
	iter     *pebble.Iterator
	persons  map[pnr.PNR]*Person
	pending  map[pnr.PNR][]Entry // entries written by this group, by person
	cur      *prefetch           // what the change being applied read first
	idem     map[[32]byte][]byte
	changes  uint64
	entropy  *ulid.MonotonicEntropy
	firstSeq uint64
	firstReg time.Time
	lastSeq  uint64
	// applied is closed once the batch is in Pebble's memtable (or
	// applyErr says why not); done once every request is answered.
	applied   chan struct{}
	applyErr  error
	keepBatch bool // a failed apply: Pebble may still use the batch
	done      chan struct{}
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
	if err := g.checkKommune(q); err != nil {
		return Result{}, err
	}
	if err := q.change.apply(cs); err != nil {
		return Result{}, err
	}
	w, err := cs.finish()
	if err != nil {
		return Result{}, err
	}
	res := Result{ID: id, Seq: cs.seq, PNR: cs.ev.PNR, Related: cs.ev.Related}
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
		r.wrote(p, cs.seq)
		g.persons[p] = snap
		g.pending[p] = append(g.pending[p], w.pending[p]...)
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
	if g.parent != nil {
		if rec, ok := g.parent.idem[h]; ok {
			return rec, nil
		}
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
	if g.parent != nil {
		if snap, ok := g.parent.persons[p]; ok {
			return snap.Clone(), nil
		}
	}
	if pre, ok := g.prefetched(p); ok {
		if pre == nil {
			return nil, ErrNotFound
		}
		return pre.Clone(), nil
	}
	return g.r.readPerson(p)
}

// entries returns every history entry of p, in key order.
func (g *group) entries(p pnr.PNR) ([]Entry, error) {
	stored, ok := g.prefetchedHistory(p)
	if !ok {
		if g.iter == nil {
			it, err := g.r.historyIter()
			if err != nil {
				return nil, err
			}
			g.iter = it
		}
		var err error
		if stored, err = readEntries(g.iter, p); err != nil {
			return nil, err
		}
	}
	// Add what this group and the one being committed wrote, unless the
	// iterator already sees it.
	var seen map[[2]uint64]bool
	for _, src := range []*group{g.parent, g} {
		if src == nil {
			continue
		}
		for _, h := range src.pending[p] {
			if seen == nil {
				seen = map[[2]uint64]bool{}
				for _, s := range stored {
					seen[[2]uint64{s.Seq, uint64(s.Ord)}] = true
				}
			}
			if !seen[[2]uint64{h.Seq, uint64(h.Ord)}] {
				stored = append(stored, h)
			}
		}
	}
	return stored, nil
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
		if out, err = appendEntries(out, v, seq, ord); err != nil {
			return nil, err
		}
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return out, nil
}

// checkKommune refuses a change by a clerk of another kommune than the
// person's (Meta.Kommune), before the change's own rules can tell the
// clerk anything about the person.
func (g *group) checkKommune(q *request) error {
	if q.meta.Kommune == 0 {
		return nil
	}
	ps, _ := subjects(q.change)
	if len(ps) == 0 {
		return fmt.Errorf("%w: a %s is not checked by kommune", ErrInvalid, q.change.Kind())
	}
	p, err := g.person(ps[0])
	if err != nil {
		return err
	}
	k := p.Kommune()
	if k == 0 {
		k = p.Residence.PreviousKommune
	}
	if k != 0 && k != q.meta.Kommune {
		return ErrWrongKommune
	}
	return nil
}
