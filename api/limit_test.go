package api_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"cpr/access"
	"cpr/api"
	"cpr/pnr"
)

// lockedBuffer is a process log the test can read while the server writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// retryAfter checks a 429 read-limit answer and returns its Retry-After.
func retryAfter(t *testing.T, a answer) time.Duration {
	t.Helper()
	wantProblem(t, a, http.StatusTooManyRequests, "read_limit", "")
	secs, err := strconv.Atoi(a.Header.Get("Retry-After"))
	if err != nil || secs < 1 {
		t.Fatalf("Retry-After %q, want seconds > 0", a.Header.Get("Retry-After"))
	}
	return time.Duration(secs) * time.Second
}

// TestReadLimitStopsSearchPaging pages a lookup token through the whole
// population by birth year, 100 persons a page, waiting out every 429 on
// the test clock for one simulated day. It is refused long before it has
// read everyone; the refusals are in the access log, flagged for the
// auditor, and in the process log without a pnr.
func TestReadLimitStopsSearchPaging(t *testing.T) {
	const perHour, perDay = 300, 600
	var plog lockedBuffer
	h := startHarness(t, func(o *api.Options) {
		o.PersonsPerHour, o.PersonsPerDay = perHour, perDay
		o.Logger = slog.New(slog.NewTextHandler(&plog, nil))
	})
	start := h.clock.Now()
	read := map[string]bool{}
	returned, refusals, recorded, firstRefusal := 0, 0, 0, -1
	var victim pnr.PNR
	var lastRecorded time.Time
	refused := func() { // one refusal a minute is written down
		refusals++
		if now := h.clock.Now(); lastRecorded.IsZero() || now.Sub(lastRecorded) >= time.Minute {
			recorded, lastRecorded = recorded+1, now
		}
	}
	for year := 1900; year <= 2026 && h.clock.Now().Sub(start) < 24*time.Hour; year++ {
		cursor := ""
		for h.clock.Now().Sub(start) < 24*time.Hour {
			a := h.get(t, "/v1/search", uLookup, "birth_date", strconv.Itoa(year), "limit", "100", "cursor", cursor)
			if a.Status == http.StatusTooManyRequests {
				wait := retryAfter(t, a)
				refused()
				if firstRefusal < 0 {
					firstRefusal = returned
					victim = h.pop[0].PNR
					returned += h.refusedToo(t, victim, perHour, refused)
				}
				h.clock.Advance(wait)
				continue
			}
			var page struct {
				Persons []struct {
					PNR string `json:"pnr"`
				} `json:"persons"`
				Next string `json:"next"`
			}
			ok(t, a, http.StatusOK, &page)
			returned += len(page.Persons)
			for _, p := range page.Persons {
				read[p.PNR] = true
			}
			if page.Next == "" {
				break
			}
			cursor = page.Next
		}
	}
	t.Logf("a lookup token paging search for a simulated day: %d persons returned, %d distinct of %d, %d refusals (%d written down), first after %d",
		returned, len(read), len(h.pop), refusals, recorded, firstRefusal)
	if firstRefusal < 0 || firstRefusal > perHour {
		t.Fatalf("first refusal after %d persons, want one after at most %d", firstRefusal, perHour)
	}
	// A day bucket of 600 refilled at 600 a day lets at most 1,200 through
	// in a day; the population is 2,000.
	if returned > 2*perDay || len(read) >= len(h.pop) {
		t.Errorf("%d persons returned in a day (%d distinct of %d), want at most %d", returned, len(read), len(h.pop), 2*perDay)
	}

	// The auditor sees every refusal as a flag.
	var flags struct {
		Flags []access.Flag `json:"flags"`
	}
	ok(t, h.get(t, "/v1/access-log/flags", uAuditor, "from", start.Add(-time.Minute).Format(time.RFC3339Nano),
		"to", h.clock.Now().Add(time.Minute).Format(time.RFC3339Nano), "rule", access.RuleReadLimit, "limit", "1000"), http.StatusOK, &flags)
	limited := 0
	for _, f := range flags.Flags {
		if f.Rule == access.RuleReadLimit {
			limited++
			if f.User != uLookup {
				t.Errorf("read_limit flag for %q, want %q", f.User, uLookup)
			}
		}
	}
	if limited != recorded || recorded == refusals {
		t.Errorf("%d read_limit flags, want one per refusal written down (one a minute): %d of %d", limited, recorded, refusals)
	}
	// The refused lookup is in the access log with the pnr it targeted.
	es, _, err := h.acc.Query(access.Query{PNR: victim})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range es {
		found = found || e.Outcome == access.OutcomeDenied && e.Status == http.StatusTooManyRequests && e.User == uLookup
	}
	if !found {
		t.Errorf("no denied 429 entry for the refused lookup in the access log: %+v", es)
	}
	// The process log says so, without a pnr.
	text := plog.String()
	if n := strings.Count(text, "read limit reached"); n != recorded {
		t.Errorf("%d process log lines about the read limit, want %d", n, recorded)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for p := range h.pnrs {
		if strings.Contains(text, p) {
			t.Fatalf("the process log holds a pnr that crossed the wire")
		}
	}
}

// refusedToo checks, at a lookup user's first refusal, that the limit is
// the user's and not the token's or the call's: a minute on, lookups by
// pnr pass until what is left is spent and are then refused, and so are
// a history and a search with a second token; another user is not. It
// returns the persons read and calls refused for each refusal.
func (h *harness) refusedToo(t *testing.T, victim pnr.PNR, most int, refused func()) (read int) {
	t.Helper()
	h.clock.Advance(time.Minute)
	for ; ; read++ {
		a := h.get(t, "/v1/persons/"+victim.String(), uLookup)
		if a.Status == http.StatusTooManyRequests {
			retryAfter(t, a)
			refused()
			break
		}
		ok(t, a, http.StatusOK, nil)
		if read > most {
			t.Fatalf("%d lookups passed after the first refusal", read)
		}
	}
	retryAfter(t, h.get(t, "/v1/persons/"+victim.String()+"/history", uLookup))
	refused()
	secret, _, err := h.acc.IssueToken(uLookup, 48*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	retryAfter(t, h.do(t, http.MethodGet, "/v1/search?birth_date=1970", "", nil, "Authorization", "Bearer "+secret))
	refused()
	ok(t, h.get(t, "/v1/search", uClerk101, "birth_date", "1970"), http.StatusOK, nil)
	return read
}

// TestReadLimitResidents counts the persons a residents call returns, not
// the call: with two persons an hour, a home of two or more passes once
// and is then refused.
func TestReadLimitResidents(t *testing.T) {
	h := startHarness(t, func(o *api.Options) { o.PersonsPerHour, o.PersonsPerDay = 2, 100 })
	homes := map[string]int{}
	var at string
	for _, p := range h.pop {
		if !livesIn(p, 101) {
			continue
		}
		a := p.Residence.Address
		home := fmt.Sprintf("/v1/addresses/%04d/%04d/%s/residents?etage=%s&sidedoer=%s", a.Kommunekode, a.Vejkode, a.Husnr,
			url.QueryEscape(a.Etage), url.QueryEscape(a.Sidedoer))
		if homes[home]++; homes[home] == 2 {
			at = home
			break
		}
	}
	if at == "" {
		t.Fatal("no home of two in 0101 in the population")
	}
	var out struct {
		Residents []any `json:"residents"`
	}
	ok(t, h.get(t, at, uLookup), http.StatusOK, &out)
	if len(out.Residents) < 2 {
		t.Fatalf("%d residents, want 2 or more", len(out.Residents))
	}
	retryAfter(t, h.get(t, at, uLookup))
}

// TestReadLimitHammering: a client that keeps asking at its limit gets
// 429 each time, but the access log gets one row a minute, not one a
// request.
func TestReadLimitHammering(t *testing.T) {
	h := startHarness(t, func(o *api.Options) { o.PersonsPerHour, o.PersonsPerDay = 1, 10 })
	p := h.pop[0].PNR.String()
	ok(t, h.get(t, "/v1/persons/"+p, uLookup), http.StatusOK, nil)
	for range 100 {
		retryAfter(t, h.get(t, "/v1/persons/"+p, uLookup))
	}
	h.clock.Advance(time.Minute)
	retryAfter(t, h.get(t, "/v1/persons/"+p, uLookup))
	es, _, err := h.acc.Query(access.Query{User: uLookup, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	denied := 0
	for _, e := range es {
		if e.Status == http.StatusTooManyRequests {
			denied++
		}
	}
	if denied != 2 {
		t.Errorf("%d refusals in the access log for 101, two minutes apart; want 2", denied)
	}
}
