package access

import (
	"cpr/register"
	"errors"
	"strings"
	"testing"
	"time"

	"cpr/pnr"
)

func TestCreateUserValidation(t *testing.T) {
	s, _, _ := newTestService(t, Options{})
	citizenPNR := pnr.MustParse("010170-1234")
	tests := []struct {
		name  string
		user  User
		field string // "" = valid
	}{
		{"clerk", User{ID: "clerk1", Role: RoleClerk, Kommune: 101, Name: "Anne Clerk"}, ""},
		{"lookup", User{ID: "lookup.1", Role: RoleLookup}, ""},
		{"auditor", User{ID: "aud_1", Role: RoleAuditor}, ""},
		{"citizen", User{ID: "citizen-1", Role: RoleCitizen, PNR: citizenPNR}, ""},
		{"subscriber", User{ID: "sub1", Role: RoleSubscriber, Subscriber: "skat"}, ""},
		{"admin", User{ID: "0admin", Role: RoleAdmin}, ""},
		{"id max length", User{ID: strings.Repeat("a", 64), Role: RoleAdmin}, ""},
		{"id with short numbers", User{ID: "clerk-2024-01-01", Role: RoleAdmin}, ""},

		{"id empty", User{Role: RoleAdmin}, "id"},
		{"id too long", User{ID: strings.Repeat("a", 65), Role: RoleAdmin}, "id"},
		{"id upper case", User{ID: "Admin", Role: RoleAdmin}, "id"},
		{"id starts with dot", User{ID: ".admin", Role: RoleAdmin}, "id"},
		{"id with space", User{ID: "ad min", Role: RoleAdmin}, "id"},
		{"id with zero byte", User{ID: "ad\x00min", Role: RoleAdmin}, "id"},
		{"id with pnr", User{ID: "c0101701234", Role: RoleCitizen, PNR: citizenPNR}, "id"},
		{"id with hyphenated pnr", User{ID: "c010170-1234", Role: RoleCitizen, PNR: citizenPNR}, "id"},
		{"role empty", User{ID: "x"}, "role"},
		{"role unknown", User{ID: "x", Role: "root"}, "role"},
		{"clerk without kommune", User{ID: "x", Role: RoleClerk}, "kommune"},
		{"clerk unknown kommune", User{ID: "x", Role: RoleClerk, Kommune: 9999}, "kommune"},
		{"kommune for lookup", User{ID: "x", Role: RoleLookup, Kommune: 101}, "kommune"},
		{"citizen without pnr", User{ID: "x", Role: RoleCitizen}, "pnr"},
		{"citizen invalid pnr", User{ID: "x", Role: RoleCitizen, PNR: 1}, "pnr"},
		{"pnr for lookup", User{ID: "x", Role: RoleLookup, PNR: citizenPNR}, "pnr"},
		{"subscriber without id", User{ID: "x", Role: RoleSubscriber}, "subscriber"},
		{"subscriber bad id", User{ID: "x", Role: RoleSubscriber, Subscriber: "Skat!"}, "subscriber"},
		{"subscriber for admin", User{ID: "x", Role: RoleAdmin, Subscriber: "skat"}, "subscriber"},
		{"name too long", User{ID: "x", Role: RoleAdmin, Name: strings.Repeat("æ", 101)}, "name"},
		{"name control char", User{ID: "x", Role: RoleAdmin, Name: "a\nb"}, "name"},
		{"name bad utf8", User{ID: "x", Role: RoleAdmin, Name: "a\xffb"}, "name"},
		{"name for citizen", User{ID: "x", Role: RoleCitizen, PNR: citizenPNR, Name: "Jens"}, "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.CreateUser(tt.user)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("CreateUser: %v", err)
				}
				if got.Created.IsZero() || got.ID != tt.user.ID {
					t.Fatalf("CreateUser = %+v", got)
				}
				stored, err := s.User(tt.user.ID)
				if err != nil || stored.ID != got.ID || stored.Role != got.Role || !stored.Created.Equal(got.Created) ||
					stored.PNR != got.PNR || stored.Kommune != got.Kommune || stored.Name != got.Name {
					t.Fatalf("User = %+v, %v; want %+v", stored, err, got)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || fieldOf(err) != tt.field {
				t.Fatalf("CreateUser error = %v, want a FieldError for %q", err, tt.field)
			}
			if _, err := s.User(tt.user.ID); !errors.Is(err, ErrNoUser) {
				t.Fatalf("invalid user was stored: %v", err)
			}
			if strings.Contains(err.Error(), "1234") || strings.Contains(err.Error(), "Jens") {
				t.Fatalf("error quotes the input: %v", err)
			}
		})
	}
}

