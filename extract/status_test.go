package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
	"cpr/register"
	"cpr/subscription"
)

// busy applies a few hundred random changes to the fixture's population:
// moves (some ahead of time), name changes, marriages, divorces, deaths,
// protections, corrections, emigrations. Changes the rules refuse are
// left out.
func (f *fixture) busy() {
	f.t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	roads, ks := address.Demo(), address.Kommuner()
	today := date.InCopenhagen(f.clock.Now())
	var moves []uint64
	for range 600 {
		p, other := f.persons[rng.IntN(len(f.persons))], f.persons[rng.IntN(len(f.persons))]
		eff := today.AddDays(rng.IntN(400) - 300)
		var ch register.Change
		switch rng.IntN(9) {
		case 0, 1, 2:
			ch = register.Move{PNR: p.PNR, Effective: eff, Address: roads.RandomAddress(rng, ks[rng.IntN(len(ks))].Code)}
		case 3:
			ch = register.NameChange{PNR: p.PNR, Effective: eff, Name: register.Name{First: "Ny", Last: "Navnesen"}}
		case 4:
			ch = register.Marriage{PNR: p.PNR, Spouse: other.PNR, Effective: eff}
		case 5:
			ch = register.Divorce{PNR: p.PNR, Effective: eff}
		case 6:
			ch = register.Death{PNR: p.PNR, Effective: eff}
		case 7:
			end := date.Date(0)
			if rng.IntN(2) == 0 {
				end = eff.AddDays(1 + rng.IntN(200))
			}
			ch = register.ProtectionChange{PNR: p.PNR, Type: register.Protection(1 + rng.IntN(3)), On: rng.IntN(3) > 0, Effective: eff, End: end}
		case 8:
			if len(moves) == 0 {
				continue
			}
			ev, err := f.reg.Event(moves[rng.IntN(len(moves))])
			if err != nil {
				f.t.Fatal(err)
			}
			a := roads.RandomAddress(rng, ks[rng.IntN(len(ks))].Code)
			ch = register.Correction{PNR: ev.PNR, Fact: register.FactAddress, Target: ev.Seq, Annul: rng.IntN(3) == 0, Address: &a}
		}
		res, err := f.reg.Apply(context.Background(), ch, register.Meta{Actor: "test"})
		f.clock.set(f.clock.Now().Add(time.Minute))
		if err == nil && ch.Kind() == register.KindMove {
			moves = append(moves, res.Seq)
		}
	}
	f.clock.set(f.clock.Now().Add(24 * time.Hour))
	if len(moves) < 50 {
		f.t.Fatalf("only %d moves went through", len(moves))
	}
}

// statusOneByOne is the status extract of a scanned circle the simple
// way, as it was made before the parallel scan: one pass, every person's
// history folded, relatives' names read one by one.
func (x *Extractor) statusOneByOne(id string, on date.Date, f Format, w *bytes.Buffer) (Stats, error) {
	sub, err := x.subscriber(id, f)
	if err != nil {
		return Stats{}, err
	}
	ids := x.identity(sub)
	now := time.Now()
	out := x.newOutput(f, w, sub, x.names(on, time.Time{}), ids, on)
	if err := out.begin(header{kind: "status", sub: sub, day: on, production: date.InCopenhagen(now)}); err != nil {
		return Stats{}, err
	}
	withHistory := sub.Scope.Has(subscription.ScopeHistory) || on != date.InCopenhagen(now)
	var werr error
	err = x.Reg.Scan(0, withHistory, func(stored *register.Person, hist []register.Entry) bool {
		p := stored
		if !withHistory && !p.InForce(on) {
			var err error
			if p, err = x.Reg.AsOf(stored.PNR, on, time.Time{}); err != nil {
				return true
			}
		} else if withHistory {
			var ok bool
			if p, ok = register.At(stored, hist, on, time.Time{}); !ok {
				return true
			}
		}
		if !x.Subs.InCircle(sub, p, on) {
			return true
		}
		name, ok := ids.of(p.PNR)
		if !ok {
			return true
		}
		ps := &person{id: name, p: p}
		if sub.Scope.Has(subscription.ScopeHistory) {
			ps.history = register.HistoryView(hist)
		}
		werr = out.person(ps)
		return werr == nil
	})
	if err = errors.Join(err, werr); err != nil {
		return Stats{}, err
	}
	return out.end()
}

// withoutStart drops the start record, which carries today's date.
func withoutStart(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[i+1:]
	}
	return b
}

