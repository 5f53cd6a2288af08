package pnr

import (
	"errors"
	"fmt"
	"time"
)

// Errors returned by this package. Returned errors wrap one of these with
// more detail; the detail never contains the number or any part of it.
var (
	// ErrLength: the input does not hold exactly 10 digits.
	ErrLength = errors.New("pnr: wrong length")
	// ErrNonDigit: the input holds a character other than a digit or the
	// one hyphen allowed after the date.
	ErrNonDigit = errors.New("pnr: non-digit character")
	// ErrDate: the first six digits are not a date in the century given by
	// the 7th digit.
	ErrDate = errors.New("pnr: not a valid birth date")
	// ErrCentury: a birth year outside 1858-2057, or a serial whose 7th
	// digit does not fit the birth year's century.
	ErrCentury = errors.New("pnr: serial does not fit the birth year's century")
	// ErrSerial: a serial outside 0-9999.
	ErrSerial = errors.New("pnr: serial out of range")
	// ErrSex: a sex other than Female or Male.
	ErrSex = errors.New("pnr: unknown sex")
	// ErrExhausted: every number for a birth date and sex is taken.
	ErrExhausted = errors.New("pnr: no free number for the birth date and sex")
	// ErrCorrupt: a storage key that does not decode to a valid number.
	ErrCorrupt = errors.New("pnr: corrupt key")
)

// Fixed wrapped errors, shared so that rejecting a number does not allocate.
var (
	errNonDigit = fmt.Errorf("%w: want 10 digits, optionally with a hyphen after the date", ErrNonDigit)
	errMonth    = fmt.Errorf("%w: month out of range", ErrDate)
	errDay      = fmt.Errorf("%w: day out of range for the month", ErrDate)
	errTooBig   = fmt.Errorf("%w: value has more than 10 digits", ErrLength)
)

// PNR is a valid personnummer, stored as the 10-digit number DDMMYYSSSS
// (so 010170-1234 is 101701234). The zero value means "no pnr".
//
// Values come from [Parse], [New], [Allocate], [PNR.UnmarshalText] or
// [DecodeKey]. The accessors do not revalidate: on a PNR converted from an
// arbitrary integer they give meaningless results, except that the zero PNR
// gives zero results. Use [PNR.Valid] to check such a value.
type PNR uint64

const maxPNR = 9_999_999_999

// Parse parses a personnummer written "DDMMYYSSSS" or "DDMMYY-SSSS", after
// trimming spaces and tabs at both ends. It accepts nothing else.
//
// Errors wrap ErrNonDigit (a character other than a digit, or a hyphen
// anywhere but after the 6th digit), ErrLength (not 10 digits) or ErrDate
// (no such date in the century the 7th digit gives). A failing modulus-11
// check is not an error; see [PNR.Mod11].
func Parse(s string) (PNR, error) {
	return parse(s)
}

// MustParse is like [Parse] but panics on error. It is meant for tests and
// examples.
func MustParse(s string) PNR {
	p, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return p
}

// parse implements Parse for strings and byte slices, without allocating
// unless the length is wrong.
func parse[T string | []byte](s T) (PNR, error) {
	i, j := 0, len(s)
	for i < j && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	for j > i && (s[j-1] == ' ' || s[j-1] == '\t') {
		j--
	}
	s = s[i:j]
	var v uint64
	digits := 0
	for k := 0; k < len(s); k++ {
		c := s[k]
		switch {
		case c >= '0' && c <= '9':
			v = v*10 + uint64(c-'0') // overflow is harmless: the length is checked below
			digits++
		case c == '-' && k == 6 && digits == 6:
		default:
			return 0, errNonDigit
		}
	}
	if digits != 10 {
		return 0, fmt.Errorf("%w: got %d digits, want 10", ErrLength, digits)
	}
	p := PNR(v)
	if err := p.checkDate(); err != nil {
		return 0, err
	}
	return p, nil
}

