package register

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
)

func TestMove(t *testing.T) {
	f := openFixture(t)
	p := f.immigrant(19800101, pnr.Female, "Hansen", 101, 1)
	from := f.get(p).Residence
	to := f.addr(751, 2)
	eff := f.today().AddDays(-3)
	res := f.apply(Move{PNR: p, Effective: eff, Address: to})

	got := f.get(p)
	if got.Residence.Address != to || got.Residence.From != eff {
		t.Fatalf("residence = %+v", got.Residence)
	}
	if got.Residence.PreviousKommune != 101 || got.Residence.KommuneFrom != eff {
		t.Fatalf("kommune arrival = %v from %d", got.Residence.KommuneFrom, got.Residence.PreviousKommune)
	}
	if got.Seq != res.Seq {
		t.Fatalf("seq = %d, want %d", got.Seq, res.Seq)
	}
	// The address index answers who lived where on which day.
	for _, tc := range []struct {
		name string
		a    address.Address
		on   date.Date
		want bool
	}{
		{"old address before the move", from.Address, eff.AddDays(-1), true},
		{"old address on move day", from.Address, eff, false},
		{"new address on move day", to, eff, true},
		{"new address before", to, eff.AddDays(-1), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := f.r.Residents(tc.a, tc.on)
			if err != nil {
				t.Fatal(err)
			}
			found := slices.ContainsFunc(rs, func(r Resident) bool { return r.PNR == p })
			if found != tc.want {
				t.Fatalf("resident = %v, want %v (%+v)", found, tc.want, rs)
			}
		})
	}
	// Within the kommune: arrival date and previous kommune stay.
	f.apply(Move{PNR: p, Effective: f.today(), Address: f.addr(751, 3)})
	if got := f.get(p); got.Residence.KommuneFrom != eff || got.Residence.PreviousKommune != 101 {
		t.Fatalf("within-kommune move changed the kommune arrival: %+v", got.Residence)
	}
	// Special vejkode: status 03.
	f.apply(Move{PNR: p, Effective: f.today(), Address: address.Address{Kommunekode: 751, Vejkode: specialVejkode(t, f.roads, 751)}})
	if got := f.get(p); got.Status != StatusActiveSpecial {
		t.Fatalf("status at special vejkode = %d", got.Status)
	}
}

func specialVejkode(t *testing.T, rs *address.Roads, k uint16) uint16 {
	for _, r := range rs.InKommune(k) {
		if r.Vejkode >= 9900 {
			return r.Vejkode
		}
	}
	t.Fatal("no special vejkode in demo roads")
	return 0
}

