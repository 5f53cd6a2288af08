// Command cpr is the person register: one binary for the server and the
// tools around it. Run "cpr help" for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, errUsage) {
		fmt.Fprintln(os.Stderr, "cpr:", err)
	}
	if err != nil {
		os.Exit(1)
	}
}

// errUsage means the usage text was printed already.
var errUsage = errors.New("usage")

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, in io.Reader, out, errOut io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the register: HTTP API, embedded storage", runServe},
		{"load", "build a synthetic population into a data directory", runLoad},
		{"bench", "the simulated year: bench gen, run, merge", runBench},
		{"extract", "change or status extract from a stopped register", runExtract},
		{"pnr", "personnummer tools: pnr check", runPNR},
		{"chaos", "the fault, load and abuse suite; writes chaos-report.json", runChaos},
		{"version", "print the version", func(_ context.Context, _ []string, _ io.Reader, out, _ io.Writer) error {
			_, err := fmt.Fprintln(out, "cpr", version)
			return err
		}},
	}
}

// run is the whole program; tests call it directly.
func run(ctx context.Context, args []string, in io.Reader, out, errOut io.Writer) error {
	if len(args) == 0 {
		usage(errOut)
		return errUsage
	}
	if isHelp(args) {
		usage(out)
		return nil
	}
	if args[0] == "--version" || args[0] == "-version" {
		args = []string{"version"}
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, args[1:], in, out, errOut)
			if errors.Is(err, errHelp) {
				return nil
			}
			return err
		}
	}
	usage(errOut)
	return fmt.Errorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: cpr <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun \"cpr <command> -h\" for a command's flags; \"cpr --version\" prints the version.")
}