// The parallel status extract writes what the simple one-by-one pass
// writes, whatever the circle, scope, format and day, and however much of
// the relatives' names the name table holds.
func TestStatusSameAsOneByOne(t *testing.T) {
	f := newFixture(t)
	f.busy()
	all, _ := subscription.ParseScope([]string{"person", "address", "clear_address", "protection", "name", "civil_status", "children", "parents", "history"})
	some, _ := subscription.ParseScope([]string{"address", "name", "civil_status", "parents"})
	f.put(subscription.Subscriber{ID: "all", Name: "A", Kind: subscription.Public, TaskNumber: 1, Scope: all})
	f.put(subscription.Subscriber{ID: "some", Name: "S", Kind: subscription.Public, TaskNumber: 2, Scope: some})
	f.put(subscription.Subscriber{ID: "kbh", Name: "K", Kind: subscription.Public, TaskNumber: 3, Scope: all,
		Circle: subscription.Circle{Kommuner: []uint16{101, 751}, AgeMin: 20, AgeMax: 60}})
	f.put(subscription.Subscriber{ID: "uni", Name: "U", Kind: subscription.Research, TaskNumber: 4, Scope: all &^ subscription.ResearchRefused})
	f.put(subscription.Subscriber{ID: "marked", Name: "M", Kind: subscription.Public, TaskNumber: 5, Scope: all,
		Circle: subscription.Circle{Marks: true, AgeMin: 10}})
	var marks []subscription.Mark
	for i := 0; i < len(f.persons); i += 3 { // a few pieces of marks (markPiece)
		marks = append(marks, subscription.Mark{PNR: f.persons[i].PNR})
	}
	if n, err := f.x.Subs.AddMarks("marked", marks); err != nil || n < 2*markPiece {
		t.Fatalf("%d marks: %v", n, err)
	}
	today := date.InCopenhagen(time.Now())
	budgets := map[string]int64{
		"whole table": 0,
		"no table":    1,
		"part table":  4*(pnrDays+1) + nameBlock + 12_000,
	}
	for name, budget := range budgets {
		f.x.NameTableBytes = budget
		ids, fms := []string{"all", "some", "kbh", "uni", "marked"}, []Format{P12170, JSONL, CSV}
		if budget != 0 {
			ids, fms = ids[:2], fms[:1] // the names are in P12170 only
			tab, err := f.x.buildNameTable(context.Background(), f.reg.View(), pnrRanges(len(f.persons)), 2)
			if err != nil || !tab.partial || (budget > 1 && tab.serial.n == 0) {
				t.Fatalf("%s: %v, partial %v, %d names", name, err, tab.partial, tab.serial.n)
			}
		}
		for _, id := range ids {
			for _, fm := range fms {
				days := []date.Date{today, date.InCopenhagen(f.clock.Now()), today.AddDays(-200), today.AddDays(60)}
				if testing.Short() {
					days = days[2:3] // a past day, which folds histories; make test-long runs all four
				}
				for _, on := range days {
					if id == "uni" { // a research subscriber's is monthly
						on = date.MustNew(on.Year(), on.Month(), 1)
					}
					t.Run(fmt.Sprintf("%s/%s/%s/%v", name, id, fm, on), func(t *testing.T) {
						var want, got bytes.Buffer
						wantSt, err := f.x.statusOneByOne(id, on, fm, &want)
						if err != nil {
							t.Fatal(err)
						}
						gotSt, err := f.x.Status(context.Background(), id, on, fm, &got, nil)
						if err != nil {
							t.Fatal(err)
						}
						if !bytes.Equal(withoutStart(got.Bytes()), withoutStart(want.Bytes())) {
							t.Fatalf("%d bytes, one by one %d: the extracts differ", got.Len(), want.Len())
						}
						if last := f.x.Reg.LastSeq(); gotSt.Seq != last {
							t.Fatalf("extract at change %d, the register at %d", gotSt.Seq, last)
						}
						wantSt.Bytes, gotSt.Bytes, gotSt.Seq = 0, 0, 0
						if gotSt != wantSt || gotSt.Persons == 0 {
							t.Fatalf("stats %+v, one by one %+v", gotSt, wantSt)
						}
					})
				}
			}
		}
	}
}