func TestMoveRefused(t *testing.T) {
	f := openFixture(t)
	p := f.immigrant(19800101, pnr.Female, "Hansen", 101, 1)
	dead := f.immigrant(19500101, pnr.Male, "Jensen", 101, 2)
	f.apply(Death{PNR: dead, Effective: f.today()})
	gone := f.immigrant(19700101, pnr.Male, "Larsen", 101, 3)
	f.apply(Emigration{PNR: gone, Effective: f.today(), Foreign: Foreign{Country: 5110, Lines: []string{"Storgata 1", "Oslo"}}})
	before := f.get(p)
	for _, tc := range []struct {
		name string
		c    Move
		want error
	}{
		{"dead", Move{PNR: dead, Effective: f.today(), Address: f.addr(101, 9)}, ErrDead},
		{"emigrated", Move{PNR: gone, Effective: f.today(), Address: f.addr(101, 9)}, ErrEmigrated},
		{"unknown person", Move{PNR: pnr.MustParse("0101701234"), Effective: f.today(), Address: f.addr(101, 9)}, ErrNotFound},
		{"too far ahead", Move{PNR: p, Effective: f.today().AddDays(29), Address: f.addr(101, 9)}, ErrFuture},
		{"before the current address", Move{PNR: p, Effective: before.Residence.From.AddDays(-1), Address: f.addr(101, 9)}, ErrTooEarly},
		{"no date", Move{PNR: p, Address: f.addr(101, 9)}, ErrInvalid},
		{"unknown road", Move{PNR: p, Effective: f.today(), Address: address.Address{Kommunekode: 101, Vejkode: 9898, Husnr: "1"}}, ErrInvalid},
		{"no address", Move{PNR: p, Effective: f.today()}, ErrInvalid},
		{"same address", Move{PNR: p, Effective: f.today(), Address: before.Residence.Address}, ErrSameAddress},
	} {
		t.Run(tc.name, func(t *testing.T) { f.refuse(tc.c, tc.want) })
	}
	var ie *InputError
	_, err := f.r.Apply(t.Context(), Move{PNR: p, Effective: f.today(), Address: address.Address{Kommunekode: 101, Vejkode: 9898, Husnr: "1"}}, Meta{})
	if !errors.As(err, &ie) || ie.Field != "address" || !errors.Is(err, address.ErrUnknownRoad) {
		t.Fatalf("unknown road error = %v", err)
	}
	if ahead := f.today().AddDays(28); true {
		f.apply(Move{PNR: p, Effective: ahead, Address: f.addr(101, 9)})
		// Registered ahead of time: today the person still lives at the old address.
		if got := f.get(p); got.Residence.Address != before.Residence.Address {
			t.Fatalf("a move registered ahead shows before its date: %+v", got.Residence)
		}
		got, err := f.r.AsOf(p, ahead, time.Time{})
		if err != nil || got.Residence.Address != f.addr(101, 9) {
			t.Fatalf("as of the move date: %+v, %v", got, err)
		}
	}
}

func TestBirth(t *testing.T) {
	f := openFixture(t)
	mother := f.immigrant(19900512, pnr.Female, "Nielsen", 461, 1)
	father := f.immigrant(19880301, pnr.Male, "Sørensen", 461, 2)
	born := f.today().AddDays(-2)
	res := f.apply(Birth{Mother: mother, Father: father, BirthDate: born, Sex: pnr.Male, Name: Name{First: "Oscar"}})
	child := f.get(res.PNR)
	switch {
	case date.Of(res.PNR.BirthDate()) != born || res.PNR.Sex() != pnr.Male:
		t.Fatalf("pnr does not carry birth date and sex")
	case !res.PNR.Mod11():
		t.Fatalf("first number of a date should pass modulus 11")
	case child.Mother != mother || child.Father != father:
		t.Fatalf("parents = %v %v", child.Mother, child.Father)
	case child.Residence.Address != f.get(mother).Residence.Address:
		t.Fatalf("child not at the mother's address")
	case child.Name.Last != "Nielsen" || child.Name.Addressing != "Nielsen,Oscar":
		t.Fatalf("name = %+v", child.Name)
	case child.Civil.Code != CivilUnmarried || child.Status != StatusActive || child.StatusFrom != born:
		t.Fatalf("civil/status = %c %d %v", child.Civil.Code, child.Status, child.StatusFrom)
	case !slices.Contains(f.get(mother).Children, res.PNR) || !slices.Contains(f.get(father).Children, res.PNR):
		t.Fatalf("parents do not list the child")
	}
	// A twin gets the next number.
	twin := f.apply(Birth{Mother: mother, Father: father, BirthDate: born, Sex: pnr.Male, Name: Name{First: "Noah"}})
	if twin.PNR == res.PNR || twin.PNR.BirthDate() != res.PNR.BirthDate() {
		t.Fatalf("twin numbers %v %v", twin.PNR, res.PNR)
	}
	// Elsewhere than the mother.
	other := f.addr(101, 7)
	res3 := f.apply(Birth{Mother: mother, BirthDate: born, Sex: pnr.Female, Name: Name{First: "Ida"}, Address: other})
	if f.get(res3.PNR).Residence.Address != other {
		t.Fatalf("given address ignored")
	}
	for _, tc := range []struct {
		name string
		c    Birth
		want error
	}{
		{"unknown mother", Birth{Mother: pnr.MustParse("0101701234"), BirthDate: born, Sex: pnr.Male}, ErrInvalid},
		{"future", Birth{Mother: mother, BirthDate: f.today().AddDays(1), Sex: pnr.Male}, ErrFuture},
		{"no sex", Birth{Mother: mother, BirthDate: born}, ErrInvalid},
		{"mother too young", Birth{Mother: mother, BirthDate: 19950101, Sex: pnr.Male}, ErrTooEarly},
		{"father is mother", Birth{Mother: mother, Father: mother, BirthDate: born, Sex: pnr.Male}, ErrInvalid},
		{"control character in name", Birth{Mother: mother, BirthDate: born, Sex: pnr.Male, Name: Name{First: "A\x00"}}, ErrInvalid},
		{"name outside Latin-1", Birth{Mother: mother, BirthDate: born, Sex: pnr.Male, Name: Name{First: "Zoë✓"}}, ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) { f.refuse(tc.c, tc.want) })
	}
}

