package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"cpr/chaos"
)

// runChaos is "cpr chaos": the fault, load and abuse suite against this
// very binary (it runs "cpr serve" as a child), writing chaos-report.json.
func runChaos(ctx context.Context, args []string, _ io.Reader, out, errOut io.Writer) error {
	fs := flag.NewFlagSet("chaos", flag.ContinueOnError)
	report := fs.String("out", "chaos-report.json", "where to write the report")
	natsServer := fs.String("nats-server", "bin/nats-server", "a nats-server binary (make chaos builds it from the module's nats-server)")
	dir := fs.String("dir", "", "working directory (default: a temporary one, removed afterwards)")
	short := fs.Bool("short", false, "the short version the tests run (3 crashes, ...)")
	seed := fs.Uint64("seed", 1, "random seed")
	if err := parseFlags(fs, "CPR_CHAOS_", args, out, errOut); err != nil {
		return err
	}
	bin, err := os.Executable()
	if err != nil {
		return err
	}
	work := *dir
	if work == "" {
		if work, err = os.MkdirTemp("", "cpr-chaos-"); err != nil {
			return err
		}
		defer os.RemoveAll(work)
	}
	rep, err := chaos.Run(ctx, chaos.Config{Bin: bin, NATSServer: *natsServer, Dir: work, Full: !*short, Seed: *seed,
		Progress: func(format string, args ...any) { fmt.Fprintf(errOut, format+"\n", args...) }})
	if err != nil {
		return err
	}
	if err := rep.Write(*report); err != nil {
		return err
	}
	rep.Print(out)
	fmt.Fprintln(out, "report in", *report)
	if !rep.OK() {
		return fmt.Errorf("chaos: %d checks failed", len(rep.Failures))
	}
	return nil
}
