package register

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
)

// Fuzz tests of the storage decoders: they never panic, every error wraps
// ErrCorrupt, and whatever decodes re-encodes to the same bytes.
//
// The round trip is exact except for three non-canonical forms the value
// decoders accept (TestDecodersRejectNonCanonical shows each): a uvarint
// with redundant continuation bytes (encoding/binary.Uvarint takes them),
// an address presence byte other than 0 or 1 (read as present), and a
// boolean byte other than 0 or 1 (read as false). For those the fuzzers
// compare the re-encoding with canonical(input): the input with minimal
// uvarints and 0/1 presence and boolean bytes, rewritten by a parser of
// the documented layout below. So a decoder that misreads a field still
// fails, and the exceptions stay exactly these three.

// canon rewrites an accepted encoding in canonical form, following the
// layout of appendPerson, appendEntry and appendEvent.
type canon struct{ in, out []byte }

func (c *canon) fixed(n int) { c.out = append(c.out, c.in[:n]...); c.in = c.in[n:] }

func (c *canon) uvarint() int {
	v, n := binary.Uvarint(c.in)
	c.in = c.in[n:]
	c.out = binary.AppendUvarint(c.out, v)
	return int(v)
}

func (c *canon) str() { c.fixed(c.uvarint()) }

func (c *canon) flag(present func()) {
	b := c.in[0]
	c.in = c.in[1:]
	c.out = append(c.out, boolByte(b != 0))
	if b != 0 {
		present()
	}
}

func (c *canon) boolean() {
	c.out = append(c.out, boolByte(c.in[0] == 1))
	c.in = c.in[1:]
}

func (c *canon) name() {
	for range 4 {
		c.str()
	}
}

func (c *canon) addressAndForeign() {
	c.flag(func() { c.fixed(addrLen) })
}

func (c *canon) foreign() {
	c.fixed(2)
	for range c.uvarint() {
		c.str()
	}
}

func canonPerson(b []byte) []byte {
	c := &canon{in: b}
	c.fixed(1 + 3*pnrLen + 1 + 4 + 1 + 4) // version, pnr, current, previous, status, from, sex, birth
	c.name()
	c.fixed(4)
	c.addressAndForeign()
	c.fixed(4 + 4 + 2) // from, kommune from, previous kommune
	c.foreign()
	c.fixed(1 + pnrLen + 4 + 2*pnrLen) // civil, spouse, from, mother, father
	c.fixed(c.uvarint() * pnrLen)
	c.fixed(2 + 4)
	c.fixed(c.uvarint() * (2 + 4 + 4))
	c.uvarint()
	if b[0] == 1 {
		// Version 1 has no open-stay day; it re-encodes as the current
		// version with the day unknown (0).
		c.out[0] = personVersion
		c.out = append(c.out, 0, 0, 0, 0)
	} else {
		c.fixed(4) // open stay
	}
	return c.out
}

func canonEntry(b []byte) []byte {
	c := &canon{in: b}
	fact := Fact(b[1])
	c.fixed(1 + 1 + 8 + 4 + 4 + 1) // version, fact, registered, from, to, marker
	c.uvarint()
	switch fact {
	case FactStatus:
		c.fixed(1)
	case FactName:
		c.name()
	case FactAddress:
		c.addressAndForeign()
		c.foreign()
	case FactCivil:
		c.fixed(1 + pnrLen)
	case FactProtection:
		c.fixed(2)
		c.boolean()
	case FactCitizenship:
		c.fixed(2)
	case FactChild:
		c.fixed(pnrLen)
		c.boolean()
	}
	return c.out
}

func canonEvent(b []byte) []byte {
	c := &canon{in: b}
	c.fixed(1 + 16 + 8 + 1 + pnrLen) // version, id, seq, kind, pnr
	c.fixed(c.uvarint() * pnrLen)
	c.fixed(4 + 8 + 2 + 2) // effective, registered, kommune from, to
	c.str()
	v, n := binary.Uvarint(c.in)
	inner := canonPerson(c.in[n : n+int(v)])
	c.out = append(binary.AppendUvarint(c.out, uint64(len(inner))), inner...)
	return c.out
}

