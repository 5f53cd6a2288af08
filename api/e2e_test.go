package api_test

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"cpr/access"
	"cpr/address"
	"cpr/api"
	"cpr/pnr"
	"cpr/register"
)

// TestE2E runs the API end to end: the real register, access service and
// HTTP server, a generated population, and one user per role. The
// subtests share the server and run in order; later ones read what
// earlier ones registered.
func TestE2E(t *testing.T) {
	h := startHarness(t)
	st := &e2eState{roads101: h.roads(t, "0101"), roads751: h.roads(t, "0751")}

	t.Run("operations", func(t *testing.T) { testOperations(t, h) })
	t.Run("reference", func(t *testing.T) { testReference(t, h) })
	t.Run("reads", func(t *testing.T) { testReads(t, h) })
	t.Run("search", func(t *testing.T) { testSearch(t, h) })
	t.Run("residents", func(t *testing.T) { testResidents(t, h) })
	t.Run("changes", func(t *testing.T) { testChanges(t, h, st) })
	t.Run("history and time travel", func(t *testing.T) { testHistory(t, h, st) })
	t.Run("idempotency", func(t *testing.T) { testIdempotency(t, h, st) })
	t.Run("admin", func(t *testing.T) { testAdmin(t, h) })
	t.Run("roles", func(t *testing.T) { testRoles(t, h) })
	t.Run("authentication", func(t *testing.T) { testAuthentication(t, h) })
	t.Run("kommune and citizen", func(t *testing.T) { testKommuneAndCitizen(t, h, st) })
	t.Run("errors", func(t *testing.T) { testErrors(t, h, st) })
	t.Run("access log", func(t *testing.T) { testAccessLog(t, h, st) })
	t.Run("subscribers and extracts", func(t *testing.T) { testSubscribers(t, h) })
	t.Run("metrics", func(t *testing.T) { testMetrics(t, h) })
	t.Run("no 500", func(t *testing.T) {
		h.mu.Lock()
		defer h.mu.Unlock()
		if len(h.answers) < 500 {
			t.Errorf("only %d requests were made", len(h.answers))
		}
		for _, a := range h.answers {
			if a.status >= 500 || a.status < 200 {
				t.Errorf("%s %s answered %d", a.method, a.path, a.status)
			}
		}
	})
}

// e2eState carries what one subtest registered to the next.
type e2eState struct {
	roads101, roads751 []road

	moved     string // a married person moved in 0101, then the move corrected
	moveSeq   uint64
	movedFrom addrIn // before the move
	corrected addrIn // the corrected address of the move
	protected string // a person given name-and-address protection
}

func code4(n uint16) string { return fmt.Sprintf("%04d", n) }

func addrOf(a address.Address) addrIn {
	return addrIn{code4(a.Kommunekode), code4(a.Vejkode), a.Husnr, a.Etage, a.Sidedoer}
}

func (a addrJSON) sameAs(b addrIn) bool { return a.in() == b }

// wantKeys checks that v is a JSON object with (at least) the keys.
func wantKeys(t *testing.T, what string, v any, keys ...string) {
	t.Helper()
	m, isObj := v.(map[string]any)
	if !isObj {
		t.Errorf("%s is %T, want an object", what, v)
		return
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s lacks %q: has %v", what, k, slices.Sorted(maps.Keys(m)))
		}
	}
}

func testOperations(t *testing.T, h *harness) {
	tests := []struct {
		name, path string
		check      func(t *testing.T, a answer)
	}{
		{"healthz", "/healthz", func(t *testing.T, a answer) {
			var v struct{ Status string }
			ok(t, a, http.StatusOK, &v)
			if v.Status != "ok" {
				t.Errorf("healthz status %q", v.Status)
			}
		}},
		{"readyz", "/readyz", func(t *testing.T, a answer) {
			var v struct {
				Status     string `json:"status"`
				JournalSeq uint64 `json:"journal_seq"`
			}
			ok(t, a, http.StatusOK, &v)
			if v.Status != "ready" || v.JournalSeq != h.reg.LastSeq() {
				t.Errorf("readyz %+v, journal at %d", v, h.reg.LastSeq())
			}
		}},
		{"openapi", "/v1/openapi.json", func(t *testing.T, a answer) {
			var doc struct {
				OpenAPI string         `json:"openapi"`
				Paths   map[string]any `json:"paths"`
			}
			ok(t, a, http.StatusOK, &doc)
			if doc.OpenAPI != "3.1.0" || doc.Paths["/v1/persons/{pnr}"] == nil {
				t.Errorf("openapi document: version %q, %d paths", doc.OpenAPI, len(doc.Paths))
			}
		}},
		{"metrics", "/metrics", func(t *testing.T, a answer) {
			ok(t, a, http.StatusOK, nil)
			if !strings.Contains(string(a.Body), "cpr_journal_sequence") {
				t.Error("metrics lack cpr_journal_sequence")
			}
		}},
		{"no such route", "/v1/nothing/" + h.citizen.PNR.String(), func(t *testing.T, a answer) {
			wantProblem(t, a, http.StatusNotFound, "no_route", "")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.unchanged(t, func() { tc.check(t, h.get(t, tc.path, "")) })
		})
	}
	// A known resource with a method it does not have is 405, not 404:
	// the problem table has method_not_allowed for it.
	t.Run("method not allowed", func(t *testing.T) {
		a := h.do(t, http.MethodDelete, "/v1/births", uClerk101, nil)
		wantProblem(t, a, http.StatusMethodNotAllowed, "method_not_allowed", "")
	})
}

func testReference(t *testing.T, h *harness) {
	for _, role := range allRoles {
		t.Run("kommuner as "+string(role), func(t *testing.T) {
			var out struct {
				Kommuner []struct {
					Kode string `json:"kode"`
					Navn string `json:"navn"`
				} `json:"kommuner"`
			}
			ok(t, h.get(t, "/v1/kommuner", roleUser[role]), http.StatusOK, &out)
			if len(out.Kommuner) != 98 {
				t.Errorf("%d kommuner, want 98", len(out.Kommuner))
			}
			found := false
			for _, k := range out.Kommuner {
				found = found || (k.Kode == "0101" && k.Navn == "København")
			}
			if !found {
				t.Error("0101 København is not in the kommune table")
			}
		})
		t.Run("roads as "+string(role), func(t *testing.T) {
			a := h.get(t, "/v1/kommuner/0751/roads", roleUser[role])
			var out map[string][]map[string]any
			ok(t, a, http.StatusOK, &out)
			rs := out["roads"]
			if len(out) != 1 || len(rs) == 0 {
				t.Fatalf("roads answer: %.200s", a.Body)
			}
			want := h.reg.Roads().InKommune(751)
			if len(rs) != len(want) {
				t.Errorf("%d roads, the road register has %d", len(rs), len(want))
			}
			for i, r := range rs {
				if len(r) != 4 {
					t.Errorf("road %d has keys %v, want vejkode, name, postnr, by", i, slices.Sorted(maps.Keys(r)))
				}
				wantKeys(t, "road", r, "vejkode", "name", "postnr", "by")
				if i < len(want) && (r["vejkode"] != code4(want[i].Vejkode) || r["name"] != want[i].Name ||
					r["postnr"] != code4(want[i].Postnr) || r["by"] != want[i].By) {
					t.Errorf("road %d = %v, want %+v", i, r, want[i])
				}
			}
		})
	}
}

func testReads(t *testing.T, h *harness) {
	c := h.citizen
	t.Run("person now", func(t *testing.T) {
		p := h.person(t, c.PNR.String())
		if p.PNR != c.PNR.String() || p.Status != "01" || p.Sex != c.Sex.String() ||
			p.BirthDate != c.BirthDate.String() || p.Name.First != c.Name.First || p.Name.Last != c.Name.Last ||
			p.Civil.Code != c.Civil.Code.String() || p.Citizenship != code4(c.Citizenship) {
			t.Errorf("person = %+v, want %+v", p, c)
		}
		if p.Address == nil || !p.Address.sameAs(addrOf(c.Residence.Address)) || p.Address.From != c.Residence.From.String() ||
			p.Address.Text != h.reg.Roads().Text(c.Residence.Address) {
			t.Errorf("address = %+v, want %+v from %s", p.Address, c.Residence.Address, c.Residence.From)
		}
	})
	t.Run("person with a hyphen", func(t *testing.T) {
		if p := h.person(t, c.PNR.Hyphenated()); p.PNR != c.PNR.String() {
			t.Errorf("pnr %q", p.PNR)
		}
	})
	t.Run("person as clerk and as the citizen", func(t *testing.T) {
		for _, u := range []string{uClerk101, uCitizen} {
			var p personJSON
			ok(t, h.get(t, "/v1/persons/"+c.PNR.String(), u), http.StatusOK, &p)
			if p.PNR != c.PNR.String() {
				t.Errorf("%s read %q", u, p.PNR)
			}
		}
	})
	t.Run("emigrated person", func(t *testing.T) {
		e := h.pick(t, "emigrated person", func(p *register.Person) bool { return p.Status == register.StatusEmigrated })
		p := h.person(t, e.PNR.String())
		if p.Status != "80" || p.Address != nil || p.Foreign == nil || p.Foreign.Country != code4(e.Residence.Foreign.Country) {
			t.Errorf("emigrated person = %+v", p)
		}
	})
	t.Run("parent and children", func(t *testing.T) {
		par := h.pick(t, "parent", func(p *register.Person) bool { return len(p.Children) > 0 })
		p := h.person(t, par.PNR.String())
		var want []string
		for _, ch := range par.Children {
			want = append(want, ch.String())
		}
		if !slices.Equal(p.Children, want) {
			t.Errorf("children %v, want %v", p.Children, want)
		}
	})
}

