package p12170

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// field returns the bytes of a field of the built line.
func fieldBytes(t *testing.T, b *Builder, name string) string {
	t.Helper()
	f := b.Record().Field(name)
	if f == nil {
		t.Fatalf("record %s has no field %s", b.Type(), name)
	}
	return string(b.Bytes()[f.Pos-1 : f.End()])
}

func TestNewBlank(t *testing.T) {
	for _, r := range Records() {
		b := New(r.Type)
		line := b.Bytes()
		if len(line) != r.Len {
			t.Fatalf("%s: %d bytes, want %d", r.Type, len(line), r.Len)
		}
		for _, f := range r.Fields {
			got := string(line[f.Pos-1 : f.End()])
			want := strings.Repeat(" ", f.Len)
			switch {
			case f.Name == "RECORDTYPE":
				want = r.Type
			case f.Numeric:
				want = strings.Repeat("0", f.Len)
			}
			if got != want {
				t.Errorf("%s %s blank = %q, want %q", r.Type, f.Name, got, want)
			}
		}
		for _, g := range r.Gaps() {
			if got := string(line[g[0]-1 : g[1]]); strings.Trim(got, " ") != "" {
				t.Errorf("%s gap %v = %q", r.Type, g, got)
			}
		}
	}
}

func TestNumericPadding(t *testing.T) {
	for _, tc := range []struct {
		field, value, want string
	}{
		{"KOMKOD", "101", "0101"},
		{"KOMKOD", "0101", "0101"},
		{"KOMKOD", "9999", "9999"},
		{"KOMKOD", "7", "0007"},
		{"KOMKOD", "", "0000"},
		{"KOMKOD", "000000101", "0101"}, // surplus leading zeros are not digits that matter
		{"VEJKOD", "42", "0042"},
		{"TILFLYDTO", "202401310915", "202401310915"},
		{"TILFLYDTO", "1", "000000000001"},
	} {
		t.Run(tc.field+"="+tc.value, func(t *testing.T) {
			b := New("002").Set(tc.field, tc.value)
			if got := fieldBytes(t, b, tc.field); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		n    int
		want string
	}{{0, "0000"}, {1, "0001"}, {101, "0101"}, {9999, "9999"}} {
		b := New("002").SetInt("KOMKOD", tc.n)
		if got := fieldBytes(t, b, "KOMKOD"); got != tc.want {
			t.Errorf("SetInt(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
	// SetInt into an Alpha field (999 TAELLER is Alpha): left-aligned.
	b := New("999").SetInt("TAELLER", 60123456)
	if got := fieldBytes(t, b, "TAELLER"); got != "60123456" {
		t.Errorf("TAELLER = %q", got)
	}
	b.SetInt("TAELLER", 42)
	if got := fieldBytes(t, b, "TAELLER"); got != "42      " {
		t.Errorf("TAELLER = %q", got)
	}
	// 020 PNR is Numeric in the layout.
	b = New("020").Set("PNR", "0101901234")
	if got := fieldBytes(t, b, "PNR"); got != "0101901234" {
		t.Errorf("020 PNR = %q", got)
	}
}

func TestAlpha(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		want        []byte // 10 bytes of 001 PNR, ISO-8859-1
	}{
		{"ascii", "0101901234", []byte("0101901234")},
		{"pad", "abc", []byte("abc       ")},
		{"leading space kept", " abc", []byte(" abc      ")},
		{"danish", "æøåÆØÅé", []byte("\xe6\xf8\xe5\xc6\xd8\xc5\xe9   ")},
		{"truncate ascii", "Kierkegaard, Søren", []byte("Kierkegaar")},
		// 10 runes of 2 UTF-8 bytes each: truncation by bytes would cut at 5.
		{"truncate by runes", "ÆØÅæøåÆØÅæøå", []byte("\xc6\xd8\xc5\xe6\xf8\xe5\xc6\xd8\xc5\xe6")},
		{"truncate after multibyte", "Søren Aabye Kierkegaard", []byte("S\xf8ren Aaby")},
		{"latin-1 top", "ÿ\u00a0", []byte("\xff\xa0        ")},
		{"beyond latin-1", "Łódź €5", []byte("?\xf3d? ?5   ")},
		{"astral", "a😀b", []byte("a?b       ")},
		{"invalid utf-8", "a\xffb\xc3", []byte("a?b?      ")},
		{"newline", "a\nb\r", []byte("a?b?      ")},
		{"controls", "\x00\t\x7f\u0085", []byte("????      ")},
		{"empty", "", []byte("          ")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := New("001").Set("PNR", "XXXXXXXXXXXX").Set("PNR", tc.value)
			if got := fieldBytes(t, b, "PNR"); got != string(tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if got := fieldBytes(t, b, "PNRGAELD"); got != "          " {
				t.Errorf("neighbour changed: %q", got)
			}
		})
	}
	// Truncation never exceeds the field, whatever the value: one byte per rune.
	b := New("001")
	for _, v := range []string{strings.Repeat("å", 100), strings.Repeat("€", 100), strings.Repeat("x", 100)} {
		b.Set("STILLING", v)
		if len(b.Bytes()) != 106 || fieldBytes(t, b, "STILLING") != string(latin1(firstRunes(strings.ReplaceAll(v, "€", "?"), 34))) {
			t.Errorf("STILLING with %q... = %q", v[:3], fieldBytes(t, b, "STILLING"))
		}
	}
}

func TestRepeatedAndNonASCIINames(t *testing.T) {
	b := New("014").Set("PNR", "0101601234").Set("PNR#2", "0202902345")
	if got := string(b.Bytes()); got != "01401016012340202902345" {
		t.Errorf("014 = %q", got)
	}
	b = New("017").Set("PNR", "0101601234").Set("PNR#2", "U")
	if got := string(b.Bytes()[13:24]); got != "          U" {
		t.Errorf("017 13..24 = %q", got)
	}
	b = New("022").Set("PNRGÆLD", "0101601234").Set("PNR", "0101601111")
	if got := string(b.Bytes()[:23]); got != "02201016012340101601111" {
		t.Errorf("022 = %q", got)
	}
	b = New("009").Set("START_MYNKOD-FØDESTED", "1234").Set("MYNTXT-FØDESTED", "Århus")
	if got := string(b.Bytes()[13:]); got != "1234\xc5rhus"+strings.Repeat(" ", 15) {
		t.Errorf("009 = %q", got)
	}
}

func TestDates(t *testing.T) {
	cph := time.FixedZone("CEST", 2*3600) // Copenhagen in summer
	ts := time.Date(2024, time.February, 29, 7, 5, 59, 999, cph)
	for _, tc := range []struct {
		name, rec, field string
		set              func(b *Builder, field string)
		want             string
	}{
		{"yyyy-MM-dd", "001", "FOED_DT", func(b *Builder, f string) { b.SetDate(f, 1987, time.March, 4) }, "1987-03-04"},
		{"yyyy-MM-dd time", "001", "FOED_DT", func(b *Builder, f string) { b.SetTime(f, ts) }, "2024-02-29"},
		{"yyyy-MM-dd year 1", "001", "FOED_DT", func(b *Builder, f string) { b.SetDate(f, 1, 1, 1) }, "0001-01-01"},
		{"yyyy-MM-dd blank", "001", "FOED_DT", func(b *Builder, f string) { b.SetDate(f, 1987, 3, 4).SetDate(f, 0, 0, 0) }, "          "},
		{"YYYY-MM-DD", "019", "START_DT-NOTAT", func(b *Builder, f string) { b.SetDate(f, 2001, time.December, 31) }, "2001-12-31"},
		{"numeric yyyy-MM-dd is Alpha", "020", "START_DT-VALGOPLYSNINGER", func(b *Builder, f string) { b.SetDate(f, 2001, 12, 31) }, "2001-12-31"},
		{"numeric yyyy-MM-dd blank", "020", "SLET_DT-VALGOPLYSNINGER", func(b *Builder, f string) { b.SetTime(f, time.Time{}) }, "          "},
		{"yyyyMMdd", "000", "PRODDTO", func(b *Builder, f string) { b.SetDate(f, 2024, time.January, 9) }, "20240109"},
		{"yyyyMMdd time", "000", "PRODDTOFORRIG", func(b *Builder, f string) { b.SetTime(f, ts) }, "20240229"},
		{"yyyyMMdd blank", "000", "PRODDTO", func(b *Builder, f string) { b.SetDate(f, 2024, 1, 9).SetDate(f, 0, 1, 9) }, "00000000"},
		{"yyyyMMddHHmm", "001", "STATUSHAENSTART", func(b *Builder, f string) { b.SetTime(f, ts) }, "202402290705"},
		{"yyyyMMddHHmm date", "001", "STATUSHAENSTART", func(b *Builder, f string) { b.SetDate(f, 2024, 2, 29) }, "202402290000"},
		{"yyyy-MM-dd month", "001", "FOED_DT", func(b *Builder, f string) { b.SetMonth(f, 1987, time.March) }, "1987-03-00"},
		{"yyyyMMdd month", "000", "PRODDTO", func(b *Builder, f string) { b.SetMonth(f, 2024, time.January) }, "20240100"},
		{"yyyyMMddHHmm month", "001", "STATUSHAENSTART", func(b *Builder, f string) { b.SetMonth(f, 2024, 2) }, "202402000000"},
		{"month blank", "001", "STATUSHAENSTART", func(b *Builder, f string) { b.SetMonth(f, 2024, 2).SetMonth(f, 0, 0) }, "000000000000"},
		{"yyyyMMddHHmm zero", "001", "STATUSHAENSTART", func(b *Builder, f string) { b.SetTime(f, ts).SetTime(f, time.Time{}) }, "000000000000"},
		{"yyyyMMddTTMM", "002", "TILFLYDTO", func(b *Builder, f string) { b.SetTime(f, ts) }, "202402290705"},
		{"yyyyMMddTTMM evening", "002", "TILFLYKOMDTO", func(b *Builder, f string) { b.SetTime(f, time.Date(1999, 12, 31, 23, 59, 0, 0, time.UTC)) }, "199912312359"},
		{"yyyyMMddTTMM wall clock", "002", "FRAFLYKOMDTO", func(b *Builder, f string) {
			b.SetTime(f, time.Date(2024, 6, 30, 22, 30, 0, 0, time.UTC).In(cph))
		}, "202407010030"},
		{"Alpha yyyyMMddTTMM", "012", "SEP_HENVIS-CIVILSTAND", func(b *Builder, f string) { b.SetTime(f, ts) }, "202402290705"},
		{"Alpha yyyyMMddTTMM blank", "012", "SEP_HENVIS-CIVILSTAND", func(b *Builder, f string) { b.SetTime(f, ts).SetDate(f, 0, 0, 0) }, "            "},
		{"yyyy-MM-dd max", "004", "SLET_DT-BESKYTTELSE", func(b *Builder, f string) { b.SetDate(f, 9999, 12, 31) }, "9999-12-31"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := New(tc.rec)
			tc.set(b, tc.field)
			if got := fieldBytes(t, b, tc.field); got != tc.want {
				t.Errorf("%s %s = %q, want %q", tc.rec, tc.field, got, tc.want)
			}
			if _, err := Parse(b.Bytes()); err != nil {
				t.Errorf("Parse: %v", err)
			}
		})
	}
}

// mustPanic runs f and checks it panics with a message that does not
// contain secret.
func mustPanic(t *testing.T, name, secret string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("%s: no panic", name)
			return
		}
		msg := fmt.Sprint(r)
		if !strings.HasPrefix(msg, "p12170: ") {
			t.Errorf("%s: panic %q has no package prefix", name, msg)
		}
		if secret != "" && strings.Contains(msg, secret) {
			t.Errorf("%s: panic %q contains the value", name, msg)
		}
	}()
	f()
}

func TestPanics(t *testing.T) {
	mustPanic(t, "New unknown", "", func() { New("998") })
	mustPanic(t, "SetDate day 0", "", func() { New("001").SetDate("FOED_DT", 1987, 3, 0) })
	mustPanic(t, "SetMonth month 13", "", func() { New("001").SetMonth("FOED_DT", 1987, 13) })
	mustPanic(t, "SetMonth no date format", "", func() { New("012").SetMonth("HAENSTART-CIVILSTAND", 1987, 3) })
	mustPanic(t, "New short", "", func() { New("01") })
	mustPanic(t, "Reset unknown", "", func() { New("001").Reset("abc") })
	mustPanic(t, "unknown field", "", func() { New("001").Set("NOPE", "x") })
	mustPanic(t, "field of another record", "", func() { New("001").Set("KOMKOD", "0101") })
	mustPanic(t, "PNR#2 where PNR is single", "", func() { New("001").Set("PNR#2", "x") })
	mustPanic(t, "index out of range", "", func() { New("001").SetAt(14, "x") })
	mustPanic(t, "negative index", "", func() { New("001").SetAt(-1, "x") })
	mustPanic(t, "numeric letters", "12AB", func() { New("002").Set("KOMKOD", "12AB") })
	mustPanic(t, "numeric sign", "-101", func() { New("002").Set("KOMKOD", "-101") })
	mustPanic(t, "numeric space", " 101", func() { New("002").Set("KOMKOD", " 101") })
	mustPanic(t, "numeric too long", "10101", func() { New("002").Set("KOMKOD", "10101") })
	mustPanic(t, "numeric PNR letters", "0101XX1234", func() { New("020").Set("PNR", "0101XX1234") })
	mustPanic(t, "SetInt too long", "10101", func() { New("002").SetInt("KOMKOD", 10101) })
	mustPanic(t, "SetInt negative", "-7", func() { New("002").SetInt("KOMKOD", -7) })
	mustPanic(t, "SetInt Alpha too long", "123456789", func() { New("999").SetInt("TAELLER", 123456789) })
	mustPanic(t, "RECORDTYPE other", "", func() { New("001").Set("RECORDTYPE", "002") })
	mustPanic(t, "RECORDTYPE SetInt other", "", func() { New("001").SetInt("RECORDTYPE", 2) })
	mustPanic(t, "SetDate no format", "", func() { New("022").SetDate("START_DT-PERSON", 2000, 1, 1) })
	mustPanic(t, "SetTime no format", "", func() { New("026").SetTime("NVNHAENSTART", time.Now()) })
	mustPanic(t, "SetDate Alpha plain", "", func() { New("001").SetDate("STILLING", 2000, 1, 1) })
	mustPanic(t, "SetDate year", "", func() { New("001").SetDate("FOED_DT", 10000, 1, 1) })
	mustPanic(t, "SetDate negative year", "", func() { New("001").SetDate("FOED_DT", -1, 1, 1) })
	mustPanic(t, "SetDate month", "", func() { New("001").SetDate("FOED_DT", 2000, 13, 1) })
	mustPanic(t, "SetDate day", "", func() { New("001").SetDate("FOED_DT", 2000, 1, 32) })
	mustPanic(t, "SetDate day 0", "", func() { New("001").SetDate("FOED_DT", 2000, 1, 0) })
	mustPanic(t, "SetTime year", "", func() { New("001").SetTime("STATUSHAENSTART", time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)) })

	// Setting RECORDTYPE to its own value is fine (Parse → Set round trips).
	b := New("001").Set("RECORDTYPE", "001").SetInt("RECORDTYPE", 1)
	if string(b.Bytes()[:3]) != "001" {
		t.Errorf("RECORDTYPE = %q", b.Bytes()[:3])
	}
	// A panicking RECORDTYPE Set leaves the type in place.
	func() {
		defer func() { _ = recover() }()
		b.Set("RECORDTYPE", "999")
	}()
	if string(b.Bytes()[:3]) != "001" {
		t.Errorf("RECORDTYPE after panic = %q", b.Bytes()[:3])
	}
}

