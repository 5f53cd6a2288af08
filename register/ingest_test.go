package register

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func putKeys(keys ...string) func(put func(k, v []byte) error) error {
	return func(put func(k, v []byte) error) error {
		for _, k := range keys {
			if err := put([]byte(k), []byte("v-"+k)); err != nil {
				return err
			}
		}
		return nil
	}
}

func scanKeys(t *testing.T, r *Register) map[string]string {
	t.Helper()
	out := map[string]string{}
	if err := r.ScanRecords(SpaceMarks, nil, nil, false, func(k, v []byte) bool {
		out[string(k)] = string(v)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// Ingested records are read like written ones, replace them, survive a
// reopen, and keys out of order ingest nothing.
func TestIngestRecords(t *testing.T) {
	f := openFixture(t)
	if err := f.r.PutRecords(Record{Space: SpaceMarks, Key: []byte("b1"), Value: []byte("old")},
		Record{Space: SpaceMarks, Key: []byte("z"), Value: []byte("kept")}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := f.r.IngestRecords(ctx, SpaceMarks, putKeys("a1", "a2"), putKeys("b1", "b2", "b3"), putKeys()); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a1": "v-a1", "a2": "v-a2", "b1": "v-b1", "b2": "v-b2", "b3": "v-b3", "z": "kept"}
	check := func(when string) {
		got := scanKeys(t, f.r)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s: %v, want %v", when, got, want)
		}
	}
	check("after the ingest")
	f.reopen()
	check("after a reopen")

	for _, runs := range [][]func(func(k, v []byte) error) error{
		{putKeys("c1", "c3", "c2")},
		{putKeys("c1", "c1")},
		{putKeys("c1", "c2"), putKeys("d2", "d1")},
	} {
		err := f.r.IngestRecords(ctx, SpaceMarks, runs...)
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Fatalf("keys out of order: %v, want an InputError", err)
		}
		check("after a refused ingest")
	}
	stop := errors.New("the caller's own error")
	if err := f.r.IngestRecords(ctx, SpaceMarks, putKeys("e1"), func(func(k, v []byte) error) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("a run's error: %v", err)
	}
	check("after a failed run")
	if err := f.r.IngestRecords(ctx, Space('?'), putKeys("x")); !errors.Is(err, ErrInvalid) {
		t.Fatalf("unknown space: %v", err)
	}
}
