package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/oklog/ulid/v2"

	"cpr/address"
	"cpr/date"
	"cpr/events"
	"cpr/pnr"
	"cpr/population"
	"cpr/register"
)

// The embedded server's users in every test.
const (
	registerUser = "cpr-register"
	registerPass = "register-secret"
	operatorUser = "operator"
	operatorPass = "operator-secret"
)

func testUsers() []events.User {
	return []events.User{
		events.RegisterUser(registerUser, registerPass),
		events.OperatorUser(operatorUser, operatorPass),
	}
}

// eventually polls cond until it returns nil, and fails the test with
// cond's last error when timeout passes first.
func eventually(tb testing.TB, timeout time.Duration, cond func() error) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("not within %v: %v", timeout, err)
		}
		<-tick.C
	}
}

// startServer starts the embedded NATS server on dir; addr "127.0.0.1:0"
// picks a free port.
func startServer(tb testing.TB, dir, addr string) *events.Server {
	tb.Helper()
	srv, err := events.StartServer(events.ServerConfig{Dir: dir, Addr: addr, Users: testUsers()})
	if err != nil {
		tb.Fatalf("start nats: %v", err)
	}
	tb.Cleanup(srv.Shutdown)
	return srv
}

// openRegister opens the register in dir and closes it when the test ends.
func openRegister(tb testing.TB, dir string) *register.Register {
	tb.Helper()
	reg, err := register.Open(dir, register.Options{CacheBytes: 32 << 20})
	if err != nil {
		tb.Fatalf("open register: %v", err)
	}
	tb.Cleanup(func() {
		if err := reg.Close(); err != nil {
			tb.Errorf("close register: %v", err)
		}
	})
	return reg
}

// startRelay starts a relay as the register user; it is closed when the
// test ends (before the register, which was opened earlier).
func startRelay(tb testing.TB, reg *register.Register, url string, edit ...func(*events.RelayConfig)) *events.Relay {
	tb.Helper()
	cfg := events.RelayConfig{Register: reg, URL: url, User: registerUser, Password: registerPass}
	for _, e := range edit {
		e(&cfg)
	}
	r, err := events.StartRelay(cfg)
	if err != nil {
		tb.Fatalf("start relay: %v", err)
	}
	tb.Cleanup(func() { r.Close() })
	return r
}

// waitCaughtUp waits until the stream has acknowledged the whole journal.
func waitCaughtUp(tb testing.TB, r *events.Relay, reg *register.Register, timeout time.Duration) {
	tb.Helper()
	eventually(tb, timeout, func() error {
		if st, j := r.Status(), reg.LastSeq(); !st.Connected || st.Lag != 0 || st.Published != j {
			return fmt.Errorf("relay not caught up with journal seq %d: status %+v", j, st)
		}
		return nil
	})
}

// mover is a person who lives in Denmark and may move.
type mover struct {
	PNR     pnr.PNR
	Kommune uint16
}

// env is a register with a population and an embedded NATS server.
type env struct {
	natsDir, regDir string
	srv             *events.Server
	reg             *register.Register
	movers          []mover
}

// newEnv starts NATS and opens a register loaded with persons generated
// up to today.
func newEnv(tb testing.TB, persons int) *env {
	tb.Helper()
	e := &env{natsDir: filepath.Join(tb.TempDir(), "nats"), regDir: filepath.Join(tb.TempDir(), "register")}
	e.srv = startServer(tb, e.natsDir, "127.0.0.1:0")
	e.reg = openRegister(tb, e.regDir)
	e.movers = loadPopulation(tb, e.reg, persons, 2026)
	return e
}

func today() date.Date { return date.InCopenhagen(time.Now()) }

// loadPopulation bulk-loads a generated population and returns its
// active residents.
func loadPopulation(tb testing.TB, reg *register.Register, n int, seed uint64) []mover {
	tb.Helper()
	var ms []mover
	pop := func(yield func(*register.Person) bool) {
		for p := range population.Generate(population.Config{Persons: n, Seed: seed, Today: today()}) {
			if p.Status == register.StatusActive {
				ms = append(ms, mover{p.PNR, p.Kommune()})
			}
			if !yield(p) {
				return
			}
		}
	}
	if _, err := reg.Load(context.Background(), pop); err != nil {
		tb.Fatalf("load: %v", err)
	}
	if len(ms) == 0 {
		tb.Fatal("the population has no active residents")
	}
	return ms
}

// residents lists the active residents of a register.
func residents(reg *register.Register) ([]mover, error) {
	var ms []mover
	err := reg.Persons(func(p *register.Person) bool {
		if p.Status == register.StatusActive {
			ms = append(ms, mover{p.PNR, p.Kommune()})
		}
		return true
	})
	return ms, err
}

