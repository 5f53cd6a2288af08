package extract

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"cpr/address"
	"cpr/date"
	"cpr/extract/p12170"
	"cpr/pnr"
	"cpr/register"
	"cpr/subscription"
)

// fullDate is a day or a time of day in JSON text.
var fullDate = regexp.MustCompile(`\d{4}-\d{2}-\d{2}|T\d{2}:\d{2}`)

// dateField names the P12170 fields that hold a date or a time (not
// START_MYNKOD, a kommune).
var dateField = regexp.MustCompile(`_DT|DTO|HAENSTART|HAENSLUT|TIMESTAMP`)

// monthOnly checks a P12170 or CSV date value: blank, or day 00 (and 00:00).
func monthOnly(v string) bool {
	switch {
	case strings.Trim(v, "0 ") == "":
		return true
	case len(v) == 10 && v[4] == '-':
		return v[8:] == "00"
	case len(v) == 8:
		return v[6:] == "00"
	case len(v) == 12:
		return v[6:] == "000000"
	}
	return false
}

// pseudonymOK checks one id a research subscriber receives.
func pseudonymOK(t *testing.T, what, v string) {
	t.Helper()
	if v == "" {
		return
	}
	if _, err := pnr.Parse(v); err == nil || len(v) != 8 || v[0] != 'R' {
		t.Fatalf("%s %q is not a research pseudonym", what, v)
	}
}

// researchFixture: two research subscribers over the whole population
// with every scope they may have, a public one, and a day of changes that
// touch every date a research subscriber gets (status, birth, civil
// status and its history, a spouse's birth, events). It returns the
// first day of the month, which has ended: the day of a research
// subscriber's extracts.
func researchFixture(t *testing.T) (*fixture, date.Date) {
	f := newFixture(t)
	ok := subscription.ScopeCivil | subscription.ScopeHistory
	f.put(subscription.Subscriber{ID: "uni1", Name: "U1", Kind: subscription.Research, TaskNumber: 21, Scope: ok})
	f.put(subscription.Subscriber{ID: "uni2", Name: "U2", Kind: subscription.Research, TaskNumber: 22, Scope: ok})
	f.put(subscription.Subscriber{ID: "auth", Name: "A", Kind: subscription.Public, TaskNumber: 23, Scope: ok})
	day := date.InCopenhagen(f.clock.Now())
	ps := f.resident(101, 5)
	f.apply(register.Marriage{PNR: ps[0].PNR, Spouse: ps[1].PNR, Effective: day.AddDays(-20)})
	f.apply(register.Divorce{PNR: ps[0].PNR, Effective: day.AddDays(-3)})
	f.apply(register.Marriage{PNR: ps[0].PNR, Spouse: ps[2].PNR, Effective: day})
	f.apply(register.Move{PNR: ps[3].PNR, Effective: day, Address: address.Address{Kommunekode: 751,
		Vejkode: address.Demo().InKommune(751)[3].Vejkode, Husnr: "7"}})
	f.apply(register.Death{PNR: ps[4].PNR, Effective: day})
	return f, f.endMonth()
}

// checkResearch checks one research file: no date finer than a month, and
// pseudonyms in every id field. It returns the persons' ids in order.
func checkResearch(t *testing.T, b []byte, fm Format) []string {
	t.Helper()
	var ids []string
	switch fm {
	case P12170:
		for _, r := range parse(t, b) {
			if r.Type == "000" || r.Type == "999" { // the extract's own day and count
				continue
			}
			rec, _ := p12170.Lookup(r.Type)
			for _, fd := range rec.Fields {
				v := r.Fields[fd.Name]
				if dateField.MatchString(fd.Name) && !monthOnly(v) {
					t.Fatalf("record %s %s = %q: finer than a month", r.Type, fd.Name, v)
				}
				if strings.Contains(fd.Name, "PNR") && fd.Len == 10 {
					pseudonymOK(t, r.Type+" "+fd.Name, v)
				}
			}
			if r.Type == "001" {
				ids = append(ids, r.Fields["PNR"])
			}
		}
	case CSV:
		cr := csv.NewReader(bytes.NewReader(b))
		cr.FieldsPerRecord = -1
		rows, err := cr.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			rec, ok := p12170.Lookup(row[0])
			if !ok || row[0] == "000" || row[0] == "999" {
				continue
			}
			for i, fd := range rec.Fields {
				if dateField.MatchString(fd.Name) && !monthOnly(row[i]) {
					t.Fatalf("csv %s %s = %q: finer than a month", row[0], fd.Name, row[i])
				}
				if strings.Contains(fd.Name, "PNR") && fd.Len == 10 {
					pseudonymOK(t, "csv "+row[0]+" "+fd.Name, row[i])
				}
			}
			if row[0] == "001" {
				ids = append(ids, row[1])
			}
		}
	case JSONL:
		for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
			var m map[string]any
			if err := json.Unmarshal(line, &m); err != nil {
				t.Fatal(err)
			}
			if m["record"] != "person" {
				continue
			}
			if s := fullDate.Find(line); s != nil {
				t.Fatalf("jsonl person has %q, finer than a month: %s", s, line)
			}
			if bytes.Contains(line, []byte(`"seq"`)) || bytes.Contains(line, []byte(`"id":"01`)) {
				t.Fatalf("jsonl person has an event id or seq: %s", line)
			}
			id, _ := m["id"].(string)
			pseudonymOK(t, "id", id)
			if c, ok := m["civil_status"].(map[string]any); ok {
				sp, _ := c["spouse"].(string)
				pseudonymOK(t, "spouse", sp)
			}
			for _, k := range []string{"name", "address", "protections", "mother", "father", "children"} {
				if _, ok := m[k]; ok {
					t.Fatalf("jsonl person has %s: %s", k, line)
				}
			}
			ids = append(ids, id)
		}
	}
	return ids
}

