// Package bench holds the workloads and runners of the benchmarks.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"cpr/access"
	"cpr/address"
	"cpr/api"
	"cpr/date"
	"cpr/pnr"
	"cpr/population"
	"cpr/register"
)

// ErrLostMoves: a move the API acknowledged (201) is not in the register.
var ErrLostMoves = errors.New("bench: acknowledged moves missing from the register")

// HTTPConfig configures RunHTTP. Zero fields take the defaults.
type HTTPConfig struct {
	// Clients is the number of concurrent clients (default 64).
	Clients int
	// Duration is how long the clients send requests (default 5s).
	Duration time.Duration
	// Persons is the size of the generated population (default 20,000).
	Persons int
	// Moves: clients register moves, each as the clerk of the person's
	// kommune, to a random address in the same kommune.
	Moves bool
	// Lookups: clients read random persons (each read is written to the
	// access log). With Moves too, each request is one or the other.
	Lookups bool
	// Dir is where the register is created (in Dir/register, which must
	// not hold a register yet); "" uses a temporary directory, removed
	// afterwards.
	Dir string
}

// HTTPReport is the outcome of RunHTTP. Latencies are of whole requests,
// answer read, over every request sent.
type HTTPReport struct {
	Clients  int     `json:"clients"`
	Persons  int     `json:"persons"`
	Seconds  float64 `json:"seconds"`
	Requests int     `json:"requests"`
	// Errors are requests without a 2xx answer (transport errors included).
	Errors int `json:"errors"`
	// Statuses counts the errors by HTTP status ("transport": no answer).
	Statuses         map[string]int `json:"statuses,omitempty"`
	Moves            int            `json:"moves"`   // acknowledged (201) moves
	Lookups          int            `json:"lookups"` // successful (200) lookups
	PerSecond        float64        `json:"per_second"`
	MovesPerSecond   float64        `json:"moves_per_second"`
	LookupsPerSecond float64        `json:"lookups_per_second"`
	P50Ms            float64        `json:"p50_ms"`
	P99Ms            float64        `json:"p99_ms"`
	MaxMs            float64        `json:"max_ms"`
	// JournalMoves is the number of move events in the journal after the
	// run; it equals Moves unless a request failed without an answer.
	JournalMoves int `json:"journal_moves"`
	// Verified is the number of moved persons whose address in the
	// register is that of their last acknowledged move; Missing those
	// whose is not.
	Verified    int     `json:"verified_persons"`
	Missing     int     `json:"missing_persons"`
	LoadSeconds float64 `json:"load_seconds"`
}

