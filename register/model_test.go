package register

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
)

// The randomized model test. A long random sequence of changes goes to a
// real register and to a plain in-memory model written from the rules in the
// change_*.go doc comments: per person a list of history entries, folded by
// valid date and registration order. After every step the register's
// answer (accepted or which named error) and the persons it touched are
// compared with the model; at the end every person, the journal, AsOf
// (valid and known time), the address index, the birth date index and the
// history views are compared.
//
// A mismatch is reported once per class (with the seed, the step and the
// change) and the run goes on, the model following the register's verdict,
// so that one bug does not hide the others.

var (
	modelSteps = flag.Int("model.steps", 3000, "number of random changes in TestModel (TestModelConcurrent runs the same number)")
	modelSeed  = flag.Uint64("model.seed", 20260302, "seed of the model tests' random changes")
)

// mEntry is the model's history entry: one fact from a valid date, written
// by the change with sequence number seq.
type mEntry struct {
	seq      uint64
	ord      int
	fact     Fact
	from, to date.Date
	marker   Marker // MarkCorrects, MarkAnnuls: replaces, withdraws the entry of fact written by target
	target   uint64

	status  Status
	name    Name
	addr    address.Address
	foreign Foreign
	civil   Civil
	spouse  pnr.PNR
	prot    Protection
	on      bool
	citizen uint16
	child   pnr.PNR
}

// mPerson is the model's person: facts without history and the entries.
type mPerson struct {
	pnr            pnr.PNR
	sex            pnr.Sex
	birth          date.Date
	mother, father pnr.PNR
	entries        []mEntry
	touched        []uint64 // sequence numbers of the changes that wrote entries
	latest         *Person  // cache of the fold at the latest date
}

// mEvent is what the journal must hold for one accepted change.
type mEvent struct {
	seq        uint64
	kind       Kind
	pnr        pnr.PNR
	related    []pnr.PNR
	effective  date.Date
	kFrom, kTo uint16
	change     Change
}

type model struct {
	roads   *address.Roads
	persons map[pnr.PNR]*mPerson
	order   []pnr.PNR // creation order, for reproducible random picks
	seq     uint64
	events  []mEvent // events[i] has seq i+1
}

func newModel(roads *address.Roads) *model {
	return &model{roads: roads, persons: map[pnr.PNR]*mPerson{}}
}

func (m *model) taken(p pnr.PNR) bool { _, ok := m.persons[p]; return ok }

// effective: entries written up to cutoff, without annulments, without
// entries a correction or annulment replaced; by valid date, then
// registration order.
func (mp *mPerson) effective(cutoff uint64) []mEntry {
	type id struct {
		fact Fact
		seq  uint64
	}
	gone := map[id]bool{}
	for _, e := range mp.entries {
		if e.seq <= cutoff && e.marker != MarkNone {
			gone[id{e.fact, e.target}] = true
		}
	}
	var out []mEntry
	for _, e := range mp.entries {
		if e.seq > cutoff || e.marker == MarkAnnuls || gone[id{e.fact, e.seq}] {
			continue
		}
		out = append(out, e)
	}
	slices.SortStableFunc(out, func(a, b mEntry) int {
		return cmp.Or(cmp.Compare(a.from, b.from), cmp.Compare(a.seq, b.seq), cmp.Compare(a.ord, b.ord))
	})
	return out
}

// fold is the person in force on day at, as known after change cutoff. It
// reports false if the person had no status yet on that day.
func (mp *mPerson) fold(at date.Date, cutoff uint64) (*Person, bool) {
	p := &Person{PNR: mp.pnr, Sex: mp.sex, BirthDate: mp.birth, Mother: mp.mother, Father: mp.father}
	prot := map[Protection]mEntry{}
	for _, e := range mp.effective(cutoff) {
		if e.from > at {
			break
		}
		switch e.fact {
		case FactStatus:
			p.Status, p.StatusFrom = e.status, e.from
		case FactName:
			p.Name = e.name
			p.Name.From = e.from
		case FactAddress:
			// The kommune arrival date and the kommune moved from carry
			// over while the person stays in the kommune (or abroad).
			cur := p.Residence
			next := Residence{Address: e.addr, From: e.from, Foreign: e.foreign}
			switch {
			case cur.From == 0:
				next.KommuneFrom = e.from
			case cur.Address.Kommunekode == e.addr.Kommunekode:
				next.KommuneFrom, next.PreviousKommune = cur.KommuneFrom, cur.PreviousKommune
			default:
				next.KommuneFrom, next.PreviousKommune = e.from, cur.Address.Kommunekode
			}
			if e.addr.IsZero() {
				next.KommuneFrom = 0
			}
			p.Residence = next
		case FactCivil:
			p.Civil = CivilState{Code: e.civil, Spouse: e.spouse, From: e.from}
		case FactCitizenship:
			p.Citizenship, p.CitizenFrom = e.citizen, e.from
		case FactProtection:
			prot[e.prot] = e
		case FactChild:
			p.Children = slices.DeleteFunc(p.Children, func(c pnr.PNR) bool { return c == e.child })
			if e.on {
				p.Children = append(p.Children, e.child)
			}
		}
	}
	if p.Status == 0 {
		return nil, false
	}
	for t := ProtectNameAddress; t <= ProtectMarketing; t++ {
		if e, ok := prot[t]; ok && e.on && (e.to == 0 || at < e.to) {
			p.Protections = append(p.Protections, ProtectionPeriod{Type: t, From: e.from, To: e.to})
		}
	}
	// Person.Seq: "the journal sequence of the last change that touched the person".
	for _, s := range mp.touched {
		if s <= cutoff {
			p.Seq = max(p.Seq, s)
		}
	}
	return p, true
}

// stored is the person record: the fold at the person's latest valid date.
func (mp *mPerson) stored(cutoff uint64) *Person {
	var last date.Date
	for _, e := range mp.effective(cutoff) {
		last = max(last, e.from)
	}
	p, _ := mp.fold(last, cutoff)
	return p
}

// latest is the stored record now; the rules read it. Callers must not
// modify it.
func (m *model) latest(p pnr.PNR) *Person {
	mp := m.persons[p]
	if mp == nil {
		return nil
	}
	if mp.latest == nil {
		mp.latest = mp.stored(m.seq)
	}
	return mp.latest
}

// today is the person as Get must return it.
func (m *model) today(p pnr.PNR, today date.Date) (*Person, bool) {
	return m.persons[p].fold(today, m.seq)
}

// violation is a rule that refuses a change: a named error and, for
// ErrInvalid, the InputError field.
type violation struct {
	err   error
	field string
}

type violations []violation

func (vs *violations) add(err error)        { *vs = append(*vs, violation{err: err}) }
func (vs *violations) invalid(field string) { *vs = append(*vs, violation{ErrInvalid, field}) }
func (vs violations) empty() bool           { return len(vs) == 0 }

func (vs *violations) addIf(err error) {
	if err != nil {
		vs.add(err)
	}
}

func (vs *violations) invalidAll(fields []string) {
	for _, f := range fields {
		vs.invalid(f)
	}
}

func (v violation) String() string { return strings.TrimSuffix(errText(v.err)+" ("+v.field+")", " ()") }

func errText(err error) string { return strings.TrimPrefix(fmt.Sprint(err), "register: ") }

// match reports whether err is one of the violations. Several rules may be
// broken at once; the register may name any of them.
func (vs violations) match(err error) bool {
	var ie *InputError
	input := errors.As(err, &ie)
	for _, v := range vs {
		if v.err == ErrInvalid {
			if input && ie.Field == v.field {
				return true
			}
		} else if !input && errors.Is(err, v.err) {
			return true
		}
	}
	return false
}

// The rules, from the doc comments of the changes and of rules.go.

func modelAlive(p *Person) error {
	switch p.Status {
	case StatusDead:
		return ErrDead
	case StatusAnnulled, StatusDuplicate, StatusPNRChanged:
		return ErrNotActive
	}
	return nil
}

func modelResident(p *Person) error {
	switch err := modelAlive(p); {
	case err != nil:
		return err
	case p.Status == StatusEmigrated:
		return ErrEmigrated
	case !p.Status.Active():
		return ErrNotActive
	}
	return nil
}

// modelEffective: present, not before min, at most ahead days after today.
func modelEffective(vs *violations, d, min date.Date, ahead int, today date.Date) {
	if d == 0 {
		vs.invalid("effective")
		return
	}
	if d > today.AddDays(ahead) {
		vs.add(ErrFuture)
	}
	if d < min {
		vs.add(ErrTooEarly)
	}
}

