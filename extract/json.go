package extract

import (
	"fmt"

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
	Birth       string            `json:"birth"` // YYYY-MM-DD, or YYYY-MM for research
	CurrentID   string            `json:"current_id,omitempty"`
	PreviousID  string            `json:"previous_id,omitempty"`
	Address     *wire.Address     `json:"address,omitempty"`
	Name        *wire.Name        `json:"name,omitempty"`
	Civil       *civilRecord      `json:"civil_status,omitempty"`
	Protections []wire.Protection `json:"protections,omitempty"`
	Children    []string          `json:"children,omitempty"`
	Mother      string            `json:"mother,omitempty"`
	Father      string            `json:"father,omitempty"`
	History     []wire.Entry      `json:"history,omitempty"`
	Events      []eventRecord     `json:"events,omitempty"`
}

type civilRecord struct {
	Code   string    `json:"code"`
	Spouse string    `json:"spouse,omitempty"`
	From   date.Date `json:"from"`
}

type eventRecord struct {
	ID         string    `json:"id"`
	Seq        uint64    `json:"seq"`
	Kind       string    `json:"kind"`
	Code       string    `json:"code"`
	Effective  date.Date `json:"effective"`
	Registered string    `json:"registered"`
	Derived    bool      `json:"derived,omitempty"`
}

func personJSON(ps *person, sub *subscription.Subscriber, roads *address.Roads, ids identity, on date.Date) personRecord {
	p, s := ps.p, sub.Scope
	hide := hidesNameAddress(sub, p, on)
	id := func(x pnr.PNR) string {
		v, _ := ids.of(x)
		return v
	}
	out := personRecord{Record: "person", ID: ps.id, Status: fmt.Sprintf("%02d", p.Status), StatusFrom: p.StatusFrom.String(),
		Sex: p.Sex.String(), Birth: p.BirthDate.String(), CurrentID: id(p.CurrentPNR)}
	if sub.Kind == subscription.Research {
		out.Birth = out.Birth[:7]
	}
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
		out.Civil = &civilRecord{Code: p.Civil.Code.String(), Spouse: id(p.Civil.Spouse), From: p.Civil.From}
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
		for _, h := range ps.history {
			if hide && (h.Fact == register.FactName || h.Fact == register.FactAddress) {
				continue
			}
			out.History = append(out.History, wire.EntryOf(h, roads))
		}
	}
	for _, e := range ps.events {
		out.Events = append(out.Events, eventRecord{ID: ulidText(e.ev.ID), Seq: e.ev.Seq, Kind: e.ev.Kind.String(),
			Code: eventCodes[e.ev.Kind], Effective: e.ev.Effective,
			Registered: e.ev.Registered.UTC().Format("2006-01-02T15:04:05.000000Z"), Derived: e.derived})
	}
	return out
}
