package p12170

import (
	"bytes"
	"testing"
	"time"
)

var (
	benchStatus = time.Date(2019, 3, 14, 9, 30, 0, 0, time.UTC)
	benchMoved  = time.Date(2021, 8, 1, 12, 0, 0, 0, time.UTC)
)

// build001ByName writes a full 001 and 002 record the simple way: field
// names looked up per call.
func build001ByName(b *Builder, buf []byte) []byte {
	b.Reset("001")
	b.Set("PNR", "0101901234").
		Set("PNRGAELD", "0101901234").
		SetInt("STATUS", 1).
		SetTime("STATUSHAENSTART", benchStatus).
		Set("STATUSDTO_UMRK", "").
		Set("KOEN", "K").
		SetDate("FOED_DT", 1990, time.January, 1).
		Set("FOED_DT_UMRK", "").
		SetDate("START_DT-PERSON", 1990, time.January, 1).
		Set("START_DT_UMRK-PERSON", "").
		SetDate("SLUT_DT-PERSON", 0, 0, 0).
		Set("SLUT_DT_UMRK-PERSON", "").
		Set("STILLING", "Sygeplejerske")
	buf = b.AppendTo(buf)

	b.Reset("002")
	b.Set("PNR", "0101901234").
		SetInt("KOMKOD", 751).
		SetInt("VEJKOD", 1234).
		Set("HUSNR", "12B").
		Set("ETAGE", "st").
		Set("SIDEDOER", "th").
		Set("BNR", "").
		Set("CONVN", "c/o Søren Ørsted").
		SetTime("TILFLYDTO", benchMoved).
		Set("TILFLYDT_UMRK", "").
		SetTime("TILFLYKOMDTO", benchMoved).
		Set("TILFLYKOMDT_UMRK", "").
		SetInt("FRAFLYKOMKOD", 101).
		SetTime("FRAFLYKOMDTO", benchMoved).
		Set("FRAFLYKOMDT_UMRK", "").
		SetInt("START_MYNKOD-ADRTXT", 0).
		Set("ADR1-SUPLADR", "Åbyhøj").
		Set("ADR2-SUPLADR", "").
		Set("ADR3-SUPLADR", "").
		Set("ADR4-SUPLADR", "").
		Set("ADR5-SUPLADR", "").
		SetDate("START_DT-ADRTXT", 2021, time.August, 1).
		SetDate("SLET_DT-ADRTXT", 0, 0, 0)
	return b.AppendTo(buf)
}

// idx resolves field names once, as an extract writer's hot loop would.
type idx struct {
	pnr, pnrGaeld, status, statusStart, statusUmrk, koen, foed, foedUmrk, start, startUmrk, slut, slutUmrk, stilling int
	a2                                                                                                               [23]int
}

func newIdx() *idx {
	r1, _ := Lookup("001")
	r2, _ := Lookup("002")
	x := &idx{
		pnr: r1.Index("PNR"), pnrGaeld: r1.Index("PNRGAELD"), status: r1.Index("STATUS"),
		statusStart: r1.Index("STATUSHAENSTART"), statusUmrk: r1.Index("STATUSDTO_UMRK"), koen: r1.Index("KOEN"),
		foed: r1.Index("FOED_DT"), foedUmrk: r1.Index("FOED_DT_UMRK"), start: r1.Index("START_DT-PERSON"),
		startUmrk: r1.Index("START_DT_UMRK-PERSON"), slut: r1.Index("SLUT_DT-PERSON"),
		slutUmrk: r1.Index("SLUT_DT_UMRK-PERSON"), stilling: r1.Index("STILLING"),
	}
	for i, name := range []string{"PNR", "KOMKOD", "VEJKOD", "HUSNR", "ETAGE", "SIDEDOER", "BNR", "CONVN",
		"TILFLYDTO", "TILFLYDT_UMRK", "TILFLYKOMDTO", "TILFLYKOMDT_UMRK", "FRAFLYKOMKOD", "FRAFLYKOMDTO",
		"FRAFLYKOMDT_UMRK", "START_MYNKOD-ADRTXT", "ADR1-SUPLADR", "ADR2-SUPLADR", "ADR3-SUPLADR",
		"ADR4-SUPLADR", "ADR5-SUPLADR", "START_DT-ADRTXT", "SLET_DT-ADRTXT"} {
		x.a2[i] = r2.Index(name)
	}
	return x
}

