package register

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"cpr/address"
	"cpr/date"
)

// How far ahead an effective date may lie. A move or an emigration may be
// reported up to four weeks before it happens; everything else is
// registered when it has happened.
const (
	aheadMove = 28
	aheadNone = 0
	// marriageAge is the minimum age for marriage and partnership.
	marriageAge = 18
)

// checkEffective checks an effective date: present, not before min, and not
// more than ahead days after today.
func (cs *changeSet) checkEffective(field string, d, min date.Date, ahead int) error {
	if d.IsZero() {
		return invalid(field, "is required")
	}
	if !d.Valid() {
		return invalid(field, "is not a calendar date")
	}
	if d > cs.today.AddDays(ahead) {
		return ErrFuture
	}
	if d < min {
		return ErrTooEarly
	}
	return nil
}

// alive refuses persons who are not in the register as living persons.
func alive(p *Person) error {
	switch p.Status {
	case StatusDead:
		return ErrDead
	case StatusAnnulled, StatusDuplicate, StatusPNRChanged:
		return ErrNotActive
	}
	return nil
}

// resident refuses persons who do not live in Denmark.
func resident(p *Person) error {
	if err := alive(p); err != nil {
		return err
	}
	switch {
	case p.Status == StatusEmigrated:
		return ErrEmigrated
	case !p.Status.Active():
		return ErrNotActive
	}
	return nil
}

// checkAddress validates an address against the kommune table and the road
// register.
func (cs *changeSet) checkAddress(field string, a address.Address) error {
	if a.IsZero() {
		return invalid(field, "is required")
	}
	if err := cs.g.r.roads.Validate(a); err != nil {
		return &InputError{Field: field, Reason: err.Error(), Err: err}
	}
	return nil
}

// checkName validates and completes a name: a last name is required, every
// part is printable text of sensible length, and the addressing name is
// derived when not given ("Last,First Middle", at most 34 characters).
func checkName(field string, n *Name) error {
	parts := []struct {
		name string
		v    *string
	}{{"first", &n.First}, {"middle", &n.Middle}, {"last", &n.Last}, {"addressing", &n.Addressing}}
	for _, p := range parts {
		*p.v = strings.TrimSpace(*p.v)
		if err := checkText(*p.v, maxNameLen); err != "" {
			return invalid(field+"."+p.name, err)
		}
		if !nameText(*p.v, p.name == "addressing") {
			return invalid(field+"."+p.name, "may hold only letters, digits, spaces, hyphens, apostrophes and full stops")
		}
	}
	if n.Last == "" {
		return invalid(field+".last", "is required")
	}
	if n.Addressing == "" {
		n.Addressing = AddressingName(*n)
	}
	if utf8.RuneCountInString(n.Addressing) > 34 {
		return invalid(field+".addressing", "is longer than 34 characters")
	}
	return nil
}

// checkText returns why s is not acceptable text, or "".
func checkText(s string, max int) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	if utf8.RuneCountInString(s) > max {
		return fmt.Sprintf("is longer than %d characters", max)
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError || !latin1(r) {
			return "contains a character the register cannot hold (ISO-8859-1 letters only)"
		}
	}
	return ""
}

// nameText reports whether s holds only what a name may: letters, digits,
// space, hyphen, apostrophe, acute accent and full stop (and the comma of
// an addressing name); no quotes, brackets or operators.
func nameText(s string, addressing bool) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(" -'´.", r) && (!addressing || r != ',') {
			return false
		}
	}
	return true
}

// latin1 reports whether r can be written to a P12170 file.
func latin1(r rune) bool { return r < 0x100 }

// AddressingName is the CPR addressing name: "Last,First Middle",
// shortened to 34 characters by initials when needed.
func AddressingName(n Name) string {
	given := strings.TrimSpace(n.First + " " + n.Middle)
	s := n.Last + "," + given
	if utf8.RuneCountInString(s) <= 34 {
		return s
	}
	var b strings.Builder
	for _, w := range strings.Fields(given) {
		r, _ := utf8.DecodeRuneInString(w)
		b.WriteRune(r)
		b.WriteString(". ")
	}
	s = n.Last + "," + strings.TrimSpace(b.String())
	if r := []rune(s); len(r) > 34 {
		s = string(r[:34])
	}
	return s
}

// checkDate refuses a date given that is not a calendar date.
func checkDate(field string, d date.Date) error {
	if d != 0 && !d.Valid() {
		return invalid(field, "is not a calendar date")
	}
	return nil
}

func checkForeign(f Foreign) error {
	if f.Country == 0 || f.Country > maxCitizenship {
		return invalid("foreign.country", "must be a CPR country code 1-9999")
	}
	if len(f.Lines) > maxForeignLines {
		return invalid("foreign.lines", "at most 5 lines")
	}
	for i := range f.Lines {
		f.Lines[i] = strings.TrimSpace(f.Lines[i])
		if err := checkText(f.Lines[i], maxForeignLineLen); err != "" {
			return invalid("foreign.lines", err)
		}
	}
	return nil
}
