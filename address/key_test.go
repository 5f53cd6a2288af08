package address

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestKeyGolden(t *testing.T) {
	f, err := os.Open("testdata/keys.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.HasPrefix(line, "kommunekode\t") {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 6 {
			t.Fatalf("bad golden line %q", line)
		}
		n++
		t.Run(line, func(t *testing.T) {
			a, err := Parse(c[0], c[1], c[2], c[3], c[4])
			if err != nil {
				t.Fatal(err)
			}
			want, err := hex.DecodeString(c[5])
			if err != nil {
				t.Fatal(err)
			}
			if got := a.AppendKey(nil); !bytes.Equal(got, want) {
				t.Errorf("AppendKey = %x, want %s", got, c[5])
			}
			if got, err := DecodeKey(want); err != nil || got != a {
				t.Errorf("DecodeKey = %+v, %v; want %+v", got, err, a)
			}
		})
	}
	if err := sc.Err(); err != nil || n == 0 {
		t.Fatalf("read %d golden keys, err %v", n, err)
	}
}

func TestKeyAppends(t *testing.T) {
	a := Address{101, 234, "12A", "st", "tv"}
	dst := []byte("prefix")
	got := a.AppendKey(dst)
	if len(got) != len("prefix")+KeyLen || string(got[:6]) != "prefix" {
		t.Fatalf("AppendKey(prefix) = %q", got)
	}
	if back, err := DecodeKey(got[6:]); err != nil || back != a {
		t.Errorf("DecodeKey = %+v, %v", back, err)
	}
}

func TestKeyOrder(t *testing.T) {
	// Ascending in the order the key promises.
	ordered := []Address{
		{101, 4, "1", "", ""},
		{101, 4, "1", "", "th"},
		{101, 4, "1", "kl", ""},
		{101, 4, "1", "st", ""},
		{101, 4, "1", "st", "mf"},
		{101, 4, "1", "st", "th"},
		{101, 4, "1", "st", "tv"},
		{101, 4, "1", "1", ""},
		{101, 4, "1", "2", "1"},
		{101, 4, "1", "2", "10"},
		{101, 4, "1", "2", "9"},
		{101, 4, "1", "10", ""},
		{101, 4, "1", "99", ""},
		{101, 4, "1A", "", ""},
		{101, 4, "1B", "", ""},
		{101, 4, "2", "", ""},
		{101, 4, "10", "", ""},
		{101, 4, "999Z", "", ""},
		{101, 10, "1", "", ""},
		{101, 9900, "", "", ""},
		{101, 9900, "1", "", ""},
		{147, 2, "1", "", ""},
		{860, 1, "1", "", ""},
	}
	var keys [][]byte
	for _, a := range ordered {
		if err := a.check(); err != nil {
			t.Fatalf("%+v: %v", a, err)
		}
		keys = append(keys, a.AppendKey(nil))
	}
	for i := 1; i < len(keys); i++ {
		if bytes.Compare(keys[i-1], keys[i]) >= 0 {
			t.Errorf("key(%+v) >= key(%+v)", ordered[i-1], ordered[i])
		}
	}
	shuffled := slices.Clone(keys)
	slices.Reverse(shuffled)
	slices.SortFunc(shuffled, bytes.Compare)
	for i := range keys {
		if !bytes.Equal(keys[i], shuffled[i]) {
			t.Fatal("sorting keys does not reproduce the address order")
		}
	}
}

func TestDecodeKeyCorrupt(t *testing.T) {
	good := Address{101, 234, "12A", "st", "tv"}.AppendKey(nil)
	with := func(i int, b ...byte) []byte {
		k := slices.Clone(good)
		copy(k[i:], b)
		return k
	}
	for _, tc := range []struct {
		name string
		key  []byte
	}{
		{"empty", nil},
		{"short", good[:11]},
		{"long", append(slices.Clone(good), 0)},
		{"unknown kommune", with(0, 0, 102)},
		{"vejkode zero", with(2, 0, 0)},
		{"vejkode too big", with(2, 0x27, 0x10)},
		{"husnr 1000", with(4, 0x03, 0xe8)},
		{"letter without number", with(4, 0, 0, 'A')},
		{"lower-case letter", with(6, 'a')},
		{"no husnr on a normal road", with(4, 0, 0, 0)},
		{"etage 102", with(7, 102)},
		{"door upper case", with(8, 'T', 'V')},
		{"door zero byte inside", with(8, 't', 0, 'v')},
		{"door leading zero", with(8, '0', '1')},
		{"door zero", with(8, '0', 0)},
		{"door space", with(8, 't', 'v', ' ')},
		{"door non-ASCII", with(8, 0xe6)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := DecodeKey(tc.key)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("DecodeKey = %+v, %v; want ErrCorrupt", a, err)
			}
			if errors.Is(err, ErrInvalid) {
				t.Error("a corrupt key matches ErrInvalid")
			}
			if !a.IsZero() {
				t.Errorf("DecodeKey returned %+v with its error", a)
			}
		})
	}
}