func build001ByIndex(b *Builder, x *idx, buf []byte) []byte {
	b.Reset("001")
	b.SetAt(x.pnr, "0101901234").
		SetAt(x.pnrGaeld, "0101901234").
		SetIntAt(x.status, 1).
		SetTimeAt(x.statusStart, benchStatus).
		SetAt(x.statusUmrk, "").
		SetAt(x.koen, "K").
		SetDateAt(x.foed, 1990, time.January, 1).
		SetAt(x.foedUmrk, "").
		SetDateAt(x.start, 1990, time.January, 1).
		SetAt(x.startUmrk, "").
		SetDateAt(x.slut, 0, 0, 0).
		SetAt(x.slutUmrk, "").
		SetAt(x.stilling, "Sygeplejerske")
	buf = b.AppendTo(buf)

	a := &x.a2
	b.Reset("002")
	b.SetAt(a[0], "0101901234").
		SetIntAt(a[1], 751).
		SetIntAt(a[2], 1234).
		SetAt(a[3], "12B").
		SetAt(a[4], "st").
		SetAt(a[5], "th").
		SetAt(a[6], "").
		SetAt(a[7], "c/o Søren Ørsted").
		SetTimeAt(a[8], benchMoved).
		SetAt(a[9], "").
		SetTimeAt(a[10], benchMoved).
		SetAt(a[11], "").
		SetIntAt(a[12], 101).
		SetTimeAt(a[13], benchMoved).
		SetAt(a[14], "").
		SetIntAt(a[15], 0).
		SetAt(a[16], "Åbyhøj").
		SetAt(a[17], "").
		SetAt(a[18], "").
		SetAt(a[19], "").
		SetAt(a[20], "").
		SetDateAt(a[21], 2021, time.August, 1).
		SetDateAt(a[22], 0, 0, 0)
	return b.AppendTo(buf)
}

func TestBenchBuildersAgree(t *testing.T) {
	byName := build001ByName(New("001"), nil)
	byIndex := build001ByIndex(New("001"), newIdx(), nil)
	if !bytes.Equal(byName, byIndex) || len(byName) != 106+1+306+1 {
		t.Fatalf("builders disagree:\n%q\n%q", byName, byIndex)
	}
	for _, line := range bytes.Split(bytes.TrimSuffix(byName, []byte("\n")), []byte("\n")) {
		if _, err := Parse(line); err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkBuild001 builds a full 001 and a full 002 record per iteration
// and appends both to a reused buffer, as a status extract does 60 million
// times.
func BenchmarkBuild001(b *testing.B) {
	report := func(b *testing.B, n int, bytesPer int) {
		records := float64(2 * n)
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/records, "ns/record")
		b.ReportMetric(records/b.Elapsed().Seconds(), "records/s")
		b.ReportMetric(float64(bytesPer)/2, "bytes/record")
	}
	b.Run("ByName", func(b *testing.B) {
		bld := New("001")
		buf := make([]byte, 0, 1024)
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			buf = build001ByName(bld, buf[:0])
			n++
		}
		report(b, n, len(buf))
	})
	b.Run("ByIndex", func(b *testing.B) {
		bld := New("001")
		x := newIdx()
		buf := make([]byte, 0, 1024)
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			buf = build001ByIndex(bld, x, buf[:0])
			n++
		}
		report(b, n, len(buf))
	})
}

func BenchmarkParse001(b *testing.B) {
	line := build001ByName(New("001"), nil)[:106]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(line); err != nil {
			b.Fatal(err)
		}
	}
}
