package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"cpr/access"
	"cpr/pnr"
	"cpr/population"
	"cpr/register"
)

// demoFile is DATA/demo-tokens.json: one token per role, so a newcomer can
// try every call from the README. Scripts rely on its shape.
type demoFile struct {
	API    string      `json:"api"`
	Tokens []demoToken `json:"tokens"`
	NATS   *demoNATS   `json:"nats,omitempty"`
}

type demoToken struct {
	User    string `json:"user"`
	Role    string `json:"role"`
	Kommune string `json:"kommune,omitempty"`
	PNR     string `json:"pnr,omitempty"`
	Token   string `json:"token"`
}

type demoNATS struct {
	URL      string `json:"url"`
	User     string `json:"user"`
	Password string `json:"password"`
}

// setUpDemo loads the demo population into an empty register, creates the
// demo users once, and issues fresh tokens on every start.
func setUpDemo(ctx context.Context, reg *register.Register, acc *access.Service, c *serveConfig, apiURL string, nats *demoNATS, log *slog.Logger) error {
	if reg.LastSeq() == 0 {
		st, err := reg.Load(ctx, population.Generate(population.Config{Persons: c.demoPersons, Seed: 1}))
		switch {
		case errors.Is(err, register.ErrNotEmpty):
		case err != nil:
			return fmt.Errorf("demo: load: %w", err)
		default:
			log.Info("demo population loaded", "persons", st.Persons, "seconds", st.Duration.Seconds())
		}
	}
	citizen, err := demoCitizen(reg)
	if err != nil {
		return err
	}
	users := []access.User{
		{ID: "admin", Role: access.RoleAdmin, Name: "Demo administrator"},
		{ID: "lookup", Role: access.RoleLookup, Name: "Demo lookup user"},
		{ID: "auditor", Role: access.RoleAuditor, Name: "Demo auditor"},
		{ID: "clerk-0101", Role: access.RoleClerk, Kommune: 101, Name: "Demo clerk, København"},
		{ID: "clerk-0751", Role: access.RoleClerk, Kommune: 751, Name: "Demo clerk, Aarhus"},
		{ID: "citizen", Role: access.RoleCitizen, PNR: citizen},
	}
	f := demoFile{API: apiURL, NATS: nats}
	for _, u := range users {
		if _, err := acc.CreateUser(u); err != nil && !errors.Is(err, access.ErrExists) {
			return fmt.Errorf("demo: user %s: %w", u.ID, err)
		}
		stored, err := acc.User(u.ID)
		if err != nil {
			return err
		}
		secret, _, err := acc.IssueToken(u.ID, c.tokenTTL)
		if err != nil {
			return fmt.Errorf("demo: token for %s: %w", u.ID, err)
		}
		t := demoToken{User: u.ID, Role: string(u.Role), Token: secret}
		if stored.Kommune != 0 {
			t.Kommune = fmt.Sprintf("%04d", stored.Kommune)
		}
		if !stored.PNR.IsZero() {
			t.PNR = stored.PNR.String()
		}
		f.Tokens = append(f.Tokens, t)
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(c.data, "demo-tokens.json")
	if err := os.WriteFile(path+".tmp", append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

// demoCitizen picks an adult living in København, the same every time.
func demoCitizen(reg *register.Register) (found pnr.PNR, err error) {
	err = reg.Persons(func(p *register.Person) bool {
		if p.Status == register.StatusActive && p.Kommune() == 101 && p.BirthDate < 19900101 {
			found = p.PNR
			return false
		}
		return true
	})
	if err == nil && found.IsZero() {
		err = errors.New("demo: no adult in kommune 0101 to be the demo citizen")
	}
	return found, err
}
