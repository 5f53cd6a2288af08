package chaos

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"cpr/access"
	"cpr/address"
	"cpr/date"
	"cpr/pnr"
	"cpr/population"
	"cpr/register"
	"cpr/subscription"
)

// fixture is a prepared data directory: a population, a user of every
// role with a token, and two subscribers, "sub-a" (kommune 0101) and
// "sub-b" (kommune 0751).
type fixture struct {
	dir     string
	today   date.Date
	persons []pnr.PNR
	movers  []mover // active residents of Denmark
	tokens  map[string]string
	// expired and revoked are tokens of the lookup user that no longer
	// work.
	expired, revoked string
	citizen          pnr.PNR
}

// mover is a person the suite moves around.
type mover struct {
	pnr     pnr.PNR
	kommune uint16
	at      address.Address // where the person lived at the start
}

// The users of the fixture.
const (
	uAdmin   = "admin"
	uLookup  = "lookup"
	uAuditor = "auditor"
	uCitizen = "citizen"
	uSubA    = "subscriber-a"
	uSubB    = "subscriber-b"
	subA     = "sub-a"
	subB     = "sub-b"
)

func clerkOf(k uint16) string { return fmt.Sprintf("clerk-%04d", k) }

// prepare loads persons into dir/register (the layout of cpr serve) and
// creates the users, tokens and subscribers. The register is closed when
// it returns.
func prepare(ctx context.Context, dir string, persons int) (f *fixture, err error) {
	f = &fixture{dir: dir, today: date.InCopenhagen(time.Now()), tokens: map[string]string{}}
	reg, err := register.Open(filepath.Join(dir, "register"), register.Options{CacheBytes: 32 << 20})
	if err != nil {
		return nil, err
	}
	defer func() {
		if cerr := reg.Close(); err == nil {
			err = cerr
		}
	}()
	pop := func(yield func(*register.Person) bool) {
		for p := range population.Generate(population.Config{Persons: persons, Seed: 8, Today: f.today.AddDays(-1)}) {
			f.persons = append(f.persons, p.PNR)
			if p.Status == register.StatusActive && p.Kommune() != 0 {
				f.movers = append(f.movers, mover{p.PNR, p.Kommune(), p.Residence.Address})
				if f.citizen.IsZero() && p.Kommune() == 101 && p.BirthDate.YearsOn(f.today) >= 18 {
					f.citizen = p.PNR
				}
			}
			if !yield(p) {
				return
			}
		}
	}
	if _, err := reg.Load(ctx, pop); err != nil {
		return nil, fmt.Errorf("chaos: load: %w", err)
	}
	acc := access.New(reg, access.Options{})
	users := []access.User{
		{ID: uAdmin, Role: access.RoleAdmin, Name: "Chaos admin"},
		{ID: uLookup, Role: access.RoleLookup, Name: "Chaos lookup"},
		{ID: uAuditor, Role: access.RoleAuditor, Name: "Chaos auditor"},
		{ID: uCitizen, Role: access.RoleCitizen, PNR: f.citizen},
		{ID: uSubA, Role: access.RoleSubscriber, Subscriber: subA},
		{ID: uSubB, Role: access.RoleSubscriber, Subscriber: subB},
	}
	for _, k := range address.Kommuner() {
		users = append(users, access.User{ID: clerkOf(k.Code), Role: access.RoleClerk, Kommune: k.Code, Name: "Chaos clerk"})
	}
	for _, u := range users {
		if _, err := acc.CreateUser(u); err != nil {
			return nil, fmt.Errorf("chaos: user %s: %w", u.ID, err)
		}
		if f.tokens[u.ID], _, err = acc.IssueToken(u.ID, 48*time.Hour); err != nil {
			return nil, err
		}
	}
	if f.expired, _, err = acc.IssueToken(uLookup, time.Millisecond); err != nil {
		return nil, err
	}
	var t access.Token
	if f.revoked, t, err = acc.IssueToken(uLookup, time.Hour); err != nil {
		return nil, err
	}
	if err := acc.RevokeToken(t.ID); err != nil {
		return nil, err
	}
	subs, err := subscription.Open(reg, nil)
	if err != nil {
		return nil, err
	}
	all := subscription.ScopePerson | subscription.ScopeAddress | subscription.ScopeName | subscription.ScopeCivil
	for _, s := range []subscription.Subscriber{
		{ID: subA, Name: "Chaos A", Kind: subscription.Public, TaskNumber: 901, Scope: all, Circle: subscription.Circle{Kommuner: []uint16{101}}},
		{ID: subB, Name: "Chaos B", Kind: subscription.Public, TaskNumber: 902, Scope: all, Circle: subscription.Circle{Kommuner: []uint16{751}}},
	} {
		if _, _, err := subs.Put(s); err != nil {
			return nil, fmt.Errorf("chaos: subscriber: %w", err)
		}
	}
	return f, nil
}
