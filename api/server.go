// Package api is the HTTP API of the register: JSON over HTTP for clerks,
// lookup users, auditors, citizens and administrators. Every route is in
// one table (routes.go) that also drives the OpenAPI check; every error
// goes through one table (problem.go).
package api

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"cpr/access"
	"cpr/extract"
	"cpr/register"
	"cpr/subscription"
)

// Options configures New. Register and Access are required.
type Options struct {
	Register   *register.Register
	Access     *access.Service
	Logger     *slog.Logger
	Registerer prometheus.Registerer // nil: no metrics registered
	// MaxBody caps request bodies (default 1 MiB).
	MaxBody int64
	// BodyTimeout is how long a request body may take to arrive (default
	// DefaultBodyTimeout); a slower one is answered 408.
	BodyTimeout time.Duration
	// PersonsPerHour and PersonsPerDay are each user's read limit (see
	// limit.go; 0: the default, negative: no limit).
	PersonsPerHour, PersonsPerDay int
	// Ready reports extra readiness problems; nil means ready.
	Ready func() error
	// Events reports the event relay's state for /readyz (nil: none).
	Events func() any
	// Clock is the server's clock (default time.Now).
	Clock func() time.Time
	// Subscriptions is the distribution register (nil: no subscriber
	// routes answer).
	Subscriptions *subscription.Registry
	// ExtractDir holds the files of status extracts.
	ExtractDir string
	// SubscriberNATS tells a subscriber how to follow its live feed
	// (nil: the route answers 503).
	SubscriberNATS func(id string) (any, error)
	// SubscribersChanged is called after a subscriber is created or
	// replaced (to give it its NATS user).
	SubscribersChanged func() error
}

// Server serves the API.
type Server struct {
	reg        *register.Register
	acc        *access.Service
	log        *slog.Logger
	maxBody    int64
	bodyWait   time.Duration
	ready      func() error
	events     func() any
	subs       *subscription.Registry
	extractor  *extract.Extractor
	jobs       *jobs
	subNATS    func(id string) (any, error)
	subsChange func() error
	clock      func() time.Time
	limit      *limiter
	metrics    *metrics
	registerer prometheus.Registerer
	mux        *http.ServeMux
	routes     []route
}

