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
	"net/url"
	"path"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"cpr/access"
	"cpr/extract"
	"cpr/pnr"
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
	// StatusExtractJobs is how many status extracts one subscriber may
	// have running at once (0: DefaultStatusExtractJobs; <0: no limit).
	StatusExtractJobs int
	// StatusExtractBytes is how many bytes of status extracts one
	// subscriber may start in a Copenhagen day (0:
	// DefaultStatusExtractBytes; <0: no limit).
	StatusExtractBytes int64
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
	cursors    *cursors
	metrics    *metrics
	unauthLog  sampler
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
		registerer: o.Registerer, unauthLog: sampler{interval: time.Second}}
	if o.Subscriptions == nil {
		var err error
		if o.Subscriptions, err = subscription.Open(o.Register, o.Clock); err != nil {
			return nil, err
		}
	}
	s.subs = o.Subscriptions
	s.extractor = &extract.Extractor{Reg: o.Register, Subs: o.Subscriptions}
	s.jobs = newJobs(o.ExtractDir, o.StatusExtractJobs, o.StatusExtractBytes)
	s.subNATS, s.subsChange = o.SubscriberNATS, o.SubscribersChanged
	s.bodyWait = cmp.Or(o.BodyTimeout, DefaultBodyTimeout)
	s.limit = newLimiter(orInt(o.PersonsPerHour, DefaultPersonsPerHour), orInt(o.PersonsPerDay, DefaultPersonsPerDay))
	m, err := newMetrics(o.Registerer, o.Register)
	if err != nil {
		return nil, err
	}
	if s.cursors, err = newCursors(); err != nil {
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

// Handler is the server's http.Handler. A path that is not clean (an
// empty segment, "." or "..") names no resource: it is answered 404
// no_route as problem+json, where http.ServeMux would redirect to the
// cleaned path with a text/html 307 (an API client should call the path
// it means, and a redirect would carry a token-bearing request elsewhere).
func (s *Server) Handler() http.Handler {
	unclean := s.wrap(&route{method: "ANY", pattern: "unmatched", h: func(*call) error { return errNoRoute }})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// As the ServeMux: "*" (a 400 of its own) and CONNECT are not cleaned.
		if p := r.URL.Path; r.RequestURI != "*" && r.Method != http.MethodConnect && p != cleanPath(p) {
			unclean.ServeHTTP(w, r)
			return
		}
		s.mux.ServeHTTP(w, r)
	})
}

// cleanPath is p as http.ServeMux cleans it: path.Clean, with a trailing
// slash kept.
func cleanPath(p string) string {
	if p == "" || p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		np += "/"
	}
	return np
}

// checkQuery refuses a query string that does not parse (a bad percent
// escape, a semicolon): net/url would drop the pair and the call would
// go on with a default. The field is the parameter, when its name reads.
func checkQuery(raw string) error {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil || strings.Contains(pair, ";") {
			return &fieldError{field: "query", reason: "is not a well-formed query string (& separates parameters)", err: register.ErrInvalid}
		}
		if _, err := url.QueryUnescape(v); err != nil {
			return &fieldError{field: key, reason: "is not well-formed percent-encoding", err: register.ErrInvalid}
		}
	}
	return nil
}

// route is one entry of the API: who may call it and what it does.
type route struct {
	method, pattern string
	roles           []access.Role // nil: no token needed
	summary         string
	h               func(*call) error
}

// call is one request on its way through a handler.
type call struct {
	s     *Server
	w     http.ResponseWriter
	r     *http.Request
	rt    *route
	user  access.User
	token string  // the public id of the token the call was made with
	pnr   pnr.PNR // the person the call is about, once known (for a refusal's entry)
	// target and persons describe an admin action for its entry (see
	// auditAdmin).
	target  string
	persons int
	status  int
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
		if err := checkQuery(r.URL.RawQuery); err != nil {
			c.fail(err)
			return
		}
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
		if rt.isAdminAction() {
			c.w = &adminWriter{ResponseWriter: w, c: c}
		}
		if err := rt.h(c); err != nil && !errors.Is(err, errAnswered) {
			c.fail(err)
		}
	})
}

