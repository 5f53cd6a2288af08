package api_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"cpr/register"
)

// TestAudit checks the audit trail end to end: writes with their actor
// and token, who changed a person, the move flag, admin actions,
// downloads, refused reads, and unauthenticated calls that are counted
// but not stored.
func TestAudit(t *testing.T) {
	h := startHarness(t)
	from := h.clock.Now()
	since := func() []string { return []string{"from", from.UTC().Format(time.RFC3339Nano)} }
	tokenOf := func(user string) string {
		_, tok, err := h.acc.Authenticate(h.tok[user])
		if err != nil {
			t.Fatal(err)
		}
		return tok.ID
	}
	roads751 := h.roads(t, "0751")

	t.Run("who changed this person", func(t *testing.T) {
		p := h.pick(t, "adult in 0101", func(p *register.Person) bool { return livesIn(p, 101) && adult(p) })
		other := h.pick(t, "adult in 0101", func(p *register.Person) bool {
			return livesIn(p, 101) && adult(p)
		})
		key := []string{"Idempotency-Key", "audit-move-1"}
		into751 := map[string]any{"effective": today, "address": addrIn{"0751", roads751[2].Vejkode, "7", "", ""}}
		h.post(t, "/v1/persons/"+p.PNR.String()+"/moves", uClerk751, into751, key...)
		again := h.do(t, http.MethodPost, "/v1/persons/"+p.PNR.String()+"/moves", uClerk751, into751, key...)
		if again.Status != http.StatusCreated || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay answered %d %v", again.Status, again.Header)
		}
		// A move the register refuses: the same address again.
		wantProblem(t, h.do(t, http.MethodPost, "/v1/persons/"+p.PNR.String()+"/moves", uClerk751, into751), http.StatusConflict, "same_address", "")
		h.post(t, "/v1/persons/"+other.PNR.String()+"/names", uClerk101, map[string]any{"effective": today, "name": nameIn{First: "Alma", Last: "Holm"}})

		changed := h.accessLog(t, "/v1/access-log", uAuditor, append(since(), "pnr", p.PNR.String(), "outcome", "changed")...)
		if len(changed) != 1 {
			t.Fatalf("changed entries of the moved person: %+v", changed)
		}
		e := changed[0]
		if e.User != uClerk751 || e.Token != tokenOf(uClerk751) || e.Call != "POST /v1/persons/{pnr}/moves" || e.Status != 201 ||
			e.PersonKommune != 101 || e.UserKommune != 751 {
			t.Errorf("move entry %+v", e)
		}
		all := h.accessLog(t, "/v1/access-log", uAuditor, append(since(), "pnr", p.PNR.String())...)
		outcomes := map[string]int{}
		for _, e := range all {
			outcomes[e.Outcome+" "+strconv.Itoa(e.Status)]++
			if e.Token == "" {
				t.Errorf("entry without token: %+v", e)
			}
		}
		if outcomes["changed 201"] != 1 || outcomes["replayed 201"] != 1 || outcomes["refused 409"] != 1 {
			t.Errorf("outcomes of the person's writes: %v", outcomes)
		}
		if got := h.accessLog(t, "/v1/access-log", uAuditor, append(since(), "pnr", other.PNR.String(), "outcome", "changed")...); len(got) != 1 || got[0].User != uClerk101 {
			t.Errorf("name change entries: %+v", got)
		}
		wantProblem(t, h.get(t, "/v1/access-log", uAuditor, "outcome", "looked"), http.StatusBadRequest, "invalid_input", "outcome")

		// The in-move from 0101 by the clerk of 0751 is flagged; the
		// name change in the clerk's own kommune is not.
		var page struct {
			Flags  []flag         `json:"flags"`
			Next   string         `json:"next"`
			Totals map[string]int `json:"totals"`
		}
		ok(t, h.get(t, "/v1/access-log/flags", uAuditor, "from", from.UTC().Format(time.RFC3339Nano),
			"to", h.clock.Now().Add(time.Minute).UTC().Format(time.RFC3339Nano), "rule", "move_from_other_kommune"), http.StatusOK, &page)
		if len(page.Flags) != 1 || page.Flags[0].PNR != p.PNR.String() || page.Flags[0].User != uClerk751 || page.Totals["move_from_other_kommune"] != 1 {
			t.Errorf("move flags: %+v", page)
		}
	})

	t.Run("admin actions", func(t *testing.T) {
		admin := tokenOf(uAdmin)
		ok(t, h.do(t, http.MethodPost, "/v1/users", uAdmin, map[string]any{"id": "lookup-two", "role": "lookup", "name": "Two"}), http.StatusCreated, nil)
		var minted struct{ ID string }
		ok(t, h.do(t, http.MethodPost, "/v1/tokens", uAdmin, map[string]any{"user": "lookup-two"}), http.StatusCreated, &minted)
		if a := h.do(t, http.MethodDelete, "/v1/tokens/"+minted.ID, uAdmin, nil); a.Status != http.StatusNoContent {
			t.Fatalf("revoke: %d", a.Status)
		}
		sub := map[string]any{"name": "Audit bank", "kind": "private", "task_number": 77, "scope": []string{"address"},
			"circle": map[string]any{"marks": true}}
		if a := h.do(t, http.MethodPut, "/v1/subscribers/audit-bank", uAdmin, sub); a.Status != http.StatusCreated {
			t.Fatalf("put subscriber: %d %s", a.Status, a.Body)
		}
		m1 := h.pick(t, "anyone", func(*register.Person) bool { return true })
		m2 := h.pick(t, "anyone", func(*register.Person) bool { return true })
		ok(t, h.do(t, http.MethodPost, "/v1/subscribers/audit-bank/marks", uAdmin, map[string]any{"marks": []map[string]string{
			{"pnr": m1.PNR.String(), "key": "k1"}, {"pnr": m2.PNR.String(), "key": "k2"}}}), http.StatusOK, nil)
		if a := h.do(t, http.MethodDelete, "/v1/subscribers/audit-bank/marks/"+m2.PNR.String(), uAdmin, nil); a.Status != http.StatusNoContent {
			t.Fatalf("delete mark: %d", a.Status)
		}

		var patched map[string]any
		ok(t, h.do(t, http.MethodPatch, "/v1/users/lookup-two", uAdmin, map[string]any{"disabled": true}), http.StatusOK, &patched)
		if patched["disabled"] != true {
			t.Errorf("disabled user answered %v", patched)
		}
		wantProblem(t, h.do(t, http.MethodPatch, "/v1/users/nobody", uAdmin, map[string]any{"disabled": true}), http.StatusNotFound, "no_such_user", "")
		wantProblem(t, h.do(t, http.MethodPatch, "/v1/users/lookup-two", uAdmin, map[string]any{}), http.StatusBadRequest, "invalid_input", "disabled")

		entries := h.accessLog(t, "/v1/access-log", uAuditor, append(since(), "user", uAdmin, "outcome", "admin")...)
		var got []string
		for _, e := range entries {
			if e.Token != admin {
				t.Errorf("admin entry with token %q, want %q: %+v", e.Token, admin, e)
			}
			got = append(got, e.Call+" | "+e.Target+" | "+e.PNR+" | "+strconv.Itoa(e.Persons))
		}
		slices.Reverse(got)
		want := []string{
			"POST /v1/users | user:lookup-two role:lookup |  | 0",
			"POST /v1/tokens | user:lookup-two token:" + minted.ID + " |  | 0",
			"DELETE /v1/tokens/{id} | token:" + minted.ID + " |  | 0",
			"PUT /v1/subscribers/{id} | subscriber:audit-bank |  | 0",
			"POST /v1/subscribers/{id}/marks | subscriber:audit-bank |  | 2",
			"DELETE /v1/subscribers/{id}/marks/{pnr} | subscriber:audit-bank | " + m2.PNR.String() + " | 0",
			"PATCH /v1/users/{id} | user:lookup-two disabled:true |  | 0",
		}
		if !slices.Equal(got, want) {
			t.Errorf("admin entries\n got %q\nwant %q", got, want)
		}

		// One citizen user a pnr.
		wantProblem(t, h.do(t, http.MethodPost, "/v1/users", uAdmin, map[string]any{"id": "citizen-two", "role": "citizen", "pnr": h.citizen.PNR.String()}),
			http.StatusConflict, "citizen_exists", "")
	})

	t.Run("downloads", func(t *testing.T) {
		body := map[string]any{"name": "Audit one", "kind": "public", "task_number": 4711,
			"scope": []string{"address", "name"}, "circle": map[string]any{"kommuner": []string{"0101"}}}
		if a := h.do(t, http.MethodPut, "/v1/subscribers/sub-one", uAdmin, body); a.Status != http.StatusCreated {
			t.Fatalf("put subscriber: %d %s", a.Status, a.Body)
		}
		a := h.get(t, "/v1/subscribers/sub-one/change-extracts/"+today, uSubscriber, "format", "jsonl", "partial", "true")
		if a.Status != http.StatusOK {
			t.Fatalf("change extract: %d %s", a.Status, a.Body)
		}
		persons, _ := strconv.Atoi(a.Header.Get("X-Extract-Persons"))
		var job map[string]any
		ok(t, h.do(t, http.MethodPost, "/v1/status-extracts", uSubscriber, map[string]any{"subscriber": "sub-one", "format": "csv"}), http.StatusAccepted, &job)
		id := job["id"].(string)
		deadline := time.Now().Add(30 * time.Second)
		for job["status"] == "running" && time.Now().Before(deadline) {
			ok(t, h.get(t, "/v1/status-extracts/"+id, uSubscriber), http.StatusOK, &job)
		}
		if job["status"] != "done" {
			t.Fatalf("status extract: %v", job)
		}
		if a := h.get(t, "/v1/status-extracts/"+id+"/data", uSubscriber); a.Status != http.StatusOK {
			t.Fatalf("status extract data: %d", a.Status)
		}
		done := int(job["stats"].(map[string]any)["persons"].(float64))

		entries := h.accessLog(t, "/v1/access-log", uAuditor, append(since(), "user", uSubscriber, "outcome", "read")...)
		var got []string
		for _, e := range entries {
			if e.Token != tokenOf(uSubscriber) {
				t.Errorf("download entry without the token: %+v", e)
			}
			got = append(got, e.Call+" | "+e.Target+" | "+strconv.Itoa(e.Persons))
		}
		for _, w := range []string{
			"GET /v1/subscribers/{id}/change-extracts/{date} | subscriber:sub-one change-extract date:" + today + " format:jsonl | " + strconv.Itoa(persons),
			"GET /v1/status-extracts/{id}/data | subscriber:sub-one status-extract:" + id + " date:" + today + " format:csv | " + strconv.Itoa(done),
		} {
			if !slices.Contains(got, w) {
				t.Errorf("no entry %q in %q", w, got)
			}
		}
		if done < 100 {
			t.Errorf("status extract of %d persons", done)
		}
	})

	t.Run("a refused read keeps its pnr", func(t *testing.T) {
		wantProblem(t, h.get(t, "/v1/persons/"+h.citizen.PNR.String(), uSubscriber), http.StatusForbidden, "forbidden", "")
		wantProblem(t, h.get(t, "/v1/persons/"+h.citizen.PNR.String()+"/history", uAuditor), http.StatusForbidden, "forbidden", "")
		mine := h.myLog(t, uCitizen)
		for _, who := range []string{"subscriber", "auditor"} {
			if !slices.ContainsFunc(mine, func(e myEntry) bool {
				return e.By == who && e.Access == "refused" && e.PNR == h.citizen.PNR.String()
			}) {
				t.Errorf("the citizen does not see the refused read by %s: %+v", who, mine)
			}
		}
	})

	t.Run("unauthenticated", func(t *testing.T) {
		before := h.unauthenticatedCount(t)
		path := "/v1/persons/" + h.citizen.PNR.String()
		for _, tc := range []struct {
			name, header, challenge string
		}{
			{"none", "", `Bearer realm="cpr"`},
			{"basic", "Basic dXNlcjpwYXNz", `Bearer realm="cpr"`},
			{"malformed", "Bearer cpr_x", `Bearer realm="cpr", error="invalid_token"`},
			{"unknown", "Bearer cpr_" + strings.Repeat("B", 43), `Bearer realm="cpr", error="invalid_token"`},
			{"unknown, lower case scheme", "bearer cpr_" + strings.Repeat("B", 43), `Bearer realm="cpr", error="invalid_token"`},
		} {
			var hdr []string
			if tc.header != "" {
				hdr = []string{"Authorization", tc.header}
			}
			a := h.do(t, http.MethodGet, path, "", nil, hdr...)
			wantProblem(t, a, http.StatusUnauthorized, "unauthenticated", "")
			if got := a.Header.Get("WWW-Authenticate"); got != tc.challenge {
				t.Errorf("%s: WWW-Authenticate %q, want %q", tc.name, got, tc.challenge)
			}
		}
		if got := h.unauthenticatedCount(t) - before; got != 5 {
			t.Errorf("cpr_http_unauthenticated_total grew by %v, want 5", got)
		}
		for _, scheme := range []string{"bearer", "BEARER", "bEaReR"} {
			a := h.do(t, http.MethodGet, "/v1/kommuner", "", nil, "Authorization", scheme+" "+h.tok[uLookup])
			ok(t, a, http.StatusOK, nil)
		}
		for _, e := range h.accessLog(t, "/v1/access-log", uAuditor, since()...) {
			if e.Status == http.StatusUnauthorized || e.User == "" {
				t.Errorf("an unauthenticated call is stored: %+v", e)
			}
		}
	})
}

// unauthenticatedCount is the sum of cpr_http_unauthenticated_total.
func (h *harness) unauthenticatedCount(t *testing.T) float64 {
	t.Helper()
	families, err := h.prom.Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0.0
	for _, mf := range families {
		if mf.GetName() != "cpr_http_unauthenticated_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() != "reason" || strings.ContainsAny(l.GetValue(), "0123456789") {
					t.Errorf("label %s=%q", l.GetName(), l.GetValue())
				}
			}
			n += m.GetCounter().GetValue()
		}
	}
	return n
}