// New builds the server and registers its metrics.
func New(o Options) (*Server, error) {
	if o.Register == nil || o.Access == nil {
		return nil, errors.New("api: Register and Access are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.MaxBody == 0 {
		o.MaxBody = 1 << 20
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	s := &Server{reg: o.Register, acc: o.Access, log: o.Logger, maxBody: o.MaxBody, ready: o.Ready, events: o.Events, clock: o.Clock,
		registerer: o.Registerer}
	if o.Subscriptions == nil {
		var err error
		if o.Subscriptions, err = subscription.Open(o.Register, o.Clock); err != nil {
			return nil, err
		}
	}
	s.subs = o.Subscriptions
	s.extractor = &extract.Extractor{Reg: o.Register, Subs: o.Subscriptions}
	s.jobs = newJobs(o.ExtractDir)
	s.subNATS, s.subsChange = o.SubscriberNATS, o.SubscribersChanged
	s.bodyWait = cmp.Or(o.BodyTimeout, DefaultBodyTimeout)
	s.limit = newLimiter(orInt(o.PersonsPerHour, DefaultPersonsPerHour), orInt(o.PersonsPerDay, DefaultPersonsPerDay))
	m, err := newMetrics(o.Registerer, o.Register)
	if err != nil {
		return nil, err
	}
	s.metrics = m
	s.routes = s.table()
	s.mux = http.NewServeMux()
	for i := range s.routes {
		rt := &s.routes[i]
		s.mux.Handle(rt.method+" "+rt.pattern, s.wrap(rt))
	}
	s.mux.Handle("/", s.wrap(&route{method: "ANY", pattern: "unmatched", h: func(c *call) error {
		if allow := s.allowed(c.r.URL.Path); len(allow) > 0 {
			c.w.Header().Set("Allow", strings.Join(allow, ", "))
			return errMethod
		}
		return errNoRoute
	}}))
	return s, nil
}

// Close cancels the status extracts being made and waits for them.
func (s *Server) Close() { s.jobs.close() }

// Handler is the server's http.Handler.
func (s *Server) Handler() http.Handler { return s.mux }

// route is one entry of the API: who may call it and what it does.
type route struct {
	method, pattern string
	roles           []access.Role // nil: no token needed
	summary         string
	h               func(*call) error
}

// call is one request on its way through a handler.
type call struct {
	s      *Server
	w      http.ResponseWriter
	r      *http.Request
	rt     *route
	user   access.User
	status int
	// maxBody caps this call's body (0: the server's MaxBody).
	maxBody int64
	// renames maps a lower layer's field names to this request's.
	renames map[string]string
}

func (s *Server) wrap(rt *route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.guardBody(w, r)
		c := &call{s: s, w: w, r: r, rt: rt}
		defer func() {
			if v := recover(); v != nil {
				s.log.Error("api: panic", "route", rt.pattern, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				c.fail(errors.New("panic"))
			}
			s.metrics.observe(rt.method+" "+rt.pattern, c.status, time.Since(start))
		}()
		if rt.roles != nil && s.reg.Broken() {
			// After a failed commit storage may show what is not durable:
			// nothing is read or written until a restart.
			c.fail(fmt.Errorf("%w: storage failed; restart the server", register.ErrUnavailable))
			return
		}
		if rt.roles != nil {
			if err := c.authenticate(); err != nil {
				c.deny(err)
				return
			}
		}
		if err := rt.h(c); err != nil && !errors.Is(err, errAnswered) {
			c.fail(err)
		}
	})
}

func (c *call) authenticate() error {
	h := c.r.Header.Get("Authorization")
	secret, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || secret == "" {
		return access.ErrNoToken
	}
	u, _, err := c.s.acc.Authenticate(strings.TrimSpace(secret))
	if err != nil {
		return err
	}
	c.user = u
	for _, role := range c.rt.roles {
		if role == u.Role {
			return nil
		}
	}
	return errForbidden
}

// deny answers a refused request and writes it to the access log; if the
// log cannot be written, the answer is 503.
func (c *call) deny(err error) {
	p := problemFor(err)
	if lerr := c.logAccess(access.Entry{Outcome: "denied", Status: p.Status}); lerr != nil {
		p = problemFor(lerr)
	}
	c.status = p.Status
	writeProblem(c.w, p)
}

// fail answers an error. Refusals of access are logged as denied.
func (c *call) fail(err error) {
	p := problemFor(err)
	if to, ok := c.renames[p.Field]; ok {
		p.Field = to
	}
	if p.Status == http.StatusForbidden || p.Status == http.StatusUnauthorized {
		if lerr := c.logAccess(access.Entry{Outcome: "denied", Status: p.Status}); lerr != nil {
			p = problemFor(lerr)
		}
	}
	if p.Status >= 500 {
		// The error may carry internals; it stays in the process log.
		c.s.log.Error("api: request failed", "route", c.rt.pattern, "err", err)
		p.Detail = ""
	}
	c.status = p.Status
	writeProblem(c.w, p)
}

// stamp fills in who made the call, which call, and why.
func (c *call) stamp(e *access.Entry) {
	e.User, e.Role, e.UserKommune = c.user.ID, c.user.Role, c.user.Kommune
	e.Call = c.rt.method + " " + c.rt.pattern
	e.Purpose = purpose(c.r)
}

// logAccess writes one access log entry for this call.
func (c *call) logAccess(e access.Entry) error {
	c.stamp(&e)
	if err := c.s.acc.Log(e); err != nil {
		c.s.log.Error("api: access log write failed", "err", err)
		return fmt.Errorf("%w: access log", register.ErrUnavailable)
	}
	return nil
}

func purpose(r *http.Request) string {
	p := r.Header.Get("X-Purpose")
	if len(p) > 200 {
		p = p[:200]
	}
	return strings.ToValidUTF8(p, "")
}

// json answers v with status.
func (c *call) json(status int, v any) error {
	c.w.Header().Set("Content-Type", "application/json")
	c.w.Header().Set("Cache-Control", "no-store")
	c.w.WriteHeader(status)
	c.status = status
	return json.NewEncoder(c.w).Encode(v)
}

// decode reads a JSON body into v: size-capped, unknown fields refused.
func (c *call) decode(v any) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, cmp.Or(c.maxBody, c.s.maxBody)))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, errBodyTooLarge
	}
	if errors.Is(err, errBodyTimeout) {
		return nil, err
	}
	if err != nil {
		return nil, errMalformedBody
	}
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, errMalformedBody // every request body is a JSON object
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			return nil, &fieldError{field: te.Field, reason: "has the wrong type", err: errMalformedBody}
		case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			return nil, errMalformedBody
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field := unknownFieldPath(body, v)
			return nil, &fieldError{field: field, reason: "is not a field of this request", err: errUnknownField}
		}
		var fe *fieldError
		if errors.As(err, &fe) {
			return nil, err
		}
		return nil, errMalformedBody
	}
	if dec.More() {
		return nil, errMalformedBody
	}
	return body, nil
}

func (c *call) queryInt(name string, def, max int) (int, error) {
	v := c.r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, &fieldError{field: name, reason: fmt.Sprintf("must be a number 1-%d", max), err: register.ErrInvalid}
	}
	return n, nil
}