// New builds the number for the birth date (its year, month and day in its
// own location) and a 4-digit serial.
//
// Errors wrap ErrSerial if serial is outside 0-9999, or ErrCentury if the
// birth year is outside 1858-2057 or the serial's first digit (the 7th digit
// of the number) does not encode the birth year's century.
func New(birth time.Time, serial int) (PNR, error) {
	if serial < 0 || serial > 9999 {
		return 0, fmt.Errorf("%w: want 0-9999", ErrSerial)
	}
	y, m, d := birth.Date()
	allowed, err := centuryDigits(y)
	if err != nil {
		return 0, err
	}
	if allowed&(1<<(serial/1000)) == 0 {
		return 0, fmt.Errorf("%w: the 7th digit encodes another century", ErrCentury)
	}
	return datePart(d, int(m), y) + PNR(serial), nil
}

// datePart is the number DDMMYY0000.
func datePart(d, m, y int) PNR {
	return PNR(d)*100_000_000 + PNR(m)*1_000_000 + PNR(y%100)*10_000
}

func (p PNR) day() int    { return int(p / 100_000_000) }
func (p PNR) month() int  { return int(p / 1_000_000 % 100) }
func (p PNR) yy() int     { return int(p / 10_000 % 100) }
func (p PNR) digit7() int { return int(p / 1000 % 10) }

// year is the 4-digit birth year.
func (p PNR) year() int { return century(p.digit7(), p.yy()) + p.yy() }

// checkDate reports whether the first six digits are a date, with ErrDate.
func (p PNR) checkDate() error {
	m := p.month()
	if m < 1 || m > 12 {
		return errMonth
	}
	if d := p.day(); d < 1 || d > daysIn(m, p.year()) {
		return errDay
	}
	return nil
}

// Valid reports whether p is a valid number: not zero, at most 10 digits,
// and a real birth date.
func (p PNR) Valid() bool { return p.validate() == nil }

func (p PNR) validate() error {
	switch {
	case p == 0:
		return fmt.Errorf("%w: zero value", ErrLength)
	case p > maxPNR:
		return errTooBig
	}
	return p.checkDate()
}

// IsZero reports whether p is the zero value, "no pnr".
func (p PNR) IsZero() bool { return p == 0 }

// String returns the 10 digits "DDMMYYSSSS", leading zeros kept, or "" for
// the zero value.
func (p PNR) String() string {
	if p == 0 {
		return ""
	}
	var b [10]byte
	return string(p.appendDigits(b[:0]))
}

// Hyphenated returns "DDMMYY-SSSS", or "" for the zero value.
func (p PNR) Hyphenated() string {
	if p == 0 {
		return ""
	}
	var b [11]byte
	p.appendDigits(b[:0])
	copy(b[7:], b[6:10])
	b[6] = '-'
	return string(b[:])
}

// appendDigits appends the 10 digits of p.
func (p PNR) appendDigits(dst []byte) []byte {
	var b [10]byte
	v := uint64(p)
	for i := 9; i >= 0; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return append(dst, b[:]...)
}

// BirthDate returns the birth date at midnight UTC, or the zero time for the
// zero value.
func (p PNR) BirthDate() time.Time {
	if p == 0 {
		return time.Time{}
	}
	return time.Date(p.year(), time.Month(p.month()), p.day(), 0, 0, 0, 0, time.UTC)
}

// Serial returns the last four digits as a number, 0-9999.
func (p PNR) Serial() int { return int(p % 10_000) }

// Sex returns Male for an odd last digit, Female for an even one, and the
// zero Sex for the zero value.
func (p PNR) Sex() Sex {
	switch {
	case p == 0:
		return 0
	case p%2 == 1:
		return Male
	default:
		return Female
	}
}

// MarshalText implements [encoding.TextMarshaler]: the 10 digits, or empty
// for the zero value. It returns an error wrapping ErrLength or ErrDate if p
// is neither zero nor valid.
func (p PNR) MarshalText() ([]byte, error) {
	if p == 0 {
		return []byte{}, nil
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	return p.appendDigits(make([]byte, 0, 10)), nil
}

// UnmarshalText implements [encoding.TextUnmarshaler] with [Parse]; empty
// text gives the zero value. Errors are those of Parse.
func (p *PNR) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*p = 0
		return nil
	}
	v, err := parse(b)
	if err != nil {
		return err
	}
	*p = v
	return nil
}
