package events_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"cpr/events"
)

// logLines keeps every message logged through it, for tests that check
// what the server said.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) Enabled(context.Context, slog.Level) bool { return true }
func (l *logLines) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logLines) WithGroup(string) slog.Handler            { return l }
func (l *logLines) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	l.mu.Lock()
	l.lines = append(l.lines, b.String())
	l.mu.Unlock()
	return nil
}

// count is how many lines hold every one of words.
func (l *logLines) count(words ...string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
next:
	for _, line := range l.lines {
		for _, w := range words {
			if !strings.Contains(line, w) {
				continue next
			}
		}
		n++
	}
	return n
}

// lastBlock is the highest message block index in a stream's msgs
// directory.
func lastBlock(t *testing.T, msgs string) int {
	t.Helper()
	des, err := os.ReadDir(msgs)
	if err != nil {
		t.Fatal(err)
	}
	last := 0
	for _, de := range des {
		if n, err := strconv.Atoi(strings.TrimSuffix(de.Name(), ".blk")); err == nil && strings.HasSuffix(de.Name(), ".blk") {
			last = max(last, n)
		}
	}
	return last
}

// TestRelayRecoversFromStreamWriteError: a write error that nats-server
// keeps on the stream while JetStream stays on. The stream's next message
// block cannot be created: its file name is taken by a directory (EISDIR,
// which is neither "permission denied" nor "no space left", so nats-server
// does not turn JetStream off but keeps the error on the stream and
// refuses every later message until the stream is loaded again).
func TestRelayRecoversFromStreamWriteError(t *testing.T) {
	streamWriteError(t, func(t *testing.T, _ *env, msgs string) (string, string, func()) {
		next := filepath.Join(msgs, strconv.Itoa(lastBlock(t, msgs)+1)+".blk")
		// Not empty: nats-server cannot remove it.
		if err := os.MkdirAll(filepath.Join(next, "in-the-way"), 0o700); err != nil {
			t.Fatal(err)
		}
		return "is a directory", filepath.Base(next) + " is not a file", func() {
			if err := os.RemoveAll(next); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// streamWriteError runs a relay against a stream with small blocks, puts
// cause in place, and makes the stream need a new block. cause returns
// what the write error says, what the server's check of the store says
// about the cause ("": nothing), and how to remove it.
// While the cause stays, changes are accepted, /readyz answers 503 with
// the relay's last error, and JetStream is not restarted. When the cause
// is gone, the embedded server restarts JetStream on the same store by
// itself, the relay catches up and is ready, and the same stream holds
// every journal event exactly once, in order.
func streamWriteError(t *testing.T, cause func(t *testing.T, e *env, msgs string) (werr, found string, remove func())) {
	const stallAfter = 300 * time.Millisecond
	logs := &logLines{}
	e := &env{natsDir: filepath.Join(t.TempDir(), "nats"), regDir: filepath.Join(t.TempDir(), "register")}
	srv, err := events.StartServer(events.ServerConfig{Dir: e.natsDir, Addr: "127.0.0.1:0", Users: testUsers(),
		Logger: slog.New(logs), ReviveEvery: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	e.srv = srv
	e.reg = openRegister(t, e.regDir)
	e.movers = loadPopulation(t, e.reg, 500, 2026)

	// Small blocks, so that a new one is needed soon: the block size is
	// fixed when the stream is made (32 kB for a stream of at most 100 kB)
	// and kept when the relay lifts the limit.
	_, js := connect(t, e.srv.URL(), registerUser, registerPass)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: events.StreamName,
		Subjects: []string{events.SubjectPrefix + ".>"}, Storage: jetstream.FileStorage, Retention: jetstream.LimitsPolicy,
		Duplicates: 2 * time.Minute, MaxBytes: 100_000}); err != nil {
		t.Fatal(err)
	}
	relay := startRelay(t, e.reg, e.srv.URL(), func(c *events.RelayConfig) { c.StallAfter = stallAfter })
	readyz := serveReadyz(t, e, relay)
	applyMoves(t, e.reg, e.movers, 50, 2, 1)
	waitCaughtUp(t, relay, e.reg, 30*time.Second)
	st, err := js.Stream(ctx, events.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	if lim := st.CachedInfo().Config.MaxBytes; lim != -1 {
		t.Fatalf("the relay left the stream's limit at %d bytes", lim)
	}
	created := st.CachedInfo().Created

	if code, body := readyz(); code != http.StatusOK {
		t.Fatalf("readyz caught up: %d %s", code, body)
	}

	msgs := filepath.Join(e.srv.NATS().JetStreamConfig().StoreDir, "$G", "streams", events.StreamName, "msgs")
	werr, found, remove := cause(t, e, msgs)
	applyMoves(t, e.reg, e.movers, 300, 4, 2)
	eventually(t, 60*time.Second, func() error {
		if n := logs.count("critical write error", events.StreamName, werr); n == 0 {
			return fmt.Errorf("no write error on the stream yet; status %+v", relay.Status())
		}
		if err := relay.Ready(); !errors.Is(err, events.ErrStalled) {
			return fmt.Errorf("relay ready with a write error on the stream: %v, status %+v", err, relay.Status())
		}
		return nil
	})
	// The relay's last error says what fails, while it is connected and
	// in step with the stream: its publishes time out.
	eventually(t, 30*time.Second, func() error {
		if st := relay.Status(); !st.Connected || !strings.Contains(st.LastError, "publish of seq") {
			return fmt.Errorf("status with a write error on the stream: %+v", st)
		}
		return nil
	})
	if code, body := readyz(); code != http.StatusServiceUnavailable || !strings.Contains(body, "not catching up") ||
		!strings.Contains(body, "last error: events: publish of seq") {
		t.Fatalf("readyz with a write error on the stream: %d %s", code, body)
	}
	if n := logs.count("disabling JetStream"); n != 0 {
		t.Fatalf("nats-server turned JetStream off (%d times): not the fault under test", n)
	}
	// Not restarted while the cause is there: nats-server would delete a
	// stream it cannot load.
	eventually(t, 10*time.Second, func() error {
		if found != "" && logs.count("cannot be (re)started on its store yet", found) == 0 {
			return errors.New("the server did not find the cause in the store")
		}
		return nil
	})
	if !e.srv.NATS().JetStreamEnabled() {
		t.Fatal("JetStream is off: not the fault under test")
	}
	if n := logs.count("restarting JetStream"); n != 0 {
		t.Fatalf("JetStream restarted %d times while the stream's files could not be loaded", n)
	}

	// The cause goes away; changes keep coming meanwhile.
	remove()
	applyMoves(t, e.reg, e.movers, 50, 2, 3)
	waitCaughtUp(t, relay, e.reg, 90*time.Second)
	waitReadyAgain(t, relay, readyz)
	if n := logs.count("restarting JetStream"); n == 0 {
		t.Error("caught up, but no restart of JetStream was logged")
	}
	if n := logs.count("deleted"); n != 0 {
		t.Errorf("nats-server deleted a stream (%d times)", n)
	}
	_, js = connect(t, e.srv.URL(), registerUser, registerPass)
	checkStream(t, js, e.reg)
	// The same stream, not one made anew and filled again.
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if st, err = js.Stream(ctx, events.StreamName); err != nil {
		t.Fatal(err)
	}
	if got := st.CachedInfo().Created; !got.Equal(created) {
		t.Errorf("the stream was made anew at %v (first made at %v)", got, created)
	}
}

// TestReviveKeepsStreamItCannotLoad: JetStream is off, and a stream's
// files cannot be loaded (a directory in a block's place). nats-server
// would delete such a stream as JetStream starts, and the relay would
// make it anew and fill it from the start of the journal: every consumer
// would get every event again. The server keeps JetStream off while the
// cause is there, and turns it on once it is gone: the same stream, every
// event once, in order.
func TestReviveKeepsStreamItCannotLoad(t *testing.T) {
	logs := &logLines{}
	e := &env{natsDir: filepath.Join(t.TempDir(), "nats"), regDir: filepath.Join(t.TempDir(), "register")}
	srv, err := events.StartServer(events.ServerConfig{Dir: e.natsDir, Addr: "127.0.0.1:0", Users: testUsers(),
		Logger: slog.New(logs), ReviveEvery: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	e.srv = srv
	e.reg = openRegister(t, e.regDir)
	e.movers = loadPopulation(t, e.reg, 500, 2026)
	relay := startRelay(t, e.reg, e.srv.URL())
	applyMoves(t, e.reg, e.movers, 50, 2, 1)
	waitCaughtUp(t, relay, e.reg, 30*time.Second)
	_, js := connect(t, e.srv.URL(), registerUser, registerPass)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, events.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	created := st.CachedInfo().Created

	ns := e.srv.NATS()
	msgs := filepath.Join(ns.JetStreamConfig().StoreDir, "$G", "streams", events.StreamName, "msgs")
	release := e.srv.HoldRevive()
	if err := ns.ShutdownJetStream(); err != nil {
		t.Fatal(err)
	}
	inTheWay := filepath.Join(msgs, strconv.Itoa(lastBlock(t, msgs)+1)+".blk", "in-the-way")
	if err := os.MkdirAll(inTheWay, 0o700); err != nil {
		t.Fatal(err)
	}
	release()
	applyMoves(t, e.reg, e.movers, 50, 2, 2)
	eventually(t, 10*time.Second, func() error {
		if logs.count("cannot be (re)started on its store yet", "is not a file") == 0 {
			return errors.New("the server did not find the cause in the store")
		}
		return nil
	})
	if ns.JetStreamEnabled() {
		t.Fatal("JetStream on while a stream's files cannot be loaded")
	}

	if err := os.RemoveAll(filepath.Dir(inTheWay)); err != nil {
		t.Fatal(err)
	}
	waitCaughtUp(t, relay, e.reg, 60*time.Second)
	if n := logs.count("deleted"); n != 0 {
		t.Errorf("nats-server deleted a stream (%d times)", n)
	}
	_, js = connect(t, e.srv.URL(), registerUser, registerPass)
	checkStream(t, js, e.reg)
	if st, err = js.Stream(ctx, events.StreamName); err != nil {
		t.Fatal(err)
	}
	if got := st.CachedInfo().Created; !got.Equal(created) {
		t.Errorf("the stream was made anew at %v (first made at %v)", got, created)
	}
}
