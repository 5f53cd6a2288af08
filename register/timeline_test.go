package register

import (
	"math/rand/v2"
	"slices"
	"testing"

	"cpr/date"
)

// TestSortEntries checks the position sort against a plain stable sort of
// the entries, on lists with many equal keys.
func TestSortEntries(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{2, 3, 7, 12, 40, 255, 256, 300} {
		for round := range 50 {
			in := make([]Entry, n)
			for i := range in {
				in[i] = Entry{Seq: uint64(rng.IntN(4)), Ord: uint8(i), From: date.Date(20000101).AddDays(rng.IntN(5)),
					Fact: Fact(1 + rng.IntN(3))}
			}
			want := slices.Clone(in)
			slices.SortStableFunc(want, func(a, b Entry) int { return entryLess(&a, &b) })
			got := slices.Clone(in)
			sortEntries(got)
			if !slices.EqualFunc(got, want, func(a, b Entry) bool { return a.Seq == b.Seq && a.Ord == b.Ord && a.From == b.From }) {
				t.Fatalf("n=%d round %d: sortEntries differs from a stable sort", n, round)
			}
		}
	}
}
