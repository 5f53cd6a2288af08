package pnr_test

import (
	"errors"
	"testing"
	"time"

	"cpr/pnr"
)

// refYear is the birth year by the CPR table, written out separately from
// the package's own code:
//
//	7th digit   YY 00-36   YY 37-57   YY 58-99
//	0-3         19YY       19YY       19YY
//	4, 9        20YY       19YY       19YY
//	5-8         20YY       20YY       18YY
func refYear(d7, yy int) int {
	table := map[int][3]int{
		0: {1900, 1900, 1900}, 1: {1900, 1900, 1900}, 2: {1900, 1900, 1900}, 3: {1900, 1900, 1900},
		4: {2000, 1900, 1900}, 9: {2000, 1900, 1900},
		5: {2000, 2000, 1800}, 6: {2000, 2000, 1800}, 7: {2000, 2000, 1800}, 8: {2000, 2000, 1800},
	}
	col := 0
	if yy >= 37 {
		col = 1
	}
	if yy >= 58 {
		col = 2
	}
	return table[d7][col] + yy
}

// TestParseMatchesReference compares Parse with refYear and time.Date for
// every day 00-32, month 00-13, year 00-99 and 7th digit.
func TestParseMatchesReference(t *testing.T) {
	var b [10]byte
	put := func(i, v int) { b[i], b[i+1] = byte('0'+v/10), byte('0'+v%10) }
	for dd := range 33 {
		for mm := range 14 {
			for yy := range 100 {
				for d7 := range 10 {
					serial := d7*1000 + (dd*7+mm*3+yy)%1000
					put(0, dd)
					put(2, mm)
					put(4, yy)
					put(6, serial/100)
					put(8, serial%100)
					year := refYear(d7, yy)
					tm := time.Date(year, time.Month(mm), dd, 0, 0, 0, 0, time.UTC)
					valid := mm >= 1 && mm <= 12 && dd >= 1 && tm.Day() == dd && int(tm.Month()) == mm
					p, err := pnr.Parse(string(b[:]))
					if !valid {
						if !errors.Is(err, pnr.ErrDate) {
							t.Fatalf("Parse(%s) = %v, %v; want ErrDate", b, p, err)
						}
						continue
					}
					if err != nil {
						t.Fatalf("Parse(%s): %v", b, err)
					}
					if !p.BirthDate().Equal(tm) || p.String() != string(b[:]) || p.Serial() != serial {
						t.Fatalf("Parse(%s) = %s born %v, want born %v", b, p, p.BirthDate(), tm)
					}
				}
			}
		}
	}
}
