package population

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"unicode/utf8"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
	"cpr/register"
)

// generate collects a population.
func generate(t testing.TB, cfg Config) []*register.Person {
	t.Helper()
	var ps []*register.Person
	for p := range Generate(cfg) {
		ps = append(ps, p)
	}
	return ps
}

// byPNR indexes a population, failing on a duplicate number.
func byPNR(t testing.TB, ps []*register.Person) map[pnr.PNR]*register.Person {
	t.Helper()
	m := make(map[pnr.PNR]*register.Person, len(ps))
	for _, p := range ps {
		if _, dup := m[p.PNR]; dup {
			t.Fatalf("pnr %v appears twice", p.PNR)
		}
		m[p.PNR] = p
	}
	return m
}

func TestDeterminism(t *testing.T) {
	cfg := Config{Persons: 20_000, Seed: 42}
	a, b := generate(t, cfg), generate(t, cfg)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two runs with the same seed differ")
	}
	// The same sequence ranged twice gives the same population too.
	seq := Generate(cfg)
	var c []*register.Person
	for range 2 {
		c = c[:0]
		for p := range seq {
			c = append(c, p)
		}
	}
	if !reflect.DeepEqual(a, c) {
		t.Fatal("ranging the sequence again gives another population")
	}
	cfg.Seed = 43
	if d := generate(t, cfg); reflect.DeepEqual(a, d) {
		t.Fatal("another seed gives the same population")
	}
}

func TestCount(t *testing.T) {
	for _, n := range []int{-1, 0, 1, 2, 3, 5, 7, 100, 1234, 10_000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			ps := generate(t, Config{Persons: n, Seed: uint64(n + 10)})
			if want := max(n, 0); len(ps) != want {
				t.Fatalf("%d persons, want %d", len(ps), want)
			}
			checkRecords(t, ps, DefaultToday, address.Demo())
		})
	}
}

func TestEarlyStop(t *testing.T) {
	n := 0
	for range Generate(Config{Persons: 1000, Seed: 1}) {
		if n++; n == 10 {
			break
		}
	}
	if n != 10 {
		t.Fatalf("got %d persons after stopping at 10", n)
	}
}

// TestRecords checks every record and link of a population.
func TestRecords(t *testing.T) {
	ps := generate(t, Config{Persons: 100_000, Seed: 7})
	checkRecords(t, ps, DefaultToday, address.Demo())
}

// TestToday generates populations with other todays.
func TestToday(t *testing.T) {
	tests := []struct {
		name        string
		today, want date.Date
	}{
		{"2000", 20000615, 20000615},
		{"leap day", 20240229, 20240229},
		{"1985", 19850101, 19850101},
		{"before 1970 is 1970", 19500101, 19700101},
		{"after 2057 is 2057", 20990101, 20571231},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps := generate(t, Config{Persons: 20_000, Seed: 5, Today: tc.today})
			checkRecords(t, ps, tc.want, address.Demo())
			partnership := false
			for _, p := range ps {
				partnership = partnership || p.Civil.Code == register.CivilPartnership
			}
			if partnership && tc.want < 19891001 {
				t.Error("a registered partnership before they existed")
			}
		})
	}
}

// checkRecords checks what must hold of every generated population.
func checkRecords(t *testing.T, ps []*register.Person, today date.Date, roads *address.Roads) {
	t.Helper()
	all := byPNR(t, ps)
	for _, p := range ps {
		if err := checkPerson(p, all, today, roads); err != nil {
			t.Fatalf("%v (%s): %v", p.PNR, p.Name.Addressing, err)
		}
	}
}