// otherKommune is a kommune other than k with ordinary roads.
func otherKommune(rng *rand.Rand, roads *address.Roads, k uint16) uint16 {
	ks := address.Kommuner()
	for {
		c := ks[rng.IntN(len(ks))].Code
		if c != k && !roads.RandomAddress(rng, c).IsZero() {
			return c
		}
	}
}

// randomMove moves a random mover to a random address in its kommune, or
// with probability away to another kommune.
func randomMove(rng *rand.Rand, roads *address.Roads, ms []mover, away float64) register.Move {
	m := ms[rng.IntN(len(ms))]
	k := m.Kommune
	if rng.Float64() < away {
		k = otherKommune(rng, roads, k)
	}
	return register.Move{PNR: m.PNR, Effective: today(), Address: roads.RandomAddress(rng, k)}
}

// applyMoves commits n moves from workers goroutines and returns their
// results in no particular order. A move a rule refuses (same address,
// ...) is replaced by another.
func applyMoves(tb testing.TB, reg *register.Register, ms []mover, n, workers int, seed uint64) []register.Result {
	tb.Helper()
	res, err := commitMoves(reg, ms, n, workers, seed)
	if err != nil {
		tb.Fatalf("apply: %v", err)
	}
	return res
}

// commitMoves is applyMoves for any goroutine.
func commitMoves(reg *register.Register, ms []mover, n, workers int, seed uint64) ([]register.Result, error) {
	var (
		next    atomic.Int64
		mu      sync.Mutex
		results = make([]register.Result, 0, n)
		errs    []error
		wg      sync.WaitGroup
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			for next.Add(1) <= int64(n) {
				res, err := applyOne(reg, rng, ms)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					results = append(results, res)
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	return results, errors.Join(errs...)
}

// applyOne commits one random move, trying other ones while rules refuse.
func applyOne(reg *register.Register, rng *rand.Rand, ms []mover) (register.Result, error) {
	var err error
	for range 20 {
		var res register.Result
		res, err = reg.Apply(context.Background(), randomMove(rng, reg.Roads(), ms, 0.3), register.Meta{Actor: "test"})
		if err == nil {
			return res, nil
		}
		if errors.Is(err, register.ErrClosed) || errors.Is(err, register.ErrUnavailable) {
			return res, err
		}
	}
	return register.Result{}, fmt.Errorf("20 moves refused in a row, the last: %w", err)
}

// journal reads the whole journal.
func journal(tb testing.TB, reg *register.Register) []*register.Event {
	tb.Helper()
	var evs []*register.Event
	if err := reg.Journal(1, func(ev *register.Event) error {
		evs = append(evs, ev)
		return nil
	}); err != nil {
		tb.Fatalf("journal: %v", err)
	}
	return evs
}

// connect logs in to NATS.
func connect(tb testing.TB, url, user, password string, opts ...nats.Option) (*nats.Conn, jetstream.JetStream) {
	tb.Helper()
	if user == operatorUser {
		opts = append(opts, nats.CustomInboxPrefix(events.OperatorInboxPrefix))
	}
	nc, err := nats.Connect(url, append([]nats.Option{nats.UserInfo(user, password)}, opts...)...)
	if err != nil {
		tb.Fatalf("connect as %s: %v", user, err)
	}
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatal(err)
	}
	return nc, js
}

// streamMsg is one message of the CPR_EVENTS stream.
type streamMsg struct {
	Seq     uint64 // stream sequence
	Subject string
	Header  nats.Header
	Data    []byte
}

// streamState is the stream's message count and first and last sequence.
func streamState(tb testing.TB, js jetstream.JetStream) jetstream.StreamState {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, events.StreamName)
	if err != nil {
		tb.Fatalf("stream: %v", err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		tb.Fatalf("stream info: %v", err)
	}
	return info.State
}

// readStream reads every message of the stream with an ordered consumer.
func readStream(tb testing.TB, js jetstream.JetStream) []streamMsg {
	tb.Helper()
	n := int(streamState(tb, js).Msgs)
	if n == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, events.StreamName, jetstream.OrderedConsumerConfig{})
	if err != nil {
		tb.Fatalf("ordered consumer: %v", err)
	}
	out := make([]streamMsg, 0, n)
	for len(out) < n {
		batch, err := cons.Fetch(min(n-len(out), 1000), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			tb.Fatalf("fetch: %v", err)
		}
		got := 0
		for m := range batch.Messages() {
			md, err := m.Metadata()
			if err != nil {
				tb.Fatalf("metadata: %v", err)
			}
			out = append(out, streamMsg{Seq: md.Sequence.Stream, Subject: m.Subject(), Header: m.Headers(), Data: m.Data()})
			got++
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			tb.Fatalf("fetch: %v", err)
		}
		if got == 0 {
			tb.Fatalf("read %d of the stream's %d messages, then nothing", len(out), n)
		}
	}
	return out
}

