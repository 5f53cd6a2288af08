package register

import (
	"cpr/date"
)

// The fast path of finish. Replay is a fold over entries sorted by valid
// date, then sequence. When every entry a change adds is the latest of its
// fact (its date is not before the fact's date in the stored record, which
// is the fold at the person's latest valid date), the full fold equals the
// stored record folded on by the new entries alone, and the history need
// not be read.
//
// Address and status entries also move the address index, which depends on
// the whole address and status timelines. They take the fast path only in
// the common case: the person lives at a Danish address (the index holds an
// open stay, whose start the stored record keeps in Person.open), and every
// new address and status entry falls on one day after the last address and
// status entries. Then only the open stay can end, on that day, and a new
// one begin. Anything else (a change dated on or before the last move, a
// record whose open stay is not known) takes the full fold.
//
// Options.Verify checks the fast path against the full fold, record and
// index, on every change (the tests set it).

// foldsOnto reports whether news can be folded onto the stored record old.
func foldsOnto(old *Person, news []Entry) bool {
	var moved date.Date // the day of the address and status entries
	for i, h := range news {
		if h.Marker == MarkCorrects || h.Marker == MarkAnnuls {
			return false
		}
		var last date.Date
		switch h.Fact {
		case FactStatus, FactAddress:
			if old.open == 0 || !old.Status.Active() || old.Residence.Address.IsZero() {
				return false
			}
			if moved != 0 && h.From != moved {
				return false
			}
			moved = h.From
			// Strictly after: an entry on the day of the last move would
			// share a day with it, and a stay can span such a day.
			if h.From <= max(old.Residence.From, old.StatusFrom) {
				return false
			}
			continue
		case FactName:
			last = old.Name.From
		case FactCivil:
			last = old.Civil.From
		case FactCitizenship:
			last = old.CitizenFrom
		default:
			return false
		}
		if h.From < last {
			return false
		}
		for _, prev := range news[:i] {
			if prev.Fact == h.Fact && prev.From > h.From {
				return false
			}
		}
	}
	return true
}

// foldOnto continues the fold of old with news (see foldsOnto), and
// returns the address index stays that change: the open stay before, and
// what became of it and any new stay after. Both are nil when the index
// does not change.
func foldOnto(old *Person, news []Entry) (p *Person, before, after []period) {
	p = old.Clone()
	var latest, moved date.Date
	for i := range news {
		h := &news[i]
		latest = max(latest, h.From)
		p.Seq = max(p.Seq, h.Seq)
		p.step(h)
		if h.Fact == FactAddress || h.Fact == FactStatus {
			moved = h.From
		}
	}
	kept := p.Protections[:0]
	for _, pp := range p.Protections {
		if pp.To == 0 || latest < pp.To {
			kept = append(kept, pp)
		}
	}
	p.Protections = kept
	if len(p.Protections) == 0 {
		p.Protections = nil
	}
	if p.Status != StatusPNRChanged {
		p.CurrentPNR = 0
	}
	if moved == 0 {
		return p, nil, nil
	}
	stay := period{addr: old.Residence.Address, from: old.open}
	live := p.Status.Active() && !p.Residence.Address.IsZero()
	if live && p.Residence.Address == stay.addr {
		return p, nil, nil // the same stay goes on
	}
	before = []period{stay}
	stay.to = moved
	after = []period{stay}
	p.open = 0
	if live {
		after = append(after, period{addr: p.Residence.Address, from: moved})
		p.open = moved
	}
	return p, before, after
}
