package bench

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cpr/subscription"
)

// TestYear generates a small year and replays it: every change is
// applied, the journal holds exactly those, and the extracts hold what
// the workload expects, subscriber by subscriber and day by day. This is
// the CI version of "make bench".
func TestYear(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	wl := filepath.Join(dir, "workload")
	cfg := GenConfig{Out: wl, Scale: 0.01, Seed: 7, Subscribers: 300, Marks: 20_000, Days: 50}
	if testing.Short() {
		cfg.Scale, cfg.Days = 0.002, 10
	}
	man, err := Gen(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if man.Changes == 0 || man.Days != cfg.Days || man.Subscribers != cfg.Subscribers {
		t.Fatalf("manifest: %+v", man)
	}
	for _, kind := range []string{"move", "birth", "death", "marriage", "immigration", "emigration"} {
		if man.Kinds[kind] == 0 {
			t.Errorf("no %s in the workload", kind)
		}
	}

	rep, err := Run(ctx, RunConfig{Workload: wl, Data: filepath.Join(dir, "data"), Extracts: filepath.Join(dir, "extracts")})
	if err != nil {
		t.Fatal(err)
	}
	var tb strings.Builder
	rep.Table(&tb)
	t.Log("\n" + tb.String())
	c := rep.Checks
	if !c.OK {
		t.Fatalf("checks: %+v", c)
	}
	if c.ChangesApplied != int64(man.Changes) || c.JournalLength != int64(man.Changes) || rep.Phases.Changes.Changes != int64(man.Changes) {
		t.Errorf("changes: %d applied, journal %d, workload %d", c.ChangesApplied, c.JournalLength, man.Changes)
	}
	if c.ChangeExtractPersons != man.Expected.ChangeExtractPersons || c.StatusExtractPersons != man.Expected.StatusExtractPersons {
		t.Errorf("extract persons %d and %d, the manifest says %d and %d", c.ChangeExtractPersons, c.StatusExtractPersons,
			man.Expected.ChangeExtractPersons, man.Expected.StatusExtractPersons)
	}
	specs, err := readSubscribers(wl)
	if err != nil {
		t.Fatal(err)
	}
	research := 0
	for _, s := range specs {
		if s.Kind == subscription.Research {
			research++
		}
	}
	if research == 0 {
		t.Error("no research subscriber in the workload")
	}
	// Research subscribers' change extracts are monthly: no daily file.
	if want := int64(man.Days * (man.Subscribers - research)); c.ChangeExtractFiles != want || rep.Phases.ChangeExtracts.Extracts != want {
		t.Errorf("%d change extract files, want one per subscriber but research and day: %d", c.ChangeExtractFiles, want)
	}
	if rep.Phases.StatusExtracts.Extracts != int64(man.StatusExtracts) {
		t.Errorf("%d status extracts, the workload has %d", rep.Phases.StatusExtracts.Extracts, man.StatusExtracts)
	}
	// Records: every extract has a start and an end record, and every
	// person at least one record; the totals are the sums of the phases.
	ce, se := rep.Phases.ChangeExtracts, rep.Phases.StatusExtracts
	if ce.Records < 2*ce.Extracts+ce.Persons || se.Records < 2*se.Extracts+se.Persons {
		t.Errorf("too few records: change %+v, status %+v", ce, se)
	}
	if rep.ExtractRecords != ce.Records+se.Records || rep.ExtractBytes != ce.Bytes+se.Bytes || rep.ExtractBytes == 0 {
		t.Errorf("totals: %d records, %d bytes; phases %+v %+v", rep.ExtractRecords, rep.ExtractBytes, ce, se)
	}
	if rep.PeakRSSBytes <= 0 || rep.CommitLatencyMS.P50 <= 0 || rep.CommitLatencyMS.P99 < rep.CommitLatencyMS.P50 {
		t.Errorf("rss %d, latency %+v", rep.PeakRSSBytes, rep.CommitLatencyMS)
	}
	// The extract files went to disk, a day at a time, and were removed.
	if ents, err := os.ReadDir(filepath.Join(dir, "extracts")); err != nil || len(ents) != 0 {
		t.Errorf("extract directories left: %d (%v)", len(ents), err)
	}

	// The report round-trips, and a peer's report merges into it.
	path := filepath.Join(dir, "bench-report.json")
	if err := rep.Write(path); err != nil {
		t.Fatal(err)
	}
	back, err := ReadReport(path)
	if err != nil {
		t.Fatal(err)
	}
	peer := map[string]any{"system": "postgresql", "wall_seconds": rep.WallSeconds * 4,
		"phases": map[string]any{"load": map[string]any{"seconds": rep.Phases.Load.Seconds * 6}, "changes": map[string]any{"seconds": rep.Phases.Changes.Seconds * 2}}}
	pb, _ := json.Marshal(peer)
	if err := back.Merge(pb); err != nil {
		t.Fatal(err)
	}
	if back.Phases.Load.Ratio == nil || *back.Phases.Load.Ratio < 5.9 || *back.Phases.Load.Ratio > 6.1 || back.Ratio["wall"] < 3.9 {
		t.Errorf("ratios after merge: load %v, all %v", back.Phases.Load.Ratio, back.Ratio)
	}
	if back.Phases.ChangeExtracts.Ratio != nil {
		t.Errorf("a ratio for a phase the peer did not report")
	}
}

func TestWorkingDays(t *testing.T) {
	days := WorkingDays(PopulationToday)
	if len(days) != 250 {
		t.Errorf("2025 has %d working days, want 250", len(days))
	}
	for _, d := range days {
		switch d.String() {
		case "2025-01-01", "2025-04-17", "2025-04-18", "2025-04-21", "2025-05-29", "2025-06-05", "2025-06-09", "2025-12-24", "2025-12-25", "2025-12-26", "2025-12-31":
			t.Errorf("%s is a holiday", d)
		}
	}
	if days[0].String() != "2025-01-02" || days[len(days)-1].String() != "2025-12-30" {
		t.Errorf("first %s, last %s", days[0], days[len(days)-1])
	}
}

// BenchmarkYear replays a small year (scale 0.01, 20 days) per iteration
// and reports the rates of the phases.
func BenchmarkYear(b *testing.B) {
	ctx := context.Background()
	wl := filepath.Join(b.TempDir(), "workload")
	if _, err := Gen(ctx, GenConfig{Out: wl, Scale: 0.01, Seed: 3, Subscribers: 300, Days: 20}); err != nil {
		b.Fatal(err)
	}
	var rep *Report
	for b.Loop() {
		var err error
		if rep, err = Run(ctx, RunConfig{Workload: wl}); err != nil {
			b.Fatal(err)
		}
	}
	ph := rep.Phases
	b.ReportMetric(float64(ph.Load.Persons)/ph.Load.Seconds, "persons/s")
	b.ReportMetric(rep.ChangesPerSecond, "changes/s")
	b.ReportMetric(float64(ph.ChangeExtracts.Records)/ph.ChangeExtracts.Seconds, "change-records/s")
	b.ReportMetric(float64(ph.StatusExtracts.Records)/ph.StatusExtracts.Seconds, "status-records/s")
	b.ReportMetric(rep.CommitLatencyMS.P99, "p99-commit-ms")
}
