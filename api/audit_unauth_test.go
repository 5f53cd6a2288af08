package api

import (
	"testing"
	"time"
)

// TestSampler: one line an interval, each carrying the calls since the
// last one.
func TestSampler(t *testing.T) {
	s := sampler{interval: time.Second}
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	type step struct {
		at    time.Duration
		calls int
		ok    bool
	}
	for i, st := range []step{
		{0, 1, true},
		{100 * time.Millisecond, 0, false},
		{900 * time.Millisecond, 0, false},
		{999 * time.Millisecond, 0, false},
		{time.Second, 4, true},
		{1500 * time.Millisecond, 0, false},
		{5 * time.Second, 2, true},
	} {
		calls, ok := s.take(t0.Add(st.at))
		if calls != st.calls || ok != st.ok {
			t.Errorf("step %d at %v: take = %d, %v; want %d, %v", i, st.at, calls, ok, st.calls, st.ok)
		}
	}
}