// roundTrip checks that a decoded value re-encodes to canonical(b) and
// decodes again to the same value.
func roundTrip[T any](t *testing.T, b []byte, v T, encode func(T) []byte, canonical func([]byte) []byte, decode func([]byte) (T, error)) {
	t.Helper()
	var want []byte
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("the decoder accepted %x, which does not follow the documented layout (%v)", b, r)
			}
		}()
		want = canonical(b)
	}()
	got := encode(v)
	if !bytes.Equal(got, want) {
		t.Fatalf("decoded %x\n to %+v\nwhich encodes to %x\n      canonical %x", b, v, got, want)
	}
	again, err := decode(got)
	if err != nil || !reflect.DeepEqual(again, v) {
		t.Fatalf("re-encoding %x decodes to %+v, %v; want %+v", got, again, err, v)
	}
}

// decodes runs a decoder and turns a panic into a test failure, so that a
// seed that panics fails its fuzz test and not the whole test binary.
func decodes(t *testing.T, what string, b []byte, decode func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s decoder panics on %x: %v", what, b, r)
		}
	}()
	decode()
}

func mustCorrupt(t *testing.T, b []byte, err error) {
	t.Helper()
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("decoding %x: error %v does not wrap ErrCorrupt", b, err)
	}
}

// fuzzPersons are realistic records: the seeds of the fuzzers.
func fuzzPersons() []*Person {
	p := pnr.MustParse("0101701234")
	a := address.Address{Kommunekode: 101, Vejkode: 234, Husnr: "12A", Etage: "st", Sidedoer: "tv"}
	return []*Person{
		{PNR: p, Status: StatusActive, StatusFrom: 19700101, Sex: pnr.Male, BirthDate: 19700101,
			Name:      Name{First: "Jens Peter", Middle: "Ærø", Last: "Sørensen", Addressing: "Sørensen,Jens Peter Ærø", From: 19700101},
			Residence: Residence{Address: a, From: 20200301, KommuneFrom: 20190101, PreviousKommune: 751},
			Civil:     CivilState{Code: CivilMarried, Spouse: pnr.MustParse("0202711234"), From: 20000601},
			Mother:    pnr.MustParse("0303451234"), Children: []pnr.PNR{pnr.MustParse("0404051234"), pnr.MustParse("0505081234")},
			Citizenship: 5100, CitizenFrom: 19700101,
			Protections: []ProtectionPeriod{{Type: ProtectNameAddress, From: 20240101, To: 20260101}, {Type: ProtectMarketing, From: 20250101}},
			Seq:         1234567},
		{PNR: p, CurrentPNR: pnr.MustParse("0101701235"), Status: StatusPNRChanged, StatusFrom: 20240101, Sex: pnr.Female, BirthDate: 19700101},
		{PNR: p, PreviousPNR: pnr.MustParse("0101701235"), Status: StatusEmigrated, StatusFrom: 20230101,
			Residence: Residence{From: 20230101, PreviousKommune: 101, Foreign: Foreign{Country: 5110, Lines: []string{"Storgata 1", "0150 Oslo"}}}},
	}
}

func fuzzEntries() []Entry {
	reg := time.Date(2026, 3, 2, 9, 0, 0, 123456789, time.UTC)
	a := address.Address{Kommunekode: 751, Vejkode: 9900}
	return []Entry{
		{Fact: FactStatus, Registered: reg, From: 20260302, Status: StatusActiveSpecial},
		{Fact: FactName, Registered: reg, From: 20260302, Marker: MarkCorrects, Target: 300, Name: Name{First: "Åse", Last: "Bæk", Addressing: "Bæk,Åse"}},
		{Fact: FactAddress, Registered: reg, From: 20260302, Address: a},
		{Fact: FactAddress, Registered: reg, From: 20260302, Marker: MarkAnnuls, Target: 1 << 40, Foreign: Foreign{Country: 5120, Lines: []string{"Drottninggatan 5"}}},
		{Fact: FactCivil, Registered: reg, From: 20100101, Civil: CivilWidowed, Spouse: pnr.MustParse("0101701234")},
		{Fact: FactProtection, Registered: reg, From: 20260101, To: 20270101, Protection: ProtectLocalDirectory, On: true},
		{Fact: FactCitizenship, Registered: reg, From: 20260101, Citizenship: 5390},
		{Fact: FactChild, Registered: reg, From: 20260101, Child: pnr.MustParse("0101261234"), On: true},
	}
}

func FuzzDecodePerson(f *testing.F) {
	for _, p := range fuzzPersons() {
		f.Add(appendPerson(nil, p))
	}
	f.Add([]byte{})
	f.Add([]byte{personVersion})
	f.Fuzz(func(t *testing.T, b []byte) {
		var p *Person
		var err error
		decodes(t, "person", b, func() { p, err = decodePerson(b) })
		if err != nil {
			mustCorrupt(t, b, err)
			return
		}
		roundTrip(t, b, p, func(p *Person) []byte { return appendPerson(nil, p) }, canonPerson, decodePerson)
	})
}