// RunHTTP starts the server stack in-process as cmd/cpr serve wires it
// (register, access service, API, on a loopback port), loads a population
// of cfg.Persons, creates a clerk for every kommune and a lookup user, and
// runs cfg.Clients clients for cfg.Duration. After a run with moves it
// checks that every acknowledged move is in the register; if one is not,
// it returns the report and an error wrapping ErrLostMoves.
func RunHTTP(ctx context.Context, cfg HTTPConfig) (rep HTTPReport, err error) {
	if cfg.Clients <= 0 {
		cfg.Clients = 64
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 5 * time.Second
	}
	if cfg.Persons <= 0 {
		cfg.Persons = 20_000
	}
	if !cfg.Moves && !cfg.Lookups {
		return HTTPReport{}, errors.New("bench: set Moves or Lookups")
	}
	dir := cfg.Dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "cpr-bench-http-")
		if err != nil {
			return HTTPReport{}, err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	st, err := startStack(ctx, filepath.Join(dir, "register"), cfg)
	if err != nil {
		return HTTPReport{}, err
	}
	defer func() {
		if cerr := st.close(); err == nil {
			err = cerr
		}
	}()

	rep = HTTPReport{Clients: cfg.Clients, Persons: cfg.Persons, LoadSeconds: st.loadTime.Seconds()}
	if cfg.Moves {
		if err := st.fetchRoads(ctx); err != nil {
			return rep, err
		}
	}
	clients := make([]*client, cfg.Clients)
	for i := range clients {
		clients[i] = &client{st: st, cfg: &cfg, rng: rand.New(rand.NewPCG(uint64(i)+1, 0xC0FFEE)),
			statuses: map[string]int{}, lastAck: map[int]address.Address{}, uncertain: map[int]bool{}}
	}
	for i := range st.movable {
		c := clients[i%len(clients)]
		c.mine = append(c.mine, i)
	}
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.run(ctx, deadline)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := ctx.Err(); err != nil {
		return rep, err // requests in flight were cut: nothing to verify
	}

	var lat []time.Duration
	uncertain := 0
	rep.Statuses = map[string]int{}
	for _, c := range clients {
		lat = append(lat, c.lat...)
		rep.Moves += c.moves
		rep.Lookups += c.lookups
		rep.Errors += c.errors
		uncertain += len(c.uncertain)
		for s, n := range c.statuses {
			rep.Statuses[s] += n
		}
	}
	rep.Requests = len(lat)
	rep.Seconds = elapsed.Seconds()
	rep.PerSecond = float64(rep.Requests) / rep.Seconds
	rep.MovesPerSecond = float64(rep.Moves) / rep.Seconds
	rep.LookupsPerSecond = float64(rep.Lookups) / rep.Seconds
	slices.Sort(lat)
	rep.P50Ms, rep.P99Ms = ms(quantile(lat, 0.50)), ms(quantile(lat, 0.99))
	if len(lat) > 0 {
		rep.MaxMs = ms(lat[len(lat)-1])
	}
	if len(rep.Statuses) == 0 {
		rep.Statuses = nil
	}
	if !cfg.Moves {
		return rep, nil
	}
	return rep, st.verify(&rep, clients, uncertain)
}

// stack is the server under test and what the clients need to know.
type stack struct {
	reg      *register.Register
	hs       *http.Server
	served   chan error
	base     string
	http     *http.Client
	loadTime time.Duration
	today    string

	clerks  map[uint16]string // kommune -> token
	lookup  string            // token
	persons []pnr.PNR         // everyone, for lookups
	movable []mover           // residents of Denmark, for moves
	roads   map[uint16][]road // ordinary roads by kommune
}

type mover struct {
	pnr     pnr.PNR
	kommune uint16
	start   address.Address
}

type road struct {
	Vejkode string `json:"vejkode"`
	Name    string `json:"name"`
	Postnr  string `json:"postnr"`
	By      string `json:"by"`
}

func startStack(ctx context.Context, dir string, cfg HTTPConfig) (*stack, error) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg, err := register.Open(dir, register.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	now := time.Now()
	st := &stack{reg: reg, today: date.InCopenhagen(now).String(), clerks: map[uint16]string{}, roads: map[uint16][]road{}}
	persons := population.Generate(population.Config{Persons: cfg.Persons, Seed: 1, Today: date.InCopenhagen(now).AddDays(-1)})
	recorded := func(yield func(*register.Person) bool) {
		for p := range persons {
			st.persons = append(st.persons, p.PNR)
			if p.Status.Active() && p.Kommune() != 0 {
				st.movable = append(st.movable, mover{p.PNR, p.Kommune(), p.Residence.Address})
			}
			if !yield(p) {
				return
			}
		}
	}
	t0 := time.Now()
	if _, err := reg.Load(ctx, recorded); err != nil {
		reg.Close()
		return nil, fmt.Errorf("bench: load: %w", err)
	}
	st.loadTime = time.Since(t0)

	acc := access.New(reg, access.Options{Logger: log})
	for _, k := range address.Kommuner() {
		id := fmt.Sprintf("clerk-%04d", k.Code)
		tok, err := user(acc, access.User{ID: id, Role: access.RoleClerk, Kommune: k.Code, Name: "Bench clerk"})
		if err != nil {
			reg.Close()
			return nil, err
		}
		st.clerks[k.Code] = tok
	}
	if st.lookup, err = user(acc, access.User{ID: "bench-lookup", Role: access.RoleLookup, Name: "Bench lookup"}); err != nil {
		reg.Close()
		return nil, err
	}

	// One lookup token stands for many users here: no read limit.
	srv, err := api.New(api.Options{Register: reg, Access: acc, Logger: log, Registerer: prometheus.NewRegistry(), PersonsPerHour: -1, PersonsPerDay: -1})
	if err != nil {
		reg.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		reg.Close()
		return nil, err
	}
	st.base = "http://" + ln.Addr().String()
	st.hs = &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	st.served = make(chan error, 1)
	go func() { st.served <- st.hs.Serve(ln) }()

	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = cfg.Clients
	tr.MaxIdleConnsPerHost = cfg.Clients
	tr.DisableCompression = true
	st.http = &http.Client{Transport: tr, Timeout: time.Minute}
	return st, nil
}

