package register

import (
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// Storage faults. Pebble treats a failed write or sync of its write-ahead
// log as fatal: the batch may already be visible in memory and the log may
// hold a torn record, so nothing written after it would survive a restart.
// A failed write or sync comes back from Batch.SyncWait (a group commit,
// see commit.go) or, from Commit, through its Logger.Fatalf (ours panics).
// commitSynced, applyGroup and syncGroup turn either into ErrUnavailable and
// mark the register broken: from then on it refuses every write, Healthy
// reports false, and only a reopen (a restart of the process) recovers,
// replaying the log up to its last good record.

// commitSynced commits b with a sync. After a fatal storage error it
// refuses to write at all.
func (r *Register) commitSynced(b *pebble.Batch) error {
	return r.guarded(func() error { return b.Commit(pebble.Sync) })
}

// applyGroup applies a group's batch to Pebble with a sync that it does
// not wait for: syncGroup does. After a fatal storage error it refuses to
// write at all.
func (r *Register) applyGroup(b *pebble.Batch) error {
	return r.guarded(func() error { return r.db.ApplyNoSyncWait(b, pebble.Sync) })
}

// guarded runs a write unless the register is broken, and breaks it if the
// write fails or Pebble panics (our Logger.Fatalf).
func (r *Register) guarded(write func() error) (err error) {
	if err := r.brokenErr(); err != nil {
		return err
	}
	defer func() {
		if v := recover(); v != nil {
			r.breaks()
			err = fmt.Errorf("%w: %v", ErrUnavailable, v)
		}
	}()
	if err := write(); err != nil {
		r.breaks()
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return nil
}

// syncGroup waits for the log sync of a batch applyGroup applied. It fails
// once the register is broken, even if this sync succeeded: the batch was
// built on an earlier one that is not durable.
func (r *Register) syncGroup(b *pebble.Batch) error {
	if err := b.SyncWait(); err != nil {
		r.breaks()
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return r.brokenErr()
}

func (r *Register) breaks() {
	r.broken.Store(true)
	r.failed.Store(true)
}

// brokenErr is ErrUnavailable once the register is broken: after a failed
// commit, Pebble may show its batch to readers although it is not durable,
// so not even a replayed idempotent request may be answered.
func (r *Register) brokenErr() error {
	if r.broken.Load() {
		return fmt.Errorf("%w: storage failed earlier; reopen to recover", ErrUnavailable)
	}
	return nil
}

// Broken reports whether a write failed in a way only a reopen recovers
// from.
func (r *Register) Broken() bool { return r.broken.Load() }

// FaultFS is a file system that fails on demand, for fault tests: it wraps
// Pebble's error-injecting file system. Pass FS() as Options.FS.
type FaultFS struct {
	fs            *errorfs.FS
	writes, syncs atomic.Bool
	injected      atomic.Uint64
}

// NewFaultFS wraps base (nil: the OS file system). It fails nothing until
// told to.
func NewFaultFS(base vfs.FS) *FaultFS {
	if base == nil {
		base = vfs.Default
	}
	f := &FaultFS{}
	f.fs = errorfs.Wrap(base, errorfs.InjectorFunc(f.maybe))
	return f
}

// FS is the file system to open the register on.
func (f *FaultFS) FS() vfs.FS { return f.fs }

// FailWrites makes every write to a file (data, log, manifest) fail, or
// stops it.
func (f *FaultFS) FailWrites(on bool) { f.writes.Store(on) }

// FailSyncs makes every sync fail, or stops it.
func (f *FaultFS) FailSyncs(on bool) { f.syncs.Store(on) }

// Injected is the number of operations failed so far.
func (f *FaultFS) Injected() uint64 { return f.injected.Load() }

func (f *FaultFS) maybe(op errorfs.Op) error {
	fail := false
	switch op.Kind {
	case errorfs.OpFileWrite, errorfs.OpFileWriteAt, errorfs.OpCreate, errorfs.OpFilePreallocate, errorfs.OpReuseForWrite:
		fail = f.writes.Load()
	case errorfs.OpFileSync, errorfs.OpFileSyncData, errorfs.OpFileSyncTo, errorfs.OpFileFlush:
		fail = f.syncs.Load()
	}
	// The LOCK file is taken once at open; failing it says nothing.
	if !fail || strings.HasSuffix(op.Path, "LOCK") {
		return nil
	}
	f.injected.Add(1)
	return errorfs.ErrInjected
}
