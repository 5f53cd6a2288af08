package access_test

import (
	"fmt"
	"os"

	"cpr/access"
	"cpr/pnr"
	"cpr/register"
)

func Example() {
	dir, err := os.MkdirTemp("", "access-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	reg, err := register.Open(dir, register.Options{CacheBytes: 8 << 20})
	if err != nil {
		panic(err)
	}
	defer reg.Close()
	s := access.New(reg, access.Options{})

	if _, err := s.CreateUser(access.User{ID: "anne", Role: access.RoleLookup, Name: "Anne Hansen"}); err != nil {
		panic(err)
	}
	secret, _, err := s.IssueToken("anne", 0) // give the secret to anne, once
	if err != nil {
		panic(err)
	}

	// Every request: who is calling?
	u, _, err := s.Authenticate(secret)
	if err != nil {
		panic(err)
	}
	// Every read of a person: log it.
	person := pnr.MustParse("010170-1234")
	err = s.Log(access.Entry{User: u.ID, Role: u.Role, PNR: person, Call: "GET /v1/persons/{pnr}",
		Purpose: "sag 17", Outcome: access.OutcomeRead, Status: 200})
	if err != nil {
		panic(err)
	}
	entries, _, err := s.Query(access.Query{PNR: person})
	if err != nil {
		panic(err)
	}
	fmt.Println(u.ID, u.Role, len(entries), entries[0].User, entries[0].Purpose)
	// Output: anne lookup 1 anne sag 17
}
