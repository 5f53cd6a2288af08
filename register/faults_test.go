package register

import (
	"context"
	"errors"
	"testing"

	"cpr/date"
	"cpr/pnr"
)

// A failed write or sync of the log is answered with ErrUnavailable, never
// a panic; the register refuses every write after it, the journal shows
// nothing past the last durable change, and a reopen recovers.
func TestStorageFaults(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail func(*FaultFS, bool)
	}{
		{"writes", (*FaultFS).FailWrites},
		{"syncs", (*FaultFS).FailSyncs},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ff := NewFaultFS(nil)
			clock := newTestClock()
			dir := t.TempDir()
			open := func() *Register {
				r, err := Open(dir, Options{FS: ff.FS(), Clock: clock.Now, CacheBytes: 8 << 20})
				if err != nil {
					t.Fatalf("open: %v", err)
				}
				return r
			}
			f := &fixture{t: t, clock: clock, roads: nil, dir: dir, r: open()}
			f.roads = f.r.Roads()
			p := f.immigrant(date.MustNew(1980, 1, 1), pnr.Female, "Fejl", 101, 1)
			durable := f.r.LastSeq()

			tc.fail(ff, true)
			move := Move{PNR: p, Effective: f.today(), Address: f.addr(101, 2)}
			meta := Meta{Actor: "test", IdempotencyKey: "retried", BodyHash: [32]byte{1}}
			_, err := f.r.Apply(context.Background(), move, meta)
			if !errors.Is(err, ErrUnavailable) {
				t.Fatalf("move while %s fail: %v, want ErrUnavailable", tc.name, err)
			}
			if err := f.r.PutRecords(Record{Space: SpaceUsers, Key: []byte("x"), Value: []byte("y")}); !errors.Is(err, ErrUnavailable) {
				t.Fatalf("record while %s fail: %v, want ErrUnavailable", tc.name, err)
			}
			if ff.Injected() == 0 {
				t.Fatal("no fault was injected")
			}
			tc.fail(ff, false)
			if f.r.Healthy() || !f.r.Broken() {
				t.Fatal("register healthy after a failed commit")
			}
			if _, err := f.r.Apply(context.Background(), Move{PNR: p, Effective: f.today(), Address: f.addr(101, 3)}, Meta{Actor: "test"}); !errors.Is(err, ErrUnavailable) {
				t.Fatalf("move after the fault on a broken register: %v, want ErrUnavailable", err)
			}
			// The failed batch may be visible in memory: a retry must not be
			// answered as a replay of it.
			if res, err := f.r.Apply(context.Background(), move, meta); !errors.Is(err, ErrUnavailable) {
				t.Fatalf("retry after the fault on a broken register: %+v, %v, want ErrUnavailable", res, err)
			}
			seen := uint64(0)
			if err := f.r.Journal(1, func(ev *Event) error { seen = ev.Seq; return nil }); err != nil {
				t.Fatal(err)
			}
			if seen != durable {
				t.Fatalf("journal shows seq %d, last durable %d", seen, durable)
			}
			f.r.Close() // the log's error is sticky; Close reports it

			f.r = open()
			defer f.r.Close()
			if got := f.r.LastSeq(); got < durable || got > durable+1 {
				t.Fatalf("after reopen last seq %d, want %d or %d", got, durable, durable+1)
			}
			if _, err := f.r.Apply(context.Background(), move, meta); err != nil {
				t.Fatalf("retry after the reopen: %v", err)
			}
			f.apply(Move{PNR: p, Effective: f.today(), Address: f.addr(101, 4)})
			if got := f.get(p).Residence.Address; got != f.addr(101, 4) {
				t.Fatalf("after recovery lives at %v", got)
			}
		})
	}
}
