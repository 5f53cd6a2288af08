package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Report is bench-report.json (see README.md, "The report"). Scripts rely
// on its keys.
type Report struct {
	System                  string             `json:"system"`
	Scale                   float64            `json:"scale"`
	WallSeconds             float64            `json:"wall_seconds"`
	Phases                  Phases             `json:"phases"`
	Changes                 int64              `json:"changes"`
	ChangesPerSecond        float64            `json:"changes_per_second"`
	ExtractRecords          int64              `json:"extract_records"`
	ExtractRecordsPerSecond float64            `json:"extract_records_per_second"`
	ExtractBytes            int64              `json:"extract_bytes"`
	PeakRSSBytes            int64              `json:"peak_rss_bytes"`
	CommitLatencyMS         Latency            `json:"commit_latency_ms"`
	Environment             Environment        `json:"environment"`
	Checks                  Checks             `json:"checks"`
	Peer                    json.RawMessage    `json:"peer,omitempty"`
	Ratio                   map[string]float64 `json:"ratio,omitempty"`
}

// Phases are the four timed parts of the year.
type Phases struct {
	Load           Phase `json:"load"`
	Changes        Phase `json:"changes"`
	ChangeExtracts Phase `json:"change_extracts"`
	StatusExtracts Phase `json:"status_extracts"`
}

// Phase is one timed part. Only the counts that apply are set.
type Phase struct {
	Seconds     float64 `json:"seconds"`
	Persons     int64   `json:"persons,omitempty"`
	Subscribers int64   `json:"subscribers,omitempty"`
	Marks       int64   `json:"marks,omitempty"`
	Changes     int64   `json:"changes,omitempty"`
	Extracts    int64   `json:"extracts,omitempty"`
	Records     int64   `json:"records,omitempty"`
	Events      int64   `json:"events,omitempty"`
	Bytes       int64   `json:"bytes,omitempty"`
	// Load only: the seconds of its parts (persons, subscribers, marks),
	// and the processor seconds (user and system) the process spent in it.
	Parts      map[string]float64 `json:"parts,omitempty"`
	CPUSeconds float64            `json:"cpu_seconds,omitempty"`
	Ratio      *float64           `json:"ratio,omitempty"`
}

// Latency is a distribution in milliseconds.
type Latency struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// Environment is where the run ran.
type Environment struct {
	Go    string `json:"go"`
	Cores int    `json:"cores"`
	OS    string `json:"os"`
	Arch  string `json:"arch"`
	CPU   string `json:"cpu,omitempty"`
	// Extracts says where the extract files went: "disk" or "counted".
	Extracts string `json:"extracts"`
}

// Checks are the report's own consistency checks: each compares what the
// run produced with what the workload or the register says.
type Checks struct {
	// Every change of the workload was applied, and the journal holds
	// exactly that many events.
	ChangesApplied int64 `json:"changes_applied"`
	JournalLength  int64 `json:"journal_length"`
	// Persons and events in the change extracts, as expected.jsonl says.
	ChangeExtractPersons         int64 `json:"change_extract_persons"`
	ChangeExtractPersonsExpected int64 `json:"change_extract_persons_expected"`
	ChangeExtractEvents          int64 `json:"change_extract_events"`
	// Persons in the status extracts, as days.jsonl says.
	StatusExtractPersons         int64 `json:"status_extract_persons"`
	StatusExtractPersonsExpected int64 `json:"status_extract_persons_expected"`
	// (day, subscriber) pairs whose extract differed from expected.jsonl.
	Mismatches int64 `json:"mismatches"`
	// Every change extract file was made (one per subscriber and day).
	ChangeExtractFiles         int64 `json:"change_extract_files"`
	ChangeExtractFilesExpected int64 `json:"change_extract_files_expected"`
	OK                         bool  `json:"ok"`
}

func environment(extracts string) Environment {
	e := Environment{Go: runtime.Version(), Cores: runtime.NumCPU(), OS: runtime.GOOS, Arch: runtime.GOARCH, Extracts: extracts}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				e.CPU = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	return e
}

// cpuSeconds is the processor time the process has spent, user and
// system, 0 if unknown.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// peakRSS is the process's peak resident set size (VmHWM), 0 if unknown.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

func latencyOf(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	q := func(f float64) float64 {
		i := min(len(s)-1, int(f*float64(len(s))))
		return float64(s[i]) / float64(time.Millisecond)
	}
	return Latency{P50: round3(q(0.50)), P99: round3(q(0.99)), Max: round3(float64(s[len(s)-1]) / float64(time.Millisecond))}
}

func round3(f float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', 3, 64), 64)
	return v
}

// peerReport is what Merge reads from a peer's report.
type peerReport struct {
	System      string  `json:"system"`
	Version     string  `json:"version"`
	WallSeconds float64 `json:"wall_seconds"`
	Phases      map[string]struct {
		Seconds float64 `json:"seconds"`
	} `json:"phases"`
}