// authenticate reads "Authorization: Bearer <token>" (the scheme in any
// case, RFC 6750 and RFC 9110 section 11.1) and checks the token and the
// role. An unauthenticated call returns an *authError (401); a role that
// may not make the call returns errForbidden.
func (c *call) authenticate() error {
	h := c.r.Header.Get("Authorization")
	if h == "" {
		return &authError{reason: reasonMissing, err: access.ErrNoToken}
	}
	scheme, secret, _ := strings.Cut(strings.TrimSpace(h), " ")
	secret = strings.TrimSpace(secret)
	if !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return &authError{reason: reasonScheme, err: access.ErrNoToken}
	}
	if !access.WellFormed(secret) {
		return &authError{reason: reasonMalformed, err: access.ErrNoToken}
	}
	u, t, err := c.s.acc.Authenticate(secret)
	if err != nil {
		return authFailure(err)
	}
	c.user, c.token = u, t.ID
	for _, role := range c.rt.roles {
		if role == u.Role {
			return nil
		}
	}
	return errForbidden
}

// deny answers a refused request. An unauthenticated one is counted and
// sampled into the process log, never stored (see unauthenticated); a
// refusal of an authenticated user is written to the access log, with
// the pnr it targeted, and if the log cannot be written the answer is
// 503.
func (c *call) deny(err error) {
	p := problemFor(err)
	if p.Status == http.StatusUnauthorized {
		c.unauthenticated(err)
		c.status = p.Status
		writeProblem(c.w, p)
		return
	}
	if p.Status == http.StatusForbidden {
		c.refuse(p)
		return
	}
	if lerr := c.logAccess(access.Entry{PNR: c.targetPNR(), Outcome: access.OutcomeDenied, Status: p.Status}); lerr != nil {
		p = problemFor(lerr)
	}
	c.status = p.Status
	writeProblem(c.w, p)
}

// refuse answers p, a refusal of access (403) to an authenticated user.
// A refusal costs one person of the user's read limit, like a lookup: a
// client looping over persons it may not see is answered 429 once the
// limit is spent, and then only one refusal a minute is written down
// (see spend), so refusals cannot fill the access log. Below the limit
// each refusal is written as a denied entry (the auditor's denied_reads
// flag counts them); if it cannot be written the answer is 503.
func (c *call) refuse(p Problem) {
	if err := c.spend(1, c.targetPNR()); errors.Is(err, errAnswered) {
		return
	} else if err != nil {
		p = problemFor(err)
	} else if lerr := c.logAccess(access.Entry{PNR: c.targetPNR(), Outcome: access.OutcomeDenied, Status: p.Status}); lerr != nil {
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
	switch p.Status {
	case http.StatusUnauthorized:
		c.unauthenticated(err)
	case http.StatusForbidden:
		c.refuse(p)
		return
	}
	if p.Status >= 500 {
		// The error may carry internals; it stays in the process log.
		c.s.log.Error("api: request failed", "route", c.rt.pattern, "err", err)
		p.Detail = ""
	}
	c.status = p.Status
	writeProblem(c.w, p)
}

// targetPNR is the person a refused call was about: the one the handler
// got to, or the {pnr} of the path.
func (c *call) targetPNR() pnr.PNR {
	if !c.pnr.IsZero() {
		return c.pnr
	}
	if v := c.r.PathValue("pnr"); v != "" {
		if p, err := pnr.Parse(v); err == nil {
			return p
		}
	}
	return 0
}

// stamp fills in who made the call, which call, and why.
func (c *call) stamp(e *access.Entry) {
	e.User, e.Role, e.UserKommune, e.Token = c.user.ID, c.user.Role, c.user.Kommune, c.token
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
