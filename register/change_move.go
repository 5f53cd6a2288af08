package register

import (
	"cpr/address"
	"cpr/date"
	"cpr/pnr"
)

// Move registers a new address from an effective date, within a kommune or
// between kommuner (registered by the receiving kommune).
type Move struct {
	PNR       pnr.PNR
	Effective date.Date
	Address   address.Address
}

func (Move) Kind() Kind { return KindMove }

func (c Move) apply(cs *changeSet) error {
	if err := cs.checkAddress("address", c.Address); err != nil {
		return err
	}
	p, err := cs.get(c.PNR)
	if err != nil {
		return err
	}
	if err := resident(p); err != nil {
		return err
	}
	if p.Residence.Address == c.Address {
		return ErrSameAddress
	}
	if err := cs.checkEffective("effective", c.Effective, max(p.Residence.From, p.StatusFrom), aheadMove); err != nil {
		return err
	}
	cs.add(p, Entry{Fact: FactAddress, From: c.Effective, Address: c.Address})
	if st := statusForAddress(c.Address); st != p.Status {
		cs.add(p, Entry{Fact: FactStatus, From: c.Effective, Status: st})
	}
	cs.ev.PNR, cs.ev.Effective = p.PNR, c.Effective
	cs.ev.KommuneFrom, cs.ev.KommuneTo = p.Kommune(), c.Address.Kommunekode
	return nil
}

// NameChange registers new names from an effective date.
type NameChange struct {
	PNR       pnr.PNR
	Effective date.Date
	Name      Name
}

func (NameChange) Kind() Kind { return KindName }

func (c NameChange) apply(cs *changeSet) error {
	if err := checkName("name", &c.Name); err != nil {
		return err
	}
	p, err := cs.get(c.PNR)
	if err != nil {
		return err
	}
	if err := alive(p); err != nil {
		return err
	}
	if err := cs.checkEffective("effective", c.Effective, max(p.Name.From, p.BirthDate), aheadNone); err != nil {
		return err
	}
	cs.add(p, Entry{Fact: FactName, From: c.Effective, Name: c.Name})
	cs.ev.PNR, cs.ev.Effective = p.PNR, c.Effective
	cs.ev.KommuneFrom, cs.ev.KommuneTo = p.Kommune(), p.Kommune()
	return nil
}

// Death registers a death: status 90 and civil status D; a surviving
// spouse becomes widowed (E), a surviving partner L.
type Death struct {
	PNR       pnr.PNR
	Effective date.Date
}

func (Death) Kind() Kind { return KindDeath }

func (c Death) apply(cs *changeSet) error {
	p, err := cs.get(c.PNR)
	if err != nil {
		return err
	}
	if err := alive(p); err != nil {
		return err
	}
	// Not before the last move (one registered ahead included): the dead
	// do not move.
	if err := cs.checkEffective("effective", c.Effective, max(p.BirthDate, p.StatusFrom, p.Civil.From, p.Residence.From), aheadNone); err != nil {
		return err
	}
	cs.add(p, Entry{Fact: FactStatus, From: c.Effective, Status: StatusDead})
	cs.add(p, Entry{Fact: FactCivil, From: c.Effective, Civil: CivilDeceased})
	cs.ev.PNR, cs.ev.Effective = p.PNR, c.Effective
	cs.ev.KommuneFrom = p.Kommune()
	if code := p.Civil.Code; (code == CivilMarried || code == CivilPartnership) && !p.Civil.Spouse.IsZero() {
		s, err := cs.get(p.Civil.Spouse)
		if err != nil {
			return err
		}
		if s.Civil.Spouse == p.PNR && (s.Civil.Code == CivilMarried || s.Civil.Code == CivilPartnership) {
			left := CivilWidowed
			if s.Civil.Code == CivilPartnership {
				left = CivilSurvivingPartner
			}
			cs.add(s, Entry{Fact: FactCivil, From: max(c.Effective, s.Civil.From), Civil: left, Spouse: p.PNR})
			cs.ev.Related = append(cs.ev.Related, s.PNR)
		}
	}
	return nil
}

// Emigration registers a departure abroad: status 80 and a foreign address.
type Emigration struct {
	PNR       pnr.PNR
	Effective date.Date
	Foreign   Foreign
}

func (Emigration) Kind() Kind { return KindEmigration }

func (c Emigration) apply(cs *changeSet) error {
	if err := checkForeign(c.Foreign); err != nil {
		return err
	}
	p, err := cs.get(c.PNR)
	if err != nil {
		return err
	}
	if err := resident(p); err != nil {
		return err
	}
	if err := cs.checkEffective("effective", c.Effective, max(p.Residence.From, p.StatusFrom), aheadMove); err != nil {
		return err
	}
	cs.add(p, Entry{Fact: FactStatus, From: c.Effective, Status: StatusEmigrated})
	cs.add(p, Entry{Fact: FactAddress, From: c.Effective, Foreign: c.Foreign})
	cs.ev.PNR, cs.ev.Effective = p.PNR, c.Effective
	cs.ev.KommuneFrom = p.Kommune()
	return nil
}
