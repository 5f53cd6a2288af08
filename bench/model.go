package bench

import (
	"strings"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
	"cpr/register"
)

// model is the generator's picture of the register while it writes the
// year: a compact record per person, enough to pick persons for whom a
// change is valid, to date it, and to route it to subscribers. It mirrors
// the register's rules; a replay that refuses a change shows where it
// does not.
type model struct {
	ps    []mperson
	index map[pnr.PNR]int32
	text  strings32
	// Allocation: every number ever in the register.
	taken func(pnr.PNR) bool
}

// mperson is one person of the model (about 72 bytes).
type mperson struct {
	pnr                                       pnr.PNR
	spouse, mother, father                    int32 // -1: none
	birth                                     date.Date
	statusFrom, addrFrom, civilFrom, nameFrom date.Date
	protFrom                                  date.Date // latest From of any protection
	nameSeq, addrSeq                          uint32    // workload seq that set the fact (0: the load)
	hus                                       uint32    // interned "husnr|etage|sidedoer"
	first, middle, last                       uint32    // interned
	kommune, vejkode                          uint16    // 0: no Danish address
	citizenship                               uint16
	day                                       uint16 // 1 + index of the last day that touched the person
	status                                    register.Status
	civil                                     register.Civil
	sex                                       pnr.Sex
	prot                                      uint8 // bit t-1: protection t in force
	special                                   bool  // at a special vejkode
	children                                  uint8
}

func newModel(n int) *model {
	m := &model{ps: make([]mperson, 0, n), index: make(map[pnr.PNR]int32, n)}
	m.text.add("")
	m.taken = func(p pnr.PNR) bool { _, ok := m.index[p]; return ok }
	return m
}

// strings32 interns strings as numbers.
type strings32 struct {
	s  []string
	at map[string]uint32
}

func (t *strings32) add(s string) uint32 {
	if t.at == nil {
		t.at = map[string]uint32{}
	}
	if i, ok := t.at[s]; ok {
		return i
	}
	i := uint32(len(t.s))
	t.s = append(t.s, s)
	t.at[s] = i
	return i
}

// setAddress sets the Danish address (zero: none).
func (p *mperson) setAddress(t *strings32, a address.Address) {
	p.kommune, p.vejkode, p.special = a.Kommunekode, a.Vejkode, a.IsSpecial()
	p.hus = t.add(a.Husnr + "|" + a.Etage + "|" + a.Sidedoer)
}

// address is the person's Danish address.
func (m *model) address(i int32) address.Address {
	p := &m.ps[i]
	if p.kommune == 0 {
		return address.Address{}
	}
	parts := strings.SplitN(m.text.s[p.hus], "|", 3)
	return address.Address{Kommunekode: p.kommune, Vejkode: p.vejkode, Husnr: parts[0], Etage: parts[1], Sidedoer: parts[2]}
}

// add puts a loaded person into the model; links are resolved by link.
func (m *model) add(p *register.Person) {
	mp := mperson{
		pnr: p.PNR, spouse: -1, mother: -1, father: -1, birth: p.BirthDate,
		statusFrom: p.StatusFrom, addrFrom: p.Residence.From, civilFrom: p.Civil.From, nameFrom: p.Name.From,
		status: p.Status, civil: p.Civil.Code, sex: p.Sex, children: uint8(min(len(p.Children), 255)),
		first: m.text.add(p.Name.First), middle: m.text.add(p.Name.Middle), last: m.text.add(p.Name.Last),
	}
	mp.setAddress(&m.text, p.Residence.Address)
	mp.citizenship = p.Citizenship
	for _, pp := range p.Protections {
		mp.prot |= 1 << (pp.Type - 1)
		mp.protFrom = max(mp.protFrom, pp.From)
	}
	m.index[p.PNR] = int32(len(m.ps))
	m.ps = append(m.ps, mp)
}

// links are the pnrs of a loaded person's relatives, resolved once every
// person is in.
type links struct{ spouse, mother, father pnr.PNR }

func (m *model) resolve(ls []links) {
	find := func(p pnr.PNR) int32 {
		if p.IsZero() {
			return -1
		}
		if i, ok := m.index[p]; ok {
			return i
		}
		return -1
	}
	for i := range ls {
		p := &m.ps[i]
		p.spouse, p.mother, p.father = find(ls[i].spouse), find(ls[i].mother), find(ls[i].father)
	}
}

// create adds a new person (birth, immigration, pnr change).
func (m *model) create(mp mperson) int32 {
	i := int32(len(m.ps))
	m.index[mp.pnr] = i
	m.ps = append(m.ps, mp)
	return i
}

func (m *model) name(i int32) register.Name {
	p := &m.ps[i]
	n := register.Name{First: m.text.s[p.first], Middle: m.text.s[p.middle], Last: m.text.s[p.last]}
	n.Addressing = register.AddressingName(n)
	return n
}

func (p *mperson) alive() bool {
	switch p.status {
	case register.StatusDead, register.StatusAnnulled, register.StatusDuplicate, register.StatusPNRChanged:
		return false
	}
	return true
}

func (p *mperson) resident() bool { return p.alive() && p.status.Active() }

func (p *mperson) married() bool {
	return (p.civil == register.CivilMarried || p.civil == register.CivilPartnership) && p.spouse >= 0
}

func (p *mperson) age(on date.Date) int { return p.birth.YearsOn(on) }
