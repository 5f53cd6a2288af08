package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"cpr/access"
	"cpr/api"
	"cpr/events"
	"cpr/extract"
	"cpr/register"
	"cpr/subscription"
)

// serveConfig is everything "cpr serve" is told, by flag or environment.
type serveConfig struct {
	data        string
	addr        string
	demo        bool
	demoPersons int
	tokenTTL    time.Duration
	logLevel    string
	natsAddr    string
	natsURL     string
	natsUser    string
	natsPass    string
	// Limits of status extracts per subscriber (api.Options).
	extractJobs  int
	extractBytes int64
	// How long the event stream may lag without catching up before
	// /readyz answers 503.
	relayStallAfter time.Duration
	// perHour and perDay are each user's read limit in persons.
	perHour, perDay int
	maxConns        int           // 0: sized from the open-file limit
	bodyTimeout     time.Duration // how long a request body may take
}

func serveFlags(errOut io.Writer) (*flag.FlagSet, *serveConfig) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(errOut)
	c := &serveConfig{}
	fs.StringVar(&c.data, "data", envOr("CPR_DATA", "./data"), "data directory (env CPR_DATA)")
	fs.StringVar(&c.addr, "addr", envOr("CPR_ADDR", "127.0.0.1:8080"), "HTTP listen address; port 0 picks a free port (env CPR_ADDR)")
	fs.BoolVar(&c.demo, "demo", os.Getenv("CPR_DEMO") == "1", "load a demo population into an empty register and write DATA/demo-tokens.json (env CPR_DEMO=1)")
	fs.IntVar(&c.demoPersons, "demo-persons", envInt("CPR_DEMO_PERSONS", 100_000), "size of the demo population (env CPR_DEMO_PERSONS)")
	fs.DurationVar(&c.tokenTTL, "demo-token-ttl", 30*24*time.Hour, "lifetime of the demo tokens")
	fs.StringVar(&c.logLevel, "log-level", envOr("CPR_LOG_LEVEL", "info"), "debug, info, warn or error (env CPR_LOG_LEVEL)")
	fs.StringVar(&c.natsAddr, "nats-addr", envOr("CPR_NATS_ADDR", "127.0.0.1:4222"), "listen address of the embedded NATS server; port 0 picks a free port (env CPR_NATS_ADDR)")
	fs.StringVar(&c.natsURL, "nats-url", os.Getenv("CPR_NATS_URL"), "use this external NATS server or cluster instead of the embedded one (env CPR_NATS_URL)")
	fs.StringVar(&c.natsUser, "nats-user", os.Getenv("CPR_NATS_USER"), "user on the external NATS (env CPR_NATS_USER)")
	fs.StringVar(&c.natsPass, "nats-password", os.Getenv("CPR_NATS_PASSWORD"), "password on the external NATS (env CPR_NATS_PASSWORD)")
	fs.IntVar(&c.extractJobs, "status-extract-jobs", int(envInt64("CPR_STATUS_EXTRACT_JOBS", api.DefaultStatusExtractJobs)), "status extracts one subscriber may have running at once; -1: no limit (env CPR_STATUS_EXTRACT_JOBS)")
	fs.Int64Var(&c.extractBytes, "status-extract-bytes", envInt64("CPR_STATUS_EXTRACT_BYTES", api.DefaultStatusExtractBytes), "bytes of status extracts one subscriber may start a day (Copenhagen); -1: no limit (env CPR_STATUS_EXTRACT_BYTES)")
	fs.DurationVar(&c.relayStallAfter, "relay-stall-after", envDuration("CPR_RELAY_STALL_AFTER", events.DefaultStallAfter), "/readyz answers 503 while the event stream is behind the journal and has not caught up for this long (env CPR_RELAY_STALL_AFTER)")
	fs.IntVar(&c.perHour, "read-limit-hour", int(envInt64("CPR_READ_LIMIT_HOUR", api.DefaultPersonsPerHour)),
		"persons one user may read through lookups, search and residents, refilled each hour; -1: no limit (env CPR_READ_LIMIT_HOUR)")
	fs.IntVar(&c.perDay, "read-limit-day", int(envInt64("CPR_READ_LIMIT_DAY", api.DefaultPersonsPerDay)),
		"persons one user may read, refilled each day; -1: no limit (env CPR_READ_LIMIT_DAY)")
	fs.IntVar(&c.maxConns, "max-conns", envInt("CPR_MAX_CONNS", 0),
		"most HTTP connections open at once; 0: sized from the open-file limit (env CPR_MAX_CONNS)")
	fs.DurationVar(&c.bodyTimeout, "body-timeout", envDuration("CPR_BODY_TIMEOUT", api.DefaultBodyTimeout),
		"how long a request body may take to arrive; slower is answered 408 (env CPR_BODY_TIMEOUT)")
	return fs, c
}

