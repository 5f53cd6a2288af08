package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"

	"cpr/bench"
)

// runBench is "cpr bench gen|run|merge": the simulated year (bench/README.md).
func runBench(ctx context.Context, args []string, _ io.Reader, out, errOut io.Writer) error {
	const use = "usage: cpr bench gen|run|merge [flags]\n\n" +
		"  gen    write a workload: population, a year of changes, subscribers\n" +
		"  run    replay a workload against the register and write bench-report.json\n" +
		"  merge  merge a peer's report into bench-report.json\n\n" +
		"Run \"cpr bench gen -h\" (run, merge) for the flags."
	if isHelp(args) {
		fmt.Fprintln(out, use)
		return nil
	}
	if len(args) == 0 {
		fmt.Fprintln(errOut, use)
		return errUsage
	}
	switch args[0] {
	case "gen":
		return benchGen(ctx, args[1:], out, errOut)
	case "run":
		return benchRun(ctx, args[1:], out, errOut)
	case "merge":
		return benchMerge(args[1:], out, errOut)
	}
	return fmt.Errorf("unknown bench command %q (gen, run, merge)", args[0])
}

func benchGen(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := flag.NewFlagSet("bench gen", flag.ContinueOnError)
	var cfg bench.GenConfig
	fs.StringVar(&cfg.Out, "out", "", "directory to write the workload to (required)")
	fs.Float64Var(&cfg.Scale, "scale", 1, "size: 1 is Denmark (6 million persons, 1.4 million changes), 0.01 a small year")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "workload seed: the same seed and scale give the same files")
	fs.IntVar(&cfg.Subscribers, "subscribers", 1000, "how many subscribers (at least 130)")
	fs.IntVar(&cfg.Days, "days", 0, "only the first N working days (0: the whole year)")
	fs.IntVar(&cfg.Concurrency, "concurrency", 64, "replay concurrency written to the manifest")
	if err := parseFlags(fs, "CPR_BENCH_", args, out, errOut); err != nil {
		return err
	}
	if cfg.Out == "" {
		fs.Usage()
		return errors.New("bench gen: --out is required")
	}
	switch {
	case !(cfg.Scale > 0): // NaN too
		return fmt.Errorf("bench gen: --scale must be above 0 (1 is Denmark, 0.01 a small year), not %v", cfg.Scale)
	case cfg.Days < 0:
		return fmt.Errorf("bench gen: --days must be 0 (the whole year) or more, not %d", cfg.Days)
	case cfg.Concurrency < 1:
		return fmt.Errorf("bench gen: --concurrency must be at least 1, not %d", cfg.Concurrency)
	}
	cfg.Logf = func(format string, a ...any) { fmt.Fprintf(errOut, format+"\n", a...) }
	m, err := bench.Gen(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "workload in %s: %d persons, %d changes over %d days, %d subscribers, %d marks, %d status extracts\n",
		cfg.Out, m.Persons, m.Changes, m.Days, m.Subscribers, m.Marks, m.StatusExtracts)
	return nil
}

func benchRun(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := flag.NewFlagSet("bench run", flag.ContinueOnError)
	var cfg bench.RunConfig
	fs.StringVar(&cfg.Workload, "workload", "", "workload directory written by cpr bench gen (required)")
	fs.StringVar(&cfg.Data, "data", "", "empty directory for the register (default: a temporary one, removed afterwards)")
	fs.IntVar(&cfg.Concurrency, "concurrency", 0, "changes applied at once (default: the workload's, 64)")
	fs.StringVar(&cfg.Extracts, "extracts", "", "write the extract files under this directory, a directory a day (default: count them only)")
	fs.BoolVar(&cfg.KeepExtracts, "keep-extracts", false, "keep each day's extract files (default: removed once counted)")
	fs.IntVar(&cfg.Days, "days", 0, "only the first N working days (0: the whole year)")
	cacheMiB := fs.Int64("cache-mib", 1536, "the register's block cache, MiB")
	report := fs.String("report", "bench-report.json", "where to write the report")
	peer := fs.String("peer-report", "", "a peer's report to merge into ours (see bench/README.md)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof)")
	if err := parseFlags(fs, "CPR_BENCH_", args, out, errOut); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return err
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	cfg.CacheBytes = *cacheMiB << 20
	if cfg.Workload == "" {
		fs.Usage()
		return errors.New("bench run: --workload is required")
	}
	switch {
	case cfg.Days < 0:
		return fmt.Errorf("bench run: --days must be 0 (the whole year) or more, not %d", cfg.Days)
	case cfg.Concurrency < 0:
		return fmt.Errorf("bench run: --concurrency must be 0 (the workload's) or more, not %d", cfg.Concurrency)
	case *cacheMiB < 1:
		return fmt.Errorf("bench run: --cache-mib must be at least 1, not %d", *cacheMiB)
	}
	cfg.Logf = func(format string, a ...any) { fmt.Fprintf(errOut, format+"\n", a...) }
	rep, runErr := bench.Run(ctx, cfg)
	if rep == nil {
		return runErr
	}
	if *peer != "" {
		b, err := os.ReadFile(*peer)
		if err != nil {
			return err
		}
		if err := rep.Merge(b); err != nil {
			return err
		}
	}
	if err := rep.Write(*report); err != nil {
		return err
	}
	rep.Table(out)
	return runErr
}

func benchMerge(args []string, out, errOut io.Writer) error {
	fs := flag.NewFlagSet("bench merge", flag.ContinueOnError)
	report := fs.String("report", "bench-report.json", "our report, rewritten with the peer's merged in")
	peer := fs.String("peer", "", "the peer's report (required)")
	if err := parseFlags(fs, "CPR_BENCH_", args, out, errOut); err != nil {
		return err
	}
	if *peer == "" {
		fs.Usage()
		return errors.New("bench merge: --peer is required")
	}
	rep, err := bench.ReadReport(*report)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(*peer)
	if err != nil {
		return err
	}
	if err := rep.Merge(b); err != nil {
		return err
	}
	if err := rep.Write(*report); err != nil {
		return err
	}
	rep.Table(out)
	return nil
}
