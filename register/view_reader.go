package register

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"cpr/date"
	"cpr/pnr"
)

// ViewReader reads persons from a View with iterators of its own, which
// it moves from person to person: for one goroutine reading many persons,
// much cheaper than View.Read and View.Get, each of which opens its own.
// It is not safe for concurrent use. Close it when done.
type ViewReader struct {
	persons, history *pebble.Iterator
	key              []byte
}

// Reader opens a ViewReader on v.
func (v *View) Reader() (*ViewReader, error) {
	pl := []byte{tagPerson}
	persons, err := v.snap.NewIter(&pebble.IterOptions{LowerBound: pl, UpperBound: prefixEnd(pl)})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	hl := []byte{tagHistory}
	history, err := v.snap.NewIter(&pebble.IterOptions{LowerBound: hl, UpperBound: prefixEnd(hl)})
	if err != nil {
		persons.Close()
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return &ViewReader{persons: persons, history: history, key: make([]byte, 0, personKeyLen)}, nil
}

// Close releases the reader's iterators.
func (r *ViewReader) Close() error {
	return errors.Join(r.persons.Close(), r.history.Close())
}

// record returns p's stored record. It returns ErrNotFound.
func (r *ViewReader) record(p pnr.PNR) (*Person, error) {
	r.key = appendPersonKey(r.key[:0], p)
	// A prefix seek of the whole key: the person tables' bloom filters
	// pass over the tables without it.
	if !r.persons.SeekPrefixGE(r.key) || !bytes.Equal(r.persons.Key(), r.key) {
		if err := r.persons.Error(); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		return nil, ErrNotFound
	}
	val, err := r.persons.ValueAndErr()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return decodePerson(val)
}

// Read is View.Read. It returns ErrNotFound.
func (r *ViewReader) Read(p pnr.PNR) (*Person, []Entry, error) {
	q, err := r.record(p)
	if err != nil {
		return nil, nil, err
	}
	hist, err := readEntries(r.history, p)
	if err != nil {
		return nil, nil, err
	}
	return q, hist, nil
}

// Get is View.Get. It returns ErrNotFound.
func (r *ViewReader) Get(p pnr.PNR, today date.Date) (*Person, error) {
	q, err := r.record(p)
	if err != nil {
		return nil, err
	}
	if q.InForce(today) {
		return q, nil
	}
	hist, err := readEntries(r.history, p)
	if err != nil {
		return nil, err
	}
	out, ok := At(q, hist, today, time.Time{})
	if !ok {
		return nil, ErrNotFound
	}
	return out, nil
}