// searchAll pages through a search with limit 500 (or the query's limit)
// and checks the pages: pnr order, no duplicates, at most limit a page.
func (h *harness) searchAll(t *testing.T, user string, query ...string) []string {
	t.Helper()
	limit := 500
	for i := 0; i+1 < len(query); i += 2 {
		if query[i] == "limit" {
			fmt.Sscan(query[i+1], &limit)
		}
	}
	if !slices.Contains(query, "limit") {
		query = append(query, "limit", "500")
	}
	var all []string
	seen := map[string]bool{}
	cursor := ""
	for page := 0; ; page++ {
		if page > 1000 {
			t.Fatal("search paging does not end")
		}
		q := query
		if cursor != "" {
			q = append(slices.Clone(query), "cursor", cursor)
		}
		var out struct {
			Persons []personJSON `json:"persons"`
			Next    string       `json:"next"`
		}
		ok(t, h.get(t, "/v1/search", user, q...), http.StatusOK, &out)
		if len(out.Persons) > limit {
			t.Fatalf("page of %d persons, limit %d", len(out.Persons), limit)
		}
		for _, p := range out.Persons {
			if seen[p.PNR] {
				t.Errorf("%s found twice", p.PNR)
			}
			if len(all) > 0 && p.PNR < all[len(all)-1] {
				t.Errorf("results not in pnr order")
			}
			seen[p.PNR] = true
			all = append(all, p.PNR)
		}
		if out.Next == "" {
			return all
		}
		cursor = out.Next
	}
}

// expect is the set of the population's persons (as generated, before any
// change) that satisfy fn.
// expect lists the population's persons fn picks that a lookup user's
// search lists: not those under name and address protection.
func (h *harness) expect(fn func(*register.Person) bool) []string {
	var out []string
	for _, p := range h.pop {
		if fn(p) && !p.Protected(register.ProtectNameAddress, popToday.AddDays(1)) {
			out = append(out, p.PNR.String())
		}
	}
	slices.Sort(out)
	return out
}

func phoneticWords(s string) string {
	var out []string
	for _, w := range strings.Fields(register.FoldName(s)) {
		out = append(out, register.PhoneticName(w))
	}
	return strings.Join(out, " ")
}

// givenMatch: every given word is the start of one of the person's given
// names (folded).
func givenMatch(p *register.Person, given ...string) bool {
	have := strings.Fields(register.FoldName(p.Name.First + " " + p.Name.Middle))
	for _, g := range given {
		if !slices.ContainsFunc(have, func(w string) bool { return strings.HasPrefix(w, register.FoldName(g)) }) {
			return false
		}
	}
	return true
}

func testSearch(t *testing.T, h *harness) {
	c := h.citizen
	ca := c.Residence.Address
	lastIs := func(name string) func(*register.Person) bool {
		return func(p *register.Person) bool { return register.FoldName(p.Name.Last) == register.FoldName(name) }
	}
	soundsLike := func(name string) func(*register.Person) bool {
		return func(p *register.Person) bool {
			return lastIs(name)(p) || phoneticWords(p.Name.Last) == phoneticWords(name)
		}
	}
	given := strings.Fields(c.Name.First)[0]
	tests := []struct {
		name  string
		query []string
		want  func(*register.Person) bool
	}{
		{"name with æøå", []string{"name", "Sørensen"}, lastIs("Sørensen")},
		{"name with ø in lower case", []string{"name", "møller"}, lastIs("Møller")},
		{"name folded without æøå", []string{"name", "Soerensen"}, lastIs("Sørensen")},
		{"name spelt without æøå, phonetic", []string{"name", "Sorensen", "phonetic", "true"}, soundsLike("Sørensen")},
		{"phonetic", []string{"name", "Petersen", "phonetic", "true"}, soundsLike("Petersen")},
		{"exact is not phonetic", []string{"name", "Petersen"}, lastIs("Petersen")},
		{"given and last name", []string{"name", given + " " + c.Name.Last}, func(p *register.Person) bool {
			return lastIs(c.Name.Last)(p) && givenMatch(p, given)
		}},
		{"last, given", []string{"name", c.Name.Last + ", " + given}, func(p *register.Person) bool {
			return lastIs(c.Name.Last)(p) && givenMatch(p, given)
		}},
		{"birth year", []string{"birth_date", "1985"}, func(p *register.Person) bool { return p.BirthDate.Year() == 1985 }},
		{"birth month", []string{"birth_date", "1985-06"}, func(p *register.Person) bool {
			return p.BirthDate.Year() == 1985 && p.BirthDate.Month() == time.June
		}},
		{"birth day", []string{"birth_date", c.BirthDate.String()}, func(p *register.Person) bool { return p.BirthDate == c.BirthDate }},
		{"birth year and sex", []string{"birth_date", "1985", "sex", "F"}, func(p *register.Person) bool {
			return p.BirthDate.Year() == 1985 && p.Sex == pnr.Female
		}},
		{"name in a kommune", []string{"name", "Jensen", "kommunekode", "0101"}, func(p *register.Person) bool {
			return lastIs("Jensen")(p) && p.Kommune() == 101
		}},
		{"birth year in a kommune", []string{"birth_date", "1990", "kommunekode", "0751"}, func(p *register.Person) bool {
			return p.BirthDate.Year() == 1990 && p.Kommune() == 751
		}},
		{"road", []string{"kommunekode", code4(ca.Kommunekode), "vejkode", code4(ca.Vejkode)}, func(p *register.Person) bool {
			a := p.Residence.Address
			return a.Kommunekode == ca.Kommunekode && a.Vejkode == ca.Vejkode
		}},
		{"house", []string{"kommunekode", code4(ca.Kommunekode), "vejkode", code4(ca.Vejkode), "husnr", ca.Husnr}, func(p *register.Person) bool {
			a := p.Residence.Address
			return a.Kommunekode == ca.Kommunekode && a.Vejkode == ca.Vejkode && a.Husnr == ca.Husnr
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := h.expect(tc.want)
			got := h.searchAll(t, uLookup, tc.query...)
			t.Logf("%d persons", len(got))
			if !slices.Equal(got, want) {
				t.Errorf("found %d persons, want %d\ngot  %v\nwant %v", len(got), len(want), got, want)
			}
			if len(want) == 0 && tc.name != "exact is not phonetic" {
				t.Errorf("the population has no one for this search; pick another")
			}
		})
	}
	t.Run("phonetic finds other spellings", func(t *testing.T) {
		got := h.searchAll(t, uLookup, "name", "Petersen", "phonetic", "true")
		pedersen := h.expect(lastIs("Pedersen"))
		if len(pedersen) == 0 {
			t.Skip("no Pedersen in the population")
		}
		for _, p := range pedersen {
			if !slices.Contains(got, p) {
				t.Errorf("phonetic Petersen does not find Pedersen %s", p)
			}
		}
	})
	t.Run("paging until the end", func(t *testing.T) {
		want := h.expect(lastIs("Jensen"))
		got := h.searchAll(t, uClerk101, "name", "Jensen", "limit", "7")
		if len(want) < 15 {
			t.Fatalf("only %d Jensens: paging is not exercised", len(want))
		}
		if !slices.Equal(got, want) {
			t.Errorf("paged search found %d, want %d", len(got), len(want))
		}
	})
}

func testResidents(t *testing.T, h *harness) {
	c := h.citizen
	ca := c.Residence.Address
	path := fmt.Sprintf("/v1/addresses/%04d/%04d/%s/residents", ca.Kommunekode, ca.Vejkode, ca.Husnr)
	before := c.Residence.From.AddDays(-1)
	tests := []struct {
		name string
		at   string
		on   func(p *register.Person) bool
	}{
		{"today", "", func(p *register.Person) bool { return true }},
		{"at today", today, func(p *register.Person) bool { return true }},
		{"before the citizen moved in", before.String(), func(p *register.Person) bool { return p.Residence.From <= before }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := []string{"etage", ca.Etage, "sidedoer", ca.Sidedoer}
			if tc.at != "" {
				q = append(q, "at", tc.at)
			}
			var out struct {
				Address   addrJSON `json:"address"`
				At        string   `json:"at"`
				Residents []struct {
					Person personJSON `json:"person"`
					From   string     `json:"from"`
				} `json:"residents"`
			}
			ok(t, h.get(t, path, uLookup, q...), http.StatusOK, &out)
			if !out.Address.sameAs(addrOf(ca)) || (tc.at != "" && out.At != tc.at) {
				t.Errorf("address %+v at %s", out.Address, out.At)
			}
			var got []string
			for _, r := range out.Residents {
				got = append(got, r.Person.PNR)
			}
			slices.Sort(got)
			want := h.expect(func(p *register.Person) bool { return p.Residence.Address == ca && tc.on(p) })
			if !slices.Equal(got, want) {
				t.Errorf("residents %v, want %v", got, want)
			}
			if tc.at != before.String() && !slices.Contains(got, c.PNR.String()) {
				t.Error("the citizen is not among the residents")
			}
		})
	}
}

