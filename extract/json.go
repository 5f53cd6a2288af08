package extract

import (
	"fmt"
	"time"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
	"cpr/register"
	"cpr/subscription"
	"cpr/wire"
)

// personRecord is one person in a JSON Lines extract: the records of the
// P12170 layout as JSON, limited by the subscriber's scope.
type personRecord struct {
	Record      string            `json:"record"` // "person"
	ID          string            `json:"id"`     // pnr, customer key or pseudonym
	Status      string            `json:"status"`
	StatusFrom  string            `json:"status_from,omitempty"`
	Sex         string            `json:"sex"`
	Birth       string            `json:"birth"` // YYYY-MM-DD, or YYYY-MM (research)
	CurrentID   string            `json:"current_id,omitempty"`
	PreviousID  string            `json:"previous_id,omitempty"`
	Address     *wire.Address     `json:"address,omitempty"`
	Name        *wire.Name        `json:"name,omitempty"`
	Civil       *civilRecord      `json:"civil_status,omitempty"`
	Protections []wire.Protection `json:"protections,omitempty"`
	Children    []string          `json:"children,omitempty"`
	Mother      string            `json:"mother,omitempty"`
	Father      string            `json:"father,omitempty"`
	History     []any             `json:"history,omitempty"` // wire.Entry; researchEntry (research)
	Events      []eventRecord     `json:"events,omitempty"`
}

type civilRecord struct {
	Code   string `json:"code"`
	Spouse string `json:"spouse,omitempty"`
	From   jdate  `json:"from"`
}

// researchEntry is one entry of a research subscriber's history, as its
// P12170 record 029 tells it: a civil status no longer in force (ended,
// or corrected K, or annulled A), dates to the month, the spouse as a
// pseudonym. (The old number, record 022, is previous_id.)
type researchEntry struct {
	Fact   string      `json:"fact"` // civil_status
	Marker string      `json:"marker,omitempty"`
	From   jdate       `json:"from"`
	To     jdate       `json:"to,omitempty"`
	Civil  civilRecord `json:"civil_status"`
}

// eventRecord is one change; a research subscriber gets no id or seq
// (the id holds the time to the millisecond, and both are the same for
// every recipient).
type eventRecord struct {
	ID         string `json:"id,omitempty"`
	Seq        uint64 `json:"seq,omitempty"`
	Kind       string `json:"kind"`
	Code       string `json:"code"`
	Effective  jdate  `json:"effective"`
	Registered string `json:"registered"`
	Derived    bool   `json:"derived,omitempty"`
}

// jdate is a date in JSON: YYYY-MM-DD, or YYYY-MM for a date told to the
// month only (day 00, monthOf); "" for none.
type jdate date.Date

func (d jdate) MarshalText() ([]byte, error) { return []byte(monthText(date.Date(d))), nil }

// monthText is YYYY-MM-DD, or YYYY-MM for a date with day 00.
func monthText(d date.Date) string {
	s := d.String()
	if d != 0 && d.Day() == 0 {
		return s[:7]
	}
	return s
}

