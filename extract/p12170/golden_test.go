package p12170

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.txt")

// goldenField is one field of a golden record: how to set it and the
// bytes the test expects at its position, derived from the TSV model and
// the standard library only.
type goldenField struct {
	f      mField
	set    func(b *Builder)
	want   []byte // exactly f.length bytes, ISO-8859-1
	parsed string // what Parse should return
}

// goldenFields gives every field of m a recognisable value: Alpha fields
// their own name and Danish letters, repeated past the field's length (so
// the codec must truncate); Numeric fields their position, shorter than
// the field (so the codec must pad); date fields a date or time derived
// from the record and field number.
func goldenFields(ri int, m mRecord) []goldenField {
	var out []goldenField
	for fi, f := range m.fields {
		g := goldenField{f: f}
		switch {
		case f.name == "RECORDTYPE":
			g.set = func(*Builder) {}
			g.want = []byte(m.typ)
			g.parsed = m.typ
		case f.dateFormat != "":
			tm := time.Date(1950+(ri*7+fi*13)%70, time.Month(1+fi%12), 1+(ri+fi)%28, (ri+fi)%24, (fi*7+ri)%60, 0, 0, time.UTC)
			s := tm.Format(goLayout(f.dateFormat))
			if len(s) == 12 || fi%2 == 0 {
				g.set = func(b *Builder) { b.SetTime(f.name, tm) }
			} else {
				g.set = func(b *Builder) { b.SetDate(f.name, tm.Year(), tm.Month(), tm.Day()) }
			}
			g.want = []byte(s)
			g.parsed = s
		case f.numeric:
			digits := strconv.Itoa(f.pos*10 + fi%10)
			if len(digits) > f.length {
				digits = digits[len(digits)-f.length:]
			}
			n, _ := strconv.Atoi(digits)
			padded := strings.Repeat("0", f.length-len(digits)) + digits
			if fi%2 == 0 {
				g.set = func(b *Builder) { b.Set(f.name, digits) }
			} else {
				g.set = func(b *Builder) { b.SetInt(f.name, n) }
			}
			g.want = []byte(padded)
			g.parsed = padded
		default:
			long := strings.Repeat(f.name+"/Æøå/", 1+f.length/4)
			v := firstRunes(long, f.length)
			g.set = func(b *Builder) { b.Set(f.name, long) }
			g.want = latin1(v)
			g.parsed = strings.TrimRight(v, " ")
		}
		out = append(out, g)
	}
	return out
}

// goldenLine is the whole expected line of m, without newline: spaces,
// then every field's expected bytes at its position.
func goldenLine(m mRecord, gs []goldenField) []byte {
	line := bytes.Repeat([]byte{' '}, m.length)
	for _, g := range gs {
		copy(line[g.f.pos-1:], g.want)
	}
	return line
}

func TestGolden(t *testing.T) {
	for ri, m := range model(readTSV(t)) {
		t.Run(m.typ, func(t *testing.T) {
			gs := goldenFields(ri, m)
			b := New(m.typ)
			for _, g := range gs {
				g.set(b)
			}
			got := b.AppendTo(nil)
			if len(got) != m.length+1 || got[m.length] != '\n' {
				t.Fatalf("line is %d bytes (want %d + newline)", len(got), m.length)
			}
			for _, g := range gs {
				at := got[g.f.pos-1 : g.f.pos-1+g.f.length]
				if !bytes.Equal(at, g.want) {
					t.Errorf("%s at %d/%d = %q, want %q", g.f.name, g.f.pos, g.f.length, at, g.want)
				}
			}
			if want := goldenLine(m, gs); !bytes.Equal(got[:m.length], want) {
				t.Errorf("line\n got %q\nwant %q", got[:m.length], want)
			}
		})
	}
}

// TestGoldenFile pins the bytes of one golden record of every type in
// testdata/golden.txt (ISO-8859-1). Rewriting it (go test -update) changes
// the file format subscribers read: review it as such.
func TestGoldenFile(t *testing.T) {
	models := model(readTSV(t))
	var file []byte
	for ri, m := range models {
		b := New(m.typ)
		for _, g := range goldenFields(ri, m) {
			g.set(b)
		}
		file = b.AppendTo(file)
	}
	path := filepath.Join("testdata", "golden.txt")
	if *update {
		if err := os.WriteFile(path, file, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(file, want) {
		t.Fatalf("built records differ from %s (go test -update rewrites it; review the diff as a format change)", path)
	}

	s := NewScanner(bytes.NewReader(want))
	n := 0
	for s.Scan() {
		m := models[n]
		p := s.Record()
		if p.Type != m.typ || s.Line() != n+1 {
			t.Fatalf("line %d: type %s, want %s", s.Line(), p.Type, m.typ)
		}
		gs := goldenFields(n, m)
		if len(p.Fields) != len(gs) {
			t.Errorf("%s: %d fields parsed, want %d", m.typ, len(p.Fields), len(gs))
		}
		for _, g := range gs {
			if got := p.Fields[g.f.name]; got != g.parsed {
				t.Errorf("%s %s = %q, want %q", m.typ, g.f.name, got, g.parsed)
			}
		}
		n++
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(models) {
		t.Fatalf("scanned %d records, want %d", n, len(models))
	}
}
