package peer

import (
	"time"
)

// rules checks a change against the register's rules (those our register
// checks, the same order where it matters) with the rows read, and queues
// its writes.
func (t *txn) rules(a *applier) error {
	b := &t.body
	var err error
	if b.Effective != "" {
		if t.eff, err = parseDate(b.Effective); err != nil {
			return refuse(errBadInput)
		}
	}
	if b.Address != nil && !t.roadOK {
		return refuse(errUnknownRoad)
	}
	if t.pnr, err = parsePNR(t.ch.PNR); err != nil {
		return refuse(errBadInput)
	}
	switch t.ch.Kind {
	case "birth":
		return t.birth()
	case "immigration":
		if b.PNR != "" {
			return t.returning()
		}
		return t.newcomer()
	case "emigration":
		return t.emigration()
	case "move":
		return t.move()
	case "name":
		return t.name()
	case "marriage":
		return t.marriage()
	case "divorce":
		return t.divorce()
	case "death":
		return t.death()
	case "protection":
		return t.protection()
	case "pnr-change":
		return t.pnrChange()
	case "correction":
		return t.correction(a)
	}
	return refuse(errBadInput)
}

// addr is the body's address as column values.
func (t *txn) addr() (k, v int16, husnr, etage, sidedoer string) {
	a := t.body.Address
	k, _ = parseCode(a.Kommunekode)
	v, _ = parseCode(a.Vejkode)
	return k, v, a.Husnr, a.Etage, a.Sidedoer
}

const (
	nameCols    = "first_name, middle_name, last_name, addressing_name"
	addressCols = "kommune, vejkode, husnr, etage, sidedoer, foreign_country, foreign_lines"
	civilCols   = "civil, spouse"
)

// newPerson inserts a person new to the register with its first history
// rows, every fact from from.
func (t *txn) newPerson(p int64, sex string, birth, from time.Time, n *Name, civil string, citizen int16, mother, father any) {
	k, v, h, e, s := t.addr()
	st := statusFor(v)
	t.q(`INSERT INTO person (pnr, status, status_from, sex, birth_date, first_name, middle_name, last_name, addressing_name,
 name_from, kommune, vejkode, husnr, etage, sidedoer, address_from, kommune_from, civil, civil_from, mother, father,
 citizenship, citizen_from, seq)
 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $3, $10, $11, $12, $13, $14, $3, $3, $15, $3, $16, $17, $18, $3, currval('journal_seq'))`,
		p, st, from, sex, birth, n.First, n.Middle, n.Last, addressing(n), k, v, h, e, s, civil, mother, father, citizen)
	t.add("status_history", p, from, "status", st)
	t.add("name_history", p, from, nameCols, n.First, n.Middle, n.Last, addressing(n))
	t.add("address_history", p, from, addressCols, k, v, h, e, s, nil, nil)
	t.add("civil_history", p, from, civilCols, civil, nil)
	t.add("citizenship_history", p, from, "citizenship", citizen)
}

func addressing(n *Name) string {
	if n.Addressing != "" {
		return n.Addressing
	}
	s := n.Last + "," + n.First
	if n.Middle != "" {
		s += " " + n.Middle
	}
	return s
}

func (t *txn) birth() error {
	b := &t.body
	birth, err := parseDate(b.BirthDate)
	if err != nil || b.Name == nil || b.Address == nil || (b.Sex != "M" && b.Sex != "F") {
		return refuse(errBadInput)
	}
	mp, _ := parsePNR(b.Mother)
	mother, err := t.person(mp)
	if err != nil {
		return refuse(errBadInput)
	}
	if err := t.checkEffective(birth, mother.Birth.AddDate(10, 0, 0), 0); err != nil {
		return err
	}
	if mother.Status == stDead && d(mother.StatusFrom).Before(birth) {
		return refuse(errDead)
	}
	if err := mother.alive(); err != nil && mother.Status != stDead {
		return refuse(err)
	}
	var father any
	if b.Father != "" {
		fp, _ := parsePNR(b.Father)
		if _, err := t.person(fp); err != nil || fp == mp {
			return refuse(errBadInput)
		}
		father = fp
	}
	if _, err := t.person(t.pnr); err == nil {
		return refuse(errBadInput) // the number is taken
	}
	citizen, err := code4(b.Citizenship)
	if err != nil || citizen == 0 {
		return refuse(errBadInput)
	}
	t.eff = birth
	t.k2, _ = parseCode(b.Address.Kommunekode)
	t.newPerson(t.pnr, b.Sex, birth, birth, b.Name, "U", citizen, mp, father)
	t.q(`UPDATE person SET children = children || $2::bigint, seq = currval('journal_seq') WHERE pnr = $1`, mp, t.pnr)
	if father != nil {
		t.q(`UPDATE person SET children = children || $2::bigint, seq = currval('journal_seq') WHERE pnr = $1`, father, t.pnr)
	}
	return nil
}