func testChanges(t *testing.T, h *harness, st *e2eState) {
	r101 := st.roads101
	newAddr := func(r road, husnr string) addrIn {
		return addrIn{"0101", r.Vejkode, husnr, "2", "th"}
	}
	t.Run("moves", func(t *testing.T) {
		m := h.pick(t, "married adult in 0101", func(p *register.Person) bool {
			return livesIn(p, 101) && p.Civil.Code == register.CivilMarried && !p.Civil.Spouse.IsZero() && len(p.Protections) == 0
		})
		to := newAddr(r101[1], "12")
		acc := h.post(t, "/v1/persons/"+m.PNR.String()+"/moves", uClerk101, map[string]any{"effective": today, "address": to})
		st.moved, st.moveSeq, st.movedFrom = m.PNR.String(), acc.Seq, addrOf(m.Residence.Address)

		a := h.get(t, "/v1/persons/"+m.PNR.String(), uLookup)
		var shape map[string]any
		ok(t, a, http.StatusOK, &shape)
		wantKeys(t, "person", shape, "pnr", "status", "sex", "birth_date", "name", "address", "civil_status", "protections")
		wantKeys(t, "name", shape["name"], "first", "middle", "last")
		wantKeys(t, "address", shape["address"], "kommunekode", "vejkode", "husnr", "etage", "sidedoer", "text", "from")
		wantKeys(t, "civil_status", shape["civil_status"], "code", "spouse_pnr", "from")
		if _, isList := shape["protections"].([]any); !isList {
			t.Errorf("protections is %T, want a list", shape["protections"])
		}
		var p personJSON
		ok(t, a, http.StatusOK, &p)
		if p.PNR != m.PNR.String() || p.Status != "01" || p.Address == nil || !p.Address.sameAs(to) || p.Address.From != today ||
			!strings.Contains(p.Address.Text, r101[1].Name) || p.Civil.Code != "G" || p.Civil.Spouse != m.Civil.Spouse.String() ||
			p.Seq != acc.Seq {
			t.Errorf("after the move: %s", a.Body)
		}
	})
	t.Run("names", func(t *testing.T) {
		n := h.pick(t, "adult in 0101", func(p *register.Person) bool { return livesIn(p, 101) && adult(p) })
		h.post(t, "/v1/persons/"+n.PNR.String()+"/names", uClerk101, map[string]any{"effective": today,
			"name": nameIn{First: "Søren", Middle: "Æbelø", Last: "Østergård"}})
		p := h.person(t, n.PNR.String())
		if p.Name.First != "Søren" || p.Name.Middle != "Æbelø" || p.Name.Last != "Østergård" ||
			p.Name.Addressing != "Østergård,Søren Æbelø" || p.Name.From != today {
			t.Errorf("name after the change: %+v", p.Name)
		}
		for _, q := range []string{"Søren Østergård", "soeren oestergaard", "Østergård, Søren Æ"} {
			if got := h.searchAll(t, uLookup, "name", q); !slices.Contains(got, n.PNR.String()) {
				t.Errorf("search %q does not find the new name: %v", q, got)
			}
		}
		if got := h.searchAll(t, uLookup, "name", "Ostergard", "phonetic", "true"); !slices.Contains(got, n.PNR.String()) {
			t.Errorf("phonetic search does not find the new name")
		}
	})
	t.Run("marriages and divorces", func(t *testing.T) {
		free := func(p *register.Person) bool {
			return livesIn(p, 101) && p.BirthDate.YearsOn(popToday) >= 25 && p.Civil.Code.Free()
		}
		a := h.pick(t, "unmarried adult", free)
		b := h.pick(t, "another unmarried adult", free)
		h.post(t, "/v1/persons/"+a.PNR.String()+"/marriages", uClerk101, map[string]any{"spouse": b.PNR.String(), "effective": today})
		pa, pb := h.person(t, a.PNR.String()), h.person(t, b.PNR.String())
		if pa.Civil.Code != "G" || pa.Civil.Spouse != b.PNR.String() || pb.Civil.Code != "G" || pb.Civil.Spouse != a.PNR.String() {
			t.Errorf("after the marriage: %+v / %+v", pa.Civil, pb.Civil)
		}
		h.post(t, "/v1/persons/"+a.PNR.String()+"/divorces", uClerk101, map[string]any{"effective": today})
		pa, pb = h.person(t, a.PNR.String()), h.person(t, b.PNR.String())
		if pa.Civil.Code != "F" || pb.Civil.Code != "F" {
			t.Errorf("after the divorce: %+v / %+v", pa.Civil, pb.Civil)
		}
	})
	t.Run("partnership", func(t *testing.T) {
		free := func(p *register.Person) bool {
			return livesIn(p, 101) && p.BirthDate.YearsOn(popToday) >= 25 && p.Civil.Code.Free() && p.Sex == pnr.Female
		}
		a := h.pick(t, "unmarried woman", free)
		b := h.pick(t, "another unmarried woman", free)
		h.post(t, "/v1/persons/"+a.PNR.String()+"/marriages", uClerk101,
			map[string]any{"spouse": b.PNR.String(), "effective": today, "partnership": true})
		if pa := h.person(t, a.PNR.String()); pa.Civil.Code != "P" || pa.Civil.Spouse != b.PNR.String() {
			t.Errorf("after the partnership: %+v", pa.Civil)
		}
	})
	t.Run("death", func(t *testing.T) {
		d := h.pick(t, "adult in 0101", func(p *register.Person) bool { return livesIn(p, 101) && adult(p) })
		h.post(t, "/v1/persons/"+d.PNR.String()+"/death", uClerk101, map[string]any{"effective": today})
		p := h.person(t, d.PNR.String())
		if p.Status != "90" || p.StatusFrom != today || p.Civil.Code != "D" {
			t.Errorf("after the death: status %s from %s, civil %+v", p.Status, p.StatusFrom, p.Civil)
		}
		if d.Civil.Code == register.CivilMarried && !d.Civil.Spouse.IsZero() {
			if s := h.person(t, d.Civil.Spouse.String()); s.Civil.Code != "E" {
				t.Errorf("the spouse's civil status is %+v, want E", s.Civil)
			}
		}
	})
	t.Run("emigration and return", func(t *testing.T) {
		e := h.pick(t, "adult in 0751", func(p *register.Person) bool { return livesIn(p, 751) && adult(p) })
		h.post(t, "/v1/persons/"+e.PNR.String()+"/emigration", uClerk751,
			map[string]any{"effective": today, "country": 5120, "lines": []string{"Storgatan 1", "Stockholm"}})
		p := h.person(t, e.PNR.String())
		if p.Status != "80" || p.Address != nil || p.Foreign == nil || p.Foreign.Country != "5120" ||
			!slices.Equal(p.Foreign.Lines, []string{"Storgatan 1", "Stockholm"}) {
			t.Errorf("after the emigration: %+v", p)
		}
		// Back, to København: the receiving kommune registers it.
		to := newAddr(r101[2], "7")
		h.post(t, "/v1/immigrations", uClerk101, map[string]any{"pnr": e.PNR.String(), "effective": today, "address": to})
		p = h.person(t, e.PNR.String())
		if p.Status != "01" || p.Address == nil || !p.Address.sameAs(to) || p.Foreign != nil {
			t.Errorf("after the return: %+v", p)
		}
	})
	t.Run("immigration of a newcomer", func(t *testing.T) {
		to := newAddr(r101[0], "3")
		acc := h.post(t, "/v1/immigrations", uClerk101, map[string]any{"effective": today, "address": to,
			"birth_date": "1990-05-17", "sex": "F", "name": nameIn{First: "Åse", Last: "Ærø"}, "citizenship": 5110})
		p := h.person(t, acc.PNR)
		if p.Status != "01" || p.BirthDate != "1990-05-17" || p.Sex != "F" || p.Name.First != "Åse" || p.Name.Last != "Ærø" ||
			p.Citizenship != "5110" || p.Address == nil || !p.Address.sameAs(to) || !strings.HasPrefix(acc.PNR, "170590") {
			t.Errorf("newcomer: %+v", p)
		}
	})
	t.Run("births", func(t *testing.T) {
		m := h.pick(t, "mother in 0101", func(p *register.Person) bool {
			age := p.BirthDate.YearsOn(popToday)
			return livesIn(p, 101) && p.Sex == pnr.Female && age >= 20 && age <= 40
		})
		acc := h.post(t, "/v1/births", uClerk101, map[string]any{"mother": m.PNR.String(), "birth_date": yesterday,
			"sex": "M", "name": nameIn{First: "Bjørn"}})
		child := h.person(t, acc.PNR)
		if child.BirthDate != yesterday || child.Sex != "M" || child.Mother != m.PNR.String() || child.Name.First != "Bjørn" ||
			child.Name.Last != m.Name.Last || child.Address == nil || !child.Address.sameAs(addrOf(m.Residence.Address)) ||
			child.Civil.Code != "U" {
			t.Errorf("child: %+v", child)
		}
		if mother := h.person(t, m.PNR.String()); !slices.Contains(mother.Children, acc.PNR) {
			t.Errorf("mother's children %v lack %s", mother.Children, acc.PNR)
		}
	})
	t.Run("protections", func(t *testing.T) {
		x := h.pick(t, "adult in 0101 without protection", func(p *register.Person) bool {
			return livesIn(p, 101) && adult(p) && len(p.Protections) == 0
		})
		on := true
		h.post(t, "/v1/persons/"+x.PNR.String()+"/protections", uClerk101,
			map[string]any{"type": "0001", "on": on, "effective": today})
		p := h.person(t, x.PNR.String())
		if len(p.Protections) != 1 || p.Protections[0].Type != "0001" || p.Protections[0].From != today {
			t.Errorf("protections %+v", p.Protections)
		}
		st.protected = x.PNR.String()
	})
	t.Run("pnr-change", func(t *testing.T) {
		y := h.pick(t, "single man in 0101", func(p *register.Person) bool {
			return livesIn(p, 101) && adult(p) && p.Sex == pnr.Male && p.Civil.Code == register.CivilUnmarried && len(p.Children) == 0
		})
		acc := h.post(t, "/v1/persons/"+y.PNR.String()+"/pnr-change", uClerk101, map[string]any{"effective": today, "sex": "F"})
		if acc.PNR == "" || acc.PNR == y.PNR.String() {
			t.Fatalf("pnr-change answered pnr %q", acc.PNR)
		}
		old, nw := h.person(t, y.PNR.String()), h.person(t, acc.PNR)
		if old.Status != "60" || old.CurrentPNR != acc.PNR {
			t.Errorf("old number: status %s, current %q", old.Status, old.CurrentPNR)
		}
		if nw.Status != "01" || nw.PreviousPNR != y.PNR.String() || nw.Sex != "F" || nw.Name.Last != y.Name.Last ||
			nw.BirthDate != y.BirthDate.String() {
			t.Errorf("new number: %+v", nw)
		}
	})
	t.Run("corrections", func(t *testing.T) {
		if st.moved == "" {
			t.Skip("no move to correct")
		}
		st.corrected = newAddr(r101[1], "14")
		h.post(t, "/v1/persons/"+st.moved+"/corrections", uClerk101,
			map[string]any{"fact": "address", "target": st.moveSeq, "address": st.corrected})
		if p := h.person(t, st.moved); p.Address == nil || !p.Address.sameAs(st.corrected) || p.Address.From != today {
			t.Errorf("after the correction: %+v", p.Address)
		}
	})
}

