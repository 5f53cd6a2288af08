package p12170

import (
	"fmt"
	"time"
	"unicode/utf8"
)

// Builder fills one record line. It keeps a buffer of the record's length
// and writes every value straight into it, so setting a field does not
// allocate.
//
// Setting a field the record does not have panics: that is a programming
// error. A value that does not fit an Alpha field is truncated to the
// field's length in characters; a value that does not fit a Numeric field
// (too many digits, or not digits at all), a negative number or a year
// outside 1..9999 panics, so the caller checks its data first. Panic
// messages name the record type and field, never the value.
//
// Make one with New; the zero Builder is not usable. A Builder is not
// safe for concurrent use: one per goroutine.
type Builder struct {
	rec  *Record
	buf  []byte // len rec.Len, cap layout.maxLen
	next int    // index after the field set last: the likely next one
}

// New returns a Builder for a record of type recType ("001") with
// RECORDTYPE set and every other field blank: spaces in Alpha fields, zeros
// in Numeric ones. It panics if the layout has no such record type.
func New(recType string) *Builder {
	b := &Builder{buf: make([]byte, 0, layout.maxLen)}
	b.Reset(recType)
	return b
}

// Reset makes b an empty record of type recType, as New does, reusing its
// buffer: it does not allocate.
func (b *Builder) Reset(recType string) {
	rec := layout.lookup(recType)
	if rec == nil {
		panic("p12170: New/Reset: unknown record type")
	}
	b.rec = rec
	b.buf = append(b.buf[:0], rec.blank...)
	b.next = 1
}

// Type returns the record type being built.
func (b *Builder) Type() string { return b.rec.Type }

// Record returns the layout of the record type being built. Its Index
// method resolves field names for SetAt once, outside a hot loop. The
// result is shared: do not modify it.
func (b *Builder) Record() *Record { return b.rec }

// Bytes returns the record line, without newline, in ISO-8859-1. It
// aliases the Builder's buffer: valid until the next Set or Reset.
func (b *Builder) Bytes() []byte { return b.buf }

// AppendTo appends the record line (exactly the record's length, in
// ISO-8859-1) and a '\n' to dst.
func (b *Builder) AppendTo(dst []byte) []byte {
	dst = append(dst, b.buf...)
	return append(dst, '\n')
}

// Index resolves a field name of the record being built for SetAt and
// the other ...At methods, as Set does: the fields after the last one set
// first, then the layout's map. It panics if the record has no such field.
func (b *Builder) Index(field string) int { return b.index(field) }

// index resolves a field name. Callers usually set fields in layout
// order, skipping a few, so it tries the next fields after the last one
// first: string compares instead of a map lookup.
func (b *Builder) index(field string) int {
	for n := b.next; n < len(b.rec.Fields) && n < b.next+lookAhead; n++ {
		if b.rec.Fields[n].Name == field {
			return n
		}
	}
	i, ok := b.rec.index[field]
	if !ok {
		panic(fmt.Sprintf("p12170: record %s has no field %q", b.rec.Type, field))
	}
	return i
}

// lookAhead is how many fields after the last one set index tries before
// the map.
const lookAhead = 6

func (b *Builder) field(i int) (*Field, []byte) {
	if i < 0 || i >= len(b.rec.Fields) {
		panic(fmt.Sprintf("p12170: record %s has no field index %d", b.rec.Type, i))
	}
	b.next = i + 1
	f := &b.rec.Fields[i]
	return f, b.buf[f.Pos-1 : f.Pos-1+f.Len]
}

func (b *Builder) fail(f *Field, why string) {
	panic(fmt.Sprintf("p12170: record %s field %s (%d/%d): %s", b.rec.Type, f.Name, f.Pos, f.Len, why))
}

// Set sets a field from a string. Alpha: left-aligned, space-padded,
// truncated to the field's length in characters (never mid-character);
// characters outside ISO-8859-1 and control characters (which would break
// the line structure) become '?'. Numeric: value must be ASCII digits,
// written right-aligned and zero-padded; "" blanks the field (zeros), and
// leading zeros beyond the field's width are dropped. Set on RECORDTYPE
// accepts only the record's own type.
func (b *Builder) Set(field, value string) *Builder { return b.SetAt(b.index(field), value) }

// SetInt sets a field to the decimal digits of n ≥ 0: right-aligned and
// zero-padded in a Numeric field, left-aligned in an Alpha one (999
// TAELLER is Alpha). It panics if n is negative or has more digits than
// the field.
func (b *Builder) SetInt(field string, n int) *Builder { return b.SetIntAt(b.index(field), n) }

// SetDate writes a date in the field's DateFormat: yyyy-MM-dd, yyyyMMdd,
// or, for yyyyMMddHHmm/yyyyMMddTTMM fields, the date at 00:00. y == 0
// blanks the field. It panics if the field has no DateFormat (fields the
// layout gives none, such as 022 START_DT-PERSON, are plain Alpha or
// Numeric: use Set) or the date is out of range (y 1..9999, m 1..12,
// d 1..31; the calendar is not checked).
func (b *Builder) SetDate(field string, y int, m time.Month, d int) *Builder {
	return b.SetDateAt(b.index(field), y, m, d)
}

// SetTime writes t's wall clock (in t's own location: convert to
// Europe/Copenhagen first) in the field's DateFormat: minutes for
// yyyyMMddHHmm/yyyyMMddTTMM fields, the date alone for date fields. The
// zero time blanks the field. It panics as SetDate does.
func (b *Builder) SetTime(field string, t time.Time) *Builder {
	return b.SetTimeAt(b.index(field), t)
}