// user creates a user and returns a token for it.
func user(acc *access.Service, u access.User) (string, error) {
	if _, err := acc.CreateUser(u); err != nil {
		return "", fmt.Errorf("bench: user %s: %w", u.ID, err)
	}
	tok, _, err := acc.IssueToken(u.ID, 24*time.Hour)
	if err != nil {
		return "", fmt.Errorf("bench: token for %s: %w", u.ID, err)
	}
	return tok, nil
}

// close stops the server, waits for it, and closes the register.
func (st *stack) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := st.hs.Shutdown(ctx)
	if serr := <-st.served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	st.http.CloseIdleConnections()
	return errors.Join(err, st.reg.Close())
}

// fetchRoads reads the ordinary roads of every kommune with movers, as
// the kommune's clerk, through the API.
func (st *stack) fetchRoads(ctx context.Context) error {
	for _, m := range st.movable {
		if _, done := st.roads[m.kommune]; done {
			continue
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/v1/kommuner/%04d/roads", st.base, m.kommune), nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+st.clerks[m.kommune])
		res, err := st.http.Do(req)
		if err != nil {
			return err
		}
		var out struct {
			Roads []road `json:"roads"`
		}
		err = json.NewDecoder(res.Body).Decode(&out)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			return fmt.Errorf("bench: roads of %04d: status %d: %v", m.kommune, res.StatusCode, err)
		}
		var ordinary []road
		for _, r := range out.Roads {
			if v, err := strconv.Atoi(r.Vejkode); err == nil && v < address.MinSpecialVejkode {
				ordinary = append(ordinary, r)
			}
		}
		if len(ordinary) == 0 {
			return fmt.Errorf("bench: kommune %04d has no ordinary road", m.kommune)
		}
		st.roads[m.kommune] = ordinary
	}
	return nil
}

