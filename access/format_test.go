package access

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"cpr/pnr"
)

var update = flag.Bool("update", false, "rewrite testdata/format.golden (a storage format change: review it as a migration)")

// goldenEntry is a fixed entry whose keys and value the golden file pins.
func goldenEntry() (Entry, ulid.ULID) {
	at := time.Date(2024, 3, 5, 9, 0, 0, 123456789, time.UTC)
	id := ulid.MustNew(ulid.Timestamp(at), bytes.NewReader(bytes.Repeat([]byte{0xab}, 10)))
	return Entry{
		ID: id.String(), Time: at, User: "anne.clerk", Role: RoleClerk, PNR: pnr.MustParse("010170-1234"),
		Call: "GET /v1/persons/{pnr}", Purpose: "sag 2024-17", Outcome: OutcomeRead, Status: 200,
		PersonKommune: 147, Protected: true, UserKommune: 101,
		Token: "0123456789abcdef", Target: "change-extract:bank 2024-03-04 jsonl", Persons: 1234,
	}, id
}

// goldenV1Value is the value of goldenEntry as version 1 wrote it (before
// token, target and persons), pinned from testdata/format.golden at
// a401acf: old logs must still read.
const goldenV1Value = "01d5f01b0a616e6e652e636c65726b01f2acbf3015474554202f76312f706572736f6e732f7b706e727d0b73616720323032342d313701c80193016501"

func TestDecodeEntryVersion1(t *testing.T) {
	want, id := goldenEntry()
	want.Token, want.Target, want.Persons = "", "", 0
	v, err := hex.DecodeString(goldenV1Value)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeEntry(id, v)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("decoded\n%+v\nwant\n%+v", got, want)
	}
	for name, b := range map[string][]byte{
		"v1 with token flag": append(bytes.Clone(v[:len(v)-1]), 3),
		"v1 with a tail":     append(bytes.Clone(v), 0, 0),
	} {
		if _, err := decodeEntry(id, b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: decodeEntry = %v, want ErrCorrupt", name, err)
		}
	}
}

func formatDump() string {
	e, id := goldenEntry()
	var b strings.Builder
	line := func(name string, v []byte) { fmt.Fprintf(&b, "%-22s %s\n", name, hex.EncodeToString(v)) }
	recs, _ := appendRecords(nil, nil, &e, id)
	for _, r := range recs {
		line(fmt.Sprintf("%c key", r.Space), r.Key)
		if len(r.Value) > 0 {
			line(fmt.Sprintf("%c value", r.Space), r.Value)
		}
	}
	var h [hashLen]byte
	for i := range h {
		h[i] = byte(i)
	}
	line("U key (user)", userKey("anne.clerk"))
	line("U key (token index)", userTokenKey("anne.clerk", [tokenIDLen]byte(h[:tokenIDLen])))
	line("U key (citizen)", citizenKey(pnr.MustParse("010170-1234")))
	line("U key (citizen done)", citizenIndexKey())
	line("T key", tokenKey(h))
	fmt.Fprintf(&b, "%-22s %s\n", "token id", tokenID(h))
	return b.String()
}

func TestFormatGolden(t *testing.T) {
	path := filepath.Join("testdata", "format.golden")
	got := formatDump()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Fatalf("storage format changed (a migration; rerun with -update to accept):\ngot\n%s\nwant\n%s", got, want)
	}
}

func TestEntryRoundTrip(t *testing.T) {
	e, id := goldenEntry()
	got, err := decodeEntry(id, appendEntry(nil, &e))
	if err != nil {
		t.Fatal(err)
	}
	if got != e {
		t.Fatalf("decoded\n%+v\nwant\n%+v", got, e)
	}
	empty := Entry{ID: id.String(), Time: ulid.Time(id.Time()).UTC(), Call: "x", Outcome: OutcomeDenied, Status: 401}
	if got, err := decodeEntry(id, appendEntry(nil, &empty)); err != nil || got != empty {
		t.Fatalf("decoded %+v, %v; want %+v", got, err, empty)
	}
}