// historyEntry is one entry of GET /v1/persons/{pnr}/history.
type historyEntry struct {
	Seq        uint64    `json:"seq"`
	Fact       string    `json:"fact"`
	From       string    `json:"from"`
	To         string    `json:"to"`
	Registered string    `json:"registered"`
	Marker     string    `json:"marker"`
	Corrects   uint64    `json:"corrects_seq"`
	Address    *addrJSON `json:"address"`
}

func testHistory(t *testing.T, h *harness, st *e2eState) {
	if st.moved == "" {
		t.Skip("the move failed")
	}
	t.Run("correction marker", func(t *testing.T) {
		var out struct {
			PNR     string         `json:"pnr"`
			Entries []historyEntry `json:"entries"`
		}
		ok(t, h.get(t, "/v1/persons/"+st.moved+"/history", uLookup), http.StatusOK, &out)
		var loaded, moved, correcting *historyEntry
		for i, e := range out.Entries {
			if e.Fact != "address" {
				continue
			}
			switch {
			case e.Seq == 0:
				loaded = &out.Entries[i]
			case e.Seq == st.moveSeq:
				moved = &out.Entries[i]
			case e.Corrects == st.moveSeq:
				correcting = &out.Entries[i]
			}
		}
		if out.PNR != st.moved || loaded == nil || moved == nil || correcting == nil {
			t.Fatalf("history lacks the loaded, moved or correcting address entry: %+v", out.Entries)
		}
		if loaded.Address == nil || !loaded.Address.sameAs(st.movedFrom) || loaded.To != today || loaded.Marker != "" {
			t.Errorf("loaded address entry %+v", loaded)
		}
		if moved.Marker != "K" || moved.Address == nil || moved.Address.Husnr != "12" {
			t.Errorf("the corrected move is %+v, want marker K", moved)
		}
		if correcting.Marker != "corrects" || correcting.Address == nil || !correcting.Address.sameAs(st.corrected) ||
			correcting.Registered <= moved.Registered {
			t.Errorf("the correcting entry is %+v", correcting)
		}
	})
	known := monday10.Add(-30 * time.Minute).UTC().Format(time.RFC3339Nano) // after the load, before the move
	tests := []struct {
		name  string
		query []string
		want  addrIn
	}{
		{"now", nil, st.corrected},
		{"at today", []string{"at", today}, st.corrected},
		{"at yesterday", []string{"at", yesterday}, st.movedFrom},
		{"known before the move", []string{"known", known}, st.movedFrom},
		{"at today, known before the move", []string{"at", today, "known", known}, st.movedFrom},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := h.person(t, st.moved, tc.query...)
			if p.Address == nil || !p.Address.sameAs(tc.want) {
				t.Errorf("address %+v, want %+v", p.Address, tc.want)
			}
		})
	}
	t.Run("citizen reads own history", func(t *testing.T) {
		var out struct {
			Entries []historyEntry `json:"entries"`
		}
		ok(t, h.get(t, "/v1/persons/"+h.citizen.PNR.String()+"/history", uCitizen), http.StatusOK, &out)
		if len(out.Entries) == 0 {
			t.Error("empty history")
		}
	})
}

