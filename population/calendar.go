package population

import (
	"sync"
	"time"

	"cpr/date"
)

// Day numbers. The generator does its date arithmetic on days since
// 1970-01-01 (int32), which is cheaper than time.Time, and converts to
// date.Date only when it fills in a record.

// daysPerYear is the mean Gregorian year.
const daysPerYear = 365.2425

// dayNumber returns the day number of y-m-d (proleptic Gregorian calendar,
// H. Hinnant's days_from_civil). y must be positive.
func dayNumber(y, m, d int) int32 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int32(era*146097 + doe - 719468)
}

// civil returns the calendar date of day number z (z at or after year 1).
func civil(z int32) (y, m, d int) {
	n := int(z) + 719468
	era := n / 146097
	doe := n - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// toDate converts a day number to a date.Date.
func toDate(z int32) date.Date {
	y, m, d := civil(z)
	return date.Date(y*10000 + m*100 + d)
}

// fromDate converts a valid date.Date to a day number.
func fromDate(d date.Date) int32 { return dayNumber(d.Year(), int(d.Month()), d.Day()) }

func leap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// birthday returns the day on which someone born on day b turns n: the
// same day of the year, 1 March for a 29 February birth in a common year
// (which is when date.YearsOn counts the year as completed).
func birthday(b int32, n int) int32 {
	y, m, d := civil(b)
	y += n
	if m == 2 && d == 29 && !leap(y) {
		m, d = 3, 1
	}
	return dayNumber(y, m, d)
}

// years converts a number of years to days.
func years(f float64) int32 { return int32(f * daysPerYear) }

// The day numbers of the birth years a personnummer encodes.
var (
	firstDay = dayNumber(1858, 1, 1)
	lastDay  = dayNumber(2057, 12, 31)
)

// dateTable holds the date of every day a personnummer can be born on,
// 1858-2057 (290 KB), so that the generator's many conversions are a
// lookup. It is built once and only read.
var dateTable = sync.OnceValue(func() []date.Date {
	t := make([]date.Date, lastDay-firstDay+1)
	for i := range t {
		t[i] = toDate(firstDay + int32(i))
	}
	return t
})

// calendar converts day numbers with the table.
type calendar struct{ dates []date.Date }

// date returns the date of day z.
func (c calendar) date(z int32) date.Date {
	if i := z - firstDay; i >= 0 && int(i) < len(c.dates) {
		return c.dates[i]
	}
	return toDate(z)
}

// year returns the year of day z.
func (c calendar) year(z int32) int { return c.date(z).Year() }

// birthday is the package function birthday, by the table.
func (c calendar) birthday(b int32, n int) int32 {
	d := c.date(b)
	y, m, dd := d.Year()+n, int(d.Month()), d.Day()
	if m == 2 && dd == 29 && !leap(y) {
		m, dd = 3, 1
	}
	return dayNumber(y, m, dd)
}

// midnight returns the start of day z in UTC.
func midnight(z int32) time.Time { return time.Unix(int64(z)*86400, 0).UTC() }
