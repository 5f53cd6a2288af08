package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// errHelp means help was asked for and printed to stdout: exit 0.
var errHelp = errors.New("help")

// parseFlags parses a command's flags. Every flag has an environment
// variable: the ones whose usage names it read it themselves (serve's,
// "(env CPR_X)"), the others get prefix + the flag's name in capitals,
// read here when the flag is not given. -h prints the flags to out and
// returns errHelp; a bad flag prints them to errOut and returns errUsage.
func parseFlags(fs *flag.FlagSet, prefix string, args []string, out, errOut io.Writer) error {
	var fromEnv []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(f.Usage, "(env ") {
			f.Usage += " (env " + envName(prefix, f.Name) + ")"
			fromEnv = append(fromEnv, f)
		}
	})
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: cpr %s [flags]\n\nflags:\n", fs.Name())
		fs.PrintDefaults()
	}
	var buf bytes.Buffer
	fs.SetOutput(&buf)
	err := fs.Parse(args)
	fs.SetOutput(errOut)
	if errors.Is(err, flag.ErrHelp) {
		io.Copy(out, &buf)
		return errHelp
	}
	if err != nil {
		io.Copy(errOut, &buf)
		return errUsage
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, f := range fromEnv {
		name := envName(prefix, f.Name)
		v, ok := os.LookupEnv(name)
		if !ok || given[f.Name] {
			continue
		}
		if err := f.Value.Set(v); err != nil {
			return fmt.Errorf("%s: env %s: %w", fs.Name(), name, err)
		}
	}
	return nil
}

// envName is a flag's environment variable: CPR_BENCH_ + "cache-mib"
// gives CPR_BENCH_CACHE_MIB.
func envName(prefix, flagName string) string {
	return prefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// isHelp reports whether args ask for help: -h, -help or --help.
func isHelp(args []string) bool {
	return len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help")
}
