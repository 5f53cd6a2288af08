package access

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"cpr/pnr"
	"cpr/register"
)

func readEntry(user string, p pnr.PNR) Entry {
	return Entry{User: user, Role: RoleLookup, PNR: p, Call: "GET /v1/persons/{pnr}", Purpose: "sag 17", Outcome: OutcomeRead, Status: 200}
}

func TestLogValidation(t *testing.T) {
	s, _, _ := newTestService(t, Options{})
	p := pnr.MustParse("010170-1234")
	ok := readEntry("anne", p)
	tests := []struct {
		name  string
		edit  func(e *Entry)
		field string
	}{
		{"valid", func(e *Entry) {}, ""},
		{"no user (refused attempt)", func(e *Entry) { e.User, e.Role, e.Outcome, e.Status = "", "", OutcomeDenied, 401 }, ""},
		{"no pnr", func(e *Entry) { e.PNR = 0 }, ""},
		{"given id and time", func(e *Entry) {
			e.Time = tuesday10.Add(time.Hour)
			e.ID = ulid.MustNew(ulid.Timestamp(e.Time), strings.NewReader(strings.Repeat("x", 10))).String()
		}, ""},
		{"bad user", func(e *Entry) { e.User = "Anne Hansen" }, "user"},
		{"bad role", func(e *Entry) { e.Role = "root" }, "role"},
		{"bad pnr", func(e *Entry) { e.PNR = 1 }, "pnr"},
		{"no call", func(e *Entry) { e.Call = "" }, "call"},
		{"long call", func(e *Entry) { e.Call = strings.Repeat("x", 201) }, "call"},
		{"bad outcome", func(e *Entry) { e.Outcome = "ok" }, "outcome"},
		{"no status", func(e *Entry) { e.Status = 0 }, "status"},
		{"bad status", func(e *Entry) { e.Status = 600 }, "status"},
		{"bad id", func(e *Entry) { e.ID = "not-a-ulid" }, "id"},
		{"id of another time", func(e *Entry) {
			e.Time = tuesday10
			e.ID = ulid.MustNew(ulid.Timestamp(tuesday10)+1, strings.NewReader(strings.Repeat("x", 10))).String()
		}, "id"},
		{"time before 1970", func(e *Entry) { e.Time = time.Date(1969, 1, 1, 0, 0, 0, 0, time.UTC) }, "time"},
		{"time after 9999", func(e *Entry) { e.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ok
			tt.edit(&e)
			err := s.Log(e)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Log: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || fieldOf(err) != tt.field {
				t.Fatalf("Log error = %v, want a FieldError for %q", err, tt.field)
			}
			if strings.Contains(err.Error(), "1234") {
				t.Fatalf("error quotes a pnr: %v", err)
			}
		})
	}
}

func TestLogAssignsAndQueries(t *testing.T) {
	s, clock, _ := newTestService(t, Options{})
	p := pnr.MustParse("010170-1234")
	e := readEntry("anne", p)
	e.Purpose = strings.Repeat("æ", 250)
	e.PersonKommune, e.UserKommune, e.Protected = 101, 147, true
	clock.Set(tuesday10.Add(123456789 * time.Nanosecond))
	if err := s.Log(e); err != nil {
		t.Fatal(err)
	}
	got, next, err := s.Query(Query{PNR: p})
	if err != nil || next != "" || len(got) != 1 {
		t.Fatalf("Query = %+v, %q, %v", got, next, err)
	}
	g := got[0]
	id, err := ulid.ParseStrict(g.ID)
	if err != nil || id.Time() != uint64(g.Time.UnixMilli()) {
		t.Fatalf("id %q does not carry the time: %v", g.ID, err)
	}
	if !g.Time.Equal(clock.Now()) {
		t.Fatalf("time = %v, want %v", g.Time, clock.Now())
	}
	want := e
	want.ID, want.Time = g.ID, g.Time
	want.Purpose = strings.Repeat("æ", 200)
	if g != want {
		t.Fatalf("entry =\n%+v\nwant\n%+v", g, want)
	}
}

