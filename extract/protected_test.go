package extract

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"cpr/address"
	"cpr/date"
	"cpr/register"
	"cpr/subscription"
)

// TestPrivateHistoryUnderEndedProtection: once a person's 0001 protection
// has ended, a private subscriber gets the current name and address again,
// but no historical name or address (records 023, 026) that was in force
// during the protection; what ended before it comes. A public subscriber
// gets them all. Two ways to end 0001: an end date given with it, and a
// change that takes it off.
func TestPrivateHistoryUnderEndedProtection(t *testing.T) {
	f := newFixture(t)
	scope, _ := subscription.ParseScope([]string{"address", "name", "history"})
	f.put(subscription.Subscriber{ID: "bank", Name: "B", Kind: subscription.Private, TaskNumber: 51, Scope: scope})
	f.put(subscription.Subscriber{ID: "auth", Name: "A", Kind: subscription.Public, TaskNumber: 52, Scope: scope})
	day := date.InCopenhagen(f.clock.Now())
	ps := f.resident(101, 2)
	roads := address.Demo().InKommune(101)
	at := func(i int, husnr string) address.Address {
		return address.Address{Kommunekode: 101, Vejkode: roads[i].Vejkode, Husnr: husnr}
	}
	var marks []subscription.Mark
	for i, p := range ps {
		f.apply(register.Move{PNR: p.PNR, Effective: day.AddDays(-60), Address: at(1, "1")})
		f.apply(register.NameChange{PNR: p.PNR, Effective: day.AddDays(-50), Name: register.Name{First: "Før", Last: "Beskyttelse"}})
		if i == 0 {
			f.apply(register.ProtectionChange{PNR: p.PNR, Type: register.ProtectNameAddress, On: true,
				Effective: day.AddDays(-40), End: day.AddDays(-10)})
		} else {
			f.apply(register.ProtectionChange{PNR: p.PNR, Type: register.ProtectNameAddress, On: true, Effective: day.AddDays(-40)})
		}
		f.apply(register.Move{PNR: p.PNR, Effective: day.AddDays(-30), Address: at(2, "2")})
		f.apply(register.NameChange{PNR: p.PNR, Effective: day.AddDays(-25), Name: register.Name{First: "Under", Last: "Beskyttelse"}})
		if i == 1 {
			f.apply(register.ProtectionChange{PNR: p.PNR, Type: register.ProtectNameAddress, On: false, Effective: day.AddDays(-10)})
		}
		f.apply(register.Move{PNR: p.PNR, Effective: day.AddDays(-5), Address: at(3, "3")})
		f.apply(register.NameChange{PNR: p.PNR, Effective: day.AddDays(-4), Name: register.Name{First: "Efter", Last: "Beskyttelse"}})
		marks = append(marks, subscription.Mark{PNR: p.PNR, Key: "K-" + itoa2(i)})
	}
	if _, err := f.subs.AddMarks("bank", marks); err != nil {
		t.Fatal(err)
	}
	ids := map[string][]string{"bank": {"K-00", "K-01"}, "auth": {ps[0].PNR.String(), ps[1].PNR.String()}}
	// got: the move-in days of 023 and the first names of 026 and 008.
	type told struct{ moved, names []string }
	read := func(t *testing.T, b []byte, id string) told {
		var out told
		for _, r := range records(t, b, CSV) {
			if r.Fields["PNR"] != id {
				continue
			}
			switch r.Type {
			case "023":
				out.moved = append(out.moved, r.Fields["TILFLYDTO"][:8])
			case "026":
				out.names = append(out.names, r.Fields["FORNVN"])
			case "008":
				out.names = append(out.names, "now "+r.Fields["FORNVN"])
			}
		}
		slices.Sort(out.moved)
		slices.Sort(out.names)
		return out
	}
	ymd := func(d date.Date) string { return stamp(d)[:8] }
	for sub, want := range map[string]told{
		"bank": {moved: nil, names: []string{"now Efter"}},
		"auth": {moved: []string{ymd(day.AddDays(-60)), ymd(day.AddDays(-30))}, names: []string{"Før", "Under", "now Efter"}},
	} {
		check := func(t *testing.T, b []byte) {
			for i, id := range ids[sub] {
				got := read(t, b, id)
				// what ended before the protection: the address and name
				// the person came with
				w := told{moved: append([]string{ymd(ps[i].Residence.From)}, want.moved...),
					names: append([]string{ps[i].Name.First}, want.names...)}
				slices.Sort(w.moved)
				slices.Sort(w.names)
				if !slices.Equal(got.moved, w.moved) || !slices.Equal(got.names, w.names) {
					t.Errorf("%s person %d: moved %v names %v; want %v %v", sub, i, got.moved, got.names, w.moved, w.names)
				}
			}
		}
		t.Run("change "+sub, func(t *testing.T) {
			b, _ := f.extract(sub, day, CSV)
			check(t, b)
		})
		t.Run("status "+sub, func(t *testing.T) {
			var b bytes.Buffer
			if _, err := f.x.Status(context.Background(), sub, day, CSV, &b, nil); err != nil {
				t.Fatal(err)
			}
			check(t, b.Bytes())
		})
	}
}
