package subscription

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"testing"

	"cpr/pnr"
	"cpr/register"
)

type idMark struct {
	id string
	m  Mark
}

func seqOf(ms []idMark) iter.Seq2[string, Mark] {
	return func(yield func(string, Mark) bool) {
		for _, x := range ms {
			if !yield(x.id, x.m) {
				return
			}
		}
	}
}

// An import ends where AddMarks, one call per subscriber, ends: the same
// marks, keys, counts and routing index, before and after a reopen.
func TestImportMarksSameAsAddMarks(t *testing.T) {
	subs := []Subscriber{
		{ID: "bank", Name: "Bank", Kind: Private, TaskNumber: 1},
		{ID: "bank-2", Name: "Bank 2", Kind: Private, TaskNumber: 2},
		{ID: "union", Name: "Union", Kind: Public, TaskNumber: 3, Circle: Circle{Marks: true}},
	}
	rnd := rand.New(rand.NewPCG(7, 7))
	pnrs := make([]pnr.PNR, 400)
	for i := range pnrs {
		pnrs[i] = pnr.MustParse(fmt.Sprintf("%02d%02d80%04d", 1+i%28, 1+i/28%12, 1000+i))
	}
	mark := func(id string) idMark {
		k := ""
		if id != "union" || rnd.IntN(2) == 0 {
			k = fmt.Sprintf("K%d", rnd.IntN(1000))
		}
		return idMark{id, Mark{pnrs[rnd.IntN(len(pnrs))], k}}
	}
	var before, imported []idMark
	for range 150 {
		before = append(before, mark(subs[rnd.IntN(len(subs))].ID))
	}
	for _, s := range subs { // grouped by subscriber, as a file would be; pnrs repeat
		for range 300 {
			imported = append(imported, mark(s.ID))
		}
	}
	var regs [2]*Registry
	var fresh [2]int
	for i := range regs {
		r, _ := openTest(t)
		for _, s := range subs {
			if _, _, err := r.Put(s); err != nil {
				t.Fatal(err)
			}
		}
		for _, x := range before {
			if _, err := r.AddMarks(x.id, []Mark{x.m}); err != nil {
				t.Fatal(err)
			}
		}
		regs[i] = r
	}
	for _, s := range subs {
		var ms []Mark
		for _, x := range imported {
			if x.id == s.ID {
				ms = append(ms, x.m)
			}
		}
		n, err := regs[0].AddMarks(s.ID, ms)
		if err != nil {
			t.Fatal(err)
		}
		fresh[0] += n
	}
	n, err := regs[1].ImportMarks(context.Background(), seqOf(imported))
	if err != nil {
		t.Fatal(err)
	}
	fresh[1] = n
	if fresh[0] != fresh[1] || fresh[0] == 0 {
		t.Fatalf("new marks: AddMarks %d, ImportMarks %d", fresh[0], fresh[1])
	}
	reopened := func(r *Registry) *Registry {
		r2, err := Open(r.reg, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r2
	}
	for _, pair := range [][2]*Registry{regs, {reopened(regs[0]), reopened(regs[1])}} {
		if a, b := pair[0].ix.Load().marks, pair[1].ix.Load().marks; !slices.Equal(a, b) {
			t.Fatalf("routing index: %d marks against %d", len(a), len(b))
		}
		for _, s := range subs {
			var circles [2][]pnr.PNR
			for i, r := range pair {
				if err := r.Marked(s.ID, func(p pnr.PNR) bool { circles[i] = append(circles[i], p); return true }); err != nil {
					t.Fatal(err)
				}
				if _, n, _ := r.Get(s.ID); n != len(circles[i]) {
					t.Fatalf("%s: %d marks counted, %d stored", s.ID, n, len(circles[i]))
				}
			}
			if !slices.Equal(circles[0], circles[1]) {
				t.Fatalf("%s: circle %v, imported %v", s.ID, circles[0], circles[1])
			}
			for _, p := range circles[0] {
				k0, _ := pair[0].CustomerKey(s.ID, p)
				k1, _ := pair[1].CustomerKey(s.ID, p)
				if k0 != k1 {
					t.Fatalf("%s: customer key %q, imported %q", s.ID, k0, k1)
				}
			}
			for _, r := range pair { // the keys kept with the marks are the customer keys
				i := 0
				if err := r.MarkedKeys(s.ID, func(p pnr.PNR, key string) bool {
					if k, _ := r.CustomerKey(s.ID, p); p != circles[0][i] || key != k {
						t.Fatalf("%s: mark %d is %v %q, want %v %q", s.ID, i, p, key, circles[0][i], k)
					}
					i++
					return true
				}); err != nil || i != len(circles[0]) {
					t.Fatalf("%s: %d marks with keys, want %d (%v)", s.ID, i, len(circles[0]), err)
				}
			}
		}
	}
}

// A bad mark anywhere in an import imports nothing.
func TestImportMarksRefusesWhole(t *testing.T) {
	r, _ := openTest(t)
	if _, _, err := r.Put(Subscriber{ID: "bank", Name: "Bank", Kind: Private, TaskNumber: 1}); err != nil {
		t.Fatal(err)
	}
	anna, bo := pnr.MustParse("0101801234"), pnr.MustParse("0202902345")
	for _, tc := range []struct {
		ms    []idMark
		field string
	}{
		{[]idMark{{"bank", Mark{anna, "K1"}}, {"nobody", Mark{bo, "K2"}}}, "marks[1].subscriber"},
		{[]idMark{{"bank", Mark{anna, "K1"}}, {"bank", Mark{bo, ""}}}, "marks[1].key"},
		{[]idMark{{"bank", Mark{anna, "K1"}}, {"bank", Mark{bo, "K-too-long-1"}}}, "marks[1].key"},
		{[]idMark{{"bank", Mark{PNR: 0, Key: "K1"}}}, "marks[0].pnr"},
	} {
		_, err := r.ImportMarks(context.Background(), seqOf(tc.ms))
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Fatalf("import %v: %v, want a field error on %s", tc.ms, err, tc.field)
		}
		if _, n, _ := r.Get("bank"); n != 0 {
			t.Fatalf("%d marks after a refused import", n)
		}
		if _, ok := r.CustomerKey("bank", anna); ok {
			t.Fatal("a refused import stored a mark")
		}
	}
}

