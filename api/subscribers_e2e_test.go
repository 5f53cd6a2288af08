package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"cpr/date"
	"cpr/register"
)

// testSubscribers: the fordelingsregister over HTTP, a change extract for
// today in every format, and a status extract from start to file.
func testSubscribers(t *testing.T, h *harness) {
	body := map[string]any{"name": "Subscriber One", "kind": "public", "task_number": 4711,
		"scope": []string{"address", "name", "civil_status"}, "circle": map[string]any{"kommuner": []string{"0101"}}}
	a := h.do(t, "PUT", "/v1/subscribers/sub-one", uAdmin, body)
	if a.Status != http.StatusCreated && a.Status != http.StatusOK {
		t.Fatalf("put subscriber: %d %s", a.Status, a.Body)
	}
	var sub map[string]any
	ok(t, h.get(t, "/v1/subscribers/sub-one", uSubscriber), http.StatusOK, &sub)
	if sub["task_number"].(float64) != 4711 || sub["kind"] != "public" {
		t.Fatalf("subscriber %v", sub)
	}
	wantProblem(t, h.get(t, "/v1/subscribers/nobody", uAdmin), http.StatusNotFound, "no_such_subscriber", "")
	var login map[string]string
	ok(t, h.get(t, "/v1/subscribers/sub-one/nats", uSubscriber), http.StatusOK, &login)
	if login["subject"] != "cpr.dist.sub-one" {
		t.Fatalf("nats login %v", login)
	}
	wantProblem(t, h.do(t, "PUT", "/v1/subscribers/sub-two", uAdmin, map[string]any{"name": "x", "kind": "bank", "task_number": 1}),
		http.StatusBadRequest, "invalid_input", "kind")

	// Marks: add two, remove one.
	p1 := h.pick(t, "a marked person", adult)
	p2 := h.pick(t, "another marked person", func(p *register.Person) bool { return adult(p) && p.PNR != p1.PNR })
	var added map[string]int
	ok(t, h.do(t, "POST", "/v1/subscribers/sub-one/marks", uAdmin, map[string]any{"marks": []map[string]string{
		{"pnr": p1.PNR.String(), "key": "A1"}, {"pnr": p2.PNR.String(), "key": "A2"}}}), http.StatusOK, &added)
	if added["added"] != 2 {
		t.Fatalf("marks added %v", added)
	}
	a = h.do(t, "DELETE", "/v1/subscribers/sub-one/marks/"+p2.PNR.String(), uAdmin, nil)
	if a.Status != http.StatusNoContent {
		t.Fatalf("delete mark: %d %s", a.Status, a.Body)
	}
	wantProblem(t, h.do(t, "DELETE", "/v1/subscribers/sub-one/marks/"+p2.PNR.String(), uAdmin, nil), http.StatusNotFound, "no_such_mark", "")

	// The change extract of today, so far (the day has not ended): P12170
	// lines of exact length, same bytes twice.
	todayDate := date.InCopenhagen(h.clock.Now())
	today := todayDate.String()
	yymmdd := todayDate.Time().Format("060102")
	a = h.get(t, "/v1/subscribers/sub-one/change-extracts/"+today, uSubscriber, "partial", "true")
	if a.Status != http.StatusOK || a.Header.Get("Content-Disposition") != `attachment; filename="D`+yymmdd+`.L004711"` {
		t.Fatalf("change extract: %d %q", a.Status, a.Header.Get("Content-Disposition"))
	}
	lines := bytes.Split(bytes.TrimSuffix(a.Body, []byte("\n")), []byte("\n"))
	if string(lines[0][:3]) != "000" || string(lines[len(lines)-1][:3]) != "999" {
		t.Fatalf("extract does not start with 000 and end with 999")
	}
	again := h.get(t, "/v1/subscribers/sub-one/change-extracts/"+today, uAdmin, "partial", "true")
	if !bytes.Equal(a.Body, again.Body) {
		t.Fatal("the same day asked twice gave other bytes")
	}
	for _, f := range []string{"jsonl", "csv"} {
		if a := h.get(t, "/v1/subscribers/sub-one/change-extracts/"+today, uSubscriber, "format", f, "partial", "true"); a.Status != http.StatusOK {
			t.Fatalf("%s: %d", f, a.Status)
		}
	}
	wantProblem(t, h.get(t, "/v1/subscribers/sub-one/change-extracts/2026-13-01", uSubscriber), http.StatusBadRequest, "invalid_date", "date")

	// A status extract: estimate first, then the file.
	var job map[string]any
	// As of a day ahead, which names the file, not the day it is made.
	asOf := date.Of(todayDate.Time().AddDate(0, 0, 30))
	ok(t, h.do(t, "POST", "/v1/status-extracts", uSubscriber, map[string]any{"subscriber": "sub-one", "format": "jsonl", "date": asOf.String()}), http.StatusAccepted, &job)
	est := job["estimate"].(map[string]any)
	if est["records"].(float64) < 2 {
		t.Fatalf("estimate %v", est)
	}
	id := job["id"].(string)
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for job["status"] == "running" && time.Now().Before(deadline) {
		<-tick.C
		ok(t, h.get(t, "/v1/status-extracts/"+id, uSubscriber), http.StatusOK, &job)
	}
	if job["status"] != "done" {
		t.Fatalf("status extract: %v", job)
	}
	a = h.get(t, "/v1/status-extracts/"+id+"/data", uSubscriber)
	if a.Status != http.StatusOK {
		t.Fatalf("status extract data: %d", a.Status)
	}
	// Named S<as-of YYMMDD>.L<task number>, like the offline command's.
	if cd, want := a.Header.Get("Content-Disposition"), `attachment; filename="S`+asOf.Time().Format("060102")+`.L004711.jsonl"`; cd != want {
		t.Fatalf("status extract Content-Disposition %q, want %q", cd, want)
	}
	n := 0
	for _, line := range bytes.Split(bytes.TrimSpace(a.Body), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		if m["record"] == "person" {
			n++
			if addr, _ := m["address"].(map[string]any); addr == nil || addr["kommunekode"] != "0101" {
				t.Fatalf("a person outside the circle: %v", m)
			}
		}
	}
	if stats := job["stats"].(map[string]any); float64(n) != stats["persons"].(float64) || n == 0 {
		t.Fatalf("%d persons in the file, stats %v", n, stats)
	}
	wantProblem(t, h.get(t, "/v1/status-extracts/nope", uSubscriber), http.StatusNotFound, "no_such_extract", "")
}
