package extract

import (
	"cpr/date"
	"cpr/register"
	"cpr/subscription"
)

// span is a period of days [from, to); to zero is open-ended.
type span struct{ from, to date.Date }

// overlaps reports whether the two periods share a day.
func (s span) overlaps(o span) bool {
	return (s.to == 0 || o.from < s.to) && (o.to == 0 || s.from < o.to)
}

// protectedSpans are the periods in which the person had name and address
// protection (0001), from its history view and the protections in force:
// each 0001 entry that puts it on runs from its day to its end, or to the
// next 0001 entry that takes it off. Entries a later one corrected or
// annulled count too: a period the register once held as protected stays
// hidden (the safe side; the clerk's correction does not make it public).
func protectedSpans(p *register.Person, history []register.Entry) []span {
	var out []span
	for _, pp := range p.Protections {
		if pp.Type == register.ProtectNameAddress {
			out = append(out, span{pp.From, pp.To})
		}
	}
	for _, h := range history {
		if h.Fact != register.FactProtection || h.Protection != register.ProtectNameAddress || !h.On {
			continue
		}
		s := span{h.From, h.To}
		for _, o := range history {
			if o.Fact == register.FactProtection && o.Protection == register.ProtectNameAddress && !o.On &&
				o.From > s.from && (s.to == 0 || o.From < s.to) {
				s.to = o.From
			}
		}
		out = append(out, s)
	}
	return out
}

// hiddenHistory is what a subscriber may not see of a person's historical
// names and addresses: for a private subscriber, every entry whose
// validity shares a day with a 0001 period, also one that has ended; nil
// (nothing hidden) for the others.
func hiddenHistory(s *subscription.Subscriber, p *register.Person, history []register.Entry) func(h *register.Entry) bool {
	if s.Kind != subscription.Private {
		return nil
	}
	spans := protectedSpans(p, history)
	if len(spans) == 0 {
		return nil
	}
	return func(h *register.Entry) bool {
		if h.Fact != register.FactName && h.Fact != register.FactAddress {
			return false
		}
		e := span{h.From, h.To}
		for _, s := range spans {
			if s.overlaps(e) {
				return true
			}
		}
		return false
	}
}
