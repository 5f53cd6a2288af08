package bench

import (
	"cpr/pnr"
	"cpr/register"
)

// The kinds of change: each picks persons for whom the change is valid
// under the register's rules, dates it, updates the model and says whom
// it touched. A nil line means no one was found (the change is skipped).

func (y *year) move(seq uint64) *Line {
	i := y.pick(func(p *mperson) bool { return p.resident() })
	if i < 0 {
		return nil
	}
	p := &y.m.ps[i]
	from, k := p.kommune, p.kommune
	if y.r.IntN(3) == 0 {
		for k == from {
			k = y.kommune()
		}
	}
	a := y.newAddress(i, k)
	eff := y.back(max(p.addrFrom, p.statusFrom), 14)
	if p.status != register.StatusActive {
		p.status, p.statusFrom = register.StatusActive, eff
	}
	p.setAddress(&y.m.text, a)
	p.addrFrom, p.addrSeq = eff, uint32(seq)
	y.touch(i, from, k)
	return &Line{PNR: p.pnr.String(), Body: body(moveBody{Effective: eff.String(), Address: addrBody(a)})}
}

func (y *year) birth(seq uint64) (*Line, error) {
	mi := y.pick(func(p *mperson) bool {
		a := p.age(y.today)
		return p.sex == pnr.Female && p.resident() && a >= 18 && a <= 45 && p.children < 20
	})
	if mi < 0 {
		return nil, nil
	}
	mo := &y.m.ps[mi]
	fi := int32(-1)
	if mo.married() && y.m.ps[mo.spouse].sex == pnr.Male && y.free(mo.spouse) {
		fi = mo.spouse
	}
	bd := y.today.AddDays(-y.r.IntN(11))
	sex := pnr.Female
	if y.r.IntN(100) < 51 {
		sex = pnr.Male
	}
	no, err := pnr.Allocate(bd.Time(), sex, y.m.taken)
	if err != nil {
		return nil, err
	}
	child := mperson{pnr: no, spouse: -1, mother: mi, father: fi, birth: bd, sex: sex,
		status: register.StatusActive, statusFrom: bd, addrFrom: bd, civil: register.CivilUnmarried, civilFrom: bd,
		nameFrom: bd, nameSeq: uint32(seq), addrSeq: uint32(seq), citizenship: mo.citizenship,
		first: y.firstName(sex), last: mo.last}
	if mo.special {
		child.status = register.StatusActiveSpecial
	}
	a := y.m.address(mi)
	child.setAddress(&y.m.text, a)
	if y.r.IntN(10) == 0 {
		child.middle = y.m.ps[y.r.IntN(len(y.m.ps))].middle
	}
	ci := y.m.create(child)
	mo = &y.m.ps[mi]
	mo.children++
	b := birthBody{Mother: mo.pnr.String(), BirthDate: bd.String(), Sex: sex.String(), Name: nmBody(y.m.name(ci)),
		Address: addrBody(a), Citizenship: int(child.citizenship)}
	l := &Line{PNR: no.String(), Related: []string{mo.pnr.String()}}
	y.touch(ci, 0, a.Kommunekode)
	y.related(mi)
	if fi >= 0 {
		y.m.ps[fi].children++
		b.Father = y.pnrOf(fi)
		l.Related = append(l.Related, b.Father)
		y.related(fi)
	}
	l.Body = body(b)
	return l, nil
}

// foreign countries of immigrants and emigrants: CPR code, a street and a
// town.
var foreign = []struct {
	code         uint16
	street, town string
}{
	{5120, "Storgatan", "114 55 Stockholm"}, {5110, "Storgata", "0155 Oslo"},
	{5180, "Hauptstraße", "10115 Berlin"}, {5170, "High Street", "London SW1A 1AA"},
	{5390, "Main Street", "New York NY 10001"}, {5150, "Ulica Dluga", "80-831 Gdansk"},
	{5130, "Mannerheimintie", "00100 Helsinki"}, {5122, "Strada Mare", "010011 Bucuresti"},
	{5128, "Calle Mayor", "28013 Madrid"}, {5164, "Via Roma", "00184 Roma"},
}

