package subscription

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"cpr/date"
	"cpr/pnr"
	"cpr/register"
)

func openTest(t *testing.T) (*Registry, *register.Register) {
	t.Helper()
	dir := t.TempDir()
	reg, err := register.Open(dir, register.Options{CacheBytes: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	r, err := Open(reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r, reg
}

func ids(ds []Delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Sub.ID)
	}
	return out
}

func TestRoute(t *testing.T) {
	r, reg := openTest(t)
	anna := pnr.MustParse("0101801234")  // born 1980
	baby := pnr.MustParse("0101254012")  // born 2025 (7th digit 4)
	other := pnr.MustParse("0202902345") // born 1990
	subs := []Subscriber{
		{ID: "all", Name: "Authority", Kind: Public, TaskNumber: 1},
		{ID: "k0101", Name: "København", Kind: Public, TaskNumber: 2, Circle: Circle{Kommuner: []uint16{101}}},
		{ID: "k0751", Name: "Aarhus", Kind: Public, TaskNumber: 3, Circle: Circle{Kommuner: []uint16{751}}},
		{ID: "bank", Name: "Bank", Kind: Private, TaskNumber: 4},
		{ID: "deaths", Name: "Pensions", Kind: Public, TaskNumber: 5, Circle: Circle{Kinds: []register.Kind{register.KindDeath}}},
		{ID: "young", Name: "Schools", Kind: Public, TaskNumber: 6, Circle: Circle{AgeMax: 17}},
		{ID: "marked-0751", Name: "Union", Kind: Public, TaskNumber: 7, Circle: Circle{Kommuner: []uint16{751}, Marks: true}},
	}
	for _, s := range subs {
		if _, _, err := r.Put(s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.AddMarks("bank", []Mark{{anna, "K-1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddMarks("marked-0751", []Mark{{other, ""}}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, date.Copenhagen)
	for _, tc := range []struct {
		name string
		ev   register.Event
		want []string
	}{
		{"move between kommuner reaches both", register.Event{Kind: register.KindMove, PNR: anna, KommuneFrom: 101, KommuneTo: 751},
			[]string{"all", "bank", "k0101", "k0751", "marked-0751"}},
		{"move within 0101", register.Event{Kind: register.KindMove, PNR: other, KommuneFrom: 101, KommuneTo: 101},
			[]string{"all", "k0101", "marked-0751"}},
		{"death reaches the deaths-only subscriber", register.Event{Kind: register.KindDeath, PNR: anna, KommuneFrom: 101},
			[]string{"all", "bank", "deaths", "k0101"}},
		{"a child reaches the age-bounded subscriber", register.Event{Kind: register.KindBirth, PNR: baby, KommuneTo: 461},
			[]string{"all", "young"}},
		{"related persons are routed by their own kommune", register.Event{Kind: register.KindMarriage, PNR: baby, KommuneTo: 461, Related: []pnr.PNR{anna}},
			[]string{"all", "bank", "k0751", "marked-0751", "young"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.ev.Registered = now
			got := ids(r.Router().Route(&tc.ev, func(pnr.PNR) uint16 { return 751 }))
			if !slices.Equal(got, tc.want) {
				t.Fatalf("route = %v, want %v", got, tc.want)
			}
		})
	}
	// Only the touched persons in a subscriber's circle are delivered.
	ev := register.Event{Kind: register.KindMarriage, PNR: other, KommuneFrom: 461, KommuneTo: 461, Related: []pnr.PNR{anna}, Registered: now}
	for _, d := range r.Router().Route(&ev, func(pnr.PNR) uint16 { return 461 }) {
		if d.Sub.ID == "bank" && !slices.Equal(d.PNRs, []pnr.PNR{anna}) {
			t.Fatalf("bank gets %v, want only its marked person", d.PNRs)
		}
	}
	// Persistence: reopen gives the same routing, marks and keys.
	r2, err := Open(reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, n, err := r2.Get("bank"); err != nil || n != 1 {
		t.Fatalf("bank after reopen: %d marks, %v", n, err)
	}
	if k, ok := r2.CustomerKey("bank", anna); !ok || k != "K-1" {
		t.Fatalf("customer key %q %v", k, ok)
	}
	if err := r2.RemoveMark("bank", anna); err != nil {
		t.Fatal(err)
	}
	if err := r2.RemoveMark("bank", anna); !errors.Is(err, ErrNoMark) {
		t.Fatalf("second removal: %v", err)
	}
	got := ids(r2.Router().Route(&register.Event{Kind: register.KindMove, PNR: anna, KommuneFrom: 461, KommuneTo: 461, Registered: now}, nil))
	if slices.Contains(got, "bank") {
		t.Fatalf("removed mark still routed: %v", got)
	}
}

func TestPutValidation(t *testing.T) {
	r, _ := openTest(t)
	for _, tc := range []struct {
		name  string
		s     Subscriber
		field string
	}{
		{"bad id", Subscriber{ID: "Bad Id", Name: "x", Kind: Public, TaskNumber: 1}, "id"},
		{"no name", Subscriber{ID: "a", Kind: Public, TaskNumber: 1}, "name"},
		{"bad kind", Subscriber{ID: "a", Name: "x", Kind: "bank", TaskNumber: 1}, "kind"},
		{"task number", Subscriber{ID: "a", Name: "x", Kind: Public, TaskNumber: 1_000_000}, "task_number"},
		{"age", Subscriber{ID: "a", Name: "x", Kind: Public, TaskNumber: 1, Circle: Circle{AgeMin: 30, AgeMax: 20}}, "circle.age"},
		{"kommune", Subscriber{ID: "a", Name: "x", Kind: Public, TaskNumber: 1, Circle: Circle{Kommuner: []uint16{9999}}}, "circle.kommuner"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := r.Put(tc.s)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want field %s", err, tc.field)
			}
		})
	}
	if _, _, err := r.Put(Subscriber{ID: "bank", Name: "Bank", Kind: Private, TaskNumber: 9}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddMarks("bank", []Mark{{PNR: pnr.MustParse("0101801234")}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("private mark without key: %v", err)
	}
	if _, err := r.AddMarks("nobody", nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown subscriber: %v", err)
	}
	// Replacing a subscriber keeps its research secret.
	s1, _, _ := r.Put(Subscriber{ID: "uni", Name: "Uni", Kind: Research, TaskNumber: 3})
	s2, created, _ := r.Put(Subscriber{ID: "uni", Name: "Uni 2", Kind: Research, TaskNumber: 3})
	if created || s1.Secret != s2.Secret || s1.Secret == ([32]byte{}) {
		t.Fatalf("secret not kept across replace")
	}
}

// BenchmarkRoute routes one move with 1,000 subscribers and 10 million
// marks: a few whole-country authorities, 98 kommuner, banks with marks.
func BenchmarkRoute(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	var subs []*Subscriber
	add := func(s Subscriber) { subs = append(subs, &s) }
	for i := range 5 {
		add(Subscriber{ID: "auth" + itoa(i), Kind: Public})
	}
	kommuner := []uint16{101, 147, 151, 153, 157, 159, 161, 163, 165, 167, 169, 173, 175, 183, 185, 187, 190, 201, 210, 217,
		219, 223, 230, 240, 250, 253, 259, 260, 265, 269, 270, 306, 316, 320, 326, 329, 330, 336, 340, 350, 360, 370, 376, 390,
		400, 410, 420, 430, 440, 450, 461, 479, 480, 482, 492, 510, 530, 540, 550, 561, 563, 573, 575, 580, 607, 615, 621, 630,
		657, 661, 665, 671, 706, 707, 710, 727, 730, 740, 741, 746, 751, 756, 760, 766, 773, 779, 787, 791, 810, 813, 820, 825,
		840, 846, 849, 851, 860}
	for _, k := range kommuner {
		add(Subscriber{ID: "k" + itoa(int(k)), Kind: Public, Circle: Circle{Kommuner: []uint16{k}}})
	}
	for i := 0; len(subs) < 1000; i++ {
		add(Subscriber{ID: "bank" + itoa(i), Kind: Private})
	}
	ix := buildIndex(subs)
	pnrs := make([]pnr.PNR, 0, 6_000_000)
	for len(pnrs) < cap(pnrs) {
		d := date.Date(19400101).AddDays(rng.IntN(80 * 365))
		p, err := pnr.New(d.Time(), rng.IntN(4000))
		if err == nil {
			pnrs = append(pnrs, p)
		}
	}
	// 10 million marks by the banks over 6 million persons.
	var banks []int32
	for i, s := range ix.subs {
		if s.Kind == Private {
			banks = append(banks, int32(i))
		}
	}
	marks := make([]uint64, 0, 10_000_000)
	for len(marks) < 10_000_000 {
		slot := banks[rng.IntN(len(banks))]
		marks = append(marks, uint64(pnrs[rng.IntN(len(pnrs))])<<slotBits|uint64(slot))
	}
	slices.Sort(marks)
	ix.marks = slices.Compact(marks)
	rt := &Router{ix: ix, at: map[int32]int{}}
	evs := make([]register.Event, 1024)
	for i := range evs {
		evs[i] = register.Event{Kind: register.KindMove, PNR: pnrs[rng.IntN(len(pnrs))],
			KommuneFrom: kommuner[rng.IntN(len(kommuner))], KommuneTo: kommuner[rng.IntN(len(kommuner))], Registered: time.Now()}
	}
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := range b.N {
		n += len(rt.Route(&evs[i%len(evs)], nil))
	}
	b.ReportMetric(float64(n)/float64(b.N), "deliveries/change")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "µs/change")
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// TestResearchScope: a research subscriber cannot be given a scope that
// names, locates or links a person; each is refused alone, naming the
// field, matching ErrNotAllowed and not ErrInvalid, and nothing is stored.
// What it may have is kept, and Allowed drops the refused scopes of a
// subscriber stored before the rule.
func TestResearchScope(t *testing.T) {
	r, _ := openTest(t)
	for _, name := range []string{"name", "address", "clear_address", "parents", "children", "protection"} {
		t.Run(name, func(t *testing.T) {
			scope, err := ParseScope([]string{"civil_status", name})
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = r.Put(Subscriber{ID: "uni-" + strings.ReplaceAll(name, "_", "-"), Name: "Uni", Kind: Research, TaskNumber: 3, Scope: scope})
			var fe *FieldError
			if !errors.Is(err, ErrNotAllowed) || errors.Is(err, ErrInvalid) || !errors.As(err, &fe) || fe.Field != "scope" || !strings.Contains(fe.Reason, name) {
				t.Fatalf("research with %s: %v", name, err)
			}
			if _, _, err := r.Get("uni-" + strings.ReplaceAll(name, "_", "-")); !errors.Is(err, ErrNotFound) {
				t.Fatalf("a refused subscriber was stored: %v", err)
			}
			// The same scope is fine for public and private subscribers.
			for _, k := range []Kind{Public, Private} {
				if _, _, err := r.Put(Subscriber{ID: "ok", Name: "Ok", Kind: k, TaskNumber: 4, Scope: scope}); err != nil {
					t.Fatalf("%s with %s: %v", k, name, err)
				}
			}
		})
	}
	ok, _ := ParseScope([]string{"civil_status", "history"})
	s, _, err := r.Put(Subscriber{ID: "uni", Name: "Uni", Kind: Research, TaskNumber: 3, Scope: ok})
	if err != nil || s.Allowed() != ok {
		t.Fatalf("research with civil_status and history: %v, allowed %v", err, s.Allowed().Names())
	}
	all, _ := ParseScope([]string{"address", "clear_address", "protection", "name", "civil_status", "children", "parents", "history"})
	old := Subscriber{Kind: Research, Scope: all}
	if got := old.Allowed(); got != ok {
		t.Fatalf("a research subscriber stored with every scope is allowed %v", got.Names())
	}
	bank := Subscriber{Kind: Private, Scope: ScopePerson}
	if !bank.Allowed().Has(ScopeProtection) {
		t.Fatal("a private subscriber is not always given the protections")
	}
}
