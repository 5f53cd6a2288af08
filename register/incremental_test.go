package register

import (
	"testing"

	"cpr/date"
	"cpr/pnr"
)

// TestFastFold runs sequences of address and status changes through the
// fast path's edge cases. The fixture sets Options.Verify, so every change
// is also folded in full and any difference in the record (open stay
// included) or in the address index fails the change; the test checks which
// path each step could take, and the open stay after it.
func TestFastFold(t *testing.T) {
	f := openFixture(t)
	p := f.immigrant(19800101, pnr.Female, "Hansen", 101, 1)
	today := f.today()
	a, b, c := f.addr(101, 2), f.addr(751, 3), f.addr(101, 4)
	foreign := Foreign{Country: 5110, Lines: []string{"Storgata 1", "Oslo"}}

	for _, step := range []struct {
		name     string
		change   Change
		fast     bool      // whether the change folds onto the stored record
		wantOpen date.Date // the open stay after it
	}{
		{"move after the last move", Move{PNR: p, Effective: today.AddDays(-20), Address: a}, true, today.AddDays(-20)},
		{"move on the day of the last move", Move{PNR: p, Effective: today.AddDays(-20), Address: b}, false, today.AddDays(-20)},
		{"back on the same day to the address before", Move{PNR: p, Effective: today.AddDays(-20), Address: a}, false, today.AddDays(-20)},
		{"name change keeps the stay", NameChange{PNR: p, Effective: today.AddDays(-10), Name: Name{First: "Test", Last: "Berg"}}, true, today.AddDays(-20)},
		{"move after a later name change", Move{PNR: p, Effective: today.AddDays(-5), Address: c}, true, today.AddDays(-5)},
		{"move registered ahead", Move{PNR: p, Effective: today.AddDays(5), Address: b}, true, today.AddDays(5)},
		{"emigration on the day of the last move", Emigration{PNR: p, Effective: today.AddDays(5), Foreign: foreign}, false, 0},
	} {
		t.Run(step.name, func(t *testing.T) {
			before, err := f.r.readPerson(p) // the stored record, not the person today
			if err != nil {
				t.Fatal(err)
			}
			if got := before.open; got == 0 {
				t.Fatalf("open stay unknown before the change")
			}
			f.apply(step.change)
			after, err := f.r.readPerson(p)
			if err != nil {
				t.Fatal(err)
			}
			if after.open != step.wantOpen {
				t.Errorf("open stay = %v, want %v", after.open, step.wantOpen)
			}
			// Which path: the entries the change wrote, against the record before.
			h, err := f.r.History(p)
			if err != nil {
				t.Fatal(err)
			}
			var news []Entry
			for _, e := range h {
				if e.Seq == after.Seq {
					news = append(news, e)
				}
			}
			if got := foldsOnto(before, news); got != step.fast {
				t.Errorf("fast path = %v, want %v", got, step.fast)
			}
		})
	}
}

// TestFastFoldLeaving: a death or an emigration after the last move ends
// the stay in the index from that day, through the fast path (Verify
// checks it against the full fold).
func TestFastFoldLeaving(t *testing.T) {
	f := openFixture(t)
	p := f.immigrant(19500101, pnr.Male, "Jensen", 101, 1)
	s := f.immigrant(19520101, pnr.Female, "Jensen", 101, 1)
	f.apply(Marriage{PNR: p, Spouse: s, Effective: f.today().AddDays(-30)})
	home := f.get(p).Residence.Address
	died := f.today().AddDays(-1)
	f.apply(Death{PNR: p, Effective: died})
	rs, err := f.r.Residents(home, died)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.PNR == p {
			t.Fatalf("the dead still live at home on the day of death")
		}
	}
	if got := f.get(s).Civil.Code; got != CivilWidowed {
		t.Fatalf("survivor civil status %c, want E", got)
	}
	if after, _ := f.r.readPerson(p); after.open != 0 {
		t.Fatalf("open stay %v after death, want 0", after.open)
	}

	e := f.immigrant(19700101, pnr.Male, "Larsen", 751, 2)
	away := f.get(e).Residence.Address
	left := f.today()
	f.apply(Emigration{PNR: e, Effective: left, Foreign: Foreign{Country: 5120, Lines: []string{"Storgatan 1", "Malmö"}}})
	if rs, err := f.r.Residents(away, left.AddDays(-1)); err != nil || len(rs) != 1 || rs[0].PNR != e {
		t.Fatalf("residents the day before emigrating = %v, %v; want the emigrant", rs, err)
	}
	if rs, err := f.r.Residents(away, left); err != nil || len(rs) != 0 {
		t.Fatalf("residents on the day of emigrating = %v, %v; want none", rs, err)
	}
}