func (t *txn) newcomer() error {
	b := &t.body
	birth, err := parseDate(b.BirthDate)
	if err != nil || b.Name == nil || b.Address == nil || (b.Sex != "M" && b.Sex != "F") {
		return refuse(errBadInput)
	}
	civil := b.Civil
	if civil == "" {
		civil = "U"
	}
	if !free(civil) {
		return refuse(errBadInput)
	}
	citizen, err := code4(b.Citizenship)
	if err != nil || citizen == 0 {
		return refuse(errBadInput)
	}
	if err := t.checkEffective(t.eff, birth, 0); err != nil {
		return err
	}
	if _, err := t.person(t.pnr); err == nil {
		return refuse(errBadInput)
	}
	t.k2, _ = parseCode(b.Address.Kommunekode)
	t.newPerson(t.pnr, b.Sex, birth, t.eff, b.Name, civil, citizen, nil, nil)
	return nil
}

func (t *txn) returning() error {
	p, err := t.person(t.pnr)
	if err != nil {
		return refuse(err)
	}
	if err := p.alive(); err != nil {
		return refuse(err)
	}
	if p.Status != stEmigrated && p.Status != stDisapp {
		return refuse(errNotEmigrated)
	}
	if err := t.checkEffective(t.eff, latest(d(p.StatusFrom), d(p.AddressFrom)), 0); err != nil {
		return err
	}
	k, v, h, e, s := t.addr()
	st := statusFor(v)
	t.k2 = k
	t.q(`UPDATE person SET status = $2, status_from = $3, kommune = $4, vejkode = $5, husnr = $6, etage = $7, sidedoer = $8,
 address_from = $3, kommune_from = $3, previous_kommune = NULL, foreign_country = NULL, foreign_lines = NULL,
 seq = currval('journal_seq') WHERE pnr = $1`, p.PNR, st, t.eff, k, v, h, e, s)
	t.statusHist(p.PNR, t.eff, st)
	t.hist("address_history", p.PNR, t.eff, addressCols, k, v, h, e, s, nil, nil)
	return nil
}

func (t *txn) emigration() error {
	b := &t.body
	country, err := code4(b.Country)
	if err != nil || country == 0 || len(b.Lines) > 5 {
		return refuse(errBadInput)
	}
	p, err := t.person(t.pnr)
	if err != nil {
		return refuse(err)
	}
	if err := p.resident(); err != nil {
		return refuse(err)
	}
	if err := t.checkEffective(t.eff, latest(d(p.AddressFrom), d(p.StatusFrom)), 28); err != nil {
		return err
	}
	t.k1 = p.Kommune
	lines := b.Lines
	if lines == nil {
		lines = []string{}
	}
	t.q(`UPDATE person SET status = $2, status_from = $3, kommune = 0, vejkode = 0, husnr = '', etage = '', sidedoer = '',
 address_from = $3, kommune_from = NULL, previous_kommune = $4, foreign_country = $5, foreign_lines = $6,
 seq = currval('journal_seq') WHERE pnr = $1`, p.PNR, int16(stEmigrated), t.eff, p.Kommune, country, lines)
	t.statusHist(p.PNR, t.eff, stEmigrated)
	t.hist("address_history", p.PNR, t.eff, addressCols, int16(0), int16(0), "", "", "", country, lines)
	return nil
}

func (t *txn) move() error {
	p, err := t.person(t.pnr)
	if err != nil {
		return refuse(err)
	}
	if err := p.resident(); err != nil {
		return refuse(err)
	}
	k, v, h, e, s := t.addr()
	if p.Kommune == k && p.Vejkode == v && p.Husnr == h && p.Etage == e && p.Sidedoer == s {
		return refuse(errSameAddress)
	}
	if err := t.checkEffective(t.eff, latest(d(p.AddressFrom), d(p.StatusFrom)), 28); err != nil {
		return err
	}
	t.k1, t.k2 = p.Kommune, k
	// The arrival in the kommune and the kommune moved from carry over
	// within a kommune.
	kommuneFrom, prev := any(t.eff), any(p.Kommune)
	if p.Kommune == k {
		kommuneFrom, prev = p.KommuneFrom, p.PrevKommune
	}
	st := statusFor(v)
	t.q(`UPDATE person SET kommune = $2, vejkode = $3, husnr = $4, etage = $5, sidedoer = $6, address_from = $7,
 kommune_from = $8, previous_kommune = $9, status = $10,
 status_from = CASE WHEN status = $10 THEN status_from ELSE $7 END, seq = currval('journal_seq') WHERE pnr = $1`,
		p.PNR, k, v, h, e, s, t.eff, kommuneFrom, prev, st)
	t.hist("address_history", p.PNR, t.eff, addressCols, k, v, h, e, s, nil, nil)
	if st != p.Status {
		t.statusHist(p.PNR, t.eff, st)
	}
	return nil
}

