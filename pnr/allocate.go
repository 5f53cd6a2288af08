package pnr

import (
	"fmt"
	"time"
)

// Allocate returns the next free number for a person born on birth (its
// year, month and day in its own location) with the given sex, the way CPR
// hands them out:
//
//   - only serials whose first digit (the 7th digit of the number) encodes the
//     birth year's century, and whose last digit is odd for Male and even for
//     Female, are considered;
//   - they are tried in ascending serial order, and the first one that passes
//     modulus 11 and for which taken reports false is returned;
//   - only when every modulus-11 number for the date and sex is taken, the
//     first free number without a valid check digit is returned.
//
// A nil taken means nothing is taken. Errors wrap ErrCentury (birth year
// outside 1858-2057), ErrSex (sex neither Female nor Male) or ErrExhausted
// (every number is taken).
func Allocate(birth time.Time, sex Sex, taken func(PNR) bool) (PNR, error) {
	y, m, d := birth.Date()
	allowed, err := centuryDigits(y)
	if err != nil {
		return 0, err
	}
	var parity int
	switch sex {
	case Female:
		parity = 0
	case Male:
		parity = 1
	default:
		return 0, fmt.Errorf("%w: want Female or Male", ErrSex)
	}
	if taken == nil {
		taken = func(PNR) bool { return false }
	}
	base := datePart(d, int(m), y)
	want := (11 - dateResidue(base)) % 11 // serialResidue that makes the sum divisible by 11

	for _, s := range mod11Serials[want][parity] {
		if allowed&(1<<(s/1000)) == 0 {
			continue
		}
		if p := base + PNR(s); !taken(p) {
			return p, nil
		}
	}
	for d7 := range 10 {
		if allowed&(1<<d7) == 0 {
			continue
		}
		for s := d7*1000 + parity; s < (d7+1)*1000; s += 2 {
			if serialResidue(s) == want {
				continue
			}
			if p := base + PNR(s); !taken(p) {
				return p, nil
			}
		}
	}
	return 0, ErrExhausted
}
