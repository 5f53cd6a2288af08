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
// pathPNR ignored the write error). The access log is on a register that
// is closed; the persons' register is open.
func TestRefusalUnloggedIsUnavailable(t *testing.T) {
	persons, err := register.Open(t.TempDir(), register.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { persons.Close() })
	logReg, err := register.Open(t.TempDir(), register.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Register: persons, Access: access.New(logReg, access.Options{}), ExtractDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if err := logReg.Close(); err != nil {
		t.Fatal(err)
	}
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
