package population

import (
	"errors"
	"iter"
	"slices"
	"strconv"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
	"cpr/register"
)

// Config says what population to generate. The zero value generates no
// one; set Persons.
type Config struct {
	// Persons is how many persons to generate, exactly.
	Persons int
	// Seed selects the population: the same Config gives the same persons,
	// in the same order, field for field.
	Seed uint64
	// Roads is the road register addresses are drawn from (nil:
	// address.Demo()). It must have ordinary roads; Generate panics if it
	// has none.
	Roads *address.Roads
	// Today is the register's "now" (zero: DefaultToday): nobody is born,
	// moves, marries or emigrates after it. It is clamped to 1970-01-01 ..
	// 2057-12-31 (a personnummer encodes birth years 1858-2057).
	Today date.Date
}

// DefaultToday is the Today of a Config that leaves it zero.
const DefaultToday date.Date = 20260101

// Shares the model is tuned to (see doc.go).
const (
	pForeign    = 0.075 // households of foreign origin
	pMixed      = 0.05  // Danish households with one partner of foreign origin
	pNaturalise = 0.35  // immigrants of 9 years or more who became Danish
	pEmigrated  = 0.015 // households abroad (status 80)
	pSpecial    = 0.016 // adults living alone with a special vejkode (status 03)
	pProtected  = 0.015 // households with name and address protection
	pMarketing  = 0.062 // adults protected against marketing
	pDirectory  = 0.003 // adults protected against local directories
)

// Generate returns the population cfg describes, household by household:
// the members of a household (and a parent or ex-spouse of theirs living
// alone elsewhere) come one after another. Each range over the sequence
// generates the population afresh and holds only the household at hand
// and the last number handed out per birth date and sex, so any number of
// persons streams in bounded memory. Every *Person yielded is new and
// belongs to the caller.
//
// Generate panics if cfg.Roads has no ordinary road in any kommune.
func Generate(cfg Config) iter.Seq[*register.Person] {
	w := newWorld(cfg)
	return func(yield func(*register.Person) bool) {
		if cfg.Persons <= 0 {
			return
		}
		g := &generator{world: w, x: newRNG(cfg.Seed, 0x9E3779B97F4A7C15), left: cfg.Persons,
			serial: newSerials(w.minBirth, w.today)}
		for g.left > 0 {
			batch := g.group()
			g.left -= len(batch)
			for i := range batch {
				if !yield(&batch[i]) {
					return
				}
			}
		}
	}
}

// world is what every run of one Generate shares; it is only read.
type world struct {
	calendar
	roads           *address.Roads
	kommuner        []uint16 // kommuner with at least one ordinary road
	tab             alias    // over kommuner, by population
	special         map[uint16][]uint16
	today, minBirth int32
	model           *model
	names           *nameTables
}

func newWorld(cfg Config) *world {
	w := &world{calendar: calendar{dateTable()}, roads: cfg.Roads, special: map[uint16][]uint16{}, model: theModel(), names: theNames()}
	if w.roads == nil {
		w.roads = address.Demo()
	}
	today := cfg.Today
	if today == 0 {
		today = DefaultToday
	}
	today = min(max(today, 19700101), 20571231)
	w.today = fromDate(today)
	w.minBirth = w.today - maxAgeDays
	var weights []float64
	for _, k := range kommunePopulation {
		ordinary := false
		for _, r := range w.roads.InKommune(k.code) {
			if r.Vejkode >= address.MinSpecialVejkode {
				w.special[k.code] = append(w.special[k.code], r.Vejkode)
			} else {
				ordinary = true
			}
		}
		if ordinary {
			w.kommuner = append(w.kommuner, k.code)
			weights = append(weights, float64(k.pop))
		}
	}
	if len(w.kommuner) == 0 {
		panic("population: the road register has no ordinary road")
	}
	w.tab = newAlias(weights)
	return w
}

// generator is one run.
type generator struct {
	*world
	x      *rng
	left   int // persons still to generate
	serial serials
}

// group generates the next group, never more persons than are left.
func (g *generator) group() []register.Person {
	if g.x.chance(g.model.pFamily) {
		if p := planFamily(g.x, g.model); p.size() <= g.left {
			return g.family(&p)
		}
	} else if p := planResidual(g.x, g.model, false); p.size() <= g.left {
		return g.residual(&p)
	}
	p := planResidual(g.x, g.model, true)
	return g.residual(&p)
}

// home is where a household lives.
type home struct {
	kommune   uint16
	addr      address.Address
	special   bool             // status 03: a special vejkode
	emigrated int32            // the day it left Denmark; 0 if it lives here
	abroad    register.Foreign // where it lives when emigrated
	moveIn    int32
	protect   int32 // name and address protection from this day; 0 none
}

