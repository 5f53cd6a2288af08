package api

import (
	"crypto/sha256"
	"errors"
	"net/http"
	"strings"

	"github.com/oklog/ulid/v2"

	"cpr/access"
	"cpr/address"
	"cpr/date"
	"cpr/pnr"
	"cpr/register"
)

// Request bodies. Dates are "YYYY-MM-DD" and pnrs "DDMMYYSSSS" strings,
// parsed here so that every error names its field.

type addressBody struct {
	Kommunekode string `json:"kommunekode"`
	Vejkode     string `json:"vejkode"`
	Husnr       string `json:"husnr"`
	Etage       string `json:"etage"`
	Sidedoer    string `json:"sidedoer"`
}

type nameBody struct {
	First      string `json:"first"`
	Middle     string `json:"middle"`
	Last       string `json:"last"`
	Addressing string `json:"addressing"`
}

func (n *nameBody) name() register.Name {
	if n == nil {
		return register.Name{}
	}
	return register.Name{First: n.First, Middle: n.Middle, Last: n.Last, Addressing: n.Addressing}
}

func parseAddress(field string, b *addressBody) (address.Address, error) {
	if b == nil {
		return address.Address{}, &fieldError{field: field, reason: "is required", err: register.ErrInvalid}
	}
	a, err := address.Parse(b.Kommunekode, b.Vejkode, b.Husnr, b.Etage, b.Sidedoer)
	if err != nil {
		return a, badField(field, err)
	}
	return a, nil
}

func parseDate(field, s string, required bool) (date.Date, error) {
	if s == "" {
		if required {
			return 0, &fieldError{field: field, reason: "is required", err: register.ErrInvalid}
		}
		return 0, nil
	}
	d, err := date.Parse(s)
	if err != nil {
		return 0, badField(field, err)
	}
	return d, nil
}

func parsePNR(field, s string, required bool) (pnr.PNR, error) {
	if s == "" {
		if required {
			return 0, &fieldError{field: field, reason: "is required", err: register.ErrInvalid}
		}
		return 0, nil
	}
	p, err := pnr.Parse(s)
	if err != nil {
		return 0, badField(field, err)
	}
	return p, nil
}

func parseSex(field, s string, required bool) (pnr.Sex, error) {
	if s == "" && !required {
		return 0, nil
	}
	sx, err := pnr.ParseSex(s)
	if err != nil {
		return 0, &fieldError{field: field, reason: "must be M or F", err: register.ErrInvalid}
	}
	return sx, nil
}

// change decodes body, builds the change, checks the clerk's kommune and
// applies it. build returns the change and the kommune it belongs to (0:
// the kommune the person named in the path lives in, which the register
// checks, see register.Meta.Kommune).
func (s *Server) change(c *call, body any, build func() (register.Change, uint16, error)) error {
	raw, err := c.decode(body)
	if err != nil {
		return err
	}
	ch, kommune, err := build()
	if err != nil {
		return err
	}
	audit := c.beginChange(ch)
	m := register.Meta{Actor: c.user.ID}
	if c.user.Role == access.RoleClerk {
		if kommune == 0 {
			// The kommune the person lives (or last lived) in: the
			// register checks it when it applies the change, so a move
			// registered meanwhile cannot slip past.
			m.Kommune = c.user.Kommune
		} else if kommune != c.user.Kommune {
			return errWrongKommune
		}
	}
	if key := c.r.Header.Get("Idempotency-Key"); key != "" {
		if len(key) > 200 {
			return &fieldError{field: "Idempotency-Key", reason: "at most 200 characters", err: register.ErrInvalid}
		}
		m.IdempotencyKey = key
		m.BodyHash = sha256.Sum256(append([]byte(c.r.Method+" "+c.r.URL.Path+"\n"), raw...))
	}
	res, err := s.reg.Apply(c.r.Context(), ch, m)
	audit.end(res, err)
	if err != nil {
		return err
	}
	if res.Replayed {
		c.w.Header().Set("Idempotent-Replayed", "true")
	}
	return c.json(http.StatusCreated, map[string]any{
		"id": ulid.ULID(res.ID).String(), "seq": res.Seq, "pnr": res.PNR.String(),
	})
}

