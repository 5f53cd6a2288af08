package register

import (
	"cpr/date"
)

// The fast path of finish. Replay is a fold over entries sorted by valid
// date, then sequence. When every entry a change adds is the latest of its
// fact (its date is not before the fact's date in the stored record, which
// is the fold at the person's latest date), the full fold equals the stored
// record folded on by the new entries alone, and the address index changes
// only at the new date. Then the history need not be read. Options.Verify
// checks this against the full fold on every change (the tests set it).

// foldsOnto reports whether news can be folded onto the stored record old.
func foldsOnto(old *Person, news []Entry) bool {
	var addrDate date.Date
	for i, h := range news {
		if h.Marker == MarkCorrects || h.Marker == MarkAnnuls {
			return false
		}
		var last date.Date
		switch h.Fact {
		case FactStatus, FactAddress:
			// The address index depends on the whole address and status
			// timelines (a stay can span several entries): full fold.
			return false
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
		if h.Fact == FactAddress || h.Fact == FactStatus {
			if addrDate != 0 && addrDate != h.From {
				return false
			}
			addrDate = h.From
		}
	}
	return true
}

// foldOnto continues the fold of old with news (see foldsOnto).
func foldOnto(old *Person, news []Entry) *Person {
	p := old.Clone()
	var latest date.Date
	for i := range news {
		h := &news[i]
		latest = max(latest, h.From)
		p.Seq = max(p.Seq, h.Seq)
		p.step(h)
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
	return p
}

// livePeriod is the open address index entry of a stored record, if any.
func livePeriod(p *Person) (period, bool) {
	if !p.Status.Active() || p.Residence.Address.IsZero() {
		return period{}, false
	}
	return period{addr: p.Residence.Address, from: max(p.Residence.From, p.StatusFrom)}, true
}

// periodWrites is the address index change between two stored records
// when the new one folds onto the old (see foldsOnto).
func periodWrites(old, nw *Person, news []Entry) (before, after []period) {
	var d date.Date
	for _, h := range news {
		if h.Fact == FactAddress || h.Fact == FactStatus {
			d = h.From
		}
	}
	op, oldLive := livePeriod(old)
	np, newLive := livePeriod(nw)
	if d == 0 || (oldLive && newLive && op.addr == np.addr) {
		return nil, nil
	}
	if oldLive {
		before = append(before, op)
		if d > op.from {
			closed := op
			closed.to = d
			after = append(after, closed)
		}
	}
	if newLive {
		after = append(after, period{addr: np.addr, from: d})
	}
	return before, after
}
