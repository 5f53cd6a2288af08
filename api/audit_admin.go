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

// adminWriter writes the admin entry of a call just before its answer
// starts, so that once the client has the answer the entry is in the
// log.
type adminWriter struct {
	http.ResponseWriter
	c    *call
	done bool
}

func (w *adminWriter) WriteHeader(status int) {
	if !w.done {
		w.done = true
		w.c.auditAdmin(status)
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *adminWriter) Write(b []byte) (int, error) {
	if !w.done {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *adminWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// auditAdmin writes the access log entry of an administrator's action
// that succeeded (answered status): outcome admin, the actor and their token, and the
// target (the handler's c.target, else the subscriber or token of the
// path), the pnr of a citizen user or a removed mark, and how many
// persons a batch of marks held. The action is done when this runs, so
// a failure to write is counted and logged, as for a write (see
// changeAudit.end).
func (c *call) auditAdmin(status int) {
	if status < 200 || status > 299 {
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
	c.logWrite([]access.Entry{{Outcome: access.OutcomeAdmin, Status: status, PNR: c.targetPNR(),
		Target: target, Persons: c.persons}})
}
