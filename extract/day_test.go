package extract

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
	"cpr/register"
	"cpr/subscription"
)

// closingBuffer is a bytes.Buffer with a Close that records it was called.
type closingBuffer struct {
	bytes.Buffer
	closed bool
}

func (b *closingBuffer) Close() error { b.closed = true; return nil }

// changeDay runs ChangeDay and returns each subscriber's bytes.
func (f *fixture) changeDay(day date.Date, workers int) (map[string]*closingBuffer, []DayExtract) {
	f.t.Helper()
	var mu sync.Mutex
	files := map[string]*closingBuffer{}
	out, err := f.x.ChangeDay(context.Background(), day, DayOptions{Workers: workers,
		Open: func(sub *subscription.Subscriber, _ Format) (io.WriteCloser, error) {
			mu.Lock()
			defer mu.Unlock()
			b := &closingBuffer{}
			files[sub.ID] = b
			return b, nil
		}})
	if err != nil {
		f.t.Fatal(err)
	}
	return files, out
}

// TestChangeDaySameAsChange: the one-pass extracts of all subscribers are
// byte for byte the extracts Change makes for each, on a day with every
// kind of change, both for a day now past and for today.
func TestChangeDaySameAsChange(t *testing.T) {
	f := newFixture(t)
	f.put(subscription.Subscriber{ID: "all", Name: "All", Kind: subscription.Public, TaskNumber: 1,
		Scope: subscription.ScopeAddress | subscription.ScopeClearAddress | subscription.ScopeName | subscription.ScopeCivil |
			subscription.ScopeChildren | subscription.ScopeParents | subscription.ScopeProtection | subscription.ScopeHistory})
	f.put(subscription.Subscriber{ID: "k0101", Name: "Kbh", Kind: subscription.Public, TaskNumber: 2,
		Scope: subscription.ScopeAddress | subscription.ScopeName, Circle: subscription.Circle{Kommuner: []uint16{101}}})
	f.put(subscription.Subscriber{ID: "deaths", Name: "Deaths", Kind: subscription.Public, TaskNumber: 3,
		Scope: subscription.ScopeName, Circle: subscription.Circle{Kinds: []register.Kind{register.KindDeath}}})
	f.put(subscription.Subscriber{ID: "bank", Name: "Bank", Kind: subscription.Private, TaskNumber: 4,
		Scope: subscription.ScopeAddress | subscription.ScopeName | subscription.ScopeCivil})
	f.put(subscription.Subscriber{ID: "research", Name: "Research", Kind: subscription.Research, TaskNumber: 5,
		Scope: subscription.ScopeCivil | subscription.ScopeHistory, Circle: subscription.Circle{AgeMin: 30, AgeMax: 70}})
	f.put(subscription.Subscriber{ID: "quiet", Name: "Quiet", Kind: subscription.Public, TaskNumber: 6,
		Circle: subscription.Circle{Kommuner: []uint16{825}, Kinds: []register.Kind{register.KindPNRChange}}})
	var marks []subscription.Mark
	for i, p := range f.persons {
		if i%3 == 0 {
			marks = append(marks, subscription.Mark{PNR: p.PNR, Key: "C" + itoa4(i%10000)})
		}
	}
	if _, err := f.subs.AddMarks("bank", marks); err != nil {
		t.Fatal(err)
	}
	// The research subscriber gets no daily extract (its is monthly).
	formats := map[string]Format{"all": P12170, "k0101": P12170, "deaths": P12170, "bank": JSONL, "quiet": P12170}

	compare := func(day date.Date, workers int) int {
		t.Helper()
		files, out := f.changeDay(day, workers)
		if files["research"] != nil {
			t.Fatal("ChangeDay wrote a research subscriber's daily extract")
		}
		if len(out) != len(formats) {
			t.Fatalf("%d extracts, want %d", len(out), len(formats))
		}
		persons := 0
		for i, e := range out {
			if i > 0 && out[i-1].Subscriber >= e.Subscriber {
				t.Errorf("not ordered by id: %s after %s", e.Subscriber, out[i-1].Subscriber)
			}
			want, st := f.extract(e.Subscriber, day, formats[e.Subscriber])
			got := files[e.Subscriber]
			if !got.closed {
				t.Errorf("%s: not closed", e.Subscriber)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("%s %s: ChangeDay wrote %d bytes, Change %d; they differ", e.Subscriber, day, got.Len(), len(want))
			}
			if e.Stats != st || e.Format != formats[e.Subscriber] {
				t.Errorf("%s: stats %+v %s, Change says %+v %s", e.Subscriber, e.Stats, e.Format, st, formats[e.Subscriber])
			}
			persons += e.Persons
		}
		return persons
	}

	// A busy day, extracted the day after (as known at the end of it,
	// not as known now: the next day's changes are left out).
	busyDay := date.InCopenhagen(f.clock.Now())
	f.busy()
	today := date.InCopenhagen(f.clock.Now())
	rng := rand.New(rand.NewPCG(3, 4))
	roads := address.Demo()
	for _, p := range f.persons[400:800] {
		ch := register.Move{PNR: p.PNR, Effective: today, Address: roads.RandomAddress(rng, 101)}
		f.reg.Apply(context.Background(), ch, register.Meta{Actor: "test"})
		f.clock.set(f.clock.Now().Add(time.Second))
	}
	if n := compare(busyDay, 2); n < 100 {
		t.Errorf("only %d persons in the busy day's extracts", n)
	}

	// Today, extracted before anything else is registered: births, moves,
	// a pnr change and a death, as known now.
	applied := 0
	for _, p := range f.persons[:400] {
		var ch register.Change
		switch rng.IntN(4) {
		case 0:
			ch = register.Move{PNR: p.PNR, Effective: today.AddDays(-rng.IntN(5)), Address: roads.RandomAddress(rng, 101)}
		case 1:
			ch = register.Birth{Mother: p.PNR, BirthDate: today, Sex: pnr.Sex(1 + rng.IntN(2))}
		case 2:
			ch = register.PNRChange{PNR: p.PNR, Effective: today, BirthDate: p.BirthDate.AddDays(1)}
		case 3:
			ch = register.Death{PNR: p.PNR, Effective: today}
		}
		if _, err := f.reg.Apply(context.Background(), ch, register.Meta{Actor: "test"}); err == nil {
			applied++
		}
		f.clock.set(f.clock.Now().Add(time.Second))
	}
	if applied < 50 {
		t.Fatalf("only %d changes went through", applied)
	}
	if n := compare(today, 1); n < 50 {
		t.Errorf("only %d persons in today's extracts", n)
	}
	// A day without changes: every subscriber gets its empty file.
	files, out := f.changeDay(today.AddDays(5), 3)
	for _, e := range out {
		if e.Persons != 0 || e.Records != 2 || int64(files[e.Subscriber].Len()) != e.Bytes {
			t.Errorf("%s on a quiet day: %+v, %d bytes", e.Subscriber, e.Stats, files[e.Subscriber].Len())
		}
	}
}

// TestChangeDayRefusesP12170ForPrivate: a private subscriber cannot be
// given P12170, and nothing is written for it.
func TestChangeDayRefusesP12170ForPrivate(t *testing.T) {
	f := newFixture(t)
	f.put(subscription.Subscriber{ID: "bank", Name: "Bank", Kind: subscription.Private, TaskNumber: 4})
	_, err := f.x.ChangeDay(context.Background(), date.InCopenhagen(f.clock.Now()), DayOptions{
		Format: func(*subscription.Subscriber) Format { return P12170 },
		Open: func(*subscription.Subscriber, Format) (io.WriteCloser, error) {
			t.Error("opened a file")
			return &closingBuffer{}, nil
		}})
	if !errors.Is(err, ErrForbidden) {
		t.Errorf("err = %v, want ErrForbidden", err)
	}
}
