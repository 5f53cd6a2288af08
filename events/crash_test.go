package events_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"cpr/events"
	"cpr/register"
)

// childEnv carries a childConfig to TestRelayChild when TestRelayCrash
// runs the test binary as a child process.
const childEnv = "CPR_EVENTS_RELAY_CHILD"

type childConfig struct {
	RegisterDir         string
	URL, User, Password string
	Seed                uint64
}

// TestRelayCrash kills the register with SIGKILL while it commits changes
// from 8 goroutines and its relay publishes them, several times at random
// points; NATS runs in this process and survives. After every kill the
// stream is a gap-free start of the journal; at the end a new relay makes
// it the whole journal, every event once, and every change the child saw
// acknowledged is in the journal.
func TestRelayCrash(t *testing.T) {
	rounds := 5
	if testing.Short() {
		rounds = 2
	}
	e := newEnv(t, 2000)
	if err := e.reg.Close(); err != nil {
		t.Fatal(err)
	}
	_, js := connect(t, e.srv.URL(), registerUser, registerPass)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	acked := map[uint64]bool{}
	for round := range rounds {
		killAfter := 10 + rng.IntN(400)
		got := runChild(t, childConfig{RegisterDir: e.regDir, URL: e.srv.URL(), User: registerUser, Password: registerPass,
			Seed: seed + uint64(round)}, killAfter)
		for _, s := range got {
			acked[s] = true
		}

		// The register is down: the stream must be a start of the
		// journal, without gap or duplicate.
		reg := openRegister(t, e.regDir)
		evs := journal(t, reg)
		msgs := readStream(t, js)
		t.Logf("round %d: killed after %d acks (%d printed); journal %d, stream %d", round, killAfter, len(got), len(evs), len(msgs))
		checkPrefix(t, msgs, evs)
		for _, s := range got {
			if s > reg.LastSeq() {
				t.Errorf("round %d: change seq %d was acknowledged but the journal ends at %d", round, s, reg.LastSeq())
			}
		}
		if err := reg.Close(); err != nil {
			t.Fatal(err)
		}
		if t.Failed() {
			t.FailNow()
		}
	}

	reg := openRegister(t, e.regDir)
	relay := startRelay(t, reg, e.srv.URL())
	waitCaughtUp(t, relay, reg, 30*time.Second)
	checkStream(t, js, reg)
	for s := range acked {
		if s > reg.LastSeq() {
			t.Errorf("change seq %d was acknowledged but the journal ends at %d", s, reg.LastSeq())
		}
	}
}

// runChild runs TestRelayChild in a child process, kills it with SIGKILL
// after killAfter acknowledged changes, and returns the sequence numbers
// it printed.
func runChild(t *testing.T, cfg childConfig, killAfter int) []uint64 {
	t.Helper()
	b, _ := json.Marshal(cfg)
	cmd := exec.Command(os.Args[0], "-test.run=^TestRelayChild$", "-test.count=1", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), childEnv+"="+string(b))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	kill := func() { once.Do(func() { cmd.Process.Signal(syscall.SIGKILL) }) }
	t.Cleanup(kill)
	var seqs []uint64
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		s, ok := strings.CutPrefix(line, "ack ")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Errorf("child printed %q", line)
			continue
		}
		seqs = append(seqs, n)
		if len(seqs) == killAfter {
			kill()
		}
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v after %d acks, not killed; stderr:\n%s", err, len(seqs), stderr.String())
	}
	if strings.Contains(stderr.String(), "DATA RACE") {
		t.Errorf("the child found a data race:\n%s", stderr.String())
	}
	return seqs
}

// TestRelayChild is the register process of TestRelayCrash: it opens the
// register, starts a relay, and commits moves from 8 goroutines, printing
// "ack <seq>" for each, until it is killed.
func TestRelayChild(t *testing.T) {
	env := os.Getenv(childEnv)
	if env == "" {
		t.Skip("the child process of TestRelayCrash")
	}
	var cfg childConfig
	if err := json.Unmarshal([]byte(env), &cfg); err != nil {
		t.Fatal(err)
	}
	reg, err := register.Open(cfg.RegisterDir, register.Options{CacheBytes: 32 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	ms, err := residents(reg)
	if err != nil {
		t.Fatal(err)
	}
	relay, err := events.StartRelay(events.RelayConfig{Register: reg, URL: cfg.URL, User: cfg.User, Password: cfg.Password})
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(cfg.Seed, uint64(w)))
			for ctx.Err() == nil {
				res, err := applyOne(reg, rng, ms)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				fmt.Fprintf(os.Stdout, "ack %d\n", res.Seq)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}
