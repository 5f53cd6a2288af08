package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"cpr/access"
	"cpr/pnr"
	"cpr/register"
)

// TestRefusalUnloggedIsUnavailable: a citizen's refused lookup whose
// access-log entry cannot be written is answered 503, not 403 (the old
// pathPNR ignored the write error). The register's log writes fail (a
// fault-injecting file system); reads still work.
func TestRefusalUnloggedIsUnavailable(t *testing.T) {
	ff := register.NewFaultFS(nil)
	reg, err := register.Open(t.TempDir(), register.Options{FS: ff.FS()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	s, err := New(Options{Register: reg, Access: access.New(reg, access.Options{}), ExtractDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	ff.FailWrites(true)
	own, other := pnr.MustParse("0101900002"), pnr.MustParse("0202900004")
	r := httptest.NewRequest(http.MethodGet, "/v1/persons/"+other.String(), nil)
	r.SetPathValue("pnr", other.String())
	w := httptest.NewRecorder()
	c := &call{s: s, w: w, r: r, rt: &route{method: "GET", pattern: "/v1/persons/{pnr}"},
		user: access.User{ID: "cit", Role: access.RoleCitizen, PNR: own}}
	if err := s.getPerson(c); err != nil && !errors.Is(err, errAnswered) { // as wrap
		c.fail(err)
	}
	var p Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || w.Code != http.StatusServiceUnavailable || p.Code != "unavailable" {
		t.Fatalf("answered %d %s, want 503 unavailable", w.Code, w.Body)
	}
}
