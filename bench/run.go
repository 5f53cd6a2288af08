package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"cpr/date"
	"cpr/extract"
	"cpr/register"
	"cpr/subscription"
)

// RunConfig configures Run. Zero fields take the defaults.
type RunConfig struct {
	// Workload is the directory Gen wrote (required).
	Workload string
	// Data is where the register is built; it must be empty or missing
	// (default: a temporary directory, removed afterwards).
	Data string
	// Concurrency is how many changes are applied at once (default: the
	// manifest's, 64).
	Concurrency int
	// Extracts is where the extract files are written, a directory per
	// day; each day's directory is removed once its files are counted
	// unless KeepExtracts. Empty: the files are counted (bytes and
	// records) and not written.
	Extracts     string
	KeepExtracts bool
	// CacheBytes is the register's block cache (default 1.5 GiB: the
	// persons' records and histories are read at random all year, and the
	// peer's PostgreSQL has 6 GB of shared buffers).
	CacheBytes int64
	// Days limits the run to the first Days working days (0: all).
	Days int
	// Logf, if set, is told the progress.
	Logf func(format string, args ...any)
}

// simClock is the register's clock during the replay: the simulated day,
// from 08:00 Danish time, advancing with the real time spent on it.
type simClock struct {
	mu    sync.Mutex
	base  time.Time
	since time.Time
}

func (c *simClock) set(t time.Time) {
	c.mu.Lock()
	c.base, c.since = t, time.Now()
	c.mu.Unlock()
}

func (c *simClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base.Add(min(time.Since(c.since), 14*time.Hour))
}

func at8(d date.Date) time.Time { return d.StartIn(date.Copenhagen).Add(8 * time.Hour) }