// registeredText is a registration time as a subscriber may see it: to
// the microsecond in UTC, or the month in Danish time (coarse).
func registeredText(t time.Time, coarse bool) string {
	if coarse {
		return monthText(monthOf(date.InCopenhagen(t)))
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

func personJSON(ps *person, sub *subscription.Subscriber, roads *address.Roads, ids identity, on date.Date) personRecord {
	p, s, cs := ps.p, sub.Allowed(), coarse(sub)
	hide := hidesNameAddress(sub, ps, on)
	id := func(x pnr.PNR) string {
		v, _ := ids.of(x)
		return v
	}
	at := func(d date.Date) date.Date {
		if cs {
			return monthOf(d)
		}
		return d
	}
	out := personRecord{Record: "person", ID: ps.id, Status: fmt.Sprintf("%02d", p.Status), StatusFrom: monthText(at(p.StatusFrom)),
		Sex: p.Sex.String(), Birth: monthText(at(p.BirthDate)), CurrentID: id(p.CurrentPNR)}
	if s.Has(subscription.ScopeHistory) {
		out.PreviousID = id(p.PreviousPNR)
	}
	if (s.Has(subscription.ScopeAddress) || s.Has(subscription.ScopeClearAddress)) && !hide && !p.Residence.Address.IsZero() {
		a := wire.AddressOf(p.Residence.Address, roads)
		a.From, a.KommuneFrom = p.Residence.From, p.Residence.KommuneFrom
		if p.Residence.PreviousKommune != 0 {
			a.PreviousKommune = wire.Code4(p.Residence.PreviousKommune)
		}
		if !s.Has(subscription.ScopeClearAddress) {
			a.Text = ""
		}
		if !s.Has(subscription.ScopeAddress) {
			a.Kommunekode, a.Vejkode, a.Husnr, a.Etage, a.Sidedoer = "", "", "", "", ""
		}
		out.Address = a
	}
	if s.Has(subscription.ScopeName) && !hide {
		out.Name = &wire.Name{First: p.Name.First, Middle: p.Name.Middle, Last: p.Name.Last, Addressing: p.Name.Addressing, From: p.Name.From}
	}
	if s.Has(subscription.ScopeCivil) {
		out.Civil = &civilRecord{Code: p.Civil.Code.String(), Spouse: id(p.Civil.Spouse), From: jdate(at(p.Civil.From))}
	}
	if s.Has(subscription.ScopeProtection) {
		for _, pp := range p.Protections {
			out.Protections = append(out.Protections, wire.Protection{Type: wire.Code4(uint16(pp.Type)), From: pp.From, To: pp.To})
		}
	}
	if s.Has(subscription.ScopeChildren) {
		for _, c := range p.Children {
			if v := id(c); v != "" {
				out.Children = append(out.Children, v)
			}
		}
	}
	if s.Has(subscription.ScopeParents) {
		out.Mother, out.Father = id(p.Mother), id(p.Father)
	}
	if s.Has(subscription.ScopeHistory) && sub.Kind == subscription.Public {
		hidden := hiddenHistory(sub, p, ps.history)
		for i := range ps.history {
			h := &ps.history[i]
			if (hide && (h.Fact == register.FactName || h.Fact == register.FactAddress)) || (hidden != nil && hidden(h)) {
				continue
			}
			out.History = append(out.History, wire.EntryOf(*h, roads))
		}
	}
	if s.Has(subscription.ScopeHistory) && s.Has(subscription.ScopeCivil) && sub.Kind == subscription.Research {
		// What record 029 gives, entry by entry (recordWriter.history).
		for i := range ps.history {
			h := &ps.history[i]
			old := h.Marker == register.MarkK || h.Marker == register.MarkA || (h.To != 0 && h.To <= on)
			if h.Fact != register.FactCivil || !old || h.Marker == register.MarkCorrects || h.Marker == register.MarkAnnuls {
				continue
			}
			e := researchEntry{Fact: h.Fact.String(), From: jdate(at(h.From)), To: jdate(at(h.To)),
				Civil: civilRecord{Code: h.Civil.String(), Spouse: id(h.Spouse), From: jdate(at(h.From))}}
			if h.Marker == register.MarkK || h.Marker == register.MarkA {
				e.Marker = string(rune(h.Marker))
			}
			out.History = append(out.History, e)
		}
	}
	for _, e := range ps.events {
		r := eventRecord{Kind: e.ev.Kind.String(), Code: eventCodes[e.ev.Kind], Effective: jdate(at(e.ev.Effective)),
			Registered: registeredText(e.ev.Registered, cs), Derived: e.derived}
		if !cs {
			r.ID, r.Seq = ulidText(e.ev.ID), e.ev.Seq
		}
		out.Events = append(out.Events, r)
	}
	return out
}