func FuzzDecodeEntry(f *testing.F) {
	for i, h := range fuzzEntries() {
		f.Add(appendEntry(nil, &h), uint64(i*1000), uint8(i))
	}
	f.Add([]byte{entryVersion, byte(FactChild)}, uint64(0), uint8(0))
	f.Fuzz(func(t *testing.T, b []byte, seq uint64, ord uint8) {
		var h Entry
		var err error
		decodes(t, "entry", b, func() { h, err = decodeEntry(b, seq, ord) })
		if err != nil {
			mustCorrupt(t, b, err)
			return
		}
		if h.Seq != seq || h.Ord != ord {
			t.Fatalf("seq/ord %d/%d, want %d/%d", h.Seq, h.Ord, seq, ord)
		}
		roundTrip(t, b, h, func(h Entry) []byte { return appendEntry(nil, &h) }, canonEntry,
			func(b []byte) (Entry, error) { return decodeEntry(b, seq, ord) })
	})
}

// FuzzHistoryValue decodes any history value, a single entry or a load
// bundle: it never panics, refuses with ErrCorrupt, and what it accepts
// re-encodes to entries that decode the same.
func FuzzHistoryValue(f *testing.F) {
	var loaded []Entry
	for i, h := range fuzzEntries() {
		f.Add(appendEntry(nil, &h), uint64(i*1000), uint8(i))
		h.Registered, h.Marker, h.Target = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC), MarkNone, 0
		loaded = append(loaded, h)
	}
	bundle, err := appendLoadBundle(nil, loaded)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(bundle, uint64(0), uint8(0))
	f.Add([]byte{loadBundle, 0, 0, 0, 0, 0, 0, 0, 1, 0}, uint64(0), uint8(0))
	f.Fuzz(func(t *testing.T, b []byte, seq uint64, ord uint8) {
		var hs []Entry
		var err error
		decodes(t, "history value", b, func() { hs, err = appendEntries(nil, b, seq, ord) })
		if err != nil {
			mustCorrupt(t, b, err)
			return
		}
		if len(b) > 0 && b[0] == loadBundle {
			again, err := appendLoadBundle(nil, hs)
			if err != nil {
				t.Fatal(err)
			}
			more, err := appendEntries(nil, again, 0, 0)
			if err != nil || !reflect.DeepEqual(more, hs) {
				t.Fatalf("a bundle does not decode as it was encoded: %v", err)
			}
		}
		for i, h := range hs {
			if len(b) > 0 && b[0] == loadBundle && (h.Seq != 0 || h.Ord != uint8(i)) {
				t.Fatalf("bundle entry %d: seq/ord %d/%d", i, h.Seq, h.Ord)
			}
			again, err := decodeEntry(appendEntry(nil, &h), h.Seq, h.Ord)
			if err != nil || !bytes.Equal(appendEntry(nil, &again), appendEntry(nil, &h)) {
				t.Fatalf("entry %d does not decode as it was encoded: %v", i, err)
			}
		}
	})
}

// FuzzNameCacheKeys checks that the name keys, which fold the first and
// the middle name apart, are the keys that folding the given names
// together makes, with the cache and without.
func FuzzNameCacheKeys(f *testing.F) {
	f.Add("Jens Peter", "Møller-Hansen", "Ærø")
	f.Add("", "Ib", "O'Neil")
	f.Add(" -Åse ", "", "de la Cour")
	f.Add("Zoë", "  ", "Ünal")
	var c nameCache
	f.Fuzz(func(t *testing.T, first, middle, last string) {
		n := Name{First: first, Middle: middle, Last: last}
		p := pnr.MustParse("0101701234")
		lastF, given := formsOf(last), formsOf(first+" "+middle)
		wantF := appendNameKey(nil, tagName, lastF.fold, given.fold, p)
		wantP := appendNameKey(nil, tagPhonetic, lastF.sound, given.sound, p)
		for _, cache := range []*nameCache{nil, &c, &c} { // computed; then computed and cached, and from the cache
			gotF, gotP := cache.keys(n, p, nil, nil)
			if !bytes.Equal(gotF, wantF) || !bytes.Equal(gotP, wantP) {
				t.Fatalf("%q %q %q: keys %q %q, want %q %q", first, middle, last, gotF, gotP, wantF, wantP)
			}
		}
	})
}