func (y *year) immigration(seq uint64) (*Line, error) {
	k := y.kommune()
	if y.r.IntN(4) == 0 {
		i := y.pick(func(p *mperson) bool { return p.status == register.StatusEmigrated })
		if i >= 0 {
			p := &y.m.ps[i]
			eff := y.back(max(p.statusFrom, p.addrFrom), 14)
			a := y.newAddress(i, k)
			p.status, p.statusFrom, p.addrFrom, p.addrSeq = register.StatusActive, eff, eff, uint32(seq)
			p.setAddress(&y.m.text, a)
			y.touch(i, 0, k)
			return &Line{PNR: p.pnr.String(), Body: body(immigrationBody{PNR: p.pnr.String(), Effective: eff.String(), Address: addrBody(a)})}, nil
		}
	}
	age := 18 + y.r.IntN(28)
	if y.r.IntN(5) == 0 {
		age = y.r.IntN(18)
	}
	bd := y.today.AddDays(-age*365 - y.r.IntN(365))
	sex := pnr.Female
	if y.r.IntN(2) == 0 {
		sex = pnr.Male
	}
	no, err := pnr.Allocate(bd.Time(), sex, y.m.taken)
	if err != nil {
		return nil, err
	}
	civil := register.CivilUnmarried
	if age >= 25 && y.r.IntN(6) == 0 {
		civil = register.CivilDivorced
	}
	eff := y.back(bd, 14)
	c := foreign[y.r.IntN(len(foreign))].code
	np := mperson{pnr: no, spouse: -1, mother: -1, father: -1, birth: bd, sex: sex, status: register.StatusActive,
		statusFrom: eff, addrFrom: eff, civil: civil, civilFrom: eff, nameFrom: eff, nameSeq: uint32(seq), addrSeq: uint32(seq),
		citizenship: c, first: y.firstName(sex), last: y.someLast()}
	a := y.roads.RandomAddress(y.r, k)
	np.setAddress(&y.m.text, a)
	i := y.m.create(np)
	y.touch(i, 0, k)
	return &Line{PNR: no.String(), Body: body(immigrationBody{Effective: eff.String(), Address: addrBody(a),
		BirthDate: bd.String(), Sex: sex.String(), Name: nmBody(y.m.name(i)), Civil: civil.String(), Citizenship: int(c)})}, nil
}

func (y *year) emigration() *Line {
	i := y.pick(func(p *mperson) bool {
		a := p.age(y.today)
		return p.resident() && (a >= 20 && a <= 40 || y.r.IntN(4) == 0)
	})
	if i < 0 {
		return nil
	}
	p := &y.m.ps[i]
	eff := y.back(max(p.addrFrom, p.statusFrom), 14)
	f := foreign[y.r.IntN(len(foreign))]
	from := p.kommune
	p.status, p.statusFrom, p.addrFrom = register.StatusEmigrated, eff, eff
	p.kommune, p.vejkode, p.special, p.hus = 0, 0, false, 0
	y.touch(i, from, 0)
	return &Line{PNR: p.pnr.String(), Body: body(emigrationBody{Effective: eff.String(), Country: int(f.code),
		Lines: []string{f.street + " " + itoa(1+y.r.IntN(120)), f.town}})}
}

// deathChance is how likely a person of age a is taken when a death is
// drawn, roughly as Danish mortality rises with age.
func deathChance(a int) int {
	switch {
	case a >= 85:
		return 1000
	case a >= 75:
		return 400
	case a >= 65:
		return 120
	case a >= 50:
		return 30
	}
	return 3
}

