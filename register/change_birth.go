package register

import (
	"errors"
	"time"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
)

// Birth registers a child born in Denmark: allocates its pnr, links the
// parents, and registers the child at the mother's address unless Address
// is given.
type Birth struct {
	Mother, Father pnr.PNR // Father may be zero (not yet known)
	BirthDate      date.Date
	Sex            pnr.Sex
	Name           Name            // Last defaults to the mother's last name
	Address        address.Address // zero: the mother's address
	Citizenship    uint16          // zero: the mother's
}

func (Birth) Kind() Kind { return KindBirth }

func (c Birth) apply(cs *changeSet) error {
	if c.Sex != pnr.Female && c.Sex != pnr.Male {
		return invalid("sex", "must be M or F")
	}
	mother, err := cs.get(c.Mother)
	if errors.Is(err, ErrNotFound) {
		return invalid("mother", "no such person")
	} else if err != nil {
		return err
	}
	if err := cs.checkEffective("birth_date", c.BirthDate, mother.BirthDate.AddDays(365*10), aheadNone); err != nil {
		return err
	}
	if mother.Status == StatusDead && mother.StatusFrom < c.BirthDate {
		return ErrDead
	}
	if err := alive(mother); err != nil && mother.Status != StatusDead {
		return err
	}
	var father *Person
	if !c.Father.IsZero() {
		if c.Father == c.Mother {
			return invalid("father", "is the mother")
		}
		if father, err = cs.get(c.Father); errors.Is(err, ErrNotFound) {
			return invalid("father", "no such person")
		} else if err != nil {
			return err
		}
	}
	for _, parent := range []*Person{mother, father} {
		if parent != nil && len(parent.Children) >= maxChildren {
			return invalid("mother", "a parent may have at most 200 children in the register")
		}
	}
	if c.Name.Last == "" {
		c.Name.Last = mother.Name.Last
	}
	if err := checkName("name", &c.Name); err != nil {
		return err
	}
	addr := c.Address
	if addr.IsZero() {
		at := mother
		if mother.Residence.From > cs.today || mother.StatusFrom > cs.today {
			// The mother's record shows a move registered ahead: the
			// child lives where she lives today.
			entries, err := cs.g.entries(mother.PNR)
			if err != nil {
				return err
			}
			var ok bool
			if at, ok = replay(mother, effective(entries, time.Time{}), cs.today); !ok {
				return invalid("address", "is required: the mother is not in the register today")
			}
		}
		if !at.Status.Active() || at.Residence.Address.IsZero() {
			return invalid("address", "is required when the mother does not live in Denmark")
		}
		addr = at.Residence.Address
	} else if err := cs.checkAddress("address", addr); err != nil {
		return err
	}
	citizen := c.Citizenship
	if citizen == 0 {
		citizen = mother.Citizenship
	}
	if citizen == 0 || citizen > maxCitizenship {
		return invalid("citizenship", "must be a CPR country code 1-9999")
	}
	no, err := pnr.Allocate(c.BirthDate.Time(), c.Sex, cs.exists)
	if errors.Is(err, pnr.ErrExhausted) {
		return ErrPNRExhausted
	} else if err != nil {
		return invalidErr("birth_date", err)
	}
	child := &Person{PNR: no, Sex: c.Sex, BirthDate: c.BirthDate, Mother: c.Mother, Father: c.Father}
	cs.create(child)
	newPersonEntries(cs, child, c.BirthDate, c.Name, addr, CivilUnmarried, citizen)
	cs.add(mother, Entry{Fact: FactChild, From: c.BirthDate, Child: no, On: true})
	cs.ev.Related = append(cs.ev.Related, mother.PNR)
	if father != nil {
		cs.add(father, Entry{Fact: FactChild, From: c.BirthDate, Child: no, On: true})
		cs.ev.Related = append(cs.ev.Related, father.PNR)
	}
	cs.ev.PNR, cs.ev.Effective, cs.ev.KommuneTo = no, c.BirthDate, addr.Kommunekode
	return nil
}

