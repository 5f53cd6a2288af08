package register

import (
	"slices"
	"testing"

	"cpr/pnr"
)

func TestFoldAndPhonetic(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"Sørensen", "SOERENSEN"}, {"Åbenrå", "aabenraa"}, {"Ærø-Hansen", "aeroe hansen"}, {"José", "jose"},
	} {
		if FoldName(tc.a) != FoldName(tc.b) {
			t.Errorf("FoldName(%q)=%q, FoldName(%q)=%q", tc.a, FoldName(tc.a), tc.b, FoldName(tc.b))
		}
	}
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"Pedersen", "Petersen", true}, {"Christensen", "Kristensen", true}, {"Sørensen", "Sorensen", true},
		{"Jensen", "Jenssen", true}, {"Hansen", "Jensen", false}, {"Møller", "Muller", true}, {"Nielsen", "Larsen", false},
	} {
		if got := PhoneticName(tc.a) == PhoneticName(tc.b); got != tc.same {
			t.Errorf("phonetic %q=%q %q=%q, want same=%v", tc.a, PhoneticName(tc.a), tc.b, PhoneticName(tc.b), tc.same)
		}
	}
}

func TestSearch(t *testing.T) {
	f := openFixture(t)
	jens := f.immigrant(19800101, pnr.Male, "Sørensen", 101, 1)
	f.apply(NameChange{PNR: jens, Effective: f.today(), Name: Name{First: "Jens", Middle: "Peter", Last: "Sørensen"}})
	anna := f.immigrant(19800505, pnr.Female, "Sorensen", 751, 2)
	f.apply(NameChange{PNR: anna, Effective: f.today(), Name: Name{First: "Anna", Last: "Sorensen"}})
	other := f.immigrant(19900101, pnr.Female, "Hansen", 101, 3)
	var many []pnr.PNR
	for i := range 7 {
		many = append(many, f.immigrant(19700101, pnr.Male, "Holm", 461, 10+i))
	}
	slices.Sort(many)

	pnrs := func(ps []*Person) []pnr.PNR {
		var out []pnr.PNR
		for _, p := range ps {
			out = append(out, p.PNR)
		}
		slices.Sort(out)
		return out
	}
	for _, tc := range []struct {
		name string
		q    Query
		want []pnr.PNR
	}{
		{"exact folded", Query{Name: "soerensen"}, []pnr.PNR{jens}},
		{"with given name", Query{Name: "Jens Sørensen"}, []pnr.PNR{jens}},
		{"given prefix after comma", Query{Name: "Sørensen, Pe"}, []pnr.PNR{jens}},
		{"phonetic", Query{Name: "Sørensen", Phonetic: true}, sorted(jens, anna)},
		{"phonetic and sex", Query{Name: "Sorensen", Phonetic: true, Sex: pnr.Female}, []pnr.PNR{anna}},
		{"birth year", Query{BirthFrom: 19800101, BirthTo: 19801231}, sorted(jens, anna)},
		{"birth and kommune", Query{BirthFrom: 19800101, BirthTo: 19801231, Kommune: 751}, []pnr.PNR{anna}},
		{"road", Query{Address: &AddressQuery{Kommune: 101, Vejkode: f.addr(101, 3).Vejkode}}, []pnr.PNR{other}},
		{"house", Query{Address: &AddressQuery{Kommune: 101, Vejkode: f.addr(101, 1).Vejkode, Husnr: f.addr(101, 1).Husnr}}, []pnr.PNR{jens}},
		{"nobody", Query{Name: "Zzyzx"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := f.r.Search(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(pnrs(got), tc.want) {
				t.Fatalf("got %v, want %v", pnrs(got), tc.want)
			}
		})
	}
	// Moving out: no longer found at the house now, found historically.
	old := f.get(jens).Residence.Address
	f.apply(Move{PNR: jens, Effective: f.today(), Address: f.addr(101, 40)})
	house := &AddressQuery{Kommune: old.Kommunekode, Vejkode: old.Vejkode, Husnr: old.Husnr}
	if got, _, _ := f.r.Search(Query{Address: house}); len(got) != 0 {
		t.Fatalf("moved person still at the house: %v", pnrs(got))
	}
	house.Historical = true
	if got, _, _ := f.r.Search(Query{Address: house}); !slices.Equal(pnrs(got), []pnr.PNR{jens}) {
		t.Fatalf("historical: %v", pnrs(got))
	}
	// Paging.
	var seen []pnr.PNR
	var after pnr.PNR
	for range 10 {
		got, next, err := f.r.Search(Query{Name: "Holm", Limit: 3, After: after})
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, pnrs(got)...)
		if next == 0 {
			break
		}
		after = next
	}
	if !slices.Equal(seen, many) {
		t.Fatalf("paged %v, want %v", seen, many)
	}
	if _, _, err := f.r.Search(Query{Sex: pnr.Male}); err == nil {
		t.Fatal("a search by sex alone should be refused")
	}
}

func sorted(ps ...pnr.PNR) []pnr.PNR {
	slices.Sort(ps)
	return ps
}

// TestSearchHidden pages a search with hidden persons: they neither fill a
// page nor end one, the cursor is always a person shown, and no page after
// a cursor is empty.
func TestSearchHidden(t *testing.T) {
	f := openFixture(t)
	var all []pnr.PNR
	for i := range 9 {
		all = append(all, f.immigrant(19700101, pnr.Male, "Lund", 461, 10+i))
	}
	slices.Sort(all)
	hidden := map[pnr.PNR]bool{all[1]: true, all[2]: true, all[3]: true, all[8]: true}
	hide := func(p *Person) bool { return hidden[p.PNR] }
	var shown, want []pnr.PNR
	for _, p := range all {
		if !hidden[p] {
			want = append(want, p)
		}
	}
	var after pnr.PNR
	for pages := 0; ; pages++ {
		if pages > len(all) {
			t.Fatal("paging does not end")
		}
		got, next, err := f.r.Search(Query{Name: "Lund", Limit: 2, After: after, Hide: hide})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 && after != 0 {
			t.Fatalf("an empty page after cursor %v", after)
		}
		for _, p := range got {
			shown = append(shown, p.PNR)
		}
		if next == 0 {
			break
		}
		if hidden[next] || next != got[len(got)-1].PNR {
			t.Fatalf("cursor %v is not the last person shown (%v)", next, got[len(got)-1].PNR)
		}
		if len(got) != 2 {
			t.Fatalf("a page of %d with a cursor, want 2", len(got))
		}
		after = next
	}
	if !slices.Equal(shown, want) {
		t.Fatalf("shown %v, want %v", shown, want)
	}
}
