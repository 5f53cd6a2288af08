package register

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
)

// Crash tests: nothing acknowledged is lost, nothing half-written is
// visible. Two ways to crash: Pebble's crashable in-memory file system
// (a clone keeps what was synced and a random part of what was not), and
// a real SIGKILL of a child process writing to a directory.

// TestCrashMemFS applies random changes from 8 goroutines on a crashable
// in-memory file system and, at a random acknowledgement, takes a crash
// clone. The register opened on the clone must hold every change
// acknowledged before the clone, once, under its sequence number and
// event id; its journal must be gap-free; every event in it must be
// complete; and the whole register must equal the model replaying the
// clone's journal.
func TestCrashMemFS(t *testing.T) {
	rounds := 5
	if testing.Short() {
		rounds = 2
	}
	for round := range rounds {
		t.Run(fmt.Sprint("round", round), func(t *testing.T) {
			seed := *modelSeed + uint64(round)
			rng := rand.New(rand.NewPCG(seed, 7))
			fs := vfs.NewCrashableMem()
			clock := newTestClock()
			roads := address.Demo()
			r, err := Open("reg", Options{FS: fs, Roads: roads, Clock: clock.Now, CacheBytes: 8 << 20})
			if err != nil {
				t.Fatal(err)
			}
			crashAt := 1 + rng.IntN(500)
			var (
				clone      *vfs.MemFS
				mustHave   []uint64
				cloneRNG   = rand.New(rand.NewPCG(seed, 8))
				takeClone  = func() *vfs.MemFS { return fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: 50, RNG: cloneRNG}) }
				ms         = newMismatches(t, seed)
				start      = time.Now()
				stepsTotal = 1200
			)
			run := runConcurrent(t, r, clock, roads, seed, 8, stepsTotal, ms, func(acked map[uint64]accepted) {
				if clone == nil && len(acked) >= crashAt {
					// Under the run's lock: every change in acked was
					// acknowledged before the clone.
					clone = takeClone()
					mustHave = slices.Collect(maps.Keys(acked))
				}
			})
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			if clone == nil {
				clone, mustHave = takeClone(), slices.Collect(maps.Keys(run.acked))
			}
			r2, err := Open("reg", Options{FS: clone, Roads: roads, Clock: clock.Now, CacheBytes: 8 << 20})
			if err != nil {
				t.Fatalf("open the crash clone: %v", err)
			}
			defer r2.Close()
			m := verifyCrashed(t, r2, run.acked, mustHave, roads, ms)
			t.Logf("clone after %d of %d acknowledgements holds %d changes (%d persons); %v",
				len(mustHave), len(run.acked), r2.LastSeq(), len(m.persons), time.Since(start).Round(time.Millisecond))

			// The register goes on from where the clone ends.
			clock.Advance(time.Hour)
			res, err := r2.Apply(t.Context(), Immigration{Effective: clock.Today(), Address: roads.RandomAddress(rng, 101),
				BirthDate: 19900101, Sex: pnr.Female, Name: Name{First: "Efter", Last: "Nedbrud"}, Citizenship: 5100}, Meta{})
			if err != nil || res.Seq != m.seq+1 {
				t.Fatalf("first change after the crash: %+v, %v; want seq %d", res, err, m.seq+1)
			}
		})
	}
}