func TestMarriageDivorceDeath(t *testing.T) {
	f := openFixture(t)
	a := f.immigrant(19850101, pnr.Female, "Holm", 751, 1)
	b := f.immigrant(19840202, pnr.Male, "Dahl", 751, 2)
	c := f.immigrant(19830303, pnr.Female, "Lund", 751, 3)
	kid := f.immigrant(20150101, pnr.Male, "Lund", 751, 4)
	wed := f.today().AddDays(-10)
	f.apply(Marriage{PNR: a, Spouse: b, Effective: wed})
	if pa, pb := f.get(a), f.get(b); pa.Civil != (CivilState{CivilMarried, b, wed}) || pb.Civil != (CivilState{CivilMarried, a, wed}) {
		t.Fatalf("civil after marriage: %+v / %+v", pa.Civil, pb.Civil)
	}
	for _, tc := range []struct {
		name string
		c    Change
		want error
	}{
		{"bigamy", Marriage{PNR: c, Spouse: a, Effective: f.today()}, ErrNotFree},
		{"self", Marriage{PNR: c, Spouse: c, Effective: f.today()}, ErrSamePerson},
		{"underage", Marriage{PNR: c, Spouse: kid, Effective: f.today()}, ErrUnderage},
		{"future", Marriage{PNR: c, Spouse: c, Effective: f.today().AddDays(1)}, ErrSamePerson},
		{"divorce unmarried", Divorce{PNR: c, Effective: f.today()}, ErrNotMarried},
		{"divorce before wedding", Divorce{PNR: a, Effective: wed.AddDays(-1)}, ErrTooEarly},
	} {
		t.Run(tc.name, func(t *testing.T) { f.refuse(tc.c, tc.want) })
	}
	f.apply(Divorce{PNR: b, Effective: f.today()})
	if pa, pb := f.get(a), f.get(b); pa.Civil.Code != CivilDivorced || pb.Civil.Code != CivilDivorced {
		t.Fatalf("civil after divorce: %c %c", pa.Civil.Code, pb.Civil.Code)
	}
	// Partnership, then death: the survivor becomes L.
	f.apply(Marriage{PNR: a, Spouse: c, Effective: f.today(), Partnership: true})
	if got := f.get(c).Civil; got.Code != CivilPartnership || got.Spouse != a {
		t.Fatalf("partnership: %+v", got)
	}
	f.apply(Death{PNR: a, Effective: f.today()})
	if got := f.get(a); got.Status != StatusDead || got.Civil.Code != CivilDeceased {
		t.Fatalf("dead: %d %c", got.Status, got.Civil.Code)
	}
	if got := f.get(c).Civil; got.Code != CivilSurvivingPartner || got.Spouse != a {
		t.Fatalf("survivor: %+v", got)
	}
	f.refuse(Death{PNR: a, Effective: f.today()}, ErrDead)
	f.refuse(Marriage{PNR: b, Spouse: a, Effective: f.today()}, ErrDead)
	// A widow may marry again.
	f.apply(Marriage{PNR: c, Spouse: b, Effective: f.today()})
	f.apply(Death{PNR: b, Effective: f.today()})
	if got := f.get(c).Civil; got.Code != CivilWidowed {
		t.Fatalf("widow: %+v", got)
	}
	// The dead person no longer lives at the address.
	rs, err := f.r.Residents(f.addr(751, 2), f.today())
	if err != nil || len(rs) != 0 {
		t.Fatalf("residents after death: %+v %v", rs, err)
	}
}

