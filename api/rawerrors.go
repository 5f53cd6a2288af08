package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"regexp"
	"strconv"
	"sync"
)

// net/http answers some requests itself, before any handler runs: a
// request line or header it cannot parse (400), headers too large (431),
// an unknown transfer coding (501), an HTTP version it does not speak
// (505), an Expect header other than 100-continue (417). It writes those
// answers as text/plain (or with no body) straight to the connection.
// ProblemListener wraps the listener so that they go out as
// application/problem+json like every other error of this API.

// Errors of the HTTP layer that net/http answers itself.
var (
	errBadRequest      = errors.New("api: malformed HTTP request")
	errHeaderTooLarge  = errors.New("api: request header fields too large")
	errTransferCoding  = errors.New("api: unsupported transfer encoding")
	errHTTPVersion     = errors.New("api: unsupported HTTP version")
	errExpectation     = errors.New("api: unsupported Expect header")
	errRawServerStatus = errors.New("api: request refused by the HTTP server")
)

// rawErrors maps the status net/http answered to the error it stands for.
var rawErrors = map[int]error{
	400: errBadRequest, 431: errHeaderTooLarge, 501: errTransferCoding, 505: errHTTPVersion, 417: errExpectation,
}

// ProblemListener returns ln with every connection it accepts wrapped so
// that net/http's own error answers are rewritten as problem+json.
func ProblemListener(ln net.Listener) net.Listener { return problemListener{ln} }

type problemListener struct{ net.Listener }

func (l problemListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &problemConn{Conn: c}, nil
}

type problemConn struct {
	net.Conn
	mu sync.Mutex // Write may be called from the server's goroutines
}

// Write passes b on, unless b is an answer net/http wrote itself; that is
// replaced, and reported written whole.
func (c *problemConn) Write(b []byte) (int, error) {
	if out, ok := rawProblem(b); ok {
		c.mu.Lock()
		defer c.mu.Unlock()
		if _, err := c.Conn.Write(out); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Conn.Write(b)
}

// CloseWrite keeps net/http's half-close (after a 431) working.
func (c *problemConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

var (
	// The fixed error answer: "HTTP/1.1 400 Bad Request[: reason]" then
	// exactly these headers (in this order, with no Date: handlers' answers
	// always carry one) and a text body.
	rawText = regexp.MustCompile(`^HTTP/1\.1 ([45][0-9]{2}) [^\r\n]*\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n`)
	// An empty answer net/http makes through its response writer (417 for
	// an Expect header, 400 for "*" as a path): handlers of this API never
	// answer an error without a body.
	rawEmpty = regexp.MustCompile(`^HTTP/1\.1 ([45][0-9]{2}) [^\r\n]*\r\nConnection: close\r\nDate: [^\r\n]*\r\nContent-Length: 0\r\n\r\n$`)
)

// rawProblem is the problem+json answer standing in for b, if b is one of
// net/http's own error answers.
func rawProblem(b []byte) ([]byte, bool) {
	if !bytes.HasPrefix(b, []byte("HTTP/1.1 ")) {
		return nil, false
	}
	m := rawText.FindSubmatch(b)
	if m == nil {
		m = rawEmpty.FindSubmatch(b)
	}
	if m == nil {
		return nil, false
	}
	status, _ := strconv.Atoi(string(m[1]))
	err, ok := rawErrors[status]
	if !ok {
		err = errRawServerStatus
	}
	p := problemFor(err)
	if !ok {
		p.Status = status
	}
	body, _ := json.Marshal(p)
	body = append(body, '\n')
	var out bytes.Buffer
	out.WriteString("HTTP/1.1 " + strconv.Itoa(p.Status) + " " + p.Title + "\r\n")
	out.WriteString("Content-Type: application/problem+json\r\nCache-Control: no-store\r\nConnection: close\r\n")
	out.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n")
	out.Write(body)
	return out.Bytes(), true
}
