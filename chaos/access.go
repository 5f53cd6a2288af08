package chaos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"cpr/access"
	"cpr/api"
	"cpr/events"
)

// AccessReport is the outcome of Access.
type AccessReport struct {
	Attempts int `json:"attempts"`
	// Allowed are attempts that were not refused (401/403).
	Allowed int `json:"allowed"`
	// Logged are refusals of authenticated users (403) found in the
	// access log; Unlogged those not.
	Logged   int `json:"logged"`
	Unlogged int `json:"unlogged"`
	// Unauthenticated are the attempts answered 401; StoredUnauthenticated
	// the access log entries found for them (must be none: they are
	// counted in a metric, never stored).
	Unauthenticated       int `json:"unauthenticated"`
	StoredUnauthenticated int `json:"stored_unauthenticated"`
	ServerErrors          int `json:"server_errors"`
	// FloodRequests bad-token requests grew the register's directory by
	// FloodGrowthBytes (measured with the server stopped before and
	// after); FloodPerSecond is the rate they were answered at.
	FloodRequests    int     `json:"flood_requests"`
	FloodGrowthBytes int64   `json:"flood_growth_bytes"`
	FloodPerSecond   float64 `json:"flood_per_second"`
	// NATSAttempts are subscriptions and JetStream calls tried with a
	// subscriber's login outside its own subject; NATSReads the messages
	// or answers they got.
	NATSAttempts int `json:"nats_attempts"`
	NATSReads    int `json:"nats_reads"`
	// OwnFeed is how many messages the subscriber got on its own subject
	// meanwhile (it must be more than none, or the test proves nothing).
	OwnFeed  int      `json:"own_feed"`
	Examples []string `json:"examples,omitempty"`
}

// attempt is one request that must be refused.
type attempt struct {
	what, call, path string
	method           string
	token            string
	body             []byte
}

