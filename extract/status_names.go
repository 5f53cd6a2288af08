package extract

import (
	"context"
	"encoding/binary"
	"slices"
	"time"

	"cpr/pnr"
	"cpr/register"
	"cpr/subscription"
)

// DefaultNameTableBytes is the memory a status extract's table of
// relatives' names may take when Extractor.NameTableBytes is zero. The
// country (6 million persons) takes about 140 MiB.
const DefaultNameTableBytes = 192 << 20

// pnrDays is one more than the largest DDMMYY a pnr can start with.
const pnrDays = 311299 + 1

// nameTable holds the addressing names (as Get gives them: in force today,
// as known now) of the persons of a register, packed, for records 012 and
// 015 of a large status extract: the spouse's and the parents' names come
// from one pass over the persons instead of a random read per relative.
// A pnr is DDMMYYSSSS: the table indexes the first six digits and keeps
// the four others. When it reaches its memory budget it stops, and
// relatives it does not cover are read one by one.
type nameTable struct {
	first   []uint32 // first[d] is the index of the first entry whose pnr/10,000 is d (len pnrDays+1)
	serial  []uint16 // each entry's pnr%10,000, ascending within one DDMMYY
	end     []uint32 // entry i's name is names[end[i-1]:end[i]]
	names   []byte
	upTo    pnr.PNR // partial: the table covers the pnrs below upTo
	partial bool
	fill    int // first[:fill] is set
}

func (t *nameTable) bytes() int {
	return 4*len(t.first) + 2*len(t.serial) + 4*len(t.end) + len(t.names)
}

// add appends an entry; entries come in pnr order.
func (t *nameTable) add(p pnr.PNR, name []byte) {
	d := int(uint64(p) / 10_000)
	for ; t.fill <= d; t.fill++ {
		t.first[t.fill] = uint32(len(t.serial))
	}
	t.serial = append(t.serial, uint16(uint64(p)%10_000))
	t.names = append(t.names, name...)
	t.end = append(t.end, uint32(len(t.names)))
}

// close sets the rest of the index.
func (t *nameTable) close() {
	for ; t.fill < len(t.first); t.fill++ {
		t.first[t.fill] = uint32(len(t.serial))
	}
}

// lookup is a relatives' name function (see recordWriter.names) that
// reads the table, and calls fallback for a pnr the table does not cover.
// Only Addressing is set in the names it returns.
func (t *nameTable) lookup(fallback func(pnr.PNR) (register.Name, bool)) func(pnr.PNR) (register.Name, bool) {
	return func(p pnr.PNR) (register.Name, bool) {
		d := uint64(p) / 10_000
		if (t.partial && p >= t.upTo) || d+1 >= uint64(len(t.first)) {
			return fallback(p)
		}
		lo, hi := t.first[d], t.first[d+1]
		j, found := slices.BinarySearch(t.serial[lo:hi], uint16(uint64(p)%10_000))
		if !found {
			return register.Name{}, false
		}
		k := lo + uint32(j)
		start := uint32(0)
		if k > 0 {
			start = t.end[k-1]
		}
		return register.Name{Addressing: string(t.names[start:t.end[k]])}, true
	}
}

// wantsNameTable tells whether a status extract for sub should build the
// name table: it writes relatives' names (a public subscriber with civil
// status or parents in scope) for a good share of the population.
func (x *Extractor) wantsNameTable(sub *subscription.Subscriber) bool {
	if sub.Kind != subscription.Public || !(sub.Scope.Has(subscription.ScopeCivil) || sub.Scope.Has(subscription.ScopeParents)) {
		return false
	}
	if len(sub.Circle.Kommuner) == 0 {
		return true
	}
	all, in, err := x.Reg.EstimatePersons(sub.Circle.Kommuner)
	return err == nil && in*8 >= all
}

// buildNameTable reads the name of every person in view, the ranges in
// parallel, until the table reaches its budget.
func (x *Extractor) buildNameTable(ctx context.Context, view *register.View, ranges []pnr.PNR, workers int) (*nameTable, error) {
	budget := x.NameTableBytes
	if budget <= 0 {
		budget = DefaultNameTableBytes
	}
	t := &nameTable{first: make([]uint32, pnrDays+1)}
	if est, _, err := x.Reg.EstimatePersons(nil); err == nil && est > 0 {
		est = min(est+est/8, int(budget/8))
		t.serial, t.end, t.names = make([]uint16, 0, est), make([]uint32, 0, est), make([]byte, 0, min(int64(est)*18, budget))
	}
	today := x.Reg.Today()
	// A range's names go through a buffer: pnr (8 bytes), length, name.
	work := func(_, i int, buf []byte) ([]byte, Stats, error) {
		err := view.Scan(ranges[i], ranges[i+1], false, func(p *register.Person, _ []register.Entry) bool {
			n := p.Name
			if !p.InForce(today) {
				q, err := x.Reg.AsOf(p.PNR, today, time.Time{})
				if err != nil {
					return true // as Get: no such person today, no name
				}
				n = q.Name
			}
			if n.Last != "" {
				buf = binary.BigEndian.AppendUint64(buf, uint64(p.PNR))
				buf = binary.AppendUvarint(buf, uint64(len(n.Addressing)))
				buf = append(buf, n.Addressing...)
			}
			return true
		})
		return buf, Stats{}, err
	}
	i := 0
	write := func(buf []byte, _ Stats) error {
		// An entry takes less room in the table than in buf.
		if int64(t.bytes()+len(buf)) > budget {
			t.upTo, t.partial = ranges[i], true
			return errStop
		}
		for len(buf) > 0 {
			p := pnr.PNR(binary.BigEndian.Uint64(buf))
			l, n := binary.Uvarint(buf[8:])
			name := buf[8+n : 8+n+int(l)]
			buf = buf[8+n+int(l):]
			t.add(p, name)
		}
		i++
		return nil
	}
	if err := inOrder(ctx, len(ranges)-1, workers, work, write); err != nil {
		return nil, err
	}
	t.close()
	return t, nil
}
