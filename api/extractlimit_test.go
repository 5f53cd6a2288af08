package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"cpr/access"
	"cpr/date"
	"cpr/register"
	"cpr/subscription"
)

// TestStatusExtractLimits: a subscriber may have so many status extracts
// running at once and start so many bytes a Copenhagen day; a refusal is
// 429 with when to ask again (or 422 for an extract larger than the whole
// budget); other subscribers are not affected; a finished job frees its
// place and counts its real size; a failed one counts nothing; the budget
// renews at midnight; negative limits are none.
func TestStatusExtractLimits(t *testing.T) {
	ten := time.Date(2026, 3, 2, 10, 0, 0, 0, date.Copenhagen)
	refused := func(t *testing.T, err error, want error, status int, retry string) {
		t.Helper()
		var le *limitError
		if !errors.Is(err, want) || !errors.As(err, &le) {
			t.Fatalf("err = %v, want %v", err, want)
		}
		if p := problemFor(err); p.Status != status || p.Detail == "" {
			t.Errorf("problem %+v, want status %d and a detail", p, status)
		}
		if got := le.retryAfter(); le.retry > 0 && got != retry || le.retry == 0 && retry != "" {
			t.Errorf("Retry-After %q (retry %v), want %q", got, le.retry, retry)
		}
	}
	mustReserve := func(t *testing.T, j *jobs, sub string, est int64, at time.Time) date.Date {
		t.Helper()
		day, err := j.reserve(sub, est, at)
		if err != nil {
			t.Fatalf("reserve %s %d at %v: %v", sub, est, at, err)
		}
		return day
	}

	t.Run("at once", func(t *testing.T) {
		j := newJobs(t.TempDir(), 0, 0) // the defaults: 2 at once
		d1 := mustReserve(t, j, "a", 100, ten)
		mustReserve(t, j, "a", 100, ten)
		_, err := j.reserve("a", 100, ten)
		refused(t, err, errTooManyExtracts, http.StatusTooManyRequests, "30")
		mustReserve(t, j, "b", 100, ten) // another subscriber
		j.release("a", d1, 100, 80)
		mustReserve(t, j, "a", 100, ten)
	})
	t.Run("bytes a day", func(t *testing.T) {
		j := newJobs(t.TempDir(), 10, 1000)
		d := mustReserve(t, j, "a", 600, ten)
		// Counted at the start: a second one cannot pass the budget
		// while the first runs.
		_, err := j.reserve("a", 500, ten)
		refused(t, err, errExtractBudget, http.StatusTooManyRequests, "50400")
		// The real size replaces the estimate.
		j.release("a", d, 600, 450)
		d = mustReserve(t, j, "a", 500, ten)
		_, err = j.reserve("a", 51, ten.Add(time.Hour))
		refused(t, err, errExtractBudget, http.StatusTooManyRequests, "46800")
		// A failed job counts nothing.
		j.release("a", d, 500, 0)
		d = mustReserve(t, j, "a", 550, ten)
		// Larger than the budget: never, so no Retry-After.
		_, err = j.reserve("b", 1001, ten)
		refused(t, err, errOverBudget, http.StatusUnprocessableEntity, "")
		// Midnight: a new budget; yesterday's job ending counts on
		// yesterday.
		midnight := time.Date(2026, 3, 3, 0, 0, 0, 0, date.Copenhagen)
		mustReserve(t, j, "a", 1000, midnight)
		j.release("a", d, 550, 2000)
		_, err = j.reserve("a", 1, midnight.Add(time.Second))
		refused(t, err, errExtractBudget, http.StatusTooManyRequests, "86399")
	})
	t.Run("no limits", func(t *testing.T) {
		j := newJobs(t.TempDir(), -1, -1)
		for range 100 {
			mustReserve(t, j, "a", 1<<40, ten)
		}
	})
}

// TestChangeExtractLimit: a change extract being made counts against the
// subscriber's limit of extracts at once, with the status extracts: with
// its places held by running status extracts, a change extract is
// refused 429 too_many_extracts with Retry-After; another subscriber's
// is made; once a place is free, it is made.
func TestChangeExtractLimit(t *testing.T) {
	reg, err := register.Open(t.TempDir(), register.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, date.Copenhagen)
	clock := func() time.Time { return now }
	s, err := New(Options{Register: reg, Access: access.New(reg, access.Options{Clock: clock}), Clock: clock,
		ExtractDir: t.TempDir(), StatusExtractJobs: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	for _, id := range []string{"sub-one", "sub-two"} {
		scope, _ := subscription.ParseScope([]string{"name", "address"})
		if _, _, err := s.subs.Put(subscription.Subscriber{ID: id, Name: "S", Kind: subscription.Public, TaskNumber: 901, Scope: scope}); err != nil {
			t.Fatal(err)
		}
	}
	ask := func(id string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/v1/subscribers/"+id+"/change-extracts/2026-03-01", nil)
		r.SetPathValue("id", id)
		r.SetPathValue("date", "2026-03-01")
		w := httptest.NewRecorder()
		c := &call{s: s, w: w, r: r, rt: &route{method: "GET", pattern: "/v1/subscribers/{id}/change-extracts/{date}"},
			user: access.User{ID: "u-" + id, Role: access.RoleSubscriber, Subscriber: id}}
		if err := s.changeExtract(c); err != nil {
			c.fail(err)
		}
		return w
	}
	day, err := s.jobs.reserve("sub-one", 100, now) // a status extract running
	if err != nil {
		t.Fatal(err)
	}
	w := ask("sub-one")
	var p Problem
	if json.Unmarshal(w.Body.Bytes(), &p); w.Code != http.StatusTooManyRequests || p.Code != "too_many_extracts" || w.Header().Get("Retry-After") != "30" {
		t.Fatalf("at the limit: %d Retry-After %q %s, want 429 too_many_extracts Retry-After 30", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	if w := ask("sub-two"); w.Code != http.StatusOK {
		t.Fatalf("another subscriber: %d %s", w.Code, w.Body)
	}
	s.jobs.release("sub-one", day, 100, 100)
	if w := ask("sub-one"); w.Code != http.StatusOK {
		t.Fatalf("a place free: %d %s", w.Code, w.Body)
	}
	// The change extract gave its place back: a status extract may start.
	if _, err := s.jobs.reserve("sub-one", 100, now); err != nil {
		t.Fatalf("after the change extract: %v", err)
	}
}
