package chaos

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Config configures Run.
type Config struct {
	Bin        string // the cpr binary
	NATSServer string // a nats-server binary
	Dir        string // a working directory; each scenario gets its own folder
	// Full runs the full suite (50 crashes, ...); otherwise the short one
	// the tests run.
	Full     bool
	Seed     uint64
	Progress func(format string, args ...any)
}

// Run runs every scenario and returns the report. An error means the
// suite itself could not run; failed checks are in Report.Failures.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	start := time.Now()
	say := cfg.Progress
	if say == nil {
		say = func(string, ...any) {}
	}
	rep := &Report{}
	sub := func(name string) (string, error) {
		d := filepath.Join(cfg.Dir, name)
		return d, os.MkdirAll(d, 0o750)
	}
	size := func(short, full int) int {
		if cfg.Full {
			return full
		}
		return short
	}
	steps := []struct {
		name string
		run  func(dir string) error
	}{
		{"crash", func(dir string) (err error) {
			rep.Crash, err = Crash(ctx, CrashConfig{Bin: cfg.Bin, Dir: dir, Persons: size(2000, 5000), Kills: size(3, 50),
				Seed: cfg.Seed, Progress: say})
			return err
		}},
		{"nats", func(dir string) (err error) {
			rep.NATS, err = NATS(ctx, NATSConfig{Bin: cfg.Bin, NATSServer: cfg.NATSServer, Dir: dir, Persons: size(1000, 5000),
				Kills: size(2, 10), Restarts: size(2, 10), Seed: cfg.Seed})
			return err
		}},
		{"disk", func(dir string) (err error) {
			rep.Disk, err = Disk(ctx, DiskConfig{Dir: dir, Persons: size(1000, 5000), Faults: size(2, 10), Seed: cfg.Seed})
			return err
		}},
		{"abuse", func(dir string) (err error) {
			rep.Input, rep.Access, err = Abuse(ctx, AbuseConfig{Bin: cfg.Bin, Dir: dir, Persons: size(1000, 5000),
				Rounds: size(0, 4), Seed: cfg.Seed})
			return err
		}},
		{"slow", func(dir string) (err error) {
			rep.Slow, err = Slow(ctx, SlowConfig{Bin: cfg.Bin, Dir: dir, Clients: size(500, 15000), MaxConns: size(100, 2000)})
			return err
		}},
		{"extract", func(dir string) (err error) {
			rep.Extract, err = Extract(ctx, ExtractConfig{Dir: dir, Persons: size(3000, 20000), Extracts: size(8, 40), Seed: cfg.Seed})
			return err
		}},
		{"load", func(string) (err error) {
			rep.Load, err = Load(ctx, size(2000, 20000), size(4, 512), time.Duration(size(1, 5))*time.Second)
			return err
		}},
	}
	for _, s := range steps {
		dir, err := sub(s.name)
		if err != nil {
			return rep, err
		}
		t0 := time.Now()
		if err := s.run(dir); err != nil {
			return rep, fmt.Errorf("chaos: %s: %w", s.name, err)
		}
		say("%s done in %v", s.name, time.Since(t0).Round(time.Second))
	}
	rep.total()
	rep.check()
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// check lists every check that did not hold.
func (r *Report) check() {
	c, n, d, in, a := r.Crash, r.NATS, r.Disk, r.Input, r.Access
	for _, x := range []struct {
		bad  bool
		what string
	}{
		{c.Lost > 0 || n.Lost > 0 || d.Lost > 0, fmt.Sprintf("acknowledged changes lost: crash %d, nats %d, disk %d", c.Lost, n.Lost, d.Lost)},
		{c.Duplicates > 0 || n.Duplicates > 0 || d.Duplicates > 0, "changes registered twice"},
		{c.HalfVisible > 0 || d.HalfVisible > 0, fmt.Sprintf("half-visible changes: crash %d, disk %d", c.HalfVisible, d.HalfVisible)},
		{c.JournalGaps > 0, "gaps in the journal"},
		{c.StreamGaps > 0 || c.StreamDups > 0 || n.StreamGaps > 0 || n.StreamDuplicates > 0,
			fmt.Sprintf("stream not equal to the journal: gaps %d+%d, duplicates %d+%d", c.StreamGaps, n.StreamGaps, c.StreamDups, n.StreamDuplicates)},
		{c.Found != c.Acknowledged || n.Found != n.Acknowledged || d.Found != d.Acknowledged, "acknowledged changes not found"},
		{d.Recovered != d.Faults || d.Unavailable == 0, fmt.Sprintf("disk: %d of %d faults recovered, %d answers 503", d.Recovered, d.Faults, d.Unavailable)},
		{in.Changes > 0, fmt.Sprintf("bad input changed something %d times: %v", in.Changes, in.Examples)},
		{in.NotProblem > 0, fmt.Sprintf("%d refusals not problem+json", in.NotProblem)},
		{a.Allowed > 0 || a.NATSReads > 0, fmt.Sprintf("unauthorised: %d HTTP, %d NATS: %v", a.Allowed, a.NATSReads, a.Examples)},
		{a.Unlogged > 0, fmt.Sprintf("%d refusals not in the access log", a.Unlogged)},
		{a.StoredUnauthenticated > 0, fmt.Sprintf("%d unauthenticated calls stored in the access log", a.StoredUnauthenticated)},
		{r.Extract.Mismatches > 0, fmt.Sprintf("status extracts differ from the register at their snapshot: %d of %d records; first: %s",
			r.Extract.Mismatches, r.Extract.Records, r.Extract.FirstDifference)},
		{r.Extract.ChangesDuring == 0 || r.Extract.ChangedBefore == 0, fmt.Sprintf("status extracts saw no stream: %d changes during them, %d persons changed before",
			r.Extract.ChangesDuring, r.Extract.ChangedBefore)},
		{r.Slow.HealthzAnswered < r.Slow.HealthzProbes || r.Slow.ServerOpen > r.Slow.MaxConns, fmt.Sprintf("slow bodies: /healthz %d of %d, %d connections open, cap %d", r.Slow.HealthzAnswered, r.Slow.HealthzProbes, r.Slow.ServerOpen, r.Slow.MaxConns)},
		{r.ServerErrors > 0, fmt.Sprintf("%d server errors (5xx other than 503, or no answer)", r.ServerErrors)},
	} {
		if x.bad {
			r.fail("%s", x.what)
		}
	}
}
