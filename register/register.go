package register

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"

	"cpr/address"
	"cpr/pnr"
)

// Options configures Open. The zero value works: demo road register, the
// real clock, the OS file system, a discarding logger.
type Options struct {
	// FS replaces the OS file system (tests use vfs.NewMem or a crashable FS).
	FS vfs.FS
	// Roads is the road register addresses are checked against.
	Roads *address.Roads
	// Clock gives registration times; it must not go backwards much (the
	// register keeps registration times strictly increasing regardless).
	Clock func() time.Time
	// Logger gets operational messages; never person data.
	Logger *slog.Logger
	// CacheBytes is Pebble's block cache (default 256 MiB).
	CacheBytes int64
	// MaxGroup caps how many changes share one synced commit (default 256).
	MaxGroup int
	// ReadOnly opens for reading (extracts while the server is stopped).
	ReadOnly bool
	// Verify checks every change's fast path against a full replay of the
	// person's history and refuses the change if they differ. For tests.
	Verify bool
}

// Register is the person register on Pebble. It is safe for concurrent use.
type Register struct {
	db     *pebble.DB
	opts   *pebble.Options
	dir    string
	cache  interface{ Unref() }
	roads  *address.Roads
	clock  func() time.Time
	log    *slog.Logger
	maxGrp int
	verify bool

	reqs     chan *request
	stop     chan struct{}
	loopDone chan struct{}
	closeMu  sync.Mutex
	closed   bool
	closeErr error
	// dbMu guards reads that may race with Close (Apply's prefetch):
	// they hold it shared and give up once dbClosed is set.
	dbMu     sync.RWMutex
	dbClosed bool

	// Owned by the commit loop.
	nextSeq uint64
	lastReg time.Time
	written map[pnr.PNR]uint64 // see prefetch.go
	since   uint64

	lastSeq atomic.Uint64 // highest committed journal sequence
	commits atomic.Uint64 // synced commits (groups)
	changes atomic.Uint64 // accepted changes
	failed  atomic.Bool   // a commit failed; storage needs attention
	broken  atomic.Bool   // storage failed fatally; see faults.go

	notifyMu sync.Mutex
	notify   chan struct{} // closed and replaced after every commit
}