// newPersonEntries stages the first entries of a person new to the register.
func newPersonEntries(cs *changeSet, p *Person, from date.Date, n Name, a address.Address, civil Civil, citizen uint16) {
	cs.add(p, Entry{Fact: FactStatus, From: from, Status: statusForAddress(a)})
	cs.add(p, Entry{Fact: FactName, From: from, Name: n})
	cs.add(p, Entry{Fact: FactAddress, From: from, Address: a})
	cs.add(p, Entry{Fact: FactCivil, From: from, Civil: civil})
	cs.add(p, Entry{Fact: FactCitizenship, From: from, Citizenship: citizen})
}

// Immigration registers a person arriving to live in Denmark: a returning
// person keeps their earlier pnr (PNR set); a newcomer gets a new one.
type Immigration struct {
	PNR         pnr.PNR // the earlier number of someone who returns; zero for a newcomer
	Effective   date.Date
	Address     address.Address
	BirthDate   date.Date // newcomers only
	Sex         pnr.Sex   // newcomers only
	Name        Name      // newcomers only
	Civil       Civil     // newcomers only; zero: U
	Citizenship uint16    // required for newcomers
}

func (Immigration) Kind() Kind { return KindImmigration }

func (c Immigration) apply(cs *changeSet) error {
	if err := cs.checkAddress("address", c.Address); err != nil {
		return err
	}
	if !c.PNR.IsZero() {
		return c.returning(cs)
	}
	if c.Sex != pnr.Female && c.Sex != pnr.Male {
		return invalid("sex", "must be M or F")
	}
	if c.BirthDate.IsZero() {
		return invalid("birth_date", "is required")
	}
	if err := checkDate("birth_date", c.BirthDate); err != nil {
		return err
	}
	if err := checkName("name", &c.Name); err != nil {
		return err
	}
	if c.Civil == 0 {
		c.Civil = CivilUnmarried
	}
	if !c.Civil.Valid() || c.Civil == CivilDeceased || c.Civil == CivilMarried || c.Civil == CivilPartnership {
		// A spouse link needs the spouse's pnr: register the marriage after arrival.
		return invalid("civil", "must be U, F, E, O or L for a newcomer")
	}
	if c.Citizenship == 0 || c.Citizenship > maxCitizenship {
		return invalid("citizenship", "must be a CPR country code 1-9999")
	}
	if err := cs.checkEffective("effective", c.Effective, c.BirthDate, aheadNone); err != nil {
		return err
	}
	no, err := pnr.Allocate(c.BirthDate.Time(), c.Sex, cs.exists)
	if errors.Is(err, pnr.ErrExhausted) {
		return ErrPNRExhausted
	} else if err != nil {
		return invalidErr("birth_date", err)
	}
	p := &Person{PNR: no, Sex: c.Sex, BirthDate: c.BirthDate}
	cs.create(p)
	newPersonEntries(cs, p, c.Effective, c.Name, c.Address, c.Civil, c.Citizenship)
	cs.ev.PNR, cs.ev.Effective, cs.ev.KommuneTo = no, c.Effective, c.Address.Kommunekode
	return nil
}

func (c Immigration) returning(cs *changeSet) error {
	p, err := cs.get(c.PNR)
	if err != nil {
		return err
	}
	if err := alive(p); err != nil {
		return err
	}
	if p.Status != StatusEmigrated && p.Status != StatusDisappeared {
		return ErrNotEmigrated
	}
	if err := cs.checkEffective("effective", c.Effective, max(p.StatusFrom, p.Residence.From), aheadNone); err != nil {
		return err
	}
	cs.add(p, Entry{Fact: FactStatus, From: c.Effective, Status: statusForAddress(c.Address)})
	cs.add(p, Entry{Fact: FactAddress, From: c.Effective, Address: c.Address})
	cs.ev.PNR, cs.ev.Effective, cs.ev.KommuneTo = p.PNR, c.Effective, c.Address.Kommunekode
	return nil
}
