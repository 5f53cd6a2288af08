package api

import (
	"net/http"
	"time"

	"cpr/access"
	"cpr/register"
)

func (s *Server) accessLog(c *call) error {
	v := c.r.URL.Query()
	q := access.Query{User: v.Get("user"), Cursor: v.Get("cursor"), Outcome: v.Get("outcome")}
	var err error
	if q.PNR, err = parsePNR("pnr", v.Get("pnr"), false); err != nil {
		return err
	}
	if q.From, q.To, err = timeRange(v.Get("from"), v.Get("to")); err != nil {
		return err
	}
	if q.Limit, err = c.queryInt("limit", 100, 1000); err != nil {
		return err
	}
	return s.answerLog(c, q)
}

// myAccessLog shows citizens who looked them up.
func (s *Server) myAccessLog(c *call) error {
	q := access.Query{PNR: c.user.PNR, Cursor: c.r.URL.Query().Get("cursor")}
	var err error
	if q.Limit, err = c.queryInt("limit", 100, 1000); err != nil {
		return err
	}
	return s.answerLog(c, q)
}

func (s *Server) answerLog(c *call, q access.Query) error {
	es, next, err := s.acc.Query(q)
	if err != nil {
		return err
	}
	if es == nil {
		es = []access.Entry{}
	}
	return c.json(http.StatusOK, map[string]any{"entries": es, "next": next})
}

// flags answers a page of the flags of a window, with the totals per
// rule over the whole window. Without from and to the window is the 24
// hours before now; give both to page a fixed window.
func (s *Server) flags(c *call) error {
	v := c.r.URL.Query()
	from, to, err := timeRange(v.Get("from"), v.Get("to"))
	if err != nil {
		return err
	}
	if to.IsZero() {
		to = s.clock()
	}
	if from.IsZero() {
		from = to.Add(-24 * time.Hour)
	}
	q := access.FlagQuery{From: from, To: to, Rule: v.Get("rule"), Cursor: v.Get("cursor")}
	if q.Limit, err = c.queryInt("limit", 100, 1000); err != nil {
		return err
	}
	page, err := s.acc.Flags(q)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, map[string]any{"flags": page.Flags, "next": page.Next, "totals": page.Totals,
		"from": from.UTC(), "to": to.UTC()})
}

func timeRange(from, to string) (f, t time.Time, err error) {
	if from != "" {
		if f, err = time.Parse(time.RFC3339Nano, from); err != nil {
			return f, t, &fieldError{field: "from", reason: "must be an RFC 3339 time", err: register.ErrInvalid}
		}
	}
	if to != "" {
		if t, err = time.Parse(time.RFC3339Nano, to); err != nil {
			return f, t, &fieldError{field: "to", reason: "must be an RFC 3339 time", err: register.ErrInvalid}
		}
	}
	return f, t, nil
}