func (t *txn) name() error {
	n := t.body.Name
	if n == nil || n.Last == "" {
		return refuse(errBadInput)
	}
	p, err := t.person(t.pnr)
	if err != nil {
		return refuse(err)
	}
	if err := p.alive(); err != nil {
		return refuse(err)
	}
	if err := t.checkEffective(t.eff, latest(d(p.NameFrom), p.Birth), 0); err != nil {
		return err
	}
	t.k1, t.k2 = p.Kommune, p.Kommune
	t.q(`UPDATE person SET first_name = $2, middle_name = $3, last_name = $4, addressing_name = $5, name_from = $6,
 seq = currval('journal_seq') WHERE pnr = $1`, p.PNR, n.First, n.Middle, n.Last, addressing(n), t.eff)
	t.hist("name_history", p.PNR, t.eff, nameCols, n.First, n.Middle, n.Last, addressing(n))
	return nil
}

func (t *txn) setCivil(p int64, civil string, spouse any, from time.Time) {
	t.q(`UPDATE person SET civil = $2, spouse = $3, civil_from = $4, seq = currval('journal_seq') WHERE pnr = $1`, p, civil, spouse, from)
	t.hist("civil_history", p, from, civilCols, civil, spouse)
}

func (t *txn) marriage() error {
	sp, err := parsePNR(t.body.Spouse)
	if err != nil || sp == t.pnr {
		return refuse(errBadInput)
	}
	a, err := t.person(t.pnr)
	if err != nil {
		return refuse(err)
	}
	b, err := t.person(sp)
	if err != nil {
		return refuse(errBadInput)
	}
	for _, p := range []*prow{a, b} {
		if err := p.alive(); err != nil {
			return refuse(err)
		}
		if !free(p.Civil) {
			return refuse(errNotFree)
		}
	}
	if err := t.checkEffective(t.eff, latest(d(a.CivilFrom), d(b.CivilFrom), d(a.StatusFrom), d(b.StatusFrom)), 0); err != nil {
		return err
	}
	if yearsOn(a.Birth, t.eff) < 18 || yearsOn(b.Birth, t.eff) < 18 {
		return refuse(errUnderage)
	}
	code := "G"
	if t.body.Partnership {
		code = "P"
	}
	t.k1, t.k2 = a.Kommune, a.Kommune
	t.setCivil(a.PNR, code, b.PNR, t.eff)
	t.setCivil(b.PNR, code, a.PNR, t.eff)
	return nil
}

func (t *txn) divorce() error {
	a, err := t.person(t.pnr)
	if err != nil {
		return refuse(err)
	}
	if err := a.alive(); err != nil {
		return refuse(err)
	}
	if a.Civil != "G" && a.Civil != "P" {
		return refuse(errNotMarried)
	}
	if err := t.checkEffective(t.eff, d(a.CivilFrom), 0); err != nil {
		return err
	}
	ended := "F"
	if a.Civil == "P" {
		ended = "O"
	}
	t.k1, t.k2 = a.Kommune, a.Kommune
	t.setCivil(a.PNR, ended, a.Spouse, t.eff)
	if a.Spouse != nil {
		b, err := t.person(*a.Spouse)
		if err != nil {
			return refuse(err)
		}
		if b.Spouse != nil && *b.Spouse == a.PNR && b.Civil == a.Civil {
			t.setCivil(b.PNR, ended, a.PNR, latest(t.eff, d(b.CivilFrom)))
		}
	}
	return nil
}

