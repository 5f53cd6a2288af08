package register

import (
	"bufio"
	"bytes"
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

// sortRec locates one spilled record in a bucket's buffer for sorting. The
// first 24 key bytes after the prefix every key of the bucket shares are
// held as three integers (zero padded, big-endian) that a radix sort
// orders; only records tied on all 24 bytes compare their keys. The
// records hold no pointers, so moving them costs the garbage collector
// nothing.
type sortRec struct {
	k      [3]uint64
	off    uint32 // of the key; the value follows it
	kl, vl uint32
}

// fill sets k from the key bytes after the common prefix.
func (r *sortRec) fill(buf []byte, common int) {
	var pad [24]byte
	copy(pad[:], buf[int(r.off)+common:int(r.off+r.kl)])
	r.k = [3]uint64{binary.BigEndian.Uint64(pad[:8]), binary.BigEndian.Uint64(pad[8:16]), binary.BigEndian.Uint64(pad[16:])}
}

func (r sortRec) key(buf []byte) []byte { return buf[r.off : r.off+r.kl] }

func (r sortRec) value(buf []byte) []byte { return buf[r.off+r.kl : r.off+r.kl+r.vl] }

// sameKey reports whether r and q, records of one sorted bucket with the
// common key prefix given, have the same key. Keys that fit in k compare
// without reading the buffer.
func (r sortRec) sameKey(q sortRec, buf []byte, common int) bool {
	if r.kl != q.kl || r.k != q.k {
		return false
	}
	return int(r.kl)-common <= 24 || bytes.Equal(r.key(buf), q.key(buf))
}

// bucketSorter holds the buffers sortedBucket reuses from bucket to bucket.
type bucketSorter struct {
	buf      []byte
	idx, tmp []sortRec
}

// sortedBucket reads bucket i of every spill into the sorter's buffer,
// removes its files, and returns the buffer and its records sorted by key
// (sortRec.key and sortRec.value read them), and the length of the prefix
// every key shares.
func (bs *bucketSorter) sortedBucket(spills []*spill, i int) (buf []byte, recs []sortRec, common int, err error) {
	files, sizes := make([]vfs.File, 0, len(spills)), make([]int, 0, len(spills))
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	size := 0
	for _, s := range spills {
		if s.names[i] == "" {
			continue
		}
		f, err := s.fs.Open(s.names[i])
		if err != nil {
			return nil, nil, 0, err
		}
		files = append(files, f)
		st, err := f.Stat()
		if err != nil {
			return nil, nil, 0, err
		}
		sizes = append(sizes, int(st.Size()))
		size += int(st.Size())
	}
	if size > math.MaxUint32 {
		return nil, nil, 0, fmt.Errorf("register: load: a spill bucket holds over 4 GiB")
	}
	// Grown once for the bucket, with room to spare for the next ones:
	// never copied, and new memory is costly (a page fault every 4 KiB).
	if cap(bs.buf) < size {
		bs.buf = make([]byte, 0, size+size/4)
	}
	buf = bs.buf[:size]
	at := 0
	for j, f := range files {
		if _, err := io.ReadFull(f, buf[at:at+sizes[j]]); err != nil {
			return nil, nil, 0, err
		}
		at += sizes[j]
	}
	// Read once: gone at once, so the system need not write it back.
	for _, s := range spills {
		if s.names[i] != "" {
			s.fs.Remove(s.names[i])
			s.names[i] = ""
		}
	}
	// Locate the records, and the prefix all their keys share.
	idx := bs.idx[:0]
	var first []byte
	for off := 0; off < len(buf); {
		kl, n1 := binary.Uvarint(buf[off:])
		if n1 <= 0 {
			return nil, nil, 0, fmt.Errorf("%w: spill record", ErrCorrupt)
		}
		vl, n2 := binary.Uvarint(buf[off+n1:])
		if n2 <= 0 || uint64(len(buf)-off) < uint64(n1+n2)+kl+vl {
			return nil, nil, 0, fmt.Errorf("%w: spill record", ErrCorrupt)
		}
		off += n1 + n2
		k := buf[off : off+int(kl)]
		if first == nil {
			first, common = k, len(k)
		} else {
			common = min(common, commonPrefix(first, k))
		}
		idx = append(idx, sortRec{off: uint32(off), kl: uint32(kl), vl: uint32(vl)})
		off += int(kl + vl)
	}
	for j := range idx {
		idx[j].fill(buf, common)
	}
	if cap(bs.tmp) < len(idx) {
		bs.tmp = make([]sortRec, len(idx), cap(idx))
	}
	idx, bs.tmp = radixSortRecs(idx, bs.tmp[:len(idx)])
	bs.idx = idx
	// Records whose first 24 bytes after the common prefix are equal are
	// ordered by the rest of their keys.
	for lo := 0; lo < len(idx); {
		hi := lo + 1
		for hi < len(idx) && idx[hi].k == idx[lo].k {
			hi++
		}
		if hi-lo > 1 {
			slices.SortFunc(idx[lo:hi], func(x, y sortRec) int {
				return bytes.Compare(x.key(buf)[common:], y.key(buf)[common:])
			})
		}
		lo = hi
	}
	return buf, idx, common, nil
}

// radixSortRecs sorts recs by k: an LSD radix sort, a byte a
// pass, that passes over the bytes every record shares. tmp must be as
// long as recs; it returns the sorted records and the other array.
func radixSortRecs(recs, tmp []sortRec) (sorted, other []sortRec) {
	var at [256]int
	for w := 2; w >= 0; w-- {
		var or, and uint64 = 0, ^uint64(0)
		for i := range recs {
			or |= recs[i].k[w]
			and &= recs[i].k[w]
		}
		for shift := 0; shift < 64; shift += 8 {
			if (or^and)>>shift&0xff == 0 {
				continue // every record has this byte
			}
			clear(at[:])
			for i := range recs {
				at[recs[i].k[w]>>shift&0xff]++
			}
			sum := 0
			for d, n := range at {
				at[d] = sum
				sum += n
			}
			for i := range recs {
				d := recs[i].k[w] >> shift & 0xff
				tmp[at[d]] = recs[i]
				at[d]++
			}
			recs, tmp = tmp, recs
		}
	}
	return recs, tmp
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
