package api

import (
	_ "embed"
	"net/http"
)

//go:embed openapi.json
var openAPI []byte

// healthz is live unless storage failed in a way only a restart recovers
// from (a supervisor restarts a server that is not live).
func (s *Server) healthz(c *call) error {
	if s.reg.Broken() {
		return c.json(http.StatusServiceUnavailable, map[string]string{"status": "storage failed; restart to recover"})
	}
	return c.json(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz is ready when storage accepts commits and the extra checks pass.
func (s *Server) readyz(c *call) error {
	out := map[string]any{"status": "ready", "journal_seq": s.reg.LastSeq()}
	status := http.StatusOK
	if !s.reg.Healthy() {
		out["status"], out["storage"] = "not ready", "last commit failed"
		status = http.StatusServiceUnavailable
	}
	if s.events != nil {
		out["events"] = s.events()
	}
	if s.ready != nil {
		if err := s.ready(); err != nil {
			out["status"], out["detail"] = "not ready", err.Error()
			status = http.StatusServiceUnavailable
		}
	}
	return c.json(status, out)
}

func (s *Server) openapi(c *call) error {
	c.w.Header().Set("Content-Type", "application/json")
	c.status = http.StatusOK
	_, err := c.w.Write(openAPI)
	return err
}
