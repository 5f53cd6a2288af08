package extract

import (
	"bufio"
	"bytes"
	"cmp"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"cpr/pnr"
)

// A research extract is written in the order of its pseudonyms, not in
// pnr order: a pnr begins with the day of birth, so a file in pnr order
// would tell each person's birth day by their place in it (and two
// recipients could line their files up). idOrder sorts the persons' lines
// by the id they carry, in memory up to a bound and beyond it in sorted
// runs spilled to temporary files and merged at the end, so a status
// extract of the whole country stays memory bounded.

// DefaultSortBytes is the memory a research extract sorts in when
// Extractor.SortBytes is zero.
const DefaultSortBytes = 64 << 20

// byID orders pnrs by the ids the subscriber knows them by (a day's
// change extract fits in memory).
func byID(pnrs []pnr.PNR, ids identity) {
	keys := make(map[pnr.PNR]string, len(pnrs))
	for _, p := range pnrs {
		keys[p], _ = ids.of(p)
	}
	slices.SortStableFunc(pnrs, func(a, b pnr.PNR) int { return cmp.Compare(keys[a], keys[b]) })
}

// idRec is one person's lines and the id they carry.
type idRec struct {
	key        string
	start, end int // in idOrder.arena
}

type idOrder struct {
	f     Format
	limit int
	dir   string
	arena []byte
	recs  []idRec
	runs  []*os.File
}

func newIDOrder(f Format, limit int, dir string) *idOrder {
	if limit <= 0 {
		limit = DefaultSortBytes
	}
	return &idOrder{f: f, limit: limit, dir: dir}
}

// idOf is the id a line carries: the PNR field of a P12170 record, the
// second column of a CSV row, "id" of a JSON Lines person.
func (o *idOrder) idOf(line []byte) ([]byte, error) {
	switch o.f {
	case P12170:
		if len(line) >= 13 {
			return bytes.TrimRight(line[3:13], " "), nil
		}
	case CSV:
		if _, rest, ok := bytes.Cut(line, []byte(",")); ok {
			id, _, _ := bytes.Cut(rest, []byte(","))
			return id, nil
		}
	case JSONL:
		if _, rest, ok := bytes.Cut(line, []byte(`"id":"`)); ok {
			if id, _, ok := bytes.Cut(rest, []byte(`"`)); ok {
				return id, nil
			}
		}
	}
	return nil, fmt.Errorf("extract: a line of a research extract carries no id")
}

// add takes the lines of whole persons (the lines of one person follow
// each other and carry one id).
func (o *idOrder) add(b []byte) error {
	for len(b) > 0 {
		n := bytes.IndexByte(b, '\n') + 1
		if n == 0 {
			n = len(b)
		}
		line := b[:n]
		b = b[n:]
		id, err := o.idOf(line)
		if err != nil {
			return err
		}
		if k := len(o.recs) - 1; k >= 0 && o.recs[k].key == string(id) && o.recs[k].end == len(o.arena) {
			o.arena = append(o.arena, line...)
			o.recs[k].end = len(o.arena)
			continue
		}
		start := len(o.arena)
		o.arena = append(o.arena, line...)
		o.recs = append(o.recs, idRec{key: string(id), start: start, end: len(o.arena)})
	}
	if len(o.arena) >= o.limit {
		return o.spill()
	}
	return nil
}

func (o *idOrder) sort() {
	slices.SortStableFunc(o.recs, func(a, b idRec) int { return cmp.Compare(a.key, b.key) })
}

// spill writes what is in memory, sorted, to a temporary file: each
// person as the length of its id, the id, the length of its lines, the
// lines.
func (o *idOrder) spill() error {
	o.sort()
	f, err := os.CreateTemp(o.dir, "cpr-research-run-*")
	if err != nil {
		return fmt.Errorf("extract: research sort: %w", err)
	}
	os.Remove(f.Name()) // gone when closed, whatever happens
	o.runs = append(o.runs, f)
	w := bufio.NewWriterSize(f, 256<<10)
	var hdr [2 * binary.MaxVarintLen64]byte
	for _, r := range o.recs {
		n := binary.PutUvarint(hdr[:], uint64(len(r.key)))
		w.Write(hdr[:n])
		w.WriteString(r.key)
		n = binary.PutUvarint(hdr[:], uint64(r.end-r.start))
		w.Write(hdr[:n])
		w.Write(o.arena[r.start:r.end])
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("extract: research sort: %w", err)
	}
	o.arena, o.recs = o.arena[:0], o.recs[:0]
	return nil
}

// writeTo writes every person taken, in id order, and closes the runs.
func (o *idOrder) writeTo(w io.Writer) error {
	defer o.close()
	if len(o.runs) == 0 {
		o.sort()
		for _, r := range o.recs {
			if _, err := w.Write(o.arena[r.start:r.end]); err != nil {
				return err
			}
		}
		return nil
	}
	if len(o.recs) > 0 {
		if err := o.spill(); err != nil {
			return err
		}
	}
	h := &runHeap{}
	for _, f := range o.runs {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("extract: research sort: %w", err)
		}
		r := &run{r: bufio.NewReaderSize(f, 64<<10)}
		ok, err := r.next()
		if err != nil {
			return err
		}
		if ok {
			heap.Push(h, r)
		}
	}
	for h.Len() > 0 {
		r := (*h)[0]
		if _, err := w.Write(r.lines); err != nil {
			return err
		}
		ok, err := r.next()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(h, 0)
		} else {
			heap.Pop(h)
		}
	}
	return nil
}

func (o *idOrder) close() {
	for _, f := range o.runs {
		f.Close()
	}
	o.runs = nil
}

// run reads one spilled run back.
type run struct {
	r          *bufio.Reader
	key, lines []byte
}

// next reads the next person; false at the end of the run.
func (r *run) next() (bool, error) {
	read := func(dst []byte) ([]byte, error) {
		n, err := binary.ReadUvarint(r.r)
		if err != nil {
			return dst, err
		}
		dst = slices.Grow(dst[:0], int(n))[:n]
		_, err = io.ReadFull(r.r, dst)
		return dst, err
	}
	var err error
	if r.key, err = read(r.key); errors.Is(err, io.EOF) {
		return false, nil
	} else if err == nil {
		r.lines, err = read(r.lines)
	}
	if err != nil {
		return false, fmt.Errorf("extract: research sort: reading a run: %w", err)
	}
	return true, nil
}

type runHeap []*run

func (h runHeap) Len() int           { return len(h) }
func (h runHeap) Less(i, j int) bool { return bytes.Compare(h[i].key, h[j].key) < 0 }
func (h runHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)        { *h = append(*h, x.(*run)) }
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
