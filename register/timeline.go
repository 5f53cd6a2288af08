package register

import (
	"slices"
	"time"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
)

// Bitemporal replay. A person at (valid date D, known at time T) is the fold
// of the history entries registered by T, with corrections applied, taking
// for each fact the entry in force on D. The stored person record is the
// same fold at the person's latest valid date, so the two never disagree.

// entryID identifies an entry that a correction may point at.
type entryID struct {
	fact Fact
	seq  uint64
	prot Protection
}

// effective returns the entries the register knew at known (zero: all),
// with replaced and annulled entries and the annulments themselves
// removed, sorted by valid time, then registration order.
func effective(entries []Entry, known time.Time) []Entry {
	return effectiveInto(make([]Entry, 0, len(entries)), entries, known)
}

// effectiveInto is effective appending to dst[:0], for callers that reuse
// a buffer.
func effectiveInto(dst, entries []Entry, known time.Time) []Entry {
	var replaced map[entryID]bool
	out := dst[:0]
	for i := range entries {
		h := &entries[i]
		if !known.IsZero() && h.Registered.After(known) {
			continue
		}
		if h.Marker == MarkCorrects || h.Marker == MarkAnnuls {
			if replaced == nil {
				replaced = map[entryID]bool{}
			}
			replaced[entryID{h.Fact, h.Target, h.Protection}] = true
		}
	}
	for i := range entries {
		h := entries[i]
		if !known.IsZero() && h.Registered.After(known) {
			continue
		}
		if h.Marker == MarkAnnuls || replaced[entryID{h.Fact, h.Seq, h.Protection}] {
			continue
		}
		out = append(out, h)
	}
	sortEntries(out)
	return out
}

// sortEntries orders entries by valid date, then registration order.
func sortEntries(out []Entry) {
	sorted := true
	for i := 1; i < len(out) && sorted; i++ {
		sorted = entryLess(&out[i-1], &out[i]) <= 0
	}
	if sorted {
		return
	}
	if len(out) > 256 {
		slices.SortStableFunc(out, func(a, b Entry) int { return entryLess(&a, &b) })
		return
	}
	// Entries are large: sort their positions, then move each entry once.
	var buf [256]uint8
	ix := buf[:len(out)]
	for i := range ix {
		ix[i] = uint8(i)
	}
	slices.SortStableFunc(ix, func(a, b uint8) int { return entryLess(&out[a], &out[b]) })
	// out[i] must become the old out[ix[i]]: follow each cycle with one
	// entry held aside.
	for i := range ix {
		if int(ix[i]) == i {
			continue
		}
		held, j := out[i], i
		for {
			k := int(ix[j])
			ix[j] = uint8(j)
			if k == i {
				out[j] = held
				break
			}
			out[j] = out[k]
			j = k
		}
	}
}

