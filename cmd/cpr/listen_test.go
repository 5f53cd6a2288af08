package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"
)

func TestConnCap(t *testing.T) {
	for _, tc := range []struct {
		nofile uint64
		want   int
	}{
		{0, minConns}, {1024, minConns}, {4096, 1024}, {20_000, 8976}, {1 << 20, maxConns},
	} {
		if got := connCap(tc.nofile); got != tc.want {
			t.Errorf("connCap(%d) = %d, want %d", tc.nofile, got, tc.want)
		}
	}
	if lim, err := fileLimit(); err != nil || lim < 64 {
		t.Errorf("fileLimit() = %d, %v", lim, err)
	}
}

// TestServeShedsSlowClients runs cpr serve with --max-conns 20 and opens
// 100 slow POSTs: /healthz answers, the metrics show the cap held, and
// the server stops cleanly while they are still connected.
func TestServeShedsSlowClients(t *testing.T) {
	const limit, slow = 20, 100
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--nats-addr", "127.0.0.1:0",
			"--log-level", "error", "--max-conns", strconv.Itoa(limit)}, nil, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("serve: %v %v", err, <-done)
	}
	go io.Copy(io.Discard, pr)
	m := regexp.MustCompile(`listening on http://(\S+)`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("serve said %q", line)
	}
	addr := m[1]
	var conns []net.Conn
	for range slow {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "POST /v1/births HTTP/1.1\r\nHost: cpr\r\nContent-Length: 100000\r\n\r\n{")
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	defer hc.CloseIdleConnections()
	get := func(path string) (string, error) {
		res, err := hc.Get("http://" + addr + path)
		if err != nil {
			return "", err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			return "", fmt.Errorf("%s: %d", path, res.StatusCode)
		}
		return string(b), err
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, err = get("/healthz"); err != nil && time.Now().Before(deadline); _, err = get("/healthz") {
	}
	if err != nil {
		t.Fatalf("/healthz behind %d slow POSTs: %v", slow, err)
	}
	metrics, err := get("/metrics")
	if err != nil {
		t.Fatal(err)
	}
	value := func(name string) int {
		m := regexp.MustCompile(`(?m)^` + name + ` (\d+)`).FindStringSubmatch(metrics)
		if m == nil {
			t.Fatalf("no %s in /metrics", name)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	open, shed, most := value("cpr_http_connections_open"), value("cpr_http_connections_shed_total"), value("cpr_http_connections_max")
	t.Logf("%d slow POSTs against --max-conns %d: %d open, %d shed", slow, limit, open, shed)
	if most != limit || open > limit || shed < slow-limit {
		t.Errorf("max %d, open %d, shed %d; want max %d, open at most %d, shed at least %d", most, open, shed, limit, limit, slow-limit)
	}
	// A shutdown does not wait for the slow clients (still held).
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve did not stop cleanly with slow clients connected: %v", err)
	}
}
