package register

import (
	"cpr/date"
	"cpr/pnr"
)

// ProtectionChange puts a protection on (optionally until End) or takes it
// off from an effective date.
type ProtectionChange struct {
	PNR       pnr.PNR
	Type      Protection
	On        bool
	Effective date.Date
	End       date.Date // On only; zero: until taken off
}

func (ProtectionChange) Kind() Kind { return KindProtection }

func (c ProtectionChange) apply(cs *changeSet) error {
	if !c.Type.Valid() {
		return invalid("type", "must be 1 (name and address), 2 (local directory) or 3 (marketing)")
	}
	if err := checkDate("end", c.End); err != nil {
		return err
	}
	if !c.On && !c.End.IsZero() {
		return invalid("end", "only a protection put on has an end date")
	}
	if c.On && !c.End.IsZero() && c.End <= c.Effective {
		return invalid("end", "must be after the effective date")
	}
	p, err := cs.get(c.PNR)
	if err != nil {
		return err
	}
	if err := alive(p); err != nil {
		return err
	}
	min := p.BirthDate
	var cur *ProtectionPeriod
	for i := range p.Protections {
		if p.Protections[i].Type == c.Type {
			cur = &p.Protections[i]
			min = max(min, cur.From)
		}
	}
	if !c.On && cur == nil {
		return ErrNotProtected
	}
	if err := cs.checkEffective("effective", c.Effective, min, aheadNone); err != nil {
		return err
	}
	cs.add(p, Entry{Fact: FactProtection, From: c.Effective, To: c.End, Protection: c.Type, On: c.On})
	cs.ev.PNR, cs.ev.Effective = p.PNR, c.Effective
	cs.ev.KommuneFrom, cs.ev.KommuneTo = p.Kommune(), p.Kommune()
	return nil
}
