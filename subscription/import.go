package subscription

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"math"
	"slices"

	"cpr/pnr"
	"cpr/register"
)

// ImportMarks adds (or re-keys) the marks of any number of subscribers in
// one atomic step, however many there are: a bank's whole customer base, a
// migration, a benchmark's ten million. The marks are sorted in memory and
// written as sstables that the register ingests whole
// (register.IngestRecords) instead of going through the log a batch at a
// time. Each mark is checked as AddMarks checks it; a pnr given twice for
// one subscriber keeps its first key. It returns how many marks were new.
//
// An unknown subscriber is a *FieldError, like a bad mark, and nothing is
// imported.
func (r *Registry) ImportMarks(ctx context.Context, marks iter.Seq2[string, Mark]) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.ix.Load()
	ms, err := collectMarks(ctx, old, marks)
	if err != nil {
		return 0, err
	}
	slices.SortFunc(ms, func(a, b importMark) int {
		return cmp.Or(cmp.Compare(a.packed, b.packed), cmp.Compare(a.ord, b.ord))
	})
	ms = slices.CompactFunc(ms, func(a, b importMark) bool { return a.packed == b.packed })
	byID := bySubscriber(ms, len(old.subs))

	err = r.reg.IngestRecords(ctx, register.SpaceMarks,
		func(put func(k, v []byte) error) error {
			var k []byte
			for i := range ms {
				m := &ms[i]
				k = append(pnr.PNR(m.packed>>slotBits).AppendKey(append(k[:0], 1)), old.subs[m.packed&slotMask].ID...)
				if err := put(k, m.key[:m.klen]); err != nil {
					return err
				}
			}
			return nil
		},
		func(put func(k, v []byte) error) error {
			var k []byte
			for _, i := range byID {
				m := &ms[i]
				k = append(append(k[:0], 2), old.subs[m.packed&slotMask].ID...)
				k = pnr.PNR(m.packed >> slotBits).AppendKey(append(k, 0))
				if err := put(k, m.key[:m.klen]); err != nil {
					return err
				}
			}
			return nil
		})
	if err != nil {
		return 0, err
	}

	ix := *old
	ix.marksOf = slices.Clone(old.marksOf)
	fresh := make([]uint64, 0, len(ms))
	j := 0
	for i := range ms {
		p := ms[i].packed
		for j < len(old.marks) && old.marks[j] < p {
			j++
		}
		if j < len(old.marks) && old.marks[j] == p {
			continue
		}
		fresh = append(fresh, p)
		ix.marksOf[p&slotMask]++
	}
	ix.marks = mergeSorted(old.marks, fresh)
	r.ix.Store(&ix)
	return len(fresh), nil
}

// importMark is one mark of an import, in 24 bytes: ten million of them
// take 240 MB while they are sorted.
type importMark struct {
	packed uint64 // pnr<<slotBits | slot, as in index.marks
	ord    uint32 // position in the import: the first of equal marks wins
	klen   uint8
	key    [maxKeyLen]byte
}

const slotMask = 1<<slotBits - 1

// bySubscriber orders marks sorted by pnr by subscriber, then pnr: a
// counting sort on the slot, which keeps the pnr order within each.
func bySubscriber(ms []importMark, slots int) []uint32 {
	at := make([]int, slots+1)
	for i := range ms {
		at[ms[i].packed&slotMask+1]++
	}
	for s := 1; s <= slots; s++ {
		at[s] += at[s-1]
	}
	out := make([]uint32, len(ms))
	for i := range ms {
		s := ms[i].packed & slotMask
		out[at[s]] = uint32(i)
		at[s]++
	}
	return out
}

// collectMarks checks and packs the marks of an import.
func collectMarks(ctx context.Context, ix *index, marks iter.Seq2[string, Mark]) ([]importMark, error) {
	var (
		ms       []importMark
		err      error
		lastID   string
		lastSlot int32 = -1
	)
	for id, m := range marks {
		i := len(ms)
		if i%65536 == 0 {
			if err = ctx.Err(); err != nil {
				break
			}
		}
		if i == math.MaxUint32 {
			err = &FieldError{"marks", fmt.Sprintf("at most %d in one import", math.MaxUint32)}
			break
		}
		if id != lastID || lastSlot < 0 {
			s, ok := ix.slot[id]
			if !ok {
				err = &FieldError{fmt.Sprintf("marks[%d].subscriber", i), "no such subscriber"}
				break
			}
			lastID, lastSlot = id, s
		}
		if err = checkMark(i, m, ix.subs[lastSlot]); err != nil {
			break
		}
		im := importMark{packed: uint64(m.PNR)<<slotBits | uint64(lastSlot), ord: uint32(i), klen: uint8(len(m.Key))}
		copy(im.key[:], m.Key)
		ms = append(ms, im)
	}
	return ms, err
}
