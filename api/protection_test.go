package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"cpr/register"
)

// TestProtectionCodes is the API half of README "Protection codes": for
// each code (0001 name and address, 0002 local directories, 0003
// marketing) and each reading role, whether a lookup, the history, a
// search by name, a search by address and the residents of the address
// (today and yesterday) give the person, and whether the read is logged
// as protected. The extracts' half is extract.TestProtectionCodes.
func TestProtectionCodes(t *testing.T) {
	h := startHarness(t)
	// The citizen user has 0001 (they read their own record); two others
	// 0002 and 0003.
	persons := map[string]*register.Person{"0001": h.citizen}
	for _, code := range []string{"0002", "0003"} {
		persons[code] = h.pick(t, "adult in 0101 without protection", func(p *register.Person) bool {
			return livesIn(p, 101) && adult(p) && len(p.Protections) == 0 && p.Name.Last != ""
		})
	}
	for code, p := range persons {
		h.post(t, "/v1/persons/"+p.PNR.String()+"/protections", uClerk101, map[string]any{"type": code, "on": true, "effective": today})
	}

	// found reports whether a search or residents answer lists p.
	found := func(t *testing.T, a answer, p *register.Person) bool {
		t.Helper()
		var out struct {
			Persons   []personJSON `json:"persons"`
			Residents []struct {
				Person personJSON `json:"person"`
			} `json:"residents"`
		}
		ok(t, a, http.StatusOK, &out)
		for _, r := range out.Residents {
			out.Persons = append(out.Persons, r.Person)
		}
		return slices.ContainsFunc(out.Persons, func(q personJSON) bool { return q.PNR == p.PNR.String() })
	}
	type outputs struct {
		lookup, search, residents bool // the person is given
	}
	tests := []struct {
		code, user string
		want       outputs
		protected  bool // the read is logged protected (and flagged protected_person, but a citizen's own)
	}{
		{"0001", uClerk101, outputs{lookup: true, search: true, residents: true}, true},
		{"0001", uLookup, outputs{lookup: true, search: false, residents: false}, true},
		{"0001", uCitizen, outputs{lookup: true}, true},
		{"0002", uClerk101, outputs{lookup: true, search: true, residents: true}, false},
		{"0002", uLookup, outputs{lookup: true, search: true, residents: true}, false},
		{"0003", uClerk101, outputs{lookup: true, search: true, residents: true}, false},
		{"0003", uLookup, outputs{lookup: true, search: true, residents: true}, false},
	}
	for _, tc := range tests {
		t.Run(tc.code+" "+tc.user, func(t *testing.T) {
			p := persons[tc.code]
			a := p.Residence.Address
			var got personJSON
			ok(t, h.get(t, "/v1/persons/"+p.PNR.String(), tc.user), http.StatusOK, &got)
			if got.Name.Last != p.Name.Last || got.Address == nil || len(got.Protections) != 1 || got.Protections[0].Type != tc.code {
				t.Errorf("lookup: name %q, address %v, protections %+v", got.Name.Last, got.Address, got.Protections)
			}
			ok(t, h.get(t, "/v1/persons/"+p.PNR.String()+"/history", tc.user), http.StatusOK, nil)
			entries := h.accessLog(t, "/v1/access-log", uAuditor, "pnr", p.PNR.String(), "user", tc.user, "outcome", "read")
			if len(entries) < 2 {
				t.Fatalf("%d access log entries for the lookup and the history", len(entries))
			}
			for _, e := range entries[len(entries)-2:] {
				if e.Protected != tc.protected {
					t.Errorf("access log entry %s protected %v, want %v", e.Call, e.Protected, tc.protected)
				}
			}
			if tc.user == uCitizen {
				return // no search, no residents
			}
			if f := found(t, h.get(t, "/v1/search", tc.user, "name", p.Name.Last, "birth_date", p.BirthDate.String()), p); f != tc.want.search {
				t.Errorf("search by name and birth date lists the person: %v, want %v", f, tc.want.search)
			}
			byAddr := h.get(t, "/v1/search", tc.user, "kommunekode", fmt.Sprintf("%04d", a.Kommunekode), "vejkode", fmt.Sprintf("%04d", a.Vejkode),
				"husnr", a.Husnr, "etage", a.Etage, "sidedoer", a.Sidedoer, "limit", "500")
			if f := found(t, byAddr, p); f != tc.want.search {
				t.Errorf("search by address lists the person: %v, want %v", f, tc.want.search)
			}
			path := fmt.Sprintf("/v1/addresses/%04d/%04d/%s/residents", a.Kommunekode, a.Vejkode, a.Husnr)
			for _, at := range []string{today, yesterday} {
				if f := found(t, h.get(t, path, tc.user, "etage", a.Etage, "sidedoer", a.Sidedoer, "at", at), p); f != tc.want.residents {
					t.Errorf("residents at %s list the person: %v, want %v", at, f, tc.want.residents)
				}
			}
		})
	}
}

// TestResearchScopeRefused: PUT /v1/subscribers/{id} refuses a research
// subscriber each scope that names, locates or links a person, with 422
// scope_not_allowed on the field scope, and stores nothing; the same body
// as a public subscriber is accepted.
func TestResearchScopeRefused(t *testing.T) {
	h := startHarness(t)
	for _, scope := range []string{"name", "address", "clear_address", "parents", "children", "protection"} {
		t.Run(scope, func(t *testing.T) {
			body := map[string]any{"name": "Forskning", "kind": "research", "task_number": 901, "scope": []string{"civil_status", scope}}
			p := wantProblem(t, h.do(t, http.MethodPut, "/v1/subscribers/uni", uAdmin, body), http.StatusUnprocessableEntity, "scope_not_allowed", "scope")
			if !strings.Contains(p.Detail, scope) {
				t.Errorf("detail %q does not name %s", p.Detail, scope)
			}
			if a := h.get(t, "/v1/subscribers/uni", uAdmin); a.Status != http.StatusNotFound {
				t.Errorf("the refused subscriber is there: %d %s", a.Status, a.Body)
			}
			body["kind"] = "public"
			if a := h.do(t, http.MethodPut, "/v1/subscribers/pub", uAdmin, body); a.Status != http.StatusOK && a.Status != http.StatusCreated {
				t.Errorf("public with %s: %d %s", scope, a.Status, a.Body)
			}
		})
	}
	body := map[string]any{"name": "Forskning", "kind": "research", "task_number": 901, "scope": []string{"civil_status", "history"}}
	if a := h.do(t, http.MethodPut, "/v1/subscribers/uni", uAdmin, body); a.Status != http.StatusCreated {
		t.Errorf("research with civil_status and history: %d %s", a.Status, a.Body)
	}
}
