package extract

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"cpr/address"
	"cpr/date"
	"cpr/extract/p12170"
	"cpr/pnr"
	"cpr/population"
	"cpr/register"
	"cpr/subscription"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

type fixture struct {
	t       *testing.T
	reg     *register.Register
	subs    *subscription.Registry
	x       *Extractor
	clock   *clock
	persons []*register.Person
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	c := &clock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, date.Copenhagen)}
	reg, err := register.Open(t.TempDir(), register.Options{Clock: c.Now, CacheBytes: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	f := &fixture{t: t, reg: reg, clock: c}
	pop := population.Generate(population.Config{Persons: 3000, Seed: 9, Today: 20260301})
	if _, err := reg.Load(context.Background(), func(yield func(*register.Person) bool) {
		for p := range pop {
			f.persons = append(f.persons, p.Clone())
			if !yield(p) {
				return
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if f.subs, err = subscription.Open(reg, c.Now); err != nil {
		t.Fatal(err)
	}
	f.x = &Extractor{Reg: reg, Subs: f.subs}
	return f
}

func (f *fixture) put(s subscription.Subscriber) {
	f.t.Helper()
	if _, _, err := f.subs.Put(s); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) apply(c register.Change) register.Result {
	f.t.Helper()
	res, err := f.reg.Apply(context.Background(), c, register.Meta{Actor: "test"})
	if err != nil {
		f.t.Fatalf("%s: %v", c.Kind(), err)
	}
	f.clock.set(f.clock.Now().Add(time.Minute))
	return res
}

// resident returns active persons living in kommune k.
func (f *fixture) resident(k uint16, n int) []*register.Person {
	var out []*register.Person
	for _, p := range f.persons {
		if p.Status == register.StatusActive && p.Kommune() == k && p.BirthDate < 19900101 && p.Civil.Code.Free() {
			if out = append(out, p); len(out) == n {
				break
			}
		}
	}
	if len(out) < n {
		f.t.Fatalf("not enough residents of %04d", k)
	}
	return out
}

// endMonth moves the clock into the next month, so that the month of
// today's changes has ended, and returns its first day: the day of a
// research subscriber's monthly change extract.
func (f *fixture) endMonth() date.Date {
	day := date.InCopenhagen(f.clock.Now())
	month := date.MustNew(day.Year(), day.Month(), 1)
	f.clock.set(NextMonth(month).StartIn(date.Copenhagen).Add(10 * time.Hour))
	return month
}

func (f *fixture) extract(id string, day date.Date, fm Format) ([]byte, Stats) {
	f.t.Helper()
	var buf bytes.Buffer
	st, err := f.x.Change(context.Background(), id, day, fm, &buf)
	if err != nil {
		f.t.Fatalf("change extract %s: %v", id, err)
	}
	return buf.Bytes(), st
}

// parse reads a P12170 file, checking every line is exactly its record's
// length, and returns the parsed records.
func parse(t *testing.T, b []byte) []p12170.Parsed {
	t.Helper()
	var out []p12170.Parsed
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Bytes()
		pr, err := p12170.Parse(line)
		if err != nil {
			t.Fatalf("line %d: %v", len(out)+1, err)
		}
		rec, _ := p12170.Lookup(pr.Type)
		if len(line) != rec.Len {
			t.Fatalf("record %s is %d bytes, layout says %d", pr.Type, len(line), rec.Len)
		}
		out = append(out, pr)
	}
	return out
}

func types(rs []p12170.Parsed) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Type)
	}
	return out
}

func TestChangeExtract(t *testing.T) {
	f := newFixture(t)
	all := []string{"person", "address", "clear_address", "protection", "name", "civil_status", "children", "parents", "history"}
	scope, _ := subscription.ParseScope(all)
	f.put(subscription.Subscriber{ID: "auth", Name: "A", Kind: subscription.Public, TaskNumber: 11, Scope: scope})
	f.put(subscription.Subscriber{ID: "kbh", Name: "K", Kind: subscription.Public, TaskNumber: 12, Scope: scope, Circle: subscription.Circle{Kommuner: []uint16{101}}})
	f.put(subscription.Subscriber{ID: "aar", Name: "Å", Kind: subscription.Public, TaskNumber: 13, Scope: scope, Circle: subscription.Circle{Kommuner: []uint16{751}}})
	f.put(subscription.Subscriber{ID: "deaths", Name: "D", Kind: subscription.Public, TaskNumber: 14, Circle: subscription.Circle{Kinds: []register.Kind{register.KindDeath}}})
	f.put(subscription.Subscriber{ID: "bank", Name: "B", Kind: subscription.Private, TaskNumber: 15, Scope: scope})
	f.put(subscription.Subscriber{ID: "uni1", Name: "U1", Kind: subscription.Research, TaskNumber: 16, Scope: scope &^ subscription.ResearchRefused})
	f.put(subscription.Subscriber{ID: "uni2", Name: "U2", Kind: subscription.Research, TaskNumber: 17, Scope: scope &^ subscription.ResearchRefused})

	day := date.InCopenhagen(f.clock.Now())
	mover := f.resident(101, 1)[0]
	to := address.Address{Kommunekode: 751, Vejkode: address.Demo().InKommune(751)[3].Vejkode, Husnr: "7"}
	f.apply(register.Move{PNR: mover.PNR, Effective: day, Address: to})
	pair := f.resident(461, 3)
	f.apply(register.Marriage{PNR: pair[0].PNR, Spouse: pair[1].PNR, Effective: day})
	f.apply(register.Death{PNR: pair[2].PNR, Effective: day})
	f.apply(register.ProtectionChange{PNR: pair[0].PNR, Type: register.ProtectNameAddress, On: true, Effective: day})
	if _, err := f.subs.AddMarks("bank", []subscription.Mark{{PNR: pair[0].PNR, Key: "CUST-1"}, {PNR: mover.PNR, Key: "CUST-2"}}); err != nil {
		t.Fatal(err)
	}

	t.Run("a move between kommuner reaches both", func(t *testing.T) {
		for _, id := range []string{"kbh", "aar"} {
			b, st := f.extract(id, day, P12170)
			rs := parse(t, b)
			if st.Persons != 1 || rs[1].Fields["PNR"] != mover.PNR.String() {
				t.Fatalf("%s: %d persons, records %v", id, st.Persons, types(rs))
			}
			if got := rs[2]; got.Type != "002" || got.Fields["KOMKOD"] != "0751" {
				t.Fatalf("%s: address record %v", id, got)
			}
		}
	})
	t.Run("file layout and round trip", func(t *testing.T) {
		b, st := f.extract("auth", day, P12170)
		rs := parse(t, b)
		if rs[0].Type != "000" || rs[0].Fields["OPGAVENR"] != "000011" || rs[0].Fields["PRODDTO"] != "20260302" || rs[0].Fields["PRODDTOFORRIG"] != "20260301" {
			t.Fatalf("start record %v", rs[0])
		}
		last := rs[len(rs)-1]
		if last.Type != "999" || last.Fields["TAELLER"] != fmt.Sprintf("%08d", len(rs)) || st.Records != len(rs) {
			t.Fatalf("end record %v, %d records", last, len(rs))
		}
		// Every person's 001/002/008/012 records say what the register says.
		byPNR := map[string]map[string]p12170.Parsed{}
		events := 0
		for _, r := range rs[1 : len(rs)-1] {
			if r.Type == "099" {
				events++
			}
			if byPNR[r.Fields["PNR"]] == nil {
				byPNR[r.Fields["PNR"]] = map[string]p12170.Parsed{}
			}
			byPNR[r.Fields["PNR"]][r.Type] = r
		}
		if events != 5 || len(byPNR) != 4 {
			t.Fatalf("%d events for %d persons, want 5 for 4 (the spouse is derived)", events, len(byPNR))
		}
		for id, recs := range byPNR {
			p, err := f.reg.Get(pnr.MustParse(id))
			if err != nil {
				t.Fatal(err)
			}
			if recs["001"].Fields["STATUS"] != itoa2(int(p.Status)) || recs["001"].Fields["FOED_DT"] != p.BirthDate.String() {
				t.Fatalf("001 %v vs %+v", recs["001"], p)
			}
			if recs["008"].Fields["EFTERNVN"] != p.Name.Last || recs["008"].Fields["FORNVN"] != p.Name.First {
				t.Fatalf("008 %v vs %+v", recs["008"], p.Name)
			}
			if recs["012"].Fields["CIVST"] != p.Civil.Code.String() {
				t.Fatalf("012 %v vs %c", recs["012"], p.Civil.Code)
			}
			if a := p.Residence.Address; !a.IsZero() {
				got, err := address.ParseFixed(recs["002"].Fields["KOMKOD"], recs["002"].Fields["VEJKOD"], recs["002"].Fields["HUSNR"], recs["002"].Fields["ETAGE"], recs["002"].Fields["SIDEDOER"])
				if err != nil || got != a {
					t.Fatalf("002 %v gives %+v, %v; want %+v", recs["002"], got, err, a)
				}
			}
		}
		again, _ := f.extract("auth", day, P12170)
		if !bytes.Equal(b, again) {
			t.Fatal("the same day asked twice gave other bytes")
		}
	})
	t.Run("only deaths", func(t *testing.T) {
		rs := parse(t, must(f.extract("deaths", day, P12170)))
		if got := types(rs); !slices.Equal(got, []string{"000", "001", "099", "999"}) || rs[1].Fields["PNR"] != pair[2].PNR.String() {
			t.Fatalf("deaths-only extract: %v", got)
		}
	})
	t.Run("a day without changes", func(t *testing.T) {
		if got := types(parse(t, must(f.extract("auth", day.AddDays(-5), P12170)))); !slices.Equal(got, []string{"000", "999"}) {
			t.Fatalf("empty day: %v", got)
		}
	})
	t.Run("private subscribers", func(t *testing.T) {
		if _, err := f.x.Change(context.Background(), "bank", day, P12170, &bytes.Buffer{}); !errors.Is(err, ErrForbidden) {
			t.Fatalf("P12170 for a private subscriber: %v", err)
		}
		for _, fm := range []Format{JSONL, CSV} {
			b, st := f.extract("bank", day, fm)
			if st.Persons != 2 {
				t.Fatalf("%s: %d persons, want the 2 marked", fm, st.Persons)
			}
			for _, p := range f.persons {
				if bytes.Contains(b, []byte(p.PNR.String())) {
					t.Fatalf("%s extract of a private subscriber holds a pnr", fm)
				}
			}
			if !bytes.Contains(b, []byte("CUST-1")) || !bytes.Contains(b, []byte("CUST-2")) {
				t.Fatalf("%s: customer keys missing", fm)
			}
			if fm == JSONL {
				// CUST-1 has name and address protection: no name, no address.
				for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
					var m map[string]any
					if err := json.Unmarshal(line, &m); err != nil {
						t.Fatal(err)
					}
					if m["id"] == "CUST-1" && (m["name"] != nil || m["address"] != nil) {
						t.Fatalf("a protected person's name or address reached a private subscriber: %s", line)
					}
					if m["id"] == "CUST-2" && (m["name"] == nil || m["address"] == nil) {
						t.Fatalf("an unprotected customer lacks name or address: %s", line)
					}
				}
			}
			protected, _ := f.reg.Get(pair[0].PNR)
			if bytes.Contains(b, []byte(protected.Name.Addressing)) {
				t.Fatalf("%s: a protected person's name reached a private subscriber", fm)
			}
		}
	})
	t.Run("research pseudonyms", func(t *testing.T) {
		month := f.endMonth()
		b1 := must(f.extract("uni1", month, JSONL))
		b1again := must(f.extract("uni1", month, JSONL))
		b2 := must(f.extract("uni2", month, JSONL))
		if !bytes.Equal(b1, b1again) {
			t.Fatal("pseudonyms not stable for one recipient")
		}
		ids := func(b []byte) []string {
			var out []string
			for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
				var m map[string]any
				json.Unmarshal(line, &m)
				if m["record"] == "person" {
					out = append(out, m["id"].(string))
					if len(m["birth"].(string)) != 7 {
						t.Fatalf("research birth %q, want YYYY-MM", m["birth"])
					}
				}
			}
			return out
		}
		i1, i2 := ids(b1), ids(b2)
		if len(i1) == 0 || len(i1) != len(i2) {
			t.Fatalf("%d and %d persons", len(i1), len(i2))
		}
		for i := range i1 {
			if i1[i] == i2[i] {
				t.Fatal("the same pseudonym for two recipients")
			}
		}
		for _, p := range f.persons {
			if bytes.Contains(b1, []byte(p.PNR.String())) {
				t.Fatal("a research extract holds a pnr")
			}
		}
	})
}

