package bench

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

// TestHTTPLoadSmoke runs a short mixed load: no request may fail, and
// every acknowledged move must be in the register.
func TestHTTPLoadSmoke(t *testing.T) {
	rep, err := RunHTTP(context.Background(), HTTPConfig{
		Clients: 8, Duration: time.Second, Persons: 2000, Moves: true, Lookups: true, Dir: t.TempDir(),
	})
	logReport(t, rep)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Errors != 0 {
		t.Errorf("%d of %d requests failed: %v", rep.Errors, rep.Requests, rep.Statuses)
	}
	if rep.Moves == 0 || rep.Lookups == 0 {
		t.Errorf("%d moves and %d lookups: the load did not run", rep.Moves, rep.Lookups)
	}
	if rep.JournalMoves != rep.Moves || rep.Missing != 0 || rep.Verified == 0 {
		t.Errorf("%d moves acknowledged, %d in the journal; %d persons verified, %d not at their last address",
			rep.Moves, rep.JournalMoves, rep.Verified, rep.Missing)
	}
	if rep.Requests != rep.Moves+rep.Lookups+rep.Errors {
		t.Errorf("%d requests, but %d moves, %d lookups and %d errors", rep.Requests, rep.Moves, rep.Lookups, rep.Errors)
	}
	if rep.P50Ms <= 0 || rep.P50Ms > rep.P99Ms || rep.P99Ms > rep.MaxMs {
		t.Errorf("latencies p50 %.3f, p99 %.3f, max %.3f ms are out of order", rep.P50Ms, rep.P99Ms, rep.MaxMs)
	}
}

// BenchmarkHTTPMoves: 64 clients register moves for about 5 s against a
// register of 20,000 persons. Target: 5,000 moves/s.
func BenchmarkHTTPMoves(b *testing.B) {
	benchHTTP(b, HTTPConfig{Clients: 64, Duration: 5 * time.Second, Persons: 20_000, Moves: true}, "moves/s",
		func(r HTTPReport) float64 { return r.MovesPerSecond })
}

// BenchmarkHTTPLookups: 64 clients read persons for about 5 s, each read
// written to the access log. Target: 10,000 lookups/s.
func BenchmarkHTTPLookups(b *testing.B) {
	benchHTTP(b, HTTPConfig{Clients: 64, Duration: 5 * time.Second, Persons: 20_000, Lookups: true}, "lookups/s",
		func(r HTTPReport) float64 { return r.LookupsPerSecond })
}

func benchHTTP(b *testing.B, cfg HTTPConfig, unit string, rate func(HTTPReport) float64) {
	var last HTTPReport
	for b.Loop() {
		cfg.Dir = b.TempDir()
		rep, err := RunHTTP(context.Background(), cfg)
		logReport(b, rep)
		if err != nil {
			b.Fatal(err)
		}
		last = rep
	}
	b.ReportMetric(rate(last), unit)
	b.ReportMetric(last.P50Ms, "p50-ms")
	b.ReportMetric(last.P99Ms, "p99-ms")
	b.ReportMetric(float64(last.Errors), "errors")
}

func logReport(tb testing.TB, rep HTTPReport) {
	tb.Helper()
	js, _ := json.Marshal(rep)
	tb.Logf("report: %s", js)
}
