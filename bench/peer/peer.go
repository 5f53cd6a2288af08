package peer

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Config configures Run. Zero fields take the defaults.
type Config struct {
	// Workload is the directory `cpr bench gen` wrote (required).
	Workload string
	// Out is where the extract files are written, a directory a day; ""
	// counts their records and bytes only (as our runner does by default).
	Out string
	// Keep keeps every day's extract files; by default a day's files are
	// removed once the day is counted.
	Keep bool
	// Concurrency is how many changes are applied at once (default: the
	// manifest's, 64).
	Concurrency int
	// ServerDir is where the server's temporary directory is made ("": the
	// system's temporary directory); the user postgres must be able to
	// reach it when we run as root.
	ServerDir string
	// Log receives progress (default: discarded).
	Log *slog.Logger
}

// Phase is one phase's figures.
type Phase struct {
	Seconds  float64 `json:"seconds"`
	Changes  int64   `json:"changes,omitempty"`
	Rejected int64   `json:"rejected,omitempty"`
	Persons  int64   `json:"persons,omitempty"`
	Events   int64   `json:"events,omitempty"`
	Records  int64   `json:"records,omitempty"`
	Bytes    int64   `json:"bytes,omitempty"`
	Extracts int64   `json:"extracts,omitempty"`
	Marks    int64   `json:"marks,omitempty"`
}

// Report is the peer's report, in the shape bench/README.md gives for it.
type Report struct {
	System      string           `json:"system"`
	Version     string           `json:"version"`
	Scale       float64          `json:"scale"`
	WallSeconds float64          `json:"wall_seconds"`
	Phases      map[string]Phase `json:"phases"`
	Load        LoadStats        `json:"load_detail"`
	Changes     int64            `json:"changes"`
	// Rejected counts the changes the peer's rules refused, by reason
	// (none should be).
	Rejected                map[string]int64 `json:"rejected,omitempty"`
	ChangesPerSecond        float64          `json:"changes_per_second"`
	ExtractRecords          int64            `json:"extract_records"`
	ExtractRecordsPerSecond float64          `json:"extract_records_per_second"`
	ExtractBytes            int64            `json:"extract_bytes"`
	CommitLatencyMs         struct {
		P50 float64 `json:"p50"`
		P99 float64 `json:"p99"`
	} `json:"commit_latency_ms"`
	Concurrency int      `json:"concurrency"`
	Settings    []string `json:"settings"`
	Environment struct {
		Cores    int    `json:"cores"`
		OS       string `json:"os"`
		Arch     string `json:"arch"`
		Postgres string `json:"postgres"`
	} `json:"environment"`
	// Check compares the extracts with expected.jsonl and days.jsonl.
	Check Check `json:"check"`
}

// Check is the comparison of the peer's extracts with the workload's
// expectations.
type Check struct {
	ChangeExtracts int64    `json:"change_extracts_compared"`
	StatusExtracts int64    `json:"status_extracts_compared"`
	Mismatches     int64    `json:"mismatches"`
	Examples       []string `json:"examples,omitempty"` // the first few (subscriber ids and counts only)
}

func (c *Check) mismatch(format string, args ...any) {
	c.Mismatches++
	if len(c.Examples) < 20 {
		c.Examples = append(c.Examples, fmt.Sprintf(format, args...))
	}
}

// Run starts a PostgreSQL server of its own, replays the workload on it,
// stops it and returns the report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	m, err := readManifest(cfg.Workload)
	if err != nil {
		return nil, err
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = m.Concurrency
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 64
	}
	srv, err := Start(ctx, cfg.ServerDir)
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	cfg.Log.Info("postgres started", "port", srv.Port, "dir", srv.Dir)
	rep, err := replay(ctx, cfg, m, srv.URL())
	if serr := srv.Stop(); err == nil && serr != nil {
		err = serr
	}
	return rep, err
}

