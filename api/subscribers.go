package api

import (
	"fmt"
	"net/http"
	"strconv"

	"cpr/access"
	"cpr/address"
	"cpr/pnr"
	"cpr/register"
	"cpr/subscription"
	"cpr/wire"
)

// subscriberJSON is the API shape of a subscriber (the secret stays in).
type subscriberJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Kind       string     `json:"kind"`
	TaskNumber int        `json:"task_number"`
	Scope      []string   `json:"scope"`
	Circle     circleJSON `json:"circle"`
	Marks      int        `json:"marks"`
	Created    string     `json:"created"`
	Updated    string     `json:"updated"`
}

type circleJSON struct {
	Kommuner []string `json:"kommuner"`
	Age      *ageJSON `json:"age,omitempty"`
	Kinds    []string `json:"kinds"`
	Marks    bool     `json:"marks"`
}

type ageJSON struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

func subscriberOut(s subscription.Subscriber, marks int) subscriberJSON {
	out := subscriberJSON{ID: s.ID, Name: s.Name, Kind: string(s.Kind), TaskNumber: s.TaskNumber, Scope: s.Scope.Names(),
		Marks: marks, Created: s.Created.Format("2006-01-02T15:04:05Z"), Updated: s.Updated.Format("2006-01-02T15:04:05Z"),
		Circle: circleJSON{Kommuner: []string{}, Kinds: []string{}, Marks: s.UsesMarks()}}
	for _, k := range s.Circle.Kommuner {
		out.Circle.Kommuner = append(out.Circle.Kommuner, wire.Code4(k))
	}
	for _, k := range s.Circle.Kinds {
		out.Circle.Kinds = append(out.Circle.Kinds, k.String())
	}
	if s.Circle.AgeMin > 0 || s.Circle.AgeMax > 0 {
		out.Circle.Age = &ageJSON{s.Circle.AgeMin, s.Circle.AgeMax}
	}
	return out
}

// ownSubscriber refuses a subscriber user asking about another subscriber.
func (c *call) ownSubscriber(id string) error {
	if c.user.Role == access.RoleSubscriber && c.user.Subscriber != id {
		return errForbidden
	}
	return nil
}

func (s *Server) putSubscriber(c *call) error {
	var b struct {
		Name       string   `json:"name"`
		Kind       string   `json:"kind"`
		TaskNumber int      `json:"task_number"`
		Scope      []string `json:"scope"`
		Circle     struct {
			Kommuner []string `json:"kommuner"`
			Age      *ageJSON `json:"age"`
			Kinds    []string `json:"kinds"`
			Marks    bool     `json:"marks"`
		} `json:"circle"`
	}
	if _, err := c.decode(&b); err != nil {
		return err
	}
	sub := subscription.Subscriber{ID: c.r.PathValue("id"), Name: b.Name, Kind: subscription.Kind(b.Kind), TaskNumber: b.TaskNumber}
	var err error
	if sub.Scope, err = subscription.ParseScope(b.Scope); err != nil {
		return err
	}
	for _, k := range b.Circle.Kommuner {
		code, err := address.ParseKommunekode(k)
		if err != nil {
			return badField("circle.kommuner", err)
		}
		sub.Circle.Kommuner = append(sub.Circle.Kommuner, code)
	}
	for _, k := range b.Circle.Kinds {
		kind, ok := register.ParseKind(k)
		if !ok {
			return &fieldError{field: "circle.kinds", reason: "unknown change kind", err: register.ErrInvalid}
		}
		sub.Circle.Kinds = append(sub.Circle.Kinds, kind)
	}
	if b.Circle.Age != nil {
		sub.Circle.AgeMin, sub.Circle.AgeMax = b.Circle.Age.Min, b.Circle.Age.Max
	}
	sub.Circle.Marks = b.Circle.Marks
	saved, created, err := s.subs.Put(sub)
	if err != nil {
		return err
	}
	if s.subsChange != nil {
		if err := s.subsChange(); err != nil {
			s.log.Error("api: subscriber NATS users", "err", err)
		}
	}
	_, marks, _ := s.subs.Get(saved.ID)
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.json(status, subscriberOut(saved, marks))
}

func (s *Server) getSubscriber(c *call) error {
	id := c.r.PathValue("id")
	if err := c.ownSubscriber(id); err != nil {
		return err
	}
	sub, marks, err := s.subs.Get(id)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, subscriberOut(sub, marks))
}

// maxMarksBody caps the body of POST /v1/subscribers/{id}/marks: the
// document promises 100,000 marks with customer keys in one call. A mark
// is 40 bytes as compact JSON ({"pnr":"0101901234","key":"ABCDEFGHIJ"},),
// about 70 indented, 120 with every key byte \u-escaped; 16 MiB is 167 a
// mark. The route is the administrator's only.
const maxMarksBody = 16 << 20

func (s *Server) postMarks(c *call) error {
	c.maxBody = maxMarksBody
	var b struct {
		Marks []struct {
			PNR string `json:"pnr"`
			Key string `json:"key"`
		} `json:"marks"`
	}
	if _, err := c.decode(&b); err != nil {
		return err
	}
	if len(b.Marks) > subscription.MaxMarksPerCall {
		return &fieldError{field: "marks", reason: "at most 100000 a call", err: register.ErrInvalid}
	}
	marks := make([]subscription.Mark, len(b.Marks))
	for i, m := range b.Marks {
		p, err := pnr.Parse(m.PNR)
		if err != nil {
			return &fieldError{field: "marks[" + strconv.Itoa(i) + "].pnr", reason: reasonOf(err), err: err}
		}
		marks[i] = subscription.Mark{PNR: p, Key: m.Key}
	}
	added, err := s.subs.AddMarks(c.r.PathValue("id"), marks)
	if err != nil {
		return err
	}
	c.persons = len(marks) // for the admin entry (auditAdmin)
	_, total, _ := s.subs.Get(c.r.PathValue("id"))
	return c.json(http.StatusOK, map[string]int{"added": added, "marks": total})
}

func (s *Server) deleteMark(c *call) error {
	p, err := pnr.Parse(c.r.PathValue("pnr"))
	if err != nil {
		return badField("pnr", err)
	}
	if err := s.subs.RemoveMark(c.r.PathValue("id"), p); err != nil {
		return err
	}
	c.status = http.StatusNoContent
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) subscriberNATS(c *call) error {
	id := c.r.PathValue("id")
	if err := c.ownSubscriber(id); err != nil {
		return err
	}
	sub, _, err := s.subs.Get(id)
	if err != nil {
		return err
	}
	if sub.Kind == subscription.Research {
		return errNoResearchLive
	}
	if s.subNATS == nil {
		return fmt.Errorf("%w: no live feed", register.ErrUnavailable)
	}
	login, err := s.subNATS(id)
	if err != nil {
		return fmt.Errorf("%w: %v", register.ErrUnavailable, err)
	}
	return c.json(http.StatusOK, login)
}
