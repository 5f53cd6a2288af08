package extract

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"slices"
	"testing"

	"cpr/date"
	"cpr/register"
	"cpr/subscription"
)

// seen is what one output gives of one person.
type seen struct {
	name, address bool
	protections   []string
}

// seenJSONL reads JSON Lines persons by id.
func seenJSONL(t *testing.T, b []byte) map[string]seen {
	t.Helper()
	out := map[string]seen{}
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var m struct {
			Record, ID  string
			Name        json.RawMessage
			Address     json.RawMessage
			Protections []struct{ Type string }
		}
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		if m.Record != "person" {
			continue
		}
		s := seen{name: m.Name != nil, address: m.Address != nil}
		for _, p := range m.Protections {
			s.protections = append(s.protections, p.Type)
		}
		out[m.ID] = s
	}
	return out
}

// seenRecords reads P12170 or CSV persons by id: 008 is the name, 002 and
// 003 the address, 004 a protection.
func seenRecords(t *testing.T, b []byte, fm Format) map[string]seen {
	t.Helper()
	var rows [][]string // type, pnr, and for 004 the type
	if fm == CSV {
		cr := csv.NewReader(bytes.NewReader(b))
		cr.FieldsPerRecord = -1
		all, err := cr.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range all {
			if len(r) > 2 {
				rows = append(rows, []string{r[0], r[1], r[2]})
			}
		}
	} else {
		for _, r := range parse(t, b) {
			rows = append(rows, []string{r.Type, r.Fields["PNR"], r.Fields["BESKYTTYPE"]})
		}
	}
	out := map[string]seen{}
	for _, r := range rows {
		s := out[r[1]]
		switch r[0] {
		case "008":
			s.name = true
		case "002", "003":
			s.address = true
		case "004":
			s.protections = append(s.protections, r[2])
		}
		out[r[1]] = s
	}
	return out
}

// TestProtectionCodes is the extracts' half of README "Protection codes":
// for 0001, 0002 and 0003 and each kind of subscriber, what the change
// extract (every format the kind may have), the status extract and the
// live feed give of the person: name, address, and the protections.
func TestProtectionCodes(t *testing.T) {
	f := newFixture(t)
	all, _ := subscription.ParseScope([]string{"address", "clear_address", "protection", "name", "civil_status", "history"})
	noProtection := all &^ subscription.ScopeProtection
	f.put(subscription.Subscriber{ID: "auth", Name: "A", Kind: subscription.Public, TaskNumber: 31, Scope: all})
	f.put(subscription.Subscriber{ID: "bank", Name: "B", Kind: subscription.Private, TaskNumber: 32, Scope: noProtection})
	f.put(subscription.Subscriber{ID: "uni", Name: "U", Kind: subscription.Research, TaskNumber: 33, Scope: all &^ subscription.ResearchRefused})
	day := date.InCopenhagen(f.clock.Now())
	ps := f.resident(101, 3)
	codes := []string{"0001", "0002", "0003"}
	var marks []subscription.Mark
	for i, p := range ps {
		f.apply(register.ProtectionChange{PNR: p.PNR, Type: register.Protection(i + 1), On: true, Effective: day})
		marks = append(marks, subscription.Mark{PNR: p.PNR, Key: "C-" + codes[i]})
	}
	if _, err := f.subs.AddMarks("bank", marks); err != nil {
		t.Fatal(err)
	}
	uni, _, err := f.subs.Get("uni")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]func(i int) string{
		"auth": func(i int) string { return ps[i].PNR.String() },
		"bank": func(i int) string { return "C-" + codes[i] },
		"uni":  func(i int) string { return Pseudonym(uni.Secret, ps[i].PNR) },
	}
	// want is the table: subscriber, code -> what it gets.
	want := map[string]map[string]seen{
		"auth": {"0001": {true, true, []string{"0001"}}, "0002": {true, true, []string{"0002"}}, "0003": {true, true, []string{"0003"}}},
		"bank": {"0001": {false, false, []string{"0001"}}, "0002": {true, true, []string{"0002"}}, "0003": {true, true, []string{"0003"}}},
		"uni":  {"0001": {}, "0002": {}, "0003": {}},
	}
	formats := map[string][]Format{"auth": {P12170, JSONL, CSV}, "bank": {JSONL, CSV}, "uni": {P12170, JSONL, CSV}}
	check := func(t *testing.T, sub string, got map[string]seen) {
		t.Helper()
		for i, code := range codes {
			g, ok := got[ids[sub](i)]
			if !ok {
				t.Fatalf("%s: the %s person is missing", sub, code)
			}
			w := want[sub][code]
			if g.name != w.name || g.address != w.address || !slices.Equal(g.protections, w.protections) {
				t.Errorf("%s, %s: name %v address %v protections %v; want %v %v %v", sub, code,
					g.name, g.address, g.protections, w.name, w.address, w.protections)
			}
		}
	}
	for sub, fms := range formats {
		for _, fm := range fms {
			t.Run("change "+sub+" "+string(fm), func(t *testing.T) {
				b, _ := f.extract(sub, day, fm)
				if fm == JSONL {
					check(t, sub, seenJSONL(t, b))
				} else {
					check(t, sub, seenRecords(t, b, fm))
				}
			})
			t.Run("status "+sub+" "+string(fm), func(t *testing.T) {
				var b bytes.Buffer
				if _, err := f.x.Status(context.Background(), sub, day, fm, &b, nil); err != nil {
					t.Fatal(err)
				}
				if fm == JSONL {
					check(t, sub, seenJSONL(t, b.Bytes()))
				} else {
					check(t, sub, seenRecords(t, b.Bytes(), fm))
				}
			})
		}
	}
	t.Run("live", func(t *testing.T) {
		got := map[string]map[string]seen{}
		err := f.reg.Journal(1, func(ev *register.Event) error {
			ls, err := f.x.LiveMessages(ev)
			for _, l := range ls {
				var m struct{ Persons []json.RawMessage }
				if err := json.Unmarshal(l.Data, &m); err != nil {
					return err
				}
				var b []byte
				for _, p := range m.Persons {
					b = append(append(b, p...), '\n')
				}
				if got[l.Subscriber] == nil {
					got[l.Subscriber] = map[string]seen{}
				}
				for id, s := range seenJSONL(t, b) {
					got[l.Subscriber][id] = s
				}
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for sub := range want {
			check(t, sub, got[sub])
		}
	})
}