// Merge stores a peer's report (JSON, the shape of README.md "The peer's
// report") under Peer and sets the ratios: peer seconds / our seconds.
func (r *Report) Merge(peer []byte) error {
	var p peerReport
	if err := json.Unmarshal(peer, &p); err != nil {
		return fmt.Errorf("bench: peer report: %w", err)
	}
	r.Peer = json.RawMessage(peer)
	r.Ratio = map[string]float64{}
	ours := map[string]*Phase{"load": &r.Phases.Load, "changes": &r.Phases.Changes,
		"change_extracts": &r.Phases.ChangeExtracts, "status_extracts": &r.Phases.StatusExtracts}
	for name, ph := range ours {
		pp, ok := p.Phases[name]
		if !ok || ph.Seconds <= 0 || pp.Seconds <= 0 {
			ph.Ratio = nil
			continue
		}
		v := round3(pp.Seconds / ph.Seconds)
		ph.Ratio = &v
		r.Ratio[name] = v
	}
	if p.WallSeconds > 0 && r.WallSeconds > 0 {
		r.Ratio["wall"] = round3(p.WallSeconds / r.WallSeconds)
	}
	return nil
}

// ReadReport reads a report file.
func ReadReport(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r := &Report{}
	if err := json.Unmarshal(b, r); err != nil {
		return nil, fmt.Errorf("bench: %s: %w", path, err)
	}
	return r, nil
}

// Write writes the report to path.
func (r *Report) Write(path string) error { return writeJSON(path, r) }

// Table prints the report as a table, with the peer's figures beside ours
// when merged.
func (r *Report) Table(w io.Writer) {
	var peer struct {
		System string `json:"system"`
		Phases map[string]struct {
			Seconds float64 `json:"seconds"`
		} `json:"phases"`
		WallSeconds float64 `json:"wall_seconds"`
	}
	hasPeer := len(r.Peer) > 0 && json.Unmarshal(r.Peer, &peer) == nil
	fmt.Fprintf(w, "simulated year, scale %g (%s, %d cores, %s)\n", r.Scale, r.Environment.Go, r.Environment.Cores, r.Environment.CPU)
	if hasPeer {
		fmt.Fprintf(w, "%-16s %10s %12s %14s %10s %8s\n", "phase", "seconds", "count", "per second", peer.System, "ratio")
	} else {
		fmt.Fprintf(w, "%-16s %10s %12s %14s\n", "phase", "seconds", "count", "per second")
	}
	row := func(name, key string, ph Phase, count int64, unit string) {
		rate := ""
		if ph.Seconds > 0 {
			rate = fmt.Sprintf("%.0f %s/s", float64(count)/ph.Seconds, unit)
		}
		fmt.Fprintf(w, "%-16s %10.1f %12d %14s", name, ph.Seconds, count, rate)
		if hasPeer {
			if pp, ok := peer.Phases[key]; ok {
				fmt.Fprintf(w, " %10.1f", pp.Seconds)
				if ph.Ratio != nil {
					fmt.Fprintf(w, " %7.2fx", *ph.Ratio)
				}
			}
		}
		fmt.Fprintln(w)
	}
	row("load", "load", r.Phases.Load, r.Phases.Load.Persons, "persons")
	row("changes", "changes", r.Phases.Changes, r.Phases.Changes.Changes, "changes")
	row("change extracts", "change_extracts", r.Phases.ChangeExtracts, r.Phases.ChangeExtracts.Records, "records")
	row("status extracts", "status_extracts", r.Phases.StatusExtracts, r.Phases.StatusExtracts.Records, "records")
	fmt.Fprintf(w, "%-16s %10.1f", "whole year", r.WallSeconds)
	if hasPeer && peer.WallSeconds > 0 {
		fmt.Fprintf(w, " %12s %14s %10.1f %7.2fx", "", "", peer.WallSeconds, r.Ratio["wall"])
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "changes %d (%.0f/s), commit latency p50 %.2f ms p99 %.2f ms\n", r.Changes, r.ChangesPerSecond, r.CommitLatencyMS.P50, r.CommitLatencyMS.P99)
	fmt.Fprintf(w, "extract records %d (%.0f/s), %.1f GiB (%s), peak RSS %.2f GiB\n", r.ExtractRecords, r.ExtractRecordsPerSecond,
		float64(r.ExtractBytes)/(1<<30), r.Environment.Extracts, float64(r.PeakRSSBytes)/(1<<30))
	ok := "ok"
	if !r.Checks.OK {
		ok = "FAILED"
	}
	fmt.Fprintf(w, "checks %s: %d/%d changes applied, journal %d, change extract persons %d/%d, status extract persons %d/%d, %d mismatches\n",
		ok, r.Checks.ChangesApplied, r.Changes, r.Checks.JournalLength, r.Checks.ChangeExtractPersons, r.Checks.ChangeExtractPersonsExpected,
		r.Checks.StatusExtractPersons, r.Checks.StatusExtractPersonsExpected, r.Checks.Mismatches)
}
