package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"cpr/address"
	"cpr/events"
	"cpr/pnr"
)

// CrashConfig configures Crash. Zero fields take the defaults.
type CrashConfig struct {
	Bin     string // the cpr binary (required)
	Dir     string // an empty directory for the data (required)
	Persons int    // population (default 5,000)
	Clients int    // concurrent clients posting moves (default 64)
	Kills   int    // kill -9 this many times (default 50)
	// MaxUp is the longest the server runs between kills; each run is a
	// random time from MaxUp/10 to MaxUp (default 2s).
	MaxUp time.Duration
	Seed  uint64
	// Progress, if set, is told about each round.
	Progress func(format string, args ...any)
}

// CrashReport is the outcome of Crash.
type CrashReport struct {
	Kills        int `json:"kills"`
	Acknowledged int `json:"acknowledged"`
	Found        int `json:"found"`
	Lost         int `json:"lost"`
	Duplicates   int `json:"duplicates"`
	// Unanswered are requests cut by a kill; each was sent again with its
	// Idempotency-Key after the restart.
	Unanswered int `json:"unanswered"`
	// HalfVisible are changes in the journal but not in the person's
	// record or history, or the other way round.
	HalfVisible   int            `json:"half_visible"`
	JournalGaps   int            `json:"journal_gaps"`
	StreamGaps    int            `json:"stream_gaps"`
	StreamDups    int            `json:"stream_duplicates"`
	StreamChecked int            `json:"stream_messages_checked"`
	Journal       int            `json:"journal_events"`
	ServerErrors  int            `json:"server_errors"`
	Refused       map[string]int `json:"refused,omitempty"` // 4xx answers by status
}

// ledger is what the clients were told, shared with the checks. A move is
// unanswered from before it is sent until its answer is recorded, so a
// check never sees an event that is neither acknowledged nor unanswered.
type ledger struct {
	mu         sync.Mutex
	acks       []ack
	unanswered map[string]pnr.PNR // by idempotency key
	cut        int                // requests cut by a kill
	refused    map[string]int
	serverErrs int
	// unavailable counts 503 answers (storage refused).
	unavailable int
}

func (l *ledger) snapshot() ([]ack, map[pnr.PNR]int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	un := map[pnr.PNR]int{}
	for _, p := range l.unanswered {
		un[p]++
	}
	return append([]ack(nil), l.acks...), un
}

// life is whether the server is up, and where.
type life struct {
	mu   sync.Mutex
	base string
	gen  int
	up   chan struct{} // closed while the server is up
}

func (l *life) setUp(base string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.base = base
	l.gen++
	close(l.up)
}

func (l *life) setDown() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.up = make(chan struct{})
}

