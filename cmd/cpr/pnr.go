package main

import (
	"context"
	"fmt"
	"io"

	"cpr/pnr"
)

func runPNR(_ context.Context, args []string, in io.Reader, out, errOut io.Writer) error {
	const use = "usage: cpr pnr check < numbers.txt\n\nReads one personnummer a line and writes one JSON object a line:\n" +
		`{"input", "valid", "pnr", "birth_date", "sex", "mod11", "error"}`
	if isHelp(args) || (len(args) == 2 && args[0] == "check" && isHelp(args[1:])) {
		fmt.Fprintln(out, use)
		return nil
	}
	if len(args) != 1 || args[0] != "check" {
		fmt.Fprintln(errOut, use)
		return errUsage
	}
	return pnr.CheckLines(in, out)
}
