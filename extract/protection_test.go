package extract

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"testing"

	"cpr/address"
	"cpr/date"
	"cpr/register"
	"cpr/subscription"
)

// seen is what one output gives of one person.
type seen struct {
	name, address bool
	protections   []string
	relative      bool // the name was told in a relative's record
	history       bool // a name or an address of the history
}

// seenJSONL reads JSON Lines persons by id: the name and the address in
// force, and those of the history.
func seenJSONL(t *testing.T, b []byte) map[string]seen {
	t.Helper()
	out := map[string]seen{}
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var m struct {
			Record, ID  string
			Name        json.RawMessage
			Address     json.RawMessage
			Protections []struct{ Type string }
			History     []struct {
				Name, Address, Foreign json.RawMessage
			}
		}
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		if m.Record != "person" {
			continue
		}
		s := seen{name: m.Name != nil, address: m.Address != nil}
		for _, h := range m.History {
			s.name = s.name || h.Name != nil
			s.address = s.address || h.Address != nil || h.Foreign != nil
			s.history = s.history || h.Name != nil || h.Address != nil || h.Foreign != nil
		}
		for _, p := range m.Protections {
			s.protections = append(s.protections, p.Type)
		}
		out[m.ID] = s
	}
	return out
}

// The P12170 records by what they tell of a person: its name (008, and
// 026 of the history), its address (002, 003, 006 in force; 005 abroad;
// 023 and 024 of the history), a relative's name (012 and 029 the
// spouse's, 015 the parents'), and the records that carry neither.
var (
	nameRecords     = []string{"008", "026"}
	addressRecords  = []string{"002", "003", "005", "006", "023", "024"}
	relativeNames   = map[string][][2]string{"012": {{"AEGTEPNR", "AEGTENVN"}}, "029": {{"AEGTEPNR", "AEGTENVN"}}, "015": {{"PNRMOR", "MORNVN"}, {"PNRFAR", "FARNVN"}}}
	anonymousRecord = []string{"000", "001", "004", "014", "022", "099", "999"}
)

// seenRecords reads P12170 or CSV persons by id: a name and an address of
// its own (in force or of the history), a relative's name told in another
// person's record counted as the relative's (under "" when the record
// does not name the relative), and 004 a protection. A record type the
// lists above do not know fails the test: classify it.
func seenRecords(t *testing.T, b []byte, fm Format) map[string]seen {
	t.Helper()
	out := map[string]seen{}
	for _, r := range records(t, b, fm) {
		id := r.Fields["PNR"]
		s := out[id]
		s.history = s.history || r.Type == "023" || r.Type == "024" || r.Type == "026"
		switch {
		case slices.Contains(nameRecords, r.Type):
			s.name = true
		case slices.Contains(addressRecords, r.Type):
			s.address = true
		case r.Type == "004":
			s.protections = append(s.protections, r.Fields["BESKYTTYPE"])
		case relativeNames[r.Type] != nil:
			for _, f := range relativeNames[r.Type] {
				if r.Fields[f[1]] != "" {
					rel := out[r.Fields[f[0]]]
					rel.name, rel.relative = true, true
					out[r.Fields[f[0]]] = rel
				}
			}
		case slices.Contains(anonymousRecord, r.Type):
		default:
			t.Fatalf("record %s: not known to tell a name or an address or not", r.Type)
		}
		out[id] = s
	}
	if s := out[""]; s.name || s.address {
		t.Fatalf("a name or an address told of a relative not named: %+v", s)
	}
	return out
}

