package population

import (
	"sync"

	"cpr/pnr"
	"cpr/register"
)

// The household model. A population is drawn as a stream of groups: a
// family (one or two parents with 1-4 children living at home, and
// sometimes the other parent living alone elsewhere), or another household
// (one adult, perhaps with an ex-spouse living alone elsewhere, or a
// couple). Plans fix the ages (in days before Today) and sexes of a
// group's members; the generator then fills in everything else.
//
// Families are drawn around the children: their ages follow the age
// pyramid times the share of each age living at home, the parents' ages
// follow from the children's. calibrate works out, once, which adult ages
// the families leave over and draws the other households from those, so
// that the whole follows the pyramid.

// maxHomeAge is the oldest child living with its parents.
const maxHomeAge = 27

// homeShare[a] is the share of persons aged a living with a parent
// (everyone under 18).
var homeShare = func() (h [maxHomeAge + 1]float64) {
	for a := range 18 {
		h[a] = 1
	}
	copy(h[18:], []float64{.85, .70, .50, .38, .28, .20, .14, .10, .07, .05})
	return h
}()

// kidsWeights: families with 1, 2, 3 and 4 children at home.
var kidsWeights = []float64{.42, .42, .13, .03}

type familyForm uint8

const (
	formCouple familyForm = iota // mother and father
	formMother                   // single mother
	formFather                   // single father
)

// familyPlan is the members of a family: ages in days before Today.
type familyPlan struct {
	kids           [4]int32 // eldest first
	kidSex         [4]pnr.Sex
	n              int // children
	mother, father int32
	form           familyForm
	widowed        bool // single mother whose husband has died
	absent         bool // the other parent lives alone elsewhere
}

// size is the number of persons in the group.
func (p *familyPlan) size() int {
	s := p.n + 1
	if p.form == formCouple || p.absent {
		s++
	}
	return s
}

// residualPlan is one adult, a couple, or a divorced adult and the ex.
type residualPlan struct {
	a, b   int32 // ages in days; b is the partner or the ex
	sa, sb pnr.Sex
	couple bool
	ex     bool           // b is a's ex-spouse, living alone elsewhere
	civil  register.Civil // a's civil status when single
}

func (p *residualPlan) size() int {
	if p.couple || p.ex {
		return 2
	}
	return 1
}

// model is what calibrate derives from the tables.
type model struct {
	childAge alias // ages 0..maxHomeAge of children at home
	residAge alias // ages 0..maxAge of the first adult of other households
	kids     alias // 0..3: families with 1..4 children
	pFamily  float64
}

var theModel = sync.OnceValue(calibrate)

// minAdult, maxAgeDays bound adults' ages in days.
var (
	minAdult   = years(18) + 1
	maxAgeDays = years(maxAge+1) - 1
)

// ageDays turns an age in whole years into days, uniformly within the year.
func ageDays(x *rng, a int) int32 {
	return min(int32((float64(a)+x.float())*daysPerYear), maxAgeDays)
}

// clampAge brings an age into [lo, maxAgeDays], mirroring it at the
// bounds rather than piling everyone beyond them onto one birth date.
func clampAge(a, lo int32) int32 {
	if a < lo {
		a = lo + (lo-a)%years(5)
	}
	if a > maxAgeDays {
		a = maxAgeDays - (a-maxAgeDays)%years(5)
	}
	return max(lo, min(a, maxAgeDays))
}

// partnerAge draws the age (at least lo) of someone of sex s living with
// (or once married to) someone of sex t aged a: men are about 2.7 years
// older than women.
func partnerAge(x *rng, a int32, t, s pnr.Sex, lo int32) int32 {
	switch {
	case s == t:
		a += years(x.norm(0, 5))
	case s == pnr.Male:
		a += years(x.norm(2.7, 4))
	default:
		a -= years(x.norm(2.7, 4))
	}
	return clampAge(a, lo)
}

func randomSex(x *rng, male float64) pnr.Sex {
	if x.chance(male) {
		return pnr.Male
	}
	return pnr.Female
}

