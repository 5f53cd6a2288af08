package register

import (
	"encoding/binary"
	"fmt"
	"math"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
)

// enc appends values to a buffer; the encoders of every stored value use it.
type enc struct{ b []byte }

func (e *enc) u8(v uint8)       { e.b = append(e.b, v) }
func (e *enc) u16(v uint16)     { e.b = binary.BigEndian.AppendUint16(e.b, v) }
func (e *enc) u32(v uint32)     { e.b = binary.BigEndian.AppendUint32(e.b, v) }
func (e *enc) u64(v uint64)     { e.b = binary.BigEndian.AppendUint64(e.b, v) }
func (e *enc) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *enc) date(d date.Date) { e.u32(uint32(d)) }
func (e *enc) pnr(p pnr.PNR)    { e.b = p.AppendKey(e.b) }
func (e *enc) str(s string) {
	e.uvarint(uint64(len(s)))
	e.b = append(e.b, s...)
}
func (e *enc) bytes(b []byte) {
	e.uvarint(uint64(len(b)))
	e.b = append(e.b, b...)
}
func (e *enc) address(a address.Address) {
	if a.IsZero() {
		e.u8(0)
		return
	}
	e.u8(1)
	e.b = a.AppendKey(e.b)
}

// dec reads values written by enc. The first failure sticks; err reports
// it wrapped in ErrCorrupt, so callers check once at the end.
type dec struct {
	b    []byte
	fail string
}

func (d *dec) take(n int, what string) []byte {
	if d.fail != "" {
		return nil
	}
	if n < 0 || len(d.b) < n {
		d.fail = what
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *dec) u8() uint8 {
	if b := d.take(1, "u8"); b != nil {
		return b[0]
	}
	return 0
}
func (d *dec) u16() uint16 {
	if b := d.take(2, "u16"); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}
func (d *dec) u32() uint32 {
	if b := d.take(4, "u32"); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}
func (d *dec) u64() uint64 {
	if b := d.take(8, "u64"); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}
func (d *dec) uvarint() uint64 {
	if d.fail != "" {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 || n != uvarintLen(v) {
		d.fail = "varint"
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a length that must be at most max.
func (d *dec) count(max int) int {
	n := d.uvarint()
	if n > uint64(max) || n > math.MaxInt32 {
		if d.fail == "" {
			d.fail = "count"
		}
		return 0
	}
	return int(n)
}

func uvarintLen(v uint64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], v)
}

// flag reads a byte that must be 0 or 1.
func (d *dec) flag() bool {
	switch d.u8() {
	case 0:
		return false
	case 1:
		return true
	}
	if d.fail == "" {
		d.fail = "flag"
	}
	return false
}

func (d *dec) date() date.Date { return date.Date(d.u32()) }
func (d *dec) str() string {
	n := d.count(len(d.b))
	return string(d.take(n, "string"))
}
func (d *dec) bytes() []byte {
	n := d.count(len(d.b))
	return d.take(n, "bytes")
}
func (d *dec) pnr() pnr.PNR {
	b := d.take(pnrLen, "pnr")
	if b == nil {
		return 0
	}
	v := pnr.PNR(binary.BigEndian.Uint64(b))
	if v == 0 {
		return 0
	}
	p, err := pnr.DecodeKey(b)
	if err != nil {
		d.fail = "pnr"
		return 0
	}
	return p
}
func (d *dec) address() address.Address {
	if !d.flag() {
		return address.Address{}
	}
	b := d.take(addrLen, "address")
	if b == nil {
		return address.Address{}
	}
	a, err := address.DecodeKey(b)
	if err != nil {
		d.fail = "address"
	}
	return a
}

// err reports a read past the end, a bad field, or bytes left over.
func (d *dec) err(what string) error {
	if d.fail != "" {
		return fmt.Errorf("%w: %s: bad %s", ErrCorrupt, what, d.fail)
	}
	if len(d.b) != 0 {
		return fmt.Errorf("%w: %s: %d trailing bytes", ErrCorrupt, what, len(d.b))
	}
	return nil
}
