package pnr_test

import (
	"errors"
	"testing"

	"cpr/pnr"
)

func TestSex(t *testing.T) {
	tests := []struct {
		name string
		sex  pnr.Sex
		text string
	}{
		{"female", pnr.Female, "F"},
		{"male", pnr.Male, "M"},
		{"unknown", 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.sex.String(); got != tc.text {
				t.Errorf("String() = %q, want %q", got, tc.text)
			}
			b, err := tc.sex.MarshalText()
			if err != nil || string(b) != tc.text {
				t.Errorf("MarshalText() = %q, %v", b, err)
			}
			var s pnr.Sex = 7
			if err := s.UnmarshalText([]byte(tc.text)); err != nil || s != tc.sex {
				t.Errorf("UnmarshalText(%q) = %v, %v", tc.text, s, err)
			}
			if tc.text != "" {
				if s, err := pnr.ParseSex(tc.text); err != nil || s != tc.sex {
					t.Errorf("ParseSex(%q) = %v, %v", tc.text, s, err)
				}
			}
		})
	}
	for _, in := range []string{"", "m", "f", "K", "MM", " M"} {
		t.Run("ParseSex "+in, func(t *testing.T) {
			if _, err := pnr.ParseSex(in); !errors.Is(err, pnr.ErrSex) {
				t.Fatalf("ParseSex(%q) = %v, want ErrSex", in, err)
			}
		})
	}
	t.Run("out of range", func(t *testing.T) {
		if got := pnr.Sex(3).String(); got != "Sex(3)" {
			t.Errorf("String() = %q", got)
		}
		if _, err := pnr.Sex(3).MarshalText(); !errors.Is(err, pnr.ErrSex) {
			t.Errorf("MarshalText() = %v, want ErrSex", err)
		}
	})
	t.Run("from last digit", func(t *testing.T) {
		for d := range 10 {
			want := pnr.Female
			if d%2 == 1 {
				want = pnr.Male
			}
			p := pnr.MustParse("010170123" + string(rune('0'+d)))
			if got := p.Sex(); got != want {
				t.Errorf("last digit %d: Sex() = %v, want %v", d, got, want)
			}
		}
	})
}