func (y *year) death() *Line {
	i := y.pick(func(p *mperson) bool {
		return p.resident() && y.r.IntN(1000) < deathChance(p.age(y.today)) && (!p.married() || y.free(p.spouse))
	})
	if i < 0 {
		return nil
	}
	p := &y.m.ps[i]
	eff := y.back(max(p.birth, p.statusFrom, p.civilFrom, p.addrFrom), 5)
	l := &Line{PNR: p.pnr.String(), Body: body(effectiveBody{Effective: eff.String()})}
	y.touch(i, p.kommune, 0)
	if p.married() {
		s := &y.m.ps[p.spouse]
		if s.spouse == i && (s.civil == register.CivilMarried || s.civil == register.CivilPartnership) {
			left := register.CivilWidowed
			if s.civil == register.CivilPartnership {
				left = register.CivilSurvivingPartner
			}
			s.civil, s.civilFrom = left, max(eff, s.civilFrom)
			l.Related = []string{s.pnr.String()}
			y.related(p.spouse)
		}
	}
	p.status, p.statusFrom, p.civil, p.civilFrom, p.spouse = register.StatusDead, eff, register.CivilDeceased, eff, -1
	return l
}

func (y *year) name(seq uint64) *Line {
	i := y.pick(func(p *mperson) bool { return p.resident() && adult(p, y.today) })
	if i < 0 {
		return nil
	}
	p := &y.m.ps[i]
	last := y.someLast()
	if p.married() && y.m.ps[p.spouse].last != p.last {
		last = y.m.ps[p.spouse].last
	}
	if last == p.last {
		return nil
	}
	eff := y.back(max(p.nameFrom, p.birth), 14)
	p.last = last
	y.setName(p, eff, seq)
	y.touch(i, p.kommune, p.kommune)
	return &Line{PNR: p.pnr.String(), Body: body(nameChangeBody{Effective: eff.String(), Name: nmBody(y.m.name(i))})}
}

func (y *year) marriage() *Line {
	ok := func(p *mperson) bool { return p.resident() && p.age(y.today) >= 19 && p.civil.Free() }
	a := y.pick(ok)
	if a < 0 {
		return nil
	}
	pa := &y.m.ps[a]
	same := y.r.IntN(50) == 0
	b := y.pick(func(p *mperson) bool {
		d := p.age(y.today) - pa.age(y.today)
		return ok(p) && p != pa && (p.sex == pa.sex) == same && d >= -12 && d <= 12
	})
	if b < 0 {
		return nil
	}
	pb := &y.m.ps[b]
	eff := y.back(max(pa.civilFrom, pb.civilFrom, pa.statusFrom, pb.statusFrom), 7)
	if pa.birth.YearsOn(eff) < 18 || pb.birth.YearsOn(eff) < 18 {
		return nil
	}
	pa.civil, pa.spouse, pa.civilFrom = register.CivilMarried, b, eff
	pb.civil, pb.spouse, pb.civilFrom = register.CivilMarried, a, eff
	y.touch(a, pa.kommune, pa.kommune)
	y.related(b)
	return &Line{PNR: pa.pnr.String(), Related: []string{pb.pnr.String()},
		Body: body(marriageBody{Spouse: pb.pnr.String(), Effective: eff.String()})}
}

func (y *year) divorce() *Line {
	a := y.pick(func(p *mperson) bool {
		return p.resident() && p.married() && y.free(p.spouse) && y.m.ps[p.spouse].spouse != -1
	})
	if a < 0 {
		return nil
	}
	pa := &y.m.ps[a]
	b := pa.spouse
	pb := &y.m.ps[b]
	if pb.spouse != a || pb.civil != pa.civil {
		return nil
	}
	eff := y.back(pa.civilFrom, 30)
	ended := register.CivilDivorced
	if pa.civil == register.CivilPartnership {
		ended = register.CivilPartnershipEnded
	}
	pa.civil, pa.civilFrom = ended, eff
	pb.civil, pb.civilFrom = ended, max(eff, pb.civilFrom)
	y.touch(a, pa.kommune, pa.kommune)
	y.related(b)
	return &Line{PNR: pa.pnr.String(), Related: []string{pb.pnr.String()}, Body: body(effectiveBody{Effective: eff.String()})}
}