func FuzzDecodeEvent(f *testing.F) {
	for i, p := range fuzzPersons() {
		ev := &Event{Seq: uint64(i + 1), Kind: Kinds()[i], PNR: p.PNR, Related: p.Children, Effective: 20260302,
			Registered: time.Date(2026, 3, 2, 9, 0, 0, i, time.UTC), KommuneFrom: 101, KommuneTo: 751, Actor: "sagsbehandler", Person: p}
		ev.ID[0], ev.ID[15] = 1, byte(i)
		f.Add(appendEvent(nil, ev))
	}
	f.Add([]byte{eventVersion})
	f.Fuzz(func(t *testing.T, b []byte) {
		var ev *Event
		var err error
		decodes(t, "event", b, func() { ev, err = decodeEvent(b) })
		if err != nil {
			mustCorrupt(t, b, err)
			return
		}
		if ev.Person == nil {
			t.Fatalf("%x decodes to an event without a person", b)
		}
		roundTrip(t, b, ev, func(ev *Event) []byte { return appendEvent(nil, ev) }, canonEvent, decodeEvent)
	})
}

// FuzzDecodeKeys feeds the same bytes to every key decoder of keys.go
// (and to the idempotency record decoder): a key that decodes re-encodes
// to exactly its bytes, since keys are fixed width and have no
// alternative forms.
func FuzzDecodeKeys(f *testing.F) {
	p := pnr.MustParse("0101701234")
	a := address.Address{Kommunekode: 101, Vejkode: 234, Husnr: "12A", Etage: "st", Sidedoer: "tv"}
	var hash [idemHashLen]byte
	hash[3] = 7
	for _, k := range [][]byte{
		appendPersonKey(nil, p), appendHistoryKey(nil, p, 42, 3), appendJournalKey(nil, 1<<33),
		appendResidenceKey(nil, a, p, 20240315), appendBirthKey(nil, 19700101, p), appendIdempotencyKey(nil, hash),
		appendNameKey(nil, tagName, "soerensen", "jens peter", p), appendNameKey(nil, tagPhonetic, "srnsn", "", p),
		encodeIdempotency(hash, Result{Seq: 9, PNR: p, ID: [16]byte{1, 2, 3}}),
		// Found by this fuzzer: a name key whose only 0x00 is the last
		// byte before the pnr makes decodeNameKey slice body[2:1] and panic.
		[]byte("N0\x0000000000"),
	} {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, k []byte) {
		check := func(what string, err error, again []byte) {
			t.Helper()
			if err != nil {
				mustCorrupt(t, k, err)
			} else if !bytes.Equal(again, k) {
				t.Fatalf("%s key %x re-encodes to %x", what, k, again)
			}
		}
		var (
			p, q      pnr.PNR
			seq       uint64
			ord       uint8
			a         address.Address
			d         date.Date
			last, giv string
			err       error
		)
		decodes(t, "person key", k, func() { p, err = decodePersonKey(k) })
		check("person", err, appendPersonKey(nil, p))
		decodes(t, "history key", k, func() { p, seq, ord, err = decodeHistoryKey(k) })
		check("history", err, appendHistoryKey(nil, p, seq, ord))
		decodes(t, "journal key", k, func() { seq, err = decodeJournalKey(k) })
		check("journal", err, appendJournalKey(nil, seq))
		decodes(t, "residence key", k, func() { a, p, d, err = decodeResidenceKey(k) })
		check("residence", err, appendResidenceKey(nil, a, p, d))
		decodes(t, "birth key", k, func() { d, q, err = decodeBirthKey(k) })
		check("birth date", err, appendBirthKey(nil, d, q))
		if len(k) > 0 {
			decodes(t, "name key", k, func() { last, giv, p, err = decodeNameKey(k) })
			check("name", err, appendNameKey(nil, k[0], last, giv, p))
		}
		var body [32]byte
		copy(body[:], k)
		var res Result
		decodes(t, "idempotency record", k, func() { res, err = decodeIdempotency(k, body) })
		if err == nil {
			if got := encodeIdempotency(body, Result{ID: res.ID, Seq: res.Seq, PNR: res.PNR}); !bytes.Equal(got, k) {
				t.Fatalf("idempotency record %x re-encodes to %x", k, got)
			}
		} else if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrIdempotencyKey) {
			t.Fatalf("idempotency record %x: %v", k, err)
		}
	})
}

