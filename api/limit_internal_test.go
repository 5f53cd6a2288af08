package api

import (
	"strconv"
	"testing"
	"time"
)

func TestLimiterBuckets(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	l := newLimiter(10, 24)
	steps := []struct {
		name string
		n    int
		at   time.Duration
		ok   bool
		wait time.Duration
	}{
		{"a full hour bucket", 10, 0, true, 0},                                   // hour 0, day 14
		{"one more waits for one person's refill", 1, 0, false, 6 * time.Minute}, // 3600 s / 10
		{"refilled by one", 1, 6 * time.Minute, true, 0},                         // hour 0, day 13.1
		{"the hour bucket refilled", 10, 2 * time.Hour, true, 0},                 // hour 0, day 15-10 = 5
		{"the day bucket holds 7 of 10", 10, 4 * time.Hour, false, 3 * time.Hour},
		{"both hold 10", 10, 7 * time.Hour, true, 0},                                                      // hour 0, day 0
		{"more than the hour bucket holds waits for the day's", 12, 8 * time.Hour, false, 11 * time.Hour}, // day 1 of 12
		{"and passes when the hour bucket is full, owing", 12, 19 * time.Hour, true, 0},                   // hour -2, day 0
		{"owing", 1, 19 * time.Hour, false, time.Hour},
	}
	for _, s := range steps {
		ok, wait, _, _ := l.take("u", s.n, t0.Add(s.at))
		if ok != s.ok || wait != s.wait {
			t.Errorf("%s: take(%d) at +%v = %v, %v; want %v, %v", s.name, s.n, s.at, ok, wait, s.ok, s.wait)
		}
	}
}

// TestLimiterForgetsRefilledUsers: memory holds only the users whose
// buckets have not refilled.
func TestLimiterForgetsRefilledUsers(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	l := newLimiter(DefaultPersonsPerHour, DefaultPersonsPerDay)
	for i := range 10_000 {
		l.take("user-"+strconv.Itoa(i), 20, t0)
	}
	l.take("heavy", 2000, t0)
	l.take("other", 1, t0.Add(5*time.Minute))
	if len(l.users) != 10_002 {
		t.Fatalf("%d users held, want 10002", len(l.users))
	}
	// Eleven minutes on, 20 persons have refilled, 2,000 have not.
	l.take("late", 1, t0.Add(11*time.Minute))
	if len(l.users) != 2 {
		t.Errorf("%d users held, want 2 (heavy and late)", len(l.users))
	}
	if l.users["heavy"] == nil || l.users["late"] == nil {
		t.Errorf("heavy or late forgotten: %v", l.users)
	}
}

// TestLimiterRecordsARefusalAMinute: of a user's refusals, the first and
// then one a minute are to be written down, with the count since.
func TestLimiterRecordsARefusalAMinute(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	l := newLimiter(1, 10)
	if ok, _, _, _ := l.take("u", 1, t0); !ok {
		t.Fatal("the first person is refused")
	}
	for i, s := range []struct {
		at      time.Duration
		record  bool
		refused int
	}{
		{0, true, 1}, {0, false, 0}, {time.Second, false, 0}, {59 * time.Second, false, 0},
		{time.Minute, true, 4}, {time.Minute, false, 0}, {3 * time.Minute, true, 2},
	} {
		ok, _, record, refused := l.take("u", 1, t0.Add(s.at))
		if ok || record != s.record || refused != s.refused {
			t.Errorf("refusal %d at +%v: ok %v, record %v, refused %d; want a refusal, %v, %d", i, s.at, ok, record, refused, s.record, s.refused)
		}
	}
}