// replay runs the workload against the server at url.
func replay(ctx context.Context, cfg Config, m *Manifest, url string) (*Report, error) {
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	pc.MaxConns = int32(cfg.Concurrency + 8)
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, err
	}
	defer pool.Close()

	rep := &Report{System: "postgresql", Scale: m.Scale, Phases: map[string]Phase{}, Rejected: map[string]int64{},
		Concurrency: cfg.Concurrency, Settings: Settings}
	rep.Environment.Cores, rep.Environment.OS, rep.Environment.Arch = runtime.NumCPU(), runtime.GOOS, runtime.GOARCH
	if err := pool.QueryRow(ctx, "SHOW server_version").Scan(&rep.Version); err != nil {
		return nil, err
	}
	pool.QueryRow(ctx, "SELECT version()").Scan(&rep.Environment.Postgres)

	wall := time.Now()
	cfg.Log.Info("load")
	ls, err := load(ctx, pool, cfg.Workload)
	if err != nil {
		return nil, err
	}
	rep.Load = ls
	rep.Phases["load"] = Phase{Seconds: ls.Seconds, Persons: ls.Persons, Marks: ls.Marks}
	cfg.Log.Info("loaded", "persons", ls.Persons, "seconds", ls.Seconds)

	expected, err := readExpected(cfg.Workload)
	if err != nil {
		return nil, err
	}
	x, err := newExtractor(ctx, pool)
	if err != nil {
		return nil, err
	}
	a := &applier{pool: pool, seqOf: make([]int64, m.Changes+1)}
	var (
		chPh, cePh, sePh Phase
		lat              []float32
	)
	changes, err := os.Open(filepath.Join(cfg.Workload, "changes.jsonl"))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrWorkload, err)
	}
	defer changes.Close()
	sc := bufio.NewScanner(changes)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	line := 0
	err = readLines(cfg.Workload, "days.jsonl", func(dl *Day) error {
		day, err := parseDate(dl.Day)
		if err != nil {
			return fmt.Errorf("%w: days.jsonl: day", ErrWorkload)
		}
		// The day's changes, read before the clock starts.
		var todo []*Change
		for int64(len(todo)) < dl.LastSeq-dl.FirstSeq+1 {
			if !sc.Scan() {
				return fmt.Errorf("%w: changes.jsonl ends before seq %d", ErrWorkload, dl.LastSeq)
			}
			line++
			ch := &Change{}
			if err := json.Unmarshal(sc.Bytes(), ch); err != nil {
				return fmt.Errorf("%w: changes.jsonl line %d: %v", ErrWorkload, line, err)
			}
			if ch.Day != dl.Day || ch.Seq != dl.FirstSeq+int64(len(todo)) || ch.Seq >= int64(len(a.seqOf)) {
				return fmt.Errorf("%w: changes.jsonl line %d: not the day's next change", ErrWorkload, line)
			}
			todo = append(todo, ch)
		}
		t0 := time.Now()
		l, rejected, err := applyDay(ctx, a, todo, day, cfg.Concurrency)
		if err != nil {
			return err
		}
		chPh.Seconds += time.Since(t0).Seconds()
		chPh.Changes += int64(len(todo)) - int64(len(rejected))
		chPh.Rejected += int64(len(rejected))
		for _, r := range rejected {
			rep.Rejected[r]++
		}
		lat = append(lat, l...)

		dayDir, changeDir, statusDir := "", "", ""
		if cfg.Out != "" {
			dayDir = filepath.Join(cfg.Out, dl.Day)
			changeDir, statusDir = filepath.Join(dayDir, "change"), filepath.Join(dayDir, "status")
		}
		t1 := time.Now()
		cst, perSub, err := x.changeExtracts(ctx, day, changeDir)
		if err != nil {
			return err
		}
		cePh.Seconds += time.Since(t1).Seconds()
		addStats(&cePh, cst)
		for _, s := range x.subs {
			got, want := perSub[s.ID], expected[dl.Day+"/"+s.ID]
			rep.Check.ChangeExtracts++
			if got != want {
				rep.Check.mismatch("%s change extract of %s: %d persons %d events, expected %d and %d",
					dl.Day, s.ID, got[0], got[1], want[0], want[1])
			}
		}

		t2 := time.Now()
		for i, spec := range dl.Status {
			f, err := x.statusExtract(ctx, spec, i+1, day, statusDir)
			if err != nil {
				return err
			}
			var st ExtractStats
			st.add(f)
			addStats(&sePh, st)
			rep.Check.StatusExtracts++
			if f.persons != spec.Persons {
				rep.Check.mismatch("%s status extract of %s: %d persons, expected %d", dl.Day, spec.Subscriber, f.persons, spec.Persons)
			}
		}
		sePh.Seconds += time.Since(t2).Seconds()
		if dayDir != "" && !cfg.Keep {
			if err := os.RemoveAll(dayDir); err != nil {
				return err
			}
		}
		cfg.Log.Info("day", "day", dl.Day, "changes", len(todo), "change_extract_records", cst.Records)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if int64(line) != int64(m.Changes) {
		return nil, fmt.Errorf("%w: days.jsonl covers %d changes, the manifest says %d", ErrWorkload, line, m.Changes)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rep.WallSeconds = time.Since(wall).Seconds()
	rep.Phases["changes"], rep.Phases["change_extracts"], rep.Phases["status_extracts"] = chPh, cePh, sePh
	rep.Changes = chPh.Changes
	if chPh.Seconds > 0 {
		rep.ChangesPerSecond = float64(chPh.Changes) / chPh.Seconds
	}
	rep.ExtractRecords = cePh.Records + sePh.Records
	rep.ExtractBytes = cePh.Bytes + sePh.Bytes
	if s := cePh.Seconds + sePh.Seconds; s > 0 {
		rep.ExtractRecordsPerSecond = float64(rep.ExtractRecords) / s
	}
	rep.CommitLatencyMs.P50, rep.CommitLatencyMs.P99 = quantile(lat, 0.5), quantile(lat, 0.99)
	if len(rep.Rejected) == 0 {
		rep.Rejected = nil
	}
	e := m.Expected
	if cePh.Persons != e.ChangeExtractPersons || cePh.Events != e.ChangeExtractEvents || sePh.Persons != e.StatusExtractPersons {
		rep.Check.mismatch("totals: change extracts %d persons %d events, status extracts %d persons; manifest expects %d, %d, %d",
			cePh.Persons, cePh.Events, sePh.Persons, e.ChangeExtractPersons, e.ChangeExtractEvents, e.StatusExtractPersons)
	}
	return rep, nil
}

func addStats(p *Phase, s ExtractStats) {
	p.Extracts += s.Extracts
	p.Persons += s.Persons
	p.Events += s.Events
	p.Records += s.Records
	p.Bytes += s.Bytes
}

// readExpected reads expected.jsonl: day/subscriber -> persons, events.
func readExpected(dir string) (map[string][2]int64, error) {
	out := map[string][2]int64{}
	err := readLines(dir, "expected.jsonl", func(e *Expected) error {
		out[e.Day+"/"+e.Subscriber] = [2]int64{e.Persons, e.Events}
		return nil
	})
	return out, err
}

// applyDay applies a day's changes, n at a time. It returns each applied
// change's latency (ms) and the reasons of the refused ones.
func applyDay(ctx context.Context, a *applier, todo []*Change, day time.Time, n int) ([]float32, []string, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan *Change)
	var (
		mu      sync.Mutex
		lat     = make([]float32, 0, len(todo))
		refused []string
		wg      sync.WaitGroup
	)
	for range min(n, len(todo)) {
		wg.Go(func() {
			for ch := range work {
				t := time.Now()
				err := a.apply(ctx, ch, day)
				ms := float32(time.Since(t).Seconds() * 1000)
				var rj *rejected
				switch {
				case errors.As(err, &rj):
					mu.Lock()
					refused = append(refused, ch.Kind+": "+rj.err.Error())
					mu.Unlock()
				case err != nil:
					cancel(fmt.Errorf("peer: change seq %d (%s): %w", ch.Seq, ch.Kind, err))
				default:
					mu.Lock()
					lat = append(lat, ms)
					mu.Unlock()
				}
			}
		})
	}
	for _, ch := range todo {
		select {
		case work <- ch:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(work)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, nil, err
	}
	return lat, refused, nil
}

func quantile(xs []float32, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return float64(s[min(len(s)-1, int(q*float64(len(s))))])
}

// WriteReport writes the report as indented JSON.
func WriteReport(path string, r *Report) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
