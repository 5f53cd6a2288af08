package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"cpr/api"
	"cpr/date"
	"cpr/extract/p12170"
)

// putSubscriber creates a public subscriber for kommune 0101.
func putSubscriber(t *testing.T, h *harness, id string) {
	t.Helper()
	a := h.do(t, "PUT", "/v1/subscribers/"+id, uAdmin, map[string]any{"name": "Subscriber " + id, "kind": "public",
		"task_number": 4711, "scope": []string{"address", "name"}, "circle": map[string]any{"kommuner": []string{"0101"}}})
	if a.Status != http.StatusCreated && a.Status != http.StatusOK {
		t.Fatalf("put subscriber: %d %s", a.Status, a.Body)
	}
}

// startMark is what a change extract's start record says about being
// partial, in each format: SORTFELT-10 of record 000 (P12170 and the CSV
// start row), "partial" of the JSON Lines start line.
func startMark(t *testing.T, f string, body []byte) string {
	t.Helper()
	first, _, _ := bytes.Cut(body, []byte("\n"))
	switch f {
	case "p12170":
		r, err := p12170.Parse(first)
		if err != nil || r.Type != "000" {
			t.Fatalf("start record %q: %v", first, err)
		}
		return r.Fields["SORTFELT-10"]
	case "csv":
		row, err := csv.NewReader(bytes.NewReader(first)).Read()
		if err != nil || row[0] != "000" {
			t.Fatalf("start row %q: %v", first, err)
		}
		return row[1]
	}
	var start map[string]any
	if err := json.Unmarshal(first, &start); err != nil || start["record"] != "start" {
		t.Fatalf("start line %q: %v", first, err)
	}
	if p, ok := start["partial"]; ok {
		if p != true {
			t.Fatalf("start line says partial %v", p)
		}
		return "PARTIAL"
	}
	return ""
}

// TestChangeExtractOpenDay: the change extract of a day that has not ended
// is refused with 409 and the time the day closes, unless asked for as
// partial; a partial file says so in its start record in every format; a
// day in the future is refused even as partial; once the day has ended
// its file is whole and says nothing of the kind.
func TestChangeExtractOpenDay(t *testing.T) {
	h := startHarness(t)
	putSubscriber(t, h, "sub-one")
	path := "/v1/subscribers/sub-one/change-extracts/"
	closes := "2026-03-03T00:00:00+01:00" // the end of today, monday 2 March, in Copenhagen

	type closing struct {
		problem
		ClosesAt string `json:"closes_at"`
	}
	refused := func(t *testing.T, a answer, code, closesAt string) {
		t.Helper()
		wantProblem(t, a, http.StatusConflict, code, "date")
		var p closing
		if err := json.Unmarshal(a.Body, &p); err != nil {
			t.Fatal(err)
		}
		if p.ClosesAt != closesAt || !strings.Contains(p.Detail, closesAt) {
			t.Errorf("closes_at %q, detail %q, want %s in both", p.ClosesAt, p.Detail, closesAt)
		}
	}
	for _, f := range []string{"p12170", "jsonl", "csv"} {
		t.Run("today "+f, func(t *testing.T) {
			refused(t, h.get(t, path+today, uSubscriber, "format", f), "day_not_ended", closes)
			refused(t, h.get(t, path+today, uSubscriber, "format", f, "partial", "false"), "day_not_ended", closes)
			a := h.get(t, path+today, uSubscriber, "format", f, "partial", "true")
			if a.Status != http.StatusOK || a.Header.Get("X-Extract-Partial") != "true" {
				t.Fatalf("partial extract: %d %q %s", a.Status, a.Header.Get("X-Extract-Partial"), a.Body)
			}
			if m := startMark(t, f, a.Body); m != "PARTIAL" {
				t.Errorf("a partial file's start record says %q, want %q", m, "PARTIAL")
			}
		})
		t.Run("yesterday "+f, func(t *testing.T) {
			// A day that has ended: whole, with or without partial=true.
			for _, partial := range []string{"", "true"} {
				a := h.get(t, path+yesterday, uSubscriber, "format", f, "partial", partial)
				if a.Status != http.StatusOK || a.Header.Get("X-Extract-Partial") != "" {
					t.Fatalf("extract of yesterday: %d %q %s", a.Status, a.Header.Get("X-Extract-Partial"), a.Body)
				}
				if m := startMark(t, f, a.Body); m != "" {
					t.Errorf("a whole file's start record says %q", m)
				}
			}
		})
	}
	t.Run("future", func(t *testing.T) {
		for _, partial := range []string{"", "true"} {
			refused(t, h.get(t, path+"2026-03-03", uSubscriber, "partial", partial), "day_not_started", "2026-03-04T00:00:00+01:00")
		}
	})
	t.Run("bad input first", func(t *testing.T) {
		// A bad parameter is 400 whatever the day: input is checked
		// before the state of the day.
		for _, day := range []string{yesterday, today, "2026-03-03"} {
			wantProblem(t, h.get(t, path+day, uSubscriber, "partial", "yes"), http.StatusBadRequest, "invalid_input", "partial")
			wantProblem(t, h.get(t, path+day, uSubscriber, "format", "xml"), http.StatusBadRequest, "invalid_input", "format")
		}
	})
	t.Run("after midnight", func(t *testing.T) {
		h.clock.Set(time.Date(2026, 3, 3, 0, 0, 1, 0, date.Copenhagen))
		for _, f := range []string{"p12170", "jsonl", "csv"} {
			a := h.get(t, path+today, uSubscriber, "format", f)
			if a.Status != http.StatusOK || a.Header.Get("X-Extract-Partial") != "" {
				t.Fatalf("extract of a day just ended: %d %s", a.Status, a.Body)
			}
			if m := startMark(t, f, a.Body); m != "" {
				t.Errorf("%s: the ended day's start record says %q", f, m)
			}
		}
	})
}

