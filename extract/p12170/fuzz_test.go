package p12170

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func seedLines(f *testing.F) {
	golden, err := os.ReadFile(filepath.Join("testdata", "golden.txt"))
	if err != nil {
		f.Fatal(err)
	}
	for line := range bytes.SplitSeq(bytes.TrimSuffix(golden, []byte("\n")), []byte("\n")) {
		f.Add(line)
	}
	for _, r := range Records() {
		f.Add(New(r.Type).Bytes())
	}
	f.Add([]byte(""))
	f.Add([]byte("00"))
	f.Add([]byte("0010101901234"))
	f.Add(append(New("021").Bytes()[:20], "xxxx"+strings.Repeat(" ", 39)...))
}

// FuzzParse: Parse never panics, fails only with the package's errors, and
// any line it accepts rebuilds to the same bytes when every parsed field is
// set back.
func FuzzParse(f *testing.F) {
	seedLines(f)
	f.Fuzz(func(t *testing.T, line []byte) {
		p, err := Parse(line)
		if err != nil {
			if !errors.Is(err, ErrLength) && !errors.Is(err, ErrType) && !errors.Is(err, ErrNumeric) &&
				!errors.Is(err, ErrControl) && !errors.Is(err, ErrFiller) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		r, ok := Lookup(p.Type)
		if !ok || len(line) != r.Len || len(p.Fields) != len(r.Fields) {
			t.Fatalf("parsed %s with %d fields from %d bytes", p.Type, len(p.Fields), len(line))
		}
		b := New(p.Type)
		for name, v := range p.Fields {
			if !utf8.ValidString(v) {
				t.Fatalf("%s: not UTF-8", name)
			}
			b.Set(name, v)
		}
		if got := b.Bytes(); !bytes.Equal(got, line) {
			t.Fatalf("rebuilt\n%q\nfrom\n%q", got, line)
		}
	})
}

// FuzzBuilderSet: Set on any field of any record keeps the line its exact
// length, never touches other fields, and parses back to the value as the
// field can hold it; Numeric fields panic exactly on values that are not
// digits or do not fit.
func FuzzBuilderSet(f *testing.F) {
	f.Add(uint8(1), uint8(1), "0101901234", 0)
	f.Add(uint8(1), uint8(13), "Smed i Ærøskøbing og omegn, Fyn, Danmark", 5)
	f.Add(uint8(2), uint8(2), "101", 101)
	f.Add(uint8(2), uint8(2), "10101", -1)
	f.Add(uint8(2), uint8(2), "1x", 1<<40)
	f.Add(uint8(14), uint8(2), "a\nb\xff€😀", 7)
	f.Add(uint8(0), uint8(0), "000", 0)
	f.Add(uint8(37), uint8(2), "00000000000000000000123", 123)
	recs := Records()
	f.Fuzz(func(t *testing.T, ri, fi uint8, value string, n int) {
		r := recs[int(ri)%len(recs)]
		fld := r.Fields[int(fi)%len(r.Fields)]

		// Set.
		b := New(r.Type)
		want, ok := expectSet(r, fld, value)
		panicked := didPanic(func() { b.Set(fld.Name, value) })
		if panicked == ok {
			t.Fatalf("%s %s Set(%q): panicked=%v, want %v", r.Type, fld.Name, value, panicked, !ok)
		}
		checkOne(t, b, r, fld, want, ok)

		// SetInt.
		b = New(r.Type)
		wantInt, okInt := expectSetInt(r, fld, n)
		panicked = didPanic(func() { b.SetInt(fld.Name, n) })
		if panicked == okInt {
			t.Fatalf("%s %s SetInt(%d): panicked=%v, want %v", r.Type, fld.Name, n, panicked, !okInt)
		}
		checkOne(t, b, r, fld, wantInt, okInt)
	})
}

func didPanic(f func()) (panicked bool) {
	defer func() { panicked = recover() != nil }()
	f()
	return false
}

// expectSet is the test's own statement of what Set writes, as Parse
// returns it, and whether Set accepts the value.
func expectSet(r Record, f Field, value string) (string, bool) {
	if !f.Numeric {
		var sb strings.Builder
		n := 0
		for _, c := range value { // invalid UTF-8 yields U+FFFD
			if n == f.Len {
				break
			}
			if c < 0x20 || (c >= 0x7f && c < 0xa0) || c > 0xff {
				c = '?'
			}
			sb.WriteRune(c)
			n++
		}
		return strings.TrimRight(sb.String(), " "), true
	}
	v := strings.TrimLeft(value, "0")
	if len(v) > f.Len || strings.Trim(v, "0123456789") != "" {
		return "", false
	}
	v = strings.Repeat("0", f.Len-len(v)) + v
	if f.Name == "RECORDTYPE" && v != r.Type {
		return "", false
	}
	return v, true
}

func expectSetInt(r Record, f Field, n int) (string, bool) {
	if n < 0 {
		return "", false
	}
	s := strings.TrimLeft(strings.Repeat("0", 20)+itoa(n), "0")
	if s == "" {
		s = "0"
	}
	if len(s) > f.Len {
		return "", false
	}
	if !f.Numeric {
		return s, true
	}
	s = strings.Repeat("0", f.Len-len(s)) + s
	if f.Name == "RECORDTYPE" && s != r.Type {
		return "", false
	}
	return s, true
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// checkOne parses b's line and checks field f holds want (or is still
// blank, if the set was refused) and every other field is blank.
func checkOne(t *testing.T, b *Builder, r Record, f Field, want string, ok bool) {
	t.Helper()
	line := b.AppendTo(nil)
	if len(line) != r.Len+1 || line[r.Len] != '\n' {
		t.Fatalf("%s: line of %d bytes", r.Type, len(line))
	}
	p, err := Parse(line[:r.Len])
	if err != nil {
		t.Fatalf("%s %s: Parse: %v", r.Type, f.Name, err)
	}
	blank, _ := Parse(New(r.Type).Bytes())
	for name, v := range p.Fields {
		exp := blank.Fields[name]
		if name == f.Name && ok {
			exp = want
		}
		if name == "RECORDTYPE" {
			exp = r.Type
		}
		if v != exp {
			t.Fatalf("%s %s = %q, want %q (set %s)", r.Type, name, v, exp, f.Name)
		}
	}
}
