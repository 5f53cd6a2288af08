package population

import (
	"errors"
	"fmt"
	"testing"

	"cpr/pnr"
)

// TestSerialsMatchAllocate hands out every number of some birth dates and
// checks that they come in the order pnr.Allocate gives when every number
// handed out is taken: modulus-11 numbers first, then the others, then
// ErrExhausted.
func TestSerialsMatchAllocate(t *testing.T) {
	days := []int32{
		dayNumber(1858, 1, 1), dayNumber(1899, 12, 31), dayNumber(1900, 1, 1),
		dayNumber(1936, 12, 31), dayNumber(1937, 1, 1), dayNumber(1965, 1, 1),
		dayNumber(1996, 2, 29), dayNumber(2000, 2, 29), dayNumber(2026, 1, 1),
	}
	for _, b := range days {
		for _, sex := range []pnr.Sex{pnr.Female, pnr.Male} {
			t.Run(fmt.Sprintf("%s %v", toDate(b), sex), func(t *testing.T) {
				s := newSerials(b-1, b+1)
				taken := map[pnr.PNR]bool{}
				for i := 0; ; i++ {
					want, werr := pnr.Allocate(midnight(b), sex, func(p pnr.PNR) bool { return taken[p] })
					got, gerr := s.allocate(b, sex)
					if got != want || !errors.Is(gerr, werr) && gerr != werr {
						t.Fatalf("number %d: allocate = %v, %v; pnr.Allocate = %v, %v", i, got, gerr, want, werr)
					}
					if werr != nil {
						if !errors.Is(werr, pnr.ErrExhausted) || i < 2000 {
							t.Fatalf("after %d numbers: %v", i, werr)
						}
						return
					}
					taken[want] = true
				}
			})
		}
	}
}

// TestSerialsInterleaved draws dates and sexes at random, so that slots
// fill unevenly, and compares with a map of every number handed out.
func TestSerialsInterleaved(t *testing.T) {
	first := dayNumber(2000, 1, 1)
	s := newSerials(first, first+9)
	taken := map[pnr.PNR]bool{}
	x := newRNG(1, 2)
	for i := range 20_000 {
		b, sex := first+int32(x.intn(10)), pnr.Sex(1+x.intn(2))
		want, _ := pnr.Allocate(midnight(b), sex, func(p pnr.PNR) bool { return taken[p] })
		got, err := s.allocate(b, sex)
		if err != nil || got != want {
			t.Fatalf("draw %d: allocate = %v, %v; want %v", i, got, err, want)
		}
		taken[got] = true
	}
}

func TestSerialsRange(t *testing.T) {
	s := newSerials(100, 200)
	for _, tc := range []struct {
		b   int32
		sex pnr.Sex
	}{{99, pnr.Male}, {201, pnr.Female}, {150, 0}, {150, 3}} {
		if _, err := s.allocate(tc.b, tc.sex); !errors.Is(err, errBirthRange) {
			t.Errorf("allocate(%d, %v) = %v, want errBirthRange", tc.b, tc.sex, err)
		}
	}
}