// logSeries logs n entries one millisecond apart, starting at tuesday10:
// entry i by user "u<i%3>" about person i%5. It returns them oldest first.
func logSeries(t *testing.T, s *Service, n int) []Entry {
	t.Helper()
	var all []Entry
	for i := range n {
		e := readEntry(fmt.Sprintf("u%d", i%3), testPNR(t, i%5))
		e.Time = tuesday10.Add(time.Duration(i) * time.Millisecond)
		e.Status = 200 + i%2
		if i%7 == 0 {
			e.Outcome, e.Status, e.Token = OutcomeChanged, 201, "00000000000000a1"
		}
		all = append(all, e)
	}
	// Half one by one, half in one batch.
	for _, e := range all[:n/2] {
		if err := s.Log(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.LogMany(all[n/2:]); err != nil {
		t.Fatal(err)
	}
	return all
}

func TestQuery(t *testing.T) {
	s, _, _ := newTestService(t, Options{})
	all := logSeries(t, s, 250)
	at := func(i int) time.Time { return tuesday10.Add(time.Duration(i) * time.Millisecond) }
	tests := []struct {
		name  string
		q     Query
		match func(i int, e Entry) bool
	}{
		{"all", Query{}, func(int, Entry) bool { return true }},
		{"by pnr", Query{PNR: testPNR(t, 2)}, func(i int, _ Entry) bool { return i%5 == 2 }},
		{"by user", Query{User: "u1"}, func(i int, _ Entry) bool { return i%3 == 1 }},
		{"by pnr and user", Query{PNR: testPNR(t, 2), User: "u1"}, func(i int, _ Entry) bool { return i%5 == 2 && i%3 == 1 }},
		{"from", Query{From: at(200)}, func(i int, _ Entry) bool { return i >= 200 }},
		{"to", Query{To: at(30)}, func(i int, _ Entry) bool { return i < 30 }},
		{"from to", Query{From: at(40), To: at(160)}, func(i int, _ Entry) bool { return i >= 40 && i < 160 }},
		{"to within a millisecond", Query{To: at(30).Add(time.Nanosecond)}, func(i int, _ Entry) bool { return i <= 30 }},
		{"user from to", Query{User: "u0", From: at(10), To: at(220)}, func(i int, _ Entry) bool { return i%3 == 0 && i >= 10 && i < 220 }},
		{"pnr from to", Query{PNR: testPNR(t, 4), From: at(10), To: at(220)}, func(i int, _ Entry) bool { return i%5 == 4 && i >= 10 && i < 220 }},
		{"empty range", Query{From: at(10), To: at(10)}, func(int, Entry) bool { return false }},
		{"changed", Query{Outcome: OutcomeChanged}, func(i int, _ Entry) bool { return i%7 == 0 }},
		{"who changed a person", Query{PNR: testPNR(t, 3), Outcome: OutcomeChanged}, func(i int, _ Entry) bool { return i%7 == 0 && i%5 == 3 }},
		{"user's reads", Query{User: "u2", Outcome: OutcomeRead}, func(i int, _ Entry) bool { return i%7 != 0 && i%3 == 2 }},
		{"unknown user", Query{User: "nobody"}, func(int, Entry) bool { return false }},
		{"unknown pnr", Query{PNR: testPNR(t, 7)}, func(int, Entry) bool { return false }},
		{"before the log", Query{To: tuesday10}, func(int, Entry) bool { return false }},
		{"to before 1970", Query{To: time.Unix(-5, 0)}, func(int, Entry) bool { return false }},
		{"from before 1970", Query{From: time.Unix(-5, 0), To: at(3)}, func(i int, _ Entry) bool { return i < 3 }},
	}
	for _, limit := range []int{0, 7, 100, 1000} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/limit=%d", tt.name, limit), func(t *testing.T) {
				var want []string
				for i := len(all) - 1; i >= 0; i-- {
					if tt.match(i, all[i]) {
						want = append(want, fmt.Sprintf("%s %d %d", all[i].User, all[i].PNR, all[i].Time.UnixNano()))
					}
				}
				pageSize := limit
				if pageSize == 0 {
					pageSize = 100
				}
				var got []string
				q := tt.q
				q.Limit = limit
				for pages := 0; ; pages++ {
					page, next, err := s.Query(q)
					if err != nil {
						t.Fatal(err)
					}
					if len(page) > pageSize || (next != "" && len(page) != pageSize) {
						t.Fatalf("page of %d entries with next %q", len(page), next)
					}
					for _, e := range page {
						got = append(got, fmt.Sprintf("%s %d %d", e.User, e.PNR, e.Time.UnixNano()))
					}
					if next == "" {
						break
					}
					if pages > 300 {
						t.Fatal("paging does not end")
					}
					q.Cursor = next
				}
				if !slices.Equal(got, want) {
					t.Fatalf("got %d entries, want %d\ngot  %.5q\nwant %.5q", len(got), len(want), got, want)
				}
			})
		}
	}
}