// verifyCrashed checks a register recovered from a crash against the
// changes the crashed one acknowledged: mustHave were acknowledged before
// the crash; acked holds every change the crashed register acknowledged
// at all (so every change in the recovered journal). It returns the model
// of the recovered register.
func verifyCrashed(t *testing.T, r *Register, acked map[uint64]accepted, mustHave []uint64, roads *address.Roads, ms *mismatches) *model {
	t.Helper()
	var events []*Event
	ids := map[[16]byte]uint64{}
	if err := r.Journal(1, func(ev *Event) error {
		if want := uint64(len(events)) + 1; ev.Seq != want {
			return fmt.Errorf("journal: seq %d where %d was due", ev.Seq, want)
		}
		if s, dup := ids[ev.ID]; dup {
			return fmt.Errorf("journal: event id of seq %d again at seq %d", s, ev.Seq)
		}
		ids[ev.ID] = ev.Seq
		events = append(events, ev)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	last := uint64(len(events))
	if r.LastSeq() != last {
		t.Errorf("LastSeq %d, journal ends at %d", r.LastSeq(), last)
	}
	slices.Sort(mustHave)
	for _, seq := range mustHave {
		a := acked[seq]
		if seq > last {
			t.Fatalf("acknowledged change %d (%s) lost: journal ends at %d", seq, showChange(a.c), last)
		}
		if ev := events[seq-1]; ev.ID != a.res.ID || ev.PNR != a.res.PNR || ev.Kind != a.c.Kind() {
			t.Errorf("seq %d: journal has %v %v %x, acknowledged %v %v %x", seq, ev.Kind, ev.PNR, ev.ID, a.c.Kind(), a.res.PNR, a.res.ID)
		}
	}
	// Replay the recovered journal into a model: every event must be an
	// acknowledged change, allowed in that order.
	m := newModel(roads)
	for _, ev := range events {
		a, ok := acked[ev.Seq]
		if !ok || a.res.ID != ev.ID {
			t.Fatalf("journal seq %d (%v %v) is no acknowledged change", ev.Seq, ev.Kind, ev.PNR)
		}
		pl, vs := m.plan(a.c, date.InCopenhagen(ev.Registered))
		if !vs.empty() || pl == nil {
			t.Fatalf("seq %d: %s: model refuses: %v", ev.Seq, showChange(a.c), vs)
		}
		m.apply(pl, ev.Seq, a.res, a.c)
	}
	// Every event is complete: its person and every related person have
	// the entries it wrote, and its person snapshot is the model's.
	hist := map[pnr.PNR][]Entry{}
	entries := func(p pnr.PNR) []Entry {
		if h, ok := hist[p]; ok {
			return h
		}
		h, err := r.History(p)
		if err != nil {
			t.Fatalf("history of %v: %v", p, err)
		}
		hist[p] = h
		return h
	}
	for _, ev := range events {
		for _, p := range append([]pnr.PNR{ev.PNR}, ev.Related...) {
			if !slices.ContainsFunc(entries(p), func(h Entry) bool { return h.Seq == ev.Seq }) {
				t.Errorf("seq %d (%v): %v has no entry of it", ev.Seq, ev.Kind, p)
			}
		}
		ms.persons("crash-journal-person", ev.Person, m.persons[ev.PNR].stored(ev.Seq), false, fmt.Sprintf("journal seq %d", ev.Seq))
	}
	// Every person record is the model's; no other record exists.
	n := 0
	if err := r.Persons(func(got *Person) bool {
		n++
		if mp := m.persons[got.PNR]; mp == nil {
			t.Errorf("record %v not made by any change in the journal", got.PNR)
		} else {
			ms.persons("crash-stored", got, mp.stored(m.seq), false, "stored record "+got.PNR.String())
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if n != len(m.persons) {
		t.Errorf("%d person records, the journal made %d", n, len(m.persons))
	}
	return m
}

// concurrentRun (shared with TestModelConcurrent) is random changes submitted from several goroutines. The
// model follows the acknowledged ones in sequence order, so the
// generators draw from a consistent (slightly stale) view.
type concurrentRun struct {
	mu      sync.Mutex
	m       *model
	pending map[uint64]accepted
	acked   map[uint64]accepted // every acknowledged change, by sequence number
	refused map[string]int
}

// runConcurrent submits steps random changes from workers goroutines and
// returns when all are answered. hook, if set, is called (with the run
// locked) after each acknowledgement.
func runConcurrent(t *testing.T, r *Register, clock *testClock, roads *address.Roads, seed uint64, workers, steps int,
	ms *mismatches, hook func(acked map[uint64]accepted)) *concurrentRun {
	t.Helper()
	run := &concurrentRun{m: newModel(roads), pending: map[uint64]accepted{}, acked: map[uint64]accepted{}, refused: map[string]int{}}
	m := run.m
	// drain replays acknowledged changes into the model in sequence order.
	drain := func() {
		for {
			a, ok := run.pending[m.seq+1]
			if !ok {
				return
			}
			delete(run.pending, a.res.Seq)
			ev, err := journalEvent(r, a.res.Seq)
			if err != nil {
				t.Error(err)
				return
			}
			today := date.InCopenhagen(ev.Registered)
			where := fmt.Sprintf("seq %d, registered %v: %s", a.res.Seq, today, showChange(a.c))
			pl, vs := m.plan(a.c, today)
			if !vs.empty() {
				ms.report("replay-model-refuses/"+a.c.Kind().String(), "%s: model expects %v", where, vs)
			}
			if pl == nil {
				t.Errorf("%s: accepted, and the model cannot follow (%v)", where, vs)
				return
			}
			if pl.created != nil && pl.created.pnr != a.res.PNR {
				ms.report("allocated-pnr", "%s: register allocated %v, model %v", where, a.res.PNR, pl.created.pnr)
			}
			m.apply(pl, a.res.Seq, a.res, a.c)
		}
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(100+w)))
			run.mu.Lock()
			g := newGenerator(rng, m, roads)
			run.mu.Unlock()
			for range steps / workers {
				if rng.IntN(4) == 0 {
					advance(rng, clock)
				}
				run.mu.Lock()
				c := g.change(clock.Today())
				run.mu.Unlock()
				res, err := r.Apply(context.Background(), c, Meta{Actor: fmt.Sprint("worker-", w)})
				run.mu.Lock()
				if err != nil {
					run.refused[errText(err)]++
					if !isRuleError(err) {
						t.Errorf("%s: %v", showChange(c), err)
					}
				} else {
					run.pending[res.Seq] = accepted{c, res}
					run.acked[res.Seq] = accepted{c, res}
					drain()
					if hook != nil {
						hook(run.acked)
					}
				}
				run.mu.Unlock()
			}
		})
	}
	wg.Wait()
	drain()
	if len(run.pending) != 0 || m.seq != r.LastSeq() {
		t.Fatalf("acknowledged changes do not cover the journal: model at seq %d, %d pending, register at %d", m.seq, len(run.pending), r.LastSeq())
	}
	return run
}

type accepted struct {
	c   Change
	res Result
}

func isRuleError(err error) bool {
	for _, e := range []error{ErrNotFound, ErrInvalid, ErrNotActive, ErrDead, ErrEmigrated, ErrNotFree, ErrNotMarried,
		ErrSamePerson, ErrUnderage, ErrFuture, ErrTooEarly, ErrNotEmigrated, ErrSameAddress, ErrNoSuchEntry,
		ErrNotProtected, ErrPNRExhausted} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// journalEvent reads the event with sequence number seq.
func journalEvent(r *Register, seq uint64) (*Event, error) {
	var got *Event
	stop := errors.New("stop")
	if err := r.Journal(seq, func(ev *Event) error { got = ev; return stop }); err != nil && err != stop {
		return nil, err
	}
	if got == nil || got.Seq != seq {
		return nil, fmt.Errorf("journal has no event %d (got %+v)", seq, got)
	}
	return got, nil
}

// The kill -9 test. The test binary runs itself as a child
// (TestCrashChild with crashChildEnv set) that writes to a directory
// until the parent kills it with SIGKILL.

const (
	crashChildEnv = "CPR_REGISTER_CRASH_CHILD" // "apply" or "load"
	crashDirEnv   = "CPR_REGISTER_CRASH_DIR"
	crashLoadN    = 10000 // persons in one bulk load
)

// TestCrashChild is the child process of TestCrashKill; run on its own it
// skips.
func TestCrashChild(t *testing.T) {
	mode, dir := os.Getenv(crashChildEnv), os.Getenv(crashDirEnv)
	if mode == "" {
		t.Skip("the child process of TestCrashKill")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // never outlive a lost parent by long
	defer cancel()
	r, err := Open(dir, Options{CacheBytes: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out sync.Mutex
	say := func(format string, args ...any) {
		out.Lock()
		defer out.Unlock()
		fmt.Fprintf(os.Stdout, format+"\n", args...)
	}
	switch mode {
	case "apply":
		crashChildApply(ctx, t, r, say)
	case "load":
		say("start")
		if _, err := r.Load(ctx, slices.Values(crashPopulation(crashLoadN))); err != nil {
			t.Fatal(err)
		}
		say("loaded")
	}
}

// crashChildApply applies changes from 16 goroutines, each to its own
// couple, and prints every acknowledged Result as
// "ack <seq> <event id hex> <pnr> <kind> end".
func crashChildApply(ctx context.Context, t *testing.T, r *Register, say func(string, ...any)) {
	roads := address.Demo()
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(w)))
			today := func() date.Date { return date.InCopenhagen(time.Now()) }
			apply := func(c Change) (Result, bool) {
				res, err := r.Apply(ctx, c, Meta{Actor: "child"})
				if err != nil {
					if ctx.Err() == nil {
						t.Errorf("%s: %v", showChange(c), err)
					}
					return res, false
				}
				say("ack %d %x %s %d end", res.Seq, res.ID, res.PNR, c.Kind())
				return res, true
			}
			k := modelKommuner[w%len(modelKommuner)]
			var couple [2]pnr.PNR
			var homes [2][2]address.Address
			for i, sex := range []pnr.Sex{pnr.Female, pnr.Male} {
				homes[i] = [2]address.Address{roads.RandomAddress(rng, k), roads.RandomAddress(rng, k)}
				for homes[i][1] == homes[i][0] {
					homes[i][1] = roads.RandomAddress(rng, k)
				}
				res, ok := apply(Immigration{Effective: today(), Address: homes[i][0], BirthDate: date.Date(19700101 + 10000*w + i),
					Sex: sex, Name: Name{First: "Barn", Last: "Nedbrud"}, Citizenship: 5100})
				if !ok {
					return
				}
				couple[i] = res.PNR
			}
			married, at := false, [2]int{}
			for n := 0; ctx.Err() == nil; n++ {
				var c Change
				switch i := rng.IntN(2); rng.IntN(3) {
				case 0:
					at[i] = 1 - at[i]
					c = Move{PNR: couple[i], Effective: today(), Address: homes[i][at[i]]}
				case 1:
					c = NameChange{PNR: couple[i], Effective: today(), Name: Name{First: "Navn" + letters(n), Last: "Nedbrud"}}
				default:
					if married {
						c = Divorce{PNR: couple[i], Effective: today()}
					} else {
						c = Marriage{PNR: couple[0], Spouse: couple[1], Effective: today(), Partnership: n%2 == 0}
					}
					married = !married
				}
				if _, ok := apply(c); !ok {
					return
				}
			}
		})
	}
	wg.Wait()
}

