package population

import (
	"testing"

	"cpr/address"
	"cpr/pnr"
	"cpr/register"
)

// TestShares checks that a population of 100,000 looks like Denmark's,
// within loose bounds.
func TestShares(t *testing.T) {
	const n = 100_000
	ps := generate(t, Config{Persons: n, Seed: 11})
	var (
		ages                      [maxAge + 1]int
		female, foreign           int
		status                    = map[register.Status]int{}
		civil                     = map[register.Civil]int{}
		protect                   = map[register.Protection]int{}
		kommune                   = map[uint16]int{}
		kids, kidsWithFather      int
		children                  = map[int]int{} // mothers by number of children
		resident                  int
		sameSexMarried, partnered int
		tookName, marriedWomen    int
	)
	all := byPNR(t, ps)
	for _, p := range ps {
		ages[p.BirthDate.YearsOn(DefaultToday)]++
		if p.Sex == pnr.Female {
			female++
		}
		if p.Citizenship != countryDenmark {
			foreign++
		}
		status[p.Status]++
		civil[p.Civil.Code]++
		for _, pp := range p.Protections {
			protect[pp.Type]++
		}
		if p.Status.Active() {
			kommune[p.Kommune()]++
			resident++
		}
		if !p.Mother.IsZero() {
			kids++
			if !p.Father.IsZero() {
				kidsWithFather++
			}
		}
		if p.Sex == pnr.Female && len(p.Children) > 0 {
			children[len(p.Children)]++
		}
		if c := p.Civil; c.Code == register.CivilMarried || c.Code == register.CivilPartnership {
			if all[c.Spouse].Sex == p.Sex {
				sameSexMarried++
			}
			if c.Code == register.CivilPartnership {
				partnered++
			}
			if p.Sex == pnr.Female && all[c.Spouse].Sex == pnr.Male {
				marriedWomen++
				if p.Name.Last == all[c.Spouse].Name.Last {
					tookName++
				}
			}
		}
	}
	share := func(k int) float64 { return float64(k) / n }
	ageShare := func(lo, hi int) float64 {
		s := 0
		for a := lo; a <= hi; a++ {
			s += ages[a]
		}
		return share(s)
	}
	tests := []struct {
		name   string
		got    float64
		lo, hi float64
	}{
		{"under 15", ageShare(0, 14), 0.14, 0.18},
		{"15-19", ageShare(15, 19), 0.045, 0.07},
		{"20-69", ageShare(20, 69), 0.58, 0.68},
		{"over 65", ageShare(65, maxAge), 0.17, 0.22},
		{"over 90", ageShare(90, maxAge), 0.003, 0.015},
		{"women", share(female), 0.48, 0.52},
		{"status 01", share(status[register.StatusActive]), 0.97, 0.99},
		{"status 03", share(status[register.StatusActiveSpecial]), 0.001, 0.006},
		{"status 80", share(status[register.StatusEmigrated]), 0.01, 0.02},
		{"foreign citizens", share(foreign), 0.06, 0.10},
		{"name and address protection", share(protect[register.ProtectNameAddress]), 0.009, 0.021},
		{"marketing protection", share(protect[register.ProtectMarketing]), 0.035, 0.065},
		{"local directory protection", share(protect[register.ProtectLocalDirectory]), 0.0005, 0.005},
		{"unmarried", share(civil[register.CivilUnmarried]), 0.40, 0.52},
		{"married", share(civil[register.CivilMarried]), 0.30, 0.42},
		{"divorced", share(civil[register.CivilDivorced]), 0.08, 0.16},
		{"widowed", share(civil[register.CivilWidowed]), 0.03, 0.07},
		{"same-sex married or partnered", share(sameSexMarried), 0.001, 0.01},
		{"registered partnership", share(partnered), 0.0005, 0.005},
		{"children with a father", float64(kidsWithFather) / float64(kids), 0.8, 0.97},
		{"married women who took the name", float64(tookName) / float64(marriedWomen), 0.3, 0.6},
		{"København's share of residents", float64(kommune[101]) / float64(resident), 0.09, 0.13},
		{"Aarhus's share of residents", float64(kommune[751]) / float64(resident), 0.05, 0.075},
	}
	for _, tc := range tests {
		if tc.got < tc.lo || tc.got > tc.hi {
			t.Errorf("%s: %.4f, want %.4f-%.4f", tc.name, tc.got, tc.lo, tc.hi)
		}
	}
	if ages[0] == 0 || ages[100] == 0 {
		t.Errorf("%d newborns and %d aged 100, want some of both", ages[0], ages[100])
	}
	for k := 1; k <= 4; k++ {
		if children[k] == 0 {
			t.Errorf("no mother with %d children", k)
		}
	}
	if children[5] != 0 {
		t.Errorf("%d mothers with 5 children", children[5])
	}
	for _, k := range address.Kommuner() {
		if kommune[k.Code] == 0 {
			t.Errorf("nobody lives in %04d %s", k.Code, k.Name)
		}
	}
}