func runServe(ctx context.Context, args []string, _ io.Reader, out, errOut io.Writer) error {
	fs, c := serveFlags(errOut)
	if err := parseFlags(fs, "CPR_", args, out, errOut); err != nil {
		return err
	}
	switch {
	case c.demoPersons < 1:
		return fmt.Errorf("serve: --demo-persons must be at least 1, not %d", c.demoPersons)
	case c.maxConns < 0:
		return fmt.Errorf("serve: --max-conns must be 0 (sized from the open-file limit) or more, not %d", c.maxConns)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return fmt.Errorf("serve: -log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(errOut, &slog.HandlerOptions{Level: level}))
	if c.natsURL == "" {
		if err := checkListen("--nats-addr", c.natsAddr); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(c.data, "extracts"), 0o750); err != nil {
		return err
	}
	reg, err := openOffline("serve", c.data, register.Options{Logger: log})
	if err != nil {
		return err
	}
	defer reg.Close()
	acc := access.New(reg, access.Options{Logger: log})
	promReg := prometheus.NewRegistry()

	nc, stopNATS, err := startNATS(c, log)
	if err != nil {
		return err
	}
	defer stopNATS()
	relay, err := events.StartRelay(events.RelayConfig{Register: reg, URL: nc.url, User: nc.user, Password: nc.password,
		Logger: log, Registerer: promReg, StallAfter: c.relayStallAfter})
	if err != nil {
		return err
	}
	defer relay.Close()

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("serve: --addr %s: %w", c.addr, err)
	}
	apiURL := "http://" + ln.Addr().String()
	if c.demo {
		if err := setUpDemo(ctx, reg, acc, c, apiURL, nc.operator, log); err != nil {
			ln.Close()
			return err
		}
	}
	subs, err := subscription.Open(reg, nil)
	if err != nil {
		ln.Close()
		return err
	}
	if err := nc.syncUsers(subs.List()); err != nil {
		ln.Close()
		return err
	}
	x := &extract.Extractor{Reg: reg, Subs: subs}
	dist, err := events.StartDistributor(events.DistConfig{Register: reg, URL: nc.url, User: nc.user, Password: nc.password,
		Logger: log, Messages: func(ev *register.Event) ([]events.DistMessage, error) {
			ls, err := x.LiveMessages(ev)
			out := make([]events.DistMessage, len(ls))
			for i, l := range ls {
				out[i] = events.DistMessage{Subscriber: l.Subscriber, Data: l.Data, Coarse: l.Coarse}
			}
			return out, err
		}})
	if err != nil {
		ln.Close()
		return err
	}
	defer dist.Close()
	srv, err := api.New(api.Options{Register: reg, Access: acc, Logger: log, Registerer: promReg,
		Events: func() any { return relay.Status() }, Ready: relay.Ready, ExtractDir: filepath.Join(c.data, "extracts"),
		Subscriptions: subs, SubscriberNATS: nc.subscriberLogin,
		StatusExtractJobs: c.extractJobs, StatusExtractBytes: c.extractBytes,
		PersonsPerHour: c.perHour, PersonsPerDay: c.perDay, BodyTimeout: c.bodyTimeout,
		SubscribersChanged: func() error { return nc.syncUsers(subs.List()) }})
	if err != nil {
		ln.Close()
		return err
	}
	lim, err := limitConns(api.ProblemListener(ln), c.maxConns, log, promReg)
	if err != nil {
		ln.Close()
		return err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: headerTimeout, IdleTimeout: 2 * time.Minute}
	lim.Configure(hs)
	log.Info("cpr serving", "api", apiURL, "nats", nc.url, "version", version)
	fmt.Fprintf(out, "cpr %s listening on %s\n", version, apiURL)
	if c.demo {
		fmt.Fprintf(out, "demo tokens in %s\n", filepath.Join(c.data, "demo-tokens.json"))
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(lim) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("cpr shutting down")
	shut, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(shut); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	srv.Close()
	dist.Close()
	relay.Close()
	return reg.Close()
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// envDuration is a positive duration from the environment ("90s", "2m").
func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d > 0 {
		return d
	}
	return def
}

// envInt64 is an integer from the environment, -1 included (no limit).
func envInt64(name string, def int64) int64 {
	var n int64
	if _, err := fmt.Sscan(os.Getenv(name), &n); err == nil && (n > 0 || n == -1) {
		return n
	}
	return def
}

// envInt is a positive integer from the environment.
func envInt(name string, def int) int {
	var n int
	if _, err := fmt.Sscan(os.Getenv(name), &n); err == nil && n > 0 {
		return n
	}
	return def
}