// modelText reports whether s is acceptable register text: valid UTF-8, at
// most max characters, ISO-8859-1 and no control characters.
func modelText(s string, max int) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return false
	}
	for _, r := range s {
		if r >= 0x100 || unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// modelName completes n like the register and returns the bad fields.
func modelName(prefix string, n *Name) []string {
	var bad []string
	for _, part := range []struct {
		field string
		v     *string
	}{{"first", &n.First}, {"middle", &n.Middle}, {"last", &n.Last}, {"addressing", &n.Addressing}} {
		*part.v = strings.TrimSpace(*part.v)
		if !modelText(*part.v, 100) {
			bad = append(bad, prefix+"."+part.field)
		}
	}
	if n.Last == "" {
		bad = append(bad, prefix+".last")
	}
	if n.Addressing == "" {
		// "Last,First Middle"; given names shortened to initials when
		// longer than 34 characters, then cut at 34.
		given := strings.TrimSpace(n.First + " " + n.Middle)
		n.Addressing = n.Last + "," + given
		if utf8.RuneCountInString(n.Addressing) > 34 {
			var initials []string
			for _, w := range strings.Fields(given) {
				r, _ := utf8.DecodeRuneInString(w)
				initials = append(initials, string(r)+".")
			}
			s := []rune(n.Last + "," + strings.Join(initials, " "))
			n.Addressing = string(s[:min(len(s), 34)])
		}
	}
	if utf8.RuneCountInString(n.Addressing) > 34 {
		bad = append(bad, prefix+".addressing")
	}
	return bad
}

func (m *model) checkAddress(vs *violations, a address.Address) {
	if a.IsZero() || m.roads.Validate(a) != nil {
		vs.invalid("address")
	}
}

func modelForeign(vs *violations, f Foreign) Foreign {
	if f.Country == 0 || f.Country > 9999 {
		vs.invalid("foreign.country")
	}
	if len(f.Lines) > 5 {
		vs.invalid("foreign.lines")
	}
	out := Foreign{Country: f.Country}
	for _, l := range f.Lines {
		l = strings.TrimSpace(l)
		if !modelText(l, 34) {
			vs.invalid("foreign.lines")
		}
		out.Lines = append(out.Lines, l)
	}
	return out
}

func statusAt(a address.Address) Status {
	if a.Vejkode >= 9900 {
		return StatusActiveSpecial
	}
	return StatusActive
}

// plan is what an accepted change does to the model.
type plan struct {
	kind     Kind
	subject  pnr.PNR
	created  *mPerson
	adds     []planAdd
	related  []pnr.PNR
	eff      date.Date
	kFrom    uint16
	kTo      uint16
	kToAfter bool // KommuneTo is the subject's kommune after the change
}

type planAdd struct {
	p pnr.PNR
	e mEntry
}

func (pl *plan) add(p pnr.PNR, e mEntry) {
	if e.marker == 0 {
		e.marker = MarkNone
	}
	pl.adds = append(pl.adds, planAdd{p, e})
}

func (m *model) allocate(vs *violations, birth date.Date, sex pnr.Sex) pnr.PNR {
	no, err := pnr.Allocate(birth.Time(), sex, m.taken)
	switch {
	case errors.Is(err, pnr.ErrExhausted):
		vs.add(ErrPNRExhausted)
	case err != nil:
		vs.invalid("birth_date")
	}
	return no
}

func (m *model) newPerson(pl *plan, mp *mPerson, from date.Date, n Name, a address.Address, civil Civil, citizen uint16) {
	pl.created = mp
	pl.add(mp.pnr, mEntry{fact: FactStatus, from: from, status: statusAt(a)})
	pl.add(mp.pnr, mEntry{fact: FactName, from: from, name: n})
	pl.add(mp.pnr, mEntry{fact: FactAddress, from: from, addr: a})
	pl.add(mp.pnr, mEntry{fact: FactCivil, from: from, civil: civil})
	pl.add(mp.pnr, mEntry{fact: FactCitizenship, from: from, citizen: citizen})
}

// plan returns what c does and the rules it breaks. The plan is nil when
// the model cannot say what the change would do (unknown persons).
func (m *model) plan(c Change, today date.Date) (*plan, violations) {
	var vs violations
	pl := &plan{kind: c.Kind()}
	switch c := c.(type) {
	case Birth:
		if c.Sex != pnr.Female && c.Sex != pnr.Male {
			vs.invalid("sex")
		}
		mother := m.latest(c.Mother)
		if mother == nil {
			vs.invalid("mother")
			return nil, vs
		}
		// The mother is at least 3650 days old; a dead mother only for a
		// child born on or before her death.
		modelEffective(&vs, c.BirthDate, mother.BirthDate.AddDays(3650), 0, today)
		if mother.Status == StatusDead && mother.StatusFrom < c.BirthDate {
			vs.add(ErrDead)
		}
		if err := modelAlive(mother); err != nil && mother.Status != StatusDead {
			vs.add(err)
		}
		if !c.Father.IsZero() && (c.Father == c.Mother || m.latest(c.Father) == nil) {
			vs.invalid("father")
		}
		n := c.Name
		if n.Last == "" {
			n.Last = mother.Name.Last
		}
		vs.invalidAll(modelName("name", &n))
		a := c.Address
		if a.IsZero() {
			at := mother
			if mother.Residence.From > today || mother.StatusFrom > today {
				// A move registered ahead: where she lives today.
				if now, ok := m.today(c.Mother, today); ok {
					at = now
				}
			}
			if !at.Status.Active() || at.Residence.Address.IsZero() {
				vs.invalid("address")
			}
			a = at.Residence.Address
		} else {
			m.checkAddress(&vs, a)
		}
		citizen := cmp.Or(c.Citizenship, mother.Citizenship)
		if citizen == 0 || citizen > 9999 {
			vs.invalid("citizenship")
		}
		no := m.allocate(&vs, c.BirthDate, c.Sex)
		child := &mPerson{pnr: no, sex: c.Sex, birth: c.BirthDate, mother: c.Mother, father: c.Father}
		m.newPerson(pl, child, c.BirthDate, n, a, CivilUnmarried, citizen)
		pl.add(c.Mother, mEntry{fact: FactChild, from: c.BirthDate, child: no, on: true})
		pl.related = []pnr.PNR{c.Mother}
		if !c.Father.IsZero() && c.Father != c.Mother && m.latest(c.Father) != nil {
			pl.add(c.Father, mEntry{fact: FactChild, from: c.BirthDate, child: no, on: true})
			pl.related = append(pl.related, c.Father)
		}
		pl.subject, pl.eff, pl.kTo = no, c.BirthDate, a.Kommunekode

	case Immigration:
		m.checkAddress(&vs, c.Address)
		if !c.PNR.IsZero() {
			p := m.latest(c.PNR)
			if p == nil {
				vs.add(ErrNotFound)
				return nil, vs
			}
			vs.addIf(modelAlive(p))
			if p.Status != StatusEmigrated && p.Status != StatusDisappeared {
				vs.add(ErrNotEmigrated)
			}
			modelEffective(&vs, c.Effective, max(p.StatusFrom, p.Residence.From), 0, today)
			pl.add(p.PNR, mEntry{fact: FactStatus, from: c.Effective, status: statusAt(c.Address)})
			pl.add(p.PNR, mEntry{fact: FactAddress, from: c.Effective, addr: c.Address})
			pl.subject, pl.eff, pl.kTo = p.PNR, c.Effective, c.Address.Kommunekode
			break
		}
		if c.Sex != pnr.Female && c.Sex != pnr.Male {
			vs.invalid("sex")
		}
		if c.BirthDate.IsZero() {
			vs.invalid("birth_date")
		}
		n := c.Name
		vs.invalidAll(modelName("name", &n))
		civil := cmp.Or(c.Civil, CivilUnmarried)
		switch civil {
		case CivilUnmarried, CivilDivorced, CivilWidowed, CivilPartnershipEnded, CivilSurvivingPartner:
		default:
			vs.invalid("civil")
		}
		if c.Citizenship == 0 || c.Citizenship > 9999 {
			vs.invalid("citizenship")
		}
		modelEffective(&vs, c.Effective, c.BirthDate, 0, today)
		no := m.allocate(&vs, c.BirthDate, c.Sex)
		m.newPerson(pl, &mPerson{pnr: no, sex: c.Sex, birth: c.BirthDate}, c.Effective, n, c.Address, civil, c.Citizenship)
		pl.subject, pl.eff, pl.kTo = no, c.Effective, c.Address.Kommunekode

	case Move:
		m.checkAddress(&vs, c.Address)
		p := m.latest(c.PNR)
		if p == nil {
			return nil, append(vs, violation{err: ErrNotFound})
		}
		vs.addIf(modelResident(p))
		if p.Residence.Address == c.Address {
			vs.add(ErrSameAddress)
		}
		modelEffective(&vs, c.Effective, max(p.Residence.From, p.StatusFrom), 28, today)
		pl.add(p.PNR, mEntry{fact: FactAddress, from: c.Effective, addr: c.Address})
		if st := statusAt(c.Address); st != p.Status {
			pl.add(p.PNR, mEntry{fact: FactStatus, from: c.Effective, status: st})
		}
		pl.subject, pl.eff, pl.kFrom, pl.kTo = p.PNR, c.Effective, p.Kommune(), c.Address.Kommunekode

	case NameChange:
		n := c.Name
		vs.invalidAll(modelName("name", &n))
		p := m.latest(c.PNR)
		if p == nil {
			return nil, append(vs, violation{err: ErrNotFound})
		}
		vs.addIf(modelAlive(p))
		modelEffective(&vs, c.Effective, max(p.Name.From, p.BirthDate), 0, today)
		pl.add(p.PNR, mEntry{fact: FactName, from: c.Effective, name: n})
		pl.subject, pl.eff, pl.kFrom, pl.kTo = p.PNR, c.Effective, p.Kommune(), p.Kommune()

	case Marriage:
		if c.PNR == c.Spouse {
			vs.add(ErrSamePerson)
			return nil, vs
		}
		a, b := m.latest(c.PNR), m.latest(c.Spouse)
		if a == nil {
			vs.add(ErrNotFound)
		}
		if b == nil {
			vs.invalid("spouse")
		}
		if a == nil || b == nil {
			return nil, vs
		}
		for _, p := range []*Person{a, b} {
			vs.addIf(modelAlive(p))
			if !p.Civil.Code.Free() {
				vs.add(ErrNotFree)
			}
		}
		modelEffective(&vs, c.Effective, max(a.Civil.From, b.Civil.From, a.StatusFrom, b.StatusFrom), 0, today)
		if a.BirthDate.YearsOn(c.Effective) < 18 || b.BirthDate.YearsOn(c.Effective) < 18 {
			vs.add(ErrUnderage)
		}
		code := CivilMarried
		if c.Partnership {
			code = CivilPartnership
		}
		pl.add(a.PNR, mEntry{fact: FactCivil, from: c.Effective, civil: code, spouse: b.PNR})
		pl.add(b.PNR, mEntry{fact: FactCivil, from: c.Effective, civil: code, spouse: a.PNR})
		pl.subject, pl.eff, pl.related, pl.kFrom, pl.kTo = a.PNR, c.Effective, []pnr.PNR{b.PNR}, a.Kommune(), a.Kommune()

	case Divorce:
		a := m.latest(c.PNR)
		if a == nil {
			return nil, append(vs, violation{err: ErrNotFound})
		}
		vs.addIf(modelAlive(a))
		if a.Civil.Code != CivilMarried && a.Civil.Code != CivilPartnership {
			vs.add(ErrNotMarried)
		}
		modelEffective(&vs, c.Effective, a.Civil.From, 0, today)
		ended := CivilDivorced
		if a.Civil.Code == CivilPartnership {
			ended = CivilPartnershipEnded
		}
		pl.add(a.PNR, mEntry{fact: FactCivil, from: c.Effective, civil: ended, spouse: a.Civil.Spouse})
		// Both records change: the spouse's (when it names a) too.
		if b := m.latest(a.Civil.Spouse); b != nil && b.Civil.Spouse == a.PNR && b.Civil.Code == a.Civil.Code {
			pl.add(b.PNR, mEntry{fact: FactCivil, from: max(c.Effective, b.Civil.From), civil: ended, spouse: a.PNR})
			pl.related = []pnr.PNR{b.PNR}
		}
		pl.subject, pl.eff, pl.kFrom, pl.kTo = a.PNR, c.Effective, a.Kommune(), a.Kommune()

	case Death:
		p := m.latest(c.PNR)
		if p == nil {
			return nil, append(vs, violation{err: ErrNotFound})
		}
		vs.addIf(modelAlive(p))
		// Not before the last move, one registered ahead included.
		modelEffective(&vs, c.Effective, max(p.BirthDate, p.StatusFrom, p.Civil.From, p.Residence.From), 0, today)
		pl.add(p.PNR, mEntry{fact: FactStatus, from: c.Effective, status: StatusDead})
		pl.add(p.PNR, mEntry{fact: FactCivil, from: c.Effective, civil: CivilDeceased})
		// A surviving spouse becomes widowed (E), a surviving partner L.
		if code := p.Civil.Code; code == CivilMarried || code == CivilPartnership {
			if s := m.latest(p.Civil.Spouse); s != nil && s.Civil.Spouse == p.PNR &&
				(s.Civil.Code == CivilMarried || s.Civil.Code == CivilPartnership) {
				left := CivilWidowed
				if s.Civil.Code == CivilPartnership {
					left = CivilSurvivingPartner
				}
				pl.add(s.PNR, mEntry{fact: FactCivil, from: max(c.Effective, s.Civil.From), civil: left, spouse: p.PNR})
				pl.related = []pnr.PNR{s.PNR}
			}
		}
		pl.subject, pl.eff, pl.kFrom = p.PNR, c.Effective, p.Kommune()

	case Emigration:
		f := modelForeign(&vs, c.Foreign)
		p := m.latest(c.PNR)
		if p == nil {
			return nil, append(vs, violation{err: ErrNotFound})
		}
		vs.addIf(modelResident(p))
		modelEffective(&vs, c.Effective, max(p.Residence.From, p.StatusFrom), 28, today)
		pl.add(p.PNR, mEntry{fact: FactStatus, from: c.Effective, status: StatusEmigrated})
		pl.add(p.PNR, mEntry{fact: FactAddress, from: c.Effective, foreign: f})
		pl.subject, pl.eff, pl.kFrom = p.PNR, c.Effective, p.Kommune()

	case ProtectionChange:
		if !c.Type.Valid() {
			vs.invalid("type")
		}
		if !c.On && !c.End.IsZero() {
			vs.invalid("end")
		}
		if c.On && !c.End.IsZero() && c.End <= c.Effective {
			vs.invalid("end")
		}
		p := m.latest(c.PNR)
		if p == nil {
			return nil, append(vs, violation{err: ErrNotFound})
		}
		vs.addIf(modelAlive(p))
		min := p.BirthDate
		cur := false
		for _, pp := range p.Protections {
			if pp.Type == c.Type {
				cur, min = true, max(min, pp.From)
			}
		}
		if !c.On && !cur {
			vs.add(ErrNotProtected)
		}
		modelEffective(&vs, c.Effective, min, 0, today)
		pl.add(p.PNR, mEntry{fact: FactProtection, from: c.Effective, to: c.End, prot: c.Type, on: c.On})
		pl.subject, pl.eff, pl.kFrom, pl.kTo = p.PNR, c.Effective, p.Kommune(), p.Kommune()

	case Correction:
		switch c.Fact {
		case FactName, FactAddress, FactCitizenship:
		default:
			vs.invalid("fact")
			return nil, vs
		}
		p := m.latest(c.PNR)
		if p == nil {
			return nil, append(vs, violation{err: ErrNotFound})
		}
		if p.Status == StatusAnnulled || p.Status == StatusDuplicate {
			vs.add(ErrNotActive)
		}
		var target *mEntry
		n := 0
		for _, e := range m.persons[c.PNR].effective(m.seq) {
			if e.fact == c.Fact {
				n++
				if e.seq == c.Target {
					target = &e
				}
			}
		}
		if target == nil {
			vs.add(ErrNoSuchEntry)
			return nil, vs
		}
		h := *target
		h.target, h.marker = c.Target, MarkCorrects
		if c.Annul {
			h.marker = MarkAnnuls
		}
		// An address correction keeps the status true: no annulment of a
		// change that set the status too, no foreign address turned
		// Danish, no ordinary address turned special or back.
		if c.Fact == FactAddress {
			if c.Annul {
				for _, e := range m.persons[c.PNR].effective(m.seq) {
					if e.seq == c.Target && e.fact == FactStatus {
						vs.invalid("annul")
					}
				}
			} else if c.Address != nil {
				if target.addr.IsZero() || c.Address.IsSpecial() != target.addr.IsSpecial() {
					vs.invalid("address")
				}
			}
		}
		if c.Annul {
			if n == 1 {
				vs.invalid("annul")
			}
		} else {
			changed := !c.Effective.IsZero()
			if changed {
				ahead := 0
				if c.Fact == FactAddress {
					ahead = 28
				}
				modelEffective(&vs, c.Effective, p.BirthDate, ahead, today)
				h.from = c.Effective
				if c.Fact == FactAddress && !p.Status.Active() && h.from > p.StatusFrom {
					vs.invalid("effective")
				}
				if c.Fact == FactAddress && c.Effective != target.from {
					lo, hi := min(target.from, c.Effective), max(target.from, c.Effective)
					for _, e := range m.persons[c.PNR].effective(m.seq) {
						if e.fact == FactStatus && (e.seq == target.seq || (lo < e.from && e.from <= hi) || (e.from == lo && lo == c.Effective)) {
							vs.invalid("effective")
							break
						}
					}
				}
			}
			switch {
			case c.Fact == FactName && c.Name != nil:
				n := *c.Name
				vs.invalidAll(modelName("name", &n))
				h.name, changed = n, true
			case c.Fact == FactAddress && c.Address != nil:
				m.checkAddress(&vs, *c.Address)
				h.addr, h.foreign, changed = *c.Address, Foreign{}, true
			case c.Fact == FactCitizenship && c.Citizenship != 0:
				if c.Citizenship > 9999 {
					vs.invalid("citizenship")
				}
				h.citizen, changed = c.Citizenship, true
			}
			if !changed {
				vs.invalid("correction")
			}
		}
		pl.add(p.PNR, h)
		pl.subject, pl.eff, pl.kFrom, pl.kToAfter = p.PNR, h.from, p.Kommune(), true

	default:
		panic(fmt.Sprintf("model: change %T", c))
	}
	return pl, vs
}

// apply commits an accepted change to the model as change seq. res.PNR is
// the pnr the register allocated; the model follows it (a difference is
// reported by the caller).
func (m *model) apply(pl *plan, seq uint64, res Result, c Change) {
	if pl.created != nil && pl.created.pnr != res.PNR && !res.PNR.IsZero() {
		old := pl.created.pnr
		pl.created.pnr, pl.subject = res.PNR, res.PNR
		for i := range pl.adds {
			if pl.adds[i].p == old {
				pl.adds[i].p = res.PNR
			}
			if pl.adds[i].e.child == old {
				pl.adds[i].e.child = res.PNR
			}
		}
	}
	if pl.created != nil {
		m.persons[pl.created.pnr] = pl.created
		m.order = append(m.order, pl.created.pnr)
	}
	m.seq = seq
	ords := map[pnr.PNR]int{}
	for _, a := range pl.adds {
		mp := m.persons[a.p]
		e := a.e
		e.seq, e.ord = seq, ords[a.p]
		if ords[a.p] == 0 {
			mp.touched = append(mp.touched, seq)
		}
		ords[a.p]++
		mp.entries = append(mp.entries, e)
		mp.latest = nil
	}
	ev := mEvent{seq: seq, kind: pl.kind, pnr: pl.subject, related: pl.related, effective: pl.eff,
		kFrom: pl.kFrom, kTo: pl.kTo, change: c}
	if pl.kToAfter {
		ev.kTo = m.latest(pl.subject).Kommune()
	}
	m.events = append(m.events, ev)
}

// stay is one entry of the address index: p lived at a from..to.
type stay struct {
	a        address.Address
	from, to date.Date
}

// stays derives the address index entries of p from the fold alone: on
// each day an entry starts, is p resident (01/03) at a Danish address?
func (m *model) stays(p pnr.PNR) []stay {
	mp := m.persons[p]
	var days []date.Date
	for _, e := range mp.effective(m.seq) {
		days = append(days, e.from)
	}
	slices.Sort(days)
	var out []stay
	for _, d := range slices.Compact(days) {
		v, ok := mp.fold(d, m.seq)
		live := ok && v.Status.Active() && !v.Residence.Address.IsZero()
		n := len(out)
		if n > 0 && out[n-1].to == 0 && (!live || out[n-1].a != v.Residence.Address) {
			out[n-1].to = d
		}
		if live && (n == 0 || out[len(out)-1].to != 0) {
			out = append(out, stay{a: v.Residence.Address, from: d})
		}
	}
	return out
}

// checkStays compares the address index entries of p with stays.
func (mr *modelRun) checkStays(p pnr.PNR, kind Kind, where string) {
	want := mr.m.stays(p)
	seen := map[address.Address]bool{}
	var got []stay
	for _, e := range mr.m.persons[p].entries {
		if e.fact != FactAddress || e.addr.IsZero() || seen[e.addr] {
			continue
		}
		seen[e.addr] = true
		rs, err := mr.f.r.Residents(e.addr, 0)
		if err != nil {
			mr.t.Fatal(err)
		}
		for _, r := range rs {
			if r.PNR == p {
				got = append(got, stay{e.addr, r.From, r.To})
			}
		}
	}
	slices.SortFunc(got, func(a, b stay) int { return cmp.Compare(a.from, b.from) })
	switch {
	case slices.Equal(got, want):
		delete(mr.badIndex, p)
	case !mr.badIndex[p]: // a new difference: this change made it
		mr.badIndex[p] = true
		mr.ms.report("index/"+kind.String(), "%s: address index of %v:\n  got  %+v\n  want %+v", where, p, got, want)
	}
}

// invariants lists what is wrong with p today (and with its stored record)
// by the facts the doc comments promise: status 01 is an ordinary Danish
// address, 03 a special vejkode, 80 abroad, 90 civil status D; spouse links
// are symmetric; children name their parents; the dead do not move.
func (m *model) invariants(p pnr.PNR, today date.Date) []string {
	v, ok := m.today(p, today)
	if !ok {
		return nil
	}
	var out []string
	bad := func(what string) { out = append(out, fmt.Sprintf("%s: %v", what, p)) }
	a := v.Residence.Address
	switch v.Status {
	case StatusActive:
		if a.IsZero() || a.IsSpecial() {
			bad("status 01 without an ordinary Danish address")
		}
	case StatusActiveSpecial:
		if !a.IsSpecial() {
			bad("status 03 without a special vejkode")
		}
	case StatusEmigrated:
		if !a.IsZero() {
			bad("status 80 with a Danish address")
		}
	case StatusDead:
		if v.Civil.Code != CivilDeceased {
			bad("status 90 without civil status D")
		}
	}
	if code := v.Civil.Code; code == CivilMarried || code == CivilPartnership {
		if s, ok := m.today(v.Civil.Spouse, today); !ok || s.Civil.Code != code || s.Civil.Spouse != p {
			bad("spouse link not symmetric")
		}
	}
	for _, c := range v.Children {
		if cp := m.persons[c]; cp == nil || cp.mother != p && cp.father != p {
			bad("child does not name the parent")
		}
	}
	if l := m.latest(p); l.Status == StatusDead && l.Residence.From > l.StatusFrom {
		bad("address changes after death")
	}
	return out
}

// involved lists the persons a change names (every pnr.PNR field) or
// touches, and their spouses, for comparison after the step.
func (m *model) involved(c Change, pl *plan) []pnr.PNR {
	var ps []pnr.PNR
	v := reflect.ValueOf(c)
	for i := range v.NumField() {
		if p, ok := v.Field(i).Interface().(pnr.PNR); ok {
			ps = append(ps, p)
		}
	}
	if pl != nil {
		ps = append(ps, pl.subject)
		for _, a := range pl.adds {
			ps = append(ps, a.p)
		}
	}
	for _, p := range slices.Clone(ps) {
		if q := m.latest(p); q != nil {
			ps = append(ps, q.Civil.Spouse)
		}
	}
	slices.Sort(ps)
	return slices.DeleteFunc(slices.Compact(ps), func(p pnr.PNR) bool { return !m.taken(p) })
}

// diffPerson lists the fields (of Person, and of its Residence) where got
// differs from want; the order of children and protections does not
// matter. Seq is compared only when seq is set.
func diffPerson(got, want *Person, seq bool) []string {
	norm := func(p *Person) *Person {
		p = p.Clone()
		slices.Sort(p.Children)
		slices.SortFunc(p.Protections, func(a, b ProtectionPeriod) int { return cmp.Compare(a.Type, b.Type) })
		p.Children = slices.Clip(append([]pnr.PNR(nil), p.Children...))
		p.Protections = append([]ProtectionPeriod(nil), p.Protections...)
		p.Residence.Foreign.Lines = append([]string(nil), p.Residence.Foreign.Lines...)
		if !seq {
			p.Seq = 0
		}
		return p
	}
	var d []string
	var walk func(prefix string, g, w reflect.Value)
	walk = func(prefix string, g, w reflect.Value) {
		for i := range g.NumField() {
			name := prefix + g.Type().Field(i).Name
			if !g.Type().Field(i).IsExported() {
				continue // storage metadata (Person.open); Options.Verify checks it
			}
			if name == "Residence" {
				walk("Residence.", g.Field(i), w.Field(i))
			} else if gf, wf := g.Field(i).Interface(), w.Field(i).Interface(); !reflect.DeepEqual(gf, wf) {
				d = append(d, fmt.Sprintf("%s: got %v, want %v", name, gf, wf))
			}
		}
	}
	walk("", reflect.ValueOf(*norm(got)), reflect.ValueOf(*norm(want)))
	return d
}

// mismatches reports each class of disagreement once, with its first
// example, and counts the rest; the run goes on.
type mismatches struct {
	t     testing.TB
	seed  uint64
	mu    sync.Mutex
	count map[string]int
	total int
}

func newMismatches(t testing.TB, seed uint64) *mismatches {
	ms := &mismatches{t: t, seed: seed, count: map[string]int{}}
	t.Cleanup(func() {
		if ms.total > 0 {
			t.Logf("model mismatches by class (seed %d): %v", seed, ms.count)
		}
	})
	return ms
}

func (ms *mismatches) report(class, format string, args ...any) {
	ms.t.Helper()
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.count[class]++
	ms.total++
	if ms.count[class] == 1 {
		ms.t.Errorf("%s (seed %d): %s", class, ms.seed, fmt.Sprintf(format, args...))
	}
	if ms.total > 5000 {
		ms.t.Fatalf("too many mismatches: %v", ms.count)
	}
}

func (ms *mismatches) persons(where string, got, want *Person, seq bool, ctx string) {
	ms.t.Helper()
	for _, d := range diffPerson(got, want, seq) {
		field, _, _ := strings.Cut(d, ":")
		ms.report(where+"/"+field, "%s: %s\n  got  %+v\n  want %+v", ctx, d, got, want)
	}
}

func showChange(c Change) string { return fmt.Sprintf("%T%+v", c, c) }

// generator draws random changes, mostly plausible ones, from the model's
// view of the register.
type generator struct {
	rng     *rand.Rand
	m       *model
	roads   *address.Roads
	pool    map[uint16][]address.Address
	unknown map[uint16]uint16 // a vejkode the kommune does not have
	n       int
}

var modelKommuner = []uint16{101, 147, 461, 751, 851}

func newGenerator(rng *rand.Rand, m *model, roads *address.Roads) *generator {
	g := &generator{rng: rng, m: m, roads: roads, pool: map[uint16][]address.Address{}, unknown: map[uint16]uint16{}}
	for _, k := range modelKommuner {
		for range 25 {
			g.pool[k] = append(g.pool[k], roads.RandomAddress(rng, k))
		}
		for v := uint16(9899); ; v-- {
			if _, ok := roads.Lookup(k, v); !ok {
				g.unknown[k] = v
				break
			}
		}
	}
	return g
}

func pickOne[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

func daysBetween(a, b date.Date) int { return int(b.Time().Sub(a.Time()) / (24 * time.Hour)) }

// eff draws an effective date between min and today+ahead, now and then
// one that is missing, too early or too far ahead.
func (g *generator) eff(min, today date.Date, ahead int) date.Date {
	hi := today.AddDays(ahead)
	switch x := g.rng.IntN(100); {
	case x < 2:
		return 0
	case x < 5:
		return hi.AddDays(1 + g.rng.IntN(40))
	case x < 8 && min != 0:
		return min.AddDays(-1 - g.rng.IntN(300))
	case x < 14 && min != 0 && min <= hi:
		return min
	case x < 18:
		return hi
	}
	lo := min
	if floor := today.AddDays(-3 * 365); lo < floor && g.rng.IntN(4) != 0 {
		lo = floor
	}
	if lo > hi {
		return hi
	}
	return lo.AddDays(g.rng.IntN(daysBetween(lo, hi) + 1))
}

var (
	modelFirst  = []string{"Jens", "Anna", "Søren", "Mette", "Ida", "Oscar", "Karen", "Lars", "Birgitte", "Øjvind", "Åse", "Noah", "Freja", "Mikkel"}
	modelMiddle = []string{"Peter", "Marie", "Kristian", "Louise", "Emil"}
	modelLast   = []string{"Hansen", "Nielsen", "Jensen", "Pedersen", "Sørensen", "Østergaard", "Ågård", "Kjær", "Bæk", "Holm"}
)

func (g *generator) name() Name {
	r := g.rng
	n := Name{First: pickOne(r, modelFirst), Last: pickOne(r, modelLast)}
	if r.IntN(3) == 0 {
		n.Middle = pickOne(r, modelMiddle)
	}
	switch x := r.IntN(100); {
	case x < 4: // addressing name by initials
		n.First, n.Middle, n.Last = "Christian Frederik Vilhelm", "Emanuel Alexander", "Schleswig-Holstein-Sønderborg"
	case x < 6: // 100 two-byte characters: allowed; addressing cut at 34
		n.Last = strings.Repeat("Ø", 100)
	case x < 9:
		n.Addressing = n.Last + "," + n.First
	case x < 11:
		n.First = "  " + n.First + " \u00a0"
	case x < 12:
		n.Last = ""
	case x < 13:
		n.First += "\x07"
	case x < 14:
		n.Middle = "Zoë✓"
	case x < 15:
		n.Last = strings.Repeat("a", 101)
	case x < 16:
		n.Addressing = strings.Repeat("b", 35)
	case x < 17:
		n.First = "Ida\xff"
	case x < 18:
		n.Middle = "Anne\u0085Sofie"
	}
	return n
}

func (g *generator) addr(k uint16) address.Address {
	r := g.rng
	switch x := r.IntN(100); {
	case x < 2:
		return address.Address{}
	case x < 4:
		return address.Address{Kommunekode: k, Vejkode: g.unknown[k], Husnr: "1"}
	case x < 5:
		a := pickOne(r, g.pool[k])
		a.Husnr = "0" + a.Husnr // not normal form
		return a
	case x < 10:
		return address.Address{Kommunekode: k, Vejkode: pickOne(r, []uint16{9900, 9901, 9999})}
	case x < 75:
		return pickOne(r, g.pool[k])
	}
	return g.roads.RandomAddress(r, k)
}

func (g *generator) kommune() uint16 { return pickOne(g.rng, modelKommuner) }

func (g *generator) sex() pnr.Sex {
	if g.rng.IntN(50) == 0 {
		return pickOne(g.rng, []pnr.Sex{0, 3}) // invalid
	}
	return pnr.Sex(1 + g.rng.IntN(2))
}

func (g *generator) foreign() Foreign {
	r := g.rng
	f := Foreign{Country: pickOne(r, []uint16{5110, 5120, 5130, 5170, 5390})}
	for range r.IntN(4) {
		f.Lines = append(f.Lines, pickOne(r, []string{"Storgata 1", "Oslo", " 0150 Oslo ", "Drottninggatan 5", "Hauptstraße 3"}))
	}
	switch r.IntN(40) {
	case 0:
		f.Country = 0
	case 1:
		f.Country = 10000
	case 2:
		f.Lines = []string{"1", "2", "3", "4", "5", "6"}
	case 3:
		f.Lines = []string{strings.Repeat("x", 35)}
	case 4:
		f.Lines = []string{"Straße ✓"}
	}
	return f
}

// unknownPNR is a valid number no one in the test gets.
var unknownPNR = pnr.MustParse("0101011234")

// pick returns a person, mostly one pred likes.
func (g *generator) pick(pred func(*Person) bool) pnr.PNR {
	switch g.rng.IntN(60) {
	case 0:
		return unknownPNR
	case 1:
		return 0
	}
	n := len(g.m.order)
	if n == 0 {
		return unknownPNR
	}
	if g.rng.IntN(6) != 0 {
		for range 40 {
			p := g.m.order[g.rng.IntN(n)]
			if pred(g.m.latest(p)) {
				return p
			}
		}
	}
	return g.m.order[g.rng.IntN(n)]
}

// view is the model's stored record of p, or an empty person.
func (g *generator) view(p pnr.PNR) *Person {
	if v := g.m.latest(p); v != nil {
		return v
	}
	return &Person{}
}

func (g *generator) change(today date.Date) Change {
	r := g.rng
	g.n++
	adult := func(p *Person) bool { return p.BirthDate.YearsOn(today) >= 18 }
	kind := KindImmigration
	if len(g.m.order) >= 30 || r.IntN(10) < 3 {
		kind = Kinds()[r.IntN(len(Kinds()))]
	}
	switch kind {
	case KindPNRChange, KindImmigration:
		if r.IntN(3) == 0 { // a returning person
			p := g.pick(func(p *Person) bool { return p.Status == StatusEmigrated })
			v := g.view(p)
			return Immigration{PNR: p, Effective: g.eff(max(v.StatusFrom, v.Residence.From), today, 0), Address: g.addr(g.kommune())}
		}
		birth := today.AddDays(-365*18 - r.IntN(365*62))
		if r.IntN(8) == 0 {
			birth = today.AddDays(-r.IntN(365 * 18))
		}
		c := Immigration{Address: g.addr(g.kommune()), BirthDate: birth, Sex: g.sex(), Name: g.name(),
			Civil:       pickOne(r, []Civil{0, 0, 0, CivilUnmarried, CivilDivorced, CivilWidowed, CivilPartnershipEnded, CivilSurvivingPartner}),
			Citizenship: pickOne(r, []uint16{5100, 5100, 5110, 5120, 5390})}
		switch r.IntN(60) {
		case 0:
			c.BirthDate = 0
		case 1:
			c.BirthDate = 18500101 // outside the pnr centuries
		case 2:
			c.Civil = pickOne(r, []Civil{CivilMarried, CivilPartnership, CivilDeceased, 'X'})
		case 3:
			c.Citizenship = pickOne(r, []uint16{0, 10000})
		}
		c.Effective = g.eff(c.BirthDate, today, 0)
		return c
	case KindBirth:
		mother := g.pick(func(p *Person) bool {
			return p.Sex == pnr.Female && p.Status.Active() && p.BirthDate.YearsOn(today) >= 16 && p.BirthDate.YearsOn(today) < 50
		})
		var father pnr.PNR
		switch x := r.IntN(20); {
		case x < 13:
			father = g.pick(func(p *Person) bool { return p.Sex == pnr.Male && adult(p) })
		case x < 14:
			father = mother
		case x < 15:
			father = unknownPNR
		}
		min := g.view(mother).BirthDate.AddDays(3650)
		born := g.eff(min, today, 0)
		if r.IntN(3) != 0 {
			born = today.AddDays(-r.IntN(60))
		}
		c := Birth{Mother: mother, Father: father, BirthDate: born, Sex: g.sex(), Name: g.name()}
		if r.IntN(10) < 7 {
			c.Name.Last = ""
		}
		if r.IntN(5) == 0 {
			c.Address = g.addr(g.kommune())
		}
		if r.IntN(10) == 0 {
			c.Citizenship = pickOne(r, []uint16{5100, 5120, 10000})
		}
		return c
	case KindMove:
		p := g.pick(func(p *Person) bool { return p.Status.Active() })
		v := g.view(p)
		k := v.Kommune()
		if k == 0 || r.IntN(2) == 0 {
			k = g.kommune()
		}
		a := g.addr(k)
		if r.IntN(30) == 0 {
			a = v.Residence.Address
		}
		return Move{PNR: p, Effective: g.eff(max(v.Residence.From, v.StatusFrom), today, 28), Address: a}
	case KindName:
		p := g.pick(func(p *Person) bool { return modelAlive(p) == nil })
		v := g.view(p)
		return NameChange{PNR: p, Effective: g.eff(max(v.Name.From, v.BirthDate), today, 0), Name: g.name()}
	case KindMarriage:
		free := func(p *Person) bool { return modelAlive(p) == nil && p.Civil.Code.Free() && adult(p) }
		a, b := g.pick(free), g.pick(free)
		if r.IntN(40) == 0 {
			b = a
		}
		va, vb := g.view(a), g.view(b)
		return Marriage{PNR: a, Spouse: b, Partnership: r.IntN(3) == 0,
			Effective: g.eff(max(va.Civil.From, vb.Civil.From, va.StatusFrom, vb.StatusFrom), today, 0)}
	case KindDivorce:
		p := g.pick(func(p *Person) bool { return p.Civil.Code == CivilMarried || p.Civil.Code == CivilPartnership })
		return Divorce{PNR: p, Effective: g.eff(g.view(p).Civil.From, today, 0)}
	case KindDeath:
		if r.IntN(2) == 0 { // keep the population alive
			return g.change(today)
		}
		p := g.pick(func(p *Person) bool { return modelAlive(p) == nil })
		v := g.view(p)
		return Death{PNR: p, Effective: g.eff(max(v.BirthDate, v.StatusFrom, v.Civil.From), today, 0)}
	case KindEmigration:
		p := g.pick(func(p *Person) bool { return p.Status.Active() })
		v := g.view(p)
		return Emigration{PNR: p, Effective: g.eff(max(v.Residence.From, v.StatusFrom), today, 28), Foreign: g.foreign()}
	case KindProtection:
		p := g.pick(func(p *Person) bool { return modelAlive(p) == nil })
		v := g.view(p)
		c := ProtectionChange{PNR: p, Type: Protection(1 + r.IntN(3)), On: r.IntN(5) < 3}
		if !c.On && len(v.Protections) > 0 && r.IntN(4) != 0 {
			c.Type = pickOne(r, v.Protections).Type
		}
		min := v.BirthDate
		for _, pp := range v.Protections {
			if pp.Type == c.Type {
				min = max(min, pp.From)
			}
		}
		c.Effective = g.eff(min, today, 0)
		if c.On && r.IntN(3) == 0 && c.Effective != 0 {
			c.End = c.Effective.AddDays(1 + r.IntN(120))
		}
		switch r.IntN(40) {
		case 0:
			c.Type = Protection(pickOne(r, []int{0, 4}))
		case 1:
			c.End = c.Effective
		case 2:
			c.On, c.End = false, today.AddDays(10)
		}
		return c
	case KindCorrection:
		p := g.pick(func(p *Person) bool { return true })
		c := Correction{PNR: p, Fact: pickOne(r, []Fact{FactName, FactName, FactAddress, FactAddress, FactCitizenship})}
		if r.IntN(50) == 0 {
			c.Fact = pickOne(r, []Fact{FactCivil, FactStatus, FactChild, 0})
		}
		var targets []mEntry
		if mp := g.m.persons[p]; mp != nil {
			for _, e := range mp.effective(g.m.seq) {
				if e.fact == c.Fact {
					targets = append(targets, e)
				}
			}
		}
		if len(targets) > 0 && r.IntN(8) != 0 {
			c.Target = pickOne(r, targets).seq
		} else {
			c.Target = uint64(r.IntN(int(g.m.seq) + 2))
		}
		c.Annul = r.IntN(5) == 0
		if r.IntN(5) < 2 {
			ahead := 0
			if c.Fact == FactAddress {
				ahead = 28
			}
			c.Effective = g.eff(g.view(p).BirthDate, today, ahead)
		}
		if r.IntN(5) < 3 || c.Effective == 0 && r.IntN(4) != 0 {
			switch c.Fact {
			case FactName:
				n := g.name()
				c.Name = &n
			case FactAddress:
				a := g.addr(cmp.Or(g.view(p).Kommune(), g.kommune()))
				c.Address = &a
			case FactCitizenship:
				c.Citizenship = pickOne(r, []uint16{5100, 5110, 5120, 10000})
			}
		}
		return c
	}
	panic("unreachable")
}

// advance moves the test clock: often not at all (several changes a day),
// by minutes, hours or days.
func advance(r *rand.Rand, c *testClock) {
	switch x := r.IntN(100); {
	case x < 30:
	case x < 60:
		c.Advance(time.Duration(r.IntN(600)) * time.Minute)
	case x < 85:
		c.Advance(time.Duration(r.IntN(48)) * time.Hour)
	default:
		c.Advance(time.Duration(1+r.IntN(5)) * 24 * time.Hour)
	}
}

// modelRun drives the sequential model test.
type modelRun struct {
	t      *testing.T
	f      *fixture
	m      *model
	g      *generator
	rng    *rand.Rand
	ms     *mismatches
	ids    map[uint64][16]byte
	step   int
	counts map[string]int
	// badIndex: persons whose address index differs from the model's
	// (reported once, when a change makes it differ).
	badIndex map[pnr.PNR]bool
}

func (mr *modelRun) steps(n int) {
	t, f, m := mr.t, mr.f, mr.m
	ctx := context.Background()
	for range n {
		mr.step++
		advance(mr.rng, f.clock)
		today := f.clock.Today()
		c := mr.g.change(today)
		where := fmt.Sprintf("step %d, today %v: %s", mr.step, today, showChange(c))
		pl, vs := m.plan(c, today)
		meta := Meta{Actor: "model"}
		if mr.rng.IntN(20) == 0 {
			meta.IdempotencyKey = fmt.Sprint("step-", mr.step)
			meta.BodyHash = sha256.Sum256([]byte(meta.IdempotencyKey))
		}
		before := f.r.LastSeq()
		res, err := f.r.Apply(ctx, c, meta)
		switch {
		case err != nil:
			mr.counts["refused "+c.Kind().String()]++
			if vs.empty() {
				mr.ms.report("refused-but-model-accepts/"+c.Kind().String(), "%s: register says %v", where, err)
			} else if !vs.match(err) {
				mr.ms.report("wrong-error/"+c.Kind().String(), "%s: register says %v, model expects one of %v", where, err, vs)
			}
			if f.r.LastSeq() != before {
				mr.ms.report("refused-change-moved-journal", "%s", where)
			}
		default:
			mr.counts["accepted "+c.Kind().String()]++
			if !vs.empty() {
				mr.ms.report("accepted-but-model-refuses/"+c.Kind().String(), "%s: model expects %v", where, vs)
			}
			if res.Seq != m.seq+1 || res.Replayed {
				t.Fatalf("%s: result %+v, want seq %d", where, res, m.seq+1)
			}
			if pl == nil {
				t.Fatalf("%s: accepted, and the model cannot follow (%v)", where, vs)
			}
			if pl.created != nil && pl.created.pnr != res.PNR {
				mr.ms.report("allocated-pnr", "%s: register allocated %v, model %v", where, res.PNR, pl.created.pnr)
			}
			broken := map[string]bool{}
			for _, p := range m.involved(c, pl) {
				for _, b := range m.invariants(p, today) {
					broken[b] = true
				}
			}
			m.apply(pl, res.Seq, res, c)
			mr.ids[res.Seq] = res.ID
			for _, p := range m.involved(c, pl) {
				for _, b := range m.invariants(p, today) {
					if !broken[b] {
						mr.ms.report("invariant/"+strings.SplitN(b, ":", 2)[0]+"/"+c.Kind().String(), "%s: %s", where, b)
					}
				}
			}
			// "registers the child at the mother's address": the one she
			// lives at, not one she is to move to.
			if b, ok := c.(Birth); ok && b.Address.IsZero() {
				child, _ := m.today(res.PNR, today)
				mother, _ := m.today(b.Mother, today)
				if mother.Status.Active() && child.Residence.Address != mother.Residence.Address {
					mr.ms.report("invariant/newborn not at the mother's address", "%s: the child lives at %+v from %v; the mother lives at %+v (stored record: %+v)",
						where, child.Residence.Address, b.BirthDate, mother.Residence, m.latest(b.Mother).Residence)
				}
			}
			if res.PNR != m.events[res.Seq-1].pnr {
				mr.ms.report("result-pnr", "%s: result pnr %v, want %v", where, res.PNR, m.events[res.Seq-1].pnr)
			}
			if meta.IdempotencyKey != "" { // a retried request registers once
				again, err := f.r.Apply(ctx, c, meta)
				if err != nil || !again.Replayed || again.Seq != res.Seq || again.ID != res.ID || again.PNR != res.PNR || f.r.LastSeq() != res.Seq {
					mr.ms.report("idempotent-retry", "%s: first %+v, retry %+v, %v; journal at %d", where, res, again, err, f.r.LastSeq())
				}
			}
		}
		for _, p := range m.involved(c, pl) {
			mr.compareGet(p, today, where)
			mr.checkStays(p, c.Kind(), where)
		}
	}
}

func (mr *modelRun) compareGet(p pnr.PNR, today date.Date, where string) {
	want, ok := mr.m.today(p, today)
	got, err := mr.f.r.Get(p)
	switch {
	case !ok && errors.Is(err, ErrNotFound):
	case err != nil || !ok:
		mr.ms.report("get/error", "%s: get %v: %v (model has person today: %v)", where, p, err, ok)
	default:
		mr.ms.persons("get", got, want, true, where+": get "+p.String())
	}
}

func TestModel(t *testing.T) {
	f := openUnverified(t)
	seed := *modelSeed
	rng := rand.New(rand.NewPCG(seed, 1))
	m := newModel(f.roads)
	mr := &modelRun{t: t, f: f, m: m, g: newGenerator(rng, m, f.roads), rng: rng,
		ms: newMismatches(t, seed), ids: map[uint64][16]byte{}, counts: map[string]int{}, badIndex: map[pnr.PNR]bool{}}
	start := time.Now()
	mr.steps(*modelSteps)
	t.Logf("%d steps in %v: %d accepted, %d persons; %v", mr.step, time.Since(start).Round(time.Millisecond), m.seq, len(m.persons), mr.counts)
	verifyModel(t, f.r, m, f.clock.Today(), rng, mr.ms, mr.ids)

	// Everything survives a reopen, and sequence numbers continue.
	f.reopen()
	mr.steps(50)
	verifyModel(t, f.r, m, f.clock.Today(), rng, mr.ms, mr.ids)
	t.Logf("total %v", time.Since(start).Round(time.Millisecond))
}

// openUnverified is openFixture without Options.Verify: the register as
// it runs in production, where only the model checks the fast path.
func openUnverified(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, clock: newTestClock(), roads: address.Demo(), dir: t.TempDir()}
	r, err := Open(f.dir, Options{Roads: f.roads, Clock: f.clock.Now, CacheBytes: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	f.r = r
	t.Cleanup(func() {
		if err := f.r.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return f
}

// TestModelConcurrent submits random changes from 8 goroutines at once.
// Which of them are accepted depends on the order the commit loop takes
// them in, so the model replays the accepted ones in journal order (each
// with the day of its registration) and must find every one of them
// allowed; at the end the register must equal the model.
func TestModelConcurrent(t *testing.T) {
	f := openFixture(t)
	seed := *modelSeed
	ms := newMismatches(t, seed)
	start := time.Now()
	run := runConcurrent(t, f.r, f.clock, f.roads, seed, 8, *modelSteps, ms, nil)
	st := f.r.Stats()
	t.Logf("%d changes from 8 goroutines in %v: %d accepted in %d commits, %d persons; refused: %v",
		*modelSteps, time.Since(start).Round(time.Millisecond), run.m.seq, st.Commits, len(run.m.persons), run.refused)
	ids := map[uint64][16]byte{}
	for seq, a := range run.acked {
		ids[seq] = a.res.ID
	}
	verifyModel(t, f.r, run.m, f.clock.Today(), rand.New(rand.NewPCG(seed, 2)), ms, ids)
}

// verifyModel compares the whole register with the model.
func verifyModel(t *testing.T, r *Register, m *model, today date.Date, rng *rand.Rand, ms *mismatches, ids map[uint64][16]byte) {
	t.Helper()
	start := time.Now()
	where := fmt.Sprintf("final (today %v)", today)

	// Every person as of today, and every stored record.
	for _, p := range m.order {
		want, ok := m.today(p, today)
		got, err := r.Get(p)
		if err != nil || !ok {
			ms.report("final/get-error", "%s: get %v: %v (model: %v)", where, p, err, ok)
			continue
		}
		ms.persons("final-get", got, want, true, where+": get "+p.String())
	}
	stored := 0
	if err := r.Persons(func(got *Person) bool {
		stored++
		mp := m.persons[got.PNR]
		if mp == nil {
			ms.report("final/unknown-person", "%s: register holds %v", where, got.PNR)
			return true
		}
		ms.persons("final-stored", got, mp.stored(m.seq), true, where+": stored record "+got.PNR.String())
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if stored != len(m.persons) {
		ms.report("final/person-count", "%s: %d records, model has %d", where, stored, len(m.persons))
	}

	// The journal: gap-free, in order, one event per accepted change.
	registered := map[uint64]time.Time{}
	var next uint64 = 1
	var lastReg time.Time
	if err := r.Journal(1, func(ev *Event) error {
		if ev.Seq != next {
			t.Fatalf("journal: seq %d where %d was due", ev.Seq, next)
		}
		next++
		registered[ev.Seq] = ev.Registered
		if !ev.Registered.After(lastReg) {
			ms.report("journal/registered-order", "seq %d registered %v, not after %v", ev.Seq, ev.Registered, lastReg)
		}
		lastReg = ev.Registered
		if ev.Seq > uint64(len(m.events)) {
			ms.report("journal/extra-event", "seq %d: %+v", ev.Seq, ev)
			return nil
		}
		want := m.events[ev.Seq-1]
		ctx := fmt.Sprintf("journal seq %d (%s)", ev.Seq, showChange(want.change))
		got := mEvent{seq: ev.Seq, kind: ev.Kind, pnr: ev.PNR, related: slices.Sorted(slices.Values(ev.Related)),
			effective: ev.Effective, kFrom: ev.KommuneFrom, kTo: ev.KommuneTo, change: want.change}
		if want.related = slices.Sorted(slices.Values(want.related)); !reflect.DeepEqual(got, want) {
			ms.report("journal/event", "%s:\n  got  %+v\n  want %+v", ctx, got, want)
		}
		if id, ok := ids[ev.Seq]; ok && id != ev.ID {
			ms.report("journal/id", "%s: event id differs from the acknowledged one", ctx)
		}
		if ev.Person == nil {
			ms.report("journal/person", "%s: no person", ctx)
		} else if mp := m.persons[want.pnr]; mp != nil {
			ms.persons("journal-person", ev.Person, mp.stored(ev.Seq), true, ctx)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if next-1 != m.seq || r.LastSeq() != m.seq {
		ms.report("journal/length", "%s: journal ends at %d, LastSeq %d, model %d", where, next-1, r.LastSeq(), m.seq)
	}

	// AsOf on past (and future) days, as known now.
	sample := slices.Clone(m.order)
	rng.Shuffle(len(sample), func(i, j int) { sample[i], sample[j] = sample[j], sample[i] })
	sample = sample[:min(len(sample), 80)]
	asOf := func(p pnr.PNR, d date.Date, known time.Time, cutoff uint64, ctx string) {
		want, ok := m.persons[p].fold(d, cutoff)
		got, err := r.AsOf(p, d, known)
		switch {
		case !ok && errors.Is(err, ErrNotFound):
		case err != nil || !ok:
			ms.report("asof/error", "%s: AsOf(%v, %v, %v): %v (model has person: %v)", ctx, p, d, known, err, ok)
		default:
			ms.persons("asof", got, want, false, fmt.Sprintf("%s: AsOf(%v, %v, %v)", ctx, p, d, known))
		}
	}
	for _, p := range sample {
		mp := m.persons[p]
		days := []date.Date{mp.birth, today, today.AddDays(28), today.AddDays(-1 - rng.IntN(2000))}
		for range 4 {
			e := pickOne(rng, mp.entries)
			days = append(days, e.from, e.from.AddDays(-1), e.to)
		}
		for _, d := range days {
			if d != 0 {
				asOf(p, d, time.Time{}, m.seq, where)
			}
		}
	}
	// AsOf as known before and at each (sampled) correction, and at random
	// registration times.
	var corrections []mEvent
	for _, ev := range m.events {
		if ev.kind == KindCorrection {
			corrections = append(corrections, ev)
		}
	}
	rng.Shuffle(len(corrections), func(i, j int) { corrections[i], corrections[j] = corrections[j], corrections[i] })
	for _, ev := range corrections[:min(len(corrections), 60)] {
		c := ev.change.(Correction)
		var targetFrom date.Date
		for _, e := range m.persons[c.PNR].entries {
			if e.seq == c.Target && e.fact == c.Fact {
				targetFrom = e.from
			}
		}
		reg := registered[ev.seq]
		for _, d := range []date.Date{today, ev.effective, targetFrom, targetFrom.AddDays(-1)} {
			if d == 0 {
				continue
			}
			asOf(c.PNR, d, reg.Add(-time.Nanosecond), ev.seq-1, fmt.Sprintf("before correction %d", ev.seq))
			asOf(c.PNR, d, reg, ev.seq, fmt.Sprintf("at correction %d", ev.seq))
		}
	}
	for range 100 {
		if m.seq == 0 {
			break
		}
		k := 1 + uint64(rng.IntN(int(m.seq)))
		p := pickOne(rng, m.order)
		asOf(p, today.AddDays(-rng.IntN(400)), registered[k], k, fmt.Sprintf("known at seq %d", k))
	}

	// The address index: who lived at an address on a day.
	type probe struct {
		a address.Address
		d date.Date
	}
	var probes []probe
	for _, p := range sample {
		for _, e := range m.persons[p].entries {
			if e.fact == FactAddress && !e.addr.IsZero() {
				probes = append(probes, probe{e.addr, e.from}, probe{e.addr, e.from.AddDays(-1)}, probe{e.addr, today})
			}
		}
	}
	stays := map[address.Address][]Resident{} // by the fold: live (01/03) at a Danish address
	for _, p := range m.order {
		for _, st := range m.stays(p) {
			stays[st.a] = append(stays[st.a], Resident{PNR: p, From: st.from, To: st.to})
		}
	}
	for _, pr := range probes {
		var want []pnr.PNR
		for _, s := range stays[pr.a] {
			if s.From <= pr.d && (s.To == 0 || pr.d < s.To) {
				want = append(want, s.PNR)
			}
		}
		rs, err := r.Residents(pr.a, pr.d)
		if err != nil {
			t.Fatal(err)
		}
		var got []pnr.PNR
		for _, res := range rs {
			got = append(got, res.PNR)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			ms.report("residents", "%s: Residents(%+v, %v) = %v, want %v", where, pr.a, pr.d, got, want)
		}
	}

	// The birth date index.
	want := slices.Clone(m.order)
	slices.SortFunc(want, func(a, b pnr.PNR) int {
		return cmp.Or(cmp.Compare(m.persons[a].birth, m.persons[b].birth), cmp.Compare(a, b))
	})
	var got []pnr.PNR
	if err := r.ByBirthDate(18000101, 99991231, func(p pnr.PNR) bool { got = append(got, p); return true }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		ms.report("by-birth-date", "%s: %d pnrs, want %d", where, len(got), len(want))
	}

	// History: every entry in registration order, replaced ones marked.
	for _, p := range sample[:min(len(sample), 40)] {
		mp := m.persons[p]
		mark := map[[2]uint64]Marker{} // shown on replaced entries
		for _, e := range mp.entries {
			if e.marker != MarkNone {
				mark[[2]uint64{uint64(e.fact), e.target}] = map[Marker]Marker{MarkCorrects: MarkK, MarkAnnuls: MarkA}[e.marker]
			}
		}
		hist, err := r.History(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != len(mp.entries) {
			ms.report("history/length", "%s: %v has %d entries, want %d", where, p, len(hist), len(mp.entries))
			continue
		}
		for i, h := range hist {
			e := mp.entries[i]
			wantMark := e.marker
			if mk, ok := mark[[2]uint64{uint64(e.fact), e.seq}]; ok {
				wantMark = mk
			}
			if wantMark == MarkNone && h.Marker == 0 { // TestHistoryMarkerOfPlainEntries
				ms.report("history/marker-0", "%s: %v entry %d: Marker 0, want MarkNone", where, p, i)
				h.Marker = MarkNone
			}
			if h.Seq != e.seq || h.Fact != e.fact || h.From != e.from || h.Marker != wantMark ||
				(wantMark != MarkNone && h.Target != e.target) || !h.Registered.Equal(registered[e.seq]) {
				ms.report("history/entry", "%s: %v entry %d: %+v, want seq %d fact %v from %v marker %q",
					where, p, i, h, e.seq, e.fact, e.from, wantMark)
			}
		}
	}
	t.Logf("verified %d persons, %d events, %d AsOf samples, %d address probes in %v",
		len(m.persons), m.seq, len(sample), len(probes), time.Since(start).Round(time.Millisecond))
}

// Minimal reproductions of what the model test found. Each states the rule
// it checks; they fail while the register breaks it.

// TestRefuseNonexistentDates: a date is a calendar date. The register
// compares dates as numbers and hands birth dates to pnr.Allocate through
// time.Time, which normalises 31 February to 3 March: the newcomer's pnr
// then encodes another birth date than the record holds.
func TestRefuseNonexistentDates(t *testing.T) {
	f := openFixture(t)
	for i, tc := range []struct {
		name string
		c    func(p pnr.PNR) Change
	}{
		{"newcomer born 31 February", func(pnr.PNR) Change {
			return Immigration{Effective: f.today(), Address: f.addr(101, 2), BirthDate: 19800231,
				Sex: pnr.Male, Name: Name{First: "Test", Last: "Dato"}, Citizenship: 5100}
		}},
		{"move on 30 February", func(p pnr.PNR) Change { return Move{PNR: p, Effective: 20260230, Address: f.addr(101, 3)} }},
		{"move in month 13", func(p pnr.PNR) Change { return Move{PNR: p, Effective: 20251301, Address: f.addr(101, 4)} }},
		{"name from day 0", func(p pnr.PNR) Change {
			return NameChange{PNR: p, Effective: 20260200, Name: Name{First: "Test", Last: "Nul"}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := f.immigrant(19800101, pnr.Female, "Hansen", 101, 10+i) // arrived 400 days ago
			res, err := f.r.Apply(t.Context(), tc.c(p), Meta{})
			if err == nil {
				got := f.get(res.PNR)
				t.Errorf("accepted (seq %d): pnr %v (born %v by its digits), record: birth date %v, status from %v, residence from %v, name from %v",
					res.Seq, res.PNR, date.Of(res.PNR.BirthDate()), got.BirthDate, got.StatusFrom, got.Residence.From, got.Name.From)
			} else if !errors.Is(err, ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

// TestBirthWhileMotherMovesAhead: Birth "registers the child at the
// mother's address". With a move of the mother registered ahead of time,
// the register takes the address from her stored record (her latest
// date), so the newborn lives, from its birth date, at an address the
// mother has not moved to yet.
func TestBirthWhileMotherMovesAhead(t *testing.T) {
	f := openFixture(t)
	mother := f.immigrant(19900101, pnr.Female, "Holm", 101, 1)
	home := f.get(mother).Residence.Address
	next := f.addr(751, 2)
	f.apply(Move{PNR: mother, Effective: f.today().AddDays(14), Address: next})
	child := f.apply(Birth{Mother: mother, BirthDate: f.today(), Sex: pnr.Female, Name: Name{First: "Ida"}}).PNR
	if got := f.get(child).Residence.Address; got != home {
		t.Errorf("newborn lives at %+v from its birth; the mother lives at %+v (and moves to %+v in 14 days)", got, home, next)
	}
	if rs, _ := f.r.Residents(next, f.today()); len(rs) != 0 {
		t.Errorf("the address the mother moves to in 14 days has residents today: %+v", rs)
	}
}

// TestPersonSeqIsLastChange: Person.Seq is "the journal sequence of the
// last change that touched the person". The register computes it as the
// highest sequence among the entries in force on the fold date, so an
// annulment (whose entry is not in force) and a change registered ahead
// of its date do not count, and Seq can go backwards.
func TestPersonSeqIsLastChange(t *testing.T) {
	t.Run("annulment", func(t *testing.T) {
		f := openFixture(t)
		p := f.immigrant(19800101, pnr.Male, "Madsen", 101, 1)
		nc := f.apply(NameChange{PNR: p, Effective: f.today(), Name: Name{First: "Fejl", Last: "Fejlsen"}})
		an := f.apply(Correction{PNR: p, Fact: FactName, Target: nc.Seq, Annul: true})
		if got := f.get(p).Seq; got != an.Seq {
			t.Errorf("Get: Seq = %d after the annulment %d (the name change was %d)", got, an.Seq, nc.Seq)
		}
		if ev, err := journalEvent(f.r, an.Seq); err != nil || ev.Person.Seq != an.Seq {
			t.Errorf("journal event %d: person Seq = %d, %v", an.Seq, ev.Person.Seq, err)
		}
	})
	t.Run("move registered ahead", func(t *testing.T) {
		f := openFixture(t)
		p := f.immigrant(19800101, pnr.Male, "Madsen", 101, 1)
		mv := f.apply(Move{PNR: p, Effective: f.today().AddDays(7), Address: f.addr(101, 2)})
		if got := f.get(p).Seq; got != mv.Seq {
			t.Errorf("Get: Seq = %d after the move %d registered ahead", got, mv.Seq)
		}
	})
}

// TestHistoryMarkerOfPlainEntries: an entry nobody corrected carries
// MarkNone (' '). The changes write Entry literals with the zero Marker,
// so History shows Marker 0 for them, while a pnr change copies entries
// with ' ': the same kind of entry comes with two different markers.
func TestHistoryMarkerOfPlainEntries(t *testing.T) {
	f := openFixture(t)
	p := f.immigrant(19800101, pnr.Male, "Madsen", 101, 1)
	hist, err := f.r.History(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hist {
		if h.Marker != MarkNone {
			t.Errorf("%v entry %d: Marker = %q, want MarkNone %q", h.Fact, h.Seq, h.Marker, MarkNone)
		}
	}
}

// TestAddressCorrectionKeepsStatus: status 01 means an ordinary Danish
// address, 03 a special vejkode, 80 abroad (person.go). A correction of
// the address entry (or its annulment) does not touch the status entry
// the same change wrote, so it leaves the person with a status that
// contradicts the address.
func TestAddressCorrectionKeepsStatus(t *testing.T) {
	special := address.Address{Kommunekode: 101, Vejkode: 9900}
	for _, tc := range []struct {
		name     string
		emigrate bool // else move to the special vejkode
		annul    bool // else correct to an ordinary address
	}{
		{"special vejkode corrected to an ordinary road", false, false},
		{"foreign address corrected to a Danish one", true, false},
		{"move to a special vejkode annulled", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := openFixture(t)
			p := f.immigrant(19800101, pnr.Male, "Madsen", 101, 1)
			var res Result
			if tc.emigrate {
				res = f.apply(Emigration{PNR: p, Effective: f.today(), Foreign: Foreign{Country: 5110}})
			} else {
				res = f.apply(Move{PNR: p, Effective: f.today(), Address: special})
			}
			a := f.addr(101, 5)
			c := Correction{PNR: p, Fact: FactAddress, Target: res.Seq, Address: &a, Annul: tc.annul}
			if _, err := f.r.Apply(t.Context(), c, Meta{}); err != nil {
				if !isRuleError(err) {
					t.Errorf("correction refused: %v", err)
				}
				return // refusing the correction is consistent too
			}
			got := f.get(p)
			switch a := got.Residence.Address; {
			case got.Status == StatusActive && (a.IsZero() || a.IsSpecial()),
				got.Status == StatusActiveSpecial && !a.IsSpecial(),
				got.Status == StatusEmigrated && !a.IsZero():
				t.Errorf("after the correction: status %d with address %+v (foreign %+v)", got.Status, a, got.Residence.Foreign)
			}
		})
	}
}

// TestDeathAndFastPathIndex. Death refuses dates before the status, the
// civil status and the birth, but not before the last move, and it leaves
// a move registered ahead in force: the dead person then moves after the
// death date. And the address index after a change folded onto the stored
// record (the fast path) must be what a full replay writes: periodWrites
// assumes the open stay starts at max(Residence.From, StatusFrom) and that
// a status change closes that stay on its date, which does not hold for a
// change dated before the last move, nor when the last address entry
// continues the address of an earlier one. Without Options.Verify the
// index is then wrong; with it the change is refused with ErrCorrupt.
func TestDeathAndFastPathIndex(t *testing.T) {
	type person struct {
		f    *fixture
		p    pnr.PNR
		home Residence
	}
	noneAt := func(t *testing.T, x *person, a address.Address, d date.Date) {
		if rs, _ := x.f.r.Residents(a, d); len(rs) != 0 {
			t.Errorf("index: %+v living at %+v on %v", rs, a, d)
		}
	}
	deadStay := func(t *testing.T, x *person) {
		if got := x.f.get(x.p); got.Residence.From > got.StatusFrom {
			t.Errorf("dead from %v, and moved to %+v on %v", got.StatusFrom, got.Residence.Address, got.Residence.From)
		}
	}
	for _, tc := range []struct {
		name   string
		change func(x *person) Change // after preparing x
		check  func(t *testing.T, x *person)
	}{
		{"death dated before the last move",
			func(x *person) Change {
				x.f.apply(Move{PNR: x.p, Effective: x.f.today().AddDays(-10), Address: x.f.addr(101, 2)})
				return Death{PNR: x.p, Effective: x.f.today().AddDays(-20)}
			},
			func(t *testing.T, x *person) {
				noneAt(t, x, x.home.Address, x.f.today().AddDays(-15))
				deadStay(t, x)
			}},
		{"death with a move registered ahead",
			func(x *person) Change {
				x.f.apply(Move{PNR: x.p, Effective: x.f.today().AddDays(10), Address: x.f.addr(101, 2)})
				return Death{PNR: x.p, Effective: x.f.today()}
			},
			func(t *testing.T, x *person) {
				noneAt(t, x, x.home.Address, x.f.today().AddDays(5))
				noneAt(t, x, x.f.addr(101, 2), x.f.today().AddDays(15))
				x.f.clock.Advance(20 * 24 * time.Hour)
				deadStay(t, x)
			}},
		{"move after a correction back to the same address",
			func(x *person) Change {
				mv := x.f.apply(Move{PNR: x.p, Effective: x.f.today().AddDays(-10), Address: x.f.addr(101, 2)})
				x.f.apply(Correction{PNR: x.p, Fact: FactAddress, Target: mv.Seq, Address: &x.home.Address}) // it never happened
				return Move{PNR: x.p, Effective: x.f.today(), Address: x.f.addr(101, 3)}
			},
			func(t *testing.T, x *person) { noneAt(t, x, x.home.Address, x.f.today().AddDays(1)) }},
		{"back home on the day of the emigration",
			func(x *person) Change {
				x.f.apply(Emigration{PNR: x.p, Effective: x.f.today(), Foreign: Foreign{Country: 5110}})
				return Immigration{PNR: x.p, Effective: x.f.today(), Address: x.home.Address}
			},
			func(t *testing.T, x *person) {
				if rs, _ := x.f.r.Residents(x.home.Address, 0); len(rs) != 1 || rs[0].From != x.home.From || rs[0].To != 0 {
					t.Errorf("index: the stay at home (from %v, away on no day) is %+v", x.home.From, rs)
				}
			}},
	} {
		for _, verify := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/verify=%v", tc.name, verify), func(t *testing.T) {
				f := openUnverified(t)
				if verify {
					f.reopen() // the fixture's options
				}
				x := &person{f: f, p: f.immigrant(19500101, pnr.Male, "Madsen", 101, 1)}
				x.home = f.get(x.p).Residence
				c := tc.change(x)
				if _, err := f.r.Apply(t.Context(), c, Meta{}); err != nil {
					if !isRuleError(err) {
						t.Errorf("%s: %v", showChange(c), err)
					}
					return
				}
				tc.check(t, x)
			})
		}
	}
}