// Access tries every route with no token, an expired and a revoked token,
// a token of every role that may not call it, a clerk of another
// kommune, another subscriber and another citizen, and checks that each
// is refused, that every 403 is written to the access log and that no
// 401 is (unauthenticated calls are counted, not stored). Then it tries to read
// another subscriber's feed and the raw events on NATS with a
// subscriber's login.
func Access(ctx context.Context, base string, f *fixture) (AccessReport, error) {
	var rep AccessReport
	hc := &http.Client{Timeout: time.Minute}
	defer hc.CloseIdleConnections()
	start := time.Now().Add(-time.Second)
	g := &probeGen{f: f}
	roleUser := map[access.Role]string{access.RoleAdmin: uAdmin, access.RoleLookup: uLookup, access.RoleAuditor: uAuditor,
		access.RoleClerk: clerkOf(101), access.RoleCitizen: uCitizen, access.RoleSubscriber: uSubA}
	var tries []attempt
	for _, rt := range api.Routes() {
		if rt.Roles == nil {
			continue
		}
		_, vals := g.who(rt)
		path := fill(rt.Pattern, vals)
		var body []byte
		if b := g.baseBody(rt); b != nil {
			body, _ = json.Marshal(b)
		}
		add := func(what, token, p string) {
			tries = append(tries, attempt{what: what, call: rt.Key(), path: p, method: rt.Method, token: token, body: body})
		}
		add("no token", "", path)
		add("expired token", f.expired, path)
		add("revoked token", f.revoked, path)
		add("malformed token", "cpr_"+strings.Repeat("A", 43), path)
		for role, user := range roleUser {
			if !hasRole(rt.Roles, role) {
				add("role "+string(role), f.tokens[user], path)
			}
		}
		if hasRole(rt.Roles, access.RoleClerk) && rt.Method != http.MethodGet { // clerks read anywhere (flagged)
			add("clerk of another kommune", f.tokens[clerkOf(751)], path)
		}
		if hasRole(rt.Roles, access.RoleSubscriber) && strings.HasPrefix(rt.Pattern, "/v1/subscribers/{id}") {
			add("another subscriber", f.tokens[uSubB], path)
		}
		if hasRole(rt.Roles, access.RoleCitizen) && strings.Contains(rt.Pattern, "{pnr}") {
			vv := clone(vals)
			vv["pnr"] = f.movers[len(f.movers)-1].pnr.String()
			add("citizen, someone else", f.tokens[uCitizen], fill(rt.Pattern, vv))
		}
	}
	// Status extracts of another subscriber: start one as sub-b, ask as sub-a.
	if id, err := startExtract(ctx, hc, base, f.tokens[uSubB], subB); err == nil {
		for _, p := range []string{"/v1/status-extracts/" + id, "/v1/status-extracts/" + id + "/data"} {
			tries = append(tries, attempt{what: "another subscriber's extract", call: "GET " + strings.Replace(p, id, "{id}", 1),
				path: p, method: http.MethodGet, token: f.tokens[uSubA]})
		}
	} else {
		return rep, err
	}
	want := map[string]int{} // call|status -> refusals
	for _, a := range tries {
		status, b, err := send(ctx, hc, a.method, base+a.path, a.token, a.body)
		rep.Attempts++
		switch {
		case err != nil:
			return rep, err
		case status >= 500:
			rep.ServerErrors++
			rep.example(a, status, "")
		case status == http.StatusUnauthorized:
			rep.Unauthenticated++
		case status == http.StatusForbidden:
			want[a.call+"|"+fmt.Sprint(status)]++
		default:
			rep.Allowed++
			rep.example(a, status, problemCode(b))
		}
	}
	logged, err := deniedInLog(ctx, hc, base, f.tokens[uAuditor], start)
	if err != nil {
		return rep, err
	}
	for k, n := range logged {
		if strings.HasSuffix(k, "|401") {
			rep.StoredUnauthenticated += n
			if len(rep.Examples) < 20 {
				rep.Examples = append(rep.Examples, fmt.Sprintf("%d unauthenticated calls of %s in the access log", n, k))
			}
		}
	}
	for k, n := range want {
		got := min(n, logged[k])
		rep.Logged += got
		rep.Unlogged += n - got
		if n > got && len(rep.Examples) < 20 {
			rep.Examples = append(rep.Examples, fmt.Sprintf("not in the access log: %d of %d refusals of %s", n-got, n, k))
		}
	}
	return rep, natsAccess(ctx, hc, base, f, &rep)
}

func (r *AccessReport) example(a attempt, status int, code string) {
	if len(r.Examples) < 20 {
		r.Examples = append(r.Examples, fmt.Sprintf("%s %s: %d %s", a.what, a.call, status, code))
	}
}

func startExtract(ctx context.Context, hc *http.Client, base, token, sub string) (string, error) {
	status, b, err := send(ctx, hc, http.MethodPost, base+"/v1/status-extracts", token,
		[]byte(`{"subscriber":"`+sub+`","format":"jsonl"}`))
	if err != nil {
		return "", err
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &out); err != nil || status/100 != 2 || out.ID == "" {
		return "", fmt.Errorf("chaos: status extract as %s answered %d", sub, status)
	}
	return out.ID, nil
}

