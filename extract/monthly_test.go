package extract

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"cpr/address"
	"cpr/date"
	"cpr/register"
	"cpr/subscription"
)

// TestResearchMonthly: a research subscriber's extracts are as of the
// first day of a month; its change extract holds every person touched by
// a change registered in that month, none of the month after, and is
// refused until the month has ended (never partial).
func TestResearchMonthly(t *testing.T) {
	f := newFixture(t)
	f.put(subscription.Subscriber{ID: "uni", Name: "U", Kind: subscription.Research, TaskNumber: 61, Scope: subscription.ScopeCivil})
	ctx := context.Background()
	day := date.InCopenhagen(f.clock.Now()) // 2026-03-02
	month := date.MustNew(day.Year(), day.Month(), 1)
	ps := f.resident(101, 3)
	move := func(i int, husnr string) {
		f.apply(register.Move{PNR: ps[i].PNR, Effective: date.InCopenhagen(f.clock.Now()), Address: address.Address{Kommunekode: 101,
			Vejkode: address.Demo().InKommune(101)[2].Vejkode, Husnr: husnr}})
	}
	move(0, "4")
	f.clock.set(time.Date(2026, 3, 31, 23, 0, 0, 0, date.Copenhagen))
	move(1, "5")
	var b bytes.Buffer
	for _, d := range []date.Date{day, month.AddDays(-1)} {
		if _, err := f.x.Status(ctx, "uni", d, JSONL, &b, nil); !errors.Is(err, ErrResearchMonthly) {
			t.Errorf("status as of %s: %v, want ErrResearchMonthly", d, err)
		}
		if _, err := f.x.Change(ctx, "uni", d, JSONL, &b); !errors.Is(err, ErrResearchMonthly) {
			t.Errorf("change of %s: %v, want ErrResearchMonthly", d, err)
		}
	}
	if _, err := f.x.Change(ctx, "uni", month, JSONL, &b); !errors.Is(err, ErrMonthOpen) {
		t.Fatalf("change of the month on its last day: %v, want ErrMonthOpen", err)
	}
	if b.Len() != 0 {
		t.Fatalf("a refused extract wrote %d bytes", b.Len())
	}
	f.clock.set(time.Date(2026, 4, 1, 0, 30, 0, 0, date.Copenhagen))
	move(2, "6") // registered in April: not in March's extract
	b.Reset()
	st, err := f.x.Change(ctx, "uni", month, JSONL, &b)
	if err != nil {
		t.Fatal(err)
	}
	uni, _, _ := f.subs.Get("uni")
	ids := checkResearch(t, b.Bytes(), JSONL)
	for i, want := range []bool{true, true, false} {
		if got := slices.Contains(ids, Pseudonym(uni.Secret, ps[i].PNR)); got != want {
			t.Errorf("person %d in March's extract: %v, want %v", i, got, want)
		}
	}
	if st.Persons != len(ids) {
		t.Errorf("%d persons, stats say %d", len(ids), st.Persons)
	}
	b.Reset()
	if _, err := f.x.Status(ctx, "uni", month, JSONL, &b, nil); err != nil || b.Len() == 0 {
		t.Fatalf("status as of the first: %v, %d bytes", err, b.Len())
	}
}