// crashPopulation is n persons for a bulk load, the same for the same n.
func crashPopulation(n int) []*Person {
	rng := rand.New(rand.NewPCG(uint64(n), 3))
	roads := address.Demo()
	taken := map[pnr.PNR]bool{}
	out := make([]*Person, 0, n)
	for i := range n {
		birth := date.Date(19400101).AddDays(rng.IntN(80 * 365))
		sex := pnr.Sex(1 + i%2)
		p, err := pnr.Allocate(birth.Time(), sex, func(p pnr.PNR) bool { return taken[p] })
		if err != nil {
			panic(err)
		}
		taken[p] = true
		a := roads.RandomAddress(rng, pickOne(rng, modelKommuner))
		out = append(out, &Person{PNR: p, Status: StatusActive, StatusFrom: birth, Sex: sex, BirthDate: birth,
			Name:      Name{First: pickOne(rng, modelFirst), Last: pickOne(rng, modelLast), From: birth},
			Residence: Residence{Address: a, From: birth}, Civil: CivilState{Code: CivilUnmarried, From: birth},
			Citizenship: 5100, CitizenFrom: birth})
	}
	return out
}

// crashChild starts the child in mode on dir and returns it with its
// stdout lines (closed when the child exits).
func crashChild(t *testing.T, mode, dir string) (*exec.Cmd, <-chan string, *strings.Builder) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestCrashChild$", "-test.count=1", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+mode, crashDirEnv+"="+dir)
	stderr := &strings.Builder{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1024)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return cmd, lines, stderr
}

