package population

import (
	"context"
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"cpr/date"
	"cpr/pnr"
	"cpr/register"
)

// TestLoad loads a generated population into a real register and reads
// persons back.
func TestLoad(t *testing.T) {
	const n = 20_000
	cfg := Config{Persons: n, Seed: 2024}
	now := DefaultToday.StartIn(date.Copenhagen).Add(12 * time.Hour)
	r, err := register.Open(t.TempDir(), register.Options{Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	})
	st, err := r.Load(context.Background(), Generate(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if st.Persons != n {
		t.Fatalf("loaded %d persons, want %d", st.Persons, n)
	}

	// Read back a few of every kind: the first, and the first married,
	// emigrated, special-address, protected, foreign and parent.
	ps := generate(t, cfg)
	pick := map[string]*register.Person{"first": ps[0], "last": ps[n-1]}
	for _, p := range ps {
		for kind, ok := range map[string]bool{
			"married":   p.Civil.Code == register.CivilMarried,
			"divorced":  p.Civil.Code == register.CivilDivorced && !p.Civil.Spouse.IsZero(),
			"widowed":   p.Civil.Code == register.CivilWidowed,
			"emigrated": p.Status == register.StatusEmigrated,
			"special":   p.Status == register.StatusActiveSpecial,
			"protected": len(p.Protections) > 0,
			"foreign":   p.Citizenship != countryDenmark,
			"parent":    len(p.Children) > 1,
			"child":     !p.Father.IsZero(),
		} {
			if _, done := pick[kind]; ok && !done {
				pick[kind] = p
			}
		}
	}
	for _, kind := range slices.Sorted(maps.Keys(pick)) {
		want := pick[kind]
		t.Run(kind, func(t *testing.T) {
			got, err := r.Get(want.PNR)
			if err != nil {
				t.Fatal(err)
			}
			compare(t, got, want)
		})
	}
	if _, err := r.Get(pnr.MustParse("0101011234")); err == nil {
		t.Error("Get found a person who was not generated")
	}
}

// compare checks the fields a load keeps as given.
func compare(t *testing.T, got, want *register.Person) {
	t.Helper()
	fields := []struct {
		name      string
		got, want any
	}{
		{"pnr", got.PNR, want.PNR},
		{"status", got.Status, want.Status},
		{"status from", got.StatusFrom, want.StatusFrom},
		{"sex", got.Sex, want.Sex},
		{"birth date", got.BirthDate, want.BirthDate},
		{"name", got.Name, want.Name},
		{"address", got.Residence.Address, want.Residence.Address},
		{"moved in", got.Residence.From, want.Residence.From},
		{"foreign address", got.Residence.Foreign.Country, want.Residence.Foreign.Country},
		{"foreign lines", slices.Clone(got.Residence.Foreign.Lines), slices.Clone(want.Residence.Foreign.Lines)},
		{"civil", got.Civil, want.Civil},
		{"mother", got.Mother, want.Mother},
		{"father", got.Father, want.Father},
		{"children", slices.Sorted(slices.Values(got.Children)), slices.Sorted(slices.Values(want.Children))},
		{"citizenship", got.Citizenship, want.Citizenship},
		{"citizen from", got.CitizenFrom, want.CitizenFrom},
		{"protections", slices.Clone(got.Protections), slices.Clone(want.Protections)},
	}
	for _, f := range fields {
		if !reflect.DeepEqual(f.got, f.want) {
			t.Errorf("%s: got %v, want %v", f.name, f.got, f.want)
		}
	}
}