// verify checks the acknowledged moves against the register: the journal
// holds as many move events (give or take moves whose answer was lost),
// and each moved person lives at the address of their last acknowledged
// move.
func (st *stack) verify(rep *HTTPReport, clients []*client, uncertain int) error {
	err := st.reg.Journal(1, func(ev *register.Event) error {
		if ev.Kind == register.KindMove {
			rep.JournalMoves++
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("bench: read journal: %w", err)
	}
	for _, c := range clients {
		for i, want := range c.lastAck {
			if c.uncertain[i] {
				continue
			}
			p, err := st.reg.Get(st.movable[i].pnr)
			if err != nil || p.Residence.Address != want {
				rep.Missing++
				continue
			}
			rep.Verified++
		}
	}
	if rep.JournalMoves < rep.Moves || rep.JournalMoves > rep.Moves+uncertain || rep.Missing > 0 {
		return fmt.Errorf("%w: %d acknowledged, %d in the journal, %d persons not at their last address",
			ErrLostMoves, rep.Moves, rep.JournalMoves, rep.Missing)
	}
	return nil
}

// client is one load generator. It moves only its own share of the
// movers, so the last acknowledged move of a person is the one in force.
type client struct {
	st  *stack
	cfg *HTTPConfig
	rng *rand.Rand

	mine      []int                   // indexes into st.movable
	lastAck   map[int]address.Address // by index: the address of the last acknowledged move
	uncertain map[int]bool            // a move of this person got no answer
	current   map[int]address.Address // where the client believes the person lives

	lat            []time.Duration
	moves, lookups int
	errors         int
	statuses       map[string]int
}

func (c *client) run(ctx context.Context, deadline time.Time) {
	c.current = map[int]address.Address{}
	for ctx.Err() == nil && time.Now().Before(deadline) {
		move := c.cfg.Moves && len(c.mine) > 0 && (!c.cfg.Lookups || c.rng.IntN(2) == 0)
		if move {
			c.move(ctx)
		} else if c.cfg.Lookups {
			c.lookup(ctx)
		} else {
			return // moves only, and no movers of its own
		}
	}
}

type addressBody struct {
	Kommunekode string `json:"kommunekode"`
	Vejkode     string `json:"vejkode"`
	Husnr       string `json:"husnr"`
	Etage       string `json:"etage,omitempty"`
	Sidedoer    string `json:"sidedoer,omitempty"`
}

func (c *client) move(ctx context.Context) {
	i := c.mine[c.rng.IntN(len(c.mine))]
	if c.uncertain[i] {
		return
	}
	m := c.st.movable[i]
	cur, ok := c.current[i]
	if !ok {
		cur = m.start
	}
	var to address.Address
	var body addressBody
	for {
		rs := c.st.roads[m.kommune]
		r := rs[c.rng.IntN(len(rs))]
		body = addressBody{Kommunekode: fmt.Sprintf("%04d", m.kommune), Vejkode: r.Vejkode, Husnr: strconv.Itoa(1 + c.rng.IntN(200))}
		if c.rng.IntN(2) == 0 {
			body.Etage = strconv.Itoa(1 + c.rng.IntN(5))
			body.Sidedoer = [...]string{"th", "tv", "mf"}[c.rng.IntN(3)]
		}
		var err error
		if to, err = address.Parse(body.Kommunekode, body.Vejkode, body.Husnr, body.Etage, body.Sidedoer); err == nil && to != cur {
			break
		}
	}
	b, _ := json.Marshal(struct {
		Effective string      `json:"effective"`
		Address   addressBody `json:"address"`
	}{c.st.today, body})
	status, err := c.send(ctx, http.MethodPost, "/v1/persons/"+m.pnr.String()+"/moves", c.st.clerks[m.kommune], b)
	switch {
	case err != nil:
		c.uncertain[i] = true // it may or may not have been registered
	case status == http.StatusCreated:
		c.moves++
		c.current[i], c.lastAck[i] = to, to
	}
}

func (c *client) lookup(ctx context.Context) {
	p := c.st.persons[c.rng.IntN(len(c.st.persons))]
	if status, err := c.send(ctx, http.MethodGet, "/v1/persons/"+p.String(), c.st.lookup, nil); err == nil && status == http.StatusOK {
		c.lookups++
	}
}

// send makes one request, reads the answer whole, and records its latency
// and, if it is not a 2xx, the error.
func (c *client) send(ctx context.Context, method, path, token string, body []byte) (int, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.st.base+path, rd)
	if err != nil {
		c.fail("transport")
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("X-Purpose", "benchmark")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	res, err := c.st.http.Do(req)
	if err == nil {
		_, err = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	c.lat = append(c.lat, time.Since(start))
	if err != nil {
		c.fail("transport")
		return 0, err
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		c.fail(strconv.Itoa(res.StatusCode))
	}
	return res.StatusCode, nil
}

func (c *client) fail(status string) {
	c.errors++
	c.statuses[status]++
}

// quantile is the nearest-rank q-quantile of sorted samples.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