// runStatusJob starts a status extract and waits for it; it returns the
// 202 answer's estimate and the finished job's real size.
func runStatusJob(t *testing.T, h *harness, a answer) (estimate, wrote int64) {
	t.Helper()
	var job struct {
		ID       string `json:"id"`
		Status   string `json:"status"`
		Estimate struct {
			Bytes int64 `json:"bytes"`
		} `json:"estimate"`
		Stats *struct {
			Bytes int64 `json:"bytes"`
		} `json:"stats"`
	}
	ok(t, a, http.StatusAccepted, &job)
	estimate = job.Estimate.Bytes
	deadline := time.Now().Add(30 * time.Second)
	for job.Status == "running" && time.Now().Before(deadline) {
		ok(t, h.get(t, "/v1/status-extracts/"+job.ID, uSubscriber), http.StatusOK, &job)
	}
	if job.Status != "done" || job.Stats == nil {
		t.Fatalf("status extract %s: %s", job.ID, job.Status)
	}
	return estimate, job.Stats.Bytes
}

// TestStatusExtractByteBudget: a subscriber's status extracts of a day
// count against its byte budget, the estimate at the start and the real
// size once made; the one that would pass the budget is refused with 429,
// problem+json and Retry-After until the budget renews at midnight
// (Copenhagen); one larger than the whole budget is 422; after midnight
// the subscriber may start again.
func TestStatusExtractByteBudget(t *testing.T) {
	const budget = 4000
	h := startHarness(t, func(o *api.Options) { o.StatusExtractBytes = budget })
	body := map[string]any{"name": "Marks", "kind": "public", "task_number": 7, "scope": []string{"address", "name"},
		"circle": map[string]any{"marks": true}}
	if a := h.do(t, "PUT", "/v1/subscribers/sub-one", uAdmin, body); a.Status != http.StatusCreated {
		t.Fatalf("put subscriber: %d %s", a.Status, a.Body)
	}
	p := h.pick(t, "a marked person", adult)
	ok(t, h.do(t, "POST", "/v1/subscribers/sub-one/marks", uAdmin, map[string]any{"marks": []map[string]string{
		{"pnr": p.PNR.String(), "key": "K1"}}}), http.StatusOK, nil)
	start := map[string]any{"subscriber": "sub-one", "format": "jsonl"}

	var spent int64
	refused := false
	for i := 0; i < 20 && !refused; i++ {
		a := h.do(t, "POST", "/v1/status-extracts", uSubscriber, start)
		if a.Status == http.StatusTooManyRequests {
			refused = true
			p := wantProblem(t, a, http.StatusTooManyRequests, "extract_budget_spent", "")
			if got := a.Header.Get("Retry-After"); got != "50400" { // 10:00 to midnight
				t.Errorf("Retry-After %q, want 50400", got)
			}
			if !strings.Contains(p.Detail, "2026-03-03T00:00:00+01:00") {
				t.Errorf("detail %q does not say when the budget renews", p.Detail)
			}
			// What the finished jobs really wrote is what the day counts.
			if !strings.Contains(p.Detail, fmt.Sprintf("; %d of the daily budget", spent)) {
				t.Errorf("detail %q, want %d bytes spent", p.Detail, spent)
			}
			t.Logf("refused after %d jobs: %s", i, p.Detail)
			break
		}
		est, wrote := runStatusJob(t, h, a)
		if spent+est > budget {
			t.Fatalf("job %d accepted: %d spent + %d estimated passes the budget of %d", i, spent, est, budget)
		}
		spent += wrote
	}
	if !refused {
		t.Fatalf("20 status extracts of %d bytes in all, none refused", spent)
	}
	// Larger than the whole budget: never, so 422 and no Retry-After.
	other := map[string]any{"name": "All", "kind": "public", "task_number": 8, "scope": []string{"address", "name"}}
	if a := h.do(t, "PUT", "/v1/subscribers/sub-all", uAdmin, other); a.Status != http.StatusCreated {
		t.Fatalf("put subscriber: %d %s", a.Status, a.Body)
	}
	a := h.do(t, "POST", "/v1/status-extracts", uAdmin, map[string]any{"subscriber": "sub-all", "format": "jsonl"})
	wantProblem(t, a, http.StatusUnprocessableEntity, "extract_over_budget", "")
	if a.Header.Get("Retry-After") != "" {
		t.Errorf("Retry-After %q on an extract that never fits", a.Header.Get("Retry-After"))
	}

	// A new day, a new budget.
	h.clock.Set(time.Date(2026, 3, 3, 0, 0, 1, 0, date.Copenhagen))
	runStatusJob(t, h, h.do(t, "POST", "/v1/status-extracts", uSubscriber, start))
}
