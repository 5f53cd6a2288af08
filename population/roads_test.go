package population

import (
	"testing"

	"cpr/address"
	"cpr/register"
)

func TestRoads(t *testing.T) {
	synthetic := address.Synthetic(99, 20)
	// One ordinary road in København, and special roads in Aarhus only.
	small, err := address.NewRoads([]address.Road{
		{Kommunekode: 101, Vejkode: 10, Name: "Vestergade", Postnr: 1456, By: "København K"},
		{Kommunekode: 751, Vejkode: 9900, Name: "Uden fast bopæl", Postnr: 8000, By: "Aarhus C"},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		roads    *address.Roads
		kommuner int // how many kommuner people live in
		special  bool
	}{
		{"synthetic", synthetic, 98, true},
		{"one road", small, 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps := generate(t, Config{Persons: 50_000, Seed: 3, Roads: tc.roads})
			checkRecords(t, ps, DefaultToday, tc.roads)
			kommuner := map[uint16]bool{}
			special := false
			for _, p := range ps {
				if p.Status.Active() {
					kommuner[p.Kommune()] = true
				}
				special = special || p.Status == register.StatusActiveSpecial
			}
			if len(kommuner) != tc.kommuner || special != tc.special {
				t.Fatalf("people in %d kommuner, special addresses %v; want %d, %v",
					len(kommuner), special, tc.kommuner, tc.special)
			}
		})
	}
}

func TestNoOrdinaryRoad(t *testing.T) {
	only, err := address.NewRoads([]address.Road{
		{Kommunekode: 101, Vejkode: 9900, Name: "Uden fast bopæl", Postnr: 1050, By: "København K"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Generate did not panic for roads without an ordinary road")
		}
	}()
	Generate(Config{Persons: 1, Roads: only})
}
