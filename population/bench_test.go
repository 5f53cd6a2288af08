package population

import (
	"runtime"
	"testing"
)

// BenchmarkGenerate generates 1,000,000 persons per iteration and reports
// persons/s (run with GOMAXPROCS=1 for one core).
func BenchmarkGenerate(b *testing.B) {
	const persons = 1_000_000
	theModel() // calibrated once per process, not per population
	n := 0
	for b.Loop() {
		for range Generate(Config{Persons: persons, Seed: 1}) {
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "persons/s")
}

// BenchmarkCalibrate is the one-off cost of the household model.
func BenchmarkCalibrate(b *testing.B) {
	for b.Loop() {
		calibrate()
	}
}

// TestBoundedMemory checks that generating keeps only the household at
// hand: 200,000 persons would hold over 70 MB.
func TestBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 200,000 persons")
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	i := 0
	for range Generate(Config{Persons: 200_000, Seed: 1}) {
		if i++; i%40_000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > base {
				peak = max(peak, ms.HeapAlloc-base)
			}
		}
	}
	t.Logf("live heap grew by at most %d KB", peak>>10)
	if peak > 24<<20 {
		t.Fatalf("live heap grew by %d MB while generating", peak>>20)
	}
}
