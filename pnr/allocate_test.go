package pnr_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"cpr/pnr"
)

// allocationOrder works out, from Parse alone, the order in which Allocate
// must offer numbers for birth and sex: every number that parses to that
// birth date and sex, modulus-11 ones first, each group ascending.
func allocationOrder(t *testing.T, birth time.Time, sex pnr.Sex) []pnr.PNR {
	t.Helper()
	var good, bad []pnr.PNR
	prefix := birth.Format("020106")
	for serial := range 10_000 {
		p, err := pnr.Parse(fmt.Sprintf("%s%04d", prefix, serial))
		if err != nil || !p.BirthDate().Equal(birth) || p.Sex() != sex {
			continue
		}
		if p.Mod11() {
			good = append(good, p)
		} else {
			bad = append(bad, p)
		}
	}
	return append(good, bad...)
}

var allocateDates = []time.Time{
	date(1858, 1, 1), date(1899, 12, 31), date(1900, 1, 1), date(1900, 2, 28),
	date(1936, 12, 31), date(1937, 1, 1), date(1965, 1, 1), date(1970, 1, 1),
	date(1996, 2, 29), date(1999, 12, 31), date(2000, 1, 1), date(2000, 2, 29),
	date(2036, 12, 31), date(2037, 1, 1), date(2057, 12, 31),
}

// TestAllocateOrder lets Allocate offer every number (all taken) and checks
// the order: century-fitting 7th digits only, the right parity, modulus 11
// first, ascending.
func TestAllocateOrder(t *testing.T) {
	for _, birth := range allocateDates {
		for _, sex := range []pnr.Sex{pnr.Female, pnr.Male} {
			t.Run(fmt.Sprintf("%s %v", birth.Format(time.DateOnly), sex), func(t *testing.T) {
				want := allocationOrder(t, birth, sex)
				var got []pnr.PNR
				_, err := pnr.Allocate(birth, sex, func(p pnr.PNR) bool {
					got = append(got, p)
					return true
				})
				if !errors.Is(err, pnr.ErrExhausted) {
					t.Fatalf("Allocate with everything taken: %v, want ErrExhausted", err)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("Allocate offered %d numbers, want %d; first difference at %d",
						len(got), len(want), firstDiff(got, want))
				}
				// Whatever is taken, Allocate returns the first free one in that order.
				for _, k := range []int{0, 1, 2, firstNonMod11(want) - 1, firstNonMod11(want), firstNonMod11(want) + 1, len(want) - 1} {
					taken := map[pnr.PNR]bool{}
					for _, p := range want[:k] {
						taken[p] = true
					}
					p, err := pnr.Allocate(birth, sex, func(p pnr.PNR) bool { return taken[p] })
					if err != nil || p != want[k] {
						t.Fatalf("Allocate with the first %d taken = %v, %v; want %v", k, p, err, want[k])
					}
					if q := pnr.MustParse(p.String()); q != p || !q.BirthDate().Equal(birth) || q.Sex() != sex {
						t.Fatalf("Allocate result %v does not parse back", p)
					}
				}
			})
		}
	}
}

func firstDiff(a, b []pnr.PNR) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func firstNonMod11(ps []pnr.PNR) int {
	return slices.IndexFunc(ps, func(p pnr.PNR) bool { return !p.Mod11() })
}

func TestAllocateCounts(t *testing.T) {
	tests := []struct {
		name  string
		birth time.Time
		want  int // numbers per sex
	}{
		{"1858: digits 5-8", date(1858, 1, 1), 2000},
		{"1936: digits 0-3", date(1936, 1, 1), 2000},
		{"1965: digits 0-4 and 9", date(1965, 1, 1), 3000},
		{"2000: digits 4-9", date(2000, 1, 1), 3000},
		{"2037: digits 5-8", date(2037, 1, 1), 2000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, sex := range []pnr.Sex{pnr.Female, pnr.Male} {
				n := 0
				pnr.Allocate(tc.birth, sex, func(pnr.PNR) bool { n++; return true })
				if n != tc.want {
					t.Errorf("%v: %d numbers, want %d", sex, n, tc.want)
				}
			}
		})
	}
}

