package access

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"cpr/pnr"
)

func TestFlags(t *testing.T) {
	rules := Rules{ManyPersons: 3, Window: 10 * time.Minute}
	p := func(i int) pnr.PNR { return testPNR(t, i) }
	min := func(m int) time.Time { return tuesday10.Add(time.Duration(m) * time.Minute) }
	read := func(user string, role Role, person pnr.PNR, at time.Time) Entry {
		return Entry{Time: at, User: user, Role: role, PNR: person, Call: "GET /v1/persons/{pnr}", Outcome: OutcomeRead, Status: 200}
	}
	clerk := func(at time.Time, userK, personK uint16) Entry {
		e := read("clerk1", RoleClerk, p(1), at)
		e.UserKommune, e.PersonKommune = userK, personK
		return e
	}
	protected := func(e Entry) Entry { e.Protected = true; return e }
	move := func(at time.Time, userK, personK uint16) Entry {
		e := clerk(at, userK, personK)
		e.Call, e.Outcome, e.Status = CallMove, OutcomeChanged, 201
		return e
	}
	denied := func(e Entry) Entry { e.Outcome, e.Status = OutcomeDenied, 403; return e }
	manyReads := func(user string, persons []int, start time.Time, step time.Duration) []Entry {
		var es []Entry
		for i, n := range persons {
			es = append(es, read(user, RoleLookup, p(n), start.Add(time.Duration(i)*step)))
		}
		return es
	}
	deniedReads := func(user string, n int, start time.Time, step time.Duration) []Entry {
		var es []Entry
		for i := range n {
			es = append(es, denied(read(user, RoleCitizen, p(100+i%3), start.Add(time.Duration(i)*step))))
		}
		return es
	}
	citizenPNR := p(42)

	// want is "rule user entry-index count".
	tests := []struct {
		name     string
		entries  []Entry
		from, to time.Time
		want     []string
	}{
		{"office hours", []Entry{read("a", RoleLookup, p(1), min(0)), read("a", RoleLookup, p(1), time.Date(2024, 3, 5, 7, 0, 0, 0, tuesday10.Location()))}, time.Time{}, time.Time{}, nil},
		{"early", []Entry{read("a", RoleLookup, p(1), time.Date(2024, 3, 5, 6, 59, 59, 0, tuesday10.Location()))}, time.Time{}, time.Time{}, []string{"off_hours a 0 1"}},
		{"late", []Entry{read("a", RoleLookup, p(1), time.Date(2024, 3, 5, 18, 0, 0, 0, tuesday10.Location()))}, time.Time{}, time.Time{}, []string{"off_hours a 0 1"}},
		{"saturday", []Entry{read("a", RoleLookup, p(1), time.Date(2024, 3, 9, 10, 0, 0, 0, tuesday10.Location()))}, time.Time{}, time.Time{}, []string{"off_hours a 0 1"}},
		{"sunday", []Entry{read("a", RoleLookup, p(1), time.Date(2024, 3, 10, 12, 0, 0, 0, tuesday10.Location()))}, time.Time{}, time.Time{}, []string{"off_hours a 0 1"}},
		{"off hours in summer time", []Entry{read("a", RoleLookup, p(1), time.Date(2024, 7, 2, 4, 30, 0, 0, time.UTC))}, time.Time{}, time.Time{}, []string{"off_hours a 0 1"}},
		{"office hours in summer time", []Entry{read("a", RoleLookup, p(1), time.Date(2024, 7, 2, 5, 30, 0, 0, time.UTC))}, time.Time{}, time.Time{}, nil},
		{"denied off hours", []Entry{denied(read("a", RoleLookup, p(1), time.Date(2024, 3, 9, 10, 0, 0, 0, tuesday10.Location())))}, time.Time{}, time.Time{}, nil},

		{"clerk own kommune", []Entry{clerk(min(0), 101, 101)}, time.Time{}, time.Time{}, nil},
		{"clerk other kommune", []Entry{clerk(min(0), 101, 147)}, time.Time{}, time.Time{}, []string{"other_kommune clerk1 0 1"}},
		{"clerk, person without kommune", []Entry{clerk(min(0), 101, 0)}, time.Time{}, time.Time{}, nil},
		{"lookup other kommune", []Entry{func() Entry { e := clerk(min(0), 101, 147); e.Role = RoleLookup; return e }()}, time.Time{}, time.Time{}, nil},
		{"clerk other kommune denied", []Entry{denied(clerk(min(0), 101, 147))}, time.Time{}, time.Time{}, nil},

		{"protected by lookup", []Entry{protected(read("a", RoleLookup, p(1), min(0)))}, time.Time{}, time.Time{}, []string{"protected_person a 0 1"}},
		{"protected, own data", []Entry{protected(read("cit", RoleCitizen, citizenPNR, min(0)))}, time.Time{}, time.Time{}, nil},
		{"protected, citizen reading another", []Entry{protected(read("cit", RoleCitizen, p(1), min(0)))}, time.Time{}, time.Time{}, []string{"protected_person cit 0 1"}},
		{"protected, unknown citizen user", []Entry{protected(read("ghost", RoleCitizen, citizenPNR, min(0)))}, time.Time{}, time.Time{}, []string{"protected_person ghost 0 1"}},

		{"many persons", manyReads("a", []int{1, 2, 3, 4}, min(0), time.Minute), time.Time{}, time.Time{}, []string{"many_persons a 3 4"}},
		{"count is distinct persons", manyReads("a", []int{1, 1, 1, 1, 2, 3, 4}, min(0), time.Second), time.Time{}, time.Time{}, []string{"many_persons a 6 4"}},
		{"count is distinct persons in the window", manyReads("a", []int{1, 2, 3, 3, 3, 3, 4, 5, 5, 5, 5, 5, 5, 5, 6, 7, 8}, min(0), time.Minute),
			time.Time{}, time.Time{}, []string{"many_persons a 6 7", "many_persons a 16 4"}},
		{"same person many times", manyReads("a", []int{1, 1, 1, 1, 1, 1}, min(0), time.Second), time.Time{}, time.Time{}, nil},
		{"exactly the limit", manyReads("a", []int{1, 2, 3, 1, 2, 3}, min(0), time.Second), time.Time{}, time.Time{}, nil},
		{"spread out", manyReads("a", []int{1, 2, 3, 4, 5, 6}, min(0), 4*time.Minute), time.Time{}, time.Time{}, nil},
		{"window is exclusive", manyReads("a", []int{1, 2, 3, 4}, min(0), 10*time.Minute/3), time.Time{}, time.Time{}, nil},
		{"two users", append(manyReads("a", []int{1, 2}, min(0), time.Second), manyReads("b", []int{3, 4}, min(1), time.Second)...), time.Time{}, time.Time{}, nil},
		{"once per window", manyReads("a", []int{1, 2, 3, 4, 5, 6, 7, 8}, min(0), time.Minute), time.Time{}, time.Time{}, []string{"many_persons a 3 8"}},
		// The count grows over the hold-back: 40 persons in 40 s are one
		// flag of 40 (it was threshold+1, 4, whatever the user read).
		{"count is every person of the flag's span", manyReads("a", seq(1, 40), min(0), time.Second), time.Time{}, time.Time{}, []string{"many_persons a 3 40"}},
		{"count ends with the hold-back", append(manyReads("a", seq(1, 4), min(0), time.Second),
			read("a", RoleLookup, p(5), min(9).Add(3*time.Second)), read("a", RoleLookup, p(6), min(10).Add(3*time.Second))),
			time.Time{}, time.Time{}, []string{"many_persons a 3 5"}},
		{"count ends at to", manyReads("a", seq(1, 40), min(0), time.Second), time.Time{}, min(0).Add(20 * time.Second), []string{"many_persons a 3 20"}},
		{"flags after an open count wait for it", append(manyReads("a", seq(1, 6), min(0), time.Second),
			read("b", RoleLookup, p(9), time.Date(2024, 3, 5, 18, 0, 0, 0, tuesday10.Location()))),
			time.Time{}, time.Time{}, []string{"many_persons a 3 6", "off_hours b 6 1"}},
		{"denied reads", deniedReads("a", 15, min(0), time.Second), time.Time{}, time.Time{}, []string{"denied_reads a 10 15"}},
		{"denied reads at the limit", deniedReads("a", 10, min(0), time.Second), time.Time{}, time.Time{}, nil},
		{"denied reads spread out", deniedReads("a", 15, min(0), 2*time.Minute), time.Time{}, time.Time{}, nil},
		{"denied reads of two users", append(deniedReads("a", 6, min(0), time.Second), deniedReads("b", 6, min(0), time.Second)...), time.Time{}, time.Time{}, nil},
		{"read limit refusals are not denied reads", func() []Entry {
			es := deniedReads("a", 12, min(0), time.Second)
			for i := range es {
				es[i].Status = 429
			}
			return es
		}(), time.Time{}, time.Time{}, []string{
			"read_limit a 0 1", "read_limit a 1 1", "read_limit a 2 1", "read_limit a 3 1", "read_limit a 4 1", "read_limit a 5 1",
			"read_limit a 6 1", "read_limit a 7 1", "read_limit a 8 1", "read_limit a 9 1", "read_limit a 10 1", "read_limit a 11 1"}},
		{"again a window later", manyReads("a", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}, min(0), time.Minute),
			time.Time{}, time.Time{}, []string{"many_persons a 3 13", "many_persons a 13 10"}},
		{"reads before from count", manyReads("a", []int{1, 2, 3, 4}, min(0), time.Minute), min(3), time.Time{}, []string{"many_persons a 3 4"}},
		{"flag before from is not reported", manyReads("a", []int{1, 2, 3, 4, 5}, min(0), time.Minute), min(4), time.Time{}, []string{"many_persons a 4 5"}},
		{"to ends the scan", manyReads("a", []int{1, 2, 3, 4}, min(0), time.Minute), time.Time{}, min(3), nil},

		{"move from another kommune", []Entry{move(min(0), 101, 147)}, time.Time{}, time.Time{}, []string{"move_from_other_kommune clerk1 0 1"}},
		{"move within the kommune", []Entry{move(min(0), 101, 101)}, time.Time{}, time.Time{}, nil},
		{"move of a person from abroad", []Entry{move(min(0), 101, 0)}, time.Time{}, time.Time{}, nil},
		{"name change in another kommune", []Entry{func() Entry { e := move(min(0), 101, 147); e.Call = "POST /v1/persons/{pnr}/names"; return e }()}, time.Time{}, time.Time{}, nil},
		{"move refused", []Entry{func() Entry { e := move(min(0), 101, 147); e.Outcome, e.Status = OutcomeRefused, 409; return e }()}, time.Time{}, time.Time{}, nil},
		{"move replayed", []Entry{func() Entry { e := move(min(0), 101, 147); e.Outcome = OutcomeReplayed; return e }()}, time.Time{}, time.Time{}, nil},
		{"moves are not reads", append(manyReads("clerk1", []int{1, 2, 3}, min(0), time.Second),
			move(min(1), 101, 101), move(min(1), 101, 101), func() Entry { e := move(min(1), 101, 101); e.PNR = p(7); return e }()),
			time.Time{}, time.Time{}, nil},
		{"all rules at once", []Entry{
			read("c", RoleLookup, p(1), min(0)), read("c", RoleLookup, p(2), min(0)), read("c", RoleLookup, p(3), min(0)),
			protected(func() Entry {
				e := clerk(time.Date(2024, 3, 5, 19, 0, 0, 0, tuesday10.Location()), 101, 147)
				e.User = "c"
				return e
			}()),
		}, time.Time{}, time.Time{}, []string{"off_hours c 3 1", "other_kommune c 3 1", "protected_person c 3 1"}},
		{"from and to select", []Entry{
			read("a", RoleLookup, p(1), time.Date(2024, 3, 9, 10, 0, 0, 0, tuesday10.Location())),
			read("a", RoleLookup, p(1), time.Date(2024, 3, 9, 11, 0, 0, 0, tuesday10.Location())),
			read("a", RoleLookup, p(1), time.Date(2024, 3, 9, 12, 0, 0, 0, tuesday10.Location())),
		}, time.Date(2024, 3, 9, 11, 0, 0, 0, tuesday10.Location()), time.Date(2024, 3, 9, 12, 0, 0, 0, tuesday10.Location()),
			[]string{"off_hours a 1 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, _ := newTestService(t, Options{Rules: rules})
			mustCreate(t, s, User{ID: "cit", Role: RoleCitizen, PNR: citizenPNR})
			if len(tt.entries) > 0 {
				if err := s.LogMany(tt.entries); err != nil {
					t.Fatal(err)
				}
			}
			logged, _, err := s.Query(Query{Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			slices.Reverse(logged)
			page, err := s.Flags(FlagQuery{From: tt.from, To: tt.to, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			flags := page.Flags
			totals := 0
			for _, n := range page.Totals {
				totals += n
			}
			if totals != len(flags) || len(page.Totals) != len(RuleNames()) || page.Next != "" {
				t.Errorf("totals %v for %d flags, next %q", page.Totals, len(flags), page.Next)
			}
			var got []string
			for _, f := range flags {
				i := slices.IndexFunc(logged, func(e Entry) bool { return e.ID == f.Entry })
				if i < 0 {
					t.Fatalf("flag %+v names no entry", f)
				}
				if !f.At.Equal(logged[i].Time) {
					t.Errorf("flag at %v, entry at %v", f.At, logged[i].Time)
				}
				wantPNR := logged[i].PNR
				if f.Rule == RuleManyPersons || f.Rule == RuleDeniedReads {
					wantPNR = 0
				}
				if f.PNR != wantPNR {
					t.Errorf("flag %s has pnr %v, want %v", f.Rule, f.PNR, wantPNR)
				}
				got = append(got, fmt.Sprintf("%s %s %d %d", f.Rule, f.User, i, f.Count))
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("flags = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFlagsDefaults(t *testing.T) {
	r, ok := Rules{}.withDefaults()
	if !ok || r != (Rules{ManyPersons: 50, Window: 10 * time.Minute, DeniedReads: 10, OfficeStart: 7, OfficeEnd: 18}) {
		t.Fatalf("defaults = %+v, %v", r, ok)
	}
	if r, ok := (Rules{OfficeStart: 0, OfficeEnd: 24}).withDefaults(); !ok || r.OfficeStart != 0 || r.OfficeEnd != 24 {
		t.Fatalf("0-24 = %+v, %v", r, ok)
	}
	if r, ok := (Rules{OfficeStart: 18, OfficeEnd: 7}).withDefaults(); ok || r.OfficeStart != 7 {
		t.Fatalf("18-7 = %+v, %v", r, ok)
	}
	s, _, _ := newTestService(t, Options{})
	for _, tt := range []struct {
		q     FlagQuery
		field string
	}{
		{FlagQuery{From: tuesday10, To: tuesday10.Add(-1)}, "to"},
		{FlagQuery{Limit: -1}, "limit"},
		{FlagQuery{Limit: 1001}, "limit"},
		{FlagQuery{Rule: "nosy"}, "rule"},
		{FlagQuery{Cursor: "x"}, "cursor"},
		{FlagQuery{Cursor: "01HV0000000000000000000000.nosy"}, "cursor"},
	} {
		if _, err := s.Flags(tt.q); !errors.Is(err, ErrInvalid) || fieldOf(err) != tt.field {
			t.Errorf("Flags(%+v) = %v, want a FieldError for %q", tt.q, err, tt.field)
		}
	}
}

// TestFlagsPages pages through many flags of several rules, with and
// without a rule filter: every flag exactly once, in order, the same
// totals on every page.
func TestFlagsPages(t *testing.T) {
	s, _, _ := newTestService(t, Options{Rules: Rules{ManyPersons: 3, Window: time.Minute}})
	night := time.Date(2024, 3, 5, 22, 0, 0, 0, tuesday10.Location())
	var es []Entry
	for i := range 60 {
		e := Entry{Time: night.Add(time.Duration(i) * 7 * time.Second), User: "n", Role: RoleClerk, PNR: testPNR(t, i),
			Call: "GET /v1/persons/{pnr}", Outcome: OutcomeRead, Status: 200, UserKommune: 101, PersonKommune: 101}
		if i%4 == 0 {
			e.PersonKommune = 147
		}
		es = append(es, e)
	}
	if err := s.LogMany(es); err != nil {
		t.Fatal(err)
	}
	all, err := s.Flags(FlagQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{RuleOffHours: 60, RuleOtherKommune: 15, RuleManyPersons: 0, RuleProtectedPerson: 0, RuleMoveFromOtherKommune: 0, RuleReadLimit: 0, RuleDeniedReads: 0}
	// many_persons: 3 persons a minute is the limit; 60/7 reads a
	// minute cross it once a minute (7 minutes of reads).
	want[RuleManyPersons] = all.Totals[RuleManyPersons]
	if !maps.Equal(all.Totals, want) || want[RuleManyPersons] < 6 || len(all.Flags) != 75+want[RuleManyPersons] {
		t.Fatalf("totals %v with %d flags", all.Totals, len(all.Flags))
	}
	for _, rule := range []string{"", RuleOtherKommune} {
		for _, limit := range []int{1, 7, 75} {
			var got []Flag
			q := FlagQuery{Rule: rule, Limit: limit}
			for pages := 0; ; pages++ {
				page, err := s.Flags(q)
				if err != nil {
					t.Fatal(err)
				}
				if !maps.Equal(page.Totals, all.Totals) || len(page.Flags) > limit || (page.Next != "" && len(page.Flags) != limit) {
					t.Fatalf("rule %q limit %d: page of %d, totals %v, next %q", rule, limit, len(page.Flags), page.Totals, page.Next)
				}
				got = append(got, page.Flags...)
				if page.Next == "" {
					break
				}
				if pages > 200 {
					t.Fatal("paging does not end")
				}
				q.Cursor = page.Next
			}
			wantFlags := slices.DeleteFunc(slices.Clone(all.Flags), func(f Flag) bool { return rule != "" && f.Rule != rule })
			if !slices.Equal(got, wantFlags) {
				t.Fatalf("rule %q limit %d: %d flags, want %d", rule, limit, len(got), len(wantFlags))
			}
		}
	}
}

// seq is from, from+1, ..., to.
func seq(from, to int) []int {
	var out []int
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}
