package api_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"cpr/access"
)

// myEntry is an entry of /v1/me/access-log.
type myEntry struct {
	Time    string `json:"time"`
	PNR     string `json:"pnr"`
	Access  string `json:"access"`
	By      string `json:"by"`
	Kommune string `json:"kommune"`
	Purpose string `json:"purpose"`
}

// myLog pages through /v1/me/access-log as a citizen user; it fails the
// test on any key outside the citizen's shape.
func (h *harness) myLog(t *testing.T, user string) []myEntry {
	t.Helper()
	var all []myEntry
	cursor := ""
	for range 10_000 {
		q := []string{"limit", "1000"}
		if cursor != "" {
			q = append(q, "cursor", cursor)
		}
		var page struct {
			Entries []map[string]json.RawMessage `json:"entries"`
			Next    string                       `json:"next"`
		}
		ok(t, h.get(t, "/v1/me/access-log", user, q...), http.StatusOK, &page)
		for _, raw := range page.Entries {
			for k := range raw {
				if !slices.Contains([]string{"time", "pnr", "access", "by", "kommune", "purpose"}, k) {
					t.Errorf("the citizen's entry has %q: %s", k, raw[k])
				}
			}
			b, err := json.Marshal(raw)
			if err != nil {
				t.Fatal(err)
			}
			var e myEntry
			if err := json.Unmarshal(b, &e); err != nil {
				t.Fatal(err)
			}
			all = append(all, e)
		}
		if page.Next == "" {
			return all
		}
		cursor = page.Next
	}
	t.Fatal("access log paging does not end")
	return nil
}

// TestMyAccessLogShape: a citizen sees when, what kind of access and by
// whom as an authority (role, a clerk's kommune), the purpose of a
// clerk's or lookup user's read only, and never a user id or a token id;
// another citizen trying their record shows as "citizen" only.
func TestMyAccessLogShape(t *testing.T) {
	h := startHarness(t)
	me := h.citizen.PNR.String()
	other := h.pick(t, "adult", adult)
	if _, err := h.acc.CreateUser(access.User{ID: "nosy-citizen", Role: access.RoleCitizen, PNR: other.PNR}); err != nil {
		t.Fatal(err)
	}
	secret, _, err := h.acc.IssueToken("nosy-citizen", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	h.tok["nosy-citizen"] = secret

	ok(t, h.do(t, http.MethodGet, "/v1/persons/"+me, uClerk751, nil, "X-Purpose", "sag 17"), http.StatusOK, nil)
	ok(t, h.do(t, http.MethodGet, "/v1/persons/"+me, uLookup, nil, "X-Purpose", "kreditvurdering"), http.StatusOK, nil)
	wantProblem(t, h.do(t, http.MethodGet, "/v1/persons/"+me, "nosy-citizen", nil, "X-Purpose", "my own case"), http.StatusForbidden, "not_yours", "")
	wantProblem(t, h.do(t, http.MethodGet, "/v1/persons/"+me, uSubscriber, nil, "X-Purpose", "nosy"), http.StatusForbidden, "forbidden", "")
	ok(t, h.get(t, "/v1/persons/"+me, uCitizen), http.StatusOK, nil)

	got := h.myLog(t, uCitizen)
	want := []myEntry{ // newest first
		{PNR: me, Access: "read", By: "citizen"},
		{PNR: me, Access: "refused", By: "subscriber"},
		{PNR: me, Access: "refused", By: "citizen"},
		{PNR: me, Access: "read", By: "lookup", Purpose: "kreditvurdering"},
		{PNR: me, Access: "read", By: "clerk", Kommune: "0751", Purpose: "sag 17"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].Time == "" {
			t.Errorf("entry %d has no time", i)
		}
		got[i].Time = ""
		if got[i] != w {
			t.Errorf("entry %d: %+v, want %+v", i, got[i], w)
		}
	}
}