func TestEmigrationAndReturn(t *testing.T) {
	f := openFixture(t)
	p := f.immigrant(19750101, pnr.Male, "Kjær", 851, 1)
	stay := f.immigrant(19750101, pnr.Female, "Kjær", 851, 2)
	f.refuse(Immigration{PNR: stay, Effective: f.today(), Address: f.addr(851, 3)}, ErrNotEmigrated)
	f.refuse(Emigration{PNR: p, Effective: f.today()}, ErrInvalid)
	f.apply(Emigration{PNR: p, Effective: f.today(), Foreign: Foreign{Country: 5120, Lines: []string{"Drottninggatan 5", "Stockholm"}}})
	got := f.get(p)
	if got.Status != StatusEmigrated || !got.Residence.Address.IsZero() || got.Residence.Foreign.Country != 5120 || got.Residence.PreviousKommune != 851 {
		t.Fatalf("emigrated: %+v", got)
	}
	f.clock.Advance(48 * time.Hour)
	res := f.apply(Immigration{PNR: p, Effective: f.today(), Address: f.addr(101, 5)})
	if res.PNR != p {
		t.Fatalf("returning person got a new number")
	}
	got = f.get(p)
	if got.Status != StatusActive || got.Residence.Address != f.addr(101, 5) || got.Residence.PreviousKommune != 0 {
		t.Fatalf("returned: %+v", got.Residence)
	}
}

func TestNameAndProtection(t *testing.T) {
	f := openFixture(t)
	p := f.immigrant(19600101, pnr.Female, "Poulsen", 147, 1)
	old := f.get(p).Name
	f.apply(NameChange{PNR: p, Effective: f.today(), Name: Name{First: "Grethe", Middle: "Marie", Last: "Bach"}})
	if got := f.get(p).Name; got.Last != "Bach" || got.Addressing != "Bach,Grethe Marie" {
		t.Fatalf("name %+v", got)
	}
	if got, _ := f.r.AsOf(p, f.today().AddDays(-1), time.Time{}); got.Name.Last != old.Last {
		t.Fatalf("old name as of yesterday: %+v", got.Name)
	}
	f.refuse(NameChange{PNR: p, Effective: f.today(), Name: Name{First: "X"}}, ErrInvalid)
	f.refuse(ProtectionChange{PNR: p, Type: ProtectNameAddress, Effective: f.today()}, ErrNotProtected)
	f.refuse(ProtectionChange{PNR: p, Type: 9, On: true, Effective: f.today()}, ErrInvalid)
	end := f.today().AddDays(365)
	f.apply(ProtectionChange{PNR: p, Type: ProtectNameAddress, On: true, Effective: f.today(), End: end})
	got := f.get(p)
	if !got.Protected(ProtectNameAddress, f.today()) || len(got.Protections) != 1 || got.Protections[0].To != end {
		t.Fatalf("protections %+v", got.Protections)
	}
	// After the end date, Get no longer shows it.
	f.clock.Advance(366 * 24 * time.Hour)
	if got := f.get(p); len(got.Protections) != 0 {
		t.Fatalf("expired protection still shown: %+v", got.Protections)
	}
	f.apply(ProtectionChange{PNR: p, Type: ProtectMarketing, On: true, Effective: f.today()})
	f.apply(ProtectionChange{PNR: p, Type: ProtectMarketing, Effective: f.today()})
	if got := f.get(p); got.Protected(ProtectMarketing, f.today()) {
		t.Fatalf("protection not taken off")
	}
}

