package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"cpr/register"
)

// TestPastReadLoggedAsNow: a read of a past day or time is logged
// protected when the person is under 0001 now though not then, and a
// clerk's read of a past day of a person who has moved out of their
// kommune since is flagged other_kommune.
func TestPastReadLoggedAsNow(t *testing.T) {
	h := startHarness(t)
	before := h.clock.Now().Add(-30 * time.Minute) // after the load at 09:00, before the changes
	p := h.pick(t, "adult in 0101 without protection", func(p *register.Person) bool {
		return livesIn(p, 101) && adult(p) && len(p.Protections) == 0
	})
	mover := h.pick(t, "adult in 0101 without protection", func(p *register.Person) bool {
		return livesIn(p, 101) && adult(p) && len(p.Protections) == 0
	})
	h.post(t, "/v1/persons/"+p.PNR.String()+"/protections", uClerk101, map[string]any{"type": "0001", "on": true, "effective": today})
	roads751 := h.roads(t, "0751")
	h.post(t, "/v1/persons/"+mover.PNR.String()+"/moves", uClerk751,
		map[string]any{"effective": today, "address": addrIn{"0751", roads751[2].Vejkode, "7", "", ""}})
	from := h.clock.Now()

	last := func(t *testing.T, who string, user string) logEntry {
		t.Helper()
		es := h.accessLog(t, "/v1/access-log", uAuditor, "pnr", who, "user", user, "outcome", "read")
		if len(es) == 0 {
			t.Fatal("no read logged")
		}
		return es[len(es)-1]
	}
	flagged := func(rule, who, user string) bool {
		for _, f := range h.flags(t, from, h.clock.Now().Add(time.Minute)) {
			if f.Rule == rule && f.PNR == who && f.User == user {
				return true
			}
		}
		return false
	}
	pp := p.PNR.String()
	for _, q := range [][]string{{"at", yesterday}, {"known", before.UTC().Format(time.RFC3339Nano)}} {
		t.Run("lookup "+q[0], func(t *testing.T) {
			ok(t, h.get(t, "/v1/persons/"+pp, uLookup, q...), http.StatusOK, nil)
			if e := last(t, pp, uLookup); !e.Protected {
				t.Errorf("read of %s=%s logged unprotected", q[0], q[1])
			}
		})
	}
	t.Run("residents yesterday", func(t *testing.T) {
		a := p.Residence.Address
		path := fmt.Sprintf("/v1/addresses/%04d/%04d/%s/residents", a.Kommunekode, a.Vejkode, a.Husnr)
		ok(t, h.get(t, path, uClerk101, "etage", a.Etage, "sidedoer", a.Sidedoer, "at", yesterday), http.StatusOK, nil)
		if e := last(t, pp, uClerk101); !e.Protected {
			t.Error("residents read of yesterday logged unprotected")
		}
	})
	if !flagged("protected_person", pp, uLookup) || !flagged("protected_person", pp, uClerk101) {
		t.Error("past reads of a person protected now not flagged protected_person")
	}
	t.Run("moved out since", func(t *testing.T) {
		mp := mover.PNR.String()
		ok(t, h.get(t, "/v1/persons/"+mp, uClerk101, "at", yesterday), http.StatusOK, nil)
		if e := last(t, mp, uClerk101); e.PersonKommune != 751 {
			t.Errorf("person_kommune %d, want 751 (now)", e.PersonKommune)
		}
		if !flagged("other_kommune", mp, uClerk101) {
			t.Error("clerk 0101 reading yesterday of a person now in 0751 not flagged other_kommune")
		}
	})
}
