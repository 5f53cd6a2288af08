package register

import (
	"cpr/date"
)

// The fast path of finish. Replay is a fold over entries sorted by valid
// date, then sequence. When every entry a change adds is the latest of its
// fact (its date is not before the fact's date in the stored record, which
// is the fold at the person's latest date) and touches neither address nor
// status (so the address index does not change), the full fold equals the
// stored record folded on by the new entries alone, and the history need
// not be read. Options.Verify
// checks this against the full fold on every change (the tests set it).

// foldsOnto reports whether news can be folded onto the stored record old.
func foldsOnto(old *Person, news []Entry) bool {
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