func TestPNRChange(t *testing.T) {
	f := openFixture(t)
	mother := f.immigrant(19700101, pnr.Female, "Krogh", 101, 1)
	father := f.immigrant(19690101, pnr.Male, "Krogh", 101, 1)
	f.apply(Marriage{PNR: mother, Spouse: father, Effective: f.today().AddDays(-30)})
	kid := f.apply(Birth{Mother: mother, Father: father, BirthDate: f.today().AddDays(-20), Sex: pnr.Female, Name: Name{First: "Alma"}}).PNR
	res := f.apply(PNRChange{PNR: father, Effective: f.today(), Sex: pnr.Female})
	nw := res.PNR
	old := f.get(father)
	np := f.get(nw)
	switch {
	case nw.Sex() != pnr.Female || nw.BirthDate() != father.BirthDate():
		t.Fatalf("new number does not carry the new sex")
	case old.Status != StatusPNRChanged || old.CurrentPNR != nw:
		t.Fatalf("old record: status %d current %v", old.Status, old.CurrentPNR)
	case np.PreviousPNR != father || np.Status != StatusActive || np.Sex != pnr.Female:
		t.Fatalf("new record: %+v", np)
	case np.Civil.Spouse != mother || f.get(mother).Civil.Spouse != nw:
		t.Fatalf("spouse links not moved")
	case f.get(kid).Father != nw || !slices.Contains(np.Children, kid):
		t.Fatalf("child links not moved")
	case np.Residence.Address != old.Residence.Address || np.Name != old.Name:
		t.Fatalf("facts not carried over")
	}
	if got := f.get(mother).Children; !slices.Contains(got, kid) {
		t.Fatalf("mother lost her child: %v", got)
	}
	f.refuse(Move{PNR: father, Effective: f.today(), Address: f.addr(101, 5)}, ErrNotActive)
	rs, _ := f.r.Residents(np.Residence.Address, f.today())
	if slices.ContainsFunc(rs, func(r Resident) bool { return r.PNR == father }) || !slices.ContainsFunc(rs, func(r Resident) bool { return r.PNR == nw }) {
		t.Fatalf("residents after pnr change: %+v", rs)
	}
}

func TestCorrection(t *testing.T) {
	f := openFixture(t)
	p := f.immigrant(19800101, pnr.Male, "Madsen", 101, 1)
	wrong := f.addr(101, 8)
	moved := f.today().AddDays(-5)
	mv := f.apply(Move{PNR: p, Effective: moved, Address: wrong})
	beforeCorrection := f.clock.Now()
	f.clock.Advance(time.Hour)
	right := f.addr(101, 9)
	f.apply(Correction{PNR: p, Fact: FactAddress, Target: mv.Seq, Address: &right, Effective: moved.AddDays(-1)})

	if got := f.get(p); got.Residence.Address != right || got.Residence.From != moved.AddDays(-1) {
		t.Fatalf("after correction: %+v", got.Residence)
	}
	// As the register knew it before the correction: the wrong address.
	got, err := f.r.AsOf(p, f.today(), beforeCorrection)
	if err != nil || got.Residence.Address != wrong {
		t.Fatalf("as known before the correction: %+v %v", got, err)
	}
	hist, err := f.r.History(p)
	if err != nil {
		t.Fatal(err)
	}
	var marked, correcting bool
	for _, h := range hist {
		if h.Fact == FactAddress && h.Seq == mv.Seq && h.Marker == MarkK && h.Address == wrong {
			marked = true
		}
		if h.Fact == FactAddress && h.Marker == MarkCorrects && h.Target == mv.Seq {
			correcting = true
		}
	}
	if !marked || !correcting {
		t.Fatalf("history does not keep the corrected entry: %+v", hist)
	}
	// The index follows the correction.
	if rs, _ := f.r.Residents(wrong, f.today()); len(rs) != 0 {
		t.Fatalf("wrong address still indexed: %+v", rs)
	}
	if rs, _ := f.r.Residents(right, moved.AddDays(-1)); len(rs) != 1 {
		t.Fatalf("corrected address not indexed: %+v", rs)
	}
	// Annul a name change registered by mistake.
	nc := f.apply(NameChange{PNR: p, Effective: f.today(), Name: Name{First: "Fejl", Last: "Fejlsen"}})
	f.apply(Correction{PNR: p, Fact: FactName, Target: nc.Seq, Annul: true})
	if got := f.get(p).Name; got.Last != "Madsen" {
		t.Fatalf("annulled name still in force: %+v", got)
	}
	f.refuse(Correction{PNR: p, Fact: FactName, Target: 999}, ErrNoSuchEntry)
	f.refuse(Correction{PNR: p, Fact: FactCivil, Target: 1}, ErrInvalid)
	f.refuse(Correction{PNR: p, Fact: FactAddress, Target: mv.Seq, Address: &right}, ErrNoSuchEntry)
}

