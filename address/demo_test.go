package address

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

func TestDemoDeterministic(t *testing.T) {
	first, second := Demo(), Demo()
	if first != second {
		t.Error("Demo built the register twice")
	}
	var a, b bytes.Buffer
	if err := Demo().WriteTSV(&a); err != nil {
		t.Fatal(err)
	}
	if err := Synthetic(DemoSeed, DemoRoadsPerKommune).WriteTSV(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("Synthetic(DemoSeed, DemoRoadsPerKommune) differs from Demo()")
	}
	var c bytes.Buffer
	if err := Synthetic(DemoSeed+1, DemoRoadsPerKommune).WriteTSV(&c); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Error("another seed gave the same register")
	}

	// The TSV form round-trips.
	back, err := LoadRoads(bytes.NewReader(a.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Kommuner() {
		want, got := Demo().InKommune(k.Code), back.InKommune(k.Code)
		if len(want) != len(got) {
			t.Fatalf("kommune %d: %d roads after LoadRoads, want %d", k.Code, len(got), len(want))
		}
		for i := range want {
			if want[i] != got[i] {
				t.Fatalf("road %+v came back as %+v", want[i], got[i])
			}
		}
	}
}

func TestDemoContents(t *testing.T) {
	rs := Demo()
	big := map[uint16]bool{101: true, 751: true, 461: true, 851: true}
	for _, k := range Kommuner() {
		roads := rs.InKommune(k.Code)
		ordinary := 0
		for i, r := range roads {
			if reason := checkRoad(r); reason != "" {
				t.Errorf("%+v: %s", r, reason)
			}
			if r.AddressingName != addressingName(r.Name) || utf8.RuneCountInString(r.AddressingName) > MaxAddressingName {
				t.Errorf("%+v: bad addressing name", r)
			}
			if i > 0 && roads[i-1].Vejkode >= r.Vejkode {
				t.Errorf("kommune %d: vejkoder not ascending", k.Code)
			}
			if !isSpecial(r.Vejkode) {
				ordinary++
				if i > 0 && danishCompare(roads[i-1].Name, r.Name) >= 0 {
					t.Errorf("kommune %d: %q before %q", k.Code, roads[i-1].Name, r.Name)
				}
			}
		}
		lo, hi := 140, 280
		if big[k.Code] {
			lo, hi = 300, 420
		}
		if ordinary < lo || ordinary > hi {
			t.Errorf("kommune %d has %d ordinary roads, want %d-%d", k.Code, ordinary, lo, hi)
		}
		for _, s := range specialRoads {
			r, ok := rs.Lookup(k.Code, s.vejkode)
			if !ok || r.Name != s.name || r.Postnr != postDistricts[k.Code][0].nr {
				t.Errorf("kommune %d: special road %d = %+v, %v", k.Code, s.vejkode, r, ok)
			}
		}
		if len(postDistricts[k.Code]) == 0 {
			t.Errorf("kommune %d has no post district", k.Code)
		}
	}
	if got := len(postDistricts); got != 98 {
		t.Errorf("postDistricts has %d kommuner, want 98", got)
	}
	for _, name := range []string{"Vesterbrogade", "Nørrebrogade", "Strandvejen"} {
		found := false
		for _, r := range rs.InKommune(101) {
			found = found || r.Name == name
		}
		if !found {
			t.Errorf("København has no %s", name)
		}
	}
}

func TestRandomAddress(t *testing.T) {
	rs := Demo()
	r := rand.New(rand.NewPCG(1, 2))
	var letters, floors, doors, total int
	for _, k := range Kommuner() {
		for range 100 {
			a := rs.RandomAddress(r, k.Code)
			total++
			if err := rs.Validate(a); err != nil {
				t.Fatalf("%+v: %v", a, err)
			}
			if a.Kommunekode != k.Code || a.IsSpecial() || a.Husnr == "" {
				t.Fatalf("%+v: wrong kommune, special or no husnr", a)
			}
			if rs.Text(a) == "" {
				t.Fatalf("%+v: no text", a)
			}
			f := rs.Fixed(a)
			back, err := ParseFixed(f.Komkod, f.Vejkod, f.Husnr, f.Etage, f.Sidedoer)
			if err != nil || back != a {
				t.Fatalf("ParseFixed(Fixed(%+v)) = %+v, %v", a, back, err)
			}
			if got, err := DecodeKey(a.AppendKey(nil)); err != nil || got != a {
				t.Fatalf("key round trip of %+v = %+v, %v", a, got, err)
			}
			if a.Husnr[len(a.Husnr)-1] >= 'A' {
				letters++
			}
			if a.Etage != "" {
				floors++
			}
			if a.Sidedoer != "" {
				doors++
			}
		}
	}
	if f := float64(letters) / float64(total); f < 0.07 || f > 0.13 {
		t.Errorf("%.2f of husnr have a letter, want about 0.10", f)
	}
	if f := float64(floors) / float64(total); f < 0.35 || f > 0.45 {
		t.Errorf("%.2f have an etage, want about 0.40", f)
	}
	if doors > floors || doors < floors*8/10 {
		t.Errorf("%d doors for %d floors", doors, floors)
	}
	if a := rs.RandomAddress(r, 102); !a.IsZero() {
		t.Errorf("RandomAddress(unknown kommune) = %+v", a)
	}
	var none *Roads
	if a := none.RandomAddress(r, 101); !a.IsZero() {
		t.Errorf("nil RandomAddress = %+v", a)
	}
}

func TestSyntheticSizes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		mean     float64
		min, max int // ordinary roads in København
	}{
		{"none", 0, 1, 1},
		{"negative", -5, 1, 1},
		{"small", 3, 6, 6},
		{"capped", 5000, 1000, maxSyntheticRoads},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs := Synthetic(7, tc.mean)
			for _, k := range Kommuner() {
				if n := len(rs.InKommune(k.Code)); n < 1+len(specialRoads) {
					t.Errorf("kommune %d has %d roads", k.Code, n)
				}
			}
			n := len(rs.InKommune(101)) - len(specialRoads)
			if n < tc.min || n > tc.max {
				t.Errorf("København has %d ordinary roads, want %d-%d", n, tc.min, tc.max)
			}
			last := rs.InKommune(101)[n-1]
			if last.Vejkode >= MinSpecialVejkode {
				t.Errorf("ordinary vejkode %d in the special range", last.Vejkode)
			}
		})
	}
}

func TestDanishCompare(t *testing.T) {
	sorted := []string{"Agervej", "bakkevej", "Zinavej", "Ærøvej", "Østergade", "Åvej"}
	for i := 1; i < len(sorted); i++ {
		if danishCompare(sorted[i-1], sorted[i]) >= 0 {
			t.Errorf("%q should sort before %q", sorted[i-1], sorted[i])
		}
	}
}

func BenchmarkSynthetic(b *testing.B) {
	for b.Loop() {
		Synthetic(DemoSeed, DemoRoadsPerKommune)
	}
	b.ReportMetric(float64(Demo().Len()), "roads")
}

func BenchmarkText(b *testing.B) {
	rs := Demo()
	r := rand.New(rand.NewPCG(1, 2))
	addrs := make([]Address, 1024)
	for i := range addrs {
		addrs[i] = rs.RandomAddress(r, 101)
	}
	for i := 0; b.Loop(); i++ {
		_ = rs.Text(addrs[i%len(addrs)])
	}
}
