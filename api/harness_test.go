package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"cpr/access"
	"cpr/api"
	"cpr/date"
	"cpr/pnr"
	"cpr/population"
	"cpr/register"
)

// The harness runs the real stack: a register on disk loaded with a
// generated population, the access service and the API, served over HTTP
// on a loopback port. Every answer is recorded, so the test can assert at
// the end that none was a 500, and every pnr that crossed the wire is
// remembered, so the metrics can be searched for it.

// testClock is the clock of the register, the access service and the API;
// the test moves it by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// monday10 is Monday 2 March 2026, 10:00 in Copenhagen: inside office
// hours. The population is generated as of the day before.
var (
	monday10 = time.Date(2026, 3, 2, 10, 0, 0, 0, date.Copenhagen)
	popToday = date.MustNew(2026, 3, 1)
)

const (
	today     = "2026-03-02" // the register's today at monday10
	yesterday = "2026-03-01"
)

// The users of the test, one per role (two clerks, two lookup users).
const (
	uAdmin      = "admin"
	uLookup     = "lookup"
	uBulk       = "lookup-bulk" // reads many persons, for the many_persons flag
	uAuditor    = "auditor"
	uClerk101   = "clerk-0101"
	uClerk751   = "clerk-0751"
	uCitizen    = "citizen"
	uSubscriber = "subscriber"
)

// roleUser is the user that speaks for each role in the role matrix.
var roleUser = map[access.Role]string{
	access.RoleAdmin: uAdmin, access.RoleLookup: uLookup, access.RoleAuditor: uAuditor,
	access.RoleClerk: uClerk101, access.RoleCitizen: uCitizen, access.RoleSubscriber: uSubscriber,
}

var allRoles = []access.Role{access.RoleClerk, access.RoleLookup, access.RoleAuditor, access.RoleCitizen,
	access.RoleSubscriber, access.RoleAdmin}

type harness struct {
	base   string
	client *http.Client
	reg    *register.Register
	acc    *access.Service
	prom   *prometheus.Registry
	clock  *testClock

	pop     []*register.Person // the population as generated (the register's state before any change)
	used    map[pnr.PNR]bool   // persons a test has taken for itself
	tok     map[string]string  // user id -> token secret
	citizen *register.Person   // the citizen user's own record

	mu      sync.Mutex
	answers []answered
	pnrs    map[string]bool // every pnr sent or received
}

type answered struct {
	method, path string
	status       int
}

// answer is one HTTP answer, read whole.
type answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// startHarness opens a register in t.TempDir(), loads 2,000 persons,
// creates one user per role with a token, and serves the API on
// 127.0.0.1:0 (with opts applied to its options). Everything is closed
// when the test ends.
func startHarness(t *testing.T, opts ...func(*api.Options)) *harness {
	t.Helper()
	clock := &testClock{now: monday10.Add(-time.Hour)} // the load is registered at 09:00
	reg, err := register.Open(t.TempDir(), register.Options{Clock: clock.Now, CacheBytes: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := reg.Close(); err != nil {
			t.Errorf("register close: %v", err)
		}
	})
	cfg := population.Config{Persons: 2000, Seed: 1, Today: popToday}
	if _, err := reg.Load(context.Background(), population.Generate(cfg)); err != nil {
		t.Fatalf("load: %v", err)
	}
	h := &harness{reg: reg, clock: clock, used: map[pnr.PNR]bool{}, tok: map[string]string{},
		pnrs: map[string]bool{}, pop: slices.Collect(population.Generate(cfg))}
	clock.Set(monday10)

	h.acc = access.New(reg, access.Options{Clock: clock.Now})
	h.prom = prometheus.NewRegistry()
	o := api.Options{Register: reg, Access: h.acc, Registerer: h.prom, Clock: clock.Now, ExtractDir: t.TempDir(),
		SubscriberNATS: func(id string) (any, error) { return map[string]string{"subject": "cpr.dist." + id}, nil }}
	for _, f := range opts {
		f(&o)
	}
	srv, err := api.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	h.base = "http://" + ln.Addr().String()
	h.client = &http.Client{Timeout: 30 * time.Second}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := hs.Shutdown(ctx); err != nil {
			t.Errorf("server shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
		h.client.CloseIdleConnections()
	})

	h.citizen = h.pick(t, "adult in 0101 without protection", func(p *register.Person) bool {
		return livesIn(p, 101) && adult(p) && len(p.Protections) == 0 &&
			len(strings.Fields(register.FoldName(p.Name.Last))) == 1 && register.FoldName(p.Name.First) != ""
	})
	users := []access.User{
		{ID: uAdmin, Role: access.RoleAdmin, Name: "Test administrator"},
		{ID: uLookup, Role: access.RoleLookup, Name: "Test lookup"},
		{ID: uBulk, Role: access.RoleLookup, Name: "Test bulk lookup"},
		{ID: uAuditor, Role: access.RoleAuditor, Name: "Test auditor"},
		{ID: uClerk101, Role: access.RoleClerk, Kommune: 101, Name: "Clerk, København"},
		{ID: uClerk751, Role: access.RoleClerk, Kommune: 751, Name: "Clerk, Aarhus"},
		{ID: uCitizen, Role: access.RoleCitizen, PNR: h.citizen.PNR},
		{ID: uSubscriber, Role: access.RoleSubscriber, Subscriber: "sub-one"},
	}
	for _, u := range users {
		if _, err := h.acc.CreateUser(u); err != nil {
			t.Fatalf("create user %s: %v", u.ID, err)
		}
		secret, _, err := h.acc.IssueToken(u.ID, 48*time.Hour) // outlives the clock's moves
		if err != nil {
			t.Fatalf("token for %s: %v", u.ID, err)
		}
		h.tok[u.ID] = secret
	}
	h.note(h.citizen.PNR.String())
	return h
}

