package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"cpr/population"
	"cpr/register"
)

func runLoad(ctx context.Context, args []string, _ io.Reader, out, errOut io.Writer) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	data := fs.String("data", envOr("CPR_DATA", "./data"), "data directory (env CPR_DATA)")
	persons := fs.Int("persons", 100_000, "how many persons to generate")
	seed := fs.Uint64("seed", 1, "population seed: the same seed gives the same population")
	if err := parseFlags(fs, "CPR_LOAD_", args, out, errOut); err != nil {
		return err
	}
	if *persons < 1 {
		return fmt.Errorf("load: --persons must be at least 1, not %d", *persons)
	}
	// load builds a new register: it may create the data directory.
	if err := os.MkdirAll(*data, 0o750); err != nil {
		return err
	}
	reg, err := openOffline("load", *data, register.Options{})
	if err != nil {
		return err
	}
	defer reg.Close()
	st, err := reg.Load(ctx, population.Generate(population.Config{Persons: *persons, Seed: *seed}))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "loaded %d persons (%d history entries, %.1f MiB of sstables) in %.1fs: %.0f persons/s (encode %.1fs, write %.1fs, ingest %.1fs)\n",
		st.Persons, st.Entries, float64(st.Bytes)/(1<<20), st.Duration.Seconds(), float64(st.Persons)/st.Duration.Seconds(),
		st.Encode.Seconds(), st.Write.Seconds(), st.Ingest.Seconds())
	return reg.Close()
}
