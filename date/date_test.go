package date

import (
	"errors"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     Date
		err      bool
	}{
		{"plain", "2024-03-15", 20240315, false},
		{"leap 2000", "2000-02-29", 20000229, false},
		{"not leap 1900", "1900-02-29", 0, true},
		{"leap 1996", "1996-02-29", 19960229, false},
		{"month 13", "2024-13-01", 0, true},
		{"day 0", "2024-01-00", 0, true},
		{"31 april", "2024-04-31", 0, true},
		{"short", "2024-3-15", 0, true},
		{"letters", "20x4-03-15", 0, true},
		{"slashes", "2024/03/15", 0, true},
		{"year 0", "0000-01-01", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in)
			if tc.err {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("Parse(%q) err = %v, want ErrInvalid", tc.in, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Parse(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
			if got.String() != tc.in {
				t.Fatalf("String() = %q, want %q", got.String(), tc.in)
			}
		})
	}
}

func TestArithmetic(t *testing.T) {
	d := MustNew(2024, time.February, 28)
	if got := d.AddDays(1); got != 20240229 {
		t.Fatalf("AddDays(1) = %v", got)
	}
	if got := d.AddDays(2); got != 20240301 {
		t.Fatalf("AddDays(2) = %v", got)
	}
	if got := MustNew(2025, time.January, 1).AddDays(-1); got != 20241231 {
		t.Fatalf("AddDays(-1) = %v", got)
	}
	birth := MustNew(2000, time.February, 29)
	for _, tc := range []struct {
		on   Date
		want int
	}{{20180228, 17}, {20180301, 18}, {20000229, 0}, {20010228, 0}} {
		if got := birth.YearsOn(tc.on); got != tc.want {
			t.Errorf("YearsOn(%v) = %d, want %d", tc.on, got, tc.want)
		}
	}
}

func TestCopenhagenDay(t *testing.T) {
	// 23:30 UTC on 31 December is already 1 January in Copenhagen.
	ts := time.Date(2024, 12, 31, 23, 30, 0, 0, time.UTC)
	if got := InCopenhagen(ts); got != 20250101 {
		t.Fatalf("InCopenhagen = %v, want 2025-01-01", got)
	}
	if got := Of(ts); got != 20241231 {
		t.Fatalf("Of = %v", got)
	}
}

func TestText(t *testing.T) {
	var d Date
	if err := d.UnmarshalText([]byte("1999-12-31")); err != nil || d != 19991231 {
		t.Fatalf("UnmarshalText = %v, %v", d, err)
	}
	if err := d.UnmarshalText(nil); err != nil || d != 0 {
		t.Fatalf("empty UnmarshalText = %v, %v", d, err)
	}
	b, _ := Date(0).MarshalText()
	if len(b) != 0 {
		t.Fatalf("zero date marshals as %q", b)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"2024-03-15", "2000-02-29", "1900-02-29", "9999-12-31", "0001-01-01", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(s)
		if err != nil {
			return
		}
		if d.String() != s {
			t.Fatalf("round trip %q -> %q", s, d.String())
		}
		if Of(d.Time()) != d {
			t.Fatalf("time round trip of %v", d)
		}
	})
}
