package chaos

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"cpr/access"
	"cpr/api"
	"cpr/events"
	"cpr/register"
)

// stack is the server wired in-process as cmd/cpr serve wires it, on a
// prepared data directory, for the scenarios that reach inside: a
// failing file system, an embedded NATS server the suite stops.
type stack struct {
	dir   string
	fs    *register.FaultFS // nil: the OS file system
	clock func() time.Time  // the register's clock (nil: the real one)
	nats  func() (url, user, password string)
	reg   *register.Register
	srv   *api.Server
	hs    *http.Server
	done  chan error
	relay *events.Relay
	base  string
}

// start opens the register and serves the API on a loopback port (and
// relays the journal, when nats is set).
func (s *stack) start() error {
	o := register.Options{CacheBytes: 32 << 20, Clock: s.clock}
	if s.fs != nil {
		o.FS = s.fs.FS()
	}
	reg, err := register.Open(filepath.Join(s.dir, "register"), o)
	if err != nil {
		return err
	}
	s.reg = reg
	if s.nats != nil {
		url, user, pw := s.nats()
		if s.relay, err = events.StartRelay(events.RelayConfig{Register: reg, URL: url, User: user, Password: pw}); err != nil {
			reg.Close()
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(s.dir, "extracts"), 0o750); err != nil {
		return errors.Join(err, s.closeStorage())
	}
	s.srv, err = api.New(api.Options{Register: reg, Access: access.New(reg, access.Options{}),
		ExtractDir: filepath.Join(s.dir, "extracts")})
	if err != nil {
		return errors.Join(err, s.closeStorage())
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return errors.Join(err, s.closeStorage())
	}
	s.base = "http://" + ln.Addr().String()
	s.hs = &http.Server{Handler: s.srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	s.done = make(chan error, 1)
	go func() { s.done <- s.hs.Serve(ln) }()
	return nil
}

// stop finishes the requests in flight and closes everything. A register
// broken by a storage fault reports the fault on close; stop returns
// only the errors of a clean stack.
func (s *stack) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := s.hs.Shutdown(ctx)
	if serr := <-s.done; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	s.srv.Close()
	return errors.Join(err, s.closeStorage())
}

func (s *stack) closeStorage() error {
	var err error
	if s.relay != nil {
		err = s.relay.Close()
		s.relay = nil
	}
	broken := s.reg.Broken()
	if cerr := s.reg.Close(); !broken {
		err = errors.Join(err, cerr)
	}
	return err
}
