package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"cpr/register"
	"cpr/subscription"
)

func runCmd(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut); err != nil {
		t.Fatalf("cpr %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String()
}

func TestPNRCheck(t *testing.T) {
	out := runCmd(t, "0101701234\n290200-4002\nxyz\n", "pnr", "check")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], `"birth_date":"1970-01-01"`) ||
		!strings.Contains(lines[1], `"birth_date":"2000-02-29"`) || !strings.Contains(lines[2], `"valid":false`) {
		t.Fatalf("pnr check:\n%s", out)
	}
}

func TestLoadAndExtract(t *testing.T) {
	data := t.TempDir()
	if out := runCmd(t, "", "load", "--data", data, "--persons", "2000"); !strings.Contains(out, "loaded 2000 persons") {
		t.Fatalf("load: %s", out)
	}
	reg, err := register.Open(filepath.Join(data, "register"), register.Options{})
	if err != nil {
		t.Fatal(err)
	}
	subs, err := subscription.Open(reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	scope, _ := subscription.ParseScope([]string{"address", "name"})
	if _, _, err := subs.Put(subscription.Subscriber{ID: "auth", Name: "Authority", Kind: subscription.Public, TaskNumber: 42, Scope: scope}); err != nil {
		t.Fatal(err)
	}
	reg.Close()
	out := runCmd(t, "", "extract", "status", "--data", data, "--subscriber", "auth", "--out", data, "--date", "2026-01-05", "--format", "jsonl")
	if !strings.Contains(out, "2000 persons") {
		t.Fatalf("status extract: %s", out)
	}
	if _, err := os.Stat(filepath.Join(data, "S260105.L000042.jsonl")); err != nil { // named as the API names it
		t.Fatalf("%s: %v", out, err)
	}
	out = runCmd(t, "", "extract", "change", "--data", data, "--subscriber", "auth", "--out", data, "--date", "2026-01-05")
	b, err := os.ReadFile(filepath.Join(data, "D260105.L000042"))
	if err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 2 || lines[0][:3] != "000" || lines[1][:3] != "999" {
		t.Fatalf("a day without changes: %q", b)
	}
}

// TestServe starts the whole binary's server with the demo, asks it a
// question with a demo token, and stops it as SIGTERM would.
func TestServe(t *testing.T) {
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out, errOut bytes.Buffer
	go func() {
		done <- run(ctx, []string{"serve", "--data", data, "--addr", "127.0.0.1:0", "--nats-addr", "127.0.0.1:0",
			"--demo", "--demo-persons", "1000", "--log-level", "error"}, nil, &out, &errOut)
	}()
	var demo demoFile
	deadline := time.Now().Add(60 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		b, err := os.ReadFile(filepath.Join(data, "demo-tokens.json"))
		if err == nil && json.Unmarshal(b, &demo) == nil {
			break
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no demo-tokens.json: %v\n%s", <-done, errOut.String())
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v\n%s", err, errOut.String())
		case <-tick.C:
		}
	}
	roles := map[string]bool{}
	var lookup string
	for _, tk := range demo.Tokens {
		roles[tk.Role] = true
		if tk.Role == "lookup" {
			lookup = tk.Token
		}
	}
	for _, r := range []string{"clerk", "lookup", "auditor", "citizen", "admin"} {
		if !roles[r] {
			t.Errorf("demo-tokens.json has no %s token", r)
		}
	}
	if demo.NATS == nil || !strings.HasPrefix(demo.NATS.URL, "nats://127.0.0.1:") {
		t.Errorf("demo-tokens.json nats part: %+v", demo.NATS)
	}
	req, _ := http.NewRequest("GET", demo.API+"/v1/kommuner", nil)
	req.Header.Set("Authorization", "Bearer "+lookup)
	for {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("kommuner: %d", resp.StatusCode)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		<-tick.C
	}
	t.Run("live subscriber feed", func(t *testing.T) { testLiveFeed(t, demo) })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve did not stop cleanly: %v\n%s", err, errOut.String())
	}
}

func call(t *testing.T, demo demoFile, user, method, path string, body any, out any) int {
	t.Helper()
	var tok string
	for _, tk := range demo.Tokens {
		if tk.User == user {
			tok = tk.Token
		}
	}
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, demo.API+path, rd)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// testLiveFeed: a subscriber follows cpr.dist.<id>, sees a move in its
// circle, and can read neither another subscriber's feed nor the events.
func testLiveFeed(t *testing.T, demo demoFile) {
	for _, id := range []string{"kbh", "other"} {
		st := call(t, demo, "admin", "PUT", "/v1/subscribers/"+id, map[string]any{"name": id, "kind": "public", "task_number": 7,
			"scope": []string{"address", "name"}, "circle": map[string]any{"kommuner": []string{"0101"}}}, nil)
		if st != http.StatusCreated {
			t.Fatalf("put subscriber %s: %d", id, st)
		}
	}
	var login map[string]string
	if st := call(t, demo, "admin", "GET", "/v1/subscribers/kbh/nats", nil, &login); st != http.StatusOK {
		t.Fatalf("nats login: %d", st)
	}
	errs := make(chan error, 4)
	nc, err := nats.Connect(login["url"], nats.UserInfo(login["user"], login["password"]),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	sub, err := nc.SubscribeSync(login["subject"])
	if err != nil {
		t.Fatal(err)
	}
	for _, forbidden := range []string{"cpr.dist.other", "cpr.events.>"} {
		if _, err := nc.SubscribeSync(forbidden); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-errs:
			if !strings.Contains(strings.ToLower(err.Error()), "permission") {
				t.Fatalf("subscribing to %s: %v", forbidden, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("subscribing to %s was not refused", forbidden)
		}
	}
	nc.Flush()
	// A move in 0101 by the 0101 clerk reaches the feed.
	var citizen string
	for _, tk := range demo.Tokens {
		if tk.Role == "citizen" {
			citizen = tk.PNR
		}
	}
	var roads struct {
		Roads []struct{ Vejkode string } `json:"roads"`
	}
	call(t, demo, "clerk-0101", "GET", "/v1/kommuner/0101/roads", nil, &roads)
	today := time.Now().In(time.UTC).Format("2006-01-02")
	move := map[string]any{"effective": today, "address": map[string]string{"kommunekode": "0101", "vejkode": roads.Roads[1].Vejkode, "husnr": "3"}}
	if st := call(t, demo, "clerk-0101", "POST", "/v1/persons/"+citizen+"/moves", move, nil); st != http.StatusCreated {
		t.Fatalf("move: %d", st)
	}
	msg, err := sub.NextMsg(10 * time.Second)
	if err != nil {
		t.Fatalf("no message on the feed: %v", err)
	}
	var body map[string]any
	if err := json.Unmarshal(msg.Data, &body); err != nil || body["kind"] != "move" || msg.Header.Get("Cpr-Seq") == "" {
		t.Fatalf("feed message %s %v", msg.Data, msg.Header)
	}
}
