package register

import (
	"context"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"cpr/date"
	"cpr/pnr"
)

// scanned is one person and its history as a scan gave them.
type scanned struct {
	p    *Person
	hist []Entry
}

func scanAll(t *testing.T, scan func(fn func(*Person, []Entry) bool) error) []scanned {
	t.Helper()
	var out []scanned
	if err := scan(func(p *Person, h []Entry) bool {
		out = append(out, scanned{p, append([]Entry(nil), h...)})
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// busyFixture is a register with persons whose histories have moves
// (some ahead of time), name changes, marriages, protections that end,
// and corrections.
func busyFixture(t *testing.T) *fixture {
	f := openFixture(t)
	rng := rand.New(rand.NewPCG(3, 4))
	var ps []pnr.PNR
	for i := range 40 {
		birth := date.Date(19500101).AddDays(rng.IntN(365 * 60))
		ps = append(ps, f.immigrant(birth, pnr.Sex(1+i%2), "Hansen", 101, i))
	}
	today := f.today()
	for i, p := range ps {
		switch i % 5 {
		case 0:
			f.apply(Move{PNR: p, Effective: today.AddDays(-30), Address: f.addr(751, i)})
			res := f.apply(Move{PNR: p, Effective: today.AddDays(-10), Address: f.addr(461, i)})
			f.apply(Correction{PNR: p, Fact: FactAddress, Target: res.Seq, Address: ptr(f.addr(461, i+1))})
		case 1:
			f.apply(Move{PNR: p, Effective: today.AddDays(20), Address: f.addr(751, i)}) // ahead of time
		case 2:
			f.apply(NameChange{PNR: p, Effective: today.AddDays(-5), Name: Name{First: "Ny", Last: "Navnesen"}})
			f.apply(ProtectionChange{PNR: p, Type: ProtectNameAddress, On: true, Effective: today.AddDays(-3), End: today.AddDays(10)})
		case 3:
			if i+1 < len(ps) {
				f.apply(Marriage{PNR: p, Spouse: ps[i+1], Effective: today.AddDays(-2)})
			}
		}
	}
	f.clock.Advance(24 * time.Hour)
	return f
}

func ptr[T any](v T) *T { return &v }

func TestViewScanRanges(t *testing.T) {
	f := busyFixture(t)
	all := scanAll(t, func(fn func(*Person, []Entry) bool) error { return f.r.Scan(0, true, fn) })
	if len(all) != 40 {
		t.Fatalf("%d persons scanned, want 40", len(all))
	}
	v := f.r.View()
	defer v.Close()
	for _, cut := range []pnr.PNR{all[0].p.PNR, all[17].p.PNR, all[39].p.PNR + 1} {
		lo := scanAll(t, func(fn func(*Person, []Entry) bool) error { return v.Scan(0, cut, true, fn) })
		hi := scanAll(t, func(fn func(*Person, []Entry) bool) error { return v.Scan(cut, 0, true, fn) })
		if got := append(lo, hi...); !reflect.DeepEqual(got, all) {
			t.Fatalf("ranges cut at %d give %d persons (or other ones), whole scan %d", cut, len(got), len(all))
		}
	}
	if got := f.r.Today(); got != f.today() {
		t.Fatalf("Today %v, clock says %v", got, f.today())
	}
}

// AtNow gives what At gives, for stored records in force and not.
func TestAtNow(t *testing.T) {
	f := busyFixture(t)
	today := f.today()
	fast := 0
	for _, s := range scanAll(t, func(fn func(*Person, []Entry) bool) error { return f.r.Scan(0, true, fn) }) {
		for _, at := range []date.Date{today.AddDays(-400), today.AddDays(-7), today, today.AddDays(15), today.AddDays(40)} {
			want, wantOK := At(s.p, s.hist, at, time.Time{})
			got, gotOK := AtNow(s.p.Clone(), s.hist, at)
			if gotOK != wantOK {
				t.Fatalf("%v on %v: ok %v, At says %v", s.p.PNR, at, gotOK, wantOK)
			}
			if !wantOK {
				continue
			}
			if !needsReplay(s.p, at) {
				fast++
			}
			got.open = want.open // storage metadata, not a fact
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%v on %v:\n got %+v\nwant %+v", s.p.PNR, at, got, want)
			}
		}
	}
	if fast == 0 {
		t.Fatal("no stored record was in force: the fast path went untested")
	}
}

// AppendHistoryView gives what historyView gives, on real histories and
// on random ones.
func TestAppendHistoryView(t *testing.T) {
	f := busyFixture(t)
	check := func(h []Entry) {
		t.Helper()
		want := historyView(h)
		got := AppendHistoryView([]Entry{{Seq: 99}}, h)
		if len(got) != len(want)+1 || got[0].Seq != 99 || !reflect.DeepEqual(got[1:], want) {
			t.Fatalf("history %+v:\n got %+v\nwant %+v", h, got[1:], want)
		}
	}
	plain := 0
	for _, s := range scanAll(t, func(fn func(*Person, []Entry) bool) error { return f.r.Scan(0, true, fn) }) {
		check(s.hist)
		if plainHistory(s.hist) {
			plain++
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	facts := []Fact{FactStatus, FactName, FactAddress, FactCivil, FactProtection, FactCitizenship, FactChild}
	for range 2000 {
		var h []Entry
		for i := range 1 + rng.IntN(8) {
			e := Entry{Seq: uint64(rng.IntN(4)), Ord: uint8(i), Fact: facts[rng.IntN(len(facts))],
				From: date.Date(20200101).AddDays(rng.IntN(1000)), Protection: Protection(1 + rng.IntN(3))}
			if rng.IntN(8) == 0 {
				e.Marker, e.Target = MarkCorrects, uint64(rng.IntN(4))
			} else if rng.IntN(12) == 0 {
				e.Marker, e.Target = MarkAnnuls, uint64(rng.IntN(4))
			}
			h = append(h, e)
		}
		if plainHistory(h) {
			plain++
		}
		check(h)
	}
	if plain == 0 {
		t.Fatal("no plain history: the fast path went untested")
	}
}

// ScanNames gives the names and the in-force test of Scan's records, and
// peekNames reads every record it is given without falling back.
func TestScanNames(t *testing.T) {
	f := busyFixture(t)
	today := f.today()
	all := scanAll(t, func(fn func(*Person, []Entry) bool) error { return f.r.Scan(0, false, fn) })
	mother := all[0].p
	f.apply(Birth{Mother: mother.PNR, BirthDate: today.AddDays(-1), Sex: pnr.Female, Name: Name{First: "Lille"}})
	for _, s := range all[1:] { // the first who may emigrate today
		if _, err := f.r.Apply(context.Background(), Emigration{PNR: s.p.PNR, Effective: today, Foreign: Foreign{Country: 5110, Lines: []string{"Storgata 1", "Oslo"}}}, Meta{Actor: "test"}); err == nil {
			break
		}
	}
	all = scanAll(t, func(fn func(*Person, []Entry) bool) error { return f.r.Scan(0, false, fn) })
	v := f.r.View()
	defer v.Close()
	for _, on := range []date.Date{today.AddDays(-400), today, today.AddDays(15), today.AddDays(40)} {
		i := 0
		if err := v.ScanNames(0, 0, on, func(p pnr.PNR, last, addressing []byte, inForce bool) bool {
			q := all[i].p
			if p != q.PNR || string(last) != q.Name.Last || string(addressing) != q.Name.Addressing || inForce != q.InForce(on) {
				t.Fatalf("on %v: %v %q %q %v; Scan has %v %q %q %v", on, p, last, addressing, inForce, q.PNR, q.Name.Last, q.Name.Addressing, q.InForce(on))
			}
			i++
			return true
		}); err != nil {
			t.Fatal(err)
		}
		if i != len(all) {
			t.Fatalf("%d names, %d persons", i, len(all))
		}
	}
	kinds := map[string]bool{}
	for _, s := range all {
		q := s.p
		v2 := appendPerson(nil, q)
		v1 := append([]byte{1}, v2[1:len(v2)-dateLen]...)
		for _, b := range [][]byte{v1, v2} {
			p, last, addressing, inForce, ok := peekNames(b, today)
			if !ok || p != q.PNR || string(last) != q.Name.Last || string(addressing) != q.Name.Addressing || inForce != q.InForce(today) {
				t.Fatalf("version %d of %v: ok %v", b[0], q.PNR, ok)
			}
			if pk, _ := peekPerson(b, today); pk.kommune != q.Kommune() || pk.birth != q.BirthDate {
				t.Fatalf("version %d of %v: kommune %d, born %v; decoded %d, %v", b[0], q.PNR, pk.kommune, pk.birth, q.Kommune(), q.BirthDate)
			}
		}
		kinds["children"] = kinds["children"] || len(q.Children) > 0
		kinds["foreign"] = kinds["foreign"] || len(q.Residence.Foreign.Lines) > 0
		kinds["protection"] = kinds["protection"] || len(q.Protections) > 0
		kinds["not in force"] = kinds["not in force"] || !q.InForce(today)
	}
	if len(kinds) != 4 || !kinds["children"] || !kinds["foreign"] || !kinds["protection"] || !kinds["not in force"] {
		t.Fatalf("the records lack some shapes: %v", kinds)
	}
	if _, _, _, _, ok := peekNames(append(appendPerson(nil, all[0].p), 0), today); ok {
		t.Fatal("a record with a trailing byte read as known")
	}
}

// ScanWhere passes exactly the records Scan passes that the filter keeps,
// and every record not in force on the filter's day, histories and all.
func TestScanWhere(t *testing.T) {
	f := busyFixture(t)
	today := f.today()
	v := f.r.View()
	defer v.Close()
	kept, skippedAll := 0, 0
	for _, withHistory := range []bool{false, true} {
		all := scanAll(t, func(fn func(*Person, []Entry) bool) error { return v.Scan(0, 0, withHistory, fn) })
		kommune := all[len(all)/2].p.Kommune()
		for _, on := range []date.Date{today.AddDays(-400), today, today.AddDays(40)} {
			keep := func(p pnr.PNR, k uint16, birth date.Date) bool { return k == kommune || birth.Year()%3 == 0 }
			var want []scanned
			skipped := 0
			for _, s := range all {
				if !s.p.InForce(on) || keep(s.p.PNR, s.p.Kommune(), s.p.BirthDate) {
					want = append(want, s)
				} else {
					skipped++
				}
			}
			got := scanAll(t, func(fn func(*Person, []Entry) bool) error {
				return v.ScanWhere(0, 0, withHistory, ScanFilter{On: on, Keep: keep}, fn)
			})
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("history %v, on %v: %d records, want %d", withHistory, on, len(got), len(want))
			}
			kept += len(want)
			skippedAll += skipped
		}
	}
	if kept == 0 || skippedAll == 0 {
		t.Fatalf("the filter kept %d and skipped %d: a case went untested", kept, skippedAll)
	}
}