// waitKilled waits for a child the test killed (or that ended).
func waitKilled(t *testing.T, cmd *exec.Cmd, lines <-chan string, stderr *strings.Builder, read func(string)) {
	t.Helper()
	for l := range lines {
		read(l)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && !ee.Exited()) { // killed by a signal is what we want
		t.Fatalf("child: %v\n%s", err, stderr.String())
	}
}

type ackLine struct {
	seq  uint64
	id   [16]byte
	pnr  pnr.PNR
	kind Kind
}

func parseAck(l string) (ackLine, bool) {
	f := strings.Fields(l)
	if len(f) != 6 || f[0] != "ack" || f[5] != "end" {
		return ackLine{}, false
	}
	var a ackLine
	var err error
	a.seq, err = strconv.ParseUint(f[1], 10, 64)
	id, err2 := hex.DecodeString(f[2])
	p, err3 := pnr.Parse(f[3])
	k, err4 := strconv.Atoi(f[4])
	if err != nil || err2 != nil || err3 != nil || err4 != nil || len(id) != 16 {
		return ackLine{}, false
	}
	copy(a.id[:], id)
	a.pnr, a.kind = p, Kind(k)
	return a, true
}

// TestCrashKill kills a child process with SIGKILL while it applies
// changes from 16 goroutines (mode A) and while it bulk-loads a
// population (mode B), and checks what the directory holds after.
func TestCrashKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes")
	}
	rng := rand.New(rand.NewPCG(*modelSeed, 11))

	t.Run("apply", func(t *testing.T) {
		dir := t.TempDir() // one directory through every crash: recovery on recovery
		acks := map[uint64]ackLine{}
		for round := range 4 {
			killAt := 20 + rng.IntN(400)
			cmd, lines, stderr := crashChild(t, "apply", dir)
			guard := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
			n := 0
			waitKilled(t, cmd, lines, stderr, func(l string) {
				a, ok := parseAck(l)
				if !ok {
					return
				}
				if old, dup := acks[a.seq]; dup && old != a {
					t.Errorf("round %d: seq %d acknowledged twice: %+v and %+v (an earlier acknowledged change was lost)", round, a.seq, old, a)
				}
				acks[a.seq] = a
				if n++; n == killAt {
					cmd.Process.Kill() // SIGKILL
				}
			})
			if !guard.Stop() {
				t.Fatalf("round %d: the child did not reach %d acknowledgements in time\n%s", round, killAt, stderr.String())
			}
			if n < killAt {
				t.Fatalf("round %d: the child ended after %d acknowledgements\n%s", round, n, stderr.String())
			}
			last := verifyKilledJournal(t, dir, acks)
			t.Logf("round %d: killed after %d acknowledgements; journal ends at %d", round, n, last)
		}
	})

	t.Run("load", func(t *testing.T) {
		var took time.Duration
		var leftovers []string
		for round := range 4 {
			dir := t.TempDir()
			cmd, lines, stderr := crashChild(t, "load", dir)
			guard := time.AfterFunc(60*time.Second, func() { cmd.Process.Kill() })
			var started time.Time
			var killAfter time.Duration
			loaded := false
			// Round 0 runs to the end and measures the load; the other
			// rounds kill at a random moment within that time.
			kill := make(chan time.Duration, 1)
			done := make(chan struct{})
			go func() {
				select {
				case d := <-kill:
					timer := time.NewTimer(d)
					defer timer.Stop()
					select {
					case <-timer.C:
						cmd.Process.Kill()
					case <-done:
					}
				case <-done:
				}
			}()
			waitKilled(t, cmd, lines, stderr, func(l string) {
				switch l {
				case "start":
					started = time.Now()
					if round > 0 {
						killAfter = time.Duration(rng.Int64N(int64(took) + 1))
						kill <- killAfter
					}
				case "loaded":
					loaded = true
					if round == 0 {
						took = time.Since(started)
					}
				}
			})
			close(done)
			guard.Stop()
			if round == 0 && !loaded {
				t.Fatalf("the child did not finish the load\n%s", stderr.String())
			}
			n, left := verifyKilledLoad(t, dir, loaded)
			leftovers = append(leftovers, left...)
			what := fmt.Sprintf("killed %v after the start of a load that takes %v", killAfter.Round(time.Millisecond), took.Round(time.Millisecond))
			if round == 0 {
				what = fmt.Sprintf("not killed, the load took %v", took.Round(time.Millisecond))
			}
			t.Logf("round %d: %s: %d persons after reopening (load acknowledged: %v), %d files left", round, what, n, loaded, len(left))
		}
		// A crash in the middle of Load leaves its sstables and spill
		// files in the register directory; Open must remove them (a
		// population of millions leaves gigabytes).
		t.Run("no files left after a killed load", func(t *testing.T) {
			if len(leftovers) > 0 {
				t.Errorf("%d files left in register directories, e.g. %v", len(leftovers), leftovers[:min(len(leftovers), 3)])
			}
		})
	})
}

