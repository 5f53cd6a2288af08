package extract

import (
	"context"
	"flag"
	"iter"
	"testing"
	"time"

	"cpr/date"
	"cpr/population"
	"cpr/register"
	"cpr/subscription"
)

var benchPersons = flag.Int("bench.persons", 100_000, "population size for the status extract benchmark (6000000 for the full country)")

// countWriter discards what it is given and counts the bytes.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// BenchmarkStatusExtract is a whole-population status extract in P12170
// for a public subscriber with every record in scope (the floor:
// 6 million persons in 60 s under 512 MiB). Reports persons/s, records/s
// and MB/s of output. Run the full country with
// -args -bench.persons=6000000.
func BenchmarkStatusExtract(b *testing.B) {
	n := *benchPersons
	x := benchExtractor(b, population.Generate(population.Config{Persons: n, Seed: 1}),
		subscription.Subscriber{ID: "all", Name: "Everyone", Kind: subscription.Public, TaskNumber: 1})
	var err error
	today := date.InCopenhagen(time.Now())
	var st Stats
	var bytes int64
	b.ResetTimer()
	for b.Loop() {
		w := &countWriter{}
		if st, err = x.Status(context.Background(), "all", today, P12170, w, nil); err != nil {
			b.Fatal(err)
		}
		bytes += w.n
	}
	if st.Persons != n {
		b.Fatalf("%d persons in the extract, want %d", st.Persons, n)
	}
	s := b.Elapsed().Seconds()
	b.ReportMetric(float64(st.Persons)*float64(b.N)/s, "persons/s")
	b.ReportMetric(float64(st.Records)*float64(b.N)/s, "records/s")
	b.ReportMetric(float64(bytes)/s/1e6, "MB/s")
}

// BenchmarkStatusExtractMarks is the status extract of a bank's circle
// of marks (every 10th person of the population, at most 20,000), P12170
// with every record in scope: the kind of status extract the simulated
// year takes twice a day. Reports persons/s.
func BenchmarkStatusExtractMarks(b *testing.B) {
	n := *benchPersons
	var marks []subscription.Mark
	i := 0
	pop := func(yield func(*register.Person) bool) {
		for p := range population.Generate(population.Config{Persons: n, Seed: 1}) {
			if i++; i%10 == 0 && len(marks) < 20_000 {
				marks = append(marks, subscription.Mark{PNR: p.PNR})
			}
			if !yield(p) {
				return
			}
		}
	}
	x := benchExtractor(b, pop, subscription.Subscriber{ID: "bank", Name: "Bank", Kind: subscription.Public, TaskNumber: 1,
		Circle: subscription.Circle{Marks: true}})
	if _, err := x.Subs.AddMarks("bank", marks); err != nil {
		b.Fatal(err)
	}
	var err error
	today := date.InCopenhagen(time.Now())
	var st Stats
	b.ResetTimer()
	for b.Loop() {
		if st, err = x.Status(context.Background(), "bank", today, P12170, &countWriter{}, nil); err != nil {
			b.Fatal(err)
		}
	}
	if st.Persons != len(marks) {
		b.Fatalf("%d persons in the extract, want %d", st.Persons, len(marks))
	}
	b.ReportMetric(float64(st.Persons)*float64(b.N)/b.Elapsed().Seconds(), "persons/s")
}

// benchExtractor loads persons into a new register and adds sub with
// every record in its scope.
func benchExtractor(b *testing.B, persons iter.Seq[*register.Person], sub subscription.Subscriber) *Extractor {
	reg, err := register.Open(b.TempDir(), register.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { reg.Close() })
	if _, err := reg.Load(context.Background(), persons); err != nil {
		b.Fatal(err)
	}
	subs, err := subscription.Open(reg, nil)
	if err != nil {
		b.Fatal(err)
	}
	if sub.Scope, err = subscription.ParseScope([]string{"person", "address", "clear_address", "protection", "name", "civil_status", "children", "parents", "history"}); err != nil {
		b.Fatal(err)
	}
	if sub.Kind == subscription.Research {
		sub.Scope &^= subscription.ResearchRefused
	}
	if _, _, err := subs.Put(sub); err != nil {
		b.Fatal(err)
	}
	return &Extractor{Reg: reg, Subs: subs}
}

// BenchmarkStatusExtractResearch is a whole-population status extract in
// JSON Lines for a research subscriber (civil status in scope): every
// pnr a pseudonym, every date a month, the persons sorted by pseudonym
// (in runs on disk beyond DefaultSortBytes). Reports persons/s.
func BenchmarkStatusExtractResearch(b *testing.B) {
	n := *benchPersons
	x := benchExtractor(b, population.Generate(population.Config{Persons: n, Seed: 1}),
		subscription.Subscriber{ID: "uni", Name: "Research", Kind: subscription.Research, TaskNumber: 1, Scope: subscription.ScopeCivil})
	x.TempDir = b.TempDir()
	today := date.InCopenhagen(time.Now())
	var st Stats
	var err error
	for b.Loop() {
		if st, err = x.Status(context.Background(), "uni", today, JSONL, &countWriter{}, nil); err != nil {
			b.Fatal(err)
		}
	}
	if st.Persons != n {
		b.Fatalf("%d persons in the extract, want %d", st.Persons, n)
	}
	b.ReportMetric(float64(st.Persons)*float64(b.N)/b.Elapsed().Seconds(), "persons/s")
}
