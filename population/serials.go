package population

import (
	"errors"

	"cpr/pnr"
)

// serials hands out personnumre the way CPR does, through pnr.Allocate,
// without remembering every number.
//
// For a birth date and sex, Allocate offers the modulus-11 numbers in
// ascending order and then, when they are all taken, the others in
// ascending order, and returns the first one taken reports free. Numbers
// handed out that way are always a prefix of that order, so the last
// number offered for a (date, sex) is all that needs keeping to tell what
// is taken. And since taken sees the order, one call can read ahead: taken
// reports the first readAhead-1 fresh numbers taken too, noting them, and
// Allocate returns the next one. The numbers are then handed out from the
// note, in Allocate's order, exactly as if Allocate had been called for
// each with every number handed out taken; the call (which walks the order
// from its start) is made once per readAhead numbers. That is 36 bytes per
// date and sex, about 2.8 MB for 106 years.
type serials struct {
	calendar
	first int32  // day number of the earliest birth date
	slots []slot // [2*(day-first)+sex-1]
}

// readAhead is how many numbers one call to pnr.Allocate yields.
const readAhead = 16

// slot is the state of one birth date and sex.
type slot struct {
	next    [readAhead]uint16 // serials offered and not yet handed out: next[head:n]
	head, n uint8
	last    uint16 // the serial of the last number offered
	round   uint8  // the round it was offered in: 0 none yet, 1 modulus 11, 2 the others
}

func newSerials(first, last int32) serials {
	return serials{calendar: calendar{dateTable()}, first: first, slots: make([]slot, 2*int(last-first+1))}
}

// errBirthRange: a birth date outside the range the serials were made for
// (a bug in the generator).
var errBirthRange = errors.New("population: birth date outside the generated range")

// allocate returns the next free number for birth day b and sex. Errors are
// those of pnr.Allocate (ErrExhausted when every number is taken).
func (s *serials) allocate(b int32, sex pnr.Sex) (pnr.PNR, error) {
	i := 2*int(b-s.first) + int(sex) - 1
	if i < 0 || i >= len(s.slots) || (sex != pnr.Female && sex != pnr.Male) {
		return 0, errBirthRange
	}
	sl := &s.slots[i]
	base := s.datePart(b)
	if sl.head < sl.n {
		sl.head++
		return base + pnr.PNR(sl.next[sl.head-1]), nil
	}
	// Offered before this call: in the first round (modulus 11, ascending)
	// every number up to last, or all of them once last is in the second
	// round; in the second round the numbers up to last. The second round
	// starts where a number is lower than its predecessor (the century's
	// 7th digits span at least four thousands, each holding modulus-11
	// numbers, so it always starts below the end of the first).
	last, round := base+pnr.PNR(sl.last), sl.round
	var prev pnr.PNR
	second := false
	sl.head, sl.n = 0, 0
	note := func(p pnr.PNR) {
		sl.next[sl.n] = uint16(p - base)
		sl.n++
		sl.last = uint16(p - base)
		sl.round = 1
		if second {
			sl.round = 2
		}
	}
	taken := func(p pnr.PNR) bool {
		if p < prev {
			second = true
		}
		prev = p
		switch {
		case round == 0:
		case !second && (round == 2 || p <= last):
			return true
		case second && round == 2 && p <= last:
			return true
		}
		if sl.n < readAhead-1 {
			note(p)
			return true
		}
		return false
	}
	p, err := pnr.Allocate(midnight(b), sex, taken)
	switch {
	case err == nil:
		note(p)
	case !errors.Is(err, pnr.ErrExhausted) || sl.n == 0:
		return 0, err
	}
	sl.head = 1
	return base + pnr.PNR(sl.next[0]), nil
}

// datePart returns the number DDMMYY0000 of birth day b.
func (s *serials) datePart(b int32) pnr.PNR {
	d := s.date(b)
	return pnr.PNR(d.Day())*100_000_000 + pnr.PNR(d.Month())*1_000_000 + pnr.PNR(d.Year()%100)*10_000
}
