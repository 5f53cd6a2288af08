package p12170

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

const (
	secretPNR  = "3112851237"
	secretName = "Kierkegaard"
)

// line001 is a valid 001 line holding a PNR and a name, mutated by the
// error cases.
func line001() []byte {
	return New("001").Set("PNR", secretPNR).Set("PNRGAELD", secretPNR).SetInt("STATUS", 1).
		Set("STILLING", secretName+" Ærø").Bytes()
}

func TestParseErrors(t *testing.T) {
	mut := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(line001())) }
	for _, tc := range []struct {
		name string
		line []byte
		want error
	}{
		{"empty", nil, ErrLength},
		{"two bytes", []byte("00"), ErrLength},
		{"short", mut(func(b []byte) []byte { return b[:len(b)-1] }), ErrLength},
		{"long", mut(func(b []byte) []byte { return append(b, ' ') }), ErrLength},
		{"with newline", mut(func(b []byte) []byte { return append(b, '\n') }), ErrLength},
		{"with CR", mut(func(b []byte) []byte { return append(b, '\r') }), ErrLength},
		{"unknown type", mut(func(b []byte) []byte { copy(b, "123"); return b }), ErrType},
		{"letters in type", mut(func(b []byte) []byte { copy(b, "0A1"); return b }), ErrType},
		{"PNR as type", []byte(secretPNR + secretName), ErrType},
		{"letters in STATUS", mut(func(b []byte) []byte { copy(b[23:], "X1"); return b }), ErrNumeric},
		{"space in STATUSHAENSTART", mut(func(b []byte) []byte { b[30] = ' '; return b }), ErrNumeric},
		{"letters in 020 PNR", []byte("020" + "03040512X7" + strings.Repeat("0", 4) + strings.Repeat(" ", 30)), ErrNumeric},
		{"newline in Alpha", mut(func(b []byte) []byte { b[80] = '\n'; return b }), ErrControl},
		{"tab in Alpha", mut(func(b []byte) []byte { b[5] = '\t'; return b }), ErrControl},
		{"C1 in Alpha", mut(func(b []byte) []byte { b[5] = 0x85; return b }), ErrControl},
		{"filler 021", append(append([]byte("021"), secretPNR...), []byte(secretName+strings.Repeat(" ", 50-len(secretName)))...), ErrFiller},
		{"filler 099", []byte("099" + secretPNR + strings.Repeat("0", 12) + "ABCDE" + secretName + "    "), ErrFiller},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.line)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Parse error %v, want %v", err, tc.want)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "p12170: ") {
				t.Errorf("error %q has no package prefix", msg)
			}
			for _, secret := range []string{secretPNR, secretName, "311285", "Kierk", "X1", "ABCDE", "Ærø"} {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q contains line content %q", msg, secret)
				}
			}
			// No run of 5 content bytes from the line (beyond blanks) in the message.
			content := strings.ToValidUTF8(string(tc.line), "")
			for i := 0; i+5 <= len(content); i++ {
				w := content[i : i+5]
				if strings.Trim(w, " 0") == "" {
					continue
				}
				if strings.Contains(msg, w) {
					t.Errorf("error %q contains line content %q", msg, w)
				}
			}
			t.Log(msg)
		})
	}
}

func TestParseDecodes(t *testing.T) {
	line := []byte("009" + secretPNR + "0101" + "\xc5rhus \xe6\xf8\xe5 \xc6\xd8\xc5\xe9      ")
	p, err := Parse(line)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"RECORDTYPE":            "009",
		"PNR":                   secretPNR,
		"START_MYNKOD-FØDESTED": "0101",
		"MYNTXT-FØDESTED":       "Århus æøå ÆØÅé",
	}
	if p.Type != "009" || len(p.Fields) != len(want) {
		t.Fatalf("Parse = %+v", p)
	}
	for k, v := range want {
		if p.Fields[k] != v {
			t.Errorf("%s = %q, want %q", k, p.Fields[k], v)
		}
	}
	// Numeric values keep their leading zeros; blank Numeric is zeros.
	p, err = Parse(New("002").Set("KOMKOD", "101").Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if p.Fields["KOMKOD"] != "0101" || p.Fields["VEJKOD"] != "0000" || p.Fields["HUSNR"] != "" {
		t.Errorf("002 = %q %q %q", p.Fields["KOMKOD"], p.Fields["VEJKOD"], p.Fields["HUSNR"])
	}
	// Leading spaces in Alpha are kept, trailing ones dropped.
	p, _ = Parse(New("014").Set("PNR", "  12").Bytes())
	if p.Fields["PNR"] != "  12" || p.Fields["PNR#2"] != "" {
		t.Errorf("014 = %q", p.Fields)
	}
}

