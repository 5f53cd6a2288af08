package api_test

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"cpr/access"
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
	// The persons with 0002 and 0003 are citizen users too.
	for _, code := range []string{"0002", "0003"} {
		id := uCitizen + "-" + code
		if _, err := h.acc.CreateUser(access.User{ID: id, Role: access.RoleCitizen, PNR: persons[code].PNR}); err != nil {
			t.Fatal(err)
		}
		secret, _, err := h.acc.IssueToken(id, 48*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		h.tok[id] = secret
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
		{"0002", uCitizen + "-0002", outputs{lookup: true}, false},
		{"0003", uCitizen + "-0003", outputs{lookup: true}, false},
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
			if strings.HasPrefix(tc.user, uCitizen) {
				// No search, no residents, no one else's record.
				wantProblem(t, h.get(t, "/v1/search", tc.user, "name", p.Name.Last), http.StatusForbidden, "forbidden", "")
				other := persons[map[string]string{"0001": "0002", "0002": "0003", "0003": "0001"}[tc.code]]
				wantProblem(t, h.get(t, "/v1/persons/"+other.PNR.String(), tc.user), http.StatusForbidden, "not_yours", "")
				return
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

// TestSearchCursorHidesProtected pages a lookup user's search by a last
// name shared by several persons, two of them under 0001 (one of them the
// last in pnr order): no page lists them, no cursor carries a pnr, no page
// after a cursor is empty, and every other person comes exactly once. A
// cursor that was altered, given to another user or made by another
// server is refused with 400 on the field cursor.
func TestSearchCursorHidesProtected(t *testing.T) {
	h := startHarness(t)
	byLast := map[string][]*register.Person{}
	tainted := map[string]bool{} // a name some person of it has a protection or is taken
	for _, p := range h.pop {
		last := register.FoldName(p.Name.Last)
		if len(strings.Fields(last)) != 1 {
			continue
		}
		byLast[last] = append(byLast[last], p)
		if h.used[p.PNR] || len(p.Protections) > 0 || p.Status != register.StatusActive {
			tainted[last] = true
		}
	}
	clerkOf := func(p *register.Person) string {
		switch {
		case livesIn(p, 101):
			return uClerk101
		case livesIn(p, 751):
			return uClerk751
		}
		return ""
	}
	// A name of at least 5, the last in pnr order and one in the middle
	// living where a test clerk may protect them.
	var name string
	var hide []*register.Person
	for last, ps := range byLast {
		if len(ps) < 5 || tainted[last] || (name != "" && (len(ps) > len(byLast[name]) || len(ps) == len(byLast[name]) && last > name)) {
			continue
		}
		slices.SortFunc(ps, func(a, b *register.Person) int { return cmp.Compare(a.PNR, b.PNR) })
		i := slices.IndexFunc(ps[1:len(ps)-1], func(p *register.Person) bool { return clerkOf(p) != "" })
		if i >= 0 && clerkOf(ps[len(ps)-1]) != "" {
			name, hide = last, []*register.Person{ps[1+i], ps[len(ps)-1]}
		}
	}
	if name == "" {
		t.Fatal("no last name shared by 5 persons fit the test")
	}
	hidden := map[string]bool{}
	for _, p := range hide {
		hidden[p.PNR.String()] = true
		h.post(t, "/v1/persons/"+p.PNR.String()+"/protections", clerkOf(p), map[string]any{"type": "0001", "on": true, "effective": today})
	}
	// Everyone of the name the search finds (a clerk sees the hidden too).
	all := h.searchAll(t, uClerk101, "name", name)
	for p := range hidden {
		if !slices.Contains(all, p) {
			t.Fatalf("the clerk's search lacks %s", p)
		}
	}
	var want []string
	for _, p := range all {
		if !hidden[p] {
			want = append(want, p)
		}
	}
	type page struct {
		Persons []personJSON `json:"persons"`
		Next    string       `json:"next"`
	}
	var got []string
	var cursors []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > len(all) {
			t.Fatal("paging does not end")
		}
		q := []string{"name", name, "limit", "1"}
		if cursor != "" {
			q = append(q, "cursor", cursor)
		}
		var pg page
		ok(t, h.get(t, "/v1/search", uLookup, q...), http.StatusOK, &pg)
		if len(pg.Persons) == 0 {
			t.Fatalf("page %d after cursor %q is empty", pages, cursor)
		}
		for _, p := range pg.Persons {
			got = append(got, p.PNR)
		}
		if pg.Next == "" {
			break
		}
		raw, _ := base64.RawURLEncoding.DecodeString(pg.Next)
		for _, p := range all {
			if strings.Contains(pg.Next, p) || bytes.Contains(raw, []byte(p)) {
				t.Fatalf("cursor %q carries the pnr %s", pg.Next, p)
			}
		}
		cursor = pg.Next
		cursors = append(cursors, cursor)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("lookup pages %v, want %v (hidden %v)", got, want, hidden)
	}
	if len(cursors) == 0 {
		t.Fatal("no cursor to test")
	}

	c := cursors[0]
	raw, _ := base64.RawURLEncoding.DecodeString(c)
	raw[len(raw)/2] ^= 1
	other := startHarness(t)
	var foreign page
	ok(t, other.get(t, "/v1/search", uLookup, "name", name, "limit", "1"), http.StatusOK, &foreign)
	for what, bad := range map[string]struct{ user, cursor string }{
		"altered":        {uLookup, base64.RawURLEncoding.EncodeToString(raw)},
		"another user's": {uBulk, c},
		"not base64":     {uLookup, "!!"},
		"too short":      {uLookup, "AAAA"},
		"another server": {uLookup, foreign.Next},
	} {
		if bad.cursor == "" {
			t.Fatalf("%s: no cursor", what)
		}
		wantProblem(t, h.get(t, "/v1/search", bad.user, "name", name, "limit", "1", "cursor", bad.cursor), http.StatusBadRequest, "invalid_input", "cursor")
	}
}
