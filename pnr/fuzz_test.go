package pnr_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"cpr/pnr"
)

var wellFormed = regexp.MustCompile(`^[ \t]*([0-9]{6})-?([0-9]{4})[ \t]*$`)

func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		p, err := pnr.Parse(in)

		// Reference: the shape by regexp, the date by refYear and time.Date.
		refValid := false
		if m := wellFormed.FindStringSubmatch(in); m != nil {
			dd, _ := strconv.Atoi(m[1][:2])
			mm, _ := strconv.Atoi(m[1][2:4])
			yy, _ := strconv.Atoi(m[1][4:])
			tm := time.Date(refYear(int(m[2][0]-'0'), yy), time.Month(mm), dd, 0, 0, 0, 0, time.UTC)
			refValid = mm >= 1 && mm <= 12 && tm.Day() == dd && int(tm.Month()) == mm
		}
		if refValid != (err == nil) {
			t.Fatalf("Parse(%q) = %v, %v; reference says valid %v", in, p, err, refValid)
		}

		if err != nil {
			if !errors.Is(err, pnr.ErrLength) && !errors.Is(err, pnr.ErrNonDigit) && !errors.Is(err, pnr.ErrDate) {
				t.Fatalf("Parse(%q): error %v wraps no sentinel", in, err)
			}
			if p != 0 {
				t.Fatalf("Parse(%q): non-zero value with error", in)
			}
			assertNoLeak(t, in, err)
			return
		}

		if !p.Valid() || p.IsZero() {
			t.Fatalf("Parse(%q) = %v: Valid %v IsZero %v", in, p, p.Valid(), p.IsZero())
		}
		for _, s := range []string{p.String(), p.Hyphenated()} {
			if q, err := pnr.Parse(s); err != nil || q != p {
				t.Fatalf("Parse(%q) = %v, %v; want %v", s, q, err, p)
			}
		}
		birth := p.BirthDate()
		if got := birth.Format("020106"); got != p.String()[:6] {
			t.Fatalf("BirthDate() = %v, does not match %s", birth, p)
		}
		if q, err := pnr.New(birth, p.Serial()); err != nil || q != p {
			t.Fatalf("New(BirthDate(), Serial()) = %v, %v; want %v", q, err, p)
		}
		if q, err := pnr.DecodeKey(p.AppendKey(nil)); err != nil || q != p {
			t.Fatalf("DecodeKey(AppendKey()) = %v, %v", q, err)
		}
		b, err := p.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var u pnr.PNR
		if err := u.UnmarshalText(b); err != nil || u != p {
			t.Fatalf("UnmarshalText(MarshalText()) = %v, %v", u, err)
		}
	})
}

func FuzzDecodeKey(f *testing.F) {
	f.Add([]byte{})
	f.Add(make([]byte, 8))
	f.Add(pnr.MustParse("0707614285").AppendKey(nil))
	f.Add(pnr.MustParse("2902004002").AppendKey([]byte{}))
	f.Fuzz(func(t *testing.T, key []byte) {
		p, err := pnr.DecodeKey(key)
		if err != nil {
			if !errors.Is(err, pnr.ErrCorrupt) || p != 0 {
				t.Fatalf("DecodeKey = %v, %v; want ErrCorrupt", p, err)
			}
			return
		}
		if !p.Valid() || !bytes.Equal(p.AppendKey(nil), key[:8]) {
			t.Fatalf("DecodeKey = %v, which is not valid or does not re-encode", p)
		}
	})
}

func FuzzCheckLines(f *testing.F) {
	f.Add("0101701234\n290200-4002\n")
	f.Add("\n\r\n \t\n")
	f.Add("\xff\x00\"\\<>&\u2028\r")
	for _, tc := range parseCases {
		f.Add(tc.in + "\n" + tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var out bytes.Buffer
		if err := pnr.CheckLines(strings.NewReader(in), &out); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(in, "\n")
		if lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		got := strings.SplitAfter(out.String(), "\n")
		if got[len(got)-1] != "" {
			t.Fatalf("output does not end in a newline")
		}
		got = got[:len(got)-1]
		if len(got) != len(lines) {
			t.Fatalf("%d output lines for %d input lines", len(got), len(lines))
		}
		for i, line := range lines {
			line = strings.TrimSuffix(line, "\r")
			g := strings.TrimSuffix(got[i], "\n")
			if !json.Valid([]byte(g)) {
				t.Fatalf("line %d is not valid JSON: %q", i, g)
			}
			var res checkResult
			if err := json.Unmarshal([]byte(g), &res); err != nil {
				t.Fatal(err)
			}
			if want := string([]rune(line)); res.Input != want {
				t.Fatalf("line %d: input %q, want %q", i, res.Input, want)
			}
			want, err := json.Marshal(expectedCheck(line))
			if err != nil {
				t.Fatal(err)
			}
			if g != string(want) {
				t.Fatalf("line %d:\n got %s\nwant %s", i, g, want)
			}
		}
	})
}