func (t *txn) death() error {
	p, err := t.person(t.pnr)
	if err != nil {
		return refuse(err)
	}
	if err := p.alive(); err != nil {
		return refuse(err)
	}
	if err := t.checkEffective(t.eff, latest(p.Birth, d(p.StatusFrom), d(p.CivilFrom), d(p.AddressFrom)), 0); err != nil {
		return err
	}
	t.k1 = p.Kommune
	t.q(`UPDATE person SET status = $2, status_from = $3, civil = 'D', civil_from = $3, seq = currval('journal_seq') WHERE pnr = $1`,
		p.PNR, int16(stDead), t.eff)
	t.statusHist(p.PNR, t.eff, stDead)
	t.hist("civil_history", p.PNR, t.eff, civilCols, "D", nil)
	if (p.Civil == "G" || p.Civil == "P") && p.Spouse != nil {
		s, err := t.person(*p.Spouse)
		if err != nil {
			return refuse(err)
		}
		if s.Spouse != nil && *s.Spouse == p.PNR && (s.Civil == "G" || s.Civil == "P") {
			left := "E"
			if s.Civil == "P" {
				left = "L"
			}
			t.setCivil(s.PNR, left, p.PNR, latest(t.eff, d(s.CivilFrom)))
		}
	}
	return nil
}

func (t *txn) protection() error {
	typ, err := parseCode(t.body.Type)
	if err != nil || typ < 1 || typ > 3 || t.body.End != "" {
		return refuse(errBadInput)
	}
	p, err := t.person(t.pnr)
	if err != nil {
		return refuse(err)
	}
	if err := p.alive(); err != nil {
		return refuse(err)
	}
	min, on := p.Birth, false
	for i, pt := range p.Protections {
		if pt == typ {
			on, min = true, latest(min, p.ProtFrom[i])
		}
	}
	if !t.body.On && !on {
		return refuse(errNotProtected)
	}
	if err := t.checkEffective(t.eff, min, 0); err != nil {
		return err
	}
	t.k1, t.k2 = p.Kommune, p.Kommune
	t.q(`UPDATE protection SET valid_to = $3 WHERE pnr = $1 AND type = $2 AND valid_to IS NULL`, p.PNR, typ, t.eff)
	if t.body.On {
		t.q(`INSERT INTO protection (pnr, seq, ord, type, valid_from, registered) VALUES ($1, currval('journal_seq'), 0, $2, $3, now())`,
			p.PNR, typ, t.eff)
	}
	t.q(`UPDATE person SET seq = currval('journal_seq') WHERE pnr = $1`, p.PNR)
	return nil
}

func (t *txn) pnrChange() error {
	np, err := parsePNR(t.ch.NewPNR)
	if err != nil {
		return refuse(errBadInput)
	}
	old, err := t.person(t.pnr)
	if err != nil {
		return refuse(err)
	}
	if err := old.alive(); err != nil {
		return refuse(err)
	}
	if err := t.checkEffective(t.eff, d(old.StatusFrom), 0); err != nil {
		return err
	}
	if _, err := t.person(np); err == nil {
		return refuse(errBadInput)
	}
	birth, sex := old.Birth, old.Sex
	if t.body.BirthDate != "" {
		if birth, err = parseDate(t.body.BirthDate); err != nil || birth.After(t.day) {
			return refuse(errBadInput)
		}
	}
	if t.body.Sex != "" {
		sex = t.body.Sex
	}
	t.pnr, t.k1, t.k2 = np, old.Kommune, old.Kommune
	// The new number: the facts in force under the old one, with their
	// from-dates; the status from the day of the change.
	t.q(`INSERT INTO person (pnr, previous_pnr, status, status_from, sex, birth_date, first_name, middle_name, last_name,
 addressing_name, name_from, kommune, vejkode, husnr, etage, sidedoer, address_from, kommune_from, previous_kommune,
 foreign_country, foreign_lines, civil, spouse, civil_from, mother, father, children, citizenship, citizen_from, seq)
 SELECT $2, pnr, status, $3, $4, $5, first_name, middle_name, last_name, addressing_name, name_from, kommune, vejkode,
 husnr, etage, sidedoer, address_from, kommune_from, previous_kommune, foreign_country, foreign_lines, civil, spouse,
 civil_from, mother, father, children, citizenship, citizen_from, currval('journal_seq') FROM person WHERE pnr = $1`,
		old.PNR, np, t.eff, sex, birth)
	t.add("status_history", np, t.eff, "status", old.Status)
	t.add("name_history", np, d(old.NameFrom), nameCols, old.First, old.Middle, old.Last, old.Addr)
	t.add("address_history", np, d(old.AddressFrom), addressCols, old.Kommune, old.Vejkode, old.Husnr, old.Etage,
		old.Sidedoer, old.ForeignCountry, old.ForeignLines)
	t.add("civil_history", np, d(old.CivilFrom), civilCols, old.Civil, old.Spouse)
	t.add("citizenship_history", np, d(old.CitizenFrom), "citizenship", old.Citizenship)
	t.q(`INSERT INTO protection (pnr, seq, ord, type, valid_from, registered)
 SELECT $2, currval('journal_seq'), row_number() OVER (ORDER BY type), type, valid_from, now()
 FROM protection WHERE pnr = $1 AND valid_to IS NULL`, old.PNR, np)
	t.q(`UPDATE person SET status = $2, status_from = $3, current_pnr = $4, seq = currval('journal_seq') WHERE pnr = $1`,
		old.PNR, int16(stPNRChanged), t.eff, np)
	t.statusHist(old.PNR, t.eff, stPNRChanged)
	if old.Spouse != nil && (old.Civil == "G" || old.Civil == "P") {
		if s, err := t.person(*old.Spouse); err == nil && s.Spouse != nil && *s.Spouse == old.PNR {
			t.setCivil(s.PNR, s.Civil, np, latest(t.eff, d(s.CivilFrom)))
		}
	}
	for _, parent := range []*int64{old.Mother, old.Father} {
		if parent == nil {
			continue
		}
		if _, err := t.person(*parent); err == nil {
			t.q(`UPDATE person SET children = array_append(array_remove(children, $2), $3), seq = currval('journal_seq') WHERE pnr = $1`,
				*parent, old.PNR, np)
		}
	}
	for _, c := range old.Children {
		if _, err := t.person(c); err == nil {
			t.q(`UPDATE person SET mother = CASE WHEN mother = $2 THEN $3 ELSE mother END,
 father = CASE WHEN father = $2 THEN $3 ELSE father END, seq = currval('journal_seq') WHERE pnr = $1`, c, old.PNR, np)
		}
	}
	return nil
}

