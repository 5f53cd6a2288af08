package chaos

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"cpr/date"
	"cpr/pnr"
	"cpr/register"
)

// The extract scenario's stream: clients that each own some of the
// population post moves (some dated ahead), name changes, marriages,
// divorces and deaths of their own persons through the API, and keep
// every acknowledged request so that it can be sent again, in journal
// order, to a copy of the register.

// resident is one person the stream changes, as its client knows it.
type resident struct {
	pnr     pnr.PNR
	kommune uint16
	resFrom date.Date // the start of the latest (maybe future) residence
	adult   bool
	married bool
	dead    bool
}

// sent is an acknowledged change: the request as sent, and the journal
// sequence it got.
type sent struct {
	seq    uint64
	method string
	path   string
	user   string // whose token
	body   []byte
	pnrs   []pnr.PNR // the persons it is about
}

// tally is what the stream's clients were told, shared.
type tally struct {
	mu         sync.Mutex
	acks       []sent
	refused    map[string]int
	serverErrs int
}

func (t *tally) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.acks)
}

// streamClient changes its own residents, one request at a time.
type streamClient struct {
	f     *fixture
	tl    *tally
	hc    *http.Client
	base  string
	rng   *rand.Rand
	mine  []*resident
	names []string
}

func (c *streamClient) run(ctx context.Context, stop *atomic.Bool) {
	for ctx.Err() == nil && !stop.Load() {
		c.step(ctx)
	}
}

// step sends one change of a random kind; a change its resident cannot
// take (dead, unmarried for a divorce, ...) is not sent.
func (c *streamClient) step(ctx context.Context) {
	r := c.mine[c.rng.IntN(len(c.mine))]
	if r.dead {
		return
	}
	today := c.f.today
	path := "/v1/persons/" + r.pnr.String()
	clerk := clerkOf(r.kommune)
	var body any
	var after func()
	pnrs := []pnr.PNR{r.pnr}
	switch n := c.rng.IntN(100); {
	case n < 45: // a move, today or up to 20 days ahead
		eff := max(today, r.resFrom)
		if c.rng.IntN(3) == 0 {
			eff = eff.AddDays(1 + c.rng.IntN(20))
		}
		if eff > today.AddDays(28) {
			return
		}
		k := r.kommune
		if c.rng.IntN(4) == 0 {
			k = []uint16{101, 751, 461}[c.rng.IntN(3)]
		}
		to := roads.RandomAddress(c.rng, k)
		path += "/moves"
		clerk = clerkOf(k) // a move is registered by the receiving kommune
		body = map[string]any{"effective": eff.String(), "address": addressJSON(to)}
		after = func() { r.kommune, r.resFrom = k, eff }
	case n < 75: // a new name
		first, last := c.names[c.rng.IntN(len(c.names))], c.names[c.rng.IntN(len(c.names))]+"sen"
		path += "/names"
		body = map[string]any{"effective": today.String(), "name": map[string]string{"first": first, "last": last}}
	case n < 88: // a marriage to another unmarried adult of this client
		if !r.adult || r.married {
			return
		}
		s := c.mine[c.rng.IntN(len(c.mine))]
		if s == r || s.dead || s.married || !s.adult {
			return
		}
		path += "/marriages"
		body = map[string]any{"spouse": s.pnr.String(), "effective": today.String()}
		pnrs = append(pnrs, s.pnr)
		after = func() { r.married, s.married = true, true }
	case n < 96: // a divorce
		if !r.married {
			return
		}
		path += "/divorces"
		body = map[string]any{"effective": today.String()}
		after = func() { r.married = false }
	default: // a death
		if r.resFrom > today {
			return
		}
		path += "/death"
		body = map[string]any{"effective": today.String()}
		after = func() { r.dead = true }
	}
	b, _ := json.Marshal(body)
	status, res, err := send(ctx, c.hc, http.MethodPost, c.base+path, c.f.tokens[clerk], b)
	if err != nil {
		if ctx.Err() == nil {
			c.tl.mu.Lock()
			c.tl.serverErrs++
			c.tl.mu.Unlock()
		}
		return
	}
	c.tl.mu.Lock()
	defer c.tl.mu.Unlock()
	switch {
	case status == http.StatusCreated:
		var ans struct {
			Seq uint64 `json:"seq"`
		}
		json.Unmarshal(res, &ans)
		c.tl.acks = append(c.tl.acks, sent{seq: ans.Seq, method: http.MethodPost, path: path, user: clerk, body: b, pnrs: pnrs})
		if after != nil {
			after()
		}
	case status >= 500:
		c.tl.serverErrs++
	default:
		c.tl.refused[strconv.Itoa(status)]++
	}
}

// residents reads the persons the stream may change from a prepared
// register (closed again on return): everyone living in Denmark.
func residents(dir string, today date.Date) ([]*resident, error) {
	reg, err := register.Open(dir, register.Options{CacheBytes: 8 << 20, ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer reg.Close()
	var out []*resident
	err = reg.Persons(func(p *register.Person) bool {
		if p.Status == register.StatusActive && p.Kommune() != 0 {
			out = append(out, &resident{pnr: p.PNR, kommune: p.Kommune(), resFrom: p.Residence.From,
				adult:   p.BirthDate.YearsOn(today) >= 18,
				married: p.Civil.Code != register.CivilUnmarried})
		}
		return true
	})
	return out, err
}
