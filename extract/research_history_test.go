package extract

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestResearchHistoryAgrees: a research subscriber with the history scope
// gets the same civil status history in JSON Lines as in P12170 and CSV
// (record 029): per person the same entries, code and months, the spouse
// a pseudonym; in the change and the status extract.
func TestResearchHistoryAgrees(t *testing.T) {
	f, day := researchFixture(t)
	// entry: "<id> <code> <from YYYYMM> <to YYYYMM> <spouse>".
	fromRecords := func(b []byte, fm Format) []string {
		var out []string
		for _, r := range records(t, b, fm) {
			if r.Type == "029" {
				out = append(out, strings.Join([]string{r.Fields["PNR"], r.Fields["CIVST"],
					r.Fields["HAENSTART-CIVILSTAND"][:6], r.Fields["HAENSLUT-CIVILSTAND"][:min(6, len(r.Fields["HAENSLUT-CIVILSTAND"]))], r.Fields["AEGTEPNR"]}, " "))
			}
		}
		slices.Sort(out)
		return out
	}
	fromJSON := func(b []byte) []string {
		var out []string
		for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
			var m struct {
				Record, ID string
				History    []struct {
					Fact, From, To string
					Civil          struct{ Code, Spouse string } `json:"civil_status"`
				}
			}
			if err := json.Unmarshal(line, &m); err != nil {
				t.Fatal(err)
			}
			for _, h := range m.History {
				if h.Fact != "civil_status" || len(h.From) != 7 || (h.To != "" && len(h.To) != 7) {
					t.Fatalf("history entry %+v: not a civil status told to the month", h)
				}
				if h.Civil.Spouse != "" {
					pseudonymOK(t, "history spouse", h.Civil.Spouse)
				}
				out = append(out, strings.Join([]string{m.ID, h.Civil.Code, strings.ReplaceAll(h.From, "-", ""),
					strings.ReplaceAll(h.To, "-", ""), h.Civil.Spouse}, " "))
			}
		}
		slices.Sort(out)
		return out
	}
	status := func(fm Format) []byte {
		var b bytes.Buffer
		if _, err := f.x.Status(context.Background(), "uni1", day, fm, &b, nil); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	for kind, get := range map[string]func(Format) []byte{
		"change": func(fm Format) []byte { return must(f.extract("uni1", day, fm)) },
		"status": status,
	} {
		want := fromRecords(get(P12170), P12170)
		if kind == "change" && len(want) == 0 {
			t.Fatal("no 029 record to compare")
		}
		if got := fromRecords(get(CSV), CSV); !slices.Equal(got, want) {
			t.Errorf("%s: CSV %v, P12170 %v", kind, got, want)
		}
		if got := fromJSON(get(JSONL)); !slices.Equal(got, want) {
			t.Errorf("%s: JSON Lines %v, P12170 %v", kind, got, want)
		}
	}
}