// pick takes the first person of the population no test has taken yet
// that satisfies ok.
func (h *harness) pick(t *testing.T, what string, ok func(*register.Person) bool) *register.Person {
	t.Helper()
	for _, p := range h.pop {
		if !h.used[p.PNR] && ok(p) {
			h.used[p.PNR] = true
			return p
		}
	}
	t.Fatalf("no %s left in the population", what)
	return nil
}

func livesIn(p *register.Person, kommune uint16) bool {
	return p.Status == register.StatusActive && p.Kommune() == kommune
}

func adult(p *register.Person) bool { return p.BirthDate.YearsOn(popToday) >= 18 }

// auth is the Authorization header of a user's token.
func (h *harness) auth(user string) string { return "Bearer " + h.tok[user] }

var (
	pnrInPath = regexp.MustCompile(`\d{6}-?\d{4}`)
	pnrInJSON = regexp.MustCompile(`"(\d{10})"`)
)

// note remembers pnrs that crossed the wire.
func (h *harness) note(pnrs ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range pnrs {
		if p != "" {
			h.pnrs[strings.ReplaceAll(p, "-", "")] = true
		}
	}
}

func (h *harness) noteJSON(b []byte) {
	for _, m := range pnrInJSON.FindAllSubmatch(b, -1) {
		h.note(string(m[1]))
	}
}

// do sends one request as user ("" for none). body is nil, raw bytes or
// a string, or a value to encode as JSON. hdr are header name/value pairs;
// an Authorization pair replaces the user's token.
func (h *harness) do(t *testing.T, method, path, user string, body any, hdr ...string) answer {
	t.Helper()
	var rd io.Reader
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			t.Fatalf("encode body: %v", err)
		}
	}
	if body != nil {
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, h.base+path, rd)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		req.Header.Set("Authorization", h.auth(user))
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := h.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read answer: %v", method, path, err)
	}
	h.mu.Lock()
	h.answers = append(h.answers, answered{method, req.URL.Path, res.StatusCode})
	h.mu.Unlock()
	h.note(pnrInPath.FindAllString(req.URL.Path, -1)...)
	h.noteJSON(raw)
	h.noteJSON(b)
	if res.StatusCode >= 500 {
		t.Errorf("%s %s answered %d: %s", method, path, res.StatusCode, b)
	}
	return answer{Status: res.StatusCode, Header: res.Header, Body: b}
}

// get is do for a GET with query parameters (pairs).
func (h *harness) get(t *testing.T, path, user string, query ...string) answer {
	t.Helper()
	if len(query) > 0 {
		v := url.Values{}
		for i := 0; i+1 < len(query); i += 2 {
			v.Add(query[i], query[i+1])
		}
		path += "?" + v.Encode()
	}
	return h.do(t, http.MethodGet, path, user, nil)
}