// verifyKilledJournal reopens dir and checks every acknowledged change is
// there, once, and complete. It returns the last sequence number.
func verifyKilledJournal(t *testing.T, dir string, acks map[uint64]ackLine) uint64 {
	t.Helper()
	r, err := Open(dir, Options{CacheBytes: 8 << 20})
	if err != nil {
		t.Fatalf("reopen after the kill: %v", err)
	}
	defer r.Close()
	var events []*Event
	ids := map[[16]byte]bool{}
	if err := r.Journal(1, func(ev *Event) error {
		if ev.Seq != uint64(len(events))+1 || ids[ev.ID] {
			return fmt.Errorf("journal: seq %d after %d events (id seen before: %v)", ev.Seq, len(events), ids[ev.ID])
		}
		ids[ev.ID] = true
		events = append(events, ev)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, a := range acks {
		if a.seq > uint64(len(events)) {
			t.Errorf("acknowledged change %d (%v) lost: journal ends at %d", a.seq, a.kind, len(events))
			continue
		}
		if ev := events[a.seq-1]; ev.ID != a.id || ev.PNR != a.pnr || ev.Kind != a.kind {
			t.Errorf("seq %d: journal has %v %v %x, acknowledged %v %v %x", a.seq, ev.Kind, ev.PNR, ev.ID, a.kind, a.pnr, a.id)
		}
	}
	// Complete: every person an event names has its entries, and each
	// record's Seq is the last event naming the person.
	lastSeq := map[pnr.PNR]uint64{}
	for _, ev := range events {
		for _, p := range append([]pnr.PNR{ev.PNR}, ev.Related...) {
			lastSeq[p] = ev.Seq
		}
	}
	for p, seq := range lastSeq {
		h, err := r.History(p)
		if err != nil {
			t.Fatalf("history of %v: %v", p, err)
		}
		for _, ev := range events {
			if (ev.PNR == p || slices.Contains(ev.Related, p)) && !slices.ContainsFunc(h, func(h Entry) bool { return h.Seq == ev.Seq }) {
				t.Errorf("seq %d (%v): %v has no entry of it", ev.Seq, ev.Kind, p)
			}
		}
		got, err := r.Get(p)
		if err != nil {
			t.Fatalf("get %v: %v", p, err)
		}
		if got.Seq != seq {
			t.Errorf("%v: record Seq %d, last event naming it %d", p, got.Seq, seq)
		}
		if c := got.Civil; c.Code == CivilMarried || c.Code == CivilPartnership {
			if s, err := r.Get(c.Spouse); err != nil || s.Civil.Spouse != p || s.Civil.Code != c.Code {
				t.Errorf("%v is %c to %v, who is %+v (%v)", p, c.Code, c.Spouse, s.Civil, err)
			}
		}
	}
	return uint64(len(events))
}

// verifyKilledLoad reopens dir after a killed bulk load: the load is all
// or nothing, and a register left empty takes the load again. It returns
// the persons found and the load files left in dir.
func verifyKilledLoad(t *testing.T, dir string, loaded bool) (found int, left []string) {
	t.Helper()
	r, err := Open(dir, Options{CacheBytes: 8 << 20})
	if err != nil {
		t.Fatalf("reopen after the kill: %v", err)
	}
	defer r.Close()
	// Open removes what a killed load left behind.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "load-") {
			left = append(left, e.Name())
		}
	}
	count := func() (persons, births int) {
		if err := r.Persons(func(*Person) bool { persons++; return true }); err != nil {
			t.Fatal(err)
		}
		if err := r.ByBirthDate(18000101, 99991231, func(pnr.PNR) bool { births++; return true }); err != nil {
			t.Fatal(err)
		}
		return persons, births
	}
	persons, births := count()
	found = persons
	if persons != births || (persons != 0 && persons != crashLoadN) || (loaded && persons == 0) {
		t.Fatalf("after the kill: %d person records, %d birth date keys; want none or %d (load acknowledged: %v)", persons, births, crashLoadN, loaded)
	}
	want := crashPopulation(crashLoadN)
	if persons == 0 {
		// Nothing of the load is visible, and the load can be run again.
		if _, err := r.Load(t.Context(), slices.Values(want)); err != nil {
			t.Fatalf("load after a killed load: %v", err)
		}
		if persons, births = count(); persons != crashLoadN || births != crashLoadN {
			t.Fatalf("second load: %d persons, %d birth keys", persons, births)
		}
	}
	for _, p := range want[:50] {
		got, err := r.Get(p.PNR)
		if err != nil || got.Name.Last != p.Name.Last || got.Residence.Address != p.Residence.Address {
			t.Fatalf("loaded %v: %+v, %v", p.PNR, got, err)
		}
		if h, err := r.History(p.PNR); err != nil || len(h) != 5 {
			t.Fatalf("history of loaded %v: %d entries, %v", p.PNR, len(h), err)
		}
	}
	return found, left
}

