package api_test

import (
	"net/http"
	"slices"
	"testing"
	"time"
)

// TestCitizenAfterPNRChange: after a pnr change the citizen user (made
// for the old number) reads their record by the old or the new number,
// sees in /v1/me/access-log the reads under both (paged alike at any
// page size), and no second citizen user can be made for either number.
// Their reads of their own record under either number raise no flag,
// though it is under 0001.
func TestCitizenAfterPNRChange(t *testing.T) {
	h := startHarness(t)
	from := h.clock.Now()
	old := h.citizen.PNR.String()
	h.post(t, "/v1/persons/"+old+"/protections", uClerk101, map[string]any{"type": "0001", "on": true, "effective": today})
	ok(t, h.do(t, http.MethodGet, "/v1/persons/"+old, uClerk751, nil, "X-Purpose", "before"), http.StatusOK, nil)
	h.post(t, "/v1/persons/"+old+"/pnr-change", uClerk101, map[string]any{"effective": today, "birth_date": "1990-01-01"})
	p, err := h.reg.Get(h.citizen.PNR)
	if err != nil || p.CurrentPNR.IsZero() {
		t.Fatalf("old record %+v, %v: no current pnr", p, err)
	}
	nu := p.CurrentPNR.String()
	h.note(nu)
	ok(t, h.do(t, http.MethodGet, "/v1/persons/"+nu, uLookup, nil, "X-Purpose", "after"), http.StatusOK, nil)

	for _, n := range []string{old, nu} {
		ok(t, h.get(t, "/v1/persons/"+n, uCitizen), http.StatusOK, nil)
		ok(t, h.get(t, "/v1/persons/"+n+"/history", uCitizen), http.StatusOK, nil)
	}
	for _, f := range h.flags(t, from, h.clock.Now().Add(time.Minute)) {
		if f.User == uCitizen {
			t.Errorf("the citizen's read of their own record flagged: %+v", f)
		}
	}
	mine := h.myLog(t, uCitizen)
	for _, w := range []myEntry{{PNR: old, By: "clerk", Purpose: "before"}, {PNR: nu, By: "lookup", Purpose: "after"}} {
		if !slices.ContainsFunc(mine, func(e myEntry) bool { return e.PNR == w.PNR && e.By == w.By && e.Purpose == w.Purpose }) {
			t.Errorf("no %s read under %s in %+v", w.By, w.PNR, mine)
		}
	}
	for i := 1; i < len(mine); i++ {
		if mine[i].Time > mine[i-1].Time {
			t.Errorf("entries %d and %d not newest first: %s, %s", i-1, i, mine[i-1].Time, mine[i].Time)
		}
	}
	// One entry a page: the same entries, each once.
	var paged []myEntry
	cursor := ""
	for range len(mine) + 2 {
		q := []string{"limit", "1"}
		if cursor != "" {
			q = append(q, "cursor", cursor)
		}
		var page struct {
			Entries []myEntry `json:"entries"`
			Next    string    `json:"next"`
		}
		ok(t, h.get(t, "/v1/me/access-log", uCitizen, q...), http.StatusOK, &page)
		paged = append(paged, page.Entries...)
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	if !slices.Equal(paged, mine) {
		t.Errorf("paged one by one\n got %+v\nwant %+v", paged, mine)
	}

	for _, n := range []string{old, nu} {
		wantProblem(t, h.do(t, http.MethodPost, "/v1/users", uAdmin, map[string]any{"id": "citizen-" + n[6:], "role": "citizen", "pnr": n}),
			http.StatusConflict, "citizen_exists", "")
	}
}
