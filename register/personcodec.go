package register

import (
	"cpr/pnr"
)

// personVersion 2 added the start of the open stay (Person.open) at the
// end; version 1 records are still read, with open unknown.
const personVersion = 2

// appendPerson encodes p (the value under a person key).
func appendPerson(dst []byte, p *Person) []byte {
	e := enc{dst}
	e.u8(personVersion)
	e.pnr(p.PNR)
	e.pnr(p.CurrentPNR)
	e.pnr(p.PreviousPNR)
	e.u8(uint8(p.Status))
	e.date(p.StatusFrom)
	e.u8(uint8(p.Sex))
	e.date(p.BirthDate)
	appendName(&e, p.Name)
	e.date(p.Name.From)
	appendResidence(&e, p.Residence)
	e.u8(uint8(p.Civil.Code))
	e.pnr(p.Civil.Spouse)
	e.date(p.Civil.From)
	e.pnr(p.Mother)
	e.pnr(p.Father)
	e.uvarint(uint64(len(p.Children)))
	for _, c := range p.Children {
		e.pnr(c)
	}
	e.u16(p.Citizenship)
	e.date(p.CitizenFrom)
	e.uvarint(uint64(len(p.Protections)))
	for _, pp := range p.Protections {
		e.u16(uint16(pp.Type))
		e.date(pp.From)
		e.date(pp.To)
	}
	e.uvarint(p.Seq)
	e.date(p.open)
	return e.b
}

func appendName(e *enc, n Name) {
	e.str(n.First)
	e.str(n.Middle)
	e.str(n.Last)
	e.str(n.Addressing)
}

func appendResidence(e *enc, r Residence) {
	e.address(r.Address)
	e.date(r.From)
	e.date(r.KommuneFrom)
	e.u16(r.PreviousKommune)
	appendForeign(e, r.Foreign)
}

func appendForeign(e *enc, f Foreign) {
	e.u16(f.Country)
	e.uvarint(uint64(len(f.Lines)))
	for _, l := range f.Lines {
		e.str(l)
	}
}

// decodePerson decodes a person value; errors wrap ErrCorrupt.
func decodePerson(b []byte) (*Person, error) {
	d := dec{b: b}
	v := d.u8()
	if v != 1 && v != personVersion && d.fail == "" {
		d.fail = "version"
	}
	p := &Person{}
	p.PNR = d.pnr()
	p.CurrentPNR = d.pnr()
	p.PreviousPNR = d.pnr()
	p.Status = Status(d.u8())
	p.StatusFrom = d.date()
	p.Sex = pnr.Sex(d.u8())
	p.BirthDate = d.date()
	p.Name = decodeName(&d)
	p.Name.From = d.date()
	p.Residence = decodeResidence(&d)
	p.Civil.Code = Civil(d.u8())
	p.Civil.Spouse = d.pnr()
	p.Civil.From = d.date()
	p.Mother = d.pnr()
	p.Father = d.pnr()
	if n := d.count(len(d.b) / pnrLen); n > 0 {
		p.Children = make([]pnr.PNR, n)
		for i := range p.Children {
			p.Children[i] = d.pnr()
		}
	}
	p.Citizenship = d.u16()
	p.CitizenFrom = d.date()
	if n := d.count(16); n > 0 {
		p.Protections = make([]ProtectionPeriod, n)
		for i := range p.Protections {
			p.Protections[i] = ProtectionPeriod{Type: Protection(d.u16()), From: d.date(), To: d.date()}
		}
	}
	p.Seq = d.uvarint()
	if v >= 2 {
		p.open = d.date()
	}
	if err := d.err("person"); err != nil {
		return nil, err
	}
	if p.PNR.IsZero() || !p.Status.Valid() {
		return nil, ErrCorrupt
	}
	return p, nil
}

func decodeName(d *dec) Name {
	return Name{First: d.str(), Middle: d.str(), Last: d.str(), Addressing: d.str()}
}

func decodeResidence(d *dec) Residence {
	r := Residence{Address: d.address(), From: d.date(), KommuneFrom: d.date(), PreviousKommune: d.u16()}
	r.Foreign = decodeForeign(d)
	return r
}

func decodeForeign(d *dec) Foreign {
	f := Foreign{Country: d.u16()}
	if n := d.count(maxForeignLines); n > 0 {
		f.Lines = make([]string, n)
		for i := range f.Lines {
			f.Lines[i] = d.str()
		}
	}
	return f
}
