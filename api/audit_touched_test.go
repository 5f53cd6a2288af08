package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"cpr/pnr"
	"cpr/register"
)

// TestAuditTouched: a change writes one changed entry for each person
// whose record it rewrote (README "Audit"), and for no one else: a pnr
// change the old and the new number, the spouse, both parents and the
// child; a birth the child and both parents; a marriage, a divorce and a
// death the spouse too; a move, a protection, an emigration and a return
// the subject only.
func TestAuditTouched(t *testing.T) {
	h := startHarness(t)
	inRegister := func(p pnr.PNR) bool { _, err := h.reg.Get(p); return err == nil }
	free := func(p *register.Person) bool {
		return livesIn(p, 101) && p.BirthDate.YearsOn(popToday) >= 25 && p.Civil.Code.Free()
	}
	// touched posts a change and wants exactly the persons of want to
	// have a changed entry of it.
	touched := func(t *testing.T, path string, body map[string]any, want ...string) accepted {
		t.Helper()
		h.clock.Advance(time.Second)
		from := h.clock.Now().UTC().Format(time.RFC3339Nano)
		acc := h.post(t, path, uClerk101, body)
		var got []string
		for _, e := range h.accessLog(t, "/v1/access-log", uAuditor, "from", from, "outcome", "changed") {
			if e.Call != "POST "+routeOf(path) || e.Status != http.StatusCreated {
				t.Errorf("entry %+v", e)
			}
			got = append(got, e.PNR)
		}
		if acc.PNR != "" && !slices.Contains(want, acc.PNR) {
			want = append(want, acc.PNR)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: changed entries for %v, want %v", path, got, want)
		}
		return acc
	}

	mother := h.pick(t, "woman of 25-40 in 0101 with both parents in the register", func(p *register.Person) bool {
		age := p.BirthDate.YearsOn(popToday)
		return free(p) && p.Sex == pnr.Female && age <= 40 && inRegister(p.Mother) && inRegister(p.Father)
	})
	father := h.pick(t, "man", func(p *register.Person) bool { return free(p) && p.Sex == pnr.Male })
	spouse := h.pick(t, "free man", func(p *register.Person) bool { return free(p) && p.Sex == pnr.Male })
	m, f, s := mother.PNR.String(), father.PNR.String(), spouse.PNR.String()

	var child string
	t.Run("birth", func(t *testing.T) {
		child = touched(t, "/v1/births", map[string]any{"mother": m, "father": f, "birth_date": yesterday, "sex": "F",
			"name": nameIn{First: "Ida"}}, m, f).PNR
	})
	t.Run("marriage", func(t *testing.T) {
		touched(t, "/v1/persons/"+m+"/marriages", map[string]any{"spouse": s, "effective": today}, m, s)
	})
	t.Run("pnr change", func(t *testing.T) {
		if child == "" {
			t.Skip("no birth")
		}
		// The new number (the answer's pnr) is added by touched.
		touched(t, "/v1/persons/"+m+"/pnr-change", map[string]any{"effective": today, "birth_date": "1990-01-01"},
			m, s, mother.Mother.String(), mother.Father.String(), child)
	})
	t.Run("divorce", func(t *testing.T) {
		a, b := h.pick(t, "free adult", free), h.pick(t, "free adult", free)
		h.post(t, "/v1/persons/"+a.PNR.String()+"/marriages", uClerk101, map[string]any{"spouse": b.PNR.String(), "effective": today})
		touched(t, "/v1/persons/"+b.PNR.String()+"/divorces", map[string]any{"effective": today}, a.PNR.String(), b.PNR.String())
	})
	t.Run("death", func(t *testing.T) {
		a, b := h.pick(t, "free adult", free), h.pick(t, "free adult", free)
		h.post(t, "/v1/persons/"+a.PNR.String()+"/marriages", uClerk101, map[string]any{"spouse": b.PNR.String(), "effective": today})
		touched(t, "/v1/persons/"+a.PNR.String()+"/death", map[string]any{"effective": today}, a.PNR.String(), b.PNR.String())
	})
	t.Run("subject only", func(t *testing.T) {
		roads := h.roads(t, "0101")
		p := h.pick(t, "married adult in 0101", func(p *register.Person) bool {
			return livesIn(p, 101) && adult(p) && p.Civil.Code == register.CivilMarried && len(p.Protections) == 0
		})
		x := p.PNR.String()
		touched(t, "/v1/persons/"+x+"/moves", map[string]any{"effective": today, "address": addrIn{"0101", roads[3].Vejkode, "11", "2", "th"}}, x)
		touched(t, "/v1/persons/"+x+"/names", map[string]any{"effective": today, "name": nameIn{First: "Ole", Last: "Bak"}}, x)
		touched(t, "/v1/persons/"+x+"/protections", map[string]any{"type": "0003", "on": true, "effective": today}, x)
		touched(t, "/v1/persons/"+x+"/emigration", map[string]any{"effective": today, "country": 5120, "lines": []string{"Storgatan 1"}}, x)
		touched(t, "/v1/immigrations", map[string]any{"pnr": x, "effective": today, "address": addrIn{"0101", roads[4].Vejkode, "2", "1", "tv"}}, x)
	})
}

// routeOf is the route pattern of a change's path.
func routeOf(path string) string {
	seg := strings.Split(path, "/")
	if len(seg) == 5 && seg[2] == "persons" {
		seg[3] = "{pnr}"
	}
	return strings.Join(seg, "/")
}
