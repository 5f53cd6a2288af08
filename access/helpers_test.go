package access

import (
	"errors"
	"sync"
	"testing"
	"time"

	"cpr/date"
	"cpr/pnr"
	"cpr/register"
)

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// tuesday10 is a Tuesday at 10:00 in Copenhagen, inside office hours.
var tuesday10 = time.Date(2024, 3, 5, 10, 0, 0, 0, date.Copenhagen)

// openRegister opens a register in a temporary directory, closed at the
// end of the test.
func openRegister(tb testing.TB) *register.Register {
	tb.Helper()
	reg, err := register.Open(tb.TempDir(), register.Options{CacheBytes: 8 << 20})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := reg.Close(); err != nil {
			tb.Error(err)
		}
	})
	return reg
}

// newTestService returns a service on a fresh register with a fake clock
// at tuesday10.
func newTestService(tb testing.TB, o Options) (*Service, *fakeClock, *register.Register) {
	tb.Helper()
	reg := openRegister(tb)
	clock := newClock(tuesday10)
	if o.Clock == nil {
		o.Clock = clock.Now
	}
	return New(reg, o), clock, reg
}

func mustCreate(tb testing.TB, s *Service, u User) User {
	tb.Helper()
	u, err := s.CreateUser(u)
	if err != nil {
		tb.Fatalf("CreateUser: %v", err)
	}
	return u
}

// testPNR returns a valid pnr numbered i (born 1 January 1970).
func testPNR(tb testing.TB, i int) pnr.PNR {
	tb.Helper()
	p, err := pnr.New(time.Date(1970, 1, 1+i/4000, 0, 0, 0, 0, time.UTC), i%4000)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// fieldOf returns the field of a *FieldError, or "" if err is not one.
func fieldOf(err error) string {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}