// checkPerson checks one record and its links to the others.
func checkPerson(p *register.Person, all map[pnr.PNR]*register.Person, today date.Date, roads *address.Roads) error {
	// The number, sex and birth date agree.
	switch {
	case !p.PNR.Valid():
		return fmt.Errorf("invalid pnr")
	case p.Sex != p.PNR.Sex():
		return fmt.Errorf("sex %v, the number says %v", p.Sex, p.PNR.Sex())
	case p.BirthDate != date.Of(p.PNR.BirthDate()):
		return fmt.Errorf("born %v, the number says %v", p.BirthDate, p.PNR.BirthDate())
	case p.BirthDate > today:
		return fmt.Errorf("born %v, after today", p.BirthDate)
	case p.BirthDate.YearsOn(today) > maxAge:
		return fmt.Errorf("aged %d", p.BirthDate.YearsOn(today))
	case !p.CurrentPNR.IsZero() || !p.PreviousPNR.IsZero() || p.Seq != 0:
		return fmt.Errorf("number links or a sequence set")
	}
	// Every fact starts between birth and today.
	for _, d := range []struct {
		what string
		d    date.Date
	}{
		{"status", p.StatusFrom}, {"name", p.Name.From}, {"residence", p.Residence.From},
		{"civil", p.Civil.From}, {"citizenship", p.CitizenFrom},
	} {
		if d.d < p.BirthDate || d.d > today {
			return fmt.Errorf("%s from %v, born %v, today %v", d.what, d.d, p.BirthDate, today)
		}
	}
	if err := checkName(p.Name); err != nil {
		return err
	}
	if err := checkResidence(p, roads); err != nil {
		return err
	}
	if p.Citizenship == 0 || p.Citizenship > 9999 {
		return fmt.Errorf("citizenship %d", p.Citizenship)
	}
	for _, pp := range p.Protections {
		if !pp.Type.Valid() || pp.From < p.BirthDate || pp.From > today || pp.To != 0 {
			return fmt.Errorf("protection %+v", pp)
		}
	}
	if err := checkCivil(p, all); err != nil {
		return err
	}
	return checkFamily(p, all)
}

func checkName(n register.Name) error {
	for _, s := range []string{n.First, n.Middle, n.Last, n.Addressing} {
		for _, r := range s {
			if r < 0x20 || r > 0xFF || (r >= 0x7F && r < 0xA0) {
				return fmt.Errorf("name %q: not ISO-8859-1 text", s)
			}
		}
	}
	switch {
	case n.First == "" || n.Last == "":
		return fmt.Errorf("name %+v: first or last missing", n)
	case n.Addressing != addressingName(n):
		return fmt.Errorf("addressing name %q, want %q", n.Addressing, addressingName(n))
	case utf8.RuneCountInString(n.Addressing) > 34:
		return fmt.Errorf("addressing name %q too long", n.Addressing)
	}
	return nil
}

func checkResidence(p *register.Person, roads *address.Roads) error {
	r := p.Residence
	switch p.Status {
	case register.StatusActive, register.StatusActiveSpecial:
		if err := roads.Validate(r.Address); err != nil {
			return fmt.Errorf("address %+v: %v", r.Address, err)
		}
		if r.Address.IsSpecial() != (p.Status == register.StatusActiveSpecial) {
			return fmt.Errorf("status %d at %+v", p.Status, r.Address)
		}
		if !r.Foreign.IsZero() {
			return fmt.Errorf("living here with a foreign address")
		}
		if p.StatusFrom > r.From || p.Status == register.StatusActiveSpecial && p.StatusFrom != r.From {
			return fmt.Errorf("status %d from %v, moved in %v", p.Status, p.StatusFrom, r.From)
		}
	case register.StatusEmigrated:
		if !r.Address.IsZero() || r.Foreign.Country == 0 || r.Foreign.Country == countryDenmark ||
			len(r.Foreign.Lines) == 0 || len(r.Foreign.Lines) > 5 {
			return fmt.Errorf("emigrated to %+v, address %+v", r.Foreign, r.Address)
		}
		for _, l := range r.Foreign.Lines {
			if l == "" || utf8.RuneCountInString(l) > 34 {
				return fmt.Errorf("foreign line %q", l)
			}
		}
		if p.StatusFrom != r.From {
			return fmt.Errorf("emigrated %v, abroad from %v", p.StatusFrom, r.From)
		}
	default:
		return fmt.Errorf("status %d", p.Status)
	}
	if r.KommuneFrom != 0 || r.PreviousKommune != 0 {
		return fmt.Errorf("derived residence fields set")
	}
	return nil
}

