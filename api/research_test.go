package api_test

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestResearchMonthly: a research subscriber's deliveries are monthly. Its
// change extract is of a month (the first day in the path; another day
// 422 research_monthly), refused with 409 month_not_ended and closes_at
// until the month has ended and never partial; its status extract is as
// of the first of a month not after today (no date: this month's
// first; another day or a future month 422); it has no live feed (409 research_no_live_feed).
func TestResearchMonthly(t *testing.T) {
	h := startHarness(t)
	a := h.do(t, "PUT", "/v1/subscribers/sub-one", uAdmin, map[string]any{"name": "Forskning", "kind": "research",
		"task_number": 902, "scope": []string{"civil_status", "history"}})
	if a.Status != http.StatusCreated && a.Status != http.StatusOK {
		t.Fatalf("put subscriber: %d %s", a.Status, a.Body)
	}
	path := "/v1/subscribers/sub-one/change-extracts/"
	h.unchanged(t, func() {
		wantProblem(t, h.get(t, path+today, uSubscriber), http.StatusUnprocessableEntity, "research_monthly", "date")
		wantProblem(t, h.get(t, path+"2026-02-14", uSubscriber), http.StatusUnprocessableEntity, "research_monthly", "date")
		wantProblem(t, h.get(t, path+"2026-02-01", uSubscriber, "partial", "true"), http.StatusUnprocessableEntity, "research_monthly", "partial")
		for _, day := range []string{yesterday, "2026-04-01"} {
			a := h.get(t, path+day, uSubscriber, "format", "jsonl")
			wantProblem(t, a, http.StatusConflict, "month_not_ended", "date")
			var p struct {
				ClosesAt string `json:"closes_at"`
			}
			json.Unmarshal(a.Body, &p)
			if day == yesterday && p.ClosesAt != "2026-04-01T00:00:00+02:00" {
				t.Errorf("closes_at %q, want the start of April", p.ClosesAt)
			}
		}
		// A future month's first: polled daily, it would tell the day of
		// each change registered ahead.
		for _, day := range []string{today, "2026-02-28", "2026-04-01"} {
			wantProblem(t, h.do(t, "POST", "/v1/status-extracts", uSubscriber, map[string]any{"subscriber": "sub-one", "date": day, "format": "jsonl"}),
				http.StatusUnprocessableEntity, "research_monthly", "date")
		}
		wantProblem(t, h.get(t, "/v1/subscribers/sub-one/nats", uSubscriber), http.StatusForbidden, "research_no_live_feed", "")
	})
	a = h.get(t, path+"2026-02-01", uSubscriber, "format", "jsonl")
	if a.Status != http.StatusOK || a.Header.Get("X-Extract-Partial") != "" {
		t.Fatalf("February's change extract: %d %s", a.Status, a.Body)
	}
	var job struct {
		Date string `json:"date"`
	}
	a = h.do(t, "POST", "/v1/status-extracts", uSubscriber, map[string]any{"subscriber": "sub-one", "format": "jsonl"})
	ok(t, a, http.StatusAccepted, &job)
	if job.Date != "2026-03-01" {
		t.Errorf("status extract without a date is as of %s, want the first of the month", job.Date)
	}
	runStatusJob(t, h, a)
}
