package address

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Widths, in characters, of the address fields of CPR P12170 records 002
// (current address) and 003 (clear-written address).
const (
	WidthKomkod      = 4
	WidthVejkod      = 4
	WidthHusnr       = 4
	WidthEtage       = 2
	WidthSidedoer    = 4
	WidthStandardAdr = 34
	WidthBynvn       = 34
	WidthPostnr      = 4
	WidthPostDistTxt = 20
	WidthVejAdrNvn   = 20
)

// PadAlpha formats s as a fixed-width Alpha field: left-aligned, padded with
// spaces or cut to exactly width characters (runes; a rune is never split).
// A width of 0 or less gives "".
func PadAlpha(s string, width int) string {
	if width <= 0 {
		return ""
	}
	s = truncateRunes(s, width)
	if n := utf8.RuneCountInString(s); n < width {
		s += strings.Repeat(" ", width-n)
	}
	return s
}

// PadNumeric formats n as a fixed-width Numeric field: right-aligned and
// zero-padded to width digits. The caller guarantees that 0 <= n and that n
// has at most width digits; otherwise PadNumeric panics.
func PadNumeric(n int, width int) string {
	if n < 0 {
		panic("address: PadNumeric of a negative number")
	}
	s := strconv.Itoa(n)
	if len(s) > width {
		panic("address: PadNumeric: number wider than its field")
	}
	return strings.Repeat("0", width-len(s)) + s
}

// Fixed holds an address's fields for CPR records 002 and 003, each already
// padded to its layout width in characters (the files are ISO-8859-1, so one
// character is one byte there).
type Fixed struct {
	Komkod      string // KOMKOD, Numeric 4: "0157"
	Vejkod      string // VEJKOD, Numeric 4: "0234"
	Husnr       string // HUSNR, Alpha 4: "123A"
	Etage       string // ETAGE, Alpha 2: "st", "1 "
	Sidedoer    string // SIDEDOER, Alpha 4: "tv  "
	StandardAdr string // STANDARDADR, Alpha 34: "Strandvejen 123A, st. tv" (with the addressing name)
	Bynvn       string // BYNVN, Alpha 34: the post district's By
	Postnr      string // POSTNR, Numeric 4: "2900"
	PostDistTxt string // POSTDISTTXT, Alpha 20: "Hellerup"
	VejAdrNvn   string // VEJADRNVN, Alpha 20: the road's addressing name
}

// Fixed returns a's record fields. STANDARDADR is written like StreetLine but
// with the road's addressing name (VEJADRNVN), as CPR does, so that it fits.
// When the register has no such road, the road-derived fields are blank and
// Postnr is "0000". Codes above 9999 (never in a valid Address) are written
// as "9999".
func (rs *Roads) Fixed(a Address) Fixed {
	f := Fixed{
		Komkod:   PadNumeric(int(min(a.Kommunekode, 9999)), WidthKomkod),
		Vejkod:   PadNumeric(int(min(a.Vejkode, 9999)), WidthVejkod),
		Husnr:    PadAlpha(a.Husnr, WidthHusnr),
		Etage:    PadAlpha(a.Etage, WidthEtage),
		Sidedoer: PadAlpha(a.Sidedoer, WidthSidedoer),
	}
	r, ok := rs.Lookup(a.Kommunekode, a.Vejkode) // the zero Road if !ok
	var std string
	if ok {
		std = streetLine(r.AddressingName, a)
	}
	f.StandardAdr = PadAlpha(std, WidthStandardAdr)
	f.Bynvn = PadAlpha(r.By, WidthBynvn)
	f.Postnr = PadNumeric(int(r.Postnr), WidthPostnr)
	f.PostDistTxt = PadAlpha(r.By, WidthPostDistTxt)
	f.VejAdrNvn = PadAlpha(r.AddressingName, WidthVejAdrNvn)
	return f
}

// ParseFixed reads the address fields of a record 002 (KOMKOD, VEJKOD,
// HUSNR, ETAGE, SIDEDOER) back into an Address: it trims the spaces of the
// fixed-width fields and calls Parse, whose *FieldError it returns.
func ParseFixed(komkod, vejkod, husnr, etage, sidedoer string) (Address, error) {
	return Parse(strings.Trim(komkod, " "), strings.Trim(vejkod, " "), husnr, etage, sidedoer)
}