// Shutdown. Close "finishes the changes already submitted"; Apply returns
// ErrClosed after Close, and "on error nothing was written".

// TestCloseWhileApplying closes the register while 8 goroutines apply
// changes. Every Apply must return (an answer or ErrClosed), and every
// acknowledged change must be there after reopening.
func TestCloseWhileApplying(t *testing.T) {
	f := openFixture(t)
	var persons []pnr.PNR
	for i := range 8 {
		persons = append(persons, f.immigrant(19800101, pnr.Female, "Luk", 101, i))
	}
	var (
		mu    sync.Mutex
		acked []Result
		wg    sync.WaitGroup
		first = make(chan struct{})
		once  sync.Once
	)
	for w, p := range persons {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			for i := 0; ; i++ {
				res, err := f.r.Apply(ctx, NameChange{PNR: p, Effective: f.today(), Name: Name{First: "N" + letters(w) + "-" + letters(i), Last: "Luk"}}, Meta{})
				if err != nil {
					if !errors.Is(err, ErrClosed) {
						t.Errorf("worker %d: Apply during Close: %v, want ErrClosed", w, err)
					}
					return
				}
				mu.Lock()
				acked = append(acked, res)
				mu.Unlock()
				if i == 20 {
					once.Do(func() { close(first) })
				}
			}
		})
	}
	<-first
	if err := f.r.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	f.reopen()
	for _, res := range acked {
		if ev, err := journalEvent(f.r, res.Seq); err != nil || ev.ID != res.ID {
			t.Errorf("acknowledged change %d: %v", res.Seq, err)
		}
	}
	if got := f.r.LastSeq(); got < uint64(len(acked))+8 {
		t.Errorf("journal ends at %d with %d acknowledged changes", got, len(acked))
	}
}