// wait blocks until the server is up in a generation after gen.
func (l *life) wait(ctx context.Context, after int) (string, int, bool) {
	for {
		l.mu.Lock()
		up, base, gen := l.up, l.base, l.gen
		l.mu.Unlock()
		select {
		case <-up:
			if gen > after {
				return base, gen, true
			}
		case <-ctx.Done():
			return "", 0, false
		}
		select { // up, but the same generation: wait for the next
		case <-ctx.Done():
			return "", 0, false
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Crash kills cpr serve at random moments while clients post moves, and
// after each kill checks the register, and after each restart the stream,
// against what the clients were told.
func Crash(ctx context.Context, cfg CrashConfig) (CrashReport, error) {
	if cfg.Persons == 0 {
		cfg.Persons = 5000
	}
	if cfg.Clients == 0 {
		cfg.Clients = 64
	}
	if cfg.Kills == 0 {
		cfg.Kills = 50
	}
	if cfg.MaxUp == 0 {
		cfg.MaxUp = 2 * time.Second
	}
	say := cfg.Progress
	if say == nil {
		say = func(string, ...any) {}
	}
	var rep CrashReport
	f, err := prepare(ctx, cfg.Dir, cfg.Persons)
	if err != nil {
		return rep, err
	}
	srv := &server{bin: cfg.Bin, dir: cfg.Dir}
	if err := srv.start(ctx); err != nil {
		return rep, err
	}
	defer srv.kill()
	op, err := operatorLogin(cfg.Dir, srv.nats)
	if err != nil {
		return rep, err
	}

	led := &ledger{unanswered: map[string]pnr.PNR{}, refused: map[string]int{}}
	lf := &life{up: make(chan struct{})}
	lf.setUp(srv.api)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var stop atomic.Bool
	var wg sync.WaitGroup
	hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Clients}}
	for i := range cfg.Clients {
		c := &crashClient{id: i, f: f, led: led, lf: lf, hc: hc, rng: rand.New(rand.NewPCG(cfg.Seed, uint64(i))),
			at: map[int]address.Address{}}
		for j := i; j < len(f.movers); j += cfg.Clients {
			c.mine = append(c.mine, j)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.run(cctx, &stop)
		}()
	}

	rng := rand.New(rand.NewPCG(cfg.Seed, 0xC4A05))
	for k := range cfg.Kills {
		up := cfg.MaxUp/10 + time.Duration(rng.Int64N(int64(cfg.MaxUp-cfg.MaxUp/10)))
		select {
		case <-time.After(up):
		case <-ctx.Done():
			return rep, ctx.Err()
		}
		lf.setDown()
		srv.kill()
		rep.Kills++
		hc.CloseIdleConnections()
		acks, un := led.snapshot()
		chk, err := checkRegister(cfg.Dir, acks, un)
		if err != nil {
			return rep, err
		}
		rep.HalfVisible += chk.halfVisible
		rep.JournalGaps += chk.gaps
		if chk.lost > 0 || chk.duplicates > 0 {
			rep.Lost, rep.Duplicates = max(rep.Lost, chk.lost), max(rep.Duplicates, chk.duplicates)
		}
		if err := srv.start(ctx); err != nil {
			return rep, err
		}
		op.url = srv.nats
		lf.setUp(srv.api)
		msgs, err := readStream(ctx, op, len(chk.journal), 2*time.Minute)
		if err != nil {
			return rep, err
		}
		d, g := streamCheck(msgs, chk.journal)
		rep.StreamDups += d
		rep.StreamGaps += g
		say("kill %d after %v: %d acknowledged, journal %d events, %d unanswered, lost %d, half visible %d, stream dup %d gap %d",
			k+1, up.Round(time.Millisecond), len(acks), len(chk.journal), len(un), chk.lost, chk.halfVisible, d, g)
	}

	// Let every client get an answer to what it sent, then compare all.
	stop.Store(true)
	wg.Wait()
	seq, err := journalSeq(ctx, hc, srv.api)
	if err != nil {
		return rep, err
	}
	msgs, err := readStream(ctx, op, int(seq), 2*time.Minute)
	if err != nil {
		return rep, err
	}
	if err := srv.stop(); err != nil {
		return rep, err
	}
	acks, un := led.snapshot()
	chk, err := checkRegister(cfg.Dir, acks, un)
	if err != nil {
		return rep, err
	}
	d, g := streamCheck(msgs, chk.journal)
	if len(msgs) > len(chk.journal) {
		g += len(msgs) - len(chk.journal)
	}
	rep.StreamDups += d
	rep.StreamGaps += g
	rep.StreamChecked = len(msgs)
	rep.Acknowledged, rep.Found = len(acks), chk.found
	rep.Lost = max(rep.Lost, chk.lost)
	rep.Duplicates = max(rep.Duplicates, chk.duplicates)
	rep.HalfVisible += chk.halfVisible
	rep.JournalGaps += chk.gaps
	rep.Journal = len(chk.journal)
	led.mu.Lock()
	rep.Unanswered, rep.ServerErrors, rep.Refused = led.cut, led.serverErrs, led.refused
	led.mu.Unlock()
	say("done: %d acknowledged, %d found, journal %d, stream %d", rep.Acknowledged, rep.Found, rep.Journal, len(msgs))
	return rep, nil
}

// operatorLogin reads the operator's NATS password that cpr serve keeps
// in DATA/nats.json.
func operatorLogin(dir, url string) (natsLogin, error) {
	b, err := os.ReadFile(filepath.Join(dir, "nats.json"))
	if err != nil {
		return natsLogin{}, err
	}
	var s struct {
		Operator string `json:"operator_password"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return natsLogin{}, err
	}
	return natsLogin{url: url, user: "operator", password: s.Operator, inbox: events.OperatorInboxPrefix}, nil
}

// journalSeq is the last journal sequence the server reports on /readyz.
func journalSeq(ctx context.Context, hc *http.Client, base string) (uint64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
	if err != nil {
		return 0, err
	}
	res, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	var out struct {
		Seq uint64 `json:"journal_seq"`
	}
	err = json.NewDecoder(res.Body).Decode(&out)
	return out.Seq, err
}

// crashClient posts moves of its own movers, one at a time; a move cut by
// a kill is sent again, with the same Idempotency-Key, after the restart.
type crashClient struct {
	id   int
	f    *fixture
	led  *ledger
	lf   *life
	hc   *http.Client
	rng  *rand.Rand
	mine []int
	at   map[int]address.Address // where each mover lives, as far as this client knows
	n    int
	pend *pendingMove
	// pause: the last answer was 503; wait a little before the next.
	pause bool
}

type pendingMove struct {
	i    int
	key  string
	to   address.Address
	body []byte
}

func (c *crashClient) run(ctx context.Context, stop *atomic.Bool) {
	gen := 0
	for ctx.Err() == nil {
		if stop.Load() && c.pend == nil {
			return
		}
		base, g, ok := c.lf.wait(ctx, gen-1)
		if !ok {
			return
		}
		gen = g
		m := c.pend
		if m == nil {
			m = c.next()
			c.led.mu.Lock()
			c.led.unanswered[m.key] = c.f.movers[m.i].pnr
			c.led.mu.Unlock()
		}
		if c.pause {
			c.pause = false
			select {
			case <-time.After(20 * time.Millisecond):
			case <-ctx.Done():
				return
			}
		}
		mv := c.f.movers[m.i]
		status, body, err := send(ctx, c.hc, http.MethodPost, base+"/v1/persons/"+mv.pnr.String()+"/moves",
			c.f.tokens[clerkOf(mv.kommune)], m.body, "Idempotency-Key", m.key)
		if err != nil {
			if c.pend == nil {
				c.led.mu.Lock()
				c.led.cut++
				c.led.mu.Unlock()
			}
			c.pend = m
			gen++ // wait for the next start
			continue
		}
		c.answer(m, status, body)
	}
}

// next is a new move of one of the client's movers to another address in
// the same kommune.
func (c *crashClient) next() *pendingMove {
	i := c.mine[c.rng.IntN(len(c.mine))]
	mv := c.f.movers[i]
	cur, ok := c.at[i]
	if !ok {
		cur = mv.at
	}
	var to address.Address
	for to == (address.Address{}) || to == cur {
		to = roads.RandomAddress(c.rng, mv.kommune)
	}
	c.n++
	b, _ := json.Marshal(map[string]any{"effective": c.f.today.String(), "address": addressJSON(to)})
	return &pendingMove{i: i, key: "chaos-" + strconv.Itoa(c.id) + "-" + strconv.Itoa(c.n), to: to, body: b}
}

func (c *crashClient) answer(m *pendingMove, status int, body []byte) {
	c.led.mu.Lock()
	defer c.led.mu.Unlock()
	switch {
	case status == http.StatusCreated:
		var res struct {
			ID  string `json:"id"`
			Seq uint64 `json:"seq"`
		}
		json.Unmarshal(body, &res)
		c.led.acks = append(c.led.acks, ack{pnr: c.f.movers[m.i].pnr, to: m.to, id: res.ID, seq: res.Seq})
		c.at[m.i] = m.to
	case status == http.StatusServiceUnavailable:
		// Storage refused it: nothing was registered, or it is unknown
		// whether it was. Send it again (after a pause).
		c.led.unavailable++
		c.pend = m
		c.pause = true
		return
	case status >= 500:
		// The outcome is unknown: send it again.
		c.led.serverErrs++
		c.pend = m
		return
	default:
		c.led.refused[strconv.Itoa(status)]++
	}
	delete(c.led.unanswered, m.key)
	c.pend = nil
}

func addressJSON(a address.Address) map[string]string {
	return map[string]string{"kommunekode": fmt.Sprintf("%04d", a.Kommunekode), "vejkode": fmt.Sprintf("%04d", a.Vejkode),
		"husnr": a.Husnr, "etage": a.Etage, "sidedoer": a.Sidedoer}
}

var roads = address.Demo()