func TestScanner(t *testing.T) {
	var file []byte
	file = New("000").SetDate("PRODDTO", 2024, 5, 1).AppendTo(file)
	file = New("001").Set("PNR", secretPNR).Set("STILLING", "Smed i Ærøskøbing").AppendTo(file)
	file = New("014").Set("PNR", secretPNR).Set("PNR#2", "0101201234").AppendTo(file)
	file = New("999").SetInt("TAELLER", 2).AppendTo(file)

	t.Run("ok", func(t *testing.T) {
		// OneByteReader: lines arrive in pieces.
		s := NewScanner(iotest.OneByteReader(bytes.NewReader(file)))
		var types []string
		for s.Scan() {
			types = append(types, s.Record().Type)
			if len(s.Bytes()) != mustLookup(t, s.Record().Type).Len {
				t.Errorf("Bytes() is %d bytes", len(s.Bytes()))
			}
		}
		if err := s.Err(); err != nil {
			t.Fatal(err)
		}
		if strings.Join(types, ",") != "000,001,014,999" || s.Line() != 4 {
			t.Errorf("types %v, %d lines", types, s.Line())
		}
		if s.Scan() {
			t.Error("Scan after end")
		}
	})
	t.Run("empty", func(t *testing.T) {
		s := NewScanner(strings.NewReader(""))
		if s.Scan() || s.Err() != nil {
			t.Errorf("empty input: %v", s.Err())
		}
	})
	for _, tc := range []struct {
		name string
		data []byte
		line int
		want error
	}{
		{"no final newline", file[:len(file)-1], 4, ErrLength},
		{"bad line 3", bytes.Replace(bytes.Clone(file), []byte("0101201234"), []byte("0101201234 "), 1), 3, ErrLength},
		{"blank line", append([]byte("\n"), file...), 1, ErrLength},
		{"CRLF", bytes.ReplaceAll(bytes.Clone(file), []byte("\n"), []byte("\r\n")), 1, ErrLength},
		{"too long", append(bytes.Repeat([]byte("0"), 5000), '\n'), 1, ErrLength},
		{"letters", append(bytes.Clone(file), []byte("0A20"+strings.Repeat("0", 302)+"\n")...), 5, ErrType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewScanner(bytes.NewReader(tc.data))
			n := 0
			for s.Scan() {
				n++
			}
			err := s.Err()
			var le *LineError
			if !errors.As(err, &le) || le.Line != tc.line || !errors.Is(err, tc.want) {
				t.Fatalf("after %d records: %v (want line %d, %v)", n, err, tc.line, tc.want)
			}
			if n != tc.line-1 {
				t.Errorf("%d records before the error, want %d", n, tc.line-1)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "p12170: line ") || strings.Contains(msg, secretPNR) || strings.Contains(msg, "0101201234") {
				t.Errorf("error %q", msg)
			}
			if s.Scan() {
				t.Error("Scan after error")
			}
		})
	}
	t.Run("reader error", func(t *testing.T) {
		boom := errors.New("boom")
		s := NewScanner(io.MultiReader(bytes.NewReader(file), iotest.ErrReader(boom)))
		n := 0
		for s.Scan() {
			n++
		}
		if n != 4 || !errors.Is(s.Err(), boom) {
			t.Errorf("%d records, err %v", n, s.Err())
		}
	})
}

func mustLookup(t *testing.T, typ string) *Record {
	t.Helper()
	r, ok := Lookup(typ)
	if !ok {
		t.Fatalf("no record %s", typ)
	}
	return r
}