// TestProtectionCodes is the extracts' half of README "Protection codes":
// for 0001, 0002 and 0003 and each kind of subscriber, what the change
// extract (every format the kind may have), the status extract and the
// live feed give of the person: name, address, and the protections.
func TestProtectionCodes(t *testing.T) {
	f := newFixture(t)
	all, _ := subscription.ParseScope([]string{"address", "clear_address", "protection", "name", "civil_status", "parents", "history"})
	noProtection := all &^ subscription.ScopeProtection
	f.put(subscription.Subscriber{ID: "auth", Name: "A", Kind: subscription.Public, TaskNumber: 31, Scope: all})
	f.put(subscription.Subscriber{ID: "bank", Name: "B", Kind: subscription.Private, TaskNumber: 32, Scope: noProtection})
	f.put(subscription.Subscriber{ID: "uni", Name: "U", Kind: subscription.Research, TaskNumber: 33, Scope: all &^ subscription.ResearchRefused})
	day := date.InCopenhagen(f.clock.Now())
	// ps: three mothers, unmarried and living in Denmark, each with a
	// living child, so that the protected person is named in the
	// records of others too: its child's 015 and its new spouse's 012.
	var ps, children []*register.Person
	byPNR := map[string]*register.Person{}
	for _, p := range f.persons {
		byPNR[p.PNR.String()] = p
	}
	for _, c := range f.persons {
		m := byPNR[c.Mother.String()]
		if c.Status != register.StatusActive || m == nil || m.Status != register.StatusActive || m.Kommune() == 0 ||
			!m.Civil.Code.Free() || slices.Contains(ps, m) {
			continue
		}
		if ps, children = append(ps, m), append(children, c); len(ps) == 3 {
			break
		}
	}
	if len(ps) < 3 {
		t.Fatal("not enough unmarried mothers")
	}
	spouses := f.resident(101, 6)
	spouses = slices.DeleteFunc(spouses, func(p *register.Person) bool { return slices.Contains(ps, p) })[:3]
	roads := address.Demo().InKommune(101)
	codes := []string{"0001", "0002", "0003"}
	var marks []subscription.Mark
	for i, p := range ps {
		// an old address and an old name (records 023 and 026)
		f.apply(register.Move{PNR: p.PNR, Effective: day.AddDays(-30), Address: address.Address{Kommunekode: 101, Vejkode: roads[1].Vejkode, Husnr: string(rune('1' + i))}})
		f.apply(register.NameChange{PNR: p.PNR, Effective: day.AddDays(-20), Name: register.Name{First: "Ny", Last: "Beskyttet"}})
		f.apply(register.Marriage{PNR: p.PNR, Spouse: spouses[i].PNR, Effective: day.AddDays(-15)})
		f.apply(register.ProtectionChange{PNR: p.PNR, Type: register.Protection(i + 1), On: true, Effective: day})
		// the relatives changed too, so that they are in the day's extract
		for _, r := range []*register.Person{spouses[i], children[i]} {
			f.apply(register.NameChange{PNR: r.PNR, Effective: day, Name: register.Name{First: "Slægt", Last: itoa2(i)}})
		}
		marks = append(marks, subscription.Mark{PNR: p.PNR, Key: "C-" + codes[i]},
			subscription.Mark{PNR: spouses[i].PNR, Key: "S-" + codes[i]}, subscription.Mark{PNR: children[i].PNR, Key: "B-" + codes[i]})
	}
	if _, err := f.subs.AddMarks("bank", marks); err != nil {
		t.Fatal(err)
	}
	// A research subscriber's extracts are monthly: the month's change
	// extract, the status extract as of its first day.
	month := f.endMonth()
	on := map[string]date.Date{"auth": day, "bank": day, "uni": month}
	uni, _, err := f.subs.Get("uni")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]func(i int) string{
		"auth": func(i int) string { return ps[i].PNR.String() },
		"bank": func(i int) string { return "C-" + codes[i] },
		"uni":  func(i int) string { return Pseudonym(uni.Secret, ps[i].PNR) },
	}
	// want is the table: subscriber, code -> what it gets. A public
	// subscriber is also told the person's name in the relatives'
	// records (P12170 and CSV only: JSON Lines names no relative).
	want := map[string]map[string]seen{
		"auth": {"0001": {name: true, address: true, protections: []string{"0001"}, relative: true, history: true},
			"0002": {name: true, address: true, protections: []string{"0002"}, relative: true, history: true},
			"0003": {name: true, address: true, protections: []string{"0003"}, relative: true, history: true}},
		"bank": {"0001": {protections: []string{"0001"}},
			"0002": {name: true, address: true, protections: []string{"0002"}, history: true},
			"0003": {name: true, address: true, protections: []string{"0003"}, history: true}},
		"uni": {"0001": {}, "0002": {}, "0003": {}},
	}
	formats := map[string][]Format{"auth": {P12170, JSONL, CSV}, "bank": {JSONL, CSV}, "uni": {P12170, JSONL, CSV}}
	// JSON Lines names no relative, and gives the history to public
	// subscribers only; the live feed carries no history.
	check := func(t *testing.T, sub string, got map[string]seen, records, live bool) {
		t.Helper()
		for i, code := range codes {
			g, ok := got[ids[sub](i)]
			if !ok {
				t.Fatalf("%s: the %s person is missing", sub, code)
			}
			w := want[sub][code]
			if !records {
				w.relative = false
				w.history = w.history && sub == "auth" && !live
			}
			if g.name != w.name || g.address != w.address || !slices.Equal(g.protections, w.protections) ||
				g.relative != w.relative || g.history != w.history {
				t.Errorf("%s, %s: got %+v; want %+v", sub, code, g, w)
			}
		}
	}
	for sub, fms := range formats {
		for _, fm := range fms {
			t.Run("change "+sub+" "+string(fm), func(t *testing.T) {
				b, _ := f.extract(sub, on[sub], fm)
				if fm == JSONL {
					check(t, sub, seenJSONL(t, b), false, false)
				} else {
					check(t, sub, seenRecords(t, b, fm), true, false)
				}
			})
			t.Run("status "+sub+" "+string(fm), func(t *testing.T) {
				var b bytes.Buffer
				if _, err := f.x.Status(context.Background(), sub, on[sub], fm, &b, nil); err != nil {
					t.Fatal(err)
				}
				if fm == JSONL {
					check(t, sub, seenJSONL(t, b.Bytes()), false, false)
				} else {
					check(t, sub, seenRecords(t, b.Bytes(), fm), true, false)
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
			check(t, sub, got[sub], false, true)
		}
	})
}
