package register

import (
	"errors"

	"cpr/date"
	"cpr/pnr"
)

// Marriage registers a marriage, or a registered partnership when
// Partnership is set. Both records change in one commit; the spouse links
// are symmetric.
type Marriage struct {
	PNR, Spouse pnr.PNR
	Effective   date.Date
	Partnership bool
}

func (Marriage) Kind() Kind { return KindMarriage }

func (c Marriage) apply(cs *changeSet) error {
	if c.PNR == c.Spouse {
		return ErrSamePerson
	}
	a, err := cs.get(c.PNR)
	if err != nil {
		return err
	}
	b, err := cs.get(c.Spouse)
	if errors.Is(err, ErrNotFound) {
		return invalid("spouse", "no such person")
	} else if err != nil {
		return err
	}
	for _, p := range []*Person{a, b} {
		if err := alive(p); err != nil {
			return err
		}
		if !p.Civil.Code.Free() {
			return ErrNotFree
		}
	}
	if err := cs.checkEffective("effective", c.Effective, max(a.Civil.From, b.Civil.From, a.StatusFrom, b.StatusFrom), aheadNone); err != nil {
		return err
	}
	if a.BirthDate.YearsOn(c.Effective) < marriageAge || b.BirthDate.YearsOn(c.Effective) < marriageAge {
		return ErrUnderage
	}
	code := CivilMarried
	if c.Partnership {
		code = CivilPartnership
	}
	cs.add(a, Entry{Fact: FactCivil, From: c.Effective, Civil: code, Spouse: b.PNR})
	cs.add(b, Entry{Fact: FactCivil, From: c.Effective, Civil: code, Spouse: a.PNR})
	cs.ev.PNR, cs.ev.Effective, cs.ev.Related = a.PNR, c.Effective, []pnr.PNR{b.PNR}
	cs.ev.KommuneFrom, cs.ev.KommuneTo = a.Kommune(), a.Kommune()
	return nil
}

// Divorce ends a marriage (F) or dissolves a partnership (O) for both.
type Divorce struct {
	PNR       pnr.PNR
	Effective date.Date
}

func (Divorce) Kind() Kind { return KindDivorce }

func (c Divorce) apply(cs *changeSet) error {
	a, err := cs.get(c.PNR)
	if err != nil {
		return err
	}
	if err := alive(a); err != nil {
		return err
	}
	if a.Civil.Code != CivilMarried && a.Civil.Code != CivilPartnership {
		return ErrNotMarried
	}
	if err := cs.checkEffective("effective", c.Effective, a.Civil.From, aheadNone); err != nil {
		return err
	}
	ended := CivilDivorced
	if a.Civil.Code == CivilPartnership {
		ended = CivilPartnershipEnded
	}
	cs.add(a, Entry{Fact: FactCivil, From: c.Effective, Civil: ended, Spouse: a.Civil.Spouse})
	cs.ev.PNR, cs.ev.Effective = a.PNR, c.Effective
	cs.ev.KommuneFrom, cs.ev.KommuneTo = a.Kommune(), a.Kommune()
	if !a.Civil.Spouse.IsZero() {
		b, err := cs.get(a.Civil.Spouse)
		if err != nil {
			return err
		}
		if b.Civil.Spouse == a.PNR && b.Civil.Code == a.Civil.Code {
			cs.add(b, Entry{Fact: FactCivil, From: max(c.Effective, b.Civil.From), Civil: ended, Spouse: a.PNR})
			cs.ev.Related = []pnr.PNR{b.PNR}
		}
	}
	return nil
}
