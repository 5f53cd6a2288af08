package api_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"cpr/access"
	"cpr/api"
	"cpr/register"
)

// limitedServer serves an empty register behind api.LimitConns(cap) on a
// loopback port, as cpr serve does.
type limitedServer struct {
	base, addr string
	admin      string // an administrator's token
	ln         *api.ConnLimit
}

func startLimited(t *testing.T, limit int, o api.Options) *limitedServer {
	t.Helper()
	reg, err := register.Open(t.TempDir(), register.Options{CacheBytes: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	acc := access.New(reg, access.Options{})
	o.Register, o.Access = reg, acc
	if _, err := acc.CreateUser(access.User{ID: "admin", Role: access.RoleAdmin, Name: "Admin"}); err != nil {
		t.Fatal(err)
	}
	admin, _, err := acc.IssueToken("admin", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(o)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &limitedServer{addr: raw.Addr().String(), admin: admin, ln: api.LimitConns(raw, limit)}
	s.base = "http://" + s.addr
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: time.Minute}
	s.ln.Configure(hs)
	served := make(chan error, 1)
	go func() { served <- hs.Serve(s.ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		hs.Close() // the slow clients' connections are cut, not waited for
		hs.Shutdown(ctx)
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	})
	return s
}

// held counts the TCP sockets the server holds open on its port (from
// /proc/net/tcp: local port the server's, state ESTABLISHED or
// CLOSE_WAIT), whatever the listener thinks.
func (s *limitedServer) held(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Skipf("no /proc/net/tcp: %v", err)
	}
	_, port, _ := net.SplitHostPort(s.addr)
	p, _ := strconv.Atoi(port)
	local := fmt.Sprintf(":%04X", p)
	n := 0
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 3 && strings.HasSuffix(f[1], local) && (f[3] == "01" || f[3] == "08") {
			n++
		}
	}
	return n
}

// slowPost opens a connection and sends a request's headers (with the
// token, if any) and the first byte of a 100,000-byte body, then nothing
// more.
func slowPost(t *testing.T, addr, method, path, token string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	// The server may already have shed it: a failed write is its answer.
	auth := ""
	if token != "" {
		auth = "Authorization: Bearer " + token + "\r\n"
	}
	fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: cpr\r\n%sContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{", method, path, auth)
	return c
}

// TestSlowClientsCannotTakeHealthzDown: 200 slow POSTs against a cap of
// 50 connections. The server holds no more than 50 (plus the one just
// accepted while it sheds another), and /healthz answers.
func TestSlowClientsCannotTakeHealthzDown(t *testing.T) {
	const limit, slow = 50, 200
	s := startLimited(t, limit, api.Options{BodyTimeout: time.Hour}) // no deadline frees a slot here
	for range slow {
		slowPost(t, s.addr, "POST", "/v1/births", "")
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	defer hc.CloseIdleConnections()
	deadline := time.Now().Add(30 * time.Second)
	var err error
	for time.Now().Before(deadline) {
		var res *http.Response
		if res, err = hc.Get(s.base + "/healthz"); err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
			err = fmt.Errorf("status %d", res.StatusCode)
		}
	}
	if err != nil {
		t.Fatalf("/healthz behind %d slow POSTs: %v", slow, err)
	}
	// Every shed connection is closed at once; the count settles as the
	// kernel sees the closes.
	held := s.held(t)
	for ; held > limit+1 && time.Now().Before(deadline); held = s.held(t) {
		runtime.Gosched()
	}
	t.Logf("%d slow POSTs, cap %d: %d sockets held by the server, %d open by the listener, %d shed", slow, limit, held, s.ln.Open(), s.ln.Shed())
	if held > limit+1 {
		t.Errorf("the server holds %d connections, want at most %d", held, limit+1)
	}
	if s.ln.Shed() < slow-limit {
		t.Errorf("%d connections shed, want at least %d", s.ln.Shed(), slow-limit)
	}
}

// TestSlowBodyIsCut: a body that does not arrive within the body timeout
// is answered 408 body_timeout (or 401 first, without a token), and the
// connection is closed.
func TestSlowBodyIsCut(t *testing.T) {
	s := startLimited(t, 10, api.Options{BodyTimeout: 200 * time.Millisecond})
	for _, tc := range []struct {
		name, token string
		status      int
		code        string
	}{
		{"with a token", s.admin, http.StatusRequestTimeout, "body_timeout"},
		{"without a token", "", http.StatusUnauthorized, "unauthenticated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := slowPost(t, s.addr, "PUT", "/v1/subscribers/slow", tc.token)
			c.SetReadDeadline(time.Now().Add(30 * time.Second)) // the test fails rather than hangs
			res, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("no answer to a slow body: %v", err)
			}
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tc.status || !strings.Contains(res.Header.Get("Content-Type"), "problem+json") ||
				!strings.Contains(string(body), `"code":"`+tc.code+`"`) {
				t.Errorf("answer %d %s, want %d %s", res.StatusCode, body, tc.status, tc.code)
			}
			if _, err := c.Read(make([]byte, 1)); err != io.EOF {
				t.Errorf("after the answer the connection gives %v, want EOF (closed by the server)", err)
			}
		})
	}
}

// signalListener tells when the kernel has handed it a connection.
type signalListener struct {
	net.Listener
	accepted chan struct{}
}

func (l *signalListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepted <- struct{}{}
	}
	return c, err
}

// TestBusyConnectionsAreNotShed: with a cap of 2 and two requests being
// answered, a third connection waits for one to finish; neither busy
// one is shed.
func TestBusyConnectionsAreNotShed(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sl := &signalListener{Listener: raw, accepted: make(chan struct{}, 3)}
	ln := api.LimitConns(sl, 2)
	release := make(chan struct{})
	entered := make(chan struct{}, 3)
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		if r.URL.Path != "/third" {
			<-release
		}
		io.WriteString(w, "ok")
	})}
	ln.Configure(hs)
	go hs.Serve(ln)
	defer hs.Close()
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	results := make(chan error, 3)
	get := func(path string) {
		go func() {
			res, err := hc.Get("http://" + raw.Addr().String() + path)
			if err == nil {
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					err = fmt.Errorf("%s: %d", path, res.StatusCode)
				}
			}
			results <- err
		}()
	}
	get("/one")
	get("/two")
	<-entered
	<-entered
	get("/third")
	for range 3 {
		<-sl.accepted
	}
	if n := ln.Open(); n != 2 {
		t.Errorf("%d connections open, want 2", n)
	}
	close(release)
	for range 3 {
		if err := <-results; err != nil {
			t.Error(err)
		}
	}
	if ln.Shed() != 0 {
		t.Errorf("%d busy connections shed", ln.Shed())
	}
}
