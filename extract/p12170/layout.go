package p12170

import (
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// layoutTSV is a byte-identical copy of shared/data/cpr-record-layout.tsv; a
// test keeps the two in step.
//
//go:embed layout.tsv
var layoutTSV string

// Date formats, as the layout spells them (after normalising case).
const (
	FormatDate      = "yyyy-MM-dd"   // Alpha 10: 2024-01-31
	FormatDate8     = "yyyyMMdd"     // Numeric 8: 20240131
	FormatTimestamp = "yyyyMMddHHmm" // Numeric 12: 202401311405
	FormatTTMM      = "yyyyMMddTTMM" // Numeric 12, TTMM = hours and minutes (Danish timer)
)

type dateKind uint8

const (
	dateNone   dateKind = iota
	dateDashed          // yyyy-MM-dd
	date8               // yyyyMMdd
	date12              // yyyyMMddHHmm, yyyyMMddTTMM
)

// Field is one field of a record type.
type Field struct {
	// Name is the layout's field name. A name that occurs more than once in
	// a record gets "#2", "#3", ... on its later occurrences, in position
	// order: in record 014 "PNR" is the parent's number at 4 and "PNR#2"
	// the child's at 14.
	Name string
	// English is the layout's English name.
	English string
	// Numeric fields are right-aligned and zero-padded and hold only
	// digits; the others (Alpha) are left-aligned and space-padded.
	Numeric bool
	// Pos is the 1-based position of the first byte, Len the width in
	// bytes (one byte per ISO-8859-1 character).
	Pos, Len int
	// DateFormat is one of FormatDate, FormatDate8, FormatTimestamp,
	// FormatTTMM, or "" for a field the layout gives no date format (even
	// when its name says it is a date: the caller formats those).
	DateFormat string
	// Note explains where this package departs from the layout file for
	// this field (a synthesised, inherited or re-typed field); "" otherwise.
	Note string

	kind dateKind
}

// End is the 1-based position of the field's last byte.
func (f *Field) End() int { return f.Pos + f.Len - 1 }

// Record is one record type of the layout.
type Record struct {
	// Type is the three-digit record type, "001"; it is also the value of
	// the record's RECORDTYPE field.
	Type string
	// Family is the layout family, "P12170" or "P12180".
	Family string
	// Name is the layout's record name, "PersonInformation".
	Name string
	// Len is the length of a record line in bytes, without the newline.
	Len int
	// Fields in position order. Bytes no field covers (see Gaps) are
	// written as spaces.
	Fields []Field

	index map[string]int // field name -> index in Fields; shared, read-only
	blank []byte         // the empty record line; shared, read-only
	gaps  [][2]int       // 0-based [start, end) ranges no field covers
}

// Index returns the index in r.Fields of the named field, for the SetAt
// family of Builder methods, or -1 if the record has no such field.
func (r *Record) Index(field string) int {
	if i, ok := r.index[field]; ok {
		return i
	}
	return -1
}

// Field returns the named field, or nil.
func (r *Record) Field(name string) *Field {
	if i := r.Index(name); i >= 0 {
		return &r.Fields[i]
	}
	return nil
}

// Gaps returns the 1-based, inclusive byte ranges of the record that no
// field of the layout covers. The codec writes them as spaces and Parse
// requires them to be spaces.
func (r *Record) Gaps() [][2]int {
	out := make([][2]int, len(r.gaps))
	for i, g := range r.gaps {
		out[i] = [2]int{g[0] + 1, g[1]}
	}
	return out
}

func (r *Record) clone() *Record {
	c := *r
	c.Fields = slices.Clone(r.Fields)
	return &c
}

// Records returns every record type of the layout in ascending type order.
// The result is a copy: changing it does not change the codec.
func Records() []Record {
	out := make([]Record, len(layout.records))
	for i := range layout.records {
		out[i] = *layout.records[i].clone()
	}
	return out
}

// Lookup returns a copy of the record type recType ("001"), or false if the
// layout has no such record type.
func Lookup(recType string) (*Record, bool) {
	r := layout.lookup(recType)
	if r == nil {
		return nil, false
	}
	return r.clone(), true
}

type layoutT struct {
	records []Record
	byType  [1000]int16 // record type as a number -> index in records + 1
	maxLen  int
}

var layout = mustLoad(layoutTSV)

// lookup returns the shared record for a three-digit type, or nil.
func (l *layoutT) lookup(recType string) *Record {
	if len(recType) != 3 {
		return nil
	}
	return l.lookupBytes(recType[0], recType[1], recType[2])
}

func (l *layoutT) lookupBytes(a, b, c byte) *Record {
	if !isDigit(a) || !isDigit(b) || !isDigit(c) {
		return nil
	}
	n := int(a-'0')*100 + int(b-'0')*10 + int(c-'0')
	if i := l.byType[n]; i > 0 {
		return &l.records[i-1]
	}
	return nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

type row struct {
	family, recType, recName string
	recLen                   int
	field                    Field
}

// mustLoad builds the codec's layout from the TSV. It panics on a layout it
// cannot make sense of; the TSV is embedded, so the package's tests catch
// that before anyone else does.
func mustLoad(tsv string) *layoutT {
	l, err := load(tsv)
	if err != nil {
		panic("p12170: embedded layout: " + err.Error())
	}
	return l
}

const header = "record\trecord_name\trecord_length\tfield\tfield_en\tformat\tposition\tlength\tdate_format"

func parseRows(tsv string) ([]row, error) {
	lines := strings.Split(strings.TrimSuffix(tsv, "\n"), "\n")
	if len(lines) == 0 || strings.TrimSuffix(lines[0], "\r") != header {
		return nil, fmt.Errorf("unexpected header")
	}
	rows := make([]row, 0, len(lines)-1)
	for n, line := range lines[1:] {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 9 {
			return nil, fmt.Errorf("line %d: %d columns, want 9", n+2, len(c))
		}
		family, recType, ok := strings.Cut(c[0], "-")
		if !ok || len(recType) != 3 || !isDigit(recType[0]) || !isDigit(recType[1]) || !isDigit(recType[2]) {
			return nil, fmt.Errorf("line %d: bad record %q", n+2, c[0])
		}
		recLen, err1 := strconv.Atoi(c[2])
		pos, err2 := strconv.Atoi(c[6])
		length, err3 := strconv.Atoi(c[7])
		if err1 != nil || err2 != nil || err3 != nil || recLen <= 0 || pos <= 0 || length <= 0 {
			return nil, fmt.Errorf("line %d: bad number", n+2)
		}
		f := Field{Name: c[3], English: c[4], Pos: pos, Len: length}
		switch c[5] {
		case "Numeric":
			f.Numeric = true
		case "Alpha":
		default:
			return nil, fmt.Errorf("line %d: format %q", n+2, c[5])
		}
		// The layout writes yyyy-MM-dd as YYYY-MM-DD in records 019 and 020.
		switch df := c[8]; {
		case df == "":
		case strings.EqualFold(df, FormatDate):
			f.DateFormat, f.kind = FormatDate, dateDashed
		case df == FormatDate8:
			f.DateFormat, f.kind = df, date8
		case df == FormatTimestamp || df == FormatTTMM:
			f.DateFormat, f.kind = df, date12
		default:
			return nil, fmt.Errorf("line %d: date format %q", n+2, df)
		}
		if f.kind != dateNone && len(f.DateFormat) != f.Len {
			return nil, fmt.Errorf("line %d: date format %q in a field of %d bytes", n+2, f.DateFormat, f.Len)
		}
		rows = append(rows, row{family: family, recType: recType, recName: c[1], recLen: recLen, field: f})
	}
	return rows, nil
}

func load(tsv string) (*layoutT, error) {
	rows, err := parseRows(tsv)
	if err != nil {
		return nil, err
	}

	// Group rows by record type. Rows whose record name starts with "_"
	// (the P12180 "_RelativeClearWrittenAddress" rows, listed under 031)
	// are a template shared by every record of that family and length:
	// 032 and 033 list only their own field.
	type template struct {
		home   string // the record the template rows are listed under
		recLen int
		name   string
		fields []Field
	}
	templates := map[string]*template{}
	var recs []*Record
	byType := map[string]*Record{}
	for _, r := range rows {
		rec := byType[r.recType]
		if rec == nil {
			rec = &Record{Type: r.recType, Family: r.family, Len: r.recLen}
			byType[r.recType] = rec
			recs = append(recs, rec)
		}
		if rec.Family != r.family || rec.Len != r.recLen {
			return nil, fmt.Errorf("record %s: rows disagree on family or length", r.recType)
		}
		if strings.HasPrefix(r.recName, "_") {
			t := templates[r.family]
			if t == nil {
				t = &template{home: r.recType, recLen: r.recLen, name: strings.TrimPrefix(r.recName, "_")}
				templates[r.family] = t
			}
			if t.recLen != r.recLen {
				return nil, fmt.Errorf("family %s: template rows disagree on length", r.family)
			}
			t.fields = append(t.fields, r.field)
			continue
		}
		if rec.Name == "" {
			rec.Name = r.recName
		}
		rec.Fields = append(rec.Fields, r.field)
	}
	for _, rec := range recs {
		t := templates[rec.Family]
		if t == nil || t.recLen != rec.Len {
			continue
		}
		own := rec.Fields
		rec.Fields = make([]Field, 0, len(t.fields)+len(own))
		for _, f := range t.fields {
			if rec.Type != t.home {
				f.Note = "inherited from the " + rec.Family + " " + t.name + " template rows"
			}
			rec.Fields = append(rec.Fields, f)
		}
		rec.Fields = append(rec.Fields, own...)
		if rec.Name == "" {
			rec.Name = t.name
		}
	}

	l := &layoutT{}
	for _, rec := range recs {
		if err := finish(rec); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(recs, func(a, b *Record) int { return strings.Compare(a.Type, b.Type) })
	for i, rec := range recs {
		l.records = append(l.records, *rec)
		n, _ := strconv.Atoi(rec.Type)
		l.byType[n] = int16(i + 1)
		l.maxLen = max(l.maxLen, rec.Len)
	}
	return l, nil
}

// finish sorts rec's fields, applies the README rules the layout leaves
// out, names repeated fields and precomputes the blank line.
func finish(rec *Record) error {
	// README: every record but 000 and 999 starts with RECORDTYPE (1/3)
	// and PNR (4/10). Record 021 lists only RECORDTYPE: where nothing in
	// the layout covers 4..13, add the PNR the README promises.
	if rec.Type != "000" && rec.Type != "999" && !covered(rec.Fields, 4, 13) {
		rec.Fields = append(rec.Fields, Field{
			Name: "PNR", English: "PNR", Pos: 4, Len: 10,
			Note: "not in the layout file; added by the README rule that every record but 000 and 999 has PNR at 4/10",
		})
	}
	slices.SortStableFunc(rec.Fields, func(a, b Field) int { return a.Pos - b.Pos })

	// A Numeric field whose date format has dashes cannot hold its dates
	// (020 START_DT-VALGOPLYSNINGER and SLET_DT-VALGOPLYSNINGER): the date
	// format wins and the field is written as Alpha.
	for i := range rec.Fields {
		f := &rec.Fields[i]
		if f.Numeric && f.kind == dateDashed {
			f.Numeric = false
			f.Note = "Numeric in the layout file, but its date format " + f.DateFormat + " has dashes: written as Alpha"
		}
	}

	seen := map[string]int{}
	rec.index = make(map[string]int, len(rec.Fields))
	for i := range rec.Fields {
		f := &rec.Fields[i]
		seen[f.Name]++
		if k := seen[f.Name]; k > 1 {
			f.Name += "#" + strconv.Itoa(k)
		}
		if _, dup := rec.index[f.Name]; dup {
			return fmt.Errorf("record %s: field name %q twice after numbering", rec.Type, f.Name)
		}
		rec.index[f.Name] = i
	}

	rt := rec.Field("RECORDTYPE")
	if rt == nil || rt.Pos != 1 || rt.Len != 3 || !rt.Numeric {
		return fmt.Errorf("record %s: no Numeric RECORDTYPE at 1/3", rec.Type)
	}
	next := 1
	for _, f := range rec.Fields {
		if f.Pos < next {
			return fmt.Errorf("record %s: field %s overlaps the one before it", rec.Type, f.Name)
		}
		if f.End() > rec.Len {
			return fmt.Errorf("record %s: field %s ends at %d, after the record's %d bytes", rec.Type, f.Name, f.End(), rec.Len)
		}
		if f.Pos > next {
			rec.gaps = append(rec.gaps, [2]int{next - 1, f.Pos - 1})
		}
		next = f.End() + 1
	}
	if next <= rec.Len {
		rec.gaps = append(rec.gaps, [2]int{next - 1, rec.Len})
	}

	rec.blank = make([]byte, rec.Len)
	for i := range rec.blank {
		rec.blank[i] = ' '
	}
	for _, f := range rec.Fields {
		if f.Numeric {
			for j := f.Pos - 1; j < f.End(); j++ {
				rec.blank[j] = '0'
			}
		}
	}
	copy(rec.blank, rec.Type)
	return nil
}

// covered reports whether any field covers a byte in [from, to] (1-based).
func covered(fields []Field, from, to int) bool {
	for _, f := range fields {
		if f.Pos <= to && f.End() >= from {
			return true
		}
	}
	return false
}
