package register

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"cpr/date"
	"cpr/pnr"
)

func (f *fixture) formatVersion() uint32 {
	f.t.Helper()
	v, closer, err := f.r.db.Get(metaKey("format"))
	if err != nil {
		f.t.Fatal(err)
	}
	defer closer.Close()
	d := dec{b: v}
	return d.u32()
}

func (f *fixture) setFormat(v uint32) {
	f.t.Helper()
	if err := f.r.db.Set(metaKey("format"), (&enc{}).u32v(v), pebble.Sync); err != nil {
		f.t.Fatal(err)
	}
}

// An older format opens, read-only as it is and for writing upgraded; a
// newer one is refused.
func TestFormatUpgrade(t *testing.T) {
	f := openFixture(t)
	if got := f.formatVersion(); got != formatVersion {
		t.Fatalf("new register: format %d, want %d", got, formatVersion)
	}
	f.setFormat(oldestFormat)
	f.r.Close()
	ro, err := Open(f.dir, Options{ReadOnly: true, CacheBytes: 8 << 20})
	if err != nil {
		t.Fatalf("read-only open of format %d: %v", oldestFormat, err)
	}
	ro.Close()
	f.r = nil
	f.reopen()
	if got := f.formatVersion(); got != formatVersion {
		t.Fatalf("after open: format %d, want %d", got, formatVersion)
	}
	f.setFormat(formatVersion + 1)
	f.r.Close()
	f.r = nil
	if _, err := Open(f.dir, Options{CacheBytes: 8 << 20}); !errors.Is(err, ErrFormatVersion) {
		t.Fatalf("open of format %d: %v, want ErrFormatVersion", formatVersion+1, err)
	}
	f.setFormatOffline(formatVersion)
	f.reopen()
}

// setFormatOffline writes the format version of a closed register.
func (f *fixture) setFormatOffline(v uint32) {
	f.t.Helper()
	db, err := pebble.Open(f.dir, &pebble.Options{Logger: pebbleLogger{slog.New(slog.DiscardHandler)}})
	if err != nil {
		f.t.Fatal(err)
	}
	if err := db.Set(metaKey("format"), (&enc{}).u32v(v), pebble.Sync); err != nil {
		f.t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		f.t.Fatal(err)
	}
}

// A loaded person's entries are one load bundle, and read as the entries
// of format 1 (one key each) read.
func TestLoadBundleReadsAsEntries(t *testing.T) {
	f := openFixture(t)
	birth := date.Date(19800402)
	parent := pnr.MustParse("0204801234")
	child := pnr.MustParse("1512101238")
	a := f.addr(101, 1)
	persons := []*Person{
		{PNR: parent, Status: StatusActive, StatusFrom: birth, Sex: pnr.Male, BirthDate: birth,
			Name:        Name{First: "Jens", Last: "Hansen", Addressing: "Hansen,Jens", From: birth},
			Residence:   Residence{Address: a, From: 20200101},
			Civil:       CivilState{Code: CivilUnmarried, From: birth},
			Citizenship: 5100, CitizenFrom: birth,
			Protections: []ProtectionPeriod{{Type: ProtectNameAddress, From: 20240101}},
			Children:    []pnr.PNR{child}},
		{PNR: child, Status: StatusActive, StatusFrom: 20101215, Sex: pnr.Female, BirthDate: 20101215,
			Name:        Name{First: "Ida", Last: "Hansen", Addressing: "Hansen,Ida", From: 20101215},
			Residence:   Residence{Address: a, From: 20200101},
			Civil:       CivilState{Code: CivilUnmarried, From: 20101215},
			Citizenship: 5100, CitizenFrom: 20101215, Father: parent},
	}
	if _, err := f.r.Load(context.Background(), slices.Values(persons)); err != nil {
		t.Fatal(err)
	}
	p := parent
	lo := appendHistoryPrefix(nil, p)
	it, err := f.r.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		t.Fatal(err)
	}
	var keys int
	for ok := it.First(); ok; ok = it.Next() {
		keys++
		if it.Value()[0] != loadBundle {
			t.Fatalf("loaded history value opens with %d, want the load bundle", it.Value()[0])
		}
	}
	it.Close()
	if keys != 1 {
		t.Fatalf("%d history keys for a loaded person, want 1", keys)
	}
	bundled, err := f.r.entries(p)
	if err != nil {
		t.Fatal(err)
	}
	// Status, name, address, civil status, citizenship, a protection and a child.
	if len(bundled) != 7 {
		t.Fatalf("%d entries, want 7", len(bundled))
	}
	for i, h := range bundled {
		if h.Seq != 0 || h.Ord != uint8(i) {
			t.Fatalf("entry %d: seq/ord %d/%d", i, h.Seq, h.Ord)
		}
	}
	// What a reader sees of the person: its history and the person now.
	read := func() ([]Entry, *Person) {
		history, err := f.r.History(p)
		if err != nil {
			t.Fatal(err)
		}
		asOf, err := f.r.AsOf(p, f.today(), f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return history, asOf
	}
	history, asOf := read()

	// The same person written as format 1 wrote it: a key per entry.
	b := f.r.db.NewBatch()
	if err := b.Delete(appendHistoryKey(nil, p, 0, 0), nil); err != nil {
		t.Fatal(err)
	}
	for i := range bundled {
		if err := b.Set(appendHistoryKey(nil, p, 0, uint8(i)), appendEntry(nil, &bundled[i]), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Commit(pebble.Sync); err != nil {
		t.Fatal(err)
	}
	single, err := f.r.entries(p)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(single, bundled, func(x, y Entry) bool {
		return string(appendEntry(nil, &x)) == string(appendEntry(nil, &y)) && x.Seq == y.Seq && x.Ord == y.Ord
	}) {
		t.Fatalf("format 1 entries differ from the bundle's:\n%+v\n%+v", single, bundled)
	}
	history1, asOf1 := read()
	if !reflect.DeepEqual(history1, history) || !reflect.DeepEqual(asOf1, asOf) {
		t.Fatalf("a format 1 history reads otherwise than the bundle:\n%+v\n%+v", history1, history)
	}
}

// A load bundle's entries of any length (an entry's length takes a second
// byte from 128 bytes) decode as they were written.
func TestLoadBundleEntryLengths(t *testing.T) {
	regT := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	var es []Entry
	for _, n := range []int{0, 1, 100, 114, 115, 116, 200, 20000} {
		es = append(es, Entry{Fact: FactName, From: 20200101, Registered: regT, Marker: MarkNone,
			Name: Name{Last: strings.Repeat("x", n), First: "A"}})
	}
	es = append(es, Entry{Fact: FactStatus, From: 19800402, Registered: regT, Marker: MarkNone, Status: StatusActive})
	b, err := appendLoadBundle([]byte("prefix"), es)
	if err != nil {
		t.Fatal(err)
	}
	got, err := appendEntries(nil, b[len("prefix"):], 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range es {
		es[i].Ord = uint8(i)
	}
	if !reflect.DeepEqual(got, es) {
		t.Fatalf("bundle decodes as\n%+v\nwant\n%+v", got, es)
	}
	if _, err := appendLoadBundle(nil, []Entry{{Fact: FactStatus, Registered: regT, Marker: MarkCorrects}}); err == nil {
		t.Fatal("a correction went into a load bundle")
	}
}
