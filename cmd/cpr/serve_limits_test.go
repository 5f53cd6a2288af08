package main

import (
	"io"
	"testing"
	"time"

	"cpr/api"
	"cpr/events"
)

// TestServeRelayStallAfter: how long the event stream may lag before
// /readyz answers 503 comes from the flag, else CPR_RELAY_STALL_AFTER,
// else the relay's default.
func TestServeRelayStallAfter(t *testing.T) {
	for _, tc := range []struct {
		name, env string
		args      []string
		want      time.Duration
	}{
		{"default", "", nil, events.DefaultStallAfter},
		{"environment", "2m", nil, 2 * time.Minute},
		{"bad environment", "soon", nil, events.DefaultStallAfter},
		{"flag first", "2m", []string{"-relay-stall-after", "45s"}, 45 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CPR_RELAY_STALL_AFTER", tc.env)
			fs, c := serveFlags(io.Discard)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			if c.relayStallAfter != tc.want {
				t.Errorf("stall after %v, want %v", c.relayStallAfter, tc.want)
			}
		})
	}
}

// TestServeStatusExtractLimits: the limits of status extracts come from
// flags, else CPR_ environment variables, else the API's defaults; -1 is
// no limit.
func TestServeStatusExtractLimits(t *testing.T) {
	for _, tc := range []struct {
		name      string
		env       map[string]string
		args      []string
		wantJobs  int
		wantBytes int64
	}{
		{"defaults", nil, nil, api.DefaultStatusExtractJobs, api.DefaultStatusExtractBytes},
		{"environment", map[string]string{"CPR_STATUS_EXTRACT_JOBS": "1", "CPR_STATUS_EXTRACT_BYTES": "-1"}, nil, 1, -1},
		{"flags first", map[string]string{"CPR_STATUS_EXTRACT_JOBS": "1"},
			[]string{"-status-extract-jobs", "4", "-status-extract-bytes", "1000000"}, 4, 1_000_000},
		{"bad environment", map[string]string{"CPR_STATUS_EXTRACT_BYTES": "lots"}, nil, api.DefaultStatusExtractJobs, api.DefaultStatusExtractBytes},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CPR_STATUS_EXTRACT_JOBS", "")
			t.Setenv("CPR_STATUS_EXTRACT_BYTES", "")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			fs, c := serveFlags(io.Discard)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			if c.extractJobs != tc.wantJobs || c.extractBytes != tc.wantBytes {
				t.Errorf("jobs %d bytes %d, want %d %d", c.extractJobs, c.extractBytes, tc.wantJobs, tc.wantBytes)
			}
		})
	}
}
