package chaos

import (
	"context"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"cpr/address"
	"cpr/pnr"
)

// fleet is a set of clients posting moves against the server lf points
// at, recording what they are told in led.
type fleet struct {
	led    *ledger
	lf     *life
	hc     *http.Client
	stop   atomic.Bool
	wg     sync.WaitGroup
	cancel context.CancelFunc
}

// startFleet starts n clients; each moves its own share of f's movers.
func startFleet(ctx context.Context, f *fixture, base string, n int, seed uint64) *fleet {
	fl := &fleet{led: &ledger{unanswered: map[string]pnr.PNR{}, refused: map[string]int{}}, lf: &life{up: make(chan struct{})},
		hc: &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: n}}}
	fl.lf.setUp(base)
	cctx, cancel := context.WithCancel(ctx)
	fl.cancel = cancel
	for i := range n {
		c := &crashClient{id: i, f: f, led: fl.led, lf: fl.lf, hc: fl.hc, rng: rand.New(rand.NewPCG(seed, uint64(i))),
			at: map[int]address.Address{}}
		for j := i; j < len(f.movers); j += n {
			c.mine = append(c.mine, j)
		}
		fl.wg.Add(1)
		go func() {
			defer fl.wg.Done()
			c.run(cctx, &fl.stop)
		}()
	}
	return fl
}

// acked is the number of acknowledged moves so far.
func (fl *fleet) acked() int {
	fl.led.mu.Lock()
	defer fl.led.mu.Unlock()
	return len(fl.led.acks)
}

// finish lets every client get an answer to what it sent, and stops them.
func (fl *fleet) finish() {
	fl.stop.Store(true)
	fl.wg.Wait()
	fl.cancel()
	fl.hc.CloseIdleConnections()
}

// waitFor polls cond every 10 ms for up to d.
func waitFor(ctx context.Context, d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	return cond()
}
