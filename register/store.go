package register

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// The record store: key spaces that other packages (users, tokens, the
// access log, subscribers) keep in the same Pebble database. Each space is
// a tag byte; the caller owns the layout of the key after it and the value.
// Keys that should sort by time or number must be fixed-width big-endian.

// Space is a key space of the record store. Tags are never reused.
type Space byte

// The record spaces.
const (
	SpaceUsers        Space = 'U' // access: user id -> user
	SpaceTokens       Space = 'T' // access: sha256(token) -> token record
	SpaceAccessLog    Space = 'L' // access: time-ordered id -> access log entry
	SpaceAccessByPNR  Space = 'X' // access: pnr | time-ordered id -> (empty)
	SpaceAccessByUser Space = 'Y' // access: user | time-ordered id -> (empty)
	SpaceSubscribers  Space = 'S' // subscription: subscriber id -> subscriber
	SpaceMarks        Space = 'K' // subscription: marks
	SpaceExtracts     Space = 'E' // extract: production records
)

func (s Space) valid() bool {
	switch s {
	case SpaceUsers, SpaceTokens, SpaceAccessLog, SpaceAccessByPNR, SpaceAccessByUser,
		SpaceSubscribers, SpaceMarks, SpaceExtracts:
		return true
	}
	return false
}

// Record is one write to the record store.
type Record struct {
	Space  Space
	Key    []byte
	Value  []byte
	Delete bool
}

// PutRecords writes the records in one synced, atomic batch. Many callers
// at once share fsyncs through Pebble's group commit.
func (r *Register) PutRecords(recs ...Record) error {
	if len(recs) == 0 {
		return nil
	}
	b := r.db.NewBatch()
	defer b.Close()
	for _, rec := range recs {
		if !rec.Space.valid() {
			return fmt.Errorf("%w: unknown record space", ErrInvalid)
		}
		k := append([]byte{byte(rec.Space)}, rec.Key...)
		var err error
		if rec.Delete {
			err = b.Delete(k, nil)
		} else {
			err = b.Set(k, rec.Value, nil)
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
	}
	return r.commitSynced(b)
}

// GetRecord reads one record. It returns ErrNotFound.
func (r *Register) GetRecord(s Space, key []byte) ([]byte, error) {
	v, closer, err := r.db.Get(append([]byte{byte(s)}, key...))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer closer.Close()
	return bytes.Clone(v), nil
}

// ScanRecords calls fn for the records of space s with from <= key < to
// (nil to: to the end of the space), ascending or, with reverse,
// descending, until fn returns false. Keys and values passed to fn are
// only valid during the call.
func (r *Register) ScanRecords(s Space, from, to []byte, reverse bool, fn func(key, value []byte) bool) error {
	lo := append([]byte{byte(s)}, from...)
	var hi []byte
	if to != nil {
		hi = append([]byte{byte(s)}, to...)
	} else {
		hi = []byte{byte(s) + 1}
	}
	it, err := r.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer it.Close()
	ok := it.First()
	if reverse {
		ok = it.Last()
	}
	for ; ok; ok = step(it, reverse) {
		v, err := it.ValueAndErr()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		if !fn(it.Key()[1:], v) {
			break
		}
	}
	return it.Error()
}

func step(it *pebble.Iterator, reverse bool) bool {
	if reverse {
		return it.Prev()
	}
	return it.Next()
}
