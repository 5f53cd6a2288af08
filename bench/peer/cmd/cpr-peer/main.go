// Command cpr-peer replays a benchmark workload (`cpr bench gen`) on a
// PostgreSQL server it starts itself, and writes the peer's report, to be
// merged into ours with `cpr bench merge`. See bench/README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"cpr/bench/peer"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "cpr-peer:", err)
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("cpr-peer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg peer.Config
	fs.StringVar(&cfg.Workload, "workload", "", "the workload directory `cpr bench gen` wrote (required)")
	fs.StringVar(&cfg.Out, "out", "", "write the extract files under this directory, a directory a day (default: count them only)")
	fs.BoolVar(&cfg.Keep, "keep", false, "keep every day's extract files")
	fs.IntVar(&cfg.Concurrency, "concurrency", 0, "changes applied at once (default: the manifest's)")
	fs.StringVar(&cfg.ServerDir, "pg-dir", "", "where PostgreSQL's temporary directory is made (default: the system's temporary directory)")
	report := fs.String("report", "peer-report.json", "where to write the peer's report")
	quiet := fs.Bool("q", false, "no progress on standard error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.Workload == "" {
		fs.Usage()
		return errors.New("--workload is required")
	}
	level := slog.LevelInfo
	if *quiet {
		level = slog.LevelError
	}
	cfg.Log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	rep, err := peer.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if err := peer.WriteReport(*report, rep); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "PostgreSQL %s: load %.1fs, changes %.1fs (%d), change extracts %.1fs (%d records), status extracts %.1fs (%d records); wall %.1fs\n",
		rep.Version, rep.Phases["load"].Seconds, rep.Phases["changes"].Seconds, rep.Phases["changes"].Changes,
		rep.Phases["change_extracts"].Seconds, rep.Phases["change_extracts"].Records,
		rep.Phases["status_extracts"].Seconds, rep.Phases["status_extracts"].Records, rep.WallSeconds)
	if len(rep.Rejected) > 0 {
		fmt.Fprintf(stdout, "refused changes: %v\n", rep.Rejected)
	}
	if rep.Check.Mismatches > 0 {
		fmt.Fprintf(stdout, "extracts differing from the workload's expectations: %d, e.g. %v\n", rep.Check.Mismatches, rep.Check.Examples)
	}
	fmt.Fprintf(stdout, "report: %s\n", *report)
	return nil
}