// Open opens (or creates) the register in dir.
//
// It returns ErrFormatVersion if dir holds a register of another storage
// format, and ErrCorrupt if its metadata cannot be read.
func Open(dir string, o Options) (*Register, error) {
	if o.Roads == nil {
		o.Roads = address.Demo()
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.CacheBytes == 0 {
		o.CacheBytes = 256 << 20
	}
	if o.MaxGroup == 0 {
		o.MaxGroup = 256
	}
	cache := pebble.NewCache(o.CacheBytes)
	po := &pebble.Options{
		FS:                          o.FS,
		Cache:                       cache,
		FormatMajorVersion:          pebble.FormatNewest,
		MemTableSize:                64 << 20,
		MemTableStopWritesThreshold: 4,
		L0CompactionThreshold:       4,
		L0StopWritesThreshold:       64,
		LBaseMaxBytes:               256 << 20,
		ReadOnly:                    o.ReadOnly,
		Logger:                      pebbleLogger{o.Logger},
		CompactionConcurrencyRange:  func() (int, int) { return 1, 2 },
	}
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	// MinLZ on amd64 (Snappy elsewhere): Pebble's fastest; tables written
	// with Snappy before still read.
	po.ApplyCompressionSettings(func() pebble.DBCompressionSettings { return pebble.DBCompressionFastest })
	po.EnsureDefaults()
	db, err := pebble.Open(dir, po)
	if err != nil {
		cache.Unref()
		return nil, fmt.Errorf("register: open storage: %w", err)
	}
	r := &Register{
		db: db, opts: po, dir: dir, cache: cache, roads: o.Roads, clock: o.Clock, log: o.Logger, maxGrp: o.MaxGroup, verify: o.Verify,
		reqs: make(chan *request, 1024), written: map[pnr.PNR]uint64{}, stop: make(chan struct{}), loopDone: make(chan struct{}),
		notify: make(chan struct{}),
	}
	if !o.ReadOnly {
		r.removeLoadLeftovers()
	}
	if err := r.checkFormat(o.ReadOnly); err != nil {
		db.Close()
		cache.Unref()
		return nil, err
	}
	if err := r.loadJournalEnd(); err != nil {
		db.Close()
		cache.Unref()
		return nil, err
	}
	if o.ReadOnly {
		close(r.loopDone)
	} else {
		go r.commitLoop()
	}
	return r, nil
}

func (r *Register) checkFormat(readOnly bool) error {
	v, closer, err := r.db.Get(metaKey("format"))
	switch {
	case errors.Is(err, pebble.ErrNotFound):
		it, err := r.db.NewIter(nil)
		if err != nil {
			return fmt.Errorf("register: %w", err)
		}
		empty := !it.First()
		it.Close()
		if !empty {
			return fmt.Errorf("%w: data without a format version", ErrFormatVersion)
		}
		if readOnly {
			return nil
		}
		return r.db.Set(metaKey("format"), (&enc{}).u32v(formatVersion), pebble.Sync)
	case err != nil:
		return fmt.Errorf("register: read format version: %w", err)
	}
	defer closer.Close()
	d := dec{b: v}
	got := d.u32()
	if err := d.err("format version"); err != nil {
		return err
	}
	switch {
	case got == formatVersion:
		return nil
	case got < oldestFormat || got > formatVersion:
		return fmt.Errorf("%w: found %d, this build reads %d to %d", ErrFormatVersion, got, oldestFormat, formatVersion)
	case readOnly:
		return nil // read as it is; upgraded by the next open for writing
	}
	// Every older version reads as it is: the upgrade only records that
	// the data may now hold what the newer one adds.
	return r.db.Set(metaKey("format"), (&enc{}).u32v(formatVersion), pebble.Sync)
}

// removeLoadLeftovers deletes the sstables and spill files of a bulk load
// that was killed before it ended (they are not part of the database).
func (r *Register) removeLoadLeftovers() {
	names, err := r.opts.FS.List(r.dir)
	if err != nil {
		return
	}
	for _, n := range names {
		if strings.HasPrefix(n, "load-") && (strings.HasSuffix(n, ".sst") || strings.HasSuffix(n, ".spill") || strings.HasSuffix(n, ".tmp")) {
			if err := r.opts.FS.Remove(r.opts.FS.PathJoin(r.dir, n)); err == nil {
				r.log.Info("register: removed a file of an unfinished bulk load", "file", n)
			}
		}
	}
}

func (e *enc) u32v(v uint32) []byte { e.u32(v); return e.b }

// loadJournalEnd finds the last journal entry, so sequence numbers and
// registration times continue where they ended.
func (r *Register) loadJournalEnd() error {
	lo := []byte{tagJournal}
	it, err := r.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		return fmt.Errorf("register: %w", err)
	}
	defer it.Close()
	if it.Last() {
		seq, err := decodeJournalKey(it.Key())
		if err != nil {
			return err
		}
		ev, err := decodeEvent(it.Value())
		if err != nil {
			return err
		}
		r.lastSeq.Store(seq)
		r.lastReg = ev.Registered
	}
	r.nextSeq = r.lastSeq.Load() + 1
	return it.Error()
}

// Close stops accepting changes, finishes the ones already submitted, and
// closes storage. It is safe to call more than once.
func (r *Register) Close() error {
	r.closeMu.Lock()
	defer r.closeMu.Unlock()
	if r.closed {
		return r.closeErr
	}
	r.closed = true
	close(r.stop)
	<-r.loopDone
	r.dbMu.Lock()
	r.dbClosed = true
	r.dbMu.Unlock()
	r.closeErr = r.db.Close()
	r.cache.Unref()
	return r.closeErr
}