// TestDecodersRejectNonCanonical: "every decoder returns a wrapped
// ErrCorrupt on bad bytes" (STYLE.md). The value decoders accept three
// byte forms their encoders never write, so a flipped bit in a presence
// or boolean byte goes unnoticed (a protection or child entry then reads
// as off). The fuzzers tolerate exactly these (see canon).
func TestDecodersRejectNonCanonical(t *testing.T) {
	person := appendPerson(nil, fuzzPersons()[0])
	entries := fuzzEntries()
	child := appendEntry(nil, &entries[7])
	off := len(person) - 3 - 4 // the Seq uvarint, 3 bytes for 1234567, then the open-stay day
	if v, n := binary.Uvarint(person[off:]); v != 1234567 || n != 3 {
		t.Fatalf("layout changed: %d %d", v, n)
	}
	addrFlag := 1 + 3*pnrLen + 1 + 4 + 1 + 4 // after version, pnrs, status, from, sex, birth
	for _, s := range []string{"Jens Peter", "Ærø", "Sørensen", "Sørensen,Jens Peter Ærø"} {
		addrFlag += len(binary.AppendUvarint(nil, uint64(len(s)))) + len(s)
	}
	addrFlag += 4
	for _, tc := range []struct {
		name   string
		b      []byte
		decode func([]byte) error
	}{
		{"uvarint with a redundant continuation byte", append(append(bytes.Clone(person[:off]), 0x87, 0xad, 0xcb, 0x00), person[off+3:]...),
			func(b []byte) error { _, err := decodePerson(b); return err }},
		{"address presence byte 2", func() []byte { b := bytes.Clone(person); b[addrFlag] = 2; return b }(),
			func(b []byte) error { _, err := decodePerson(b); return err }},
		{"boolean byte 3", func() []byte { b := bytes.Clone(child); b[len(b)-1] = 3; return b }(),
			func(b []byte) error { _, err := decodeEntry(b, 1, 0); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.decode(tc.b); !errors.Is(err, ErrCorrupt) {
				t.Errorf("decoding %x: err = %v, want ErrCorrupt", tc.b, err)
			}
		})
	}
}

// TestCodecLimits: what the encoders write, the decoders read. The person
// decoder refuses more than 256 children and the event decoder more than
// 256 related persons, but appendPerson and appendEvent write any number,
// and no change refuses a 257th child (see TestManyChildrenStayReadable).
func TestCodecLimits(t *testing.T) {
	p := fuzzPersons()[0]
	for n := range 300 {
		p.Children = append(p.Children, pnr.MustParse(fmt.Sprintf("0101%02d%04d", n%100, 1000+n)))
	}
	if _, err := decodePerson(appendPerson(nil, p)); err != nil {
		t.Errorf("a person with %d children: %v", len(p.Children), err)
	}
	ev := &Event{Kind: KindPNRChange, PNR: p.PNR, Related: p.Children, Person: fuzzPersons()[1]}
	if _, err := decodeEvent(appendEvent(nil, ev)); err != nil {
		t.Errorf("an event with %d related persons: %v", len(ev.Related), err)
	}
}

// TestManyChildrenStayReadable: Birth puts no limit on a parent's
// children, the person encoder writes any number of them, and the
// decoder refuses more than 256: the 257th birth is accepted and leaves
// the mother's record unreadable (ErrCorrupt on every read and every
// change that involves her).
func TestManyChildrenStayReadable(t *testing.T) {
	if testing.Short() {
		t.Skip("257 births")
	}
	f := openFixture(t)
	mother := f.immigrant(19600101, pnr.Female, "Holm", 101, 1)
	born := date.Date(19800101)
	for i := range 257 {
		_, err := f.r.Apply(t.Context(), Birth{Mother: mother, BirthDate: born.AddDays(i * 30), Sex: pnr.Female, Name: Name{First: "Barn"}}, Meta{})
		if err != nil {
			t.Logf("birth %d refused: %v", i+1, err)
			break
		}
	}
	if _, err := f.r.Get(mother); err != nil {
		t.Errorf("the mother of 257 children: %v", err)
	}
	if _, err := f.r.Apply(t.Context(), NameChange{PNR: mother, Effective: f.today(), Name: Name{First: "Mor", Last: "Holm"}}, Meta{}); err != nil {
		t.Errorf("a change for her: %v", err)
	}
}
