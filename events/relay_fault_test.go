package events_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"cpr/access"
	"cpr/api"
	"cpr/events"
)

// serveReadyz serves the API's /readyz with the relay's readiness on a
// loopback port and returns a function that asks it for its status.
func serveReadyz(t *testing.T, e *env, relay *events.Relay) func() (int, string) {
	t.Helper()
	srv, err := api.New(api.Options{Register: e.reg, Access: access.New(e.reg, access.Options{}),
		Ready: relay.Ready, Events: func() any { return relay.Status() }, ExtractDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	client := &http.Client{Timeout: 10 * time.Second}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
		client.CloseIdleConnections()
		srv.Close()
	})
	url := "http://" + ln.Addr().String() + "/readyz"
	return func() (int, string) {
		resp, err := client.Get(url)
		if err != nil {
			t.Fatalf("readyz: %v", err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
}

// TestRelayRecoversFromJetStreamFailure: JetStream goes off while NATS
// stays up and the relay stays connected (nats-server turns it off by
// itself on a storage error while writing), and cannot be turned on again
// while the cause is there (here: its store directory is replaced by a
// file). Changes are still accepted; once the stream has been behind for
// StallAfter without catching up, the relay is not ready and /readyz
// answers 503. When the cause is gone the server turns JetStream on again
// by itself, on the same store, the relay finds where the stream ends,
// catches up, is ready again, and the stream holds every journal event
// exactly once, in order.
func TestRelayRecoversFromJetStreamFailure(t *testing.T) {
	const stallAfter = 300 * time.Millisecond
	e := &env{natsDir: filepath.Join(t.TempDir(), "nats"), regDir: filepath.Join(t.TempDir(), "register")}
	srv, err := events.StartServer(events.ServerConfig{Dir: e.natsDir, Addr: "127.0.0.1:0", Users: testUsers(),
		ReviveEvery: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	e.srv = srv
	e.reg = openRegister(t, e.regDir)
	e.movers = loadPopulation(t, e.reg, 2000, 2026)
	prom := prometheus.NewRegistry()
	relay := startRelay(t, e.reg, e.srv.URL(), func(c *events.RelayConfig) { c.StallAfter = stallAfter; c.Registerer = prom })
	readyz := serveReadyz(t, e, relay)
	stalled := func() float64 {
		mfs, err := prom.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == "cpr_events_relay_stalled" {
				return mf.GetMetric()[0].GetGauge().GetValue()
			}
		}
		t.Fatal("no cpr_events_relay_stalled")
		return 0
	}
	applyMoves(t, e.reg, e.movers, 100, 4, 1)
	waitCaughtUp(t, relay, e.reg, 30*time.Second)
	if err := relay.Ready(); err != nil {
		t.Fatalf("caught up but not ready: %v", err)
	}
	if code, body := readyz(); code != http.StatusOK {
		t.Fatalf("readyz caught up: %d %s", code, body)
	}

	// The failure, and a cause that stays: the store is not there.
	ns := e.srv.NATS()
	store := ns.JetStreamConfig().StoreDir
	release := e.srv.HoldRevive()
	if err := ns.ShutdownJetStream(); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(store, store+".aside"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(store, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	release()

	applyMoves(t, e.reg, e.movers, 100, 4, 2)
	eventually(t, 30*time.Second, func() error {
		if err := relay.Ready(); !errors.Is(err, events.ErrStalled) {
			return fmt.Errorf("relay ready with JetStream off: %v, status %+v", err, relay.Status())
		}
		return nil
	})
	if code, body := readyz(); code != http.StatusServiceUnavailable || !strings.Contains(body, "not catching up") {
		t.Fatalf("readyz with JetStream off: %d %s", code, body)
	}
	if v := stalled(); v != 1 {
		t.Errorf("cpr_events_relay_stalled = %v with JetStream off", v)
	}
	if st := relay.Status(); st.Lag < 100 || st.Published+st.Lag != st.Journal {
		t.Fatalf("status with JetStream off: %+v", st)
	}
	if ns.JetStreamEnabled() {
		t.Fatal("JetStream on again while its store is a file")
	}

	// The cause goes away; changes keep coming meanwhile.
	if err := os.Remove(store); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(store+".aside", store); err != nil {
		t.Fatal(err)
	}
	applyMoves(t, e.reg, e.movers, 50, 2, 3)
	waitCaughtUp(t, relay, e.reg, 60*time.Second)
	waitReadyAgain(t, relay, readyz)
	if v := stalled(); v != 0 {
		t.Errorf("cpr_events_relay_stalled = %v after recovery", v)
	}
	if got := ns.JetStreamConfig().StoreDir; got != store {
		t.Errorf("JetStream back on %s, was %s", got, store)
	}
	_, js := connect(t, e.srv.URL(), registerUser, registerPass)
	checkStream(t, js, e.reg)
}

// TestRelayRefillsDeletedStream: an operator deletes CPR_EVENTS while
// changes come in; the relay makes the stream again by itself and fills it
// from the start of the journal: every event once, in order.
func TestRelayRefillsDeletedStream(t *testing.T) {
	e := newEnv(t, 2000)
	relay := startRelay(t, e.reg, e.srv.URL())
	applyMoves(t, e.reg, e.movers, 100, 4, 1)
	waitCaughtUp(t, relay, e.reg, 30*time.Second)
	_, js := connect(t, e.srv.URL(), registerUser, registerPass)
	if err := js.DeleteStream(context.Background(), events.StreamName); err != nil {
		t.Fatal(err)
	}
	applyMoves(t, e.reg, e.movers, 100, 4, 2)
	waitCaughtUp(t, relay, e.reg, 60*time.Second)
	if err := relay.Ready(); err != nil {
		t.Fatalf("caught up but not ready: %v", err)
	}
	checkStream(t, js, e.reg)
}

// waitReadyAgain polls until the relay and /readyz both say ready.
func waitReadyAgain(t *testing.T, relay *events.Relay, readyz func() (int, string)) {
	t.Helper()
	eventually(t, 10*time.Second, func() error {
		if err := relay.Ready(); err != nil {
			return err
		}
		if code, body := readyz(); code != http.StatusOK {
			return fmt.Errorf("readyz after recovery: %d %s", code, body)
		}
		return nil
	})
}
