// Package date is a civil calendar date (no time of day, no zone), the unit of
// valid time in the register: a move date, a birth date, a death date.
//
// A Date is stored as the number yyyymmdd, so the zero value means "no date",
// numeric order is calendar order, and a debugger shows it readably.
package date

import (
	"errors"
	"fmt"
	"time"
	_ "time/tzdata" // Europe/Copenhagen on machines without a zone database
)

// Date is a calendar date as yyyymmdd; zero is "no date".
type Date uint32

// ErrInvalid is returned for text that is not a YYYY-MM-DD calendar date.
var ErrInvalid = errors.New("date: invalid date")

// Copenhagen is the register's home time zone: "registered on day D" means
// a day in Danish time.
var Copenhagen = mustZone("Europe/Copenhagen")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// New returns the date y-m-d. It returns ErrInvalid for a day that does not
// exist (30 February) or a year outside 1..9999.
func New(y int, m time.Month, d int) (Date, error) {
	if y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, fmt.Errorf("%w: no such day", ErrInvalid)
	}
	return Date(y*10000 + int(m)*100 + d), nil
}

// MustNew is New for constants in tests and tables; it panics on a bad date.
func MustNew(y int, m time.Month, d int) Date {
	dt, err := New(y, m, d)
	if err != nil {
		panic(err)
	}
	return dt
}

func daysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// Of returns the calendar date of t in t's own location.
func Of(t time.Time) Date {
	y, m, d := t.Date()
	return Date(y*10000 + int(m)*100 + d)
}

// InCopenhagen returns the calendar date of t in Danish time.
func InCopenhagen(t time.Time) Date { return Of(t.In(Copenhagen)) }

// Parse reads YYYY-MM-DD. It returns ErrInvalid, without echoing the input.
func Parse(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, fmt.Errorf("%w: want YYYY-MM-DD", ErrInvalid)
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return 0, fmt.Errorf("%w: want YYYY-MM-DD", ErrInvalid)
	}
	return New(y, time.Month(m), d)
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// Valid reports whether d is a calendar date (30 February is not).
func (d Date) Valid() bool {
	_, err := New(d.Year(), d.Month(), d.Day())
	return err == nil
}

// IsZero reports whether d is "no date".
func (d Date) IsZero() bool { return d == 0 }

// Year, Month and Day return the parts of d.
func (d Date) Year() int         { return int(d / 10000) }
func (d Date) Month() time.Month { return time.Month(d / 100 % 100) }
func (d Date) Day() int          { return int(d % 100) }

// Time returns midnight at the start of d in UTC.
func (d Date) Time() time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
}

// StartIn returns the first instant of d in loc.
func (d Date) StartIn(loc *time.Location) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
}

// AddDays returns d moved n days (n may be negative).
func (d Date) AddDays(n int) Date { return Of(d.Time().AddDate(0, 0, n)) }

// String is YYYY-MM-DD, or "" for the zero date.
func (d Date) String() string {
	if d == 0 {
		return ""
	}
	return string(d.AppendText(nil))
}

// AppendText appends YYYY-MM-DD to b ("" for the zero date).
func (d Date) AppendText(b []byte) []byte {
	if d == 0 {
		return b
	}
	y, m, dd := d.Year(), int(d.Month()), d.Day()
	return append(b,
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-',
		byte('0'+dd/10), byte('0'+dd%10))
}

// MarshalText implements encoding.TextMarshaler.
func (d Date) MarshalText() ([]byte, error) { return d.AppendText(nil), nil }

// UnmarshalText implements encoding.TextUnmarshaler; "" is the zero date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = 0
		return nil
	}
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// YearsOn returns the age in whole years on day on of a person born on d.
func (d Date) YearsOn(on Date) int {
	years := on.Year() - d.Year()
	if on%10000 < d%10000 {
		years--
	}
	return years
}