// TestApplyAfterClose: after Close, Apply returns ErrClosed at once. Apply
// picks at random between the request channel (buffered, so always ready)
// and the closed stop channel; when it picks the channel, nobody reads the
// request any more and Apply waits for its context.
func TestApplyAfterClose(t *testing.T) {
	f := openFixture(t)
	p := f.immigrant(19800101, pnr.Female, "Luk", 101, 1)
	if err := f.r.Close(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var hung sync.Map
	for i := range 16 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_, err := f.r.Apply(ctx, NameChange{PNR: p, Effective: f.today(), Name: Name{First: "Efter", Last: "Luk"}}, Meta{})
			if !errors.Is(err, ErrClosed) {
				hung.Store(i, err)
			}
		})
	}
	wg.Wait()
	n := 0
	hung.Range(func(k, v any) bool { n++; return true })
	if n > 0 {
		var one any
		hung.Range(func(k, v any) bool { one = v; return false })
		t.Errorf("%d of 16 Apply calls after Close did not return ErrClosed but waited for their context (%v)", n, one)
	}
}

// gateClock is a test clock whose Now can be made to block, which stops
// the commit loop in the middle of a group.
type gateClock struct {
	*testClock
	mu      sync.Mutex
	gate    chan struct{}
	entered chan struct{}
}