// Run replays a workload against the register: the bulk load, then every
// working day its changes, every subscriber's change extract and the
// day's status extracts. It checks what the extracts hold against the
// workload's expectations; a report with Checks.OK false comes with an
// error.
func Run(ctx context.Context, cfg RunConfig) (*Report, error) {
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	man, err := ReadManifest(cfg.Workload)
	if err != nil {
		return nil, err
	}
	if cfg.CacheBytes <= 0 {
		cfg.CacheBytes = 1536 << 20
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = max(man.Concurrency, 1)
	}
	if cfg.Data == "" {
		if cfg.Data, err = os.MkdirTemp("", "cpr-bench-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(cfg.Data)
	} else if ents, err := os.ReadDir(cfg.Data); err == nil && len(ents) > 0 {
		return nil, fmt.Errorf("bench: data directory %s is not empty", cfg.Data)
	}
	roads, err := readRoads(cfg.Workload)
	if err != nil {
		return nil, err
	}
	today, err := date.Parse(man.PopulationToday)
	if err != nil {
		return nil, fmt.Errorf("%w: manifest: population_today", ErrWorkload)
	}
	clock := &simClock{}
	clock.set(today.StartIn(date.Copenhagen).Add(18 * time.Hour))
	reg, err := register.Open(filepath.Join(cfg.Data, "register"), register.Options{Roads: roads, Clock: clock.now, CacheBytes: cfg.CacheBytes})
	if err != nil {
		return nil, err
	}
	defer reg.Close()

	rep := &Report{System: "cpr", Scale: man.Scale, Changes: int64(man.Changes)}
	rep.Environment = environment("counted")
	if cfg.Extracts != "" {
		rep.Environment.Extracts = "disk"
	}
	wall, cpu := time.Now(), cpuSeconds()

	// Load: the population, the subscribers and their marks.
	ld, err := load(ctx, reg, cfg.Workload, clock.now)
	if err != nil {
		return nil, err
	}
	subs := ld.subs
	// The load's buffers are garbage now: give their memory back before
	// the year, in which the block cache fills.
	debug.FreeOSMemory()
	rep.Phases.Load = Phase{Seconds: since(wall), Persons: int64(ld.persons.Persons), Subscribers: int64(ld.subscribers), Marks: ld.marks,
		CPUSeconds: round3(cpuSeconds() - cpu)}
	rep.Phases.Load.Parts = map[string]float64{"persons": round3(ld.tPersons), "subscribers": round3(ld.tSubs),
		"marks": round3(ld.tMarks)}
	cfg.Logf("load: persons: encode %.1fs, write %.1fs, ingest %.1fs; processor time %.1fs", ld.persons.Encode.Seconds(), ld.persons.Write.Seconds(),
		ld.persons.Ingest.Seconds(), rep.Phases.Load.CPUSeconds)
	cfg.Logf("load: %d persons in %.1fs; at the same time %d subscribers in %.1fs and %d marks in %.1fs", ld.persons.Persons, ld.tPersons,
		ld.subscribers, ld.tSubs, ld.marks, ld.tMarks)

	expected, err := readExpected(cfg.Workload)
	if err != nil {
		return nil, err
	}
	cr, err := openChanges(cfg.Workload)
	if err != nil {
		return nil, err
	}
	defer cr.close()
	ap := &applier{reg: reg, workers: cfg.Concurrency, seqs: make([]uint64, man.Changes+1)}
	x := &extract.Extractor{Reg: reg, Subs: subs}
	r := &runner{cfg: &cfg, rep: rep, x: x, expected: expected}

	var days []Day
	if err := eachJSONL(filepath.Join(cfg.Workload, FileDays), func(d *Day) error {
		days = append(days, *d)
		return nil
	}); err != nil {
		return nil, err
	}
	if cfg.Days > 0 && cfg.Days < len(days) {
		days = days[:cfg.Days]
		rep.Changes = int64(days[len(days)-1].LastSeq)
	}
	for n, d := range days {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		day, err := date.Parse(d.Day)
		if err != nil {
			return nil, fmt.Errorf("%w: days.jsonl: day %q", ErrWorkload, d.Day)
		}
		lines, err := cr.upTo(d.LastSeq)
		if err != nil {
			return nil, err
		}
		chs := make([]*change, len(lines))
		for i, l := range lines {
			if l.Seq != d.FirstSeq+uint64(i) {
				return nil, fmt.Errorf("%w: changes.jsonl: seq %d where %d was due", ErrWorkload, l.Seq, d.FirstSeq+uint64(i))
			}
			if chs[i], err = toChange(l); err != nil {
				return nil, err
			}
		}
		clock.set(at8(day))

		t := time.Now()
		if err := ap.day(ctx, chs); err != nil {
			return nil, err
		}
		rep.Phases.Changes.Seconds += since(t)
		rep.Phases.Changes.Changes += int64(len(chs))
		rep.Checks.ChangesApplied += int64(len(chs))

		if err := r.changeExtracts(ctx, day); err != nil {
			return nil, err
		}
		if err := r.statusExtracts(ctx, day, d.Status); err != nil {
			return nil, err
		}
		if n%25 == 24 || n == len(days)-1 {
			cfg.Logf("day %d/%d %s: %d changes, %d extract records so far", n+1, len(days), d.Day,
				rep.Phases.Changes.Changes, rep.Phases.ChangeExtracts.Records+rep.Phases.StatusExtracts.Records)
		}
	}
	rep.WallSeconds = since(wall)

	rs := reg.Stats()
	rep.Checks.JournalLength = int64(rs.LastSeq)
	for _, d := range days {
		for _, e := range expected[d.Day] {
			rep.Checks.ChangeExtractPersonsExpected += e.Persons
		}
		for _, s := range d.Status {
			rep.Checks.StatusExtractPersonsExpected += s.Persons
		}
	}
	rep.Checks.ChangeExtractFilesExpected = int64(len(days) * ld.daily)
	rep.CommitLatencyMS = latencyOf(ap.latency)
	rep.finish()
	if !rep.Checks.OK {
		return rep, fmt.Errorf("bench: the run does not agree with the workload (see checks in the report)")
	}
	return rep, nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func since(t time.Time) float64 { return time.Since(t).Seconds() }

// finish computes the totals and the verdict of the checks.
func (r *Report) finish() {
	ph := &r.Phases
	r.ExtractRecords = ph.ChangeExtracts.Records + ph.StatusExtracts.Records
	r.ExtractBytes = ph.ChangeExtracts.Bytes + ph.StatusExtracts.Bytes
	if ph.Changes.Seconds > 0 {
		r.ChangesPerSecond = round3(float64(ph.Changes.Changes) / ph.Changes.Seconds)
	}
	if s := ph.ChangeExtracts.Seconds + ph.StatusExtracts.Seconds; s > 0 {
		r.ExtractRecordsPerSecond = round3(float64(r.ExtractRecords) / s)
	}
	for _, p := range []*Phase{&ph.Load, &ph.Changes, &ph.ChangeExtracts, &ph.StatusExtracts} {
		p.Seconds = round3(p.Seconds)
	}
	r.WallSeconds = round3(r.WallSeconds)
	r.PeakRSSBytes = peakRSS()
	c := &r.Checks
	c.OK = c.ChangesApplied == r.Changes && c.JournalLength == r.Changes &&
		c.ChangeExtractPersons == c.ChangeExtractPersonsExpected &&
		c.ChangeExtractEvents == c.ChangeExtractPersonsExpected &&
		c.StatusExtractPersons == c.StatusExtractPersonsExpected &&
		c.ChangeExtractFiles == c.ChangeExtractFilesExpected && c.Mismatches == 0
}

// runner makes the extracts of each day and checks them.
type runner struct {
	cfg      *RunConfig
	rep      *Report
	x        *extract.Extractor
	expected map[string]map[string]ExpectedLine
}

// sink is where one extract goes: a file, or only a count.
type sink struct {
	f *os.File
	n int64
}

func (s *sink) Write(p []byte) (int, error) {
	s.n += int64(len(p))
	if s.f == nil {
		return len(p), nil
	}
	return s.f.Write(p)
}

func (s *sink) Close() error {
	if s.f == nil {
		return nil
	}
	return s.f.Close()
}

func (r *runner) dayDir(day date.Date) string {
	if r.cfg.Extracts == "" {
		return ""
	}
	return filepath.Join(r.cfg.Extracts, day.String())
}

func (r *runner) open(dir string, name string) (io.WriteCloser, error) {
	if r.cfg.Extracts == "" {
		return &sink{}, nil
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	return &sink{f: f}, nil
}

func (r *runner) changeExtracts(ctx context.Context, day date.Date) error {
	dir := r.dayDir(day)
	if dir != "" {
		if err := os.MkdirAll(filepath.Join(dir, "change"), 0o755); err != nil {
			return err
		}
	}
	var files atomic.Int64
	t := time.Now()
	out, err := r.x.ChangeDay(ctx, day, extract.DayOptions{
		Open: func(sub *subscription.Subscriber, f extract.Format) (io.WriteCloser, error) {
			files.Add(1)
			return r.open(filepath.Join(dir, "change"), extract.FileName(extract.ChangeFile, sub, day, f))
		},
	})
	if err != nil {
		return err
	}
	ph := &r.rep.Phases.ChangeExtracts
	ph.Seconds += since(t)
	ph.Extracts += int64(len(out))
	c := &r.rep.Checks
	c.ChangeExtractFiles += files.Load()
	exp := r.expected[day.String()]
	for _, e := range out {
		ph.Records += int64(e.Records)
		ph.Bytes += e.Bytes
		ph.Persons += int64(e.Persons)
		ph.Events += int64(e.Events)
		c.ChangeExtractPersons += int64(e.Persons)
		c.ChangeExtractEvents += int64(e.Events)
		want := exp[e.Subscriber]
		if int64(e.Persons) != want.Persons || int64(e.Events) != want.Events {
			c.Mismatches++
			if c.Mismatches <= 10 {
				r.cfg.Logf("mismatch: %s change extract of %s: %d persons, %d events; the workload expects %d, %d",
					day, e.Subscriber, e.Persons, e.Events, want.Persons, want.Events)
			}
		}
	}
	return r.cleanDay(dir)
}

func (r *runner) statusExtracts(ctx context.Context, day date.Date, specs []StatusSpec) error {
	dir := r.dayDir(day)
	if dir != "" {
		if err := os.MkdirAll(filepath.Join(dir, "status"), 0o755); err != nil {
			return err
		}
	}
	ph := &r.rep.Phases.StatusExtracts
	for i, s := range specs {
		f, err := extract.ParseFormat(s.Format)
		if err != nil {
			return fmt.Errorf("%w: days.jsonl %s: %v", ErrWorkload, day, err)
		}
		on, err := date.Parse(s.AsOf)
		if err != nil {
			return fmt.Errorf("%w: days.jsonl %s: as_of", ErrWorkload, day)
		}
		sub, _, err := r.x.Subs.Get(s.Subscriber)
		if err != nil {
			return fmt.Errorf("bench: status extract %d of %s: %w", i+1, day, err)
		}
		t := time.Now()
		w, err := r.open(filepath.Join(dir, "status"), fmt.Sprintf("%d-%s", i+1, extract.FileName(extract.StatusFile, &sub, on, f)))
		if err != nil {
			return err
		}
		st, err := r.x.Status(ctx, s.Subscriber, on, f, w, nil)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("bench: status extract %d of %s: %w", i+1, day, err)
		}
		ph.Seconds += since(t)
		if os.Getenv("CPR_BENCH_TRACE") != "" {
			r.cfg.Logf("status %s %s: %d persons %d records in %.3fs", day, s.Subscriber, st.Persons, st.Records, since(t))
		}
		ph.Extracts++
		ph.Records += int64(st.Records)
		ph.Bytes += st.Bytes
		ph.Persons += int64(st.Persons)
		r.rep.Checks.StatusExtractPersons += int64(st.Persons)
		if int64(st.Persons) != s.Persons {
			r.rep.Checks.Mismatches++
			if r.rep.Checks.Mismatches <= 10 {
				r.cfg.Logf("mismatch: %s status extract of %s: %d persons; the workload expects %d", day, s.Subscriber, st.Persons, s.Persons)
			}
		}
	}
	return r.cleanDay(dir)
}

// cleanDay removes a day's extract files once counted, unless kept.
func (r *runner) cleanDay(dir string) error {
	if dir == "" || r.cfg.KeepExtracts {
		return nil
	}
	return os.RemoveAll(dir)
}