func (s *Server) postBirth(c *call) error {
	var b struct {
		Mother      string       `json:"mother"`
		Father      string       `json:"father"`
		BirthDate   string       `json:"birth_date"`
		Sex         string       `json:"sex"`
		Name        *nameBody    `json:"name"`
		Address     *addressBody `json:"address"`
		Citizenship uint16       `json:"citizenship"`
	}
	return s.change(c, &b, func() (register.Change, uint16, error) {
		var ch register.Birth
		var err error
		if ch.Mother, err = parsePNR("mother", b.Mother, true); err != nil {
			return nil, 0, err
		}
		if ch.Father, err = parsePNR("father", b.Father, false); err != nil {
			return nil, 0, err
		}
		if ch.BirthDate, err = parseDate("birth_date", b.BirthDate, true); err != nil {
			return nil, 0, err
		}
		if ch.Sex, err = parseSex("sex", b.Sex, true); err != nil {
			return nil, 0, err
		}
		ch.Name, ch.Citizenship = b.Name.name(), b.Citizenship
		if b.Address != nil {
			if ch.Address, err = parseAddress("address", b.Address); err != nil {
				return nil, 0, err
			}
			return ch, ch.Address.Kommunekode, nil
		}
		mother, err := s.reg.Get(ch.Mother)
		if errors.Is(err, register.ErrNotFound) {
			return nil, 0, &fieldError{field: "mother", reason: "no such person", err: register.ErrInvalid}
		} else if err != nil {
			return nil, 0, err
		}
		if mother.Kommune() == 0 {
			return nil, 0, &fieldError{field: "address", reason: "is required when the mother does not live in Denmark", err: register.ErrInvalid}
		}
		return ch, mother.Kommune(), nil
	})
}

func (s *Server) postImmigration(c *call) error {
	var b struct {
		PNR         string       `json:"pnr"`
		Effective   string       `json:"effective"`
		Address     *addressBody `json:"address"`
		BirthDate   string       `json:"birth_date"`
		Sex         string       `json:"sex"`
		Name        *nameBody    `json:"name"`
		Civil       string       `json:"civil"`
		Citizenship uint16       `json:"citizenship"`
	}
	return s.change(c, &b, func() (register.Change, uint16, error) {
		var ch register.Immigration
		var err error
		if ch.PNR, err = parsePNR("pnr", b.PNR, false); err != nil {
			return nil, 0, err
		}
		if ch.Effective, err = parseDate("effective", b.Effective, true); err != nil {
			return nil, 0, err
		}
		if ch.Address, err = parseAddress("address", b.Address); err != nil {
			return nil, 0, err
		}
		if ch.BirthDate, err = parseDate("birth_date", b.BirthDate, ch.PNR.IsZero()); err != nil {
			return nil, 0, err
		}
		if ch.Sex, err = parseSex("sex", b.Sex, ch.PNR.IsZero()); err != nil {
			return nil, 0, err
		}
		if len(b.Civil) > 1 {
			return nil, 0, &fieldError{field: "civil", reason: "must be one letter", err: register.ErrInvalid}
		}
		if b.Civil != "" {
			ch.Civil = register.Civil(b.Civil[0])
		}
		ch.Name, ch.Citizenship = b.Name.name(), b.Citizenship
		return ch, ch.Address.Kommunekode, nil
	})
}

func (s *Server) postMove(c *call) error {
	var b struct {
		Effective string       `json:"effective"`
		Address   *addressBody `json:"address"`
	}
	return s.change(c, &b, func() (register.Change, uint16, error) {
		p, err := pnr.Parse(c.r.PathValue("pnr"))
		if err != nil {
			return nil, 0, badField("pnr", err)
		}
		ch := register.Move{PNR: p}
		if ch.Effective, err = parseDate("effective", b.Effective, true); err != nil {
			return nil, 0, err
		}
		if ch.Address, err = parseAddress("address", b.Address); err != nil {
			return nil, 0, err
		}
		// A move is registered by the receiving kommune.
		return ch, ch.Address.Kommunekode, nil
	})
}

// personChange handles the changes about the person in the path whose
// kommune is the one they live in.
func (s *Server) personChange(c *call, body any, build func(p pnr.PNR) (register.Change, error)) error {
	return s.change(c, body, func() (register.Change, uint16, error) {
		p, err := pnr.Parse(c.r.PathValue("pnr"))
		if err != nil {
			return nil, 0, badField("pnr", err)
		}
		ch, err := build(p)
		return ch, 0, err
	})
}

func (s *Server) postName(c *call) error {
	var b struct {
		Effective string    `json:"effective"`
		Name      *nameBody `json:"name"`
	}
	return s.personChange(c, &b, func(p pnr.PNR) (register.Change, error) {
		eff, err := parseDate("effective", b.Effective, true)
		if err != nil {
			return nil, err
		}
		if b.Name == nil {
			return nil, &fieldError{field: "name", reason: "is required", err: register.ErrInvalid}
		}
		return register.NameChange{PNR: p, Effective: eff, Name: b.Name.name()}, nil
	})
}

