package register

import (
	"cpr/address"
	"cpr/date"
	"cpr/pnr"
)

// Status is the CPR person status code.
type Status uint8

// The status codes of the CPR. The numbers are the CPR's own; never renumber.
const (
	StatusActive         Status = 1  // 01 active, resident in Denmark
	StatusActiveSpecial  Status = 3  // 03 active with a special vejkode (9900-9999)
	StatusAdministrative Status = 20 // 20 administrative number, never resident
	StatusAnnulled       Status = 30 // 30 annulled
	StatusDuplicate      Status = 50 // 50 deleted duplicate
	StatusPNRChanged     Status = 60 // 60 the number was replaced by another
	StatusDisappeared    Status = 70 // 70 disappeared
	StatusEmigrated      Status = 80 // 80 emigrated
	StatusDead           Status = 90 // 90 dead
)

// Valid reports whether s is one of the CPR status codes.
func (s Status) Valid() bool {
	switch s {
	case StatusActive, StatusActiveSpecial, StatusAdministrative, StatusAnnulled,
		StatusDuplicate, StatusPNRChanged, StatusDisappeared, StatusEmigrated, StatusDead:
		return true
	}
	return false
}

// Active reports whether the person lives in Denmark (status 01 or 03).
func (s Status) Active() bool { return s == StatusActive || s == StatusActiveSpecial }

// Civil is the CPR civil status code, a letter.
type Civil byte

// The civil status codes of the CPR.
const (
	CivilUnmarried        Civil  = 'U' // ugift
	CivilMarried          Civil  = 'G' // gift
	CivilDivorced         Civil  = 'F' // fraskilt
	CivilWidowed          Civil  = 'E' // enke/enkemand
	CivilPartnership      Civil  = 'P' // registreret partnerskab
	CivilPartnershipEnded Civil  = 'O' // ophævet partnerskab
	CivilSurvivingPartner Civil  = 'L' // længstlevende partner
	CivilDeceased         Civil  = 'D' // død
	civilUnknown          Civil  = 0
	maxNameLen                   = 100
	maxForeignLines              = 5
	maxForeignLineLen            = 34
	maxChildren                  = 200
	maxCitizenship               = 9999
	defaultCitizenship    uint16 = 5100 // Danmark in the CPR country table
)

// Valid reports whether c is one of the CPR civil status codes.
func (c Civil) Valid() bool {
	switch c {
	case CivilUnmarried, CivilMarried, CivilDivorced, CivilWidowed, CivilPartnership,
		CivilPartnershipEnded, CivilSurvivingPartner, CivilDeceased:
		return true
	}
	return false
}

// Free reports whether a person with civil status c may marry.
func (c Civil) Free() bool {
	switch c {
	case CivilUnmarried, CivilDivorced, CivilWidowed, CivilPartnershipEnded, CivilSurvivingPartner:
		return true
	}
	return false
}

// String is the one-letter code.
func (c Civil) String() string {
	if c == 0 {
		return ""
	}
	return string(rune(c))
}

// Protection is a CPR protection type (beskyttelse).
type Protection uint16

// The protection types; the numbers are the CPR's own.
const (
	ProtectNameAddress    Protection = 1 // 0001 name and address protection
	ProtectLocalDirectory Protection = 2 // 0002 protection against local directories
	ProtectMarketing      Protection = 3 // 0003 protection against marketing
)

// Valid reports whether p is a known protection type.
func (p Protection) Valid() bool { return p >= ProtectNameAddress && p <= ProtectMarketing }

// Name is a person's names. Addressing is the name used on letters
// (adresseringsnavn, at most 34 characters: "Hansen,Jens Peter").
type Name struct {
	First, Middle, Last, Addressing string
	From                            date.Date
}

// Residence is where a person lives: a Danish address or, after emigration,
// a foreign one.
type Residence struct {
	Address         address.Address // zero when abroad
	From            date.Date       // move-in date (tilflytningsdato)
	KommuneFrom     date.Date       // arrival in the current kommune
	PreviousKommune uint16          // the kommune moved from (0 if none)
	Foreign         Foreign         // set when emigrated
}

// Foreign is a foreign address: a CPR country code and up to five lines.
type Foreign struct {
	Country uint16
	Lines   []string
}

// IsZero reports whether f holds nothing.
func (f Foreign) IsZero() bool { return f.Country == 0 && len(f.Lines) == 0 }

// CivilState is a civil status with the spouse or partner it concerns.
type CivilState struct {
	Code   Civil
	Spouse pnr.PNR
	From   date.Date
}

// ProtectionPeriod is one protection in force (or planned).
type ProtectionPeriod struct {
	Type     Protection
	From, To date.Date // To zero: open-ended
}

// Person is one record in the register: the facts in force for one pnr.
type Person struct {
	PNR         pnr.PNR
	CurrentPNR  pnr.PNR // the number that replaced this one (status 60)
	PreviousPNR pnr.PNR // the number this one replaced
	Status      Status
	StatusFrom  date.Date
	Sex         pnr.Sex
	BirthDate   date.Date
	Name        Name
	Residence   Residence
	Civil       CivilState
	Mother      pnr.PNR
	Father      pnr.PNR
	Children    []pnr.PNR
	Citizenship uint16 // CPR country code; 5100 is Denmark
	CitizenFrom date.Date
	Protections []ProtectionPeriod
	// Seq is the journal sequence of the last change that touched the
	// person (0 for a person that came with the bulk load).
	Seq uint64
	// open is the day the stay the address index holds open began (the
	// person lives at Residence.Address since then), or 0: not resident,
	// or not known (records of person version 1). Storage metadata, not
	// a CPR fact: only the stored record carries it (see incremental.go).
	open date.Date
}

// Kommune returns the kommune the person lives in, or 0.
func (p *Person) Kommune() uint16 { return p.Residence.Address.Kommunekode }

// Protected reports whether protection t is in force on day d.
func (p *Person) Protected(t Protection, d date.Date) bool {
	for _, pp := range p.Protections {
		if pp.Type == t && pp.From <= d && (pp.To == 0 || d < pp.To) {
			return true
		}
	}
	return false
}

// Clone returns a deep copy of p (the slices are not shared).
func (p *Person) Clone() *Person {
	c := *p
	c.Children = append([]pnr.PNR(nil), p.Children...)
	c.Protections = append([]ProtectionPeriod(nil), p.Protections...)
	c.Residence.Foreign.Lines = append([]string(nil), p.Residence.Foreign.Lines...)
	return &c
}

func statusForAddress(a address.Address) Status {
	if a.IsSpecial() {
		return StatusActiveSpecial
	}
	return StatusActive
}
