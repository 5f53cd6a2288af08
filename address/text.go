package address

import "strings"

// StreetLine returns the first line of a's standard address as CPR writes it:
// road name, house number, then floor and door after a comma.
//
//	Strandvejen 123A, st. tv
//	Vesterbrogade 3, 2. th
//	Nørregade 7, 1.
//	Nørregade 7
//
// "st" and "kl" and floor numbers get a dot ("st.", "kl.", "2."); the door is
// written as is. For a special vejkode (9900-9999) it is the road name alone.
// It returns "" when the register has no such road.
func (rs *Roads) StreetLine(a Address) string {
	r, ok := rs.Lookup(a.Kommunekode, a.Vejkode)
	if !ok {
		return ""
	}
	return streetLine(r.Name, a)
}

// Text returns a's full standard address on one line: StreetLine, then
// postnr and post district: "Strandvejen 123A, st. tv, 2900 Hellerup". It
// returns "" when the register has no such road.
func (rs *Roads) Text(a Address) string {
	r, ok := rs.Lookup(a.Kommunekode, a.Vejkode)
	if !ok {
		return ""
	}
	return streetLine(r.Name, a) + ", " + pad4(r.Postnr) + " " + r.By
}

// streetLine formats a under the road name name.
func streetLine(name string, a Address) string {
	if a.IsSpecial() {
		return name
	}
	var b strings.Builder
	b.WriteString(name)
	if a.Husnr != "" {
		b.WriteByte(' ')
		b.WriteString(a.Husnr)
	}
	if a.Etage == "" && a.Sidedoer == "" {
		return b.String()
	}
	b.WriteString(", ")
	if a.Etage != "" {
		b.WriteString(a.Etage)
		b.WriteByte('.')
		if a.Sidedoer != "" {
			b.WriteByte(' ')
		}
	}
	b.WriteString(a.Sidedoer)
	return b.String()
}
