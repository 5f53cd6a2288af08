package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"cpr/access"
	"cpr/pnr"
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

// myAccessLog shows citizens who looked them up, in their own shape
// (see myEntry).
func (s *Server) myAccessLog(c *call) error {
	q := access.Query{PNR: c.user.PNR, Cursor: c.r.URL.Query().Get("cursor")}
	var err error
	if q.Limit, err = c.queryInt("limit", 100, 1000); err != nil {
		return err
	}
	own, err := s.acc.PNRs(c.user.PNR)
	if err != nil {
		s.log.Error("api: pnr chain read failed", "err", err)
		return register.ErrUnavailable
	}
	es, next, err := s.myEntries(q, own)
	if err != nil {
		return err
	}
	out := make([]myEntry, 0, len(es))
	for _, e := range es {
		out = append(out, myEntryOf(e))
	}
	return c.json(http.StatusOK, map[string]any{"entries": out, "next": next})
}

// myEntries is a page of the entries about any of the numbers own, newest
// first: each number's index is read from the same cursor and the pages
// are merged. next is the id of the page's last entry (the cursor is an
// exclusive upper bound in every index), or "" when nothing is left.
func (s *Server) myEntries(q access.Query, own []pnr.PNR) ([]access.Entry, string, error) {
	limit := q.Limit
	var all []access.Entry
	more := false
	for _, p := range own {
		q.PNR = p
		es, next, err := s.acc.Query(q)
		if err != nil {
			return nil, "", err
		}
		all = append(all, es...)
		more = more || next != ""
	}
	slices.SortFunc(all, func(a, b access.Entry) int { return strings.Compare(b.ID, a.ID) })
	if len(all) > limit {
		all, more = all[:limit], true
	}
	next := ""
	if more && len(all) > 0 {
		next = all[len(all)-1].ID
	}
	return all, next, nil
}

// myEntry is an access log entry as the citizen it is about sees it:
// when, what kind of access, and by whom as an authority (a role, and a
// clerk's kommune); the purpose only of a read by a public authority
// (clerk, lookup). Never a user id or a token id: another citizen who
// tried the record shows as "citizen" and nothing else.
type myEntry struct {
	Time    time.Time `json:"time"`
	PNR     string    `json:"pnr"`
	Access  string    `json:"access"` // read, changed or refused
	By      string    `json:"by"`     // the role, or "unknown"
	Kommune string    `json:"kommune,omitempty"`
	Purpose string    `json:"purpose,omitempty"`
}

func myEntryOf(e access.Entry) myEntry {
	m := myEntry{Time: e.Time, PNR: e.PNR.String(), Access: "changed", By: string(e.Role)}
	switch e.Outcome {
	case access.OutcomeRead:
		m.Access = "read"
	case access.OutcomeDenied, access.OutcomeRefused:
		m.Access = "refused"
	}
	if m.By == "" {
		m.By = "unknown"
	}
	if e.Role == access.RoleClerk && e.UserKommune != 0 {
		m.Kommune = fmt.Sprintf("%04d", e.UserKommune)
	}
	if m.Access == "read" && (e.Role == access.RoleClerk || e.Role == access.RoleLookup) {
		m.Purpose = e.Purpose
	}
	return m
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
