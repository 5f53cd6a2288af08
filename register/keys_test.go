package register

import (
	"bytes"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata golden files (a storage format migration)")

// TestKeysGolden pins the storage format: every key kind, as bytes. A diff
// here is a format change and needs a format version bump and a migration.
func TestKeysGolden(t *testing.T) {
	p := pnr.MustParse("0101701234")
	a := address.Address{Kommunekode: 101, Vejkode: 234, Husnr: "12A", Etage: "st", Sidedoer: "tv"}
	var hash [idemHashLen]byte
	for i := range hash {
		hash[i] = byte(i)
	}
	keys := []struct {
		name string
		key  []byte
	}{
		{"meta format", metaKey("format")},
		{"person", appendPersonKey(nil, p)},
		{"history", appendHistoryKey(nil, p, 42, 3)},
		{"journal", appendJournalKey(nil, 42)},
		{"residence", appendResidenceKey(nil, a, p, 20240315)},
		{"birth date", appendBirthKey(nil, 19700101, p)},
		{"idempotency", appendIdempotencyKey(nil, hash)},
		{"format version value", (&enc{}).u32v(formatVersion)},
	}
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%-20s %s\n", k.name, hex.EncodeToString(k.key))
	}
	const path = "testdata/keys.golden"
	if *updateGolden {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != string(want) {
		t.Fatalf("storage keys changed (a format migration):\n got:\n%s\nwant:\n%s", got, want)
	}

	// Every key decodes back.
	if got, err := decodePersonKey(keys[1].key); err != nil || got != p {
		t.Errorf("person key: %v %v", got, err)
	}
	if gp, seq, ord, err := decodeHistoryKey(keys[2].key); err != nil || gp != p || seq != 42 || ord != 3 {
		t.Errorf("history key: %v %d %d %v", gp, seq, ord, err)
	}
	if seq, err := decodeJournalKey(keys[3].key); err != nil || seq != 42 {
		t.Errorf("journal key: %d %v", seq, err)
	}
	if ga, gp, from, err := decodeResidenceKey(keys[4].key); err != nil || ga != a || gp != p || from != 20240315 {
		t.Errorf("residence key: %+v %v %v %v", ga, gp, from, err)
	}
	if d, gp, err := decodeBirthKey(keys[5].key); err != nil || d != 19700101 || gp != p {
		t.Errorf("birth key: %v %v %v", d, gp, err)
	}
}

func TestKeyOrder(t *testing.T) {
	p := pnr.MustParse("0101701234")
	q := pnr.MustParse("0201701234")
	if bytes.Compare(appendJournalKey(nil, 255), appendJournalKey(nil, 256)) >= 0 {
		t.Error("journal keys out of order")
	}
	if bytes.Compare(appendHistoryKey(nil, p, 1<<40, 0), appendHistoryKey(nil, q, 1, 0)) >= 0 {
		t.Error("history keys do not group by person")
	}
	if bytes.Compare(appendBirthKey(nil, date.Date(19991231), q), appendBirthKey(nil, date.Date(20000101), p)) >= 0 {
		t.Error("birth keys not in date order")
	}
}

func TestDecodeKeysRejectGarbage(t *testing.T) {
	for _, k := range [][]byte{nil, {tagPerson}, {tagHistory, 1, 2}, {tagJournal}, bytes.Repeat([]byte{tagResidence}, residenceLen)} {
		if _, err := decodePersonKey(k); err == nil {
			t.Errorf("person key %x accepted", k)
		}
		if _, _, _, err := decodeHistoryKey(k); err == nil {
			t.Errorf("history key %x accepted", k)
		}
		if _, _, _, err := decodeResidenceKey(k); err == nil {
			t.Errorf("residence key %x accepted", k)
		}
	}
}