func testIdempotency(t *testing.T, h *harness, st *e2eState) {
	z := h.pick(t, "adult in 0101", func(p *register.Person) bool { return livesIn(p, 101) && adult(p) })
	path := "/v1/persons/" + z.PNR.String() + "/moves"
	body := map[string]any{"effective": today, "address": addrIn{"0101", st.roads101[3].Vejkode, "3", "", ""}}
	key := []string{"Idempotency-Key", "move-z-1"}
	first := h.post(t, path, uClerk101, body, key...)
	seq := h.reg.LastSeq()

	t.Run("same key and body", func(t *testing.T) {
		h.unchanged(t, func() {
			a := h.do(t, http.MethodPost, path, uClerk101, body, key...)
			var again accepted
			ok(t, a, http.StatusCreated, &again)
			if again.ID != first.ID || again.Seq != first.Seq {
				t.Errorf("replay answered %+v, first %+v", again, first)
			}
			if a.Header.Get("Idempotent-Replayed") != "true" {
				t.Error("replay lacks Idempotent-Replayed: true")
			}
		})
		var out struct {
			Entries []historyEntry `json:"entries"`
		}
		ok(t, h.get(t, "/v1/persons/"+z.PNR.String()+"/history", uLookup), http.StatusOK, &out)
		moves := 0
		for _, e := range out.Entries {
			if e.Fact == "address" && e.Seq != 0 {
				moves++
			}
		}
		if moves != 1 {
			t.Errorf("%d moves registered, want 1", moves)
		}
	})
	tests := []struct {
		name, path string
		body       any
	}{
		{"same key, other body", path, map[string]any{"effective": today, "address": addrIn{"0101", st.roads101[3].Vejkode, "5", "", ""}}},
		{"same key, other route", "/v1/persons/" + z.PNR.String() + "/names", map[string]any{"effective": today, "name": nameIn{Last: "Holm"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.unchanged(t, func() {
				wantProblem(t, h.do(t, http.MethodPost, tc.path, uClerk101, tc.body, key...),
					http.StatusUnprocessableEntity, "idempotency_key_reused", "")
			})
		})
	}
	t.Run("same key, other clerk", func(t *testing.T) {
		// Keys are per user: another clerk's key registers its own change.
		other := h.pick(t, "adult in 0751", func(p *register.Person) bool { return livesIn(p, 751) && adult(p) })
		h.post(t, "/v1/persons/"+other.PNR.String()+"/moves", uClerk751,
			map[string]any{"effective": today, "address": addrIn{"0751", st.roads751[0].Vejkode, "9", "", ""}}, key...)
	})
	t.Run("key too long", func(t *testing.T) {
		h.unchanged(t, func() {
			wantProblem(t, h.do(t, http.MethodPost, path, uClerk101, body, "Idempotency-Key", strings.Repeat("k", 201)),
				http.StatusBadRequest, "invalid_input", "Idempotency-Key")
		})
	})
	if p := h.person(t, z.PNR.String()); p.Address == nil || p.Address.Husnr != "3" || h.reg.LastSeq() != seq+1 {
		t.Errorf("after the replays: address %+v, journal %d (want %d)", p.Address, h.reg.LastSeq(), seq+1)
	}
}

func testAdmin(t *testing.T, h *harness) {
	t.Run("users", func(t *testing.T) {
		var u map[string]any
		ok(t, h.do(t, http.MethodPost, "/v1/users", uAdmin,
			map[string]any{"id": "clerk-0147", "role": "clerk", "kommune": "0147", "name": "Clerk, Frederiksberg"}),
			http.StatusCreated, &u)
		if u["id"] != "clerk-0147" || u["role"] != "clerk" || u["kommune"] != "0147" {
			t.Errorf("created %v", u)
		}
		wantProblem(t, h.do(t, http.MethodPost, "/v1/users", uAdmin, map[string]any{"id": "clerk-0147", "role": "clerk", "kommune": "0147"}),
			http.StatusConflict, "exists", "")
		wantProblem(t, h.do(t, http.MethodPost, "/v1/users", uAdmin, map[string]any{"id": "someone", "role": "king"}),
			http.StatusBadRequest, "invalid_input", "role")
		wantProblem(t, h.do(t, http.MethodPost, "/v1/users", uAdmin, map[string]any{"id": "x", "role": "citizen", "pnr": "1234"}),
			http.StatusBadRequest, "invalid_pnr", "pnr")
		var list struct {
			Users []map[string]any `json:"users"`
		}
		ok(t, h.get(t, "/v1/users", uAdmin), http.StatusOK, &list)
		var ids []string
		for _, u := range list.Users {
			ids = append(ids, u["id"].(string))
		}
		for _, id := range []string{uAdmin, uLookup, uAuditor, uClerk101, uClerk751, uCitizen, uSubscriber, "clerk-0147"} {
			if !slices.Contains(ids, id) {
				t.Errorf("user list lacks %s: %v", id, ids)
			}
		}
	})
	t.Run("tokens", func(t *testing.T) {
		var tok struct {
			Token, ID, User string
		}
		ok(t, h.do(t, http.MethodPost, "/v1/tokens", uAdmin, map[string]any{"user": "clerk-0147", "ttl_hours": 1}), http.StatusCreated, &tok)
		if tok.User != "clerk-0147" || !strings.HasPrefix(tok.Token, "cpr_") || len(tok.ID) != 16 {
			t.Fatalf("token %+v", tok)
		}
		ok(t, h.do(t, http.MethodGet, "/v1/kommuner", "", nil, "Authorization", "Bearer "+tok.Token), http.StatusOK, nil)
		a := h.do(t, http.MethodDelete, "/v1/tokens/"+tok.ID, uAdmin, nil)
		if a.Status != http.StatusNoContent || len(a.Body) != 0 {
			t.Errorf("revoke answered %d %s", a.Status, a.Body)
		}
		wantProblem(t, h.do(t, http.MethodGet, "/v1/kommuner", "", nil, "Authorization", "Bearer "+tok.Token),
			http.StatusUnauthorized, "token_revoked", "")
		wantProblem(t, h.do(t, http.MethodPost, "/v1/tokens", uAdmin, map[string]any{"user": "clerk-0147", "ttl_hours": -1}),
			http.StatusBadRequest, "invalid_input", "ttl_hours")
		wantProblem(t, h.do(t, http.MethodPost, "/v1/tokens", uAdmin, map[string]any{}),
			http.StatusBadRequest, "invalid_input", "user")
	})
	// An administrator's request about a token or user that does not
	// exist is not an authentication failure of the administrator.
	t.Run("revoke an unknown token", func(t *testing.T) {
		a := h.do(t, http.MethodDelete, "/v1/tokens/0123456789abcdef", uAdmin, nil)
		if a.Status != http.StatusNotFound {
			t.Errorf("revoking an unknown token answered %d (want 404, not an authentication failure): %s", a.Status, a.Body)
		}
	})
	t.Run("token for an unknown user", func(t *testing.T) {
		a := h.do(t, http.MethodPost, "/v1/tokens", uAdmin, map[string]any{"user": "nobody"})
		if a.Status == http.StatusUnauthorized || a.Status == http.StatusForbidden || a.Status < 400 || a.Status >= 500 {
			t.Errorf("token for an unknown user answered %d (want 404 or 400, not an authentication failure): %s", a.Status, a.Body)
		}
	})
	t.Run("disable a user", func(t *testing.T) {
		var tok struct{ Token string }
		ok(t, h.do(t, http.MethodPost, "/v1/tokens", uAdmin, map[string]any{"user": "clerk-0147"}), http.StatusCreated, &tok)
		bearer := []string{"Authorization", "Bearer " + tok.Token}
		ok(t, h.do(t, http.MethodPatch, "/v1/users/clerk-0147", uAdmin, map[string]any{"disabled": true}), http.StatusOK, nil)
		wantProblem(t, h.do(t, http.MethodGet, "/v1/kommuner", "", nil, bearer...), http.StatusUnauthorized, "unauthenticated", "")
		ok(t, h.do(t, http.MethodPatch, "/v1/users/clerk-0147", uAdmin, map[string]any{"disabled": false}), http.StatusOK, nil)
		ok(t, h.do(t, http.MethodGet, "/v1/kommuner", "", nil, bearer...), http.StatusOK, nil)
		// An admin never locks itself out (nor, so, the last admin).
		wantProblem(t, h.do(t, http.MethodPatch, "/v1/users/"+uAdmin, uAdmin, map[string]any{"disabled": true}),
			http.StatusConflict, "cannot_disable_self", "id")
		ok(t, h.do(t, http.MethodGet, "/v1/users", uAdmin, nil), http.StatusOK, nil)
	})
	t.Run("token lifetime too long", func(t *testing.T) {
		wantProblem(t, h.do(t, http.MethodPost, "/v1/tokens", uAdmin, map[string]any{"user": "clerk-0147", "ttl_hours": 24 * 365}),
			http.StatusBadRequest, "invalid_input", "ttl_hours")
	})
}

// fill makes a concrete path of a route pattern.
func (h *harness) fill(pattern string) string {
	a := h.citizen.Residence.Address
	return strings.NewReplacer("{pnr}", h.citizen.PNR.String(), "{kommunekode}", code4(a.Kommunekode),
		"{vejkode}", code4(a.Vejkode), "{husnr}", a.Husnr, "{kode}", "0101", "{id}", "0123456789abcdef").Replace(pattern)
}

func testRoles(t *testing.T, h *harness) {
	h.clock.Advance(time.Minute)
	from := h.clock.Now()
	type refusal struct{ user, call string }
	var refused []refusal
	h.unchanged(t, func() {
		for _, rt := range api.Routes() {
			if rt.Roles == nil {
				continue
			}
			for _, role := range allRoles {
				if slices.Contains(rt.Roles, role) {
					continue
				}
				t.Run(rt.Key()+" as "+string(role), func(t *testing.T) {
					var body any
					if rt.Method == http.MethodPost {
						body = map[string]any{}
					}
					wantProblem(t, h.do(t, rt.Method, h.fill(rt.Pattern), roleUser[role], body), http.StatusForbidden, "forbidden", "")
				})
				refused = append(refused, refusal{roleUser[role], rt.Key()})
			}
		}
	})
	if len(refused) < 50 {
		t.Errorf("only %d refusals in the role matrix", len(refused))
	}
	t.Run("refusals are in the access log", func(t *testing.T) {
		for _, user := range slices.Compact(slices.Sorted(maps.Values(roleUser))) {
			entries := h.accessLog(t, "/v1/access-log", uAuditor, "user", user, "from", from.UTC().Format(time.RFC3339Nano))
			for _, r := range refused {
				if r.user != user {
					continue
				}
				if !slices.ContainsFunc(entries, func(e logEntry) bool {
					return e.Call == r.call && e.Outcome == "denied" && e.Status == http.StatusForbidden && e.User == user &&
						(e.PNR != "") == strings.Contains(r.call, "{pnr}") && e.Token != ""
				}) {
					t.Errorf("the refusal of %s to %s is not in the access log", r.call, user)
				}
			}
		}
	})
}

func testAuthentication(t *testing.T, h *harness) {
	// A short-lived token, issued through the API, expires when the clock
	// moves past it; a revoked one stops at once.
	var short, revoked struct{ Token, ID string }
	ok(t, h.do(t, http.MethodPost, "/v1/tokens", uAdmin, map[string]any{"user": uLookup, "ttl_hours": 0.25}), http.StatusCreated, &short)
	ok(t, h.do(t, http.MethodPost, "/v1/tokens", uAdmin, map[string]any{"user": uLookup}), http.StatusCreated, &revoked)
	for _, tok := range []string{short.Token, revoked.Token} {
		ok(t, h.do(t, http.MethodGet, "/v1/persons/"+h.citizen.PNR.String(), "", nil, "Authorization", "Bearer "+tok), http.StatusOK, nil)
	}
	if a := h.do(t, http.MethodDelete, "/v1/tokens/"+revoked.ID, uAdmin, nil); a.Status != http.StatusNoContent {
		t.Fatalf("revoke answered %d", a.Status)
	}
	h.clock.Advance(20 * time.Minute)
	from := h.clock.Now()

	tests := []struct {
		name, header, code string // header "" sends no Authorization
	}{
		{"no token", "", "unauthenticated"},
		{"not bearer", "Basic dXNlcjpwYXNz", "unauthenticated"},
		{"empty bearer", "Bearer ", "unauthenticated"},
		{"bearer without space", "Bearer" + h.tok[uLookup], "unauthenticated"},
		{"malformed token", "Bearer cpr_notatoken", "unauthenticated"},
		{"unknown token", "Bearer cpr_" + strings.Repeat("A", 43), "unauthenticated"},
		{"expired token", "Bearer " + short.Token, "token_expired"},
		{"revoked token", "Bearer " + revoked.Token, "token_revoked"},
	}
	calls := map[string]int{}
	h.unchanged(t, func() {
		for _, rt := range api.Routes() {
			if rt.Roles == nil {
				continue
			}
			for _, tc := range tests {
				t.Run(rt.Key()+" "+tc.name, func(t *testing.T) {
					var hdr []string
					if tc.header != "" {
						hdr = []string{"Authorization", tc.header}
					}
					var body any
					if rt.Method == http.MethodPost {
						body = map[string]any{}
					}
					wantProblem(t, h.do(t, rt.Method, h.fill(rt.Pattern), "", body, hdr...), http.StatusUnauthorized, tc.code, "")
				})
				calls[rt.Key()]++
			}
		}
	})
	t.Run("unauthenticated calls are counted, not stored", func(t *testing.T) {
		entries := h.accessLog(t, "/v1/access-log", uAuditor, "from", from.UTC().Format(time.RFC3339Nano))
		for _, e := range entries {
			if e.Status == http.StatusUnauthorized {
				t.Errorf("an unauthenticated call is in the access log: %+v", e)
			}
		}
		total := 0
		for _, n := range calls {
			total += n
		}
		if got := h.unauthenticatedCount(t); got < float64(total) {
			t.Errorf("cpr_http_unauthenticated_total = %v, want at least %d", got, total)
		}
	})
}

func testKommuneAndCitizen(t *testing.T, h *harness, st *e2eState) {
	in751 := h.pick(t, "adult in 0751", func(p *register.Person) bool { return livesIn(p, 751) && adult(p) })
	in101 := h.pick(t, "adult in 0101", func(p *register.Person) bool { return livesIn(p, 101) && adult(p) })
	into101 := map[string]any{"effective": today, "address": addrIn{"0101", st.roads101[4].Vejkode, "21", "", ""}}
	h.clock.Advance(time.Minute)
	from := h.clock.Now()
	tests := []struct {
		name, user, call, path string
		body                   any
		code                   string
		pnr                    string // in the access log entry: the person targeted
	}{
		{"move into 0101 by clerk of 0751", uClerk751, "POST /v1/persons/{pnr}/moves", "/v1/persons/" + in751.PNR.String() + "/moves",
			into101, "wrong_kommune", in751.PNR.String()},
		{"death in 0101 by clerk of 0751", uClerk751, "POST /v1/persons/{pnr}/death", "/v1/persons/" + in101.PNR.String() + "/death",
			map[string]any{"effective": today}, "wrong_kommune", in101.PNR.String()},
		{"name change in 0101 by clerk of 0751", uClerk751, "POST /v1/persons/{pnr}/names", "/v1/persons/" + in101.PNR.String() + "/names",
			map[string]any{"effective": today, "name": nameIn{Last: "Holm"}}, "wrong_kommune", in101.PNR.String()},
		{"birth in 0101 by clerk of 0751", uClerk751, "POST /v1/births", "/v1/births",
			map[string]any{"mother": h.citizen.PNR.String(), "birth_date": today, "sex": "F"}, "wrong_kommune", h.citizen.PNR.String()},
		{"citizen reads someone else", uCitizen, "GET /v1/persons/{pnr}", "/v1/persons/" + in101.PNR.String(), nil,
			"not_yours", in101.PNR.String()},
		{"citizen reads no one", uCitizen, "GET /v1/persons/{pnr}", "/v1/persons/0101011235", nil, "not_yours", "0101011235"},
		{"citizen reads someone else's history", uCitizen, "GET /v1/persons/{pnr}/history", "/v1/persons/" + in751.PNR.String() + "/history", nil,
			"not_yours", in751.PNR.String()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.unchanged(t, func() {
				method, _, _ := strings.Cut(tc.call, " ")
				wantProblem(t, h.do(t, method, tc.path, tc.user, tc.body), http.StatusForbidden, tc.code, "")
			})
		})
	}
	t.Run("refusals are in the access log", func(t *testing.T) {
		for _, tc := range tests {
			entries := h.accessLog(t, "/v1/access-log", uAuditor, "user", tc.user, "from", from.UTC().Format(time.RFC3339Nano))
			if !slices.ContainsFunc(entries, func(e logEntry) bool {
				return e.Outcome == "denied" && e.Status == http.StatusForbidden && e.PNR == tc.pnr && e.Call == tc.call
			}) {
				t.Errorf("%s: no denied entry in the access log: %+v", tc.name, entries)
			}
		}
	})
	t.Run("move out of 0101 by the receiving clerk", func(t *testing.T) {
		to := addrIn{"0751", st.roads751[1].Vejkode, "4", "", ""}
		h.post(t, "/v1/persons/"+in101.PNR.String()+"/moves", uClerk751, map[string]any{"effective": today, "address": to})
		p := h.person(t, in101.PNR.String())
		if p.Address == nil || !p.Address.sameAs(to) {
			t.Errorf("after the move: %+v", p.Address)
		}
	})
	// A person who emigrated before the register knew them has no
	// kommune; a clerk must still be able to register their death.
	t.Run("death abroad of a person without a kommune", func(t *testing.T) {
		e := h.pick(t, "emigrated person", func(p *register.Person) bool {
			return p.Status == register.StatusEmigrated && p.Residence.PreviousKommune == 0
		})
		for _, clerk := range []string{uClerk101, uClerk751} {
			a := h.do(t, http.MethodPost, "/v1/persons/"+e.PNR.String()+"/death", clerk, map[string]any{"effective": today})
			if a.Status == http.StatusCreated {
				return
			}
			t.Logf("%s: %d %s", clerk, a.Status, a.Body)
		}
		t.Errorf("no clerk may register the death of an emigrated person without a previous kommune")
	})
	t.Run("citizen reads self", func(t *testing.T) {
		var p personJSON
		ok(t, h.get(t, "/v1/persons/"+h.citizen.PNR.String(), uCitizen), http.StatusOK, &p)
		if p.PNR != h.citizen.PNR.String() {
			t.Errorf("citizen read %q", p.PNR)
		}
	})
}

