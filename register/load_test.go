package register_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"cpr/date"
	"cpr/pnr"
	"cpr/population"
	"cpr/register"
)

func TestLoad(t *testing.T) {
	clock := func() time.Time { return time.Date(2026, 1, 5, 10, 0, 0, 0, date.Copenhagen) }
	r, err := register.Open(t.TempDir(), register.Options{Clock: clock, Verify: true, CacheBytes: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var loaded []*register.Person
	pop := population.Generate(population.Config{Persons: 5000, Seed: 3, Today: 20260101})
	st, err := r.Load(context.Background(), func(yield func(*register.Person) bool) {
		for p := range pop {
			loaded = append(loaded, p.Clone())
			if !yield(p) {
				return
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Persons != 5000 || st.Entries < 5*5000 {
		t.Fatalf("stats %+v", st)
	}
	today := date.InCopenhagen(clock())
	for i, in := range loaded {
		if i%7 != 0 {
			continue
		}
		got, err := r.Get(in.PNR)
		if err != nil {
			t.Fatalf("person %d: %v", i, err)
		}
		switch {
		case got.Status != in.Status || got.Name.Last != in.Name.Last || got.Civil.Code != in.Civil.Code ||
			got.Civil.Spouse != in.Civil.Spouse || got.Residence.Address != in.Residence.Address ||
			got.Mother != in.Mother || !slices.Equal(got.Children, in.Children) || got.Citizenship != in.Citizenship:
			t.Fatalf("person %d differs:\n got %+v\nwant %+v", i, got, in)
		}
		replayed, err := r.AsOf(in.PNR, today, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		got.CurrentPNR, replayed.CurrentPNR = 0, 0
		if got.Status != replayed.Status || got.Name != replayed.Name || got.Civil != replayed.Civil || !sameResidence(got, replayed) {
			t.Fatalf("stored record differs from replay for person %d", i)
		}
		// Every index finds the person.
		found, _, err := r.Search(register.Query{Name: in.Name.First + " " + in.Name.Last, BirthFrom: in.BirthDate, BirthTo: in.BirthDate})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(found, func(p *register.Person) bool { return p.PNR == in.PNR }) {
			t.Fatalf("search does not find loaded person %d: first %q middle %q last %q status %d", i, in.Name.First, in.Name.Middle, in.Name.Last, in.Status)
		}
		if in.Status.Active() {
			rs, err := r.Residents(in.Residence.Address, today)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(rs, func(x register.Resident) bool { return x.PNR == in.PNR }) {
				t.Fatalf("residents index misses loaded person %d", i)
			}
		}
	}
	// Loaded persons take changes like any other (Verify checks the fast path).
	for _, in := range loaded[:200] {
		if !in.Status.Active() {
			continue
		}
		_, err := r.Apply(context.Background(), register.NameChange{PNR: in.PNR, Effective: today,
			Name: register.Name{First: "Ny", Last: in.Name.Last}}, register.Meta{Actor: "test"})
		if err != nil && !errors.Is(err, register.ErrTooEarly) {
			t.Fatalf("change of a loaded person: %v", err)
		}
	}
	if _, err := r.Load(context.Background(), population.Generate(population.Config{Persons: 10, Seed: 4})); !errors.Is(err, register.ErrNotEmpty) {
		t.Fatalf("second load: %v", err)
	}
}

func sameResidence(a, b *register.Person) bool {
	return a.Residence.Address == b.Residence.Address && a.Residence.From == b.Residence.From &&
		a.Residence.KommuneFrom == b.Residence.KommuneFrom && a.Residence.Foreign.Country == b.Residence.Foreign.Country &&
		slices.Equal(a.Residence.Foreign.Lines, b.Residence.Foreign.Lines)
}

func TestLoadRefusesDuplicates(t *testing.T) {
	r, err := register.Open(t.TempDir(), register.Options{CacheBytes: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p := pnr.MustParse("0101701234")
	person := func() *register.Person {
		return &register.Person{PNR: p, Status: register.StatusActive, StatusFrom: 19700101, Sex: pnr.Female,
			BirthDate: 19700101, Name: register.Name{Last: "Test", From: 19700101}, Civil: register.CivilState{Code: 'U', From: 19700101}}
	}
	_, err = r.Load(context.Background(), func(yield func(*register.Person) bool) {
		for range 2 {
			if !yield(person()) {
				return
			}
		}
	})
	if !errors.Is(err, register.ErrInvalid) {
		t.Fatalf("duplicate pnr: %v", err)
	}
	if _, err := r.Get(p); !errors.Is(err, register.ErrNotFound) {
		t.Fatalf("a refused load left data behind: %v", err)
	}
}