// ok decodes a successful answer with the wanted status into v (if not nil).
func ok(t *testing.T, a answer, status int, v any) {
	t.Helper()
	if a.Status != status {
		t.Fatalf("status %d, want %d: %s", a.Status, status, a.Body)
	}
	if ct := a.Header.Get("Content-Type"); v != nil && !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want application/json", ct)
	}
	if v != nil {
		if err := json.Unmarshal(a.Body, v); err != nil {
			t.Fatalf("decode %s: %v", a.Body, err)
		}
	}
}

// problem is the problem+json document of an error answer.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Code   string `json:"code"`
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

var anyDigits10 = regexp.MustCompile(`\d{6}-?\d{4}`)

// wantProblem checks an error answer: status, media type, code and field
// ("" for none), and that the detail holds nothing like a pnr.
func wantProblem(t *testing.T, a answer, status int, code, field string) problem {
	t.Helper()
	var p problem
	if ct := a.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("Content-Type %q, want application/problem+json (status %d: %s)", ct, a.Status, a.Body)
		return p
	}
	if err := json.Unmarshal(a.Body, &p); err != nil {
		t.Errorf("problem does not decode: %v: %s", err, a.Body)
		return p
	}
	if a.Status != status || p.Status != status || p.Code != code || p.Field != field {
		t.Errorf("got %d %q field %q, want %d %q field %q: %s", a.Status, p.Code, p.Field, status, code, field, a.Body)
	}
	if p.Type == "" || !strings.HasSuffix(p.Type, "/"+p.Code) || p.Title == "" {
		t.Errorf("problem type/title %q/%q do not fit code %q", p.Type, p.Title, p.Code)
	}
	if anyDigits10.MatchString(p.Detail) || anyDigits10.MatchString(p.Field) {
		t.Errorf("problem detail or field holds a pnr: %s", a.Body)
	}
	return p
}

// unchanged runs fn and checks that the register's journal did not move.
func (h *harness) unchanged(t *testing.T, fn func()) {
	t.Helper()
	before := h.reg.LastSeq()
	fn()
	if after := h.reg.LastSeq(); after != before {
		t.Errorf("journal moved from %d to %d: something was written", before, after)
	}
}