// Marks stored before the keys were kept with them still give their keys.
func TestMarkedKeysOldLayout(t *testing.T) {
	r, reg := openTest(t)
	if _, _, err := r.Put(Subscriber{ID: "bank", Name: "Bank", Kind: Private, TaskNumber: 1}); err != nil {
		t.Fatal(err)
	}
	anna := pnr.MustParse("0101801234")
	if _, err := r.AddMarks("bank", []Mark{{anna, "K-1"}}); err != nil {
		t.Fatal(err)
	}
	if err := reg.PutRecords(register.Record{Space: register.SpaceMarks, Key: markByIDKey("bank", anna)}); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := r.MarkedKeys("bank", func(p pnr.PNR, key string) bool { got = append(got, p.String()+" "+key); return true }); err != nil {
		t.Fatal(err)
	}
	if want := []string{anna.String() + " K-1"}; !slices.Equal(got, want) {
		t.Fatalf("marks %v, want %v", got, want)
	}
}

// sortMarks is a stable sort by pnr and slot.
func TestSortMarks(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	ms := make([]importMark, 5000)
	for i := range ms {
		p := uint64(rnd.IntN(50))*100_000_000 + uint64(rnd.IntN(3_000_000_000))
		ms[i] = importMark{packed: p<<slotBits | uint64(rnd.IntN(4)), klen: 2}
		ms[i].key[0], ms[i].key[1] = byte(i>>8), byte(i)
	}
	ms[10].packed, ms[20].packed = ms[30].packed, ms[30].packed // equal marks keep their order
	want := slices.Clone(ms)
	slices.SortStableFunc(want, func(a, b importMark) int { return cmp.Compare(a.packed, b.packed) })
	if got, _ := sortMarks(ms); !slices.Equal(got, want) {
		t.Fatal("sortMarks is not a stable sort by pnr and slot")
	}
}