func TestQueryErrors(t *testing.T) {
	s, _, _ := newTestService(t, Options{})
	for _, tt := range []struct {
		q     Query
		field string
	}{
		{Query{Limit: -1}, "limit"},
		{Query{Limit: 1001}, "limit"},
		{Query{PNR: 1}, "pnr"},
		{Query{User: "Not An Id"}, "user"},
		{Query{Cursor: "x"}, "cursor"},
		{Query{Outcome: "looked"}, "outcome"},
		{Query{From: tuesday10, To: tuesday10.Add(-1)}, "to"},
	} {
		if _, _, err := s.Query(tt.q); !errors.Is(err, ErrInvalid) || fieldOf(err) != tt.field {
			t.Errorf("Query(%+v) = %v, want a FieldError for %q", tt.q, err, tt.field)
		}
	}
}

func TestLogManyAtomic(t *testing.T) {
	s, _, _ := newTestService(t, Options{})
	good := readEntry("anne", testPNR(t, 1))
	bad := good
	bad.Outcome = ""
	in := []Entry{good, good, bad}
	if err := s.LogMany(in); fieldOf(err) != "outcome" {
		t.Fatalf("LogMany = %v", err)
	}
	if in[0].ID != "" || !in[0].Time.IsZero() {
		t.Fatal("LogMany changed the caller's entries")
	}
	if got, _, err := s.Query(Query{}); err != nil || len(got) != 0 {
		t.Fatalf("a refused batch left %d entries (%v)", len(got), err)
	}
	if err := s.LogMany(in[:2]); err != nil {
		t.Fatal(err)
	}
	got, _, err := s.Query(Query{User: "anne"})
	if err != nil || len(got) != 2 || got[0].ID == got[1].ID || got[0].ID < got[1].ID {
		t.Fatalf("Query = %+v, %v", got, err)
	}
}

func TestQueryCorruptIndex(t *testing.T) {
	s, _, reg := newTestService(t, Options{})
	p := testPNR(t, 1)
	id := ulid.MustNew(ulid.Timestamp(tuesday10), strings.NewReader(strings.Repeat("x", 10)))
	if err := reg.PutRecords(register.Record{Space: register.SpaceAccessByPNR, Key: appendPNRLogKey(nil, p, id), Value: []byte{}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Query(Query{PNR: p}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Query = %v, want ErrCorrupt", err)
	}
}

// TestLogConcurrent logs from 64 goroutines and finds every entry
// afterwards, by user, by person and in the whole log.
func TestLogConcurrent(t *testing.T) {
	s, _, _ := newTestService(t, Options{Clock: time.Now})
	const workers, each = 64, 40
	persons := make([]pnr.PNR, workers*each)
	for i := range persons {
		persons[i] = testPNR(t, i)
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				e := readEntry(fmt.Sprintf("w%d", w), persons[w*each+i])
				if err := s.Log(e); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	q := Query{Limit: 1000}
	for {
		page, next, err := s.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range page {
			if seen[e.ID] {
				t.Fatalf("id %s twice", e.ID)
			}
			seen[e.ID] = true
			if i > 0 && page[i-1].ID <= e.ID {
				t.Fatal("not newest first")
			}
		}
		if next == "" {
			break
		}
		q.Cursor = next
	}
	if len(seen) != workers*each {
		t.Fatalf("found %d entries, want %d", len(seen), workers*each)
	}
	for w := range workers {
		got, _, err := s.Query(Query{User: fmt.Sprintf("w%d", w), Limit: 1000})
		if err != nil || len(got) != each {
			t.Fatalf("user w%d: %d entries, %v", w, len(got), err)
		}
		for i := range each {
			got, _, err := s.Query(Query{PNR: persons[w*each+i]})
			if err != nil || len(got) != 1 || got[0].User != fmt.Sprintf("w%d", w) {
				t.Fatalf("person %d: %+v, %v", w*each+i, got, err)
			}
		}
	}
}
