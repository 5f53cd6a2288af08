package register

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
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
	for b := buf; len(b) > 0; {
		kl, n1 := binary.Uvarint(b)
		if n1 <= 0 {
			return nil, buf, fmt.Errorf("%w: spill record", ErrCorrupt)
		}
		vl, n2 := binary.Uvarint(b[n1:])
		if n2 <= 0 || uint64(len(b)) < uint64(n1+n2)+kl+vl {
			return nil, buf, fmt.Errorf("%w: spill record", ErrCorrupt)
		}
		h := n1 + n2
		recs = append(recs, kv{b[h : h+int(kl)], b[h+int(kl) : h+int(kl)+int(vl)]})
		b = b[h+int(kl)+int(vl):]
	}
	slices.SortFunc(recs, func(x, y kv) int { return bytes.Compare(x.k, y.k) })
	return recs, buf, nil
}
