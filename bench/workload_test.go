package bench

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"cpr/address"
	"cpr/population"
	"cpr/register"
)

// TestPopulationCSV: population.csv reads back into exactly the persons
// written.
func TestPopulationCSV(t *testing.T) {
	dir := t.TempDir()
	roads := address.Demo()
	m := newModel(3000)
	if err := writePopulation(context.Background(), filepath.Join(dir, FilePopulation), m, 3000, 5, roads); err != nil {
		t.Fatal(err)
	}
	var want []*register.Person
	for p := range population.Generate(population.Config{Persons: 3000, Seed: 5, Roads: roads, Today: PopulationToday}) {
		want = append(want, p)
	}
	var perr error
	n := 0
	for p := range readPopulation(dir, &perr) {
		w := want[n]
		if len(w.Children) == 0 {
			w.Children = nil
		}
		if len(w.Protections) == 0 {
			w.Protections = nil
		}
		if !reflect.DeepEqual(p, w) {
			t.Fatalf("person %d:\n got %+v\nwant %+v", n, p, w)
		}
		n++
	}
	if perr != nil || n != len(want) {
		t.Fatalf("read %d of %d persons: %v", n, len(want), perr)
	}
	if len(m.ps) != 3000 {
		t.Errorf("model holds %d persons", len(m.ps))
	}
}

// TestBadWorkload: a workload that is missing or damaged is refused with
// ErrWorkload, naming the file and line.
func TestBadWorkload(t *testing.T) {
	dir := t.TempDir()
	if _, err := Run(context.Background(), RunConfig{Workload: dir}); err == nil {
		t.Fatal("ran a workload without files")
	}
	wl := filepath.Join(dir, "w")
	if _, err := Gen(context.Background(), GenConfig{Out: wl, Scale: 0.001, Subscribers: 130, Days: 3, Marks: 500}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(wl, FileChanges), []byte(`{"seq":1,"day":"2025-01-02","kind":"move","pnr":"123","body":{}}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Run(context.Background(), RunConfig{Workload: wl})
	if err == nil {
		t.Fatal("ran a damaged changes.jsonl")
	}
	if got := err.Error(); !errors.Is(err, ErrWorkload) || !strings.Contains(got, "changes.jsonl") || !strings.Contains(got, "line 1") {
		t.Errorf("error %q does not say where", got)
	}
}
