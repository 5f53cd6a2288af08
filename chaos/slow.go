package chaos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// SlowConfig configures Slow.
type SlowConfig struct {
	Bin string // the cpr binary (required)
	Dir string // an empty directory (required)
	// Clients is how many slow connections to open (default 500); each
	// costs this process a file descriptor.
	Clients int
	// MaxConns is the server's --max-conns (default 100; -1: the
	// server's own, sized from its open-file limit).
	MaxConns int
	// Hold is how long the slow connections are held while /healthz is
	// probed (default 5 s).
	Hold time.Duration
}

// SlowReport is the outcome of Slow.
type SlowReport struct {
	Clients  int `json:"clients"`   // slow connections opened
	MaxConns int `json:"max_conns"` // the server's cap
	// DialErrors are connections the kernel refused (a full backlog).
	DialErrors int `json:"dial_errors"`
	// HeldByClients is how many of the slow connections were still open
	// at the end of the hold; the others the server closed.
	HeldByClients int `json:"held_by_clients"`
	// ServerOpen and ServerShed are the server's own figures at the end
	// of the hold (cpr_http_connections_open, _shed_total).
	ServerOpen int `json:"server_open"`
	ServerShed int `json:"server_shed"`
	// ServerFDs is the most file descriptors the server process had open
	// (from /proc; -1 where unknown).
	ServerFDs int `json:"server_fds_peak"`
	// HealthzProbes were sent during the hold, each on a new connection;
	// HealthzAnswered got 200 within 5 s. SlowestHealthzMS is the slowest.
	HealthzProbes    int     `json:"healthz_probes"`
	HealthzAnswered  int     `json:"healthz_answered"`
	SlowestHealthzMS float64 `json:"slowest_healthz_ms"`
	Seconds          float64 `json:"seconds"`
}

// Slow starts cpr serve with --max-conns MaxConns on loopback and opens
// Clients slow connections: half send part of their request headers,
// half their headers and the first byte of a 100,000-byte POST body, and
// then nothing. While they are held it probes /healthz on fresh
// connections and samples the server's file descriptors.
func Slow(ctx context.Context, cfg SlowConfig) (SlowReport, error) {
	start := time.Now()
	if cfg.Clients == 0 {
		cfg.Clients = 500
	}
	if cfg.MaxConns == 0 {
		cfg.MaxConns = 100
	}
	if cfg.Hold == 0 {
		cfg.Hold = 5 * time.Second
	}
	rep := SlowReport{MaxConns: cfg.MaxConns, ServerFDs: -1}
	srv := &server{bin: cfg.Bin, dir: cfg.Dir}
	if cfg.MaxConns > 0 {
		srv.extra = []string{"--max-conns", strconv.Itoa(cfg.MaxConns)}
	}
	if err := srv.start(ctx); err != nil {
		return rep, err
	}
	defer srv.kill()
	addr := strings.TrimPrefix(srv.api, "http://")
	pid := srv.cmd.Process.Pid
	sample := func() {
		if n, err := slowFDs(pid); err == nil && n > rep.ServerFDs {
			rep.ServerFDs = n
		}
	}
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	d := net.Dialer{Timeout: 5 * time.Second}
	for i := range cfg.Clients {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			if ctx.Err() != nil {
				return rep, ctx.Err()
			}
			rep.DialErrors++
			continue
		}
		conns = append(conns, c)
		c.SetWriteDeadline(time.Now().Add(time.Second))
		if i%2 == 0 {
			io.WriteString(c, "POST /v1/births HTTP/1.1\r\nHost: cpr\r\nContent-Le")
		} else {
			io.WriteString(c, "POST /v1/births HTTP/1.1\r\nHost: cpr\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
		}
		if i%100 == 0 {
			sample()
		}
	}
	rep.Clients = len(conns)
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for end := time.Now().Add(cfg.Hold); time.Now().Before(end); {
		rep.HealthzProbes++
		t0 := time.Now()
		if status, err := slowGet(ctx, hc, srv.api+"/healthz"); err == nil && status == http.StatusOK {
			rep.HealthzAnswered++
			rep.SlowestHealthzMS = max(rep.SlowestHealthzMS, float64(time.Since(t0).Microseconds())/1000)
		}
		sample()
		select {
		case <-ctx.Done():
			return rep, ctx.Err()
		case <-tick.C:
		}
	}
	for _, c := range conns {
		if slowOpen(c) {
			rep.HeldByClients++
		}
	}
	metrics, err := slowFetch(ctx, hc, srv.api+"/metrics")
	if err != nil {
		return rep, err
	}
	rep.ServerOpen, rep.ServerShed = slowMetric(metrics, "cpr_http_connections_open"), slowMetric(metrics, "cpr_http_connections_shed_total")
	rep.MaxConns = slowMetric(metrics, "cpr_http_connections_max")
	for _, c := range conns {
		c.Close()
	}
	conns = nil
	if err := srv.stop(); err != nil {
		return rep, err
	}
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// slowOpen reports whether the server has not closed c: a read finds no data
// and no end within a millisecond.
func slowOpen(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(time.Millisecond))
	_, err := c.Read(make([]byte, 1))
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func slowGet(ctx context.Context, hc *http.Client, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	res, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

func slowFetch(ctx context.Context, hc *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	res, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("chaos: %s: %d", url, res.StatusCode)
	}
	return string(b), err
}

// slowMetric is the value of an unlabelled metric, or -1.
func slowMetric(text, name string) int {
	m := regexp.MustCompile(`(?m)^` + name + ` (\S+)`).FindStringSubmatch(text)
	if m == nil {
		return -1
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return -1
	}
	return int(f)
}

// slowFDs counts the open file descriptors of process pid.
func slowFDs(pid int) (int, error) {
	es, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(es), err
}
