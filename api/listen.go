package api

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// ConnLimit is a listener that keeps at most a fixed number of
// connections open, so no client can make the server run out of file
// descriptors. It tells apart the connections the server is working for
// (a request whose headers and body have arrived, being answered) from
// those it is waiting for (just accepted, between requests, or still
// sending their headers or body). When the cap is reached, a new
// connection sheds the one that has been waiting longest: slow senders
// and idle keep-alives make room, so a client that sends its request
// promptly, such as a /healthz probe, always gets in, however many slow
// connections are held. Only when every connection is being answered
// does Accept wait for one to close.
//
// Configure must be called on the http.Server that serves it, and the
// handler must be the API's (its handlers report when a request has
// arrived).
type ConnLimit struct {
	net.Listener
	max int

	mu     sync.Mutex
	free   *sync.Cond // signalled when a connection closes or starts waiting
	conns  map[*limitConn]struct{}
	shed   int64
	closed bool
}

// limitConn is one accepted connection.
type limitConn struct {
	net.Conn
	l    *ConnLimit
	once sync.Once
	// Guarded by l.mu:
	waiting bool      // the server waits for its request (headers or body)
	since   time.Time // when it began to wait
}

// LimitConns caps ln at n open connections (at least 1).
func LimitConns(ln net.Listener, n int) *ConnLimit {
	l := &ConnLimit{Listener: ln, max: max(n, 1), conns: map[*limitConn]struct{}{}}
	l.free = sync.NewCond(&l.mu)
	return l
}

// Configure sets hs's ConnState and ConnContext hooks, which the limit
// needs (other hooks already set are kept and called first).
func (l *ConnLimit) Configure(hs *http.Server) {
	state, connCtx := hs.ConnState, hs.ConnContext
	hs.ConnState = func(c net.Conn, s http.ConnState) {
		if state != nil {
			state(c, s)
		}
		lc, ok := c.(*limitConn)
		if !ok {
			return
		}
		switch s {
		case http.StateIdle:
			lc.wait(true, true)
		case http.StateActive:
			lc.wait(false, false)
		case http.StateClosed, http.StateHijacked:
			l.remove(lc)
		}
	}
	hs.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		if connCtx != nil {
			ctx = connCtx(ctx, c)
		}
		if lc, ok := c.(*limitConn); ok {
			ctx = context.WithValue(ctx, connKey{}, lc)
		}
		return ctx
	}
}

type connKey struct{}

// Accept accepts a connection; at the cap it sheds the connection that
// has waited longest, or waits until one closes or starts waiting.
func (l *ConnLimit) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	lc := &limitConn{Conn: c, l: l, waiting: true, since: time.Now()}
	var victim *limitConn
	l.mu.Lock()
	for len(l.conns) >= l.max && !l.closed {
		if victim = l.longestWaiting(); victim != nil {
			delete(l.conns, victim)
			l.shed++
			break
		}
		l.free.Wait()
	}
	closed := l.closed
	if !closed {
		l.conns[lc] = struct{}{}
	}
	l.mu.Unlock()
	if victim != nil {
		victim.Conn.Close() // the server's goroutine sees the error and lets go
	}
	if closed {
		c.Close()
		return nil, net.ErrClosed
	}
	return lc, nil
}

func (l *ConnLimit) longestWaiting() *limitConn {
	var v *limitConn
	for c := range l.conns {
		if c.waiting && (v == nil || c.since.Before(v.since)) {
			v = c
		}
	}
	return v
}

// Close closes the listener, wakes an Accept waiting for room, and closes
// the connections the server is waiting for: nothing of a request still
// being sent has been done, and its client may send it again. So
// http.Server.Shutdown, which calls Close first, waits only for the
// requests being answered, not for slow clients.
func (l *ConnLimit) Close() error {
	l.mu.Lock()
	l.closed = true
	l.free.Broadcast()
	var waiting []*limitConn
	for c := range l.conns {
		if c.waiting {
			waiting = append(waiting, c)
		}
	}
	l.mu.Unlock()
	for _, c := range waiting {
		c.Conn.Close()
	}
	return l.Listener.Close()
}

// Open is the number of connections open; Shed how many were closed to
// make room.
func (l *ConnLimit) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// Shed is how many connections were closed to make room for new ones.
func (l *ConnLimit) Shed() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.shed
}

func (l *ConnLimit) remove(c *limitConn) {
	l.mu.Lock()
	if _, ok := l.conns[c]; ok {
		delete(l.conns, c)
		l.free.Signal()
	}
	l.mu.Unlock()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.remove(c) })
	return err
}

// wait marks whether the server waits for c's request; restart begins
// a new wait (a connection gone idle).
func (c *limitConn) wait(waiting, restart bool) {
	if c == nil {
		return
	}
	c.l.mu.Lock()
	c.waiting = waiting
	if restart {
		c.since = time.Now()
	}
	if waiting {
		c.l.free.Signal()
	}
	c.l.mu.Unlock()
}

// DefaultBodyTimeout is how long a request body may take to arrive: a
// 100,000-mark upload (4-7 MB) at 1-2 Mbit/s.
const DefaultBodyTimeout = time.Minute

// errBodyTimeout: the request body did not arrive within the body timeout.
var errBodyTimeout = errors.New("api: request body too slow")

// guardBody gives a request's body a deadline and tells the connection
// limit that the server waits for it until it has arrived.
func (s *Server) guardBody(w http.ResponseWriter, r *http.Request) {
	lc, _ := r.Context().Value(connKey{}).(*limitConn)
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return
	}
	rc := http.NewResponseController(w)
	if err := rc.SetReadDeadline(time.Now().Add(s.bodyWait)); err != nil {
		return
	}
	lc.wait(true, false)
	r.Body = &guardedBody{ReadCloser: r.Body, done: func() {
		rc.SetReadDeadline(time.Time{})
		lc.wait(false, false)
	}}
}

// guardedBody ends its deadline when the body has arrived, and turns a
// timeout into errBodyTimeout.
type guardedBody struct {
	io.ReadCloser
	done func()
	once sync.Once
}

func (b *guardedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == nil {
		return n, nil
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return n, errBodyTimeout
	}
	if err == io.EOF {
		b.once.Do(b.done)
	}
	return n, err
}
