package subscription

import (
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
	ms, spare := sortMarks(ms)
	ms = slices.CompactFunc(ms, func(a, b importMark) bool { return a.packed == b.packed })
	bySub := bySubscriber(ms, spare, len(old.subs))

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
			var k, v []byte
			for i := range bySub {
				m := &bySub[i]
				k = append(append(k[:0], 2), old.subs[m.packed&slotMask].ID...)
				k = pnr.PNR(m.packed >> slotBits).AppendKey(append(k, 0))
				v = byIDValue(v[:0], m.key[:m.klen])
				if err := put(k, v); err != nil {
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
// take 240 MB, and twice that while they are sorted.
type importMark struct {
	packed uint64 // pnr<<slotBits | slot, as in index.marks
	klen   uint8
	key    [maxKeyLen]byte
}

const slotMask = 1<<slotBits - 1

// sortMarks sorts marks by pnr and slot, equal marks in the order given
// (so the first of them is kept): an LSD radix sort, 11 bits a pass, that
// passes over the digits every mark shares. It may return the sorted
// marks in a second array of the same size; spare is the other array.
func sortMarks(ms []importMark) (sorted, spare []importMark) {
	const bits = 11
	var or, and uint64 = 0, ^uint64(0)
	for i := range ms {
		or |= ms[i].packed
		and &= ms[i].packed
	}
	tmp := make([]importMark, len(ms))
	var at [1 << bits]int
	for shift := 0; shift < 64; shift += bits {
		if (or^and)>>shift&(1<<bits-1) == 0 {
			continue // every mark has this digit
		}
		clear(at[:])
		for i := range ms {
			at[ms[i].packed>>shift&(1<<bits-1)]++
		}
		sum := 0
		for d, n := range at {
			at[d] = sum
			sum += n
		}
		for i := range ms {
			d := ms[i].packed >> shift & (1<<bits - 1)
			tmp[at[d]] = ms[i]
			at[d]++
		}
		ms, tmp = tmp, ms
	}
	return ms, tmp
}

// bySubscriber copies marks sorted by pnr into out (as long as ms at
// least) by subscriber, then pnr: a counting sort on the slot, which keeps
// the pnr order within each. Copied, not indexed: the marks are then read
// in order, and each subscriber's run is written in order.
func bySubscriber(ms, out []importMark, slots int) []importMark {
	at := make([]int, slots+1)
	for i := range ms {
		at[ms[i].packed&slotMask+1]++
	}
	for s := 1; s <= slots; s++ {
		at[s] += at[s-1]
	}
	out = out[:len(ms)]
	for i := range ms {
		s := ms[i].packed & slotMask
		out[at[s]] = ms[i]
		at[s]++
	}
	return out
}

// collectMarks checks and packs the marks of an import.
func collectMarks(ctx context.Context, ix *index, marks iter.Seq2[string, Mark]) ([]importMark, error) {
	// Collected in blocks and copied once into an array of the right
	// size: an array doubled as it grows would be copied again and again
	// into new memory.
	const block = 1 << 16
	var (
		blocks   [][]importMark
		n        int
		err      error
		lastID   string
		lastSlot int32 = -1
	)
	for id, m := range marks {
		i := n
		if i%block == 0 {
			if err = ctx.Err(); err != nil {
				break
			}
			blocks = append(blocks, make([]importMark, 0, block))
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
		im := importMark{packed: uint64(m.PNR)<<slotBits | uint64(lastSlot), klen: uint8(len(m.Key))}
		copy(im.key[:], m.Key)
		last := &blocks[len(blocks)-1]
		*last = append(*last, im)
		n++
	}
	if err != nil {
		return nil, err
	}
	ms := make([]importMark, 0, n)
	for _, b := range blocks {
		ms = append(ms, b...)
	}
	return ms, nil
}
