package extract

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"testing"

	"cpr/date"
	"cpr/extract/p12170"
	"cpr/register"
	"cpr/subscription"
)

// records reads a P12170 or CSV file as parsed records (a CSV row holds
// the record's fields in layout order).
func records(t *testing.T, b []byte, fm Format) []p12170.Parsed {
	t.Helper()
	if fm != CSV {
		return parse(t, b)
	}
	cr := csv.NewReader(bytes.NewReader(b))
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []p12170.Parsed
	for _, row := range rows {
		rec, ok := p12170.Lookup(row[0])
		if !ok || len(row) != len(rec.Fields) {
			continue // the start row has fields of its own
		}
		r := p12170.Parsed{Type: row[0], Fields: map[string]string{}}
		for i, fd := range rec.Fields {
			r.Fields[fd.Name] = row[i]
		}
		out = append(out, r)
	}
	return out
}

// blankDate is an unset date field: empty, or all zeros in P12170.
func blankDate(v string) bool { return bytes.Trim([]byte(v), "0 ") == nil || v == "" }

// TestPrivateRelatives: a private subscriber is told nothing of a spouse
// or parent that is not its own customer (no number and no birth date,
// which gives the first six digits of the pnr), in records 012, 015 and
// 029 alike, and JSON Lines tells the same relatives as CSV.
func TestPrivateRelatives(t *testing.T) {
	f := newFixture(t)
	scope, _ := subscription.ParseScope([]string{"civil_status", "parents", "history"})
	f.put(subscription.Subscriber{ID: "bank", Name: "B", Kind: subscription.Private, TaskNumber: 41, Scope: scope})
	day := date.InCopenhagen(f.clock.Now())
	ps := f.resident(101, 5) // a, b (not a customer), c, d, e (not a customer)
	var child *register.Person
	for _, p := range f.persons {
		if p.Status == register.StatusActive && !p.Mother.IsZero() && !p.Father.IsZero() {
			child = p
			break
		}
	}
	if child == nil {
		t.Fatal("no person with both parents")
	}
	// b had 0001: its name must not come either (public subscribers only).
	f.apply(register.ProtectionChange{PNR: ps[1].PNR, Type: register.ProtectNameAddress, On: true, Effective: day.AddDays(-30)})
	f.apply(register.Marriage{PNR: ps[0].PNR, Spouse: ps[1].PNR, Effective: day.AddDays(-20)})
	f.apply(register.Divorce{PNR: ps[0].PNR, Effective: day.AddDays(-3)})
	f.apply(register.Marriage{PNR: ps[0].PNR, Spouse: ps[2].PNR, Effective: day})
	f.apply(register.Marriage{PNR: ps[3].PNR, Spouse: ps[4].PNR, Effective: day})
	keys := map[string]string{ps[0].PNR.String(): "K-a", ps[2].PNR.String(): "K-c", ps[3].PNR.String(): "K-d",
		child.PNR.String(): "K-child", child.Mother.String(): "K-mother"}
	var marks []subscription.Mark
	for _, p := range []*register.Person{ps[0], ps[2], ps[3], child} {
		marks = append(marks, subscription.Mark{PNR: p.PNR, Key: keys[p.PNR.String()]})
	}
	marks = append(marks, subscription.Mark{PNR: child.Mother, Key: "K-mother"})
	if _, err := f.subs.AddMarks("bank", marks); err != nil {
		t.Fatal(err)
	}
	// want: customer key -> record -> field -> value ("" blank).
	type fields map[string]string
	want := map[string]map[string]fields{
		"K-a":     {"012": {"AEGTEPNR": "K-c", "AEGTENVN": ""}, "029": {"AEGTEPNR": "", "AEGTEFOED_DT": ""}},
		"K-d":     {"012": {"AEGTEPNR": "", "AEGTEFOED_DT": "", "AEGTENVN": ""}},
		"K-child": {"015": {"PNRMOR": "K-mother", "PNRFAR": "", "FAR_FOED_DT": "", "FARNVN": "", "MORNVN": ""}},
	}
	spouses := map[string]string{} // id -> spouse told in 012
	check := func(t *testing.T, b []byte, fm Format, status bool) {
		t.Helper()
		got := map[string]map[string][]p12170.Parsed{}
		for _, r := range records(t, b, fm) {
			id := r.Fields["PNR"]
			if got[id] == nil {
				got[id] = map[string][]p12170.Parsed{}
			}
			got[id][r.Type] = append(got[id][r.Type], r)
			if r.Type == "012" {
				spouses[id] = r.Fields["AEGTEPNR"]
			}
			if r.Type == "012" && r.Fields["AEGTEPNR"] == "K-c" && r.Fields["AEGTEFOED_DT"] == "" {
				t.Errorf("012 of %s: the customer spouse's birth date is missing", id)
			}
			if r.Type == "015" && r.Fields["PNRMOR"] == "K-mother" && r.Fields["MOR_FOED_DT"] == "" {
				t.Errorf("015 of %s: the customer mother's birth date is missing", id)
			}
			if r.Type == "029" && r.Fields["AEGTEPNR"] == "" && !blankDate(r.Fields["AEGTEFOED_DT"]) {
				t.Errorf("029 of %s: birth date %q of a spouse who is no customer", id, r.Fields["AEGTEFOED_DT"])
			}
		}
		for id, recs := range want {
			if !status && id == "K-child" {
				continue // not changed that day
			}
			for typ, fs := range recs {
				rs := got[id][typ]
				if len(rs) == 0 {
					t.Errorf("%s: no record %s", id, typ)
					continue
				}
				for _, r := range rs {
					for k, v := range fs {
						if g := r.Fields[k]; g != v && !(v == "" && blankDate(g)) {
							t.Errorf("%s %s %s = %q, want %q", id, typ, k, g, v)
						}
					}
				}
			}
		}
	}
	checkJSON := func(t *testing.T, b []byte) {
		t.Helper()
		for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
			var m struct {
				Record, ID, Mother, Father string
				Civil                      *struct{ Spouse string } `json:"civil_status"`
			}
			if err := json.Unmarshal(line, &m); err != nil {
				t.Fatal(err)
			}
			if m.Record != "person" || m.Civil == nil {
				continue
			}
			if sp, ok := spouses[m.ID]; ok && sp != m.Civil.Spouse {
				t.Errorf("%s: the JSON spouse %q, the CSV spouse %q", m.ID, m.Civil.Spouse, sp)
			}
			if m.ID == "K-child" && (m.Mother != "K-mother" || m.Father != "") {
				t.Errorf("K-child: JSON mother %q father %q", m.Mother, m.Father)
			}
		}
	}
	t.Run("status", func(t *testing.T) {
		var c, j bytes.Buffer
		if _, err := f.x.Status(context.Background(), "bank", day, CSV, &c, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := f.x.Status(context.Background(), "bank", day, JSONL, &j, nil); err != nil {
			t.Fatal(err)
		}
		check(t, c.Bytes(), CSV, true)
		checkJSON(t, j.Bytes())
	})
	t.Run("change", func(t *testing.T) {
		c, _ := f.extract("bank", day, CSV)
		j, _ := f.extract("bank", day, JSONL)
		check(t, c, CSV, false)
		checkJSON(t, j)
	})
}
