package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"cpr/access"
	"cpr/api"
	"cpr/register"
)

// startRaw serves the API (an empty register) through api.ProblemListener
// with small header limits, and returns its address.
func startRaw(t *testing.T) string {
	t.Helper()
	reg, err := register.Open(t.TempDir(), register.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	srv, err := api.New(api.Options{Register: reg, Access: access.New(reg, access.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 1024}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(api.ProblemListener(ln)) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// rawRequest writes req on a fresh connection and reads the answer.
func rawRequest(t *testing.T, addr, req string) *http.Response {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	return res
}

// TestRawErrorsAreProblems: the answers net/http writes itself, before any
// handler, go out as application/problem+json with a status and a code.
func TestRawErrorsAreProblems(t *testing.T) {
	addr := startRaw(t)
	for _, tc := range []struct {
		name, req string
		status    int
		code      string
	}{
		{"bad percent-encoding", "GET /v1/persons/%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"},
		{"space in the path", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"},
		{"control byte in the method", "G\x01T / HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"},
		{"control byte in a header name", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-B\x01d: y\r\n\r\n", 400, "bad_request"},
		{"NUL in a header value", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad: y\x00z\r\n\r\n", 400, "bad_request"},
		{"no Host", "GET /healthz HTTP/1.1\r\n\r\n", 400, "bad_request"},
		{"asterisk path", "GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"},
		{"header too large", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 8000) + "\r\n\r\n", 431, "header_too_large"},
		{"unknown transfer coding", "POST /v1/births HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "unsupported_transfer_encoding"},
		{"HTTP/2.0 request line", "GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505, "http_version_not_supported"},
		{"unknown Expect", "GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: foo\r\n\r\n", 417, "expectation_failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := rawRequest(t, addr, tc.req)
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tc.status {
				t.Errorf("status %d, want %d", res.StatusCode, tc.status)
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("Content-Type %q, want application/problem+json: %q", ct, body)
			}
			var p api.Problem
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if p.Status != tc.status || p.Code != tc.code || p.Title == "" || p.Type == "" {
				t.Errorf("problem %+v, want status %d code %s", p, tc.status, tc.code)
			}
		})
	}
	t.Run("good requests pass untouched", func(t *testing.T) {
		res := rawRequest(t, addr, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("healthz: %d", res.StatusCode)
		}
		res = rawRequest(t, addr, "GET /v1/persons/%ff HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\n\r\n")
		res.Body.Close()
		if res.StatusCode != 401 || res.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("bad token: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
	})
}