// correction replaces the entry of a name or an address that an earlier
// change registered: the old row stays, marked corrected (K); the new one
// (marked k) has the same valid time. When the entry is the one in force,
// the person's row follows.
func (t *txn) correction(a *applier) error {
	b := &t.body
	table := correctionTable(b.Fact)
	p, err := t.person(t.pnr)
	if err != nil {
		return refuse(err)
	}
	if p.Status == stAnnulled || p.Status == stDuplicate {
		return refuse(errNotActive)
	}
	tr := t.target
	if tr == nil {
		return refuse(errNoSuchEntry)
	}
	t.eff, t.k1 = tr.from, p.Kommune
	t.q(`UPDATE `+table+` SET marker = 'K' WHERE pnr = $1 AND seq = $2 AND ord = $3`, p.PNR, a.journalSeq(b.Target), tr.ord)
	current := tr.to == nil
	switch b.Fact {
	case "address":
		if b.Address == nil {
			return refuse(errBadInput)
		}
		if tr.kommune == 0 {
			return refuse(errBadInput) // a foreign address is not corrected into a Danish one
		}
		k, v, h, e, s := t.addr()
		if special(v) != special(tr.vejkode) {
			return refuse(errBadInput)
		}
		t.q(`INSERT INTO address_history (pnr, seq, ord, valid_from, valid_to, registered, marker, `+addressCols+`)
 VALUES ($1, currval('journal_seq'), 0, $2, $3, now(), 'k', $4, $5, $6, $7, $8, NULL, NULL)`, p.PNR, tr.from, tr.to, k, v, h, e, s)
		if current {
			t.q(`UPDATE person SET kommune = $2, vejkode = $3, husnr = $4, etage = $5, sidedoer = $6, seq = currval('journal_seq')
 WHERE pnr = $1`, p.PNR, k, v, h, e, s)
		}
	case "name":
		n := b.Name
		if n == nil || n.Last == "" {
			return refuse(errBadInput)
		}
		t.q(`INSERT INTO name_history (pnr, seq, ord, valid_from, valid_to, registered, marker, `+nameCols+`)
 VALUES ($1, currval('journal_seq'), 0, $2, $3, now(), 'k', $4, $5, $6, $7)`, p.PNR, tr.from, tr.to, n.First, n.Middle, n.Last, addressing(n))
		if current {
			t.q(`UPDATE person SET first_name = $2, middle_name = $3, last_name = $4, addressing_name = $5, seq = currval('journal_seq')
 WHERE pnr = $1`, p.PNR, n.First, n.Middle, n.Last, addressing(n))
		}
	}
	if !current {
		t.q(`UPDATE person SET seq = currval('journal_seq') WHERE pnr = $1`, p.PNR)
	}
	return nil
}