func checkCivil(p *register.Person, all map[pnr.PNR]*register.Person) error {
	c := p.Civil
	age := p.BirthDate.YearsOn(c.From)
	switch c.Code {
	case register.CivilUnmarried:
		if c.From != p.BirthDate || !c.Spouse.IsZero() {
			return fmt.Errorf("unmarried %+v", c)
		}
		return nil
	case register.CivilWidowed:
		if !c.Spouse.IsZero() || age < 18 {
			return fmt.Errorf("widowed %+v at %d", c, age)
		}
		return nil
	case register.CivilMarried, register.CivilPartnership, register.CivilDivorced:
		if age < 18 {
			return fmt.Errorf("civil status %c at %d", c.Code, age)
		}
	default:
		return fmt.Errorf("civil status %q", c.Code)
	}
	if c.Spouse.IsZero() {
		if c.Code == register.CivilDivorced {
			return nil // the ex is not in the register
		}
		return fmt.Errorf("%c without a spouse", c.Code)
	}
	s := all[c.Spouse]
	switch {
	case s == nil:
		return fmt.Errorf("spouse not in the population")
	case s.Civil != register.CivilState{Code: c.Code, Spouse: p.PNR, From: c.From}:
		return fmt.Errorf("civil %+v, the spouse's %+v", c, s.Civil)
	case s.BirthDate.YearsOn(c.From) < 18:
		return fmt.Errorf("spouse aged %d", s.BirthDate.YearsOn(c.From))
	case c.Code == register.CivilPartnership && s.Sex != p.Sex:
		return fmt.Errorf("registered partnership of a man and a woman")
	case c.Code == register.CivilPartnership && (c.From < 19891001 || c.From > 20120614):
		return fmt.Errorf("registered partnership entered %v", c.From)
	case c.Code != register.CivilDivorced && !sameHome(p, s):
		return fmt.Errorf("spouses live apart")
	}
	return nil
}

func checkFamily(p *register.Person, all map[pnr.PNR]*register.Person) error {
	for _, link := range []struct {
		parent pnr.PNR
		sex    pnr.Sex
	}{{p.Mother, pnr.Female}, {p.Father, pnr.Male}} {
		if link.parent.IsZero() {
			continue
		}
		q := all[link.parent]
		switch {
		case q == nil:
			return fmt.Errorf("parent not in the population")
		case q.Sex != link.sex:
			return fmt.Errorf("parent of the wrong sex")
		case !slices.Contains(q.Children, p.PNR):
			return fmt.Errorf("not among the parent's children")
		case q.BirthDate.YearsOn(p.BirthDate) < 16:
			return fmt.Errorf("parent aged %d at the birth", q.BirthDate.YearsOn(p.BirthDate))
		}
	}
	if p.Mother.IsZero() && !p.Father.IsZero() {
		return fmt.Errorf("a father but no mother")
	}
	if !p.Mother.IsZero() {
		// A child: at home with a parent, unmarried, without children.
		if p.Civil.Code != register.CivilUnmarried || len(p.Children) > 0 {
			return fmt.Errorf("a child with civil status %c", p.Civil.Code)
		}
		m, f := all[p.Mother], all[p.Father]
		if !sameHome(p, m) && (f == nil || !sameHome(p, f)) {
			return fmt.Errorf("a child living apart from both parents")
		}
	}
	for _, c := range p.Children {
		k := all[c]
		switch {
		case k == nil:
			return fmt.Errorf("child not in the population")
		case p.Sex == pnr.Female && k.Mother != p.PNR, p.Sex == pnr.Male && k.Father != p.PNR:
			return fmt.Errorf("child does not link back")
		}
	}
	return nil
}

// sameHome reports whether p and q live at the same address (or abroad at
// the same foreign address).
func sameHome(p, q *register.Person) bool {
	if q == nil || p.Status != q.Status {
		return false
	}
	if p.Status == register.StatusEmigrated {
		return reflect.DeepEqual(p.Residence.Foreign, q.Residence.Foreign)
	}
	return p.Residence.Address == q.Residence.Address
}