// deniedInLog counts the denied entries of the access log since from, by
// call and status, as the auditor reads them.
func deniedInLog(ctx context.Context, hc *http.Client, base, token string, from time.Time) (map[string]int, error) {
	out := map[string]int{}
	cursor := ""
	for {
		q := url.Values{"from": {from.UTC().Format(time.RFC3339Nano)}, "limit": {"1000"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		status, b, err := send(ctx, hc, http.MethodGet, base+"/v1/access-log?"+q.Encode(), token, nil)
		if err != nil {
			return nil, err
		}
		if status != http.StatusOK {
			return nil, fmt.Errorf("chaos: the access log answered %d", status)
		}
		var page struct {
			Entries []access.Entry `json:"entries"`
			Next    string         `json:"next"`
		}
		if err := json.Unmarshal(b, &page); err != nil {
			return nil, err
		}
		for _, e := range page.Entries {
			if e.Outcome == "denied" {
				out[e.Call+"|"+fmt.Sprint(e.Status)]++
			}
		}
		if page.Next == "" {
			return out, nil
		}
		cursor = page.Next
	}
}

// natsAccess logs in to NATS as subscriber A and tries to read subscriber
// B's subject, the raw events and the stream, while moves in both
// circles are registered.
func natsAccess(ctx context.Context, hc *http.Client, base string, f *fixture, rep *AccessReport) error {
	status, b, err := send(ctx, hc, http.MethodGet, base+"/v1/subscribers/"+subA+"/nats", f.tokens[uSubA], nil)
	if err != nil {
		return err
	}
	var login struct{ URL, User, Password, Subject string }
	if err := json.Unmarshal(b, &login); err != nil || status != http.StatusOK {
		return fmt.Errorf("chaos: the subscriber's NATS login answered %d", status)
	}
	var denied atomic.Int32
	nc, err := nats.Connect(login.URL, nats.UserInfo(login.User, login.Password), nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		if errors.Is(err, nats.ErrPermissionViolation) || strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
			denied.Add(1)
		}
	}))
	if err != nil {
		return fmt.Errorf("chaos: nats as a subscriber: %w", err)
	}
	defer nc.Close()
	var stolen, own atomic.Int32
	for _, subj := range []string{events.DistPrefix + "." + subB, events.SubjectPrefix + ".>", ">", events.DistPrefix + ".*", "$JS.>"} {
		rep.NATSAttempts++
		if _, err := nc.Subscribe(subj, func(*nats.Msg) { stolen.Add(1) }); err != nil {
			continue
		}
	}
	if _, err := nc.Subscribe(login.Subject, func(*nats.Msg) { own.Add(1) }); err != nil {
		return err
	}
	nc.Flush()
	for _, api := range []string{"$JS.API.INFO", "$JS.API.STREAM.INFO." + events.StreamName, "$JS.API.STREAM.MSG.GET." + events.StreamName,
		"$JS.API.CONSUMER.CREATE." + events.StreamName, "$JS.API.DIRECT.GET." + events.StreamName} {
		rep.NATSAttempts++
		if m, err := nc.Request(api, []byte(`{"seq":1}`), time.Second); err == nil && m != nil {
			rep.NATSReads++
			rep.Examples = append(rep.Examples, "a subscriber's NATS request was answered: "+api)
		}
	}
	// Moves in both circles, so that there is something to steal.
	for i, k := range []uint16{101, 751, 101, 751} {
		for _, m := range f.movers {
			if m.kommune != k {
				continue
			}
			to := roads.InKommune(k)[i]
			body, _ := json.Marshal(map[string]any{"effective": f.today.String(), "address": map[string]string{
				"kommunekode": fmt.Sprintf("%04d", k), "vejkode": fmt.Sprintf("%04d", to.Vejkode), "husnr": fmt.Sprint(900 + i)}})
			if st, b, err := send(ctx, hc, http.MethodPost, base+"/v1/persons/"+m.pnr.String()+"/moves", f.tokens[clerkOf(k)], body); err != nil || st != http.StatusCreated {
				return fmt.Errorf("chaos: a move for the NATS test answered %d %s: %v", st, problemCode(b), err)
			}
			break
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for own.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	nc.Flush()
	rep.OwnFeed = int(own.Load())
	rep.NATSReads += int(stolen.Load())
	if rep.OwnFeed < 2 {
		return fmt.Errorf("chaos: the subscriber got %d messages on its own subject; the NATS check proves nothing", rep.OwnFeed)
	}
	return nil
}

// problemCode is the code of a problem+json answer (never its detail).
func problemCode(b []byte) string {
	var p struct {
		Code  string `json:"code"`
		Field string `json:"field"`
	}
	json.Unmarshal(b, &p)
	return p.Code + " " + p.Field
}