func TestCreateUserDuplicate(t *testing.T) {
	s, _, _ := newTestService(t, Options{})
	mustCreate(t, s, User{ID: "anne", Role: RoleLookup})
	if _, err := s.CreateUser(User{ID: "anne", Role: RoleAdmin}); !errors.Is(err, ErrExists) {
		t.Fatalf("second CreateUser = %v, want ErrExists", err)
	}
	u, err := s.User("anne")
	if err != nil || u.Role != RoleLookup {
		t.Fatalf("User = %+v, %v; the first user must stay", u, err)
	}
}

func TestCitizenUniquePerPNR(t *testing.T) {
	s, _, reg := newTestService(t, Options{})
	p := testPNR(t, 9)
	mustCreate(t, s, User{ID: "cit1", Role: RoleCitizen, PNR: p})
	if _, err := s.CreateUser(User{ID: "cit2", Role: RoleCitizen, PNR: p}); !errors.Is(err, ErrCitizenExists) {
		t.Fatalf("second citizen user of one pnr: %v, want ErrCitizenExists", err)
	}
	if _, err := s.User("cit2"); !errors.Is(err, ErrNoUser) {
		t.Fatalf("the refused user was stored: %v", err)
	}
	mustCreate(t, s, User{ID: "cit3", Role: RoleCitizen, PNR: testPNR(t, 10)})

	// Deleting the user frees the pnr.
	if err := s.DeleteUser("cit1"); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, User{ID: "cit2", Role: RoleCitizen, PNR: p})

	// A store from before the index (a citizen user without its index
	// key) is indexed on the next citizen creation.
	old := User{ID: "old", Role: RoleCitizen, PNR: testPNR(t, 11), Created: tuesday10}
	v, err := appendRecord(nil, &old)
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.PutRecords(register.Record{Space: register.SpaceUsers, Key: userKey("old"), Value: v},
		register.Record{Space: register.SpaceUsers, Key: citizenIndexKey(), Delete: true}); err != nil {
		t.Fatal(err)
	}
	s2 := New(reg, Options{Clock: newClock(tuesday10).Now})
	if _, err := s2.CreateUser(User{ID: "new", Role: RoleCitizen, PNR: testPNR(t, 11)}); !errors.Is(err, ErrCitizenExists) {
		t.Fatalf("citizen of a pnr with a user from before the index: %v, want ErrCitizenExists", err)
	}
	us, err := s2.Users()
	if err != nil || len(us) != 3 {
		t.Fatalf("Users = %d users, %v; the index keys must not be listed", len(us), err)
	}
}

func TestUsers(t *testing.T) {
	s, clock, _ := newTestService(t, Options{})
	for _, id := range []string{"zed", "anne", "0bot", "bo"} {
		mustCreate(t, s, User{ID: id, Role: RoleLookup})
		clock.Advance(time.Second)
	}
	// Token index entries share the user space and must not show up.
	if _, _, err := s.IssueToken("anne", 0); err != nil {
		t.Fatal(err)
	}
	users, err := s.Users()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, u := range users {
		ids = append(ids, u.ID)
	}
	if got, want := strings.Join(ids, " "), "0bot anne bo zed"; got != want {
		t.Fatalf("Users = %s, want %s", got, want)
	}
	if _, err := s.User("nobody"); !errors.Is(err, ErrNoUser) {
		t.Fatalf("User(nobody) = %v", err)
	}
	if _, err := s.User("Not An Id"); !errors.Is(err, ErrNoUser) {
		t.Fatalf("User(bad id) = %v", err)
	}
}

func TestLooksLikePNR(t *testing.T) {
	for s, want := range map[string]bool{
		"0101701234":     true,
		"a0101701234b":   true,
		"010170-1234":    true,
		"010170.1234":    true,
		"x010170_12345":  true,
		"12345678901234": true,
		"010170--1234":   false,
		"01017-1234":     false,
		"2024-01-01":     false,
		"clerk-123456":   false,
		"123456789":      false,
		"010170-123":     false,
	} {
		if got := looksLikePNR(s); got != want {
			t.Errorf("looksLikePNR(%q) = %v, want %v", s, got, want)
		}
	}
}
