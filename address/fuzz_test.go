package address

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// parseMessages is every message a Parse error can have: a fixed vocabulary,
// so no input can leak into it.
var parseMessages = func() map[string]bool {
	m := make(map[string]bool)
	for _, f := range []string{fieldKommunekode, fieldVejkode, fieldHusnr, fieldEtage, fieldSidedoer} {
		for _, r := range []string{reasonFourDigits, reasonUnknownKommune, reasonVejkodeRange,
			reasonHusnr, reasonHusnrRequired, reasonEtage, reasonSidedoer} {
			m[(&FieldError{Field: f, Reason: r}).Error()] = true
		}
	}
	return m
}()

// parseVocabulary is all of parseMessages in one string.
var parseVocabulary = func() string {
	var b strings.Builder
	for m := range parseMessages {
		b.WriteString(m + "\n")
	}
	return b.String()
}()

func FuzzParse(f *testing.F) {
	for _, s := range [][5]string{
		{"0101", "0234", "12A", "st", "tv"},
		{"0157", "9900", "", "", ""},
		{"0101", "0234", "012a", "ST.", "0003"},
		{"0860", "9999", "999Z", "99", "9999"},
		{"abcd", "0000", "1000", "100", "abcde"},
		{"0102", "0234", "Strandvejen", "kælder", "venstre"},
		{"0101", "0234", " 7 ", "1.", "TH."},
		{"0101", "0234", "0", ".", "."},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4])
	}
	f.Fuzz(func(t *testing.T, k, v, h, e, d string) {
		a, err := Parse(k, v, h, e, d)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || !errors.Is(err, ErrInvalid) || !a.IsZero() {
				t.Fatalf("Parse error %v (%T) with %+v", err, err, a)
			}
			msg := err.Error()
			if !parseMessages[msg] {
				t.Fatalf("unexpected error message %q", msg)
			}
			for _, in := range []string{k, v, h, e, d} {
				// An input that is part of the fixed wording (say
				// "must") is there because the wording says so.
				if len(in) > 3 && strings.Contains(msg, in) && !strings.Contains(parseVocabulary, in) {
					t.Fatalf("error %q contains input %q", msg, in)
				}
			}
			return
		}
		if err := a.check(); err != nil {
			t.Fatalf("Parse result %+v not in normal form: %v", a, err)
		}
		b, err := Parse(pad4(a.Kommunekode), pad4(a.Vejkode), a.Husnr, a.Etage, a.Sidedoer)
		if err != nil || b != a {
			t.Fatalf("normal form of %+v re-parses as %+v, %v", a, b, err)
		}
		if b, err := DecodeKey(a.AppendKey(nil)); err != nil || b != a {
			t.Fatalf("key round trip of %+v = %+v, %v", a, b, err)
		}
		js, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		var c Address
		if err := json.Unmarshal(js, &c); err != nil || c != a {
			t.Fatalf("JSON round trip of %+v = %+v, %v", a, c, err)
		}
		var none *Roads
		fx := none.Fixed(a)
		if c, err := ParseFixed(fx.Komkod, fx.Vejkod, fx.Husnr, fx.Etage, fx.Sidedoer); err != nil || c != a {
			t.Fatalf("fixed round trip of %+v = %+v, %v", a, c, err)
		}
	})
}

func FuzzLoadRoads(f *testing.F) {
	f.Add([]byte(goodTSV))
	f.Add([]byte(tsvHeader + "\n"))
	f.Add([]byte("\uFEFF" + tsvHeader + "\r\n0101\t1\tA\t1000\tB\r\n\r\n"))
	f.Add([]byte(tsvHeader + "\n0101\t0500\tx\t1165\ty\n0101\t500\tx\t1165\ty\n"))
	f.Add([]byte(tsvHeader + "\n0492\t0012\tØstre Ringvej ved Ærøskøbing Mølle\t5970\tÆrøskøbing\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := LoadRoads(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrInvalidRoad) {
				t.Fatalf("LoadRoads error %v does not wrap ErrInvalidRoad", err)
			}
			return
		}
		var b1, b2 bytes.Buffer
		if err := rs.WriteTSV(&b1); err != nil {
			t.Fatal(err)
		}
		rs2, err := LoadRoads(bytes.NewReader(b1.Bytes()))
		if err != nil {
			t.Fatalf("written register does not load: %v\n%s", err, b1.Bytes())
		}
		if err := rs2.WriteTSV(&b2); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b1.Bytes(), b2.Bytes()) || rs.Len() != rs2.Len() {
			t.Fatalf("round trip changed the register:\n%s\n%s", b1.Bytes(), b2.Bytes())
		}
		for _, k := range Kommuner() {
			for _, r := range rs.InKommune(k.Code) {
				if r2, ok := rs2.Lookup(r.Kommunekode, r.Vejkode); !ok || r2 != r {
					t.Fatalf("%+v came back as %+v, %v", r, r2, ok)
				}
			}
		}
	})
}

func FuzzDecodeKey(f *testing.F) {
	for _, h := range []string{
		"006500ea000c410274760000",
		"02ef26ac0000000000000000",
		"035c000403e75a6539393939",
		"000000000000000000000000",
		"0065",
	} {
		b, _ := hex.DecodeString(h)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := DecodeKey(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) || !a.IsZero() {
				t.Fatalf("DecodeKey = %+v, %v", a, err)
			}
			return
		}
		if err := a.check(); err != nil {
			t.Fatalf("decoded %+v is invalid: %v", a, err)
		}
		if got := a.AppendKey(nil); !bytes.Equal(got, b) {
			t.Fatalf("key %x decodes to %+v, which encodes as %x", b, a, got)
		}
	})
}