// SetAt is Set for the field at index i of b.Record().Fields (see
// Record.Index): no name lookup. i must come from the same record type.
func (b *Builder) SetAt(i int, value string) *Builder {
	f, dst := b.field(i)
	if !f.Numeric {
		putAlpha(dst, value)
		return b
	}
	// Leading zeros beyond the width do not change the number.
	for len(value) > len(dst) && value[0] == '0' {
		value = value[1:]
	}
	if len(value) > len(dst) {
		b.fail(f, "value has more digits than the field")
	}
	for j := 0; j < len(value); j++ {
		if !isDigit(value[j]) {
			b.fail(f, "value is not digits")
		}
	}
	pad := len(dst) - len(value)
	fillZeros(dst[:pad])
	copy(dst[pad:], value)
	b.checkType(f, dst)
	return b
}

// putAlpha writes value left-aligned into dst in ISO-8859-1, truncated to
// len(dst) characters and padded with spaces.
func putAlpha(dst []byte, value string) {
	n := 0
	for i := 0; i < len(value) && n < len(dst); n++ {
		c := value[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				c = '?'
			}
			dst[n] = c
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(value[i:])
		i += size
		if r < 0xa0 || r > 0xff { // C1 controls, beyond Latin-1, invalid UTF-8
			dst[n] = '?'
		} else {
			dst[n] = byte(r)
		}
	}
	for n < len(dst) {
		n += copy(dst[n:], spaces)
	}
}

const (
	spaces = "                                                                "
	zeros  = "0000000000000000000000000000000000000000000000000000000000000000"
)

// fillZeros sets dst to '0's.
func fillZeros(dst []byte) {
	for n := 0; n < len(dst); {
		n += copy(dst[n:], zeros)
	}
}

// SetIntAt is SetInt for the field at index i.
func (b *Builder) SetIntAt(i, n int) *Builder {
	f, dst := b.field(i)
	if n < 0 {
		b.fail(f, "negative number")
	}
	var tmp [20]byte
	j := len(tmp)
	for {
		j--
		tmp[j] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	digits := tmp[j:]
	if len(digits) > len(dst) {
		b.fail(f, "number has more digits than the field")
	}
	if f.Numeric {
		pad := len(dst) - len(digits)
		fillZeros(dst[:pad])
		copy(dst[pad:], digits)
		b.checkType(f, dst)
		return b
	}
	for k := copy(dst, digits); k < len(dst); {
		k += copy(dst[k:], spaces)
	}
	return b
}

// checkType keeps RECORDTYPE (the field at 1/3) equal to the record type:
// setting it to the same value is allowed (it makes "set back every parsed
// field" work), anything else panics.
func (b *Builder) checkType(f *Field, dst []byte) {
	if f.Pos == 1 && string(dst) != b.rec.Type {
		copy(dst, b.rec.Type)
		b.fail(f, "RECORDTYPE can only be the Builder's own type")
	}
}

// SetDateAt is SetDate for the field at index i.
func (b *Builder) SetDateAt(i, y int, m time.Month, d int) *Builder {
	f, dst := b.field(i)
	if d == 0 && y != 0 {
		b.fail(f, "date out of range")
	}
	b.putDate(f, dst, y, m, d, 0, 0)
	return b
}

// SetMonth writes a date known (or told) to the month only: year and
// month, day 00 and, in yyyyMMddHHmm/yyyyMMddTTMM fields, 00:00
// ("2026-03-00", "20260300", "202603000000"). y == 0 blanks the field. It
// panics as SetDate does.
func (b *Builder) SetMonth(field string, y int, m time.Month) *Builder {
	return b.SetMonthAt(b.index(field), y, m)
}

// SetMonthAt is SetMonth for the field at index i.
func (b *Builder) SetMonthAt(i, y int, m time.Month) *Builder {
	f, dst := b.field(i)
	b.putDate(f, dst, y, m, 0, 0, 0)
	return b
}

// SetTimeAt is SetTime for the field at index i.
func (b *Builder) SetTimeAt(i int, t time.Time) *Builder {
	f, dst := b.field(i)
	if t.IsZero() {
		b.putDate(f, dst, 0, 0, 0, 0, 0)
		return b
	}
	y, m, d := t.Date()
	hh, mm, _ := t.Clock()
	b.putDate(f, dst, y, m, d, hh, mm)
	return b
}

func (b *Builder) putDate(f *Field, dst []byte, y int, m time.Month, d, hh, mm int) {
	if f.kind == dateNone {
		b.fail(f, "field has no date format")
	}
	if y == 0 {
		copy(dst, b.rec.blank[f.Pos-1:f.End()])
		return
	}
	if y < 1 || y > 9999 || m < 1 || m > 12 || d < 0 || d > 31 || (d == 0 && (hh != 0 || mm != 0)) {
		b.fail(f, "date out of range")
	}
	put4(dst[0:], y)
	switch f.kind {
	case dateDashed:
		dst[4] = '-'
		put2(dst[5:], int(m))
		dst[7] = '-'
		put2(dst[8:], d)
	case date8:
		put2(dst[4:], int(m))
		put2(dst[6:], d)
	case date12:
		put2(dst[4:], int(m))
		put2(dst[6:], d)
		put2(dst[8:], hh)
		put2(dst[10:], mm)
	}
}

func put4(dst []byte, n int) {
	dst[0] = byte('0' + n/1000)
	dst[1] = byte('0' + n/100%10)
	dst[2] = byte('0' + n/10%10)
	dst[3] = byte('0' + n%10)
}

func put2(dst []byte, n int) {
	dst[0] = byte('0' + n/10)
	dst[1] = byte('0' + n%10)
}