func must(b []byte, _ Stats) []byte { return b }

func itoa2(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }
func itoa4(n int) string {
	return string([]byte{byte('0' + n/1000%10), byte('0' + n/100%10), byte('0' + n/10%10), byte('0' + n%10)})
}

func TestStatusExtract(t *testing.T) {
	f := newFixture(t)
	scope, _ := subscription.ParseScope([]string{"address", "name", "civil_status", "children", "parents"})
	f.put(subscription.Subscriber{ID: "all", Name: "A", Kind: subscription.Public, TaskNumber: 1, Scope: scope})
	f.put(subscription.Subscriber{ID: "kbh", Name: "K", Kind: subscription.Public, TaskNumber: 2, Scope: scope, Circle: subscription.Circle{Kommuner: []uint16{101}}})
	f.put(subscription.Subscriber{ID: "bank", Name: "B", Kind: subscription.Private, TaskNumber: 3, Scope: scope})
	var marks []subscription.Mark
	for i, p := range f.persons[:50] {
		marks = append(marks, subscription.Mark{PNR: p.PNR, Key: "K" + itoa4(i)})
	}
	if _, err := f.subs.AddMarks("bank", marks); err != nil {
		t.Fatal(err)
	}
	today := date.InCopenhagen(f.clock.Now())
	var buf bytes.Buffer
	st, err := f.x.Status(context.Background(), "all", today, P12170, &buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Persons != len(f.persons) {
		t.Fatalf("whole population: %d persons, want %d", st.Persons, len(f.persons))
	}
	rs := parse(t, buf.Bytes())
	if rs[len(rs)-1].Fields["TAELLER"] != fmt.Sprintf("%08d", len(rs)) {
		t.Fatalf("count %v vs %d", rs[len(rs)-1], len(rs))
	}
	buf.Reset()
	st, err = f.x.Status(context.Background(), "kbh", today, P12170, &buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, p := range f.persons {
		if p.Kommune() == 101 {
			want++
		}
	}
	if st.Persons != want {
		t.Fatalf("kommune circle: %d persons, want %d", st.Persons, want)
	}
	for _, r := range parse(t, buf.Bytes()) {
		if r.Type == "002" && r.Fields["KOMKOD"] != "0101" {
			t.Fatalf("a person outside 0101: %v", r)
		}
	}
	buf.Reset()
	if st, err = f.x.Status(context.Background(), "bank", today, CSV, &buf, nil); err != nil || st.Persons != 50 {
		t.Fatalf("marks circle: %+v %v", st, err)
	}
}