// The name table holds every person's addressing name as Get gives it,
// also when its dictionary of words is full.
func TestNameTable(t *testing.T) {
	f := newFixture(t)
	f.busy()
	for _, words := range []int{maxWords, 40} {
		view := f.reg.View()
		tab := newNameTable()
		tab.maxWords = words
		ranges := pnrRanges(len(f.persons))
		var buf []byte
		for i := range len(ranges) - 1 {
			if err := view.Scan(ranges[i], ranges[i+1], false, func(p *register.Person, _ []register.Entry) bool {
				q, err := f.reg.Get(p.PNR)
				if err == nil && q.Name.Last != "" {
					buf = append(buf[:0], q.Name.Addressing...)
					tab.add(p.PNR, buf)
				}
				return true
			}); err != nil {
				t.Fatal(err)
			}
		}
		view.Close()
		tab.close()
		built, err := f.x.buildNameTable(context.Background(), f.reg.View(), ranges, 2)
		if err != nil {
			t.Fatal(err)
		}
		var fell atomic.Int32
		fallback := func(p pnr.PNR) (register.Name, bool) { fell.Add(1); return register.Name{}, false }
		for _, lookup := range []func(pnr.PNR) (register.Name, bool){tab.lookup(fallback), built.lookup(fallback)} {
			for _, p := range f.persons {
				want, wantOK := f.x.names(0, time.Time{})(p.PNR)
				got, ok := lookup(p.PNR)
				if ok != wantOK || got.Addressing != want.Addressing {
					t.Fatalf("%d words: %q %v, Get gives %q %v", words, got.Addressing, ok, want.Addressing, wantOK)
				}
			}
			if _, ok := lookup(f.persons[0].PNR + 1); ok {
				t.Fatal("a name for a pnr nobody has")
			}
		}
		if fell.Load() != 0 {
			t.Fatalf("the whole table fell back %d times", fell.Load())
		}
		if words < maxWords && len(tab.words) != words {
			t.Fatalf("%d words in the dictionary, want %d (then written out)", len(tab.words), words)
		}
	}
}