func (s *Server) postMarriage(c *call) error {
	var b struct {
		Spouse      string `json:"spouse"`
		Effective   string `json:"effective"`
		Partnership bool   `json:"partnership"`
	}
	return s.personChange(c, &b, func(p pnr.PNR) (register.Change, error) {
		spouse, err := parsePNR("spouse", b.Spouse, true)
		if err != nil {
			return nil, err
		}
		eff, err := parseDate("effective", b.Effective, true)
		if err != nil {
			return nil, err
		}
		return register.Marriage{PNR: p, Spouse: spouse, Effective: eff, Partnership: b.Partnership}, nil
	})
}

type effectiveBody struct {
	Effective string `json:"effective"`
}

func (s *Server) postDivorce(c *call) error {
	var b effectiveBody
	return s.personChange(c, &b, func(p pnr.PNR) (register.Change, error) {
		eff, err := parseDate("effective", b.Effective, true)
		return register.Divorce{PNR: p, Effective: eff}, err
	})
}

func (s *Server) postDeath(c *call) error {
	var b effectiveBody
	return s.personChange(c, &b, func(p pnr.PNR) (register.Change, error) {
		eff, err := parseDate("effective", b.Effective, true)
		return register.Death{PNR: p, Effective: eff}, err
	})
}

func (s *Server) postEmigration(c *call) error {
	var b struct {
		Effective string   `json:"effective"`
		Country   uint16   `json:"country"`
		Lines     []string `json:"lines"`
	}
	c.renames = map[string]string{"foreign.country": "country", "foreign.lines": "lines"}
	return s.personChange(c, &b, func(p pnr.PNR) (register.Change, error) {
		eff, err := parseDate("effective", b.Effective, true)
		if err != nil {
			return nil, err
		}
		return register.Emigration{PNR: p, Effective: eff, Foreign: register.Foreign{Country: b.Country, Lines: b.Lines}}, nil
	})
}

func (s *Server) postProtection(c *call) error {
	var b struct {
		Type      string `json:"type"`
		On        *bool  `json:"on"`
		Effective string `json:"effective"`
		End       string `json:"end"`
	}
	return s.personChange(c, &b, func(p pnr.PNR) (register.Change, error) {
		var t register.Protection
		switch strings.TrimLeft(b.Type, "0") {
		case "1":
			t = register.ProtectNameAddress
		case "2":
			t = register.ProtectLocalDirectory
		case "3":
			t = register.ProtectMarketing
		default:
			return nil, &fieldError{field: "type", reason: "must be 0001, 0002 or 0003", err: register.ErrInvalid}
		}
		if b.On == nil {
			return nil, &fieldError{field: "on", reason: "is required (true or false)", err: register.ErrInvalid}
		}
		eff, err := parseDate("effective", b.Effective, true)
		if err != nil {
			return nil, err
		}
		end, err := parseDate("end", b.End, false)
		if err != nil {
			return nil, err
		}
		return register.ProtectionChange{PNR: p, Type: t, On: *b.On, Effective: eff, End: end}, nil
	})
}

func (s *Server) postPNRChange(c *call) error {
	var b struct {
		Effective string `json:"effective"`
		BirthDate string `json:"birth_date"`
		Sex       string `json:"sex"`
	}
	return s.personChange(c, &b, func(p pnr.PNR) (register.Change, error) {
		eff, err := parseDate("effective", b.Effective, true)
		if err != nil {
			return nil, err
		}
		birth, err := parseDate("birth_date", b.BirthDate, false)
		if err != nil {
			return nil, err
		}
		sex, err := parseSex("sex", b.Sex, false)
		if err != nil {
			return nil, err
		}
		return register.PNRChange{PNR: p, Effective: eff, BirthDate: birth, Sex: sex}, nil
	})
}

func (s *Server) postCorrection(c *call) error {
	var b struct {
		Fact        string       `json:"fact"`
		Target      uint64       `json:"target"`
		Annul       bool         `json:"annul"`
		Effective   string       `json:"effective"`
		Name        *nameBody    `json:"name"`
		Address     *addressBody `json:"address"`
		Citizenship uint16       `json:"citizenship"`
	}
	return s.personChange(c, &b, func(p pnr.PNR) (register.Change, error) {
		ch := register.Correction{PNR: p, Target: b.Target, Annul: b.Annul, Citizenship: b.Citizenship}
		switch b.Fact {
		case "name":
			ch.Fact = register.FactName
		case "address":
			ch.Fact = register.FactAddress
		case "citizenship":
			ch.Fact = register.FactCitizenship
		default:
			return nil, &fieldError{field: "fact", reason: "must be name, address or citizenship", err: register.ErrInvalid}
		}
		var err error
		if ch.Effective, err = parseDate("effective", b.Effective, false); err != nil {
			return nil, err
		}
		if b.Name != nil {
			n := b.Name.name()
			ch.Name = &n
		}
		if b.Address != nil {
			a, err := parseAddress("address", b.Address)
			if err != nil {
				return nil, err
			}
			ch.Address = &a
		}
		return ch, nil
	})
}
