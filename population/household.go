package population

import (
	"cpr/pnr"
	"cpr/register"
)

// adult is an adult being made: the facts that decide the rest of the
// record.
type adult struct {
	p       *register.Person
	birth   int32
	sex     pnr.Sex
	origin  int   // danish or an index into countries
	arrived int32 // birth, or the day of immigration
	natural int32 // the day an immigrant became Danish; 0 if not
	first   string
	middle  string
	last    familyName
}

// newAdult makes an adult aged age days, of origin o, into p. An immigrant
// arrives on day with (the household's immigration) if not zero.
func (g *generator) newAdult(p *register.Person, age int32, sex pnr.Sex, o int, with int32) adult {
	a := adult{p: p, sex: sex, origin: o}
	birth := g.today - age
	if o != danish && g.x.chance(0.03) {
		// Immigrants whose birthday is unknown are registered as born on
		// 1 January.
		birth = dayNumber(g.year(birth), 1, 1)
	}
	a.birth = g.born(p, birth, sex)
	a.arrived = a.birth
	if o != danish {
		lo := g.birthday(a.birth, 16)
		a.arrived = clampDay(g.today-years(g.x.exp(8)), lo, g.today)
		if with != 0 {
			a.arrived = clampDay(with, lo, g.today)
		}
		if a.arrived <= g.today-years(9) && g.x.chance(pNaturalise) {
			a.natural = g.x.between(a.arrived+years(9), g.today)
		}
	}
	a.first = g.firstName(sex, g.year(a.birth), o)
	if o == danish {
		a.middle = g.middleName(sex, a.first)
	}
	a.last = g.lastName(o)
	return a
}

// age is a's age in whole years today.
func (g *generator) age(birth int32) int { return int(float64(g.today-birth) / daysPerYear) }

// citizen sets p's citizenship: origin o (Danish for danish), held since
// birth or arrival, or Danish since natural when naturalised.
func (g *generator) citizen(p *register.Person, o int, birth, arrived, natural int32) {
	switch {
	case o == danish:
		p.Citizenship, p.CitizenFrom = countryDenmark, g.date(birth)
	case natural != 0:
		p.Citizenship, p.CitizenFrom = countryDenmark, g.date(max(natural, birth))
	default:
		p.Citizenship, p.CitizenFrom = countries[o].code, g.date(arrived)
	}
}

// finish fills in what every adult gets: name (unless set), citizenship,
// the household's residence, and protections.
func (g *generator) finish(a *adult, h *home) {
	if a.p.Name.Last == "" {
		setName(a.p, a.first, a.middle, a.last.text(a.sex), g.date(a.arrived))
	}
	g.citizen(a.p, a.origin, a.birth, a.arrived, a.natural)
	g.live(a.p, h, a.arrived)
	g.optOuts(a.p, a.birth, a.arrived)
}

// unmarried sets the civil status U, from birth.
func (g *generator) unmarried(a *adult) {
	a.p.Civil = register.CivilState{Code: register.CivilUnmarried, From: a.p.BirthDate}
}

// divorce makes a divorced (F), and ex too if not nil (each the other's
// ex-spouse), on a day after both turned 19 and not before lo. It reports
// false, changing nothing, when there is no such day yet.
func (g *generator) divorce(a, ex *adult, lo int32) bool {
	lo = max(lo, g.birthday(a.birth, 19))
	if ex != nil {
		lo = max(lo, g.birthday(ex.birth, 19))
	}
	if lo > g.today {
		return false
	}
	d := g.date(clampDay(g.today-years(g.x.exp(8)), lo, g.today))
	a.p.Civil = register.CivilState{Code: register.CivilDivorced, From: d}
	if ex != nil {
		a.p.Civil.Spouse = ex.p.PNR
		ex.p.Civil = register.CivilState{Code: register.CivilDivorced, Spouse: a.p.PNR, From: d}
	}
	return true
}

// widow makes a widowed (E): the spouse, who is not in the register, died
// after a turned 20 and not before lo. It reports false, changing nothing,
// when there is no such day yet.
func (g *generator) widow(a *adult, lo int32) bool {
	lo = max(lo, g.birthday(a.birth, 20))
	if lo > g.today {
		return false
	}
	d := clampDay(g.today-years(g.x.exp(7)), lo, g.today)
	a.p.Civil = register.CivilState{Code: register.CivilWidowed, From: g.date(d)}
	return true
}

// The window in which same-sex couples entered registered partnerships
// (1 October 1989 to 14 June 2012); later they marry.
var (
	partnershipFrom = dayNumber(1989, 10, 1)
	partnershipTo   = dayNumber(2012, 6, 14)
)

