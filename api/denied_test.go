package api_test

import (
	"net/http"
	"testing"
	"time"

	"cpr/api"
	"cpr/register"
)

// TestDeniedReadsAreLimitedAndFlagged: a citizen looping over another
// person's record is refused 403, each refusal costs one person of the
// read limit, so after the limit the answer is 429 and the access log
// holds one refusal row per request only up to the limit (then one 429 a
// minute); the auditor sees a denied_reads flag counting the refusals.
// A refused write of a role that may not make it costs the same.
func TestDeniedReadsAreLimitedAndFlagged(t *testing.T) {
	const perHour = 15
	h := startHarness(t, func(o *api.Options) { o.PersonsPerHour, o.PersonsPerDay = perHour, 1000 })
	from := h.clock.Now()
	other := h.pick(t, "someone else", func(*register.Person) bool { return true })
	path := "/v1/persons/" + other.PNR.String()
	for i := range 100 {
		a := h.get(t, path, uCitizen)
		if i < perHour {
			wantProblem(t, a, http.StatusForbidden, "not_yours", "")
		} else {
			retryAfter(t, a)
		}
	}
	h.clock.Advance(time.Second)
	entries := h.accessLog(t, "/v1/access-log", uAuditor, "from", from.UTC().Format(time.RFC3339Nano), "user", uCitizen)
	byStatus := map[int]int{}
	for _, e := range entries {
		if e.Outcome != "denied" || e.PNR != other.PNR.String() {
			t.Errorf("entry %+v", e)
		}
		byStatus[e.Status]++
	}
	if byStatus[403] != perHour || byStatus[429] != 1 || len(entries) != perHour+1 {
		t.Errorf("access log of 100 refused reads: %v (%d rows), want %d 403s and one 429", byStatus, len(entries), perHour)
	}
	var denied []flag
	for _, f := range h.flags(t, from, h.clock.Now()) {
		if f.Rule == "denied_reads" {
			denied = append(denied, f)
		}
	}
	if len(denied) != 1 || denied[0].User != uCitizen || denied[0].Count != perHour {
		t.Errorf("denied_reads flags %+v, want one of %s counting %d", denied, uCitizen, perHour)
	}

	// A role refused a route is charged too: the lookup user's writes.
	for i := range perHour + 1 {
		a := h.do(t, http.MethodPost, path+"/death", uLookup, map[string]any{"effective": today})
		if i < perHour {
			wantProblem(t, a, http.StatusForbidden, "forbidden", "")
		} else {
			retryAfter(t, a)
		}
	}
}