func planFamily(x *rng, m *model) familyPlan {
	var p familyPlan
	want := 1 + m.kids.pick(x)
	p.kids[0] = ageDays(x, m.childAge.pick(x))
	p.kidSex[0] = randomSex(x, 0.513)
	p.n = 1
	for tries := 0; p.n < want && tries < 12; tries++ {
		var a int32
		if x.chance(0.03) {
			a = p.kids[p.n-1] // twins
		} else {
			a = ageDays(x, m.childAge.pick(x))
			if !spaced(p.kids[:p.n], a) {
				continue
			}
		}
		p.kids[p.n] = a
		p.kidSex[p.n] = randomSex(x, 0.513)
		p.n++
	}
	// Eldest first.
	for i := 1; i < p.n; i++ {
		for j := i; j > 0 && p.kids[j] > p.kids[j-1]; j-- {
			p.kids[j], p.kids[j-1] = p.kids[j-1], p.kids[j]
			p.kidSex[j], p.kidSex[j-1] = p.kidSex[j-1], p.kidSex[j]
		}
	}
	eldest, youngest := p.kids[0], p.kids[p.n-1]
	// The mother's age when the eldest was born: 18-44, and at most 46 at
	// the youngest's birth.
	span := float64(eldest-youngest) / daysPerYear
	at := min(max(x.norm(29.5, 4.8), 18.2), 44, 46-span)
	p.mother = clampAge(eldest+years(at), eldest+years(18.2))
	p.father = partnerAge(x, p.mother, pnr.Female, pnr.Male, eldest+years(18.5))
	switch u := x.float(); {
	case u < 0.78:
		p.form = formCouple
	case u < 0.78+0.22*0.85:
		p.form = formMother
	default:
		p.form = formFather
	}
	// Children always have their mother in the register (there are no
	// dead persons in it), and often their father: a single father's
	// children's mother lives elsewhere, a single mother may be widowed or
	// the father unknown.
	switch p.form {
	case formMother:
		p.widowed = x.chance(0.05)
		p.absent = !p.widowed && x.chance(0.6)
	case formFather:
		p.absent = true
	}
	return p
}

// spaced reports whether a child aged a fits between its siblings: born at
// least 300 days from each, and all within 15 years.
func spaced(kids []int32, a int32) bool {
	for _, k := range kids {
		if d := k - a; d < 300 && d > -300 || d > years(15) || d < -years(15) {
			return false
		}
	}
	return true
}

// pCouple is the chance that an adult of age a outside a family lives
// with a partner.
func pCouple(a int) float64 {
	switch {
	case a < 22:
		return 0.12
	case a < 26:
		return 0.30
	case a < 40:
		return 0.45
	case a < 60:
		return 0.50
	case a < 70:
		return 0.62
	case a < 80:
		return 0.58
	case a < 85:
		return 0.42
	case a < 90:
		return 0.28
	}
	return 0.12
}

// pFemaleSingle is the share of women among adults of age a living alone.
func pFemaleSingle(a int) float64 {
	switch {
	case a < 60:
		return 0.45
	case a < 70:
		return 0.53
	case a < 80:
		return 0.62
	}
	return 0.70
}

// singleCivil draws the civil status of a single adult: unmarried,
// divorced or widowed, by age and sex.
func singleCivil(x *rng, a int, s pnr.Sex) register.Civil {
	var pF, pE float64
	switch {
	case a < 19:
		return register.CivilUnmarried
	case a < 25:
		pF, pE = 0.01, 0
	case a < 35:
		pF, pE = 0.09, 0.005
	case a < 50:
		pF, pE = 0.37, 0.03
	case a < 65:
		pF, pE = 0.52, 0.12
	case a < 80:
		pF, pE = 0.38, 0.42
	default:
		pF, pE = 0.16, 0.72
	}
	if s == pnr.Female && a >= 50 {
		pE = min(pE*1.2, 1-pF)
	}
	switch u := x.float(); {
	case u < pF:
		return register.CivilDivorced
	case u < pF+pE:
		return register.CivilWidowed
	}
	return register.CivilUnmarried
}

// pExInRegister is the chance that a divorced adult's ex-spouse is
// generated too, living alone elsewhere.
const pExInRegister = 0.4