// A status extract stops at a write error or when its context ends, and
// says so.
func TestStatusStops(t *testing.T) {
	f := newFixture(t)
	scope, _ := subscription.ParseScope([]string{"name", "civil_status", "parents"})
	f.put(subscription.Subscriber{ID: "all", Name: "A", Kind: subscription.Public, TaskNumber: 1, Scope: scope})
	today := date.InCopenhagen(time.Now())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.x.Status(ctx, "all", today, P12170, &bytes.Buffer{}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	broken := errors.New("disk full")
	if _, err := f.x.Status(context.Background(), "all", today, P12170, failingWriter{broken}, nil); !errors.Is(err, broken) {
		t.Fatalf("write error: %v", err)
	}
	var seen []int
	st, err := f.x.Status(context.Background(), "all", today, P12170, &bytes.Buffer{}, func(n int) { seen = append(seen, n) })
	if err != nil || len(seen) == 0 || seen[len(seen)-1] != st.Persons {
		t.Fatalf("progress %v, %d persons, %v", seen, st.Persons, err)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] < seen[i-1] {
			t.Fatalf("progress went back: %v", seen)
		}
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

// inOrder hands the pieces over in order however long each takes, and
// stops at the first error.
func TestInOrder(t *testing.T) {
	var sink atomic.Int64
	work := func(_, i int, buf []byte) ([]byte, Stats, error) {
		k := 0
		for j := range rand.IntN(50_000) { // vary the finishing order
			k += j
		}
		sink.Add(int64(k))
		if i == 700 {
			return buf, Stats{}, errors.New("piece 700")
		}
		return append(buf, fmt.Sprintf("%d,", i)...), Stats{Persons: 1}, nil
	}
	var got bytes.Buffer
	n := 0
	err := inOrder(context.Background(), 500, 3, work, func(b []byte, st Stats) error {
		got.Write(b)
		n += st.Persons
		return nil
	})
	var want bytes.Buffer
	for i := range 500 {
		fmt.Fprintf(&want, "%d,", i)
	}
	if err != nil || n != 500 || got.String() != want.String() {
		t.Fatalf("%v, %d pieces, in order: %v", err, n, got.String() == want.String())
	}
	written := 0
	err = inOrder(context.Background(), 1000, 3, work, func([]byte, Stats) error { written++; return nil })
	if err == nil || err.Error() != "piece 700" || written != 700 {
		t.Fatalf("error %v after %d pieces, want piece 700 after 700", err, written)
	}
	written = 0
	err = inOrder(context.Background(), 1000, 3, work, func([]byte, Stats) error {
		if written++; written == 10 {
			return errStop
		}
		return nil
	})
	if err != nil || written != 10 {
		t.Fatalf("stopped: %v after %d", err, written)
	}
}

// The address fields records 002, 003 and 023 are made of equal
// address.Fixed's, trimmed.
func TestAddressFieldsAsFixed(t *testing.T) {
	roads := address.Demo()
	rng := rand.New(rand.NewPCG(7, 8))
	ks := address.Kommuner()
	for _, s := range []string{"", " ", "12", "12B ", " 7", "Åbyhøj", "\u00a0x\u00a0", "a\u00a0", "æøåæøåæøåæøåæøå", "1234567890123456789012345678901234567890"} {
		for _, w := range []int{1, 2, 4, 34} {
			if got, want := trimmedAlpha(s, w), strings.TrimSpace(address.PadAlpha(s, w)); got != want {
				t.Fatalf("trimmedAlpha(%q, %d) = %q, want %q", s, w, got, want)
			}
		}
	}
	check := func(a address.Address) {
		t.Helper()
		fx := roads.Fixed(a)
		r, ok := roads.Lookup(a.Kommunekode, a.Vejkode)
		if got, want := standardAdr(roads, a, r, ok), strings.TrimSpace(fx.StandardAdr); got != want {
			t.Fatalf("%+v: STANDARDADR %q, Fixed %q", a, got, want)
		}
		if got, want := trimmedAlpha(r.By, address.WidthBynvn), strings.TrimSpace(fx.Bynvn); got != want {
			t.Fatalf("%+v: BYNVN %q, Fixed %q", a, got, want)
		}
		for _, f := range [][3]string{{a.Husnr, fx.Husnr, "4"}, {a.Etage, fx.Etage, "2"}, {a.Sidedoer, fx.Sidedoer, "4"}} {
			w := int(f[2][0] - '0')
			if got, want := trimmedAlpha(f[0], w), strings.TrimSpace(f[1]); got != want {
				t.Fatalf("%+v: %q, Fixed %q", a, got, want)
			}
		}
	}
	specials := 0
	for range 5000 {
		a := roads.RandomAddress(rng, ks[rng.IntN(len(ks))].Code)
		check(a)
		for _, r := range roads.InKommune(a.Kommunekode) {
			if r.Vejkode >= 9900 {
				check(address.Address{Kommunekode: a.Kommunekode, Vejkode: r.Vejkode})
				specials++
				break
			}
		}
		a.Etage, a.Sidedoer = []string{"", "st", "kl", "1", "12"}[rng.IntN(5)], []string{"", "tv", "th", "mf", "12"}[rng.IntN(5)]
		check(a)
		a.Vejkode = 9899 // no such road, most likely
		check(a)
	}
	if specials == 0 {
		t.Fatal("no special road checked")
	}
}

// The ranges of a parallel scan cover every pnr once, in order, and get
// finer as the population grows.
func TestPNRRanges(t *testing.T) {
	for _, persons := range []int{0, 3000, 6_000_000, 60_000_000} {
		b := pnrRanges(persons)
		if b[0] != 0 || b[len(b)-1] != 0 {
			t.Fatalf("%d persons: ranges from %v to %v, want 0 and open", persons, b[0], b[len(b)-1])
		}
		for i := 1; i < len(b)-1; i++ {
			if b[i] <= b[i-1] {
				t.Fatalf("%d persons: boundary %d (%v) not above %v", persons, i, b[i], b[i-1])
			}
		}
		if n := len(b) - 1; n < persons/(2*rangePersons) || (persons > 0 && n > 1+persons*2/rangePersons+1488) {
			t.Fatalf("%d persons in %d ranges", persons, n)
		}
	}
}

// A status extract of marks for a day before a child's birth does not
// list the child, also for a subscriber without the history scope (whose
// marked persons are read with one Get when the day is today).
func TestStatusMarkedBeforeBirth(t *testing.T) {
	f := newFixture(t)
	scope, _ := subscription.ParseScope([]string{"name", "children"})
	f.put(subscription.Subscriber{ID: "bank", Name: "B", Kind: subscription.Public, TaskNumber: 7, Scope: scope,
		Circle: subscription.Circle{Marks: true}})
	today := f.x.Reg.Today()
	born := today.AddDays(-5)
	var mother *register.Person
	for _, p := range f.persons {
		if p.Sex == pnr.Female && p.Status == register.StatusActive && p.BirthDate > 19850101 && p.BirthDate < 20000101 {
			mother = p
			break
		}
	}
	if mother == nil {
		t.Fatal("no mother in the population")
	}
	res, err := f.reg.Apply(context.Background(), register.Birth{Mother: mother.PNR, BirthDate: born, Sex: pnr.Male,
		Name: register.Name{First: "Ny"}}, register.Meta{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.x.Subs.AddMarks("bank", []subscription.Mark{{PNR: mother.PNR}}); err != nil {
		t.Fatal(err)
	}
	child := []byte(res.PNR.String())
	for _, tc := range []struct {
		on        date.Date
		withChild bool
	}{{born.AddDays(-1), false}, {born, true}, {today, true}} {
		var got, want bytes.Buffer
		if _, err := f.x.Status(context.Background(), "bank", tc.on, JSONL, &got, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := f.x.statusOneByOne("bank", tc.on, JSONL, &want); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(withoutStart(got.Bytes()), withoutStart(want.Bytes())) {
			t.Fatalf("%v: the extract differs from the one-by-one pass:\n%s\n%s", tc.on, got.Bytes(), want.Bytes())
		}
		if bytes.Contains(got.Bytes(), child) != tc.withChild {
			t.Fatalf("%v: the child listed: %v, want %v", tc.on, !tc.withChild, tc.withChild)
		}
	}
}