func TestResetAndAppendTo(t *testing.T) {
	b := New("002")
	for _, r := range Records() {
		b.Set("RECORDTYPE", b.Type()) // harmless
		fill(b)
		b.Reset(r.Type)
		if !bytes.Equal(b.Bytes(), New(r.Type).Bytes()) {
			t.Errorf("Reset(%s) left old content", r.Type)
		}
	}
	dst := []byte("prefix\n")
	dst = New("014").Set("PNR", "1").AppendTo(dst)
	dst = New("999").SetInt("TAELLER", 1).AppendTo(dst)
	want := "prefix\n0141                   \n999          1       \n"
	if string(dst) != want {
		t.Errorf("AppendTo = %q, want %q", dst, want)
	}
}

// fill sets every field of b to something non-blank.
func fill(b *Builder) {
	for i, f := range b.Record().Fields {
		switch {
		case f.Name == "RECORDTYPE":
		case f.Numeric:
			b.SetAt(i, strings.Repeat("9", f.Len))
		default:
			b.SetAt(i, strings.Repeat("å", f.Len))
		}
	}
}

func TestRecordIndexSetAt(t *testing.T) {
	r, _ := Lookup("002")
	b := New("002")
	b.SetAt(r.Index("KOMKOD"), "101").
		SetIntAt(r.Index("VEJKOD"), 1234).
		SetDateAt(r.Index("START_DT-ADRTXT"), 2020, 2, 3).
		SetTimeAt(r.Index("TILFLYDTO"), time.Date(2020, 2, 3, 4, 5, 0, 0, time.UTC))
	byName := New("002").Set("KOMKOD", "101").SetInt("VEJKOD", 1234).
		SetDate("START_DT-ADRTXT", 2020, 2, 3).
		SetTime("TILFLYDTO", time.Date(2020, 2, 3, 4, 5, 0, 0, time.UTC))
	if !bytes.Equal(b.Bytes(), byName.Bytes()) {
		t.Errorf("SetAt and Set differ:\n%q\n%q", b.Bytes(), byName.Bytes())
	}
}

