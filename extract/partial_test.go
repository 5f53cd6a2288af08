package extract

import (
	"bytes"
	"encoding/json"
	"testing"

	"cpr/date"
	"cpr/extract/p12170"
	"cpr/subscription"
)

// TestChangeExtractPartialStart: the change extract of a day that has not
// ended by the register's clock says so in its start record, in every
// format and from both Change and ChangeDay; a day that has ended does not.
func TestChangeExtractPartialStart(t *testing.T) {
	f := newFixture(t)
	f.put(subscription.Subscriber{ID: "k0101", Name: "Kbh", Kind: subscription.Public, TaskNumber: 2,
		Scope: subscription.ScopeAddress, Circle: subscription.Circle{Kommuner: []uint16{101}}})
	today := date.InCopenhagen(f.clock.Now())
	mark := func(fm Format, b []byte) string {
		first, _, _ := bytes.Cut(b, []byte("\n"))
		switch fm {
		case JSONL:
			var start map[string]any
			if err := json.Unmarshal(first, &start); err != nil {
				t.Fatal(err)
			}
			if start["partial"] == true {
				return PartialMark
			}
			if p, ok := start["partial"]; ok {
				t.Errorf("partial: %v", p)
			}
			return ""
		case CSV:
			if !bytes.HasPrefix(first, []byte("000,")) {
				t.Fatalf("start row %q", first)
			}
			field, _, _ := bytes.Cut(first[4:], []byte(","))
			return string(field)
		}
		r, err := p12170.Parse(first)
		if err != nil {
			t.Fatal(err)
		}
		return r.Fields["SORTFELT-10"]
	}
	for _, day := range []date.Date{today.AddDays(-1), today, today.AddDays(1)} {
		want := ""
		if day >= today {
			want = PartialMark
		}
		for _, fm := range []Format{P12170, JSONL, CSV} {
			b, _ := f.extract("k0101", day, fm)
			if got := mark(fm, b); got != want {
				t.Errorf("%s %s: start record says %q, want %q", day, fm, got, want)
			}
		}
		files, _ := f.changeDay(day, 1)
		if got := mark(P12170, files["k0101"].Bytes()); got != want {
			t.Errorf("%s ChangeDay: start record says %q, want %q", day, got, want)
		}
	}
}
