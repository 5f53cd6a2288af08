package api

import (
	"container/list"
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
// connection sheds the one that has been waiting longest (since it was
// accepted, went idle, or began to send its body; a queue, so shedding
// costs the same at any cap): slow senders and idle keep-alives make
// room, so a client that sends its request promptly, such as a /healthz
// probe, always gets in, however many slow connections are held. Only
// when every connection is being answered does Accept wait for one to
// close.
//
// Configure must be called on the http.Server that serves it. With the
// API's handler a request is waited for until its body has arrived; with
// another, until its headers have.
type ConnLimit struct {
	net.Listener
	max int

	mu     sync.Mutex
	free   *sync.Cond // signalled when a connection closes or starts waiting
	conns  map[*limitConn]struct{}
	queue  list.List // the connections waited for, longest first
	shed   int64
	closed bool
}

// limitConn is one accepted connection.
type limitConn struct {
	net.Conn
	l    *ConnLimit
	once sync.Once
	// waiting is c's place in l.queue while the server waits for its
	// request (headers or body); nil while it is being answered. Guarded
	// by l.mu.
	waiting *list.Element
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
			lc.wait(true)
		case http.StateActive:
			lc.wait(false)
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
	lc := &limitConn{Conn: c, l: l}
	var victim *limitConn
	l.mu.Lock()
	for len(l.conns) >= l.max && !l.closed {
		if front := l.queue.Front(); front != nil {
			victim = front.Value.(*limitConn)
			l.drop(victim)
			l.shed++
			break
		}
		l.free.Wait()
	}
	closed := l.closed
	if !closed {
		l.conns[lc] = struct{}{}
		lc.waiting = l.queue.PushBack(lc)
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
	for e := l.queue.Front(); e != nil; e = e.Next() {
		waiting = append(waiting, e.Value.(*limitConn))
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
		l.drop(c)
		l.free.Signal()
	}
	l.mu.Unlock()
}

// drop forgets c (l.mu held).
func (l *ConnLimit) drop(c *limitConn) {
	delete(l.conns, c)
	if c.waiting != nil {
		l.queue.Remove(c.waiting)
		c.waiting = nil
	}
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.remove(c) })
	return err
}

// wait marks whether the server waits for c's request: a connection that
// starts waiting (gone idle, or reading a body) joins the back of the
// queue.
func (c *limitConn) wait(waiting bool) {
	if c == nil {
		return
	}
	l := c.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, open := l.conns[c]; !open {
		return
	}
	switch {
	case waiting && c.waiting == nil:
		c.waiting = l.queue.PushBack(c)
		l.free.Signal()
	case waiting:
		l.queue.MoveToBack(c.waiting)
	case c.waiting != nil:
		l.queue.Remove(c.waiting)
		c.waiting = nil
	}
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
	lc.wait(true)
	r.Body = &guardedBody{ReadCloser: r.Body, done: func() {
		rc.SetReadDeadline(time.Time{})
		lc.wait(false)
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