// personJSON is the JSON shape of a person.
type personJSON struct {
	PNR        string    `json:"pnr"`
	Status     string    `json:"status"`
	StatusFrom string    `json:"status_from"`
	Sex        string    `json:"sex"`
	BirthDate  string    `json:"birth_date"`
	Name       nameJSON  `json:"name"`
	Address    *addrJSON `json:"address"`
	Foreign    *struct {
		Country string   `json:"country"`
		Lines   []string `json:"lines"`
		From    string   `json:"from"`
	} `json:"foreign_address"`
	Civil struct {
		Code   string `json:"code"`
		Spouse string `json:"spouse_pnr"`
		From   string `json:"from"`
	} `json:"civil_status"`
	Protections []struct {
		Type string `json:"type"`
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"protections"`
	Mother      string   `json:"mother_pnr"`
	Father      string   `json:"father_pnr"`
	Children    []string `json:"children"`
	Citizenship string   `json:"citizenship"`
	CurrentPNR  string   `json:"current_pnr"`
	PreviousPNR string   `json:"previous_pnr"`
	Seq         uint64   `json:"seq"`
}

type nameJSON struct {
	First      string `json:"first"`
	Middle     string `json:"middle"`
	Last       string `json:"last"`
	Addressing string `json:"addressing"`
	From       string `json:"from"`
}

type addrJSON struct {
	Kommunekode string `json:"kommunekode"`
	Vejkode     string `json:"vejkode"`
	Husnr       string `json:"husnr"`
	Etage       string `json:"etage"`
	Sidedoer    string `json:"sidedoer"`
	Text        string `json:"text"`
	From        string `json:"from"`
}

// in is the address as a request body gives it.
func (a addrJSON) in() addrIn {
	return addrIn{a.Kommunekode, a.Vejkode, a.Husnr, a.Etage, a.Sidedoer}
}

// addrIn is an address in a request body.
type addrIn struct {
	Kommunekode string `json:"kommunekode"`
	Vejkode     string `json:"vejkode"`
	Husnr       string `json:"husnr"`
	Etage       string `json:"etage,omitempty"`
	Sidedoer    string `json:"sidedoer,omitempty"`
}

// nameIn is a name in a request body.
type nameIn struct {
	First  string `json:"first,omitempty"`
	Middle string `json:"middle,omitempty"`
	Last   string `json:"last,omitempty"`
}

// person reads a person as the lookup user.
func (h *harness) person(t *testing.T, p string, query ...string) personJSON {
	t.Helper()
	var out personJSON
	a := h.get(t, "/v1/persons/"+p, uLookup, query...)
	ok(t, a, http.StatusOK, &out)
	if cc := a.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("person answered with Cache-Control %q, want no-store", cc)
	}
	return out
}

// accepted is the answer to a change.
type accepted struct {
	ID  string `json:"id"`
	Seq uint64 `json:"seq"`
	PNR string `json:"pnr"`
}

// post sends a change as user and wants 201 {"id","seq"}.
func (h *harness) post(t *testing.T, path, user string, body any, hdr ...string) accepted {
	t.Helper()
	before := h.reg.LastSeq()
	a := h.do(t, http.MethodPost, path, user, body, hdr...)
	var acc accepted
	ok(t, a, http.StatusCreated, &acc)
	if len(acc.ID) != 26 || acc.Seq == 0 {
		t.Fatalf("accepted answer lacks id or seq: %s", a.Body)
	}
	if acc.Seq <= before || h.reg.LastSeq() < acc.Seq {
		t.Fatalf("seq %d not after %d or not committed (last %d)", acc.Seq, before, h.reg.LastSeq())
	}
	return acc
}

// logEntry is an access log entry as the API shows it.
type logEntry struct {
	ID            string `json:"id"`
	Time          string `json:"time"`
	User          string `json:"user"`
	Role          string `json:"role"`
	PNR           string `json:"pnr"`
	Call          string `json:"call"`
	Purpose       string `json:"purpose"`
	Outcome       string `json:"outcome"`
	Status        int    `json:"status"`
	PersonKommune int    `json:"person_kommune"`
	Protected     bool   `json:"protected"`
	UserKommune   int    `json:"user_kommune"`
}

// accessLog pages through /v1/access-log (or another log route) as user
// and returns every entry.
func (h *harness) accessLog(t *testing.T, path, user string, query ...string) []logEntry {
	t.Helper()
	var all []logEntry
	cursor := ""
	for range 10_000 {
		q := append([]string{"limit", "1000"}, query...)
		if cursor != "" {
			q = append(q, "cursor", cursor)
		}
		var page struct {
			Entries []logEntry `json:"entries"`
			Next    string     `json:"next"`
		}
		ok(t, h.get(t, path, user, q...), http.StatusOK, &page)
		all = append(all, page.Entries...)
		if page.Next == "" {
			return all
		}
		cursor = page.Next
	}
	t.Fatal("access log paging does not end")
	return nil
}

// flag is an unusual pattern as the API shows it.
type flag struct {
	Rule  string `json:"rule"`
	User  string `json:"user"`
	At    string `json:"at"`
	Count int    `json:"count"`
	PNR   string `json:"pnr"`
	Entry string `json:"entry"`
}

// flags asks for the flags of the window [from, to).
func (h *harness) flags(t *testing.T, from, to time.Time) []flag {
	t.Helper()
	var out struct {
		Flags []flag `json:"flags"`
	}
	ok(t, h.get(t, "/v1/access-log/flags", uAuditor, "from", from.UTC().Format(time.RFC3339Nano),
		"to", to.UTC().Format(time.RFC3339Nano)), http.StatusOK, &out)
	return out.Flags
}

// road is one road of GET /v1/kommuner/{kode}/roads.
type road struct {
	Vejkode string `json:"vejkode"`
	Name    string `json:"name"`
	Postnr  string `json:"postnr"`
	By      string `json:"by"`
}

// roads reads a kommune's ordinary roads (no special vejkoder).
func (h *harness) roads(t *testing.T, kode string) []road {
	t.Helper()
	var out struct {
		Roads []road `json:"roads"`
	}
	ok(t, h.get(t, "/v1/kommuner/"+kode+"/roads", uClerk101), http.StatusOK, &out)
	var ordinary []road
	for _, r := range out.Roads {
		if r.Vejkode < "9900" {
			ordinary = append(ordinary, r)
		}
	}
	if len(ordinary) < 3 {
		t.Fatalf("kommune %s has %d ordinary roads", kode, len(ordinary))
	}
	return ordinary
}
