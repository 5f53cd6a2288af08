package register

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"

	datepkg "cpr/date"
	"cpr/pnr"
)

// FirstSeqAt returns the sequence number of the first change registered
// at or after t, or LastSeq()+1 if there is none. Event ids are ULIDs
// whose first 48 bits are the registration millisecond, so this is a
// binary search over the journal.
func (r *Register) FirstSeqAt(t time.Time) (uint64, error) {
	ms := uint64(t.UnixMilli())
	lo, hi := uint64(1), r.LastSeq()+1
	for lo < hi {
		mid := lo + (hi-lo)/2
		got, err := r.eventMillis(mid)
		if err != nil {
			return 0, err
		}
		if got < ms {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, nil
}

// eventMillis reads the registration millisecond of event seq from its id.
func (r *Register) eventMillis(seq uint64) (uint64, error) {
	v, closer, err := r.db.Get(appendJournalKey(nil, seq))
	if err != nil {
		return 0, fmt.Errorf("%w: journal entry %d: %v", ErrCorrupt, seq, err)
	}
	defer closer.Close()
	if len(v) < 1+6 || v[0] != eventVersion {
		return 0, fmt.Errorf("%w: journal entry", ErrCorrupt)
	}
	var b [8]byte
	copy(b[2:], v[1:7])
	return binary.BigEndian.Uint64(b[:]), nil
}

// Event returns the journal event with sequence number seq.
func (r *Register) Event(seq uint64) (*Event, error) {
	v, closer, err := r.db.Get(appendJournalKey(nil, seq))
	if err == pebble.ErrNotFound {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer closer.Close()
	return decodeEvent(v)
}

// Scan calls fn for every person record from pnr from on, in pnr order,
// with its history entries when withHistory is set (one sequential pass
// over both key spaces), until fn returns false. The slices passed to fn
// are reused between calls. It reads one consistent snapshot.
func (r *Register) Scan(from pnr.PNR, withHistory bool, fn func(p *Person, history []Entry) bool) error {
	snap := r.db.NewSnapshot()
	defer snap.Close()
	return scanRange(snap, from, 0, withHistory, nil, fn)
}

// scanRange is Scan over the persons from from up to, not including, to
// (0: to the end), in snapshot snap.
// A non-nil filter skips the stored records it refuses (see View.ScanWhere).
func scanRange(snap *pebble.Snapshot, from, to pnr.PNR, withHistory bool, filter *ScanFilter, fn func(p *Person, history []Entry) bool) error {
	pHi, hHi := []byte{tagPerson + 1}, []byte{tagHistory + 1}
	if to != 0 {
		pHi, hHi = appendPersonKey(nil, to), appendHistoryPrefix(nil, to)
	}
	pit, err := snap.NewIter(&pebble.IterOptions{LowerBound: appendPersonKey(nil, from), UpperBound: pHi})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer pit.Close()
	var hit *pebble.Iterator
	if withHistory {
		if hit, err = snap.NewIter(&pebble.IterOptions{LowerBound: appendHistoryPrefix(nil, from), UpperBound: hHi}); err != nil {
			return fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		defer hit.Close()
		hit.First()
	}
	var hist []Entry
	prefix := make([]byte, 0, 16)
	for ok := pit.First(); ok; ok = pit.Next() {
		if filter != nil && filter.Keep != nil {
			if pk, ok := peekPerson(pit.Value(), filter.On); ok && pk.inForce && !filter.Keep(pk.pnr, pk.kommune, pk.birth) {
				continue // its history entries are passed over below
			}
		}
		p, err := decodePerson(pit.Value())
		if err != nil {
			return err
		}
		hist = hist[:0]
		if hit != nil {
			prefix = appendHistoryPrefix(prefix[:0], p.PNR)
			for ; hit.Valid() && bytes.Compare(hit.Key(), prefix) < 0; hit.Next() {
			}
			for ; hit.Valid() && bytes.HasPrefix(hit.Key(), prefix); hit.Next() {
				_, seq, ord, err := decodeHistoryKey(hit.Key())
				if err != nil {
					return err
				}
				if hist, err = appendEntries(hist, hit.Value(), seq, ord); err != nil {
					return err
				}
			}
			if err := hit.Error(); err != nil {
				return fmt.Errorf("%w: %v", ErrUnavailable, err)
			}
		}
		if !fn(p, hist) {
			break
		}
	}
	if err := pit.Error(); err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return nil
}

// At folds a person's history into the person in force on day at, as
// known at time known (zero: now): AsOf for a person and history already
// in hand (from Scan).
func At(p *Person, history []Entry, at datepkg.Date, known time.Time) (*Person, bool) {
	out, ok := replay(p, effective(history, known), at)
	if ok {
		out.Seq = lastSeq(history, known)
	}
	return out, ok
}

// AtNow is At(p, history, at, time.Time{}) for a stored record p and its
// history (from Scan), without the replay when p already is the person in
// force on day at: no entry starts after at, and nothing in p has run
// out by then (the stored record is the fold at the latest valid date).
// It may return p itself, with Seq set as At sets it.
func AtNow(p *Person, history []Entry, at datepkg.Date) (*Person, bool) {
	if needsReplay(p, at) {
		return At(p, history, at, time.Time{})
	}
	for i := range history {
		if history[i].From > at {
			return At(p, history, at, time.Time{})
		}
	}
	p.Seq = lastSeq(history, time.Time{})
	return p, true
}

// HistoryView marks replaced entries K or A and fills in valid-to dates:
// History for entries already in hand (from Scan).
func HistoryView(history []Entry) []Entry { return AppendHistoryView(nil, history) }

// AppendHistoryView appends HistoryView(history) to dst, so that a caller
// going through many persons can reuse one buffer. A history without
// corrections and with one entry at most of each single-valued fact (every
// person of a bulk load) needs no timeline: only its blank markers change.
func AppendHistoryView(dst, history []Entry) []Entry {
	if !plainHistory(history) {
		return append(dst, historyView(history)...)
	}
	for _, h := range history {
		if h.Marker == 0 {
			h.Marker = MarkNone
		}
		dst = append(dst, h)
	}
	return dst
}

// plainHistory reports whether history has no correction and no
// single-valued fact (status, name, address, civil status, citizenship)
// twice: then no entry was replaced and none has a successor to end it.
func plainHistory(history []Entry) bool {
	var seen [FactChild + 1]bool
	for i := range history {
		h := &history[i]
		if h.Marker == MarkCorrects || h.Marker == MarkAnnuls || int(h.Fact) >= len(seen) {
			return false
		}
		if h.Fact == FactChild || h.Fact == FactProtection {
			continue
		}
		if seen[h.Fact] {
			return false
		}
		seen[h.Fact] = true
	}
	return true
}

// EstimatePersons estimates, without reading them, how many persons are
// stored, and how many live in each of the given kommuner, from the disk
// space their keys take (Pebble's estimate). It is a sizing figure only.
func (r *Register) EstimatePersons(kommuner []uint16) (all int, inKommuner int, err error) {
	per, err := r.db.EstimateDiskUsage([]byte{tagPerson}, []byte{tagPerson + 1})
	if err != nil {
		return 0, 0, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	res, err := r.db.EstimateDiskUsage([]byte{tagResidence}, []byte{tagResidence + 1})
	if err != nil {
		return 0, 0, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	const personBytes = 60 // a stored person record, compressed, on average
	all = int(per / personBytes)
	if res == 0 || len(kommuner) == 0 {
		return all, 0, nil
	}
	var in uint64
	for _, k := range kommuner {
		lo := binary.BigEndian.AppendUint16([]byte{tagResidence}, k)
		hi := binary.BigEndian.AppendUint16([]byte{tagResidence}, k+1)
		n, err := r.db.EstimateDiskUsage(lo, hi)
		if err != nil {
			return 0, 0, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		in += n
	}
	return all, int(float64(all) * float64(in) / float64(res)), nil
}