func testErrors(t *testing.T, h *harness, st *e2eState) {
	live := func(p *register.Person) bool { return livesIn(p, 101) && adult(p) }
	x := h.pick(t, "adult in 0101 without protection", func(p *register.Person) bool { return live(p) && len(p.Protections) == 0 })
	dead := h.pick(t, "adult in 0101", live)
	h.post(t, "/v1/persons/"+dead.PNR.String()+"/death", uClerk101, map[string]any{"effective": today})
	married := h.pick(t, "married adult in 0101", func(p *register.Person) bool {
		return live(p) && p.Civil.Code == register.CivilMarried && !p.Civil.Spouse.IsZero()
	})
	single := h.pick(t, "unmarried adult", func(p *register.Person) bool { return live(p) && p.Civil.Code.Free() })
	emigrated := h.pick(t, "emigrated person", func(p *register.Person) bool { return p.Status == register.StatusEmigrated })
	unknown := "0101011235" // a valid pnr no one has: the population is born after 1920
	if _, err := h.reg.Get(pnr.MustParse(unknown)); err == nil {
		t.Fatalf("%s is in the register", unknown)
	}
	noRoad := ""
	for v := uint16(1); v < address.MinSpecialVejkode && noRoad == ""; v++ {
		if _, found := h.reg.Roads().Lookup(101, v); !found {
			noRoad = code4(v)
		}
	}
	xp := "/v1/persons/" + x.PNR.String()
	addr := addrIn{"0101", st.roads101[5].Vejkode, "8", "", ""}
	move := func(eff string, a any) map[string]any { return map[string]any{"effective": eff, "address": a} }
	tooLarge := `{"effective":"` + strings.Repeat("x", 1<<20+1) + `"}`

	tests := []struct {
		name, method, path, user string
		body                     any
		status                   int
		code, field              string
	}{
		{"malformed pnr", "GET", "/v1/persons/12345", uLookup, nil, 400, "invalid_pnr", "pnr"},
		{"pnr with letters", "GET", "/v1/persons/01019x1234", uLookup, nil, 400, "invalid_pnr", "pnr"},
		{"pnr with no such date", "GET", "/v1/persons/3102901234/history", uLookup, nil, 400, "invalid_pnr", "pnr"},
		{"malformed pnr in a change path", "POST", "/v1/persons/12345/moves", uClerk101, move(today, addr), 400, "invalid_pnr", "pnr"},
		{"malformed pnr in a body", "POST", xp + "/marriages", uClerk101, map[string]any{"spouse": "1234", "effective": today}, 400, "invalid_pnr", "spouse"},
		{"malformed body", "POST", xp + "/moves", uClerk101, `{"effective":`, 400, "malformed_body", ""},
		{"empty body", "POST", xp + "/moves", uClerk101, "", 400, "malformed_body", ""},
		{"two bodies", "POST", xp + "/moves", uClerk101, `{} {}`, 400, "malformed_body", ""},
		{"not an object", "POST", xp + "/death", uClerk101, `"2026-03-02"`, 400, "malformed_body", ""},
		{"wrong type", "POST", xp + "/moves", uClerk101, map[string]any{"effective": 20260302, "address": addr}, 400, "malformed_body", "effective"},
		{"wrong nested type", "POST", xp + "/moves", uClerk101,
			map[string]any{"effective": today, "address": map[string]any{"kommunekode": 101, "vejkode": addr.Vejkode, "husnr": "8"}},
			400, "malformed_body", "address.kommunekode"},
		{"wrong type of a flag", "POST", xp + "/protections", uClerk101, map[string]any{"type": "0001", "on": "yes", "effective": today},
			400, "malformed_body", "on"},
		{"unknown field", "POST", xp + "/moves", uClerk101, map[string]any{"effective": today, "adress": addr}, 400, "unknown_field", "adress"},
		{"unknown nested field", "POST", xp + "/moves", uClerk101,
			map[string]any{"effective": today, "address": map[string]any{"kommunekode": "0101", "vejkode": addr.Vejkode, "husnr": "8", "floor": "2"}},
			400, "unknown_field", "address.floor"},
		{"missing field", "POST", xp + "/moves", uClerk101, map[string]any{"effective": today}, 400, "invalid_input", "address"},
		{"malformed date", "POST", xp + "/moves", uClerk101, move("2026-3-2", addr), 400, "invalid_date", "effective"},
		{"no such date", "POST", xp + "/death", uClerk101, map[string]any{"effective": "2026-02-30"}, 400, "invalid_date", "effective"},
		{"malformed date in the query", "GET", xp + "?at=02-03-2026", uLookup, nil, 400, "invalid_date", "at"},
		{"malformed birth date in a search", "GET", "/v1/search?birth_date=19x5", uLookup, nil, 400, "invalid_date", "birth_date"},
		{"malformed residents date", "GET", h.fill("/v1/addresses/{kommunekode}/{vejkode}/{husnr}/residents") + "?at=yesterday", uLookup, nil,
			400, "invalid_date", "at"},
		{"malformed known", "GET", xp + "?known=yesterday", uLookup, nil, 400, "invalid_input", "known"},
		{"unknown kommune", "POST", xp + "/moves", uClerk101, move(today, addrIn{"0999", "0001", "1", "", ""}), 400, "invalid_input", "address.kommunekode"},
		{"unknown kommune in a search", "GET", "/v1/search?name=Jensen&kommunekode=0999", uLookup, nil, 400, "invalid_input", "kommunekode"},
		{"unknown kommune of roads", "GET", "/v1/kommuner/0999/roads", uLookup, nil, 400, "invalid_input", "kode"},
		{"malformed husnr", "POST", xp + "/moves", uClerk101, move(today, addrIn{"0101", addr.Vejkode, "abc", "", ""}), 400, "invalid_input", "address.husnr"},
		{"unknown road", "POST", xp + "/moves", uClerk101, move(today, addrIn{"0101", noRoad, "1", "", ""}), 422, "unknown_road", "address.vejkode"},
		{"unknown road in an immigration", "POST", "/v1/immigrations", uClerk101, map[string]any{"effective": today,
			"address": addrIn{"0101", noRoad, "1", "", ""}, "birth_date": "1990-01-01", "sex": "M", "name": nameIn{Last: "Holm"}, "citizenship": 5120},
			422, "unknown_road", "address.vejkode"},
		{"dead person moved", "POST", "/v1/persons/" + dead.PNR.String() + "/moves", uClerk101, move(today, addr), 409, "person_dead", ""},
		{"dead person dies again", "POST", "/v1/persons/" + dead.PNR.String() + "/death", uClerk101, map[string]any{"effective": today}, 409, "person_dead", ""},
		{"married person married again", "POST", "/v1/persons/" + married.PNR.String() + "/marriages", uClerk101,
			map[string]any{"spouse": single.PNR.String(), "effective": today}, 409, "not_free_to_marry", ""},
		{"married to self", "POST", xp + "/marriages", uClerk101, map[string]any{"spouse": x.PNR.String(), "effective": today}, 409, "same_person", ""},
		{"divorce of an unmarried person", "POST", "/v1/persons/" + single.PNR.String() + "/divorces", uClerk101,
			map[string]any{"effective": today}, 409, "not_married", ""},
		{"move too far ahead", "POST", xp + "/moves", uClerk101, move("2026-03-31", addr), 409, "effective_in_future", ""},
		{"name change ahead", "POST", xp + "/names", uClerk101, map[string]any{"effective": "2026-03-03", "name": nameIn{Last: "Holm"}},
			409, "effective_in_future", ""},
		{"move before the address in force", "POST", xp + "/moves", uClerk101, move("1900-01-01", addr), 409, "effective_too_early", ""},
		{"move to the same address", "POST", xp + "/moves", uClerk101, move(today, addrOf(x.Residence.Address)), 409, "same_address", ""},
		{"protection off that is not on", "POST", xp + "/protections", uClerk101,
			map[string]any{"type": "0001", "on": false, "effective": today}, 409, "not_protected", ""},
		{"correction of no such entry", "POST", xp + "/corrections", uClerk101,
			map[string]any{"fact": "address", "target": 999999, "address": addr}, 409, "no_such_entry", ""},
		{"return of one who never left", "POST", "/v1/immigrations", uClerk101,
			map[string]any{"pnr": x.PNR.String(), "effective": today, "address": addr}, 409, "not_emigrated", ""},
		{"emigrated person moved", "POST", "/v1/persons/" + emigrated.PNR.String() + "/moves", uClerk101, move(today, addr),
			409, "person_emigrated", ""},
		{"emigration to no country", "POST", xp + "/emigration", uClerk101, map[string]any{"effective": today, "country": 0},
			400, "invalid_input", "country"},
		{"body too large", "POST", xp + "/moves", uClerk101, tooLarge, 413, "body_too_large", ""},
		{"unknown person", "GET", "/v1/persons/" + unknown, uLookup, nil, 404, "person_not_found", ""},
		{"unknown person's history", "GET", "/v1/persons/" + unknown + "/history", uLookup, nil, 404, "person_not_found", ""},
		{"unknown person dies", "POST", "/v1/persons/" + unknown + "/death", uClerk101, map[string]any{"effective": today}, 404, "person_not_found", ""},
		{"unknown person moves", "POST", "/v1/persons/" + unknown + "/moves", uClerk101, move(today, addr), 404, "person_not_found", ""},
		{"birth to an unknown mother", "POST", "/v1/births", uClerk101,
			map[string]any{"mother": unknown, "birth_date": today, "sex": "F"}, 400, "invalid_input", "mother"},
		{"birth with no sex", "POST", "/v1/births", uClerk101, map[string]any{"mother": x.PNR.String(), "birth_date": today, "sex": "X"},
			400, "invalid_input", "sex"},
		{"protection of no such type", "POST", xp + "/protections", uClerk101, map[string]any{"type": "0009", "on": true, "effective": today},
			400, "invalid_input", "type"},
		{"correction of no such fact", "POST", xp + "/corrections", uClerk101, map[string]any{"fact": "civil", "target": 1}, 400, "invalid_input", "fact"},
		{"name with a character outside Latin-1", "POST", xp + "/names", uClerk101,
			map[string]any{"effective": today, "name": nameIn{First: "Łukasz", Last: "Holm"}}, 400, "invalid_input", "name.first"},
		{"search without criteria", "GET", "/v1/search", uLookup, nil, 400, "invalid_input", "query"},
		{"search limit out of range", "GET", "/v1/search?name=Jensen&limit=501", uLookup, nil, 400, "invalid_input", "limit"},
		{"search with a foreign cursor", "GET", "/v1/search?name=Jensen&cursor=!!", uLookup, nil, 400, "invalid_input", "cursor"},
		{"search with no such sex", "GET", "/v1/search?birth_date=1985&sex=X", uLookup, nil, 400, "invalid_input", "sex"},
		{"access log from", "GET", "/v1/access-log?from=yesterday", uAuditor, nil, 400, "invalid_input", "from"},
		{"access log to before from", "GET", "/v1/access-log?from=2026-03-02T10:00:00Z&to=2026-03-01T10:00:00Z", uAuditor, nil,
			400, "invalid_input", "to"},
		{"access log pnr", "GET", "/v1/access-log?pnr=12", uAuditor, nil, 400, "invalid_pnr", "pnr"},
		{"access log user", "GET", "/v1/access-log?user=No+Such+User", uAuditor, nil, 400, "invalid_input", "user"},
		{"flags to", "GET", "/v1/access-log/flags?to=soon", uAuditor, nil, 400, "invalid_input", "to"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.unchanged(t, func() {
				wantProblem(t, h.do(t, tc.method, tc.path, tc.user, tc.body), tc.status, tc.code, tc.field)
			})
		})
	}
	// The problem document never repeats a pnr, not even one the client
	// put where a field name belongs.
	t.Run("unknown field named by a pnr", func(t *testing.T) {
		h.unchanged(t, func() {
			a := h.do(t, http.MethodPost, xp+"/moves", uClerk101, `{"effective":"`+today+`","`+single.PNR.String()+`":{}}`)
			if a.Status != http.StatusBadRequest || strings.Contains(string(a.Body), single.PNR.String()) {
				t.Errorf("answer %d repeats the pnr: %s", a.Status, a.Body)
			}
		})
	})
	t.Run("nothing changed", func(t *testing.T) {
		if p := h.person(t, x.PNR.String()); p.Address == nil || !p.Address.sameAs(addrOf(x.Residence.Address)) || p.Name.Last != x.Name.Last {
			t.Errorf("the person of the failed changes changed: %+v", p)
		}
		if p := h.person(t, married.PNR.String()); p.Civil.Spouse != married.Civil.Spouse.String() {
			t.Errorf("the married person's spouse changed: %+v", p.Civil)
		}
	})
}