// checkStream checks that the stream holds exactly the journal: stream
// sequence i is journal event i, once, with its id, headers and subject.
func checkStream(tb testing.TB, js jetstream.JetStream, reg *register.Register) []streamMsg {
	tb.Helper()
	evs := journal(tb, reg)
	msgs := readStream(tb, js)
	st := streamState(tb, js)
	if len(evs) > 0 && (st.FirstSeq != 1 || st.LastSeq != uint64(len(evs)) || st.Msgs != uint64(len(evs))) {
		tb.Errorf("stream holds seq %d..%d (%d messages), journal 1..%d", st.FirstSeq, st.LastSeq, st.Msgs, len(evs))
	}
	checkPrefix(tb, msgs, evs)
	if len(msgs) != len(evs) {
		tb.Errorf("stream has %d messages, journal %d events: %s", len(msgs), len(evs), describe(msgs, evs))
	}
	return msgs
}

// checkStreamContent is checkStream for a stream whose store lost its
// tail but still counts the lost sequences: stream sequence numbers may
// skip them; the messages must still be the journal, once each, in order.
func checkStreamContent(tb testing.TB, js jetstream.JetStream, reg *register.Register) {
	tb.Helper()
	evs := journal(tb, reg)
	msgs := readStream(tb, js)
	if len(msgs) != len(evs) {
		tb.Fatalf("stream has %d messages, journal %d events: %s", len(msgs), len(evs), describe(msgs, evs))
	}
	for i, m := range msgs {
		if h := m.Header.Get(events.HeaderSeq); h != strconv.FormatUint(uint64(i+1), 10) {
			tb.Fatalf("message %d (stream seq %d) has %s %q", i, m.Seq, events.HeaderSeq, h)
		}
		if id := m.Header.Get(jetstream.MsgIDHeader); id != ulid.ULID(evs[i].ID).String() {
			tb.Fatalf("message %d has id %s, journal event %s", i, id, ulid.ULID(evs[i].ID))
		}
	}
}

// checkPrefix checks that the stream is the start of the journal.
func checkPrefix(tb testing.TB, msgs []streamMsg, evs []*register.Event) {
	tb.Helper()
	bad := 0
	fail := func(format string, args ...any) {
		tb.Helper()
		if bad++; bad <= 10 {
			tb.Errorf(format, args...)
		}
	}
	if len(msgs) > len(evs) {
		fail("stream has %d messages, the journal only %d events: %s", len(msgs), len(evs), describe(msgs, evs))
	}
	ids := map[string]uint64{}
	for i, m := range msgs {
		want := uint64(i + 1)
		id := m.Header.Get(jetstream.MsgIDHeader)
		if prev, dup := ids[id]; dup {
			fail("event %s in the stream twice: seq %d and %d", id, prev, m.Seq)
		}
		ids[id] = m.Seq
		if m.Seq != want {
			fail("message %d has stream seq %d", i, m.Seq)
		}
		if h := m.Header.Get(events.HeaderSeq); h != strconv.FormatUint(want, 10) {
			fail("stream seq %d has %s %q, want %d", m.Seq, events.HeaderSeq, h, want)
		}
		var p events.Payload
		if err := json.Unmarshal(m.Data, &p); err != nil {
			fail("stream seq %d: payload: %v", m.Seq, err)
			continue
		}
		if p.Seq != want || p.ID != id {
			fail("stream seq %d: payload seq %d id %s, headers seq %s id %s", m.Seq, p.Seq, p.ID, m.Header.Get(events.HeaderSeq), id)
		}
		if i >= len(evs) {
			continue
		}
		ev := evs[i]
		if wantID := ulid.ULID(ev.ID).String(); id != wantID || ev.Seq != want {
			fail("stream seq %d holds event %s, journal seq %d is %s", m.Seq, id, ev.Seq, wantID)
		}
		if s := events.Subject(ev); m.Subject != s {
			fail("stream seq %d on %s, want %s", m.Seq, m.Subject, s)
		}
	}
}

// describe sums up how a stream differs from the journal: payload
// sequences missing and doubled.
func describe(msgs []streamMsg, evs []*register.Event) string {
	count := map[uint64]int{}
	for _, m := range msgs {
		s, _ := strconv.ParseUint(m.Header.Get(events.HeaderSeq), 10, 64)
		count[s]++
	}
	var missing, twice []uint64
	for _, ev := range evs {
		switch count[ev.Seq] {
		case 0:
			missing = append(missing, ev.Seq)
		case 1:
		default:
			twice = append(twice, ev.Seq)
		}
	}
	return fmt.Sprintf("missing seqs %s, seqs more than once %s", short(missing), short(twice))
}

func short(s []uint64) string {
	if len(s) > 12 {
		return fmt.Sprintf("%v ... (%d in all)", s[:12], len(s))
	}
	return fmt.Sprint(s)
}