func (c *gateClock) Now() time.Time {
	c.mu.Lock()
	gate, entered := c.gate, c.entered
	c.mu.Unlock()
	if gate != nil {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-gate
	}
	return c.testClock.Now()
}

// TestApplyContextErrorWritesNothing: "on error nothing was written".
// Apply gives up on a cancelled context even when its request is already
// queued, and the commit loop registers the request anyway: a caller told
// context.Canceled (and retrying without an idempotency key) registers
// the change twice.
func TestApplyContextErrorWritesNothing(t *testing.T) {
	clock := &gateClock{testClock: newTestClock()}
	r, err := Open(t.TempDir(), Options{Roads: address.Demo(), Clock: clock.Now, CacheBytes: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err := r.Apply(t.Context(), Immigration{Effective: clock.Today(), Address: address.Demo().RandomAddress(rand.New(rand.NewPCG(1, 1)), 101),
		BirthDate: 19800101, Sex: pnr.Female, Name: Name{First: "Test", Last: "Kontekst"}, Citizenship: 5100}, Meta{})
	if err != nil {
		t.Fatal(err)
	}
	p := res.PNR
	// Stop the commit loop inside a group.
	clock.mu.Lock()
	clock.gate, clock.entered = make(chan struct{}), make(chan struct{}, 1)
	clock.mu.Unlock()
	blocked := make(chan error, 1)
	go func() {
		_, err := r.Apply(context.Background(), NameChange{PNR: p, Effective: clock.Today(), Name: Name{First: "Blokeret", Last: "Kontekst"}}, Meta{})
		blocked <- err
	}()
	select {
	case <-clock.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the commit loop did not start the change")
	}
	// Requests with a cancelled context: each is queued or not at random.
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for i := range 20 {
		_, err := r.Apply(cancelled, NameChange{PNR: p, Effective: clock.Today(), Name: Name{First: fmt.Sprint("Annulleret", i), Last: "Kontekst"}}, Meta{})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Apply with a cancelled context: %v", err)
		}
	}
	clock.mu.Lock()
	close(clock.gate)
	clock.gate = nil
	clock.mu.Unlock()
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
	// A last change: when it is answered, everything queued before it is.
	if _, err := r.Apply(t.Context(), NameChange{PNR: p, Effective: clock.Today(), Name: Name{First: "Sidst", Last: "Kontekst"}}, Meta{}); err != nil {
		t.Fatal(err)
	}
	var written []string
	if err := r.Journal(1, func(ev *Event) error {
		if strings.HasPrefix(ev.Person.Name.First, "Annulleret") {
			written = append(written, fmt.Sprintf("seq %d %q", ev.Seq, ev.Person.Name.First))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(written) > 0 {
		t.Errorf("%d of 20 changes answered with context.Canceled were registered: %v", len(written), written)
	}
}

// letters spells n in the letters a-z (names hold no digits).
func letters(n int) string {
	b := []byte{byte('a' + n%26)}
	for n /= 26; n > 0; n /= 26 {
		b = append(b, byte('a'+n%26))
	}
	return string(b)
}