func TestAllocateFirst(t *testing.T) {
	tests := []struct {
		name  string
		birth time.Time
		sex   pnr.Sex
		want  string
	}{
		// 1 Jan 1970: date sum 52, 52 mod 11 = 8, so the serial sum must be 3 mod 11.
		{"1 Jan 1970 male", date(1970, 1, 1), pnr.Male, "0101700003"},
		{"1 Jan 1970 female", date(1970, 1, 1), pnr.Female, "0101700038"},
		// 2000s: the first digit must be 4 or more.
		{"1 Jan 2000 male", date(2000, 1, 1), pnr.Male, "0101004xxx"},
		{"1 Jan 1858 female", date(1858, 1, 1), pnr.Female, "0101585xxx"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := pnr.Allocate(tc.birth, tc.sex, nil)
			if err != nil {
				t.Fatal(err)
			}
			s := p.String()
			for i := range s {
				if tc.want[i] != 'x' && tc.want[i] != s[i] {
					t.Fatalf("Allocate = %s, want %s", s, tc.want)
				}
			}
			if !p.Mod11() || p.Sex() != tc.sex || !p.BirthDate().Equal(tc.birth) {
				t.Fatalf("Allocate = %s: Mod11 %v, Sex %v, BirthDate %v", s, p.Mod11(), p.Sex(), p.BirthDate())
			}
		})
	}
}

// TestAllocateNoMod11Left is the 1 January case: when every modulus-11
// number of a date is taken, CPR hands out numbers that fail the check.
func TestAllocateNoMod11Left(t *testing.T) {
	for _, birth := range []time.Time{date(1965, 1, 1), date(1970, 1, 1)} {
		for _, sex := range []pnr.Sex{pnr.Female, pnr.Male} {
			t.Run(fmt.Sprintf("%s %v", birth.Format(time.DateOnly), sex), func(t *testing.T) {
				taken := func(p pnr.PNR) bool { return p.Mod11() }
				p, err := pnr.Allocate(birth, sex, taken)
				if err != nil {
					t.Fatal(err)
				}
				if p.Mod11() {
					t.Fatalf("Allocate = %v, which passes modulus 11", p)
				}
				q, err := pnr.Parse(p.Hyphenated())
				if err != nil || q != p || !q.BirthDate().Equal(birth) || q.Sex() != sex {
					t.Fatalf("Parse(%s) = %v, %v: born %v, sex %v", p.Hyphenated(), q, err, q.BirthDate(), q.Sex())
				}
				// And the one after that, once it is taken too.
				r, err := pnr.Allocate(birth, sex, func(x pnr.PNR) bool { return taken(x) || x == p })
				if err != nil || r <= p || r.Mod11() {
					t.Fatalf("next Allocate = %v, %v; want a larger number without modulus 11", r, err)
				}
			})
		}
	}
}

func TestAllocateErrors(t *testing.T) {
	all := func(pnr.PNR) bool { return true }
	tests := []struct {
		name  string
		birth time.Time
		sex   pnr.Sex
		taken func(pnr.PNR) bool
		err   error
	}{
		{"1857", date(1857, 12, 31), pnr.Male, nil, pnr.ErrCentury},
		{"2058", date(2058, 1, 1), pnr.Female, nil, pnr.ErrCentury},
		{"year 1", date(1, 1, 1), pnr.Female, nil, pnr.ErrCentury},
		{"unknown sex", date(1970, 1, 1), 0, nil, pnr.ErrSex},
		{"sex 3", date(1970, 1, 1), 3, nil, pnr.ErrSex},
		{"all taken", date(1970, 1, 1), pnr.Male, all, pnr.ErrExhausted},
		{"all taken 29 Feb 2000", date(2000, 2, 29), pnr.Female, all, pnr.ErrExhausted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := pnr.Allocate(tc.birth, tc.sex, tc.taken)
			if !errors.Is(err, tc.err) || p != 0 {
				t.Fatalf("Allocate = %v, %v; want %v", p, err, tc.err)
			}
		})
	}
}

func TestAllocateDoesNotAllocate(t *testing.T) {
	taken := func(p pnr.PNR) bool { return p.Mod11() }
	n := testing.AllocsPerRun(10, func() {
		if _, err := pnr.Allocate(date(1965, 1, 1), pnr.Male, taken); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Fatalf("Allocate: %v allocations, want 0", n)
	}
}
