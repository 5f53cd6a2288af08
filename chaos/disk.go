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
	"cpr/register"
)

// DiskConfig configures Disk. Zero fields take the defaults.
type DiskConfig struct {
	Dir     string // an empty directory (required)
	Persons int    // default 2,000
	Clients int    // default 16
	Faults  int    // fault rounds, alternately failing writes and syncs (default 4)
	Seed    uint64
}

// DiskReport is the outcome of Disk.
type DiskReport struct {
	Faults       int `json:"faults"`
	Injected     int `json:"injected"` // file operations failed
	Unavailable  int `json:"unavailable"`
	ServerErrors int `json:"server_errors"`
	Acknowledged int `json:"acknowledged"`
	Found        int `json:"found"`
	Lost         int `json:"lost"`
	Duplicates   int `json:"duplicates"`
	HalfVisible  int `json:"half_visible"`
	// Recovered counts fault rounds after which changes were accepted
	// again (after the restart that a broken register needs).
	Recovered int `json:"recovered"`
}

// Disk runs clients posting moves against the API on a register whose
// file system fails writes, then syncs, for a while; every answer in a
// fault must be 503 (never 500), the server is restarted (the register
// refuses all writes after a failed commit until reopened), and at the
// end every acknowledged change must be there once, and the register
// must agree with its journal.
func Disk(ctx context.Context, cfg DiskConfig) (DiskReport, error) {
	if cfg.Persons == 0 {
		cfg.Persons = 2000
	}
	if cfg.Clients == 0 {
		cfg.Clients = 16
	}
	if cfg.Faults == 0 {
		cfg.Faults = 4
	}
	var rep DiskReport
	f, err := prepare(ctx, cfg.Dir, cfg.Persons)
	if err != nil {
		return rep, err
	}
	st := &stack{dir: cfg.Dir, fs: register.NewFaultFS(nil)}
	if err := st.start(); err != nil {
		return rep, err
	}
	led := &ledger{unanswered: map[string]pnr.PNR{}, refused: map[string]int{}}
	lf := &life{up: make(chan struct{})}
	lf.setUp(st.base)
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
	acked := func() int {
		led.mu.Lock()
		defer led.mu.Unlock()
		return len(led.acks)
	}
	waitFor := func(cond func() bool) bool {
		deadline := time.Now().Add(30 * time.Second)
		for !cond() && time.Now().Before(deadline) && ctx.Err() == nil {
			time.Sleep(10 * time.Millisecond)
		}
		return cond()
	}
	for k := range cfg.Faults {
		before := acked()
		waitFor(func() bool { return acked() > before+100 })
		if k%2 == 0 {
			st.fs.FailWrites(true)
		} else {
			st.fs.FailSyncs(true)
		}
		rep.Faults++
		waitFor(st.reg.Broken)
		time.Sleep(100 * time.Millisecond) // answers keep coming: all must be 503
		st.fs.FailWrites(false)
		st.fs.FailSyncs(false)
		// A broken register recovers by a restart.
		lf.setDown()
		st.stop()
		hc.CloseIdleConnections()
		if err := st.start(); err != nil {
			return rep, err
		}
		lf.setUp(st.base)
		after := acked()
		if waitFor(func() bool { return acked() > after+10 }) {
			rep.Recovered++
		}
	}
	stop.Store(true)
	wg.Wait()
	rep.Injected = int(st.fs.Injected())
	if err := st.stop(); err != nil {
		return rep, err
	}
	acks, un := led.snapshot()
	chk, err := checkRegister(cfg.Dir, acks, un)
	if err != nil {
		return rep, err
	}
	rep.Acknowledged, rep.Found, rep.Lost, rep.Duplicates, rep.HalfVisible = len(acks), chk.found, chk.lost, chk.duplicates, chk.halfVisible
	led.mu.Lock()
	rep.Unavailable, rep.ServerErrors = led.unavailable, led.serverErrs
	led.mu.Unlock()
	return rep, nil
}
