package api

import (
	"net/http"

	"cpr/access"
	"cpr/date"
	"cpr/pnr"
	"cpr/register"
)

// changeAudit writes the access log entries of one write: who changed
// which persons, with what outcome. begin reads the persons as they were
// before the change (their kommune, their spouse), end writes the entries.
type changeAudit struct {
	c      *call
	ch     register.Change
	before *register.Person // the subject before the change; nil: none
}

// beginChange starts the audit of ch. It reads the subject before the
// change, for the kommune it lived in (move_from_other_kommune compares
// it with the clerk's) and a divorce's spouse.
func (c *call) beginChange(ch register.Change) *changeAudit {
	a := &changeAudit{c: c, ch: ch}
	p := ch.Subject()
	if p.IsZero() {
		c.pnr = bodyPNR(ch) // a refusal (403) keeps the pnr it targeted
		return a
	}
	c.pnr = p
	if person, err := c.s.reg.Get(p); err == nil {
		a.before = person
	}
	return a
}

// end logs the outcome of the change: changed (or replayed, for a repeat
// with the same Idempotency-Key) for every person whose record it
// touched, or refused when a rule of the register (4xx) turned it down.
// A refusal of access (403) is logged by fail, and a 5xx changed nothing
// and stays in the process log.
//
// An accepted change is durable before its entries are written, and the
// journal names its actor; so if the access log cannot be written the
// answer stays 201 (a 503 would invite a retry that repeats the change),
// and the failure is counted (cpr_access_log_failures_total) and logged.
func (a *changeAudit) end(res register.Result, err error) {
	c := a.c
	e := access.Entry{Outcome: access.OutcomeChanged, Status: http.StatusCreated}
	if a.before != nil {
		e.PersonKommune = a.before.Kommune()
		e.Protected = a.before.Protected(register.ProtectNameAddress, date.InCopenhagen(c.s.clock()))
	}
	switch {
	case err != nil:
		p := problemFor(err)
		if p.Status < 400 || p.Status >= 500 || p.Status == http.StatusForbidden || p.Status == http.StatusUnauthorized {
			return
		}
		e.Outcome, e.Status, e.PNR = access.OutcomeRefused, p.Status, a.ch.Subject()
		if e.PNR.IsZero() {
			e.PNR = bodyPNR(a.ch)
		}
		c.logWrite([]access.Entry{e})
		return
	case res.Replayed:
		e.Outcome = access.OutcomeReplayed
	}
	var es []access.Entry
	add := func(p pnr.PNR, main bool) {
		if p.IsZero() || !p.Valid() {
			return
		}
		for _, x := range es {
			if x.PNR == p {
				return
			}
		}
		x := e
		x.PNR = p
		if !main {
			// The other persons a change touches (a spouse, a parent):
			// the kommune and protection are the subject's only.
			x.PersonKommune, x.Protected = 0, false
		}
		es = append(es, x)
	}
	add(res.PNR, true)
	add(a.ch.Subject(), true)
	rel := res.Related // what the register rewrote
	if res.Replayed {
		rel = relatives(a.ch, a.before) // the original change's, as far as known now
	}
	for _, p := range rel {
		add(p, false)
	}
	c.logWrite(es)
}

// logWrite writes the entries of a write; a failure does not change the
// answer (see changeAudit.end).
func (c *call) logWrite(es []access.Entry) {
	for i := range es {
		c.stamp(&es[i])
	}
	if len(es) == 0 {
		return
	}
	if err := c.s.acc.LogMany(es); err != nil {
		c.s.metrics.logFailures.Inc()
		c.s.log.Error("api: access log write failed after a write", "route", c.rt.pattern, "err", err)
	}
}

// bodyPNR is the person a refused change without a subject was asked
// about: a birth's mother.
func bodyPNR(ch register.Change) pnr.PNR {
	if b, ok := ch.(register.Birth); ok {
		return b.Mother
	}
	return 0
}

// relatives are the other persons whose records a change of that kind
// rewrites (see register/change_*.go), as far as before (the subject as
// it stands now) shows them; for a replay, whose Result names none. A
// birth: both parents. A marriage: the spouse. A divorce, a death: the
// spouse or partner. A pnr change: the spouse or partner, both parents
// and every child. A move, a name change, an emigration, an immigration,
// a protection and a correction touch the subject only.
func relatives(ch register.Change, before *register.Person) []pnr.PNR {
	switch ch := ch.(type) {
	case register.Birth:
		return []pnr.PNR{ch.Mother, ch.Father}
	case register.Marriage:
		return []pnr.PNR{ch.Spouse}
	case register.Divorce, register.Death:
		if before != nil {
			return []pnr.PNR{before.Civil.Spouse}
		}
	case register.PNRChange:
		if before == nil {
			return nil
		}
		out := []pnr.PNR{before.Mother, before.Father}
		if c := before.Civil.Code; c == register.CivilMarried || c == register.CivilPartnership {
			out = append(out, before.Civil.Spouse)
		}
		return append(out, before.Children...)
	}
	return nil
}