// LastSeq is the sequence number of the last committed change (0: none).
func (r *Register) LastSeq() uint64 { return r.lastSeq.Load() }

// Committed returns a channel that is closed at the next commit; callers
// waiting for new journal entries select on it instead of polling.
func (r *Register) Committed() <-chan struct{} {
	r.notifyMu.Lock()
	defer r.notifyMu.Unlock()
	return r.notify
}

func (r *Register) signalCommit() {
	r.notifyMu.Lock()
	close(r.notify)
	r.notify = make(chan struct{})
	r.notifyMu.Unlock()
}

// Roads is the road register the register checks addresses against.
func (r *Register) Roads() *address.Roads { return r.roads }

// Stats are counters for metrics.
type Stats struct {
	LastSeq, Commits, Changes uint64
	Failed                    bool
	Pebble                    *pebble.Metrics
}

// Stats returns the register's counters and Pebble's metrics.
func (r *Register) Stats() Stats {
	return Stats{LastSeq: r.lastSeq.Load(), Commits: r.commits.Load(), Changes: r.changes.Load(),
		Failed: r.failed.Load(), Pebble: r.db.Metrics()}
}

// Healthy reports whether the last commit succeeded.
func (r *Register) Healthy() bool { return !r.failed.Load() }

// Meta is who asks for a change, and the idempotency key that makes a
// retried request register once.
type Meta struct {
	Actor          string
	IdempotencyKey string
	BodyHash       [32]byte // hash of the request body; same key + other body is refused
	// Kommune, when set, is the kommune of the clerk registering the
	// change: the change is refused with ErrWrongKommune, before any of
	// its rules is checked, unless the person it is about lives in that
	// kommune (or last lived there, or never lived in one), as the
	// register stands when the change is applied.
	Kommune uint16
}

// Result is the answer to an accepted change.
type Result struct {
	ID  [16]byte // the event's ULID
	Seq uint64
	PNR pnr.PNR // the person the change is about (a birth's new pnr)
	// Replayed is true when an earlier request with the same idempotency
	// key registered the change and this one changed nothing.
	Replayed bool
	// Related are the other persons whose records the change rewrote (a
	// spouse, parents, children; nil for a replay).
	Related []pnr.PNR
}

// Apply validates and commits one change. The change is durable (synced)
// when Apply returns without error; on error nothing was written. If ctx
// ends while the change waits its turn, it is withdrawn; once the commit
// loop has taken it, Apply waits for the outcome.
//
// It returns an *InputError (matching ErrInvalid) for bad input, one of the
// rule errors (ErrDead, ErrNotFree, ...) when a rule refuses the change,
// ErrIdempotencyKey, ErrUnavailable when storage failed, ErrClosed, or the
// context's error.
func (r *Register) Apply(ctx context.Context, c Change, m Meta) (Result, error) {
	q := &request{change: c, meta: m, done: make(chan struct{}), pre: r.prefetch(c)}
	select {
	case r.reqs <- q:
	case <-r.stop:
		return Result{}, ErrClosed
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	select {
	case <-q.done:
		return q.res, q.err
	case <-r.loopDone:
		select {
		case <-q.done: // taken before the loop ended
			return q.res, q.err
		default:
			return Result{}, ErrClosed
		}
	case <-ctx.Done():
		if q.state.CompareAndSwap(queued, withdrawn) {
			return Result{}, ctx.Err()
		}
		<-q.done // taken: it will be answered, and may have been written
		return q.res, q.err
	}
}

type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) {
	p.l.Debug("pebble", "msg", fmt.Sprintf(format, args...))
}
func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error("pebble", "msg", fmt.Sprintf(format, args...))
}
func (p pebbleLogger) Fatalf(format string, args ...any) {
	p.l.Error("pebble fatal", "msg", fmt.Sprintf(format, args...))
	panic(fmt.Sprintf(format, args...))
}
