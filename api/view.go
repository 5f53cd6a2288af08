package api

import (
	"fmt"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
	"cpr/register"
)

// personView is the JSON shape of a person. Scripts rely on pnr, status,
// sex, birth_date, name, address, civil_status and protections; fields may
// be added, never renamed.
type personView struct {
	PNR         string            `json:"pnr"`
	Status      string            `json:"status"`
	StatusFrom  date.Date         `json:"status_from"`
	Sex         string            `json:"sex"`
	BirthDate   date.Date         `json:"birth_date"`
	Name        nameView          `json:"name"`
	Address     *addressView      `json:"address"`
	Foreign     *foreignView      `json:"foreign_address,omitempty"`
	Civil       civilView         `json:"civil_status"`
	Protections []protectionView  `json:"protections"`
	Mother      string            `json:"mother_pnr,omitempty"`
	Father      string            `json:"father_pnr,omitempty"`
	Children    []string          `json:"children"`
	Citizenship string            `json:"citizenship"`
	CurrentPNR  string            `json:"current_pnr,omitempty"`
	PreviousPNR string            `json:"previous_pnr,omitempty"`
	Seq         uint64            `json:"seq"`
	Extra       map[string]string `json:"-"`
}

type nameView struct {
	First      string    `json:"first"`
	Middle     string    `json:"middle"`
	Last       string    `json:"last"`
	Addressing string    `json:"addressing"`
	From       date.Date `json:"from"`
}

type addressView struct {
	Kommunekode     string    `json:"kommunekode"`
	Vejkode         string    `json:"vejkode"`
	Husnr           string    `json:"husnr"`
	Etage           string    `json:"etage"`
	Sidedoer        string    `json:"sidedoer"`
	Text            string    `json:"text"`
	From            date.Date `json:"from"`
	KommuneFrom     date.Date `json:"kommune_from,omitzero"`
	PreviousKommune string    `json:"previous_kommune,omitempty"`
}

type foreignView struct {
	Country string    `json:"country"`
	Lines   []string  `json:"lines"`
	From    date.Date `json:"from"`
}

type civilView struct {
	Code   string    `json:"code"`
	Spouse string    `json:"spouse_pnr,omitempty"`
	From   date.Date `json:"from"`
}

type protectionView struct {
	Type string    `json:"type"`
	From date.Date `json:"from"`
	To   date.Date `json:"to,omitzero"`
}

func code4(n uint16) string { return fmt.Sprintf("%04d", n) }

func pnrText(p pnr.PNR) string { return p.String() }

func (s *Server) personJSON(p *register.Person) personView {
	v := personView{
		PNR: p.PNR.String(), Status: fmt.Sprintf("%02d", p.Status), StatusFrom: p.StatusFrom,
		Sex: p.Sex.String(), BirthDate: p.BirthDate,
		Name:        nameView{p.Name.First, p.Name.Middle, p.Name.Last, p.Name.Addressing, p.Name.From},
		Civil:       civilView{Code: p.Civil.Code.String(), Spouse: pnrText(p.Civil.Spouse), From: p.Civil.From},
		Mother:      pnrText(p.Mother),
		Father:      pnrText(p.Father),
		Citizenship: code4(p.Citizenship),
		CurrentPNR:  pnrText(p.CurrentPNR), PreviousPNR: pnrText(p.PreviousPNR),
		Seq:         p.Seq,
		Children:    []string{},
		Protections: []protectionView{},
	}
	if a := p.Residence.Address; !a.IsZero() {
		v.Address = s.addressJSON(a)
		v.Address.From = p.Residence.From
		v.Address.KommuneFrom = p.Residence.KommuneFrom
		if p.Residence.PreviousKommune != 0 {
			v.Address.PreviousKommune = code4(p.Residence.PreviousKommune)
		}
	}
	if f := p.Residence.Foreign; !f.IsZero() {
		v.Foreign = &foreignView{Country: code4(f.Country), Lines: append([]string{}, f.Lines...), From: p.Residence.From}
	}
	for _, c := range p.Children {
		v.Children = append(v.Children, c.String())
	}
	for _, pp := range p.Protections {
		v.Protections = append(v.Protections, protectionView{Type: code4(uint16(pp.Type)), From: pp.From, To: pp.To})
	}
	return v
}

func (s *Server) addressJSON(a address.Address) *addressView {
	return &addressView{
		Kommunekode: code4(a.Kommunekode), Vejkode: code4(a.Vejkode), Husnr: a.Husnr,
		Etage: a.Etage, Sidedoer: a.Sidedoer, Text: s.reg.Roads().Text(a),
	}
}

// entryView is one history entry.
type entryView struct {
	Seq        uint64          `json:"seq"`
	Fact       string          `json:"fact"`
	From       date.Date       `json:"from"`
	To         date.Date       `json:"to,omitzero"`
	Registered string          `json:"registered"`
	Marker     string          `json:"marker"`
	Target     uint64          `json:"corrects_seq,omitempty"`
	Status     string          `json:"status,omitempty"`
	Name       *nameView       `json:"name,omitempty"`
	Address    *addressView    `json:"address,omitempty"`
	Foreign    *foreignView    `json:"foreign_address,omitempty"`
	Civil      *civilView      `json:"civil_status,omitempty"`
	Protection *protectionView `json:"protection,omitempty"`
	On         *bool           `json:"on,omitempty"`
	Citizen    string          `json:"citizenship,omitempty"`
	Child      string          `json:"child_pnr,omitempty"`
}

func (s *Server) entryJSON(h register.Entry) entryView {
	v := entryView{Seq: h.Seq, Fact: h.Fact.String(), From: h.From, To: h.To,
		Registered: h.Registered.UTC().Format("2006-01-02T15:04:05.000000Z"), Target: h.Target}
	switch h.Marker {
	case register.MarkK:
		v.Marker = "K"
	case register.MarkA:
		v.Marker = "A"
	case register.MarkCorrects:
		v.Marker = "corrects"
	case register.MarkAnnuls:
		v.Marker = "annuls"
	}
	on := h.On
	switch h.Fact {
	case register.FactStatus:
		v.Status = fmt.Sprintf("%02d", h.Status)
	case register.FactName:
		v.Name = &nameView{h.Name.First, h.Name.Middle, h.Name.Last, h.Name.Addressing, h.From}
	case register.FactAddress:
		if !h.Address.IsZero() {
			v.Address = s.addressJSON(h.Address)
			v.Address.From = h.From
		}
		if !h.Foreign.IsZero() {
			v.Foreign = &foreignView{Country: code4(h.Foreign.Country), Lines: h.Foreign.Lines, From: h.From}
		}
	case register.FactCivil:
		v.Civil = &civilView{Code: h.Civil.String(), Spouse: pnrText(h.Spouse), From: h.From}
	case register.FactProtection:
		v.Protection = &protectionView{Type: code4(uint16(h.Protection)), From: h.From, To: h.To}
		v.On = &on
	case register.FactCitizenship:
		v.Citizen = code4(h.Citizenship)
	case register.FactChild:
		v.Child = h.Child.String()
		v.On = &on
	}
	return v
}