func TestDecodeEntryCorrupt(t *testing.T) {
	e, id := goldenEntry()
	v := appendEntry(nil, &e)
	cases := map[string][]byte{
		"empty":        nil,
		"version":      append([]byte{3}, v[1:]...),
		"truncated":    v[:len(v)-1],
		"trailing":     append(bytes.Clone(v), 0),
		"flags":        flagsByte(v, 4),
		"short token":  v[:flagsAt(v)+5],
		"nanos":        append([]byte{2, 0xc0, 0x84, 0x3d}, v[4:]...), // 1,000,000
		"string bound": {2, 0, 0xff, 0xff, 0x03},
	}
	for name, b := range cases {
		if _, err := decodeEntry(id, b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: decodeEntry = %v, want ErrCorrupt", name, err)
		}
	}
	if _, err := decodeLogKey(make([]byte, 15)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("decodeLogKey(short) = %v", err)
	}
	if _, err := decodeIndexID(make([]byte, 15)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("decodeIndexID(short) = %v", err)
	}
	var u User
	for _, b := range [][]byte{nil, {2, '{', '}'}, {1, '{'}} {
		if err := decodeRecord(b, &u); !errors.Is(err, ErrCorrupt) {
			t.Errorf("decodeRecord(%q) = %v", b, err)
		}
	}
}

// flagsAt is the offset of the flags byte in the golden entry's value.
func flagsAt(v []byte) int {
	e, _ := goldenEntry()
	e.Token, e.Target, e.Persons = "", "", 0
	return len(appendEntry(nil, &e)) - 1 - 1 - 1 // flags, empty target, zero persons
}

// flagsByte returns v with its flags byte replaced by f.
func flagsByte(v []byte, f byte) []byte {
	b := bytes.Clone(v)
	b[flagsAt(v)] = f
	return b
}

func FuzzDecodeEntry(f *testing.F) {
	e, id := goldenEntry()
	f.Add(appendEntry(nil, &e))
	e.PNR, e.User, e.Role, e.Purpose, e.Protected = 0, "", "", "", false
	f.Add(appendEntry(nil, &e))
	old, _ := hex.DecodeString(goldenV1Value)
	f.Add(old)
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decodeEntry(id, b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		again, err := decodeEntry(id, appendEntry(nil, &got))
		if err != nil || again != got {
			t.Fatalf("re-encoding changed the entry: %+v, %v; want %+v", again, err, got)
		}
	})
}

func TestParseTokenID(t *testing.T) {
	var h [hashLen]byte
	for i := range h {
		h[i] = byte(0xf0 + i)
	}
	id := tokenID(h)
	got, ok := parseTokenID(id)
	if !ok || !bytes.Equal(got[:], h[:tokenIDLen]) {
		t.Fatalf("parseTokenID(%q) = %x, %v", id, got, ok)
	}
	for _, bad := range []string{"", strings.ToUpper(id), id[:15] + "g", id + "0"} {
		if _, ok := parseTokenID(bad); ok {
			t.Errorf("parseTokenID(%q) accepted", bad)
		}
	}
}

func TestTokenIDEnd(t *testing.T) {
	for _, tt := range []struct {
		id   [tokenIDLen]byte
		want []byte
	}{
		{[tokenIDLen]byte{1, 2, 3, 4, 5, 6, 7, 8}, []byte{1, 2, 3, 4, 5, 6, 7, 9}},
		{[tokenIDLen]byte{1, 2, 3, 4, 5, 6, 0xff, 0xff}, []byte{1, 2, 3, 4, 5, 7}},
		{[tokenIDLen]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, nil},
	} {
		if got := tokenIDEnd(tt.id); !bytes.Equal(got, tt.want) {
			t.Errorf("tokenIDEnd(%x) = %x, want %x", tt.id, got, tt.want)
		}
	}
	if got, want := userTokenEnd("ab"), []byte{0, 'a', 'b', 1}; !bytes.Equal(got, want) {
		t.Errorf("userTokenEnd = %x, want %x", got, want)
	}
}