// marry marries a and b (both G, or P for a same-sex partnership) on a
// wedding day after both turned 18: near anchor (the first child's birth)
// if not zero, else at a typical age. It reports false, leaving them
// unmarried, when a same-sex couple could not have married yet.
func (g *generator) marry(a, b *adult, anchor int32) bool {
	T := g.today
	lo := max(g.birthday(a.birth, 18), g.birthday(b.birth, 18))
	var w int32
	if anchor != 0 {
		w = anchor + years(g.x.norm(-0.5, 3))
	} else {
		w = max(a.birth, b.birth) + years(g.x.norm(30, 5.5))
	}
	w = clampDay(w, lo, T)
	code := register.CivilMarried
	if a.sex == b.sex {
		if w < partnershipFrom {
			first := max(lo, partnershipFrom)
			if first > T {
				return false
			}
			w = g.x.between(first, T)
		}
		if w <= partnershipTo {
			code = register.CivilPartnership
		}
	}
	a.p.Civil = register.CivilState{Code: code, Spouse: b.p.PNR, From: g.date(w)}
	b.p.Civil = register.CivilState{Code: code, Spouse: a.p.PNR, From: g.date(w)}
	// The wife takes her husband's name now and then, keeping her own as
	// a middle name half the time.
	if a.sex != b.sex {
		wife, husband := a, b
		if wife.sex == pnr.Male {
			wife, husband = b, a
		}
		take := 0.45
		if wife.origin != danish {
			take = 0.3
		}
		if g.x.chance(take) {
			middle := wife.middle
			if g.x.chance(0.5) {
				middle = wife.last.text(pnr.Female)
			}
			wife.last = husband.last
			setName(wife.p, wife.first, middle, husband.last.text(pnr.Female), g.date(max(w, wife.arrived)))
		}
	}
	return true
}

// pMarried is the chance that a couple whose younger partner is age is
// married.
func pMarried(age int) float64 {
	switch {
	case age < 25:
		return 0.15
	case age < 30:
		return 0.35
	case age < 35:
		return 0.55
	case age < 45:
		return 0.68
	case age < 60:
		return 0.78
	}
	return 0.88
}

// cohabiting sets the civil status of an unmarried partner: unmarried, or
// divorced from someone else.
func (g *generator) cohabiting(a *adult) {
	pF := 0.05
	switch age := g.age(a.birth); {
	case age >= 50:
		pF = 0.5
	case age >= 35:
		pF = 0.3
	}
	if !g.x.chance(pF) || !g.divorce(a, nil, 0) {
		g.unmarried(a)
	}
}

// partnerOrigin is the origin of the partner of someone of origin o.
func (g *generator) partnerOrigin(o int) int {
	if o == danish && g.x.chance(pMixed) {
		return g.names.country.pick(g.x)
	}
	return o
}

// earliest is the first day adults could have set up home together:
// all adult and in Denmark.
func (g *generator) earliest(as ...*adult) int32 {
	var d int32 = -1 << 31
	for _, a := range as {
		if a != nil {
			d = max(d, g.birthday(a.birth, 18), a.arrived)
		}
	}
	return d
}

// residual generates a household other than a family.
func (g *generator) residual(rp *residualPlan) []register.Person {
	batch := make([]register.Person, rp.size())
	o := g.origin()
	a := g.newAdult(&batch[0], rp.a, rp.sa, o, 0)
	if rp.couple {
		ob := g.partnerOrigin(o)
		with := int32(0)
		if ob == o {
			with = a.arrived
		}
		b := g.newAdult(&batch[1], rp.b, rp.sb, ob, with)
		younger := g.age(max(a.birth, b.birth))
		if !g.x.chance(pMarried(younger)) || !g.marry(&a, &b, 0) {
			g.cohabiting(&a)
			g.cohabiting(&b)
		}
		h := g.settle(g.earliest(&a, &b), max(a.birth, b.birth), younger, false)
		g.finish(&a, &h)
		g.finish(&b, &h)
		return batch
	}
	var ex *adult
	if rp.ex {
		b := g.newAdult(&batch[1], rp.b, rp.sb, g.partnerOrigin(o), 0)
		ex = &b
	}
	switch {
	case rp.civil == register.CivilDivorced && g.divorce(&a, ex, 0):
	case rp.civil == register.CivilWidowed && g.widow(&a, 0):
	default:
		g.unmarried(&a)
		if ex != nil {
			g.unmarried(ex) // too young to have been married
		}
	}
	h := g.settle(g.earliest(&a), a.birth, g.age(a.birth), true)
	g.finish(&a, &h)
	if ex != nil {
		h := g.settle(g.earliest(ex), ex.birth, g.age(ex.birth), true)
		g.finish(ex, &h)
	}
	return batch
}

// origin draws the origin of a household.
func (g *generator) origin() int {
	if g.x.chance(pForeign) {
		return g.names.country.pick(g.x)
	}
	return danish
}

