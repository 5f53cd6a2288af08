package pnr

import "fmt"

// Birth years a personnummer can encode.
const (
	MinYear = 1858
	MaxYear = 2057
)

// century returns 1800, 1900 or 2000: the century of a number whose 7th
// digit is d7 and whose two-digit year is yy.
func century(d7, yy int) int {
	switch {
	case d7 <= 3:
		return 1900
	case d7 == 4 || d7 == 9:
		if yy <= 36 {
			return 2000
		}
		return 1900
	default: // 5-8
		if yy <= 57 {
			return 2000
		}
		return 1800
	}
}

// Masks of 7th digits, bit d set for digit d.
const (
	digits0to3  = 1<<0 | 1<<1 | 1<<2 | 1<<3
	digits4and9 = 1<<4 | 1<<9
	digits5to8  = 1<<5 | 1<<6 | 1<<7 | 1<<8
)

// centuryDigits returns the mask of 7th digits that encode birth year y,
// or an error wrapping ErrCentury if no digit does.
func centuryDigits(y int) (uint16, error) {
	yy := y % 100
	switch {
	case y < MinYear || y > MaxYear:
		return 0, fmt.Errorf("%w: birth year outside %d-%d", ErrCentury, MinYear, MaxYear)
	case y < 1900:
		return digits5to8, nil
	case y < 2000:
		if yy >= 37 {
			return digits0to3 | digits4and9, nil
		}
		return digits0to3, nil
	default:
		if yy <= 36 {
			return digits4and9 | digits5to8, nil
		}
		return digits5to8, nil
	}
}

// daysIn returns the number of days in month m (1-12) of year y, Gregorian.
func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	default:
		return 31
	}
}
