package pnr_test

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"cpr/pnr"
)

// randomLines returns n lines of 10 random digits.
func randomLines(n int) []byte {
	r := rand.New(rand.NewPCG(3, 4))
	buf := make([]byte, 0, n*11)
	for range n {
		for range 10 {
			buf = append(buf, byte('0'+r.IntN(10)))
		}
		buf = append(buf, '\n')
	}
	return buf
}

func BenchmarkCheckLines(b *testing.B) {
	const lines = 100_000
	in := randomLines(lines)
	b.SetBytes(int64(len(in)))
	n := 0
	for b.Loop() {
		if err := pnr.CheckLines(bytes.NewReader(in), io.Discard); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n*lines)/b.Elapsed().Seconds(), "lines/s")
}

func BenchmarkParse(b *testing.B) {
	inputs := []string{"0707614285", "070761-4285", " 290200-4002 ", "290200-0002"}
	for b.Loop() {
		for _, s := range inputs {
			pnr.Parse(s)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(inputs)), "ns/parse")
}

func BenchmarkAllocate(b *testing.B) {
	birth := time.Date(1965, time.January, 1, 0, 0, 0, 0, time.UTC)
	mod11Taken := func(p pnr.PNR) bool { return p.Mod11() }
	b.Run("free", func(b *testing.B) {
		for b.Loop() {
			pnr.Allocate(birth, pnr.Male, nil)
		}
	})
	b.Run("mod11 exhausted", func(b *testing.B) {
		for b.Loop() {
			pnr.Allocate(birth, pnr.Male, mod11Taken)
		}
	})
}