// family generates a family: the resident parents, the children, and the
// other parent when living alone elsewhere.
func (g *generator) family(fp *familyPlan) []register.Person {
	batch := make([]register.Person, fp.size())
	next := 0
	slot := func() *register.Person { next++; return &batch[next-1] }

	o := g.origin()
	oMother, oFather := o, o
	if o == danish && g.x.chance(pMixed) {
		if g.x.chance(0.5) {
			oMother = g.names.country.pick(g.x)
		} else {
			oFather = g.names.country.pick(g.x)
		}
	}
	// Slots: the resident parents, the children, the parent living
	// elsewhere.
	var motherP, fatherP *register.Person
	if fp.form != formFather {
		motherP = slot()
	}
	if fp.form != formMother {
		fatherP = slot()
	}
	kids := batch[next : next+fp.n]
	next += fp.n
	if fp.absent && fp.form == formMother {
		fatherP = slot()
	} else if fp.absent {
		motherP = slot()
	}
	var mother, father *adult // nil: not in the register
	var parents [2]adult
	var with int32
	if motherP != nil {
		parents[0] = g.newAdult(motherP, fp.mother, pnr.Female, oMother, 0)
		mother = &parents[0]
		if oFather == oMother {
			with = mother.arrived
		}
	}
	if fatherP != nil {
		parents[1] = g.newAdult(fatherP, fp.father, pnr.Male, oFather, with)
		father = &parents[1]
	}
	var residents [2]*adult
	nr := 0
	if fp.form != formFather {
		residents[nr], nr = mother, nr+1
	}
	if fp.form != formMother {
		residents[nr], nr = father, nr+1
	}
	adults := residents[:nr] // the resident parents
	absent := (*adult)(nil)
	if fp.absent && fp.form == formMother {
		absent = father
	} else if fp.absent {
		absent = mother
	}

	// A family of foreign origin came when its resident parents did; its
	// children born before came with them.
	var immigrated int32
	kidOrigin, natural := danish, int32(0)
	if o != danish {
		kidOrigin = o
		for _, a := range adults {
			immigrated = max(immigrated, a.arrived)
			if a.natural != 0 {
				natural = a.natural
			}
		}
	}
	var kidBirth [4]int32
	for i := range kids {
		kidBirth[i] = g.born(&kids[i], g.today-fp.kids[i], fp.kidSex[i])
	}
	eldest, youngest := kidBirth[0], kidBirth[fp.n-1]

	// Civil status, and whose name the children take.
	var dad familyName // the father's name, in the register or not
	if father != nil {
		dad = father.last
	} else {
		dad = g.lastName(oFather)
	}
	mum := dad
	if mother != nil {
		mum = mother.last
	}
	kidsLast := mum
	pDad := 0.5 // the children take their father's name
	switch {
	case fp.form == formCouple:
		if g.x.chance(pMarried(g.age(mother.birth))) && g.marry(mother, father, eldest) {
			mum, pDad = mother.last, 0.7 // she may have taken his name
		} else {
			g.cohabiting(mother)
			g.cohabiting(father)
		}
	case fp.widowed:
		if !g.widow(mother, eldest) {
			g.unmarried(mother)
		}
		pDad = 0.7
	case fp.absent:
		if g.x.chance(0.5) && g.divorce(mother, father, youngest) { // they were married
			pDad = 0.7
		} else {
			g.cohabiting(mother)
			g.cohabiting(father)
		}
	default: // the other parent is not in the register
		if !g.x.chance(0.3) || !g.divorce(adults[0], nil, eldest) {
			g.unmarried(adults[0])
		}
		pDad = 0
		if fp.form == formFather {
			pDad = 1
		}
	}
	if mum == dad || g.x.chance(pDad) {
		kidsLast = dad
	}
	other := dad // the other parent's name, a middle name now and then
	if kidsLast == dad {
		other = mum
	}

	// The household.
	youngestAdult := adults[0].birth
	for _, a := range adults {
		youngestAdult = max(youngestAdult, a.birth)
	}
	h := g.settle(g.earliest(adults...), youngest, g.age(youngestAdult), false)
	for _, a := range adults {
		g.finish(a, &h)
	}

	// The children.
	var mo, fa pnr.PNR
	if mother != nil {
		mo = mother.p.PNR
	}
	if father != nil {
		fa = father.p.PNR
	}
	pnrs := make([]pnr.PNR, 2*fp.n)
	for i := range kids {
		k, b := &kids[i], kidBirth[i]
		k.Mother, k.Father = mo, fa
		pnrs[i], pnrs[fp.n+i] = k.PNR, k.PNR
		y := g.year(b)
		no := kidOrigin // the origin of the child's given names
		if no != danish && g.x.chance(0.5) {
			no = danish
		}
		first := g.firstName(k.Sex, y, no)
		last := kidsLast.text(k.Sex)
		var middle string
		if on := other.text(k.Sex); mo != 0 && fa != 0 && on != last && g.x.chance(0.3) {
			middle = on
		} else if no == danish {
			middle = g.middleName(k.Sex, first)
		}
		arrived := b
		if b < immigrated {
			arrived = immigrated
		}
		setName(k, first, middle, last, g.date(arrived))
		k.Civil = register.CivilState{Code: register.CivilUnmarried, From: k.BirthDate}
		g.citizen(k, kidOrigin, b, arrived, natural)
		g.live(k, &h, arrived)
		g.optOuts(k, b, arrived)
	}
	if mother != nil {
		mother.p.Children = pnrs[:fp.n:fp.n]
	}
	if father != nil {
		father.p.Children = pnrs[fp.n:]
	}

	// The parent living alone elsewhere, since the youngest child's birth.
	if absent != nil {
		h := g.settle(max(g.earliest(absent), youngest), youngest, g.age(absent.birth), true)
		g.finish(absent, &h)
	}
	return batch
}
