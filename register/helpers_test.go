package register

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
)

// testClock is a clock the test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	return &testClock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, date.Copenhagen)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func (c *testClock) Today() date.Date { return date.InCopenhagen(c.Now()) }

type fixture struct {
	t     *testing.T
	r     *Register
	clock *testClock
	roads *address.Roads
	dir   string
}

func openFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, clock: newTestClock(), roads: address.Demo(), dir: t.TempDir()}
	f.reopen()
	t.Cleanup(func() {
		if err := f.r.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return f
}

func (f *fixture) reopen() {
	f.t.Helper()
	if f.r != nil {
		if err := f.r.Close(); err != nil {
			f.t.Fatalf("close: %v", err)
		}
	}
	r, err := Open(f.dir, Options{Roads: f.roads, Clock: f.clock.Now, CacheBytes: 8 << 20, Verify: true})
	if err != nil {
		f.t.Fatalf("open: %v", err)
	}
	f.r = r
}

// addr returns the n-th ordinary address in kommune k.
func (f *fixture) addr(k uint16, n int) address.Address {
	f.t.Helper()
	roads := f.roads.InKommune(k)
	var ordinary []address.Road
	for _, r := range roads {
		if r.Vejkode < 9900 {
			ordinary = append(ordinary, r)
		}
	}
	rd := ordinary[n%len(ordinary)]
	return address.Address{Kommunekode: k, Vejkode: rd.Vejkode, Husnr: itoa(1 + n/len(ordinary))}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func (f *fixture) apply(c Change) Result {
	f.t.Helper()
	res, err := f.r.Apply(context.Background(), c, Meta{Actor: "test"})
	if err != nil {
		f.t.Fatalf("%s: %v", c.Kind(), err)
	}
	f.clock.Advance(time.Minute)
	return res
}

func (f *fixture) refuse(c Change, want error) {
	f.t.Helper()
	before := f.r.LastSeq()
	_, err := f.r.Apply(context.Background(), c, Meta{Actor: "test"})
	if !errors.Is(err, want) {
		f.t.Fatalf("%s: err = %v, want %v", c.Kind(), err, want)
	}
	if f.r.LastSeq() != before {
		f.t.Fatalf("%s: refused change moved the journal from %d to %d", c.Kind(), before, f.r.LastSeq())
	}
}

func (f *fixture) get(p pnr.PNR) *Person {
	f.t.Helper()
	got, err := f.r.Get(p)
	if err != nil {
		f.t.Fatalf("get: %v", err)
	}
	return got
}

// immigrant registers a newcomer of the given birth date and sex in kommune k.
func (f *fixture) immigrant(birth date.Date, sex pnr.Sex, last string, k uint16, n int) pnr.PNR {
	f.t.Helper()
	res := f.apply(Immigration{Effective: f.clock.Today().AddDays(-400), Address: f.addr(k, n),
		BirthDate: birth, Sex: sex, Name: Name{First: "Test", Last: last}, Citizenship: 5100})
	return res.PNR
}

func (f *fixture) today() date.Date { return f.clock.Today() }