func testAccessLog(t *testing.T, h *harness, st *e2eState) {
	h.clock.Advance(time.Minute)
	from := h.clock.Now()
	since := from.UTC().Format(time.RFC3339Nano)
	target := h.pick(t, "adult in 0751", func(p *register.Person) bool { return livesIn(p, 751) && adult(p) })
	ta := target.Residence.Address
	tp := target.PNR.String()

	reads := []struct {
		name, call, path string
		query            []string
	}{
		{"person", "GET /v1/persons/{pnr}", "/v1/persons/" + tp, nil},
		{"person as of", "GET /v1/persons/{pnr}", "/v1/persons/" + tp, []string{"at", yesterday}},
		{"history", "GET /v1/persons/{pnr}/history", "/v1/persons/" + tp + "/history", nil},
		{"search", "GET /v1/search", "/v1/search", []string{"birth_date", target.BirthDate.String()}},
		{"residents", "GET /v1/addresses/{kommunekode}/{vejkode}/{husnr}/residents",
			fmt.Sprintf("/v1/addresses/%04d/%04d/%s/residents", ta.Kommunekode, ta.Vejkode, ta.Husnr),
			[]string{"etage", ta.Etage, "sidedoer", ta.Sidedoer}},
	}
	for _, rd := range reads {
		t.Run("read "+rd.name+" is logged", func(t *testing.T) {
			purpose := "sag " + rd.name + " æøå"
			path := rd.path
			if len(rd.query) > 0 {
				path += "?" + queryOf(rd.query...)
			}
			ok(t, h.do(t, http.MethodGet, path, uLookup, nil, "X-Purpose", purpose), http.StatusOK, nil)
			entries := h.accessLog(t, "/v1/access-log", uAuditor, "pnr", tp, "from", since)
			if !slices.ContainsFunc(entries, func(e logEntry) bool {
				return e.User == uLookup && e.Role == "lookup" && e.Call == rd.call && e.PNR == tp && e.Purpose == purpose &&
					e.Outcome == "read" && e.Status == http.StatusOK && e.PersonKommune == 751
			}) {
				t.Errorf("no access log entry for the read: %+v", entries)
			}
		})
	}
	t.Run("by user", func(t *testing.T) {
		entries := h.accessLog(t, "/v1/access-log", uAuditor, "user", uLookup, "from", since)
		if !slices.ContainsFunc(entries, func(e logEntry) bool { return e.PNR == tp }) {
			t.Error("the lookup user's reads are not found by user")
		}
		for _, e := range entries {
			if e.User != uLookup {
				t.Errorf("entry of %s in the log of %s", e.User, uLookup)
			}
		}
	})
	t.Run("a read of an unknown person is logged", func(t *testing.T) {
		wantProblem(t, h.get(t, "/v1/persons/0101011235", uLookup), http.StatusNotFound, "person_not_found", "")
		entries := h.accessLog(t, "/v1/access-log", uAuditor, "pnr", "0101011235", "from", since)
		if len(entries) != 1 || entries[0].Status != http.StatusNotFound {
			t.Errorf("entries %+v", entries)
		}
	})
	t.Run("a history read of an unknown person is logged", func(t *testing.T) {
		wantProblem(t, h.get(t, "/v1/persons/0101011235/history", uLookup), http.StatusNotFound, "person_not_found", "")
		entries := h.accessLog(t, "/v1/access-log", uAuditor, "pnr", "0101011235", "from", since)
		if !slices.ContainsFunc(entries, func(e logEntry) bool {
			return e.Call == "GET /v1/persons/{pnr}/history" && e.Status == http.StatusNotFound && e.User == uLookup
		}) {
			t.Errorf("the attempt is not in the access log (GET /v1/persons/{pnr} logs it): %+v", entries)
		}
	})
	t.Run("citizen sees who looked them up", func(t *testing.T) {
		ok(t, h.do(t, http.MethodGet, "/v1/persons/"+h.citizen.PNR.String(), uClerk751, nil, "X-Purpose", "sag 17"), http.StatusOK, nil)
		entries := h.myLog(t, uCitizen)
		if !slices.ContainsFunc(entries, func(e myEntry) bool {
			return e.By == "clerk" && e.Kommune == "0751" && e.Purpose == "sag 17" && e.Access == "read"
		}) {
			t.Errorf("the citizen does not see the clerk's read: %+v", entries)
		}
		if !slices.ContainsFunc(entries, func(e myEntry) bool { return e.By == "lookup" && e.Access == "read" }) {
			t.Errorf("the citizen does not see the lookup user's reads")
		}
		for _, e := range entries {
			if e.PNR != h.citizen.PNR.String() {
				t.Errorf("the citizen sees an entry about someone else: %+v", e)
			}
		}
	})

	// Flags: many persons, another kommune, a protected person, and
	// (last, as it moves the clock) off hours.
	var many []string
	for _, p := range h.pop {
		if len(many) == 60 {
			break
		}
		many = append(many, p.PNR.String())
	}
	for _, p := range many {
		ok(t, h.get(t, "/v1/persons/"+p, uBulk), http.StatusOK, nil)
	}
	other := h.pick(t, "adult in 0101", func(p *register.Person) bool { return livesIn(p, 101) && adult(p) }).PNR.String()
	ok(t, h.get(t, "/v1/persons/"+other, uClerk751), http.StatusOK, nil)
	if st.protected != "" {
		ok(t, h.get(t, "/v1/persons/"+st.protected, uLookup), http.StatusOK, nil)
	}
	popProtected := h.pick(t, "person with name and address protection", func(p *register.Person) bool {
		return slices.ContainsFunc(p.Protections, func(pp register.ProtectionPeriod) bool { return pp.Type == register.ProtectNameAddress })
	}).PNR.String()
	ok(t, h.get(t, "/v1/persons/"+popProtected, uClerk101), http.StatusOK, nil)

	fs := h.flags(t, from, h.clock.Now().Add(time.Minute))
	has := func(rule, user, p string) bool {
		return slices.ContainsFunc(fs, func(f flag) bool { return f.Rule == rule && f.User == user && (p == "" || f.PNR == p) })
	}
	flagTests := []struct {
		name, rule, user, pnr string
	}{
		{"many persons", access.RuleManyPersons, uBulk, ""},
		{"other kommune", access.RuleOtherKommune, uClerk751, other},
		{"protected by a clerk's change", access.RuleProtectedPerson, uLookup, st.protected},
		{"protected in the population", access.RuleProtectedPerson, uClerk101, popProtected},
	}
	for _, tc := range flagTests {
		t.Run("flag "+tc.name, func(t *testing.T) {
			if !has(tc.rule, tc.user, tc.pnr) {
				t.Errorf("no %s flag for %s: %+v", tc.rule, tc.user, fs)
			}
		})
	}
	t.Run("no off hours flag in office hours", func(t *testing.T) {
		if slices.ContainsFunc(fs, func(f flag) bool { return f.Rule == access.RuleOffHours }) {
			t.Errorf("off_hours flag at %s", h.clock.Now())
		}
	})
	t.Run("flag off hours", func(t *testing.T) {
		night := time.Date(2026, 3, 2, 22, 0, 0, 0, monday10.Location())
		h.clock.Set(night)
		ok(t, h.get(t, "/v1/persons/"+h.citizen.PNR.String(), uLookup), http.StatusOK, nil)
		fs := h.flags(t, night.Add(-time.Minute), night.Add(time.Minute))
		if !slices.ContainsFunc(fs, func(f flag) bool {
			return f.Rule == access.RuleOffHours && f.User == uLookup && f.PNR == h.citizen.PNR.String()
		}) {
			t.Errorf("no off_hours flag: %+v", fs)
		}
	})
}