func entryLess(a, b *Entry) int {
	if a.From != b.From {
		return cmpU(uint64(a.From), uint64(b.From))
	}
	if a.Seq != b.Seq {
		return cmpU(a.Seq, b.Seq)
	}
	return cmpU(uint64(a.Ord), uint64(b.Ord))
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// lastSeq is the last change registered for a person by known (zero: now):
// the person's Seq, whatever the change did to the facts in force.
func lastSeq(entries []Entry, known time.Time) uint64 {
	var seq uint64
	for i := range entries {
		if (known.IsZero() || !entries[i].Registered.After(known)) && entries[i].Seq > seq {
			seq = entries[i].Seq
		}
	}
	return seq
}

// latestFrom is the last valid date at which any effective entry starts.
func latestFrom(eff []Entry) date.Date {
	if len(eff) == 0 {
		return 0
	}
	return eff[len(eff)-1].From
}

// replay folds eff (from effective) into the person in force on at.
// base supplies the facts without history (pnr, sex, birth date, parents,
// number links). It reports false if the person was not in the register on
// that day.
func replay(base *Person, eff []Entry, at date.Date) (*Person, bool) {
	p := &Person{
		PNR: base.PNR, PreviousPNR: base.PreviousPNR, Sex: base.Sex,
		BirthDate: base.BirthDate, Mother: base.Mother, Father: base.Father,
	}
	var prot [ProtectMarketing + 1]*Entry
	for i := range eff {
		h := &eff[i]
		if h.From > at {
			break
		}
		if h.Seq > p.Seq {
			p.Seq = h.Seq
		}
		if p.step(h) {
			continue
		}
		switch h.Fact {
		case FactProtection:
			if h.Protection.Valid() {
				prot[h.Protection] = h
			}
		case FactChild:
			if h.On {
				if !slices.Contains(p.Children, h.Child) {
					p.Children = append(p.Children, h.Child)
				}
			} else {
				p.Children = slices.DeleteFunc(p.Children, func(c pnr.PNR) bool { return c == h.Child })
			}
		}
	}
	if p.Status == 0 {
		return nil, false
	}
	for t := ProtectNameAddress; t <= ProtectMarketing; t++ {
		if h := prot[t]; h != nil && h.On && (h.To == 0 || at < h.To) {
			p.Protections = append(p.Protections, ProtectionPeriod{Type: t, From: h.From, To: h.To})
		}
	}
	if p.Status == StatusPNRChanged {
		p.CurrentPNR = base.CurrentPNR
	}
	return p, true
}

// step folds one entry of a fact with a single value (status, name,
// address, civil status, citizenship) into p; it reports whether it did.
func (p *Person) step(h *Entry) bool {
	switch h.Fact {
	case FactStatus:
		p.Status, p.StatusFrom = h.Status, h.From
	case FactName:
		p.Name = h.Name
		p.Name.From = h.From
	case FactAddress:
		p.Residence = nextResidence(p.Residence, h.Address, h.Foreign, h.From)
	case FactCivil:
		p.Civil = CivilState{Code: h.Civil, Spouse: h.Spouse, From: h.From}
	case FactCitizenship:
		p.Citizenship, p.CitizenFrom = h.Citizenship, h.From
	default:
		return false
	}
	return true
}

// nextResidence is the residence after moving to a (or abroad to f) on day
// from. The kommune arrival date and the kommune moved from carry over
// while the person stays in the same kommune (or stays abroad).
func nextResidence(cur Residence, a address.Address, f Foreign, from date.Date) Residence {
	next := Residence{Address: a, From: from, Foreign: f}
	curK := cur.Address.Kommunekode
	switch {
	case cur.From == 0:
		next.KommuneFrom = from
	case curK == a.Kommunekode:
		next.KommuneFrom, next.PreviousKommune = cur.KommuneFrom, cur.PreviousKommune
	default:
		next.KommuneFrom, next.PreviousKommune = from, curK
	}
	if a.IsZero() {
		next.KommuneFrom = 0
	}
	return next
}

// period is one stay at a Danish address while resident (status 01/03).
type period struct {
	addr     address.Address
	from, to date.Date // to zero: still living there
}

// residencePeriods derives the address index entries of one person from
// the effective entries: who lived where, and when.
func residencePeriods(eff []Entry) []period {
	var (
		out    []period
		addr   address.Address
		active bool
		open   = -1
	)
	for i := 0; i < len(eff); {
		d := eff[i].From
		for ; i < len(eff) && eff[i].From == d; i++ {
			switch h := &eff[i]; h.Fact {
			case FactAddress:
				addr = h.Address
			case FactStatus:
				active = h.Status.Active()
			}
		}
		live := active && !addr.IsZero()
		if open >= 0 && (!live || out[open].addr != addr) {
			out[open].to = d
			if out[open].to == out[open].from {
				out = out[:open]
			}
			open = -1
		}
		if live && open < 0 {
			out = append(out, period{addr: addr, from: d})
			open = len(out) - 1
		}
	}
	return out
}

// openFrom is the day the last of periods began if it is still open, or 0.
func openFrom(periods []period) date.Date {
	if n := len(periods); n > 0 && periods[n-1].to == 0 {
		return periods[n-1].from
	}
	return 0
}
