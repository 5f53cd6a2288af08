package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"cpr/pnr"
)

// manyMarks is n marks of distinct valid numbers (born from 1960 on), each
// with a 10-character customer key.
func manyMarks(t *testing.T, n int) []map[string]string {
	t.Helper()
	marks := make([]map[string]string, 0, n)
	day := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)
	for len(marks) < n {
		for serial := 1000; serial < 1500 && len(marks) < n; serial++ {
			p, err := pnr.New(day, serial)
			if err != nil {
				t.Fatal(err)
			}
			marks = append(marks, map[string]string{"pnr": p.String(), "key": fmt.Sprintf("K%09d", len(marks))})
		}
		day = day.AddDate(0, 0, 1)
	}
	return marks
}

// TestMarksTakeWhatTheDocumentSays: the document promises 100,000 marks
// with customer keys in one call; they fit even sent indented (6.6 MB).
// One more is refused for its count, and a body over the route's cap
// with 413.
func TestMarksTakeWhatTheDocumentSays(t *testing.T) {
	h := startHarness(t)
	body := map[string]any{"name": "Bank", "kind": "private", "task_number": 4712, "scope": []string{"address", "name"},
		"circle": map[string]any{"marks": true}}
	if a := h.do(t, "PUT", "/v1/subscribers/bank", uAdmin, body); a.Status != http.StatusCreated {
		t.Fatalf("put subscriber: %d %s", a.Status, a.Body)
	}
	marks := manyMarks(t, 100_001)
	raw, err := json.MarshalIndent(map[string]any{"marks": marks[:100_000]}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("100,000 marks with keys: %d bytes indented", len(raw))
	var added map[string]int
	ok(t, h.do(t, "POST", "/v1/subscribers/bank/marks", uAdmin, raw), http.StatusOK, &added)
	if added["added"] != 100_000 || added["marks"] != 100_000 {
		t.Fatalf("marks: %v, want 100000 added and held", added)
	}
	wantProblem(t, h.do(t, "POST", "/v1/subscribers/bank/marks", uAdmin, map[string]any{"marks": marks}),
		http.StatusBadRequest, "invalid_input", "marks")
	huge := `{"marks":[` + strings.Repeat(" ", 16<<20) + `]}`
	wantProblem(t, h.do(t, "POST", "/v1/subscribers/bank/marks", uAdmin, huge), http.StatusRequestEntityTooLarge, "body_too_large", "")
	// Other routes keep the server's cap.
	wantProblem(t, h.do(t, "PUT", "/v1/subscribers/bank", uAdmin, `{"name":"`+strings.Repeat("x", 2<<20)+`"}`),
		http.StatusRequestEntityTooLarge, "body_too_large", "")
}
