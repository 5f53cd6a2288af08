package pnr

import (
	"errors"
	"testing"
)

// TestCenturyDigits checks that the 7th digits Allocate and New accept for a
// birth year are exactly those Parse reads back as that year.
func TestCenturyDigits(t *testing.T) {
	for y := 1800; y <= 2100; y++ {
		mask, err := centuryDigits(y)
		if y < MinYear || y > MaxYear {
			if !errors.Is(err, ErrCentury) {
				t.Fatalf("centuryDigits(%d) = %v, want ErrCentury", y, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("centuryDigits(%d): %v", y, err)
		}
		for d7 := range 10 {
			fits := century(d7, y%100)+y%100 == y
			if got := mask&(1<<d7) != 0; got != fits {
				t.Errorf("year %d, 7th digit %d: in mask %v, century() says %v", y, d7, got, fits)
			}
		}
	}
}

func TestDaysIn(t *testing.T) {
	tests := []struct {
		name       string
		m, y, want int
	}{
		{"Feb 1900", 2, 1900, 28},
		{"Feb 2000", 2, 2000, 29},
		{"Feb 1896", 2, 1896, 29},
		{"Feb 1899", 2, 1899, 28},
		{"Feb 2100", 2, 2100, 28},
		{"Jan", 1, 1999, 31},
		{"Apr", 4, 1999, 30},
		{"Jun", 6, 1999, 30},
		{"Sep", 9, 1999, 30},
		{"Nov", 11, 1999, 30},
		{"Dec", 12, 1999, 31},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := daysIn(tc.m, tc.y); got != tc.want {
				t.Fatalf("daysIn = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestMod11Serials(t *testing.T) {
	total := 0
	for r, byParity := range mod11Serials {
		for parity, list := range byParity {
			total += len(list)
			for i, s := range list {
				if i > 0 && list[i-1] >= s {
					t.Fatalf("mod11Serials[%d][%d] not ascending at %d", r, parity, i)
				}
				if serialResidue(int(s)) != r || int(s)%2 != parity {
					t.Fatalf("mod11Serials[%d][%d] holds %d", r, parity, s)
				}
			}
		}
	}
	if total != 10_000 {
		t.Fatalf("mod11Serials holds %d serials, want 10000", total)
	}
}
