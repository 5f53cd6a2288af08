package register

import (
	"time"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
)

// Correction fixes a registered fact retroactively: it replaces (or, with
// Annul, withdraws) the entry of Fact that the change with sequence number
// Target registered. The old entry stays in the history, shown as
// corrected (K) or annulled (A); it is never erased. Names, addresses and
// citizenship can be corrected; civil status is changed with marriages and
// divorces, because it concerns two persons.
type Correction struct {
	PNR         pnr.PNR
	Fact        Fact
	Target      uint64
	Annul       bool
	Effective   date.Date // the corrected valid-from date; zero keeps it
	Name        *Name
	Address     *address.Address
	Citizenship uint16
}

func (Correction) Kind() Kind { return KindCorrection }

func (c Correction) apply(cs *changeSet) error {
	switch c.Fact {
	case FactName, FactAddress, FactCitizenship:
	default:
		return invalid("fact", "must be name, address or citizenship")
	}
	p, err := cs.get(c.PNR)
	if err != nil {
		return err
	}
	if p.Status == StatusAnnulled || p.Status == StatusDuplicate {
		return ErrNotActive
	}
	all, err := cs.g.entries(p.PNR)
	if err != nil {
		return err
	}
	var target *Entry
	n := 0
	for _, h := range effective(all, time.Time{}) {
		if h.Fact == c.Fact {
			n++
			if h.Seq == c.Target {
				target = &h
			}
		}
	}
	if target == nil {
		return ErrNoSuchEntry
	}
	if c.Fact == FactAddress {
		if err := c.keepsStatus(target, all); err != nil {
			return err
		}
	}
	if c.Fact == FactAddress && !c.Annul && c.Effective != 0 && c.Effective != target.From {
		if crossesStatus(all, target, c.Effective) {
			return invalid("effective", "would move the address across a change of status; correct with a move, an emigration or an immigration")
		}
	}
	h := *target
	h.Target = c.Target
	if c.Annul {
		if n == 1 {
			return invalid("annul", "the only entry of a fact cannot be annulled; correct it instead")
		}
		h.Marker = MarkAnnuls
	} else {
		h.Marker = MarkCorrects
		if err := c.replace(cs, &h, p); err != nil {
			return err
		}
	}
	cs.add(p, h)
	cs.ev.PNR, cs.ev.Effective = p.PNR, h.From
	cs.ev.KommuneFrom = p.Kommune()
	return nil
}

func (c Correction) replace(cs *changeSet, h *Entry, p *Person) error {
	if !c.Effective.IsZero() {
		ahead := aheadNone
		if c.Fact == FactAddress {
			ahead = aheadMove
		}
		if err := cs.checkEffective("effective", c.Effective, p.BirthDate, ahead); err != nil {
			return err
		}
		h.From = c.Effective
		if c.Fact == FactAddress && !p.Status.Active() && h.From > p.StatusFrom {
			return invalid("effective", "is after the person died or left the country")
		}
	}
	changed := !c.Effective.IsZero()
	switch c.Fact {
	case FactName:
		if c.Name != nil {
			n := *c.Name
			if err := checkName("name", &n); err != nil {
				return err
			}
			h.Name, changed = n, true
		}
	case FactAddress:
		if c.Address != nil {
			if err := cs.checkAddress("address", *c.Address); err != nil {
				return err
			}
			h.Address, h.Foreign, changed = *c.Address, Foreign{}, true
		}
	case FactCitizenship:
		if c.Citizenship != 0 {
			if c.Citizenship > maxCitizenship {
				return invalid("citizenship", "must be a CPR country code 1-9999")
			}
			h.Citizenship, changed = c.Citizenship, true
		}
	}
	if !changed {
		return invalid("correction", "changes nothing: give a new value or an effective date")
	}
	return nil
}

// keepsStatus refuses an address correction that would leave the status
// contradicting the address: the status (01 ordinary address, 03 special
// vejkode, 80 abroad) went with the address when it was registered, and a
// correction changes only the address.
func (c Correction) keepsStatus(target *Entry, all []Entry) error {
	if c.Annul {
		for _, h := range all {
			if h.Seq == c.Target && h.Fact == FactStatus {
				return invalid("annul", "the change also set the status; register the opposite change instead")
			}
		}
		return nil
	}
	if c.Address == nil {
		return nil
	}
	if target.Address.IsZero() {
		return invalid("address", "a foreign address cannot be corrected into a Danish one; register an immigration")
	}
	if c.Address.IsSpecial() != target.Address.IsSpecial() {
		return invalid("address", "must be of the same kind as the address corrected (special vejkode or not)")
	}
	return nil
}

// crossesStatus reports whether moving the address entry target to day to
// would carry it across a status entry (or it came with one itself).
func crossesStatus(all []Entry, target *Entry, to date.Date) bool {
	lo, hi := min(target.From, to), max(target.From, to)
	for _, h := range effective(all, time.Time{}) {
		if h.Fact != FactStatus {
			continue
		}
		if h.Seq == target.Seq || (lo < h.From && h.From <= hi) || (h.From == lo && lo == to) {
			return true
		}
	}
	return false
}
