package api

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"cpr/access"
	"cpr/address"
	"cpr/date"
	"cpr/pnr"
	"cpr/register"
	"cpr/wire"
)

// pathPNR reads the {pnr} path value; a citizen may only name their own,
// any number they have had (a pnr change keeps the old one theirs).
func (c *call) pathPNR() (pnr.PNR, error) {
	p, err := pnr.Parse(c.r.PathValue("pnr"))
	if err != nil {
		return 0, badField("pnr", err)
	}
	if c.user.Role == access.RoleCitizen && p != c.user.PNR {
		own, err := c.s.acc.PNRs(c.user.PNR)
		if err != nil {
			c.s.log.Error("api: pnr chain read failed", "err", err)
			return 0, register.ErrUnavailable
		}
		if !slices.Contains(own, p) {
			c.pnr = p
			return 0, errNotYours // fail charges, logs (or 503) and answers it
		}
	}
	return p, nil
}

// errAnswered means the handler has written its answer already.
var errAnswered = errors.New("api: answered")

// readEntry is the access log entry for reading person p as the reader
// got it (a snapshot of a past day or time, or the current record); now
// is the stored current record, nil when p is it. The read is protected
// if the person is under name and address protection today in either.
// PersonKommune is the snapshot's kommune, unless that is the reader's
// and the person lives elsewhere now: a clerk reading a past day of a
// person who has moved out of their kommune is flagged other_kommune,
// the same as reading them today.
func (c *call) readEntry(p, now *register.Person, status int) access.Entry {
	today := date.InCopenhagen(c.s.clock())
	e := access.Entry{PNR: p.PNR, Outcome: "read", Status: status, PersonKommune: p.Kommune(),
		Protected: p.Protected(register.ProtectNameAddress, today)}
	if now != nil {
		e.Protected = e.Protected || now.Protected(register.ProtectNameAddress, today)
		if k := now.Kommune(); k != 0 && (e.PersonKommune == 0 || e.PersonKommune == c.user.Kommune) {
			e.PersonKommune = k
		}
	}
	return e
}

// current is the stored current record of p for readEntry, or nil when
// it cannot be read (the snapshot's entry is logged then).
func (s *Server) current(p pnr.PNR) *register.Person {
	now, err := s.reg.Get(p)
	if err != nil {
		return nil
	}
	return now
}

func (s *Server) getPerson(c *call) error {
	p, err := c.pathPNR()
	if err != nil {
		return err
	}
	if err := c.spend(1, p); err != nil {
		return err
	}
	q := c.r.URL.Query()
	var person, now *register.Person
	switch at, known := q.Get("at"), q.Get("known"); {
	case at == "" && known == "":
		person, err = s.reg.Get(p)
	default:
		d := date.InCopenhagen(s.clock())
		if at != "" {
			if d, err = date.Parse(at); err != nil {
				return badField("at", err)
			}
		}
		var kt time.Time
		if known != "" {
			if kt, err = time.Parse(time.RFC3339Nano, known); err != nil {
				return &fieldError{field: "known", reason: "must be an RFC 3339 time", err: register.ErrInvalid}
			}
		}
		person, err = s.reg.AsOf(p, d, kt)
		if err == nil {
			now = s.current(p)
		}
	}
	if errors.Is(err, register.ErrNotFound) {
		if lerr := c.logAccess(access.Entry{PNR: p, Outcome: "read", Status: http.StatusNotFound}); lerr != nil {
			return lerr
		}
		return err
	}
	if err != nil {
		return err
	}
	if err := c.logAccess(c.readEntry(person, now, http.StatusOK)); err != nil {
		return err
	}
	return c.json(http.StatusOK, wire.PersonOf(person, s.reg.Roads()))
}

func (s *Server) getHistory(c *call) error {
	p, err := c.pathPNR()
	if err != nil {
		return err
	}
	if err := c.spend(1, p); err != nil {
		return err
	}
	person, err := s.reg.Get(p)
	if errors.Is(err, register.ErrNotFound) {
		if lerr := c.logAccess(access.Entry{PNR: p, Outcome: "read", Status: http.StatusNotFound}); lerr != nil {
			return lerr
		}
		return err
	}
	if err != nil {
		return err
	}
	hist, err := s.reg.History(p)
	if err != nil {
		return err
	}
	if err := c.logAccess(c.readEntry(person, nil, http.StatusOK)); err != nil {
		return err
	}
	out := struct {
		PNR     string       `json:"pnr"`
		Entries []wire.Entry `json:"entries"`
	}{PNR: p.String(), Entries: []wire.Entry{}}
	for _, h := range hist {
		out.Entries = append(out.Entries, wire.EntryOf(h, s.reg.Roads()))
	}
	return c.json(http.StatusOK, out)
}

// parseBirth reads a full or partial birth date: YYYY, YYYY-MM or YYYY-MM-DD.
func parseBirth(s string) (from, to date.Date, err error) {
	switch len(s) {
	case 4:
		if from, err = date.Parse(s + "-01-01"); err == nil {
			to, err = date.Parse(s + "-12-31")
		}
	case 7:
		if from, err = date.Parse(s + "-01"); err == nil {
			to = from
			for next := to.AddDays(1); next.Month() == from.Month(); next = next.AddDays(1) {
				to = next
			}
		}
	default:
		from, err = date.Parse(s)
		to = from
	}
	return from, to, err
}

