package wire

import (
	"encoding/json"
	"strings"
	"testing"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
	"cpr/register"
)

// emptyCodes lists the keys whose value is a date or a code: where the
// register knows none, the key is left out, never sent as "".
var emptyCodes = map[string]bool{"from": true, "to": true, "status_from": true, "birth_date": true,
	"kommune_from": true, "code": true, "marker": true, "status": true, "sex": true, "type": true,
	"previous_kommune": true, "citizenship": true, "spouse_pnr": true, "mother_pnr": true, "father_pnr": true}

func findEmpty(t *testing.T, what string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				if s, ok := c.(string); ok && s == "" && emptyCodes[k] {
					t.Errorf("%s: %s%s is an empty string", what, path, k)
				}
				walk(path+k+".", c)
			}
		case []any:
			for _, c := range x {
				walk(path, c)
			}
		}
	}
	walk("", m)
}

// TestNoEmptyDatesOrCodes: a person the register knows little about (no
// status date, no name date, no civil status, an address without a date)
// and history entries without dates or marker carry no "" dates or codes.
func TestNoEmptyDatesOrCodes(t *testing.T) {
	a, err := address.Parse("0101", "0234", "12", "", "")
	if err != nil {
		t.Fatal(err)
	}
	p := &register.Person{PNR: pnr.MustParse("0101701234"), Status: register.StatusActive, Sex: pnr.Male,
		BirthDate: date.MustNew(1970, 1, 1)}
	p.Residence.Address = a
	roads := &address.Roads{}
	findEmpty(t, "person", PersonOf(p, roads))
	p.Residence = register.Residence{Foreign: register.Foreign{Country: 5100, Lines: []string{"x"}}}
	findEmpty(t, "person abroad", PersonOf(p, roads))
	for _, e := range []register.Entry{
		{Seq: 1, Fact: register.FactName},
		{Seq: 2, Fact: register.FactAddress, Address: a},
		{Seq: 3, Fact: register.FactCivil},
		{Seq: 4, Fact: register.FactStatus, Status: register.StatusActive},
	} {
		findEmpty(t, "history entry "+e.Fact.String(), EntryOf(e, roads))
	}
}

// TestForeignLinesNeverNull: a foreign address without lines answers
// "lines": [], in a person and in a history entry, as the document says.
func TestForeignLinesNeverNull(t *testing.T) {
	f := register.Foreign{Country: 5100}
	p := &register.Person{PNR: pnr.MustParse("0101701234"), Status: register.StatusEmigrated, Sex: pnr.Male,
		BirthDate: date.MustNew(1970, 1, 1)}
	p.Residence.Foreign = f
	for what, v := range map[string]any{
		"person":        PersonOf(p, &address.Roads{}),
		"history entry": EntryOf(register.Entry{Seq: 1, Fact: register.FactAddress, Foreign: f, From: date.MustNew(2020, 1, 1)}, &address.Roads{}),
	} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `"lines":[]`) {
			t.Errorf("%s: %s, want \"lines\":[]", what, b)
		}
	}
}
