package p12170

import (
	"cmp"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// This file reads layout.tsv again, with nothing from the package, so the
// golden and layout tests compare the codec against an independent model.

type tsvRow struct {
	record, recName string // "P12170-001", "PersonInformation"
	recLen          int
	field, english  string
	numeric         bool // format column says Numeric
	pos, length     int
	dateFormat      string // as written
}

func (r tsvRow) recType() string { return r.record[len(r.record)-3:] }
func (r tsvRow) family() string  { return r.record[:len(r.record)-4] }
func (r tsvRow) end() int        { return r.pos + r.length - 1 }

func readTSV(t testing.TB) []tsvRow {
	t.Helper()
	data, err := os.ReadFile("layout.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var rows []tsvRow
	for i, line := range strings.Split(string(data), "\n") {
		if i == 0 || line == "" {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 9 {
			t.Fatalf("layout.tsv line %d: %d columns", i+1, len(c))
		}
		atoi := func(s string) int {
			n, err := strconv.Atoi(s)
			if err != nil {
				t.Fatalf("layout.tsv line %d: %v", i+1, err)
			}
			return n
		}
		rows = append(rows, tsvRow{
			record: c[0], recName: c[1], recLen: atoi(c[2]), field: c[3], english: c[4],
			numeric: c[5] == "Numeric", pos: atoi(c[6]), length: atoi(c[7]), dateFormat: c[8],
		})
	}
	return rows
}

// mField and mRecord are the test's model of the codec's effective layout.
type mField struct {
	name, english string
	numeric       bool
	pos, length   int
	dateFormat    string
}

type mRecord struct {
	typ, family, name string
	length            int
	fields            []mField
}

// model applies the documented coping rules to the raw rows.
func model(rows []tsvRow) []mRecord {
	byType := map[string]*mRecord{}
	var order []string
	template := map[string][]tsvRow{} // family -> "_" rows
	templateLen := map[string]int{}
	for _, r := range rows {
		m := byType[r.recType()]
		if m == nil {
			m = &mRecord{typ: r.recType(), family: r.family(), length: r.recLen}
			byType[r.recType()] = m
			order = append(order, r.recType())
		}
		if strings.HasPrefix(r.recName, "_") {
			template[r.family()] = append(template[r.family()], r)
			templateLen[r.family()] = r.recLen
			continue
		}
		if m.name == "" {
			m.name = r.recName
		}
	}
	var out []mRecord
	for _, typ := range order {
		m := byType[typ]
		var rs []tsvRow
		if templateLen[m.family] == m.length {
			rs = append(rs, template[m.family]...)
		}
		for _, r := range rows {
			if r.recType() == typ && !strings.HasPrefix(r.recName, "_") {
				rs = append(rs, r)
			}
		}
		covered := false
		for _, r := range rs {
			if r.pos <= 13 && r.end() >= 4 {
				covered = true
			}
		}
		if !covered && typ != "000" && typ != "999" {
			rs = append(rs, tsvRow{field: "PNR", english: "PNR", pos: 4, length: 10})
		}
		slices.SortStableFunc(rs, func(a, b tsvRow) int { return cmp.Compare(a.pos, b.pos) })
		seen := map[string]int{}
		for _, r := range rs {
			f := mField{name: r.field, english: r.english, numeric: r.numeric, pos: r.pos, length: r.length}
			switch r.dateFormat {
			case "YYYY-MM-DD":
				f.dateFormat = "yyyy-MM-dd"
			default:
				f.dateFormat = r.dateFormat
			}
			if strings.Contains(f.dateFormat, "-") {
				f.numeric = false
			}
			seen[f.name]++
			if seen[f.name] > 1 {
				f.name += "#" + strconv.Itoa(seen[f.name])
			}
			m.fields = append(m.fields, f)
		}
		out = append(out, *m)
	}
	slices.SortFunc(out, func(a, b mRecord) int { return strings.Compare(a.typ, b.typ) })
	return out
}

// goLayout turns a layout date format into a time.Format layout.
func goLayout(df string) string {
	switch df {
	case "yyyy-MM-dd":
		return "2006-01-02"
	case "yyyyMMdd":
		return "20060102"
	case "yyyyMMddHHmm", "yyyyMMddTTMM":
		return "200601021504"
	}
	panic("no date format " + df)
}

// latin1 encodes s, which must be within Latin-1, one byte per rune.
func latin1(s string) []byte {
	var b []byte
	for _, r := range s {
		if r > 0xff {
			panic("not Latin-1")
		}
		b = append(b, byte(r))
	}
	return b
}

// firstRunes returns the first n runes of s.
func firstRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}