func (y *year) protection() *Line {
	i := y.pick(func(p *mperson) bool { return p.resident() })
	if i < 0 {
		return nil
	}
	p := &y.m.ps[i]
	eff := y.back(max(p.birth, p.protFrom), 3)
	var t register.Protection
	on := true
	switch {
	case p.prot&(1<<(register.ProtectMarketing-1)) != 0 && y.r.IntN(3) == 0:
		t, on = register.ProtectMarketing, false
	case y.r.IntN(10) < 3:
		t = register.ProtectNameAddress
	default:
		t = register.ProtectMarketing
	}
	bit := uint8(1) << (t - 1)
	if on && p.prot&bit != 0 {
		return nil
	}
	if on {
		p.prot |= bit
	} else {
		p.prot &^= bit
	}
	p.protFrom = max(p.protFrom, eff)
	y.touch(i, p.kommune, p.kommune)
	return &Line{PNR: p.pnr.String(), Body: body(protectionBody{Type: "000" + itoa(int(t)), On: on, Effective: eff.String()})}
}

func (y *year) pnrChange(seq uint64) (*Line, error) {
	i := y.pick(func(p *mperson) bool {
		return p.resident() && p.children == 0 && (!p.married() || y.free(p.spouse)) && y.free(p.mother) && y.free(p.father)
	})
	if i < 0 {
		return nil, nil
	}
	old := &y.m.ps[i]
	eff := y.back(old.statusFrom, 0)
	b := pnrChangeBody{Effective: eff.String()}
	np := *old
	if adult(old, y.today) && y.r.IntN(10) < 3 {
		np.sex = pnr.Male
		if old.sex == pnr.Male {
			np.sex = pnr.Female
		}
		b.Sex = np.sex.String()
	} else {
		for np.birth == old.birth || np.birth > y.today {
			np.birth = old.birth.AddDays(y.r.IntN(41) - 20)
		}
		b.BirthDate = np.birth.String()
	}
	no, err := pnr.Allocate(np.birth.Time(), np.sex, y.m.taken)
	if err != nil {
		return nil, err
	}
	np.pnr, np.statusFrom, np.nameSeq, np.addrSeq = no, eff, uint32(seq), uint32(seq)
	ni := y.m.create(np)
	old = &y.m.ps[i]
	old.status, old.statusFrom = register.StatusPNRChanged, eff
	l := &Line{PNR: old.pnr.String(), NewPNR: no.String(), Body: body(b)}
	y.touch(ni, old.kommune, old.kommune)
	y.related(i)
	if old.married() {
		s := &y.m.ps[old.spouse]
		if s.spouse == i {
			s.spouse, s.civilFrom = ni, max(eff, s.civilFrom)
			l.Related = append(l.Related, s.pnr.String())
			y.related(old.spouse)
		}
	}
	for _, par := range []int32{old.mother, old.father} {
		if par >= 0 {
			l.Related = append(l.Related, y.pnrOf(par))
			y.related(par)
		}
	}
	return l, nil
}

func (y *year) correction(seq uint64) *Line {
	i := y.pick(func(p *mperson) bool { return p.status == register.StatusActive && p.kommune != 0 })
	if i < 0 {
		return nil
	}
	p := &y.m.ps[i]
	var b correctionBody
	if y.r.IntN(2) == 0 {
		a := y.newAddress(i, p.kommune)
		b = correctionBody{Fact: "address", Target: uint64(p.addrSeq), Address: addrBody(a)}
		p.setAddress(&y.m.text, a)
		p.addrSeq = uint32(seq)
	} else {
		first := y.firstName(p.sex)
		if first == p.first {
			return nil
		}
		b = correctionBody{Fact: "name", Target: uint64(p.nameSeq)}
		p.first, p.nameSeq = first, uint32(seq)
		b.Name = nmBody(y.m.name(i))
	}
	y.touch(i, p.kommune, 0)
	return &Line{PNR: p.pnr.String(), Body: body(b)}
}