// TestResearchOutputs: every output a research subscriber gets (change
// and status extract in each format, the live messages) carries no date
// finer than a month and no pnr, only pseudonyms that are stable for the
// subscriber and differ between two subscribers.
func TestResearchOutputs(t *testing.T) {
	f, day := researchFixture(t)
	ctx := context.Background()
	for _, fm := range []Format{P12170, JSONL, CSV} {
		t.Run("change "+string(fm), func(t *testing.T) {
			b1, st := f.extract("uni1", day, fm)
			if st.Persons < 5 {
				t.Fatalf("%d persons in the change extract", st.Persons)
			}
			again, _ := f.extract("uni1", day, fm)
			b2, _ := f.extract("uni2", day, fm)
			i1, i2 := checkResearch(t, b1, fm), checkResearch(t, b2, fm)
			if fm == P12170 {
				got := types(parse(t, b1))
				for _, want := range []string{"001", "012", "029", "099"} {
					if !slices.Contains(got, want) {
						t.Fatalf("no %s record to check among %v", want, got)
					}
				}
			}
			if !bytes.Equal(b1, again) {
				t.Fatal("the same extract asked twice differs: pseudonyms not stable")
			}
			if len(i1) != st.Persons || len(i2) != len(i1) {
				t.Fatalf("%d and %d persons, want %d", len(i1), len(i2), st.Persons)
			}
			shared := map[string]bool{}
			for _, id := range i1 {
				shared[id] = true
			}
			for _, id := range i2 {
				if shared[id] {
					t.Fatalf("pseudonym %s in both recipients' extracts", id)
				}
			}
		})
		t.Run("status "+string(fm), func(t *testing.T) {
			var b bytes.Buffer
			st, err := f.x.Status(ctx, "uni1", day, fm, &b, nil)
			if err != nil {
				t.Fatal(err)
			}
			if ids := checkResearch(t, b.Bytes(), fm); len(ids) != st.Persons || st.Persons < len(f.persons) {
				t.Fatalf("%d ids for %d persons of %d", len(ids), st.Persons, len(f.persons))
			}
		})
	}
	t.Run("live", func(t *testing.T) {
		n := 0
		err := f.reg.Journal(1, func(ev *register.Event) error {
			ls, err := f.x.LiveMessages(ev)
			if err != nil {
				return err
			}
			for _, l := range ls {
				if l.Coarse != (l.Subscriber != "auth") {
					t.Fatalf("%s: coarse %v", l.Subscriber, l.Coarse)
				}
				var m struct {
					ID, Effective, Registered string
					Seq                       uint64
					Persons                   []json.RawMessage
				}
				if err := json.Unmarshal(l.Data, &m); err != nil {
					t.Fatal(err)
				}
				if l.Subscriber == "auth" {
					if m.ID == "" || m.Seq != ev.Seq || len(m.Registered) < 20 {
						t.Fatalf("public live message lost its id, seq or time: %s", l.Data)
					}
					continue
				}
				n++
				if m.ID != "" || m.Seq != 0 || len(m.Effective) != 7 || len(m.Registered) != 7 {
					t.Fatalf("research live message: %s", l.Data)
				}
				var b []byte
				for _, p := range m.Persons {
					b = append(append(b, p...), '\n')
				}
				checkResearch(t, b, JSONL)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n < 10 { // 5 changes (1 with a spouse) for 2 subscribers
			t.Fatalf("%d research live messages", n)
		}
	})
}

// TestPseudonym: pseudonyms are 8 characters that never parse as a pnr,
// the same for a pnr and a secret, distinct for distinct pnrs (a keyed
// permutation: no two persons merge), and unrelated between secrets.
func TestPseudonym(t *testing.T) {
	var s1, s2 [32]byte
	s1[0], s2[0] = 1, 2
	p1, p2 := newPseudonyms(s1), newPseudonyms(s2)
	seen := map[string]pnr.PNR{}
	same := 0
	for i := range 200_000 {
		p := pnr.PNR(uint64(i)*49_999 + 101_000_000) // spread over the pnr range
		a, b := p1.of(p), p2.of(p)
		pseudonymOK(t, "pseudonym", a)
		if q, ok := seen[a]; ok {
			t.Fatalf("pnrs %d and %d share pseudonym %s", q, p, a)
		}
		seen[a] = p
		if a == b {
			same++
		}
		if i < 100 && Pseudonym(s1, p) != a {
			t.Fatal("Pseudonym and pseudonyms.of differ")
		}
	}
	if same > 1 {
		t.Fatalf("%d of 200,000 pnrs have the same pseudonym under two secrets", same)
	}
	if got := p1.of(pnr.MustParse("0101801234")); got != newPseudonyms(s1).of(pnr.MustParse("0101801234")) {
		t.Fatal("not stable")
	}
}

// BenchmarkPseudonym is one research pseudonym from a subscriber's
// permutation (the status extract makes one per person).
func BenchmarkPseudonym(b *testing.B) {
	ps := newPseudonyms([32]byte{7})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = ps.of(pnr.PNR(101_000_000 + i))
	}
}

// TestResearchOrder: a research extract lists its persons in pseudonym
// order, not in pnr order (which begins with the day of birth): the
// change extract, and the status extract of a scanned circle and of
// marks, in every format; and spilling sorted runs to disk (a tiny
// SortBytes) gives the same bytes as sorting in memory.
func TestResearchOrder(t *testing.T) {
	f, day := researchFixture(t)
	f.put(subscription.Subscriber{ID: "uni-marked", Name: "UM", Kind: subscription.Research, TaskNumber: 24,
		Scope: subscription.ScopeCivil, Circle: subscription.Circle{Marks: true}})
	var marks []subscription.Mark
	for i := 0; i < len(f.persons); i += 2 {
		marks = append(marks, subscription.Mark{PNR: f.persons[i].PNR})
	}
	if _, err := f.subs.AddMarks("uni-marked", marks); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	status := func(x *Extractor, id string, fm Format) []byte {
		var b bytes.Buffer
		if _, err := x.Status(ctx, id, day, fm, &b, nil); err != nil {
			t.Fatal(err)
		}
		return withoutStart(b.Bytes())
	}
	spilling := &Extractor{Reg: f.reg, Subs: f.subs, SortBytes: 4096, TempDir: t.TempDir()}
	for _, fm := range []Format{P12170, JSONL, CSV} {
		outputs := map[string][]byte{"change": must(f.extract("uni1", day, fm))}
		for _, id := range []string{"uni1", "uni-marked"} {
			b := status(f.x, id, fm)
			if spilled := status(spilling, id, fm); !bytes.Equal(b, spilled) {
				t.Fatalf("%s %s: sorted in runs on disk, the extract differs", id, fm)
			}
			outputs["status "+id] = b
		}
		for what, b := range outputs {
			ids := checkResearch(t, b, fm)
			if len(ids) < 5 || !slices.IsSorted(ids) {
				t.Fatalf("%s %s: %d persons, not in pseudonym order", what, fm, len(ids))
			}
			for i := 1; i < len(ids); i++ {
				if ids[i] == ids[i-1] {
					t.Fatalf("%s %s: pseudonym %s twice", what, fm, ids[i])
				}
			}
		}
	}
	if entries, err := os.ReadDir(spilling.TempDir); err != nil || len(entries) != 0 {
		t.Fatalf("runs left behind: %v %v", entries, err)
	}
}

// TestIDOrderSpillsAndCloses: past its limit idOrder keeps sorted runs in
// unlinked temporary files, merges them in id order with a person's lines
// together, and closes them (also when the extract ends in an error and
// only close is called).
func TestIDOrderSpillsAndCloses(t *testing.T) {
	dir := t.TempDir()
	o := newIDOrder(CSV, 64, dir)
	var want []string
	for i := range 50 {
		id := Pseudonym([32]byte{3}, pnr.PNR(101_000_000+i*7))
		rows := "001," + id + ",x\n099," + id + ",y\n"
		want = append(want, rows)
		if err := o.add([]byte(rows)); err != nil {
			t.Fatal(err)
		}
	}
	if len(o.runs) < 2 {
		t.Fatalf("%d runs, want several", len(o.runs))
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("runs visible in the directory: %v", entries)
	}
	runs := slices.Clone(o.runs)
	var b bytes.Buffer
	if err := o.writeTo(&b); err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	if got := b.String(); got != strings.Join(want, "") {
		t.Fatalf("merged runs:\n%s", got)
	}
	for _, f := range runs {
		if _, err := f.Stat(); err == nil {
			t.Fatal("a run is still open after writeTo")
		}
	}
	o = newIDOrder(CSV, 64, dir)
	for _, rows := range want {
		o.add([]byte(rows))
	}
	runs = slices.Clone(o.runs)
	o.close()
	for _, f := range runs {
		if _, err := f.Stat(); err == nil {
			t.Fatal("a run is still open after close")
		}
	}
}
