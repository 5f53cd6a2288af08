package peer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"cpr/bench"
)

// tinyWorkload writes a small workload with our generator: 3,000 persons,
// the first ten working days, 120 subscribers.
func tinyWorkload(t *testing.T) (string, bench.Manifest) {
	t.Helper()
	dir := t.TempDir()
	m, err := bench.Gen(context.Background(), bench.GenConfig{Out: dir, Scale: 0.0005, Subscribers: 120, Days: 10})
	if err != nil {
		t.Fatal(err)
	}
	return dir, m
}

func skipWithoutPostgres(t *testing.T) {
	t.Helper()
	if _, err := BinDir(); errors.Is(err, ErrNoPostgres) {
		t.Skip("PostgreSQL server binaries not installed (apt-get install -y postgresql); skipping the peer test")
	}
}

// TestRunTiny replays a tiny year on PostgreSQL: every change applied,
// every extract holding the persons and events the workload expects, and
// the report's figures adding up.
func TestRunTiny(t *testing.T) {
	skipWithoutPostgres(t)
	dir, m := tinyWorkload(t)
	out := t.TempDir()
	rep, err := Run(context.Background(), Config{Workload: dir, Out: out, Keep: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rejected) > 0 {
		t.Errorf("refused changes: %v", rep.Rejected)
	}
	if rep.Check.Mismatches != 0 {
		t.Errorf("%d extracts differ from the workload's expectations: %v", rep.Check.Mismatches, rep.Check.Examples)
	}
	ph := rep.Phases
	if ph["load"].Persons != int64(m.Persons) || ph["load"].Marks != int64(m.Marks) {
		t.Errorf("loaded %d persons, %d marks; the manifest has %d, %d", ph["load"].Persons, ph["load"].Marks, m.Persons, m.Marks)
	}
	if ph["changes"].Changes != int64(m.Changes) || rep.Changes != int64(m.Changes) {
		t.Errorf("applied %d changes, the manifest has %d", ph["changes"].Changes, m.Changes)
	}
	ce, se := ph["change_extracts"], ph["status_extracts"]
	// Research subscribers' change extracts are monthly: no daily file.
	var specs []bench.SubscriberSpec
	if b, err := os.ReadFile(filepath.Join(dir, bench.FileSubscribers)); err != nil || json.Unmarshal(b, &specs) != nil {
		t.Fatalf("the workload's subscribers: %v", err)
	}
	daily := 0
	for _, s := range specs {
		if s.Kind != "research" {
			daily++
		}
	}
	if daily == len(specs) {
		t.Error("no research subscriber in the workload")
	}
	if ce.Extracts != int64(m.Days*daily) || se.Extracts != int64(m.StatusExtracts) {
		t.Errorf("%d change and %d status extracts, want %d and %d", ce.Extracts, se.Extracts, m.Days*daily, m.StatusExtracts)
	}
	if ce.Persons != m.Expected.ChangeExtractPersons || se.Persons != m.Expected.StatusExtractPersons {
		t.Errorf("extract persons %d and %d, the manifest expects %d and %d", ce.Persons, se.Persons,
			m.Expected.ChangeExtractPersons, m.Expected.StatusExtractPersons)
	}
	if rep.ExtractRecords != ce.Records+se.Records || rep.ExtractBytes != ce.Bytes+se.Bytes {
		t.Errorf("totals %d records %d bytes are not the phases' sums", rep.ExtractRecords, rep.ExtractBytes)
	}
	// Every file has a start and an end record; every change extract
	// person at least a person and an event record.
	if min := 2*(ce.Extracts+se.Extracts) + ce.Persons + ce.Events + se.Persons; rep.ExtractRecords < min {
		t.Errorf("%d records, fewer than the %d the persons need", rep.ExtractRecords, min)
	}
	// The files on disk are the bytes counted, and a P12170 file's end
	// record counts its lines.
	var bytes int64
	files := 0
	err = filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		bytes += info.Size()
		files++
		if strings.HasSuffix(path, ".jsonl") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		last := lines[len(lines)-1]
		if !strings.HasPrefix(last, "999") || !strings.Contains(last, fmt.Sprintf("%08d", len(lines))) {
			t.Errorf("%s: end record does not count its %d lines", filepath.Base(path), len(lines))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if int64(files) != ce.Extracts+se.Extracts || bytes != rep.ExtractBytes {
		t.Errorf("%d files of %d bytes on disk; the report says %d extracts of %d bytes", files, bytes, ce.Extracts+se.Extracts, rep.ExtractBytes)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var shape map[string]any
	json.Unmarshal(b, &shape)
	for _, k := range []string{"system", "scale", "wall_seconds", "phases", "changes", "extract_records", "commit_latency_ms"} {
		if _, ok := shape[k]; !ok {
			t.Errorf("report has no %q", k)
		}
	}
}

// TestRulesRefuse: a change that breaks a rule writes nothing, and the
// same change applied to a fitting person commits its rows and journal row.
func TestRulesRefuse(t *testing.T) {
	skipWithoutPostgres(t)
	dir, _ := tinyWorkload(t)
	s := startServer(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, s.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := load(ctx, pool, dir); err != nil {
		t.Fatal(err)
	}
	var alive, abroad string
	if err := pool.QueryRow(ctx, `SELECT lpad(pnr::text, 10, '0') FROM person WHERE status = 1 ORDER BY pnr LIMIT 1`).Scan(&alive); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `SELECT lpad(pnr::text, 10, '0') FROM person WHERE status = 80 ORDER BY pnr LIMIT 1`).Scan(&abroad); err != nil {
		t.Fatal(err)
	}
	var kommune, vejkode int16
	if err := pool.QueryRow(ctx, `SELECT kommune, vejkode FROM road WHERE vejkode < 9900 ORDER BY 1, 2 LIMIT 1`).Scan(&kommune, &vejkode); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf(`{"kommunekode":"%04d","vejkode":"%04d","husnr":"998"}`, kommune, vejkode)
	a := &applier{pool: pool, seqOf: make([]int64, 10)}
	day := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)
	move := func(p, eff string) *Change {
		return &Change{Seq: 1, Day: "2025-01-02", Kind: "move", PNR: p,
			Body: json.RawMessage(`{"effective":"` + eff + `","address":` + addr + `}`)}
	}
	journal := func() (n int64) {
		pool.QueryRow(ctx, `SELECT count(*) FROM journal`).Scan(&n)
		return n
	}
	for _, c := range []struct {
		name string
		ch   *Change
		want error
	}{
		{"unknown person", move("0101010000", "2025-01-02"), errNotFound},
		{"emigrated", move(abroad, "2025-01-02"), errEmigrated},
		{"a month ahead", move(alive, "2025-02-05"), errFuture},
		{"no such road", &Change{Seq: 1, Kind: "move", PNR: alive,
			Body: json.RawMessage(`{"effective":"2025-01-02","address":{"kommunekode":"0101","vejkode":"9898","husnr":"1"}}`)}, errUnknownRoad},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := journal()
			err := a.apply(ctx, c.ch, day)
			var rj *rejected
			if !errors.As(err, &rj) || !errors.Is(rj.err, c.want) {
				t.Fatalf("err = %v, want refused: %v", err, c.want)
			}
			if after := journal(); after != before {
				t.Errorf("journal grew from %d to %d rows", before, after)
			}
		})
	}
	if err := a.apply(ctx, move(alive, "2025-01-02"), day); err != nil {
		t.Fatal(err)
	}
	var k int16
	var open int
	pool.QueryRow(ctx, `SELECT kommune FROM person WHERE pnr = $1::bigint`, alive).Scan(&k)
	pool.QueryRow(ctx, `SELECT count(*) FROM address_history WHERE pnr = $1::bigint AND valid_to IS NULL`, alive).Scan(&open)
	if k != kommune || open != 1 || journal() != 1 || a.seqOf[1] != 1 {
		t.Errorf("after the move: kommune %d, %d open address rows, %d journal rows, seq %d", k, open, journal(), a.seqOf[1])
	}
}
