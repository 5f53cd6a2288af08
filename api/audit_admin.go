package api

import (
	"net/http"

	"cpr/access"
)

// isAdminAction reports whether rt changes users, tokens, subscribers or
// marks: every route only admins may call that is not a GET.
func (rt *route) isAdminAction() bool {
	return rt.method != http.MethodGet && len(rt.roles) == 1 && rt.roles[0] == access.RoleAdmin
}

// auditAdmin writes the access log entry of an administrator's action
// that succeeded: outcome admin, the actor and their token, and the
// target (the handler's c.target, else the subscriber or token of the
// path), the pnr of a citizen user or a removed mark, and how many
// persons a batch of marks held. The action is done when this runs, so
// a failure to write is counted and logged, as for a write (see
// changeAudit.end).
func (c *call) auditAdmin() {
	if !c.rt.isAdminAction() || c.status < 200 || c.status > 299 {
		return
	}
	target := c.target
	if target == "" {
		if id := c.r.PathValue("id"); id != "" {
			switch c.rt.pattern {
			case "/v1/tokens/{id}":
				target = "token:" + id
			default:
				target = "subscriber:" + id
			}
		}
	}
	c.logWrite([]access.Entry{{Outcome: access.OutcomeAdmin, Status: c.status, PNR: c.targetPNR(),
		Target: target, Persons: c.persons}})
}
