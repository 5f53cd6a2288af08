package extract

import (
	"context"
	"encoding/binary"
	"errors"
	"sort"

	"cpr/pnr"
	"cpr/register"
	"cpr/subscription"
)

// DefaultNameTableBytes is the memory a status extract's table of
// relatives' names may take when Extractor.NameTableBytes is zero. The
// country (6 million persons) takes about 65 MiB.
const DefaultNameTableBytes = 160 << 20

// pnrDays is one more than the largest DDMMYY a pnr can start with.
const pnrDays = 311299 + 1

// nameTable holds the addressing names (as Get gives them: in force today,
// as known now) of the persons of a register, packed, for records 012 and
// 015 of a large status extract: the spouse's and the parents' names come
// from one pass over the persons instead of a random read per relative.
//
// A pnr is DDMMYYSSSS: the table indexes the first six digits and keeps
// the four others, in pnr order. A name is stored as the numbers of its
// words in a dictionary ("Hansen," "Jens " "Peter"), in blocks that are
// never copied as they grow. When the table reaches its memory budget it
// stops, and relatives it does not cover are read one by one.
type nameTable struct {
	first    []uint32       // first[d] is the index of the first entry whose pnr/10,000 is d (len pnrDays+1)
	serial   blocks[uint16] // each entry's pnr%10,000
	pos      blocks[uint32] // each entry's name: block<<nameBlockBits | offset in names
	names    [][]byte       // blocks of nameBlock bytes: length, then word numbers (uvarints)
	words    []string       // words[i-1] is word number i; 0 is a word written out (length, bytes)
	dict     map[string]int // word numbers, while building
	wordLen  int            // bytes in words
	maxWords int            // words beyond are written out (maxWords; less in tests)
	upTo     pnr.PNR        // partial: the table covers the pnrs below upTo
	partial  bool
	fill     int // first[:fill] is set
	scratch  []byte
}

const (
	nameBlockBits = 20
	nameBlock     = 1 << nameBlockBits
	maxWords      = 1 << 18
)

func newNameTable() *nameTable {
	return &nameTable{first: make([]uint32, pnrDays+1), dict: map[string]int{}, maxWords: maxWords}
}

// bytes is about the memory the table takes.
func (t *nameTable) bytes() int {
	return 4*len(t.first) + 6*t.serial.n + nameBlock*len(t.names) + t.wordLen + 48*len(t.words)
}

// add appends an entry; entries come in pnr order.
func (t *nameTable) add(p pnr.PNR, name []byte) {
	d := int(uint64(p) / 10_000)
	for ; t.fill <= d; t.fill++ {
		t.first[t.fill] = uint32(t.serial.n)
	}
	t.serial.add(uint16(uint64(p) % 10_000))
	enc := t.scratch[:0]
	for len(name) > 0 {
		i := 0
		for i < len(name) && name[i] != ',' && name[i] != ' ' && name[i] != '-' {
			i++
		}
		w := name[:min(i+1, len(name))] // a word and the mark after it
		name = name[len(w):]
		n, ok := t.dict[string(w)]
		if !ok && len(t.words) < t.maxWords {
			t.words = append(t.words, string(w))
			t.wordLen += len(w)
			n = len(t.words)
			t.dict[string(w)] = n
		}
		enc = binary.AppendUvarint(enc, uint64(n))
		if n == 0 {
			enc = binary.AppendUvarint(enc, uint64(len(w)))
			enc = append(enc, w...)
		}
	}
	t.scratch = enc
	need := binary.MaxVarintLen32 + len(enc)
	if len(t.names) == 0 || len(t.names[len(t.names)-1])+need > nameBlock {
		t.names = append(t.names, make([]byte, 0, max(nameBlock, need)))
	}
	b := &t.names[len(t.names)-1]
	t.pos.add(uint32(len(t.names)-1)<<nameBlockBits | uint32(len(*b)))
	*b = binary.AppendUvarint(*b, uint64(len(enc)))
	*b = append(*b, enc...)
}

// close sets the rest of the index and drops what only building needs.
func (t *nameTable) close() {
	for ; t.fill < len(t.first); t.fill++ {
		t.first[t.fill] = uint32(t.serial.n)
	}
	t.dict, t.scratch = nil, nil
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
		lo, hi := int(t.first[d]), int(t.first[d+1])
		s := uint16(uint64(p) % 10_000)
		k := lo + sort.Search(hi-lo, func(j int) bool { return t.serial.at(lo+j) >= s })
		if k == hi || t.serial.at(k) != s {
			return register.Name{}, false
		}
		at := t.pos.at(k)
		b := t.names[at>>nameBlockBits][at&(nameBlock-1):]
		l, n := binary.Uvarint(b)
		b = b[n : n+int(l)]
		var buf [64]byte
		out := buf[:0]
		for len(b) > 0 {
			w, n := binary.Uvarint(b)
			b = b[n:]
			if w > 0 {
				out = append(out, t.words[w-1]...)
				continue
			}
			l, n := binary.Uvarint(b)
			out = append(out, b[n:n+int(l)]...)
			b = b[n+int(l):]
		}
		return register.Name{Addressing: string(out)}, true
	}
}

// blocks is an append-only slice kept in blocks of a fixed size, so that
// it never copies itself nor holds twice its size while it grows.
type blocks[T any] struct {
	b [][]T
	n int
}

const blockBits = 16

func (s *blocks[T]) add(v T) {
	if s.n&(1<<blockBits-1) == 0 {
		s.b = append(s.b, make([]T, 0, 1<<blockBits))
	}
	s.b[len(s.b)-1] = append(s.b[len(s.b)-1], v)
	s.n++
}

func (s *blocks[T]) at(i int) T { return s.b[i>>blockBits][i&(1<<blockBits-1)] }

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
	return err == nil && in*20 >= all
}

// buildNameTable reads the name of every person in view, the ranges in
// parallel, until the table reaches its budget.
func (x *Extractor) buildNameTable(ctx context.Context, view *register.View, ranges []pnr.PNR, workers int) (*nameTable, error) {
	budget := x.NameTableBytes
	if budget <= 0 {
		budget = DefaultNameTableBytes
	}
	t := newNameTable()
	today := x.Reg.Today()
	// A range's names go through a buffer: pnr (8 bytes), length, name.
	work := func(_, i int, buf []byte) ([]byte, Stats, error) {
		var rerr error
		err := view.ScanNames(ranges[i], ranges[i+1], today, func(p pnr.PNR, last, addressing []byte, inForce bool) bool {
			if !inForce {
				q, err := view.AsOf(p, today)
				if errors.Is(err, register.ErrNotFound) {
					return true // as Get: no such person today, no name
				} else if err != nil {
					rerr = err
					return false
				}
				last, addressing = []byte(q.Name.Last), []byte(q.Name.Addressing)
			}
			if len(last) > 0 {
				buf = binary.BigEndian.AppendUint64(buf, uint64(p))
				buf = binary.AppendUvarint(buf, uint64(len(addressing)))
				buf = append(buf, addressing...)
			}
			return true
		})
		return buf, Stats{}, errors.Join(rerr, err)
	}
	i := 0
	write := func(buf []byte, _ Stats) error {
		// An entry takes about as much room in the table as in buf (less
		// if its words are in the dictionary), and a new block of names
		// may be needed.
		if int64(t.bytes()+len(buf)+nameBlock) > budget {
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
