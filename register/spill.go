package register

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// spill keeps records in bucket files whose order is key order: every key
// in bucket i sorts before every key in bucket i+1. A sorted write then
// needs only one bucket in memory at a time (an external sort with
// natural partitions). Records are uvarint key length, uvarint value
// length, key, value.
type spill struct {
	fs     vfs.FS
	prefix string
	names  []string
	files  []vfs.File
	bufs   []*bufio.Writer
	bucket func(key []byte) int
	tmp    []byte
}

func newSpill(fs vfs.FS, prefix string, buckets int, bucket func([]byte) int) *spill {
	return &spill{fs: fs, prefix: prefix, names: make([]string, buckets), files: make([]vfs.File, buckets),
		bufs: make([]*bufio.Writer, buckets), bucket: bucket}
}

func (s *spill) add(key, value []byte) error {
	i := s.bucket(key)
	if s.bufs[i] == nil {
		s.names[i] = fmt.Sprintf("%s-%03d.spill", s.prefix, i)
		f, err := s.fs.Create(s.names[i], "")
		if err != nil {
			return err
		}
		s.files[i], s.bufs[i] = f, bufio.NewWriterSize(f, 64<<10)
	}
	s.tmp = binary.AppendUvarint(s.tmp[:0], uint64(len(key)))
	s.tmp = binary.AppendUvarint(s.tmp, uint64(len(value)))
	w := s.bufs[i]
	w.Write(s.tmp)
	w.Write(key)
	_, err := w.Write(value)
	return err
}

// finish flushes and closes the bucket files.
func (s *spill) finish() error {
	for i, w := range s.bufs {
		if w == nil {
			continue
		}
		if err := w.Flush(); err != nil {
			return err
		}
		if err := s.files[i].Close(); err != nil {
			return err
		}
		s.files[i] = nil
	}
	return nil
}

// remove deletes the bucket files.
func (s *spill) remove() {
	for i, f := range s.files {
		if f != nil {
			f.Close()
		}
		if s.names[i] != "" {
			s.fs.Remove(s.names[i])
		}
	}
}

type kv struct{ k, v []byte }

// sortRec locates one spilled record in a bucket's buffer for sorting. The
// first 24 key bytes after the prefix every key of the bucket shares are
// held as three integers (zero padded, big-endian), so most comparisons
// need no memory but the record itself, and the records hold no pointers,
// so moving them costs the garbage collector nothing.
type sortRec struct {
	a, b, c uint64
	off     uint32 // of the key; the value follows it
	kl, vl  uint32
}

func newSortRec(buf []byte, off, kl, vl, common int) sortRec {
	var pad [24]byte
	copy(pad[:], buf[off+common:off+kl])
	return sortRec{a: binary.BigEndian.Uint64(pad[:8]), b: binary.BigEndian.Uint64(pad[8:16]),
		c: binary.BigEndian.Uint64(pad[16:]), off: uint32(off), kl: uint32(kl), vl: uint32(vl)}
}

func (r sortRec) key(buf []byte) []byte { return buf[r.off : r.off+r.kl] }

// sortedBucket reads bucket i of every spill into buf and returns its
// records sorted by key.
func sortedBucket(spills []*spill, i int, buf []byte, recs []kv) ([]kv, []byte, error) {
	buf, recs = buf[:0], recs[:0]
	for _, s := range spills {
		if s.names[i] == "" {
			continue
		}
		f, err := s.fs.Open(s.names[i])
		if err != nil {
			return nil, buf, err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, buf, err
		}
		start := len(buf)
		buf = slices.Grow(buf, int(st.Size()))[:start+int(st.Size())]
		_, err = io.ReadFull(f, buf[start:])
		f.Close()
		if err != nil {
			return nil, buf, err
		}
	}
	if len(buf) > math.MaxUint32 {
		return nil, buf, fmt.Errorf("register: load: a spill bucket holds over 4 GiB")
	}
	// Locate the records, and the prefix all their keys share.
	type loc struct{ off, kl, vl int }
	var locs []loc
	var first []byte
	common := 0
	for off := 0; off < len(buf); {
		kl, n1 := binary.Uvarint(buf[off:])
		if n1 <= 0 {
			return nil, buf, fmt.Errorf("%w: spill record", ErrCorrupt)
		}
		vl, n2 := binary.Uvarint(buf[off+n1:])
		if n2 <= 0 || uint64(len(buf)-off) < uint64(n1+n2)+kl+vl {
			return nil, buf, fmt.Errorf("%w: spill record", ErrCorrupt)
		}
		off += n1 + n2
		k := buf[off : off+int(kl)]
		if first == nil {
			first, common = k, len(k)
		} else {
			common = min(common, commonPrefix(first, k))
		}
		locs = append(locs, loc{off, int(kl), int(vl)})
		off += int(kl + vl)
	}
	idx := make([]sortRec, len(locs))
	for i, l := range locs {
		idx[i] = newSortRec(buf, l.off, l.kl, l.vl, common)
	}
	slices.SortFunc(idx, func(x, y sortRec) int {
		if x.a != y.a {
			return cmp.Compare(x.a, y.a)
		}
		if x.b != y.b {
			return cmp.Compare(x.b, y.b)
		}
		if x.c != y.c {
			return cmp.Compare(x.c, y.c)
		}
		return bytes.Compare(x.key(buf)[common:], y.key(buf)[common:])
	})
	recs = slices.Grow(recs, len(idx))
	for _, r := range idx {
		end := r.off + r.kl
		recs = append(recs, kv{buf[r.off:end], buf[end : end+r.vl]})
	}
	return recs, buf, nil
}

// commonPrefix is the length of the prefix a and b share.
func commonPrefix(a, b []byte) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}
