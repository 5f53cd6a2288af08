package register_test

import (
	"context"
	"flag"
	"iter"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
	"cpr/population"
	"cpr/register"
)

var benchPersons = flag.Int("bench.persons", 200_000, "population size for the register benchmarks (6000000 for the full country)")

// simplePopulation is n single adults spread over every kommune: enough for
// storage benchmarks, without the families of package population.
func simplePopulation(n int, seed uint64) iter.Seq[*register.Person] {
	return func(yield func(*register.Person) bool) {
		roads := address.Demo()
		ks := address.Kommuner()
		rng := rand.New(rand.NewPCG(seed, 1))
		used := map[pnr.PNR]bool{}
		for i := 0; i < n; i++ {
			birth := date.Date(19300101).AddDays(rng.IntN(365 * 90))
			sex := pnr.Sex(1 + rng.IntN(2))
			no, err := pnr.Allocate(birth.Time(), sex, func(p pnr.PNR) bool { return used[p] })
			if err != nil {
				panic(err)
			}
			used[no] = true
			a := roads.RandomAddress(rng, ks[rng.IntN(len(ks))].Code)
			moved := birth.AddDays(rng.IntN(int(date.Date(20250101).Time().Sub(birth.Time()).Hours()/24) + 1))
			p := &register.Person{
				PNR: no, Status: register.StatusActive, StatusFrom: birth, Sex: sex, BirthDate: birth,
				Name:        register.Name{First: "Jens", Middle: "Peter", Last: "Hansen", Addressing: "Hansen,Jens Peter", From: birth},
				Residence:   register.Residence{Address: a, From: moved},
				Civil:       register.CivilState{Code: register.CivilUnmarried, From: birth},
				Citizenship: 5100, CitizenFrom: birth,
			}
			if !yield(p) {
				return
			}
		}
	}
}

func openBench(b *testing.B, n int) (*register.Register, []pnr.PNR) {
	b.Helper()
	r, err := register.Open(b.TempDir(), register.Options{CacheBytes: 512 << 20})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close() })
	var pnrs []pnr.PNR
	pop := func(yield func(*register.Person) bool) {
		for p := range simplePopulation(n, 7) {
			pnrs = append(pnrs, p.PNR)
			if !yield(p) {
				return
			}
		}
	}
	if _, err := r.Load(context.Background(), pop); err != nil {
		b.Fatal(err)
	}
	return r, pnrs
}

// BenchmarkLoad is the bulk load of a synthetic population (package
// population: families, names, ages and addresses like Denmark's):
// records, history and index entries through sstable ingestion. The
// population is generated while it loads, as "cpr load" does, so the rate
// is conservative: the generator shares the processors. (Generating it
// first would hold millions of persons in the heap, and the garbage
// collector marking them would slow the load more than the generator
// does.) Reports persons/s.
func BenchmarkLoad(b *testing.B) {
	n := *benchPersons
	for range b.N {
		b.StopTimer()
		r, err := register.Open(b.TempDir(), register.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		st, err := r.Load(context.Background(), population.Generate(population.Config{Persons: n, Seed: 7}))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(st.Persons)/time.Since(start).Seconds(), "persons/s")
		b.ReportMetric(float64(st.Bytes)/float64(st.Persons), "bytes/person")
		b.ReportMetric(st.Encode.Seconds(), "encode-s")
		b.ReportMetric(st.Write.Seconds(), "write-s")
		b.ReportMetric(st.Ingest.Seconds(), "ingest-s")
		b.StopTimer()
		r.Close()
		b.StartTimer()
	}
}

// BenchmarkMoves is single-person moves with synced commits from 64
// goroutines. Reports moves/s.
func BenchmarkMoves(b *testing.B) {
	r, pnrs := openBench(b, *benchPersons)
	roads := r.Roads()
	today := date.InCopenhagen(time.Now())
	ks := address.Kommuner()
	var next atomic.Int64
	var failed atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	per := b.N/64 + 1
	for g := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 2))
			for range per {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				c := register.Move{PNR: pnrs[rng.IntN(len(pnrs))], Effective: today,
					Address: roads.RandomAddress(rng, ks[rng.IntN(len(ks))].Code)}
				if _, err := r.Apply(context.Background(), c, register.Meta{Actor: "bench"}); err != nil {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	b.ReportMetric(float64(b.N)/el.Seconds(), "moves/s")
	st := r.Stats()
	if st.Commits > 0 {
		b.ReportMetric(float64(st.Changes)/float64(st.Commits), "changes/commit")
	}
	if f := failed.Load(); f > int64(b.N)/100 {
		b.Fatalf("%d of %d moves refused", f, b.N)
	}
}

// BenchmarkGet is point lookups of the current person from one goroutine.
func BenchmarkGet(b *testing.B) {
	r, pnrs := openBench(b, *benchPersons)
	rng := rand.New(rand.NewPCG(3, 3))
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if _, err := r.Get(pnrs[rng.IntN(len(pnrs))]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "lookups/s")
}