// planResidual plans a household other than a family; alone forces a
// single adult without an ex (to fill up the last places exactly).
func planResidual(x *rng, m *model, alone bool) residualPlan {
	var p residualPlan
	age := m.residAge.pick(x)
	p.a = clampAge(ageDays(x, age), minAdult)
	if !alone && x.chance(pCouple(age)) {
		p.couple = true
		p.sa = randomSex(x, 0.5)
		p.sb = 3 - p.sa // the other sex
		if x.chance(0.015) {
			p.sb = p.sa
		}
		p.b = partnerAge(x, p.a, p.sa, p.sb, minAdult)
		return p
	}
	p.sa = randomSex(x, 1-pFemaleSingle(age))
	p.civil = singleCivil(x, age, p.sa)
	if !alone && p.civil == register.CivilDivorced && x.chance(pExInRegister) {
		p.ex = true
		p.sb = 3 - p.sa
		p.b = partnerAge(x, p.a, p.sa, p.sb, years(19)+1)
	}
	return p
}

// calibrate derives the model from the tables. It simulates households
// with a fixed seed, so it is the same in every run, and corrects the
// weights it draws ages with until the simulated households match the
// pyramid: drawing a family's children one by one and spacing them apart
// shifts their ages, and partners are not quite as old as each other.
func calibrate() *model {
	m := &model{kids: newAlias(kidsWeights)}
	var pyr [maxAge + 1]float64
	var total float64
	for a := range pyr {
		pyr[a] = pyramid5[a/5]
		total += pyr[a]
	}
	var child [maxHomeAge + 1]float64 // the share of persons who are children at home
	var c float64
	for a := range pyr {
		pyr[a] /= total
		if a <= maxHomeAge {
			child[a] = pyr[a] * homeShare[a]
			c += child[a]
		}
	}
	yearsOf := func(d int32) int { return min(int(float64(d)/daysPerYear), maxAge) }
	x := newRNG(0x5EED, 0xCA1B)
	const rounds, samples = 3, 30_000

	// Families: the children's ages, how many children a family has, and
	// the ages of the parents.
	w := child
	var parents [maxAge + 1]float64
	var kids int
	for round := range rounds + 1 {
		m.childAge = newAlias(w[:])
		var got [maxHomeAge + 1]float64
		parents, kids = [maxAge + 1]float64{}, 0
		for range samples {
			p := planFamily(x, m)
			kids += p.n
			for _, k := range p.kids[:p.n] {
				got[yearsOf(k)]++
			}
			if p.form != formFather || p.absent {
				parents[yearsOf(p.mother)]++
			}
			if p.form != formMother || p.absent {
				parents[yearsOf(p.father)]++
			}
		}
		if round < rounds {
			for a := range w {
				if got[a] > 0 {
					w[a] *= child[a] / c / (got[a] / float64(kids))
				}
			}
		}
	}
	families := c / (float64(kids) / samples) // families per person

	// Everyone else: the adults the families leave over.
	var rest [maxAge + 1]float64
	var restMass float64
	for a := 18; a <= maxAge; a++ {
		home := 0.0
		if a <= maxHomeAge {
			home = homeShare[a]
		}
		rest[a] = max(0, pyr[a]*(1-home)-families*parents[a]/samples)
		restMass += rest[a]
	}
	// An adult of age a heads a household with a partner or brings an ex
	// along, about as old: start from the ages discounted for those.
	var first [maxAge + 1]float64
	for a := 18; a <= maxAge; a++ {
		first[a] = rest[a] / (1 + pCouple(a))
	}
	var persons int
	for round := range rounds + 1 {
		m.residAge = newAlias(first[:])
		var got [maxAge + 1]float64
		persons = 0
		for range samples {
			p := planResidual(x, m, false)
			persons += p.size()
			got[yearsOf(p.a)]++
			if p.size() == 2 {
				got[yearsOf(p.b)]++
			}
		}
		if round < rounds {
			for a := range first {
				if got[a] > 0 {
					first[a] *= rest[a] / restMass / (got[a] / float64(persons))
				}
			}
		}
	}
	others := restMass / (float64(persons) / samples) // other households per person
	m.pFamily = families / (families + others)
	return m
}