func TestIdempotency(t *testing.T) {
	f := openFixture(t)
	p := f.immigrant(19800101, pnr.Male, "Madsen", 101, 1)
	m := Meta{Actor: "clerk", IdempotencyKey: "k1", BodyHash: [32]byte{1}}
	c := Move{PNR: p, Effective: f.today(), Address: f.addr(101, 4)}
	first, err := f.r.Apply(t.Context(), c, m)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.r.Apply(t.Context(), c, m)
	if err != nil || !again.Replayed || again.Seq != first.Seq || again.ID != first.ID {
		t.Fatalf("replay = %+v, %v", again, err)
	}
	m.BodyHash = [32]byte{2}
	if _, err := f.r.Apply(t.Context(), c, m); !errors.Is(err, ErrIdempotencyKey) {
		t.Fatalf("other body: %v", err)
	}
	// The same key from another actor is another request.
	m2 := Meta{Actor: "other", IdempotencyKey: "k1", BodyHash: [32]byte{1}}
	if _, err := f.r.Apply(t.Context(), Move{PNR: p, Effective: f.today(), Address: f.addr(101, 6)}, m2); err != nil {
		t.Fatal(err)
	}
	f.reopen()
	m.BodyHash = [32]byte{1}
	if again, err := f.r.Apply(t.Context(), c, m); err != nil || again.Seq != first.Seq {
		t.Fatalf("after reopen: %+v %v", again, err)
	}
}

// TestWrongKommune: a change carrying the clerk's kommune (Meta.Kommune)
// is refused for a person of another kommune before the change's own rules
// are checked, so the refusal tells the clerk nothing about the person.
func TestWrongKommune(t *testing.T) {
	f := openFixture(t)
	p := f.immigrant(19800101, pnr.Female, "Hansen", 101, 1)
	dead := f.immigrant(19500101, pnr.Male, "Jensen", 101, 2)
	f.apply(Death{PNR: dead, Effective: f.today()})
	name := Name{First: "Else", Last: "Hansen"}
	for _, tc := range []struct {
		name    string
		c       Change
		kommune uint16
		want    error
	}{
		{"another kommune", NameChange{PNR: p, Effective: f.today(), Name: name}, 751, ErrWrongKommune},
		{"another kommune, the person dead", NameChange{PNR: dead, Effective: f.today(), Name: name}, 751, ErrWrongKommune},
		{"own kommune, the person dead", NameChange{PNR: dead, Effective: f.today(), Name: name}, 101, ErrDead},
		{"a change without a person", Birth{}, 101, ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.r.LastSeq()
			_, err := f.r.Apply(context.Background(), tc.c, Meta{Actor: "test", Kommune: tc.kommune})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if f.r.LastSeq() != before {
				t.Fatalf("refused change moved the journal")
			}
		})
	}
	if _, err := f.r.Apply(context.Background(), NameChange{PNR: p, Effective: f.today(), Name: name}, Meta{Actor: "test", Kommune: 101}); err != nil {
		t.Fatalf("own kommune: %v", err)
	}
}