func queryOf(pairs ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(pairs[i] + "=" + strings.ReplaceAll(pairs[i+1], " ", "+"))
	}
	return b.String()
}

func testMetrics(t *testing.T, h *harness) {
	a := h.get(t, "/metrics", "")
	ok(t, a, http.StatusOK, nil)
	text := string(a.Body)
	for _, name := range []string{"cpr_http_requests_total", "cpr_http_request_duration_seconds", "cpr_journal_sequence"} {
		if !strings.Contains(text, name) {
			t.Errorf("metrics lack %s", name)
		}
	}
	t.Run("no pnr", func(t *testing.T) {
		h.mu.Lock()
		pnrs := slices.Sorted(maps.Keys(h.pnrs))
		h.mu.Unlock()
		if len(pnrs) < 100 {
			t.Errorf("only %d pnrs seen", len(pnrs))
		}
		for _, p := range pnrs {
			if strings.Contains(text, p) || strings.Contains(text, p[:6]+"-"+p[6:]) {
				t.Errorf("the metrics hold pnr %s", p)
			}
		}
	})
	t.Run("every route answered", func(t *testing.T) {
		families, err := h.prom.Gather()
		if err != nil {
			t.Fatal(err)
		}
		statuses := map[string]map[string]float64{} // route -> status -> count
		for _, mf := range families {
			if mf.GetName() != "cpr_http_requests_total" {
				continue
			}
			for _, m := range mf.GetMetric() {
				var route, status string
				for _, l := range m.GetLabel() {
					switch l.GetName() {
					case "route":
						route = l.GetValue()
					case "status":
						status = l.GetValue()
					}
				}
				if statuses[route] == nil {
					statuses[route] = map[string]float64{}
				}
				statuses[route][status] += m.GetCounter().GetValue()
				if status >= "500" {
					t.Errorf("%s answered %s %v times", route, status, m.GetCounter().GetValue())
				}
			}
		}
		for _, rt := range api.Routes() {
			s := statuses[rt.Key()]
			if s["200"]+s["201"]+s["202"]+s["204"] == 0 {
				t.Errorf("%s never succeeded: %v", rt.Key(), s)
			}
			if rt.Roles == nil {
				continue
			}
			if s["401"] == 0 {
				t.Errorf("%s never refused an unauthenticated request: %v", rt.Key(), s)
			}
			if len(rt.Roles) < len(allRoles) && s["403"] == 0 {
				t.Errorf("%s never refused a role: %v", rt.Key(), s)
			}
		}
	})
}
