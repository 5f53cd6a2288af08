package population

import (
	"math"
	"testing"
	"time"

	"cpr/date"
)

func TestCalendar(t *testing.T) {
	c := calendar{dateTable()}
	for z := dayNumber(1858, 1, 1) - 10; z <= dayNumber(2057, 12, 31)+10; z++ {
		tm := time.Unix(int64(z)*86400, 0).UTC()
		want := date.Of(tm)
		if got := toDate(z); got != want {
			t.Fatalf("toDate(%d) = %v, want %v", z, got, want)
		}
		if got := c.date(z); got != want {
			t.Fatalf("calendar.date(%d) = %v, want %v", z, got, want)
		}
		if back := fromDate(want); back != z {
			t.Fatalf("fromDate(%v) = %d, want %d", want, back, z)
		}
		if !midnight(z).Equal(tm) {
			t.Fatalf("midnight(%d) = %v", z, midnight(z))
		}
	}
}

// TestBirthday checks that birthday agrees with date.YearsOn: on the day
// someone turns n they are n, the day before n-1.
func TestBirthday(t *testing.T) {
	c := calendar{dateTable()}
	for _, b := range []date.Date{19600229, 19601231, 20000101, 20040229, 19990301, 20000228} {
		for _, n := range []int{1, 16, 18, 19, 20, 100} {
			z := fromDate(b)
			d := birthday(z, n)
			if c.birthday(z, n) != d {
				t.Fatalf("the two birthdays of %v differ", b)
			}
			if got := b.YearsOn(toDate(d)); got != n {
				t.Errorf("%v turns %d on %v, but is %d then", b, n, toDate(d), got)
			}
			if got := b.YearsOn(toDate(d - 1)); got != n-1 {
				t.Errorf("%v is %d the day before turning %d", b, got, n)
			}
		}
	}
}

func TestAlias(t *testing.T) {
	w := []float64{1, 0, 3, 6, 0.5, 9.5}
	a := newAlias(w)
	x := newRNG(1, 1)
	const n = 400_000
	got := make([]int, len(w))
	for range n {
		got[a.pick(x)]++
	}
	for i := range w {
		want := w[i] / 20
		if d := math.Abs(float64(got[i])/n - want); d > 0.005 {
			t.Errorf("index %d drawn %.4f of the time, want %.4f", i, float64(got[i])/n, want)
		}
	}
	if got[1] != 0 {
		t.Errorf("a weight of 0 drawn %d times", got[1])
	}
}
