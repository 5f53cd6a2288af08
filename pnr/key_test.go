package pnr_test

import (
	"bytes"
	"cmp"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"cpr/pnr"
)

// TestKeyGolden pins the storage key format. Changing these bytes is a
// storage migration, not a refactor.
func TestKeyGolden(t *testing.T) {
	tests := []struct {
		in   string
		want []byte
	}{
		{"0101701234", []byte{0x00, 0x00, 0x00, 0x00, 0x06, 0x0f, 0xd6, 0x72}}, // 101701234
		{"0101585001", []byte{0x00, 0x00, 0x00, 0x00, 0x06, 0x0e, 0x10, 0x69}}, // 101585001
		{"2902004002", []byte{0x00, 0x00, 0x00, 0x00, 0xac, 0xf9, 0x11, 0x22}}, // 2902004002
		{"3112999999", []byte{0x00, 0x00, 0x00, 0x00, 0xb9, 0x8c, 0x9c, 0x3f}}, // 3112999999
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			p := pnr.MustParse(tc.in)
			got := p.AppendKey([]byte("prefix"))
			if string(got[:6]) != "prefix" {
				t.Fatalf("AppendKey overwrote the prefix: %x", got)
			}
			if !bytes.Equal(got[6:], tc.want) {
				t.Fatalf("AppendKey = %#v, want %#v", got[6:], tc.want)
			}
			q, err := pnr.DecodeKey(got[6:])
			if err != nil || q != p {
				t.Fatalf("DecodeKey = %v, %v", q, err)
			}
		})
	}
}

func TestDecodeKeyErrors(t *testing.T) {
	tests := []struct {
		name string
		key  []byte
		also error // wrapped besides ErrCorrupt
	}{
		{"nil", nil, nil},
		{"7 bytes", make([]byte, 7), nil},
		{"zero", make([]byte, 8), pnr.ErrLength},
		{"11 digits", pnr.PNR(10_101_701_234).AppendKey(nil), pnr.ErrLength},
		{"max uint64", bytes.Repeat([]byte{0xff}, 8), pnr.ErrLength},
		{"month 13", pnr.PNR(113_701_234).AppendKey(nil), pnr.ErrDate},
		{"29 Feb 1900", pnr.PNR(2_902_000_001).AppendKey(nil), pnr.ErrDate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := pnr.DecodeKey(tc.key)
			if !errors.Is(err, pnr.ErrCorrupt) || p != 0 {
				t.Fatalf("DecodeKey = %v, %v; want ErrCorrupt", p, err)
			}
			if tc.also != nil && !errors.Is(err, tc.also) {
				t.Fatalf("DecodeKey = %v; want it to wrap %v too", err, tc.also)
			}
		})
	}
	t.Run("trailing bytes ignored", func(t *testing.T) {
		p := pnr.MustParse("0707614285")
		q, err := pnr.DecodeKey(append(p.AppendKey(nil), "suffix"...))
		if err != nil || q != p {
			t.Fatalf("DecodeKey = %v, %v", q, err)
		}
	})
}

// randomPNRs returns n valid numbers from Allocate over random dates.
func randomPNRs(t testing.TB, r *rand.Rand, n int) []pnr.PNR {
	ps := make([]pnr.PNR, 0, n)
	lo := date(pnr.MinYear, 1, 1)
	days := int(date(pnr.MaxYear, 12, 31).Sub(lo).Hours() / 24)
	for len(ps) < n {
		birth := lo.AddDate(0, 0, r.IntN(days+1))
		sex := pnr.Female + pnr.Sex(r.IntN(2))
		skip := r.IntN(50)
		p, err := pnr.Allocate(birth, sex, func(pnr.PNR) bool { skip--; return skip >= 0 })
		if err != nil {
			t.Fatalf("Allocate(%v, %v): %v", birth, sex, err)
		}
		ps = append(ps, p)
	}
	return ps
}

func TestKeyRoundTripAndOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ps := randomPNRs(t, r, 5000)
	for i, p := range ps {
		key := p.AppendKey(nil)
		if len(key) != pnr.KeyLen {
			t.Fatalf("key length %d", len(key))
		}
		q, err := pnr.DecodeKey(key)
		if err != nil || q != p {
			t.Fatalf("DecodeKey(AppendKey(%v)) = %v, %v", p, q, err)
		}
		if s, err := pnr.Parse(p.String()); err != nil || s != p {
			t.Fatalf("Parse(%v.String()) = %v, %v", p, s, err)
		}
		b, err := p.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var u pnr.PNR
		if err := u.UnmarshalText(b); err != nil || u != p {
			t.Fatalf("UnmarshalText(MarshalText(%v)) = %v, %v", p, u, err)
		}
		if got := p.BirthDate(); got.Year() < pnr.MinYear || got.Year() > pnr.MaxYear || got.Location() != time.UTC {
			t.Fatalf("BirthDate = %v", got)
		}
		o := ps[(i+1)%len(ps)]
		if got, want := bytes.Compare(key, o.AppendKey(nil)), cmp.Compare(p, o); got != want {
			t.Fatalf("key order of %v and %v = %d, numeric order %d", p, o, got, want)
		}
	}
}
