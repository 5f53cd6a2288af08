package chaos

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"

	"cpr/extract/p12170"
	"cpr/pnr"
)

// compareExtract compares an extract (got) with the expected one, line by
// line: n is the lines compared, bad those that differ or are in one file
// only, and first names the first difference by line number, record type
// and field, never by its value.
func compareExtract(format string, got, want []byte) (n, bad int, first string) {
	g, w := lines(got), lines(want)
	n = max(len(g), len(w))
	for i := range n {
		if i < len(g) && i < len(w) && bytes.Equal(g[i], w[i]) {
			continue
		}
		bad++
		if first != "" {
			continue
		}
		switch {
		case i >= len(g):
			first = fmt.Sprintf("line %d: missing (%d lines, want %d)", i+1, len(g), len(w))
		case i >= len(w):
			first = fmt.Sprintf("line %d: not expected (%d lines, want %d)", i+1, len(g), len(w))
		case format == "jsonl":
			first = fmt.Sprintf("line %d: %s", i+1, jsonDiff(g[i], w[i]))
		default:
			first = fmt.Sprintf("line %d: %s", i+1, recordDiff(g[i], w[i]))
		}
	}
	return n, bad, first
}

func lines(b []byte) [][]byte {
	out := bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
	if len(b) == 0 {
		return nil
	}
	return out
}

// recordDiff names the record type and first field in which two P12170
// lines differ.
func recordDiff(got, want []byte) string {
	g, gerr := p12170.Parse(bytes.TrimSuffix(got, []byte("\r")))
	w, werr := p12170.Parse(bytes.TrimSuffix(want, []byte("\r")))
	if gerr != nil || werr != nil {
		return fmt.Sprintf("unreadable record (%v, %v)", gerr, werr)
	}
	if g.Type != w.Type {
		return fmt.Sprintf("record %s, want record %s", g.Type, w.Type)
	}
	rec, _ := p12170.Lookup(g.Type)
	for _, f := range rec.Fields {
		if g.Fields[f.Name] != w.Fields[f.Name] {
			return fmt.Sprintf("record %s field %s", g.Type, f.Name)
		}
	}
	return fmt.Sprintf("record %s: same fields, other bytes", g.Type)
}

// jsonDiff names the record and first key in which two JSON Lines
// records differ.
func jsonDiff(got, want []byte) string {
	var g, w map[string]any
	if json.Unmarshal(got, &g) != nil || json.Unmarshal(want, &w) != nil {
		return "unreadable record"
	}
	keys := make([]string, 0, len(g)+len(w))
	for k := range g {
		keys = append(keys, k)
	}
	for k := range w {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range slices.Compact(keys) {
		if !reflect.DeepEqual(g[k], w[k]) {
			return fmt.Sprintf("record %v field %s", w["record"], k)
		}
	}
	return fmt.Sprintf("record %v: same fields, other bytes", w["record"])
}

// changedBefore counts the persons in extract t whom an acknowledged
// change before its snapshot was about.
func changedBefore(t taken, acks []sent) int {
	in := map[pnr.PNR]bool{}
	for _, l := range lines(t.data) {
		var id string
		if t.format == "jsonl" {
			var r struct {
				Record, ID string
			}
			if json.Unmarshal(l, &r) == nil && r.Record == "person" {
				id = r.ID
			}
		} else if len(l) >= 13 && string(l[:3]) == "001" {
			id = string(l[3:13])
		}
		if p, err := pnr.Parse(id); err == nil {
			in[p] = true
		}
	}
	seen := map[pnr.PNR]bool{}
	for _, a := range acks {
		if a.seq > t.seq {
			break
		}
		for _, p := range a.pnrs {
			if in[p] && !seen[p] {
				seen[p] = true
			}
		}
	}
	return len(seen)
}
