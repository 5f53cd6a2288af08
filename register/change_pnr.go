package register

import (
	"errors"
	"time"

	"cpr/date"
	"cpr/pnr"
)

// PNRChange gives a person a new number (a wrong birth date, a change of
// legal sex). The old number gets status 60 and points to the new one; the
// new one points back. The spouse's link, the parents' child lists and the
// children's parent links follow the new number.
type PNRChange struct {
	PNR       pnr.PNR
	Effective date.Date
	BirthDate date.Date // zero: unchanged
	Sex       pnr.Sex   // zero: unchanged
}

func (PNRChange) Kind() Kind { return KindPNRChange }

func (c PNRChange) apply(cs *changeSet) error {
	old, err := cs.get(c.PNR)
	if err != nil {
		return err
	}
	if err := alive(old); err != nil {
		return err
	}
	if err := checkDate("birth_date", c.BirthDate); err != nil {
		return err
	}
	birth, sex := old.BirthDate, old.Sex
	if !c.BirthDate.IsZero() {
		birth = c.BirthDate
	}
	if c.Sex != 0 {
		if c.Sex != pnr.Female && c.Sex != pnr.Male {
			return invalid("sex", "must be M or F")
		}
		sex = c.Sex
	}
	if birth > cs.today {
		return invalid("birth_date", "is in the future")
	}
	if err := cs.checkEffective("effective", c.Effective, old.StatusFrom, aheadNone); err != nil {
		return err
	}
	no, err := pnr.Allocate(birth.Time(), sex, cs.exists)
	if errors.Is(err, pnr.ErrExhausted) {
		return ErrPNRExhausted
	} else if err != nil {
		return invalidErr("birth_date", err)
	}
	oldEntries, err := cs.g.entries(old.PNR)
	if err != nil {
		return err
	}
	np := &Person{PNR: no, PreviousPNR: old.PNR, Sex: sex, BirthDate: birth, Mother: old.Mother, Father: old.Father}
	cs.create(np)
	copyCurrentFacts(cs, np, effective(oldEntries, time.Time{}), c.Effective, old.Status)

	oldBase := old.Clone()
	oldBase.CurrentPNR = no
	cs.setBase(oldBase)
	cs.add(oldBase, Entry{Fact: FactStatus, From: c.Effective, Status: StatusPNRChanged})

	related := []pnr.PNR{old.PNR}
	if s := old.Civil.Spouse; !s.IsZero() && (old.Civil.Code == CivilMarried || old.Civil.Code == CivilPartnership) {
		sp, err := cs.get(s)
		if err != nil {
			return err
		}
		if sp.Civil.Spouse == old.PNR {
			cs.add(sp, Entry{Fact: FactCivil, From: max(c.Effective, sp.Civil.From), Civil: sp.Civil.Code, Spouse: no})
			related = append(related, sp.PNR)
		}
	}
	for _, parent := range []pnr.PNR{old.Mother, old.Father} {
		pp, err := cs.get(parent)
		if errors.Is(err, ErrNotFound) {
			continue
		} else if err != nil {
			return err
		}
		cs.add(pp, Entry{Fact: FactChild, From: c.Effective, Child: old.PNR})
		cs.add(pp, Entry{Fact: FactChild, From: c.Effective, Child: no, On: true})
		related = append(related, pp.PNR)
	}
	for _, child := range old.Children {
		ch, err := cs.get(child)
		if errors.Is(err, ErrNotFound) {
			continue
		} else if err != nil {
			return err
		}
		if ch.Mother == old.PNR {
			ch.Mother = no
		}
		if ch.Father == old.PNR {
			ch.Father = no
		}
		cs.setBase(ch)
		related = append(related, ch.PNR)
	}
	cs.ev.PNR, cs.ev.Effective, cs.ev.Related = no, c.Effective, related
	cs.ev.KommuneFrom, cs.ev.KommuneTo = old.Kommune(), old.Kommune()
	return nil
}

// copyCurrentFacts gives the new number the facts in force under the old
// one: the latest entry of each fact, with its original valid-from date,
// and the status from the day of the change.
func copyCurrentFacts(cs *changeSet, np *Person, eff []Entry, from date.Date, status Status) {
	latest := map[entryID]Entry{}
	var order []entryID
	children := map[pnr.PNR]bool{}
	for _, h := range eff {
		switch h.Fact {
		case FactStatus:
			continue
		case FactChild:
			children[h.Child] = h.On
			continue
		}
		id := entryID{fact: h.Fact, prot: h.Protection}
		if _, ok := latest[id]; !ok {
			order = append(order, id)
		}
		latest[id] = h
	}
	cs.add(np, Entry{Fact: FactStatus, From: from, Status: status})
	for _, id := range order {
		h := latest[id]
		h.Marker, h.Target = MarkNone, 0
		cs.add(np, h)
	}
	for _, h := range eff {
		if h.Fact == FactChild && h.On && children[h.Child] {
			children[h.Child] = false // once
			cs.add(np, Entry{Fact: FactChild, From: from, Child: h.Child, On: true})
		}
	}
}
