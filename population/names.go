package population

import (
	"sync"
	"unicode/utf8"

	"cpr/date"

	"cpr/pnr"
	"cpr/register"
)

// nameTables are the alias tables over the name, country and destination
// lists, built once and only read.
type nameTables struct {
	last    alias       // over lastNames
	middle  names       // family names borne as middle names
	first   [2][3]names // [sex-1][era]
	second  [2]names    // second given names, [sex-1]
	country alias       // over countries
	dest    alias       // over destinations
}

var theNames = sync.OnceValue(func() *nameTables {
	t := &nameTables{
		middle: ranked(middleNames...),
		second: [2]names{ranked(femaleSecond...), ranked(maleSecond...)},
	}
	w := make([]float64, len(lastNames))
	for i, l := range lastNames {
		w[i] = l.k
	}
	t.last = newAlias(w)
	for era := range 3 {
		t.first[0][era] = ranked(femaleFirst[era]...)
		t.first[1][era] = ranked(maleFirst[era]...)
	}
	w = make([]float64, len(countries))
	for i, c := range countries {
		w[i] = c.weight
	}
	t.country = newAlias(w)
	w = make([]float64, len(destinations))
	for i, d := range destinations {
		w[i] = d.weight
	}
	t.dest = newAlias(w)
	return t
})

// danish is the origin of a Danish household; other origins index countries.
const danish = -1

// familyName is a last name that children inherit and spouses take: an
// index into lastNames (origin danish) or into a country's last names, so
// that women of countries with gendered names get the female form.
type familyName struct {
	origin int
	i      int
}

// text returns the name as borne by someone of sex s.
func (f familyName) text(s pnr.Sex) string {
	if f.origin == danish {
		return lastNames[f.i].name
	}
	ns := &countries[f.origin].names
	if s == pnr.Female && ns.lastFemale != nil {
		return ns.lastFemale[f.i]
	}
	return ns.last[f.i]
}

// era is the name fashion of a birth year: before 1955, 1955-1989, later.
func era(year int) int {
	switch {
	case year < 1955:
		return 0
	case year < 1990:
		return 1
	}
	return 2
}

// firstName draws a given name for someone of sex s born in year y, of
// origin o.
func (g *generator) firstName(s pnr.Sex, y int, o int) string {
	if o != danish {
		ns := &countries[o].names
		list := ns.male
		if s == pnr.Female {
			list = ns.female
		}
		return list[g.x.intn(len(list))]
	}
	// Fashions blur at the edges of an era.
	return g.names.first[s-1][era(y+int(g.x.norm(0, 5)))].pick(g.x)
}

// middleName draws a middle name (often none): a family name, or a second
// given name other than first.
func (g *generator) middleName(s pnr.Sex, first string) string {
	switch u := g.x.float(); {
	case u < 0.30:
		return g.names.middle.pick(g.x)
	case u < 0.38:
		if m := g.names.second[s-1].pick(g.x); m != first {
			return m
		}
	}
	return ""
}

// lastName draws a family name of origin o.
func (g *generator) lastName(o int) familyName {
	if o == danish {
		return familyName{danish, g.names.last.pick(g.x)}
	}
	return familyName{o, g.x.intn(len(countries[o].names.last))}
}

// setName fills in p's name and its addressing name. The names drawn here
// are never empty (but the middle one) and carry no spaces at either end,
// so the addressing name is usually one concatenation; addressingName does
// the rest.
func setName(p *register.Person, first, middle, last string, from date.Date) {
	p.Name = register.Name{First: first, Middle: middle, Last: last, From: from}
	var s string
	if middle == "" {
		s = last + "," + first
	} else {
		s = last + "," + first + " " + middle
	}
	if len(s) > 34 && utf8.RuneCountInString(s) > 34 {
		s = addressingName(p.Name)
	}
	p.Name.Addressing = s
}

// addressingName is the register's rule, so that a loaded record carries
// what the register would derive.
func addressingName(n register.Name) string { return register.AddressingName(n) }
