package chaos

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
)

// Report is what a run found. The first keys are relied on by scripts.
type Report struct {
	Crashes           int     `json:"crashes"`
	Acknowledged      int     `json:"acknowledged"`
	Found             int     `json:"found"`
	Lost              int     `json:"lost"`
	Duplicates        int     `json:"duplicates"`
	BadInputs         int     `json:"bad_inputs"`
	ServerErrors      int     `json:"server_errors"`
	AccessAttempts    int     `json:"access_attempts"`
	UnauthorizedReads int     `json:"unauthorized_reads"`
	LoadHeldPerSecond float64 `json:"load_held_per_second"`

	// BadInputClasses counts the answers to bad input by class and status
	// ("400", "404", ... ; "2xx" for accepted harmless input).
	BadInputClasses map[string]map[string]int `json:"bad_input_classes"`

	Crash  CrashReport  `json:"crash"`
	NATS   NATSReport   `json:"nats"`
	Disk   DiskReport   `json:"disk"`
	Input  InputReport  `json:"input"`
	Access AccessReport `json:"access"`
	Load   LoadReport   `json:"load"`
	Slow   SlowReport   `json:"slow_bodies"`
	// Extract is the extract consistency scenario.
	Extract ExtractReport `json:"extract_consistency"`

	Seconds float64 `json:"seconds"`
	// Failures are the checks that did not hold, one line each (no
	// person data).
	Failures []string `json:"failures"`
}

// fail records a check that did not hold.
func (r *Report) fail(format string, args ...any) {
	r.Failures = append(r.Failures, fmt.Sprintf(format, args...))
}

// total folds the scenario reports into the top-level figures.
func (r *Report) total() {
	r.Crashes = r.Crash.Kills
	r.Acknowledged = r.Crash.Acknowledged + r.NATS.Acknowledged + r.Disk.Acknowledged
	r.Found = r.Crash.Found + r.NATS.Found + r.Disk.Found
	r.Lost = r.Crash.Lost + r.NATS.Lost + r.Disk.Lost
	r.Duplicates = r.Crash.Duplicates + r.NATS.Duplicates + r.Disk.Duplicates + r.Crash.StreamDups + r.NATS.StreamDuplicates
	r.BadInputs = r.Input.Sent
	r.BadInputClasses = r.Input.Classes
	r.ServerErrors = r.Input.ServerErrors + r.Access.ServerErrors + r.Crash.ServerErrors + r.Disk.ServerErrors + r.NATS.ServerErrors +
		r.Extract.ServerErrors
	r.AccessAttempts = r.Access.Attempts
	r.UnauthorizedReads = r.Access.Allowed + r.Access.NATSReads
	r.LoadHeldPerSecond = r.Load.HeldPerSecond
}

// OK reports whether every check held.
func (r *Report) OK() bool {
	return len(r.Failures) == 0 && r.Lost == 0 && r.Duplicates == 0 && r.ServerErrors == 0 && r.UnauthorizedReads == 0
}

// Write writes the report as indented JSON to path.
func (r *Report) Write(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// Print writes a short summary for a person.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "crashes %d, acknowledged %d, found %d, lost %d, duplicates %d\n",
		r.Crashes, r.Acknowledged, r.Found, r.Lost, r.Duplicates)
	fmt.Fprintf(w, "bad inputs %d, server errors %d, access attempts %d, unauthorized reads %d\n",
		r.BadInputs, r.ServerErrors, r.AccessAttempts, r.UnauthorizedReads)
	fmt.Fprintf(w, "load held %.0f requests/s with p99 under %v ms\n", r.LoadHeldPerSecond, p99Limit.Milliseconds())
	fmt.Fprintf(w, "status extracts %d under load: %d records, %d mismatches, %d changes during them\n",
		r.Extract.Extracts, r.Extract.Records, r.Extract.Mismatches, r.Extract.ChangesDuring)
	classes := make([]string, 0, len(r.BadInputClasses))
	for c := range r.BadInputClasses {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	for _, c := range classes {
		fmt.Fprintf(w, "  %-16s %v\n", c, r.BadInputClasses[c])
	}
	for _, f := range r.Failures {
		fmt.Fprintln(w, "FAILED:", f)
	}
	fmt.Fprintf(w, "%.0f s\n", r.Seconds)
}