// meanStay is how long, in years, adults of age a have on average lived
// where they live.
func meanStay(a int) float64 {
	switch {
	case a < 25:
		return 2
	case a < 30:
		return 3
	case a < 40:
		return 5
	case a < 50:
		return 8
	case a < 65:
		return 12
	}
	return 18
}

func clampDay(d, lo, hi int32) int32 { return max(lo, min(d, hi)) }

// settle decides where a household lives. earliest is the first day all
// its adults could have set up home (adult, and in Denmark), youngest the
// youngest member's birth, age the youngest adult's age; only a single
// adult may get a special vejkode.
func (g *generator) settle(earliest, youngest int32, age int, single bool) home {
	var h home
	T := g.today
	if g.x.chance(pEmigrated) {
		h.emigrated = clampDay(T-years(g.x.exp(3.5)), max(earliest, youngest), T)
		h.abroad = g.abroad()
	} else {
		h.kommune = g.kommuner[g.tab.pick(g.x)]
		h.moveIn = clampDay(T-years(g.x.exp(meanStay(age))), earliest, T)
		if sp := g.special[h.kommune]; single && len(sp) > 0 && g.x.chance(pSpecial) {
			v := sp[0] // most often the first (in Demo 9900, "Uden fast bopæl")
			if g.x.chance(0.4) {
				v = sp[g.x.intn(len(sp))]
			}
			h.special = true
			h.addr = address.Address{Kommunekode: h.kommune, Vejkode: v}
		} else {
			h.addr = g.roads.RandomAddress(g.x.r, h.kommune)
		}
	}
	if g.x.chance(pProtected) {
		h.protect = clampDay(T-years(g.x.exp(5)), earliest, T)
	}
	return h
}

// abroad draws a foreign address.
func (g *generator) abroad() register.Foreign {
	d := &destinations[g.names.dest.pick(g.x)]
	street := d.streets[g.x.intn(len(d.streets))]
	n := strconv.Itoa(1 + g.x.intn(120))
	line := street + " " + n
	if d.numberFirst {
		line = n + " " + street
	}
	return register.Foreign{Country: d.code, Lines: []string{line, d.places[g.x.intn(len(d.places))]}}
}

// live puts p, who has been in Denmark since arrived (birth or
// immigration), in household h: residence, status, name and address
// protection.
func (g *generator) live(p *register.Person, h *home, arrived int32) {
	if h.emigrated != 0 {
		e := g.date(h.emigrated)
		p.Status, p.StatusFrom = register.StatusEmigrated, e
		p.Residence = register.Residence{From: e, Foreign: register.Foreign{
			Country: h.abroad.Country, Lines: slices.Clone(h.abroad.Lines)}}
	} else {
		from := g.date(max(h.moveIn, arrived))
		p.Residence = register.Residence{Address: h.addr, From: from}
		p.Status, p.StatusFrom = register.StatusActive, g.date(arrived)
		if h.special {
			p.Status, p.StatusFrom = register.StatusActiveSpecial, from
		}
	}
	if h.protect != 0 {
		p.Protections = append(p.Protections, register.ProtectionPeriod{
			Type: register.ProtectNameAddress, From: g.date(max(h.protect, arrived))})
	}
}

// optOuts gives an adult the protections against local directories and
// marketing now and then.
func (g *generator) optOuts(p *register.Person, birth, arrived int32) {
	lo := max(g.birthday(birth, 18), arrived)
	if lo > g.today {
		return
	}
	for _, o := range [...]struct {
		t register.Protection
		p float64
	}{{register.ProtectLocalDirectory, pDirectory}, {register.ProtectMarketing, pMarketing}} {
		if g.x.chance(o.p) {
			p.Protections = append(p.Protections, register.ProtectionPeriod{
				Type: o.t, From: g.date(clampDay(g.today-years(g.x.exp(6)), lo, g.today))})
		}
	}
}

// number allocates the personnummer of someone born on day birth, moving
// the birth a day or more when every number of the day is taken. It
// returns the number and the birth day used.
func (g *generator) number(birth int32, sex pnr.Sex) (pnr.PNR, int32) {
	for d := int32(0); ; d++ {
		if birth-d < g.minBirth && birth+d > g.today {
			panic("population: every personnummer is taken")
		}
		for _, b := range [2]int32{birth - d, birth + d} {
			if b < g.minBirth || b > g.today {
				continue
			}
			p, err := g.serial.allocate(b, sex)
			if err == nil {
				return p, b
			}
			if !errors.Is(err, pnr.ErrExhausted) {
				panic("population: " + err.Error()) // a bug: the range is checked above
			}
		}
	}
}

// born gives p a number and a birth date; it returns the birth day used.
func (g *generator) born(p *register.Person, birth int32, sex pnr.Sex) int32 {
	p.PNR, birth = g.number(clampDay(birth, g.minBirth, g.today), sex)
	p.Sex, p.BirthDate = sex, g.date(birth)
	return birth
}