func TestNoAllocs(t *testing.T) {
	r, _ := Lookup("001")
	iPNR, iStatus, iFoed, iStart := r.Index("PNR"), r.Index("STATUS"), r.Index("FOED_DT"), r.Index("STATUSHAENSTART")
	ts := time.Date(2024, 2, 29, 7, 5, 0, 0, time.UTC)
	b := New("001")
	buf := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(1000, func() {
		b.Reset("002")
		b.Set("HUSNR", "12B").Set("CONVN", "Søren Kierkegaard c/o Ærø Kommune, Ålborg").SetInt("KOMKOD", 101)
		buf = b.AppendTo(buf[:0])
		b.Reset("001")
		b.SetAt(iPNR, "0101901234").SetIntAt(iStatus, 1).SetDateAt(iFoed, 1990, 1, 1).SetTimeAt(iStart, ts)
		b.Set("STILLING", "Læge").SetDate("START_DT-PERSON", 1990, 1, 1).SetTime("STATUSHAENSTART", ts)
		buf = b.AppendTo(buf[:0])
	})
	if allocs != 0 {
		t.Errorf("%v allocations per build, want 0", allocs)
	}
}

// TestRoundTrip builds every record type with random values (Danish
// letters in Alpha fields, all within Latin-1) and parses them back.
func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("abcxyzABCXYZ0123456789 -/.,æøåÆØÅéüÿ")
	b := New("000")
	for _, r := range Records() {
		for range 200 {
			b.Reset(r.Type)
			want := map[string]string{}
			for i, f := range r.Fields {
				switch {
				case f.Name == "RECORDTYPE":
					want[f.Name] = r.Type
				case f.DateFormat != "" && rng.IntN(2) == 0:
					tm := time.Date(1+rng.IntN(9999), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), 0, 0, time.UTC)
					b.SetTimeAt(i, tm)
					want[f.Name] = tm.Format(goLayout(f.DateFormat))
				case f.Numeric:
					d := make([]byte, rng.IntN(f.Len+1))
					for j := range d {
						d[j] = byte('0' + rng.IntN(10))
					}
					b.SetAt(i, string(d))
					want[f.Name] = strings.Repeat("0", f.Len-len(d)) + string(d)
				default:
					v := make([]rune, rng.IntN(f.Len+6))
					for j := range v {
						v[j] = alphabet[rng.IntN(len(alphabet))]
					}
					b.SetAt(i, string(v))
					want[f.Name] = strings.TrimRight(firstRunes(string(v), f.Len), " ")
				}
			}
			line := b.AppendTo(nil)
			if len(line) != r.Len+1 {
				t.Fatalf("%s: %d bytes", r.Type, len(line))
			}
			p, err := Parse(line[:r.Len])
			if err != nil {
				t.Fatalf("%s: Parse: %v", r.Type, err)
			}
			if p.Type != r.Type || len(p.Fields) != len(want) {
				t.Fatalf("%s: parsed type %s with %d fields, want %d", r.Type, p.Type, len(p.Fields), len(want))
			}
			for k, v := range want {
				if p.Fields[k] != v {
					t.Fatalf("%s %s: parsed %q, want %q", r.Type, k, p.Fields[k], v)
				}
				if !utf8.ValidString(p.Fields[k]) {
					t.Fatalf("%s %s: not UTF-8", r.Type, k)
				}
			}
			// Setting the parsed values back gives the same bytes.
			b2 := New(r.Type)
			for k, v := range p.Fields {
				b2.Set(k, v)
			}
			if !bytes.Equal(b2.Bytes(), line[:r.Len]) {
				t.Fatalf("%s: rebuilt line differs", r.Type)
			}
		}
	}
}
