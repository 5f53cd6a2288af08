package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"cpr/date"
	"cpr/extract"
	"cpr/register"
	"cpr/subscription"
)

// runExtract produces an extract from a data directory while the server
// is stopped: "cpr extract change" or "cpr extract status".
func runExtract(ctx context.Context, args []string, _ io.Reader, out, errOut io.Writer) error {
	const use = "usage: cpr extract change|status --data DIR --subscriber ID [--date YYYY-MM-DD] [--format p12170|jsonl|csv] --out DIR"
	if isHelp(args) {
		fmt.Fprintln(out, use)
		return nil
	}
	if len(args) == 0 || (args[0] != "change" && args[0] != "status") {
		fmt.Fprintln(errOut, use)
		return errUsage
	}
	kind := args[0]
	fs := flag.NewFlagSet("extract "+kind, flag.ContinueOnError)
	data := fs.String("data", envOr("CPR_DATA", "./data"), "data directory (env CPR_DATA)")
	subID := fs.String("subscriber", "", "subscriber id")
	day := fs.String("date", "", "the day (change: the registration day; status: as of; default today)")
	format := fs.String("format", "p12170", "p12170, jsonl or csv")
	outDir := fs.String("out", ".", "directory to write the file to")
	if err := parseFlags(fs, "CPR_EXTRACT_", args[1:], out, errOut); err != nil {
		return err
	}
	if *subID == "" {
		return fmt.Errorf("extract: --subscriber is required")
	}
	f, err := extract.ParseFormat(*format)
	if err != nil {
		return err
	}
	on := date.InCopenhagen(time.Now())
	if *day != "" {
		if on, err = date.Parse(*day); err != nil {
			return fmt.Errorf("extract: --date: %w", err)
		}
	}
	// A status extract reads the register once in order: a small block
	// cache does as well as a big one, and keeps the process small.
	if err := mustHoldRegister("extract", *data); err != nil {
		return err
	}
	reg, err := openOffline("extract", *data, register.Options{CacheBytes: 32 << 20})
	if err != nil {
		return err
	}
	defer reg.Close()
	subs, err := subscription.Open(reg, nil)
	if err != nil {
		return err
	}
	sub, _, err := subs.Get(*subID)
	if err != nil {
		return err
	}
	x := &extract.Extractor{Reg: reg, Subs: subs}
	fk := extract.ChangeFile
	if kind == "status" {
		fk = extract.StatusFile
	}
	name := extract.FileName(fk, &sub, on, f)
	path := filepath.Join(*outDir, name)
	file, err := os.Create(path + ".tmp")
	if err != nil {
		return err
	}
	defer os.Remove(path + ".tmp")
	var st extract.Stats
	if kind == "change" {
		st, err = x.Change(ctx, *subID, on, f, file)
	} else {
		st, err = x.Status(ctx, *subID, on, f, file, nil)
	}
	if err == nil {
		err = file.Sync()
	}
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: %d persons, %d events, %d records, %d bytes\n", path, st.Persons, st.Events, st.Records, st.Bytes)
	return reg.Close()
}
