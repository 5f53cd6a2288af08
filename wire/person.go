// Package wire holds the JSON shapes the register shows the world: a person
// and a history entry, as the HTTP API answers them, the events carry them
// and the JSON Lines extracts write them. Scripts rely on these names: add
// fields freely, never rename one.
package wire

import (
	"fmt"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
	"cpr/register"
)

// Person is the JSON shape of a person. Scripts rely on pnr, status, sex,
// birth_date, name, address, civil_status and protections.
type Person struct {
	PNR         string       `json:"pnr"`
	Status      string       `json:"status"`
	StatusFrom  date.Date    `json:"status_from,omitzero"`
	Sex         string       `json:"sex"`
	BirthDate   date.Date    `json:"birth_date"`
	Name        Name         `json:"name"`
	Address     *Address     `json:"address"`
	Foreign     *Foreign     `json:"foreign_address,omitempty"`
	Civil       Civil        `json:"civil_status"`
	Protections []Protection `json:"protections"`
	Mother      string       `json:"mother_pnr,omitempty"`
	Father      string       `json:"father_pnr,omitempty"`
	Children    []string     `json:"children"`
	Citizenship string       `json:"citizenship"`
	CurrentPNR  string       `json:"current_pnr,omitempty"`
	PreviousPNR string       `json:"previous_pnr,omitempty"`
	Seq         uint64       `json:"seq"`
}

type Name struct {
	First      string    `json:"first"`
	Middle     string    `json:"middle"`
	Last       string    `json:"last"`
	Addressing string    `json:"addressing"`
	From       date.Date `json:"from,omitzero"`
}

type Address struct {
	Kommunekode     string    `json:"kommunekode"`
	Vejkode         string    `json:"vejkode"`
	Husnr           string    `json:"husnr"`
	Etage           string    `json:"etage"`
	Sidedoer        string    `json:"sidedoer"`
	Text            string    `json:"text"`
	From            date.Date `json:"from,omitzero"`
	KommuneFrom     date.Date `json:"kommune_from,omitzero"`
	PreviousKommune string    `json:"previous_kommune,omitempty"`
}

type Foreign struct {
	Country string    `json:"country"`
	Lines   []string  `json:"lines"`
	From    date.Date `json:"from,omitzero"`
}

type Civil struct {
	Code   string    `json:"code,omitempty"`
	Spouse string    `json:"spouse_pnr,omitempty"`
	From   date.Date `json:"from,omitzero"`
}

type Protection struct {
	Type string    `json:"type"`
	From date.Date `json:"from"`
	To   date.Date `json:"to,omitzero"`
}

// Code4 writes a kommune, road or country code as four digits.
func Code4(n uint16) string { return fmt.Sprintf("%04d", n) }

func pnrText(p pnr.PNR) string { return p.String() }

// PersonOf is the JSON shape of p; roads gives the address text.
func PersonOf(p *register.Person, roads *address.Roads) Person {
	v := Person{
		PNR: p.PNR.String(), Status: fmt.Sprintf("%02d", p.Status), StatusFrom: p.StatusFrom,
		Sex: p.Sex.String(), BirthDate: p.BirthDate,
		Name:        Name{p.Name.First, p.Name.Middle, p.Name.Last, p.Name.Addressing, p.Name.From},
		Civil:       Civil{Code: p.Civil.Code.String(), Spouse: pnrText(p.Civil.Spouse), From: p.Civil.From},
		Mother:      pnrText(p.Mother),
		Father:      pnrText(p.Father),
		Citizenship: Code4(p.Citizenship),
		CurrentPNR:  pnrText(p.CurrentPNR), PreviousPNR: pnrText(p.PreviousPNR),
		Seq:         p.Seq,
		Children:    []string{},
		Protections: []Protection{},
	}
	if a := p.Residence.Address; !a.IsZero() {
		v.Address = AddressOf(a, roads)
		v.Address.From = p.Residence.From
		v.Address.KommuneFrom = p.Residence.KommuneFrom
		if p.Residence.PreviousKommune != 0 {
			v.Address.PreviousKommune = Code4(p.Residence.PreviousKommune)
		}
	}
	if f := p.Residence.Foreign; !f.IsZero() {
		v.Foreign = &Foreign{Country: Code4(f.Country), Lines: append([]string{}, f.Lines...), From: p.Residence.From}
	}
	for _, c := range p.Children {
		v.Children = append(v.Children, c.String())
	}
	for _, pp := range p.Protections {
		v.Protections = append(v.Protections, Protection{Type: Code4(uint16(pp.Type)), From: pp.From, To: pp.To})
	}
	return v
}

// AddressOf is the JSON shape of a; roads gives the address text.
func AddressOf(a address.Address, roads *address.Roads) *Address {
	return &Address{
		Kommunekode: Code4(a.Kommunekode), Vejkode: Code4(a.Vejkode), Husnr: a.Husnr,
		Etage: a.Etage, Sidedoer: a.Sidedoer, Text: roads.Text(a),
	}
}

// Entry is one history entry.
type Entry struct {
	Seq        uint64      `json:"seq"`
	Fact       string      `json:"fact"`
	From       date.Date   `json:"from,omitzero"`
	To         date.Date   `json:"to,omitzero"`
	Registered string      `json:"registered"`
	Marker     string      `json:"marker,omitempty"`
	Target     uint64      `json:"corrects_seq,omitempty"`
	Status     string      `json:"status,omitempty"`
	Name       *Name       `json:"name,omitempty"`
	Address    *Address    `json:"address,omitempty"`
	Foreign    *Foreign    `json:"foreign_address,omitempty"`
	Civil      *Civil      `json:"civil_status,omitempty"`
	Protection *Protection `json:"protection,omitempty"`
	On         *bool       `json:"on,omitempty"`
	Citizen    string      `json:"citizenship,omitempty"`
	Child      string      `json:"child_pnr,omitempty"`
}

// EntryOf is the JSON shape of one history entry.
func EntryOf(h register.Entry, roads *address.Roads) Entry {
	v := Entry{Seq: h.Seq, Fact: h.Fact.String(), From: h.From, To: h.To,
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
		v.Name = &Name{h.Name.First, h.Name.Middle, h.Name.Last, h.Name.Addressing, h.From}
	case register.FactAddress:
		if !h.Address.IsZero() {
			v.Address = AddressOf(h.Address, roads)
			v.Address.From = h.From
		}
		if !h.Foreign.IsZero() {
			v.Foreign = &Foreign{Country: Code4(h.Foreign.Country), Lines: append([]string{}, h.Foreign.Lines...), From: h.From}
		}
	case register.FactCivil:
		v.Civil = &Civil{Code: h.Civil.String(), Spouse: pnrText(h.Spouse), From: h.From}
	case register.FactProtection:
		v.Protection = &Protection{Type: Code4(uint16(h.Protection)), From: h.From, To: h.To}
		v.On = &on
	case register.FactCitizenship:
		v.Citizen = Code4(h.Citizenship)
	case register.FactChild:
		v.Child = h.Child.String()
		v.On = &on
	}
	return v
}