func (s *Server) search(c *call) error {
	v := c.r.URL.Query()
	q := register.Query{Name: v.Get("name"), Phonetic: v.Get("phonetic") == "true"}
	var err error
	if b := v.Get("birth_date"); b != "" {
		if q.BirthFrom, q.BirthTo, err = parseBirth(b); err != nil {
			return badField("birth_date", err)
		}
	}
	if sx := v.Get("sex"); sx != "" {
		if q.Sex, err = pnr.ParseSex(sx); err != nil {
			return &fieldError{field: "sex", reason: "must be M or F", err: register.ErrInvalid}
		}
	}
	if k := v.Get("kommunekode"); k != "" {
		if q.Kommune, err = address.ParseKommunekode(k); err != nil {
			return badField("kommunekode", err)
		}
	}
	if vej := v.Get("vejkode"); vej != "" {
		a, err := address.Parse(v.Get("kommunekode"), vej, orDefault(v.Get("husnr"), "1"), v.Get("etage"), v.Get("sidedoer"))
		if err != nil {
			return badField("address", err)
		}
		aq := &register.AddressQuery{Kommune: a.Kommunekode, Vejkode: a.Vejkode, Etage: a.Etage, Sidedoer: a.Sidedoer,
			Historical: v.Get("historical") == "true"}
		if v.Get("husnr") != "" {
			aq.Husnr = a.Husnr
		}
		q.Address, q.Kommune = aq, 0
	}
	if q.Limit, err = c.queryInt("limit", 20, 500); err != nil {
		return err
	}
	if cur := v.Get("cursor"); cur != "" {
		if q.After, err = s.cursors.open(c.user.ID, cur); err != nil {
			return err
		}
	}
	today := date.InCopenhagen(s.clock())
	q.Hide = func(p *register.Person) bool { return unlisted(c, p, today) }
	persons, next, err := s.reg.Search(q)
	if err != nil {
		return err
	}
	if err := c.spend(len(persons), 0); err != nil {
		return err
	}
	out := struct {
		Persons []wire.Person `json:"persons"`
		Next    string        `json:"next"`
	}{Persons: []wire.Person{}}
	entries := make([]access.Entry, 0, len(persons))
	for _, p := range persons {
		out.Persons = append(out.Persons, wire.PersonOf(p, s.reg.Roads()))
		entries = append(entries, c.readEntry(p, nil, http.StatusOK))
	}
	if !next.IsZero() {
		out.Next = s.cursors.seal(c.user.ID, next)
	}
	if err := c.logMany(entries); err != nil {
		return err
	}
	return c.json(http.StatusOK, out)
}

// unlisted reports whether a search or a residents list leaves p out for
// this user: a person under name and address protection (0001, in force
// today) is found by clerks only (they register the moves; each read is
// logged protected and flagged). A lookup user who has the pnr may still
// look the person up (logged and flagged); a search or an address does
// not lead anyone else to them.
func unlisted(c *call, p *register.Person, today date.Date) bool {
	return c.user.Role != access.RoleClerk && p.Protected(register.ProtectNameAddress, today)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// logMany writes one access log entry per person read.
func (c *call) logMany(es []access.Entry) error {
	for i := range es {
		c.stamp(&es[i])
	}
	if len(es) == 0 {
		return nil
	}
	if err := c.s.acc.LogMany(es); err != nil {
		c.s.log.Error("api: access log write failed", "err", err)
		return register.ErrUnavailable
	}
	return nil
}

func (s *Server) residents(c *call) error {
	v := c.r.URL.Query()
	a, err := address.Parse(c.r.PathValue("kommunekode"), c.r.PathValue("vejkode"), c.r.PathValue("husnr"),
		v.Get("etage"), v.Get("sidedoer"))
	if err != nil {
		return badField("address", err)
	}
	if err := s.reg.Roads().Validate(a); err != nil {
		return badField("address", err)
	}
	on := date.InCopenhagen(s.clock())
	if at := v.Get("at"); at != "" {
		if on, err = date.Parse(at); err != nil {
			return badField("at", err)
		}
	}
	today := date.InCopenhagen(s.clock())
	rs, err := s.reg.Residents(a, on)
	if err != nil {
		return err
	}
	type resident struct {
		Person wire.Person `json:"person"`
		From   date.Date   `json:"from"`
		To     date.Date   `json:"to,omitzero"`
	}
	out := struct {
		Address  *wire.Address `json:"address"`
		At       date.Date     `json:"at"`
		Resident []resident    `json:"residents"`
	}{Address: wire.AddressOf(a, s.reg.Roads()), At: on, Resident: []resident{}}
	var entries []access.Entry
	for _, r := range rs {
		p, err := s.reg.AsOf(r.PNR, on, time.Time{})
		if errors.Is(err, register.ErrNotFound) {
			continue
		} else if err != nil {
			return err
		}
		if unlisted(c, p, today) {
			continue
		}
		var now *register.Person
		if on != today {
			// Protected now, though perhaps not on the day asked about.
			if now = s.current(r.PNR); now != nil && unlisted(c, now, today) {
				continue
			}
		}
		out.Resident = append(out.Resident, resident{Person: wire.PersonOf(p, s.reg.Roads()), From: r.From, To: r.To})
		entries = append(entries, c.readEntry(p, now, http.StatusOK))
	}
	if err := c.spend(len(entries), 0); err != nil {
		return err
	}
	if err := c.logMany(entries); err != nil {
		return err
	}
	return c.json(http.StatusOK, out)
}
