package events

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ServerConfig configures the embedded NATS server.
type ServerConfig struct {
	// Dir holds JetStream's file store.
	Dir string
	// Addr is host:port to listen on; port 0 picks a free port.
	Addr string
	// Users are the only clients allowed in; nobody connects anonymously.
	Users []User
	// Logger gets the server's notices and errors (nil: silent).
	Logger *slog.Logger
	// ReviveEvery is how often the server checks that JetStream is on and
	// its streams take messages: it turns JetStream on again after a
	// storage error turned it off, and restarts it when a stream keeps a
	// write error (default DefaultReviveEvery; negative: never). See
	// revive.
	ReviveEvery time.Duration
}

// User is a NATS user with the subjects it may publish and subscribe to.
type User struct {
	Name, Password     string
	Publish, Subscribe []string
}

// RegisterUser may do anything: it is the register itself.
func RegisterUser(name, password string) User {
	return User{Name: name, Password: password, Publish: []string{">"}, Subscribe: []string{">"}}
}

// OperatorInboxPrefix is the operator's own inbox: its clients connect
// with nats.CustomInboxPrefix(OperatorInboxPrefix), and cannot read the
// replies meant for anyone else.
const OperatorInboxPrefix = "_INBOX_operator"

// OperatorUser may read the events and manage consumers on CPR_EVENTS,
// and nothing else.
func OperatorUser(name, password string) User {
	return User{Name: name, Password: password,
		Publish: []string{
			"$JS.API.INFO",
			"$JS.API.STREAM.INFO." + StreamName,
			"$JS.API.STREAM.MSG.GET." + StreamName,
			"$JS.API.CONSUMER.*." + StreamName,
			"$JS.API.CONSUMER.*." + StreamName + ".>",
			"$JS.API.CONSUMER.DURABLE.CREATE." + StreamName + ".>",
			"$JS.API.CONSUMER.MSG.NEXT." + StreamName + ".>",
			"$JS.ACK." + StreamName + ".>",
			"$JS.FC." + StreamName + ".>",
		},
		Subscribe: []string{SubjectPrefix + ".>", OperatorInboxPrefix + ".>"},
	}
}

// Server is an embedded NATS server with JetStream.
type Server struct {
	ns   *server.Server
	url  string
	once sync.Once
	mu   sync.Mutex
	opts *server.Options
	quit chan struct{} // closed by Shutdown: revive stops
	done chan struct{} // closed when revive has stopped
}

// StartServer starts the server and waits until it accepts connections.
func StartServer(cfg ServerConfig) (*Server, error) {
	host, portText, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("events: nats address: %w", err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("events: nats port: %w", err)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	if len(cfg.Users) == 0 {
		return nil, errors.New("events: the NATS server needs at least one user")
	}
	opts := &server.Options{
		ServerName: "cpr", Host: host, Port: port, JetStream: true, StoreDir: cfg.Dir,
		NoSigs: true, MaxPayload: 4 << 20,
	}
	opts.Users = natsUsers(cfg.Users)
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("events: nats server: %w", err)
	}
	if cfg.Logger != nil {
		ns.SetLoggerV2(natsLogger{cfg.Logger}, false, false, false)
	}
	go ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("events: nats server did not start")
	}
	s := &Server{ns: ns, url: "nats://" + ns.Addr().String(), opts: opts, quit: make(chan struct{}), done: make(chan struct{})}
	if cfg.ReviveEvery == 0 {
		cfg.ReviveEvery = DefaultReviveEvery
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	go s.revive(cfg.ReviveEvery, log)
	return s, nil
}

func natsUsers(us []User) []*server.User {
	var out []*server.User
	for _, u := range us {
		perm := &server.Permissions{Subscribe: &server.SubjectPermission{Allow: u.Subscribe}}
		if len(u.Publish) > 0 {
			perm.Publish = &server.SubjectPermission{Allow: u.Publish}
		} else {
			perm.Publish = &server.SubjectPermission{Deny: []string{">"}}
		}
		out = append(out, &server.User{Username: u.Name, Password: u.Password, Permissions: perm})
	}
	return out
}

// SetUsers replaces who may connect, without a restart (a configuration
// reload): new subscribers get their feed.
func (s *Server) SetUsers(us []User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.opts.Clone()
	o.Users = natsUsers(us)
	if err := s.ns.ReloadOptions(o); err != nil {
		return fmt.Errorf("events: reload users: %w", err)
	}
	s.opts = o
	return nil
}

// URL is the address clients connect to.
func (s *Server) URL() string { return s.url }

// Shutdown stops the server and waits for it. It is safe to call twice.
func (s *Server) Shutdown() {
	s.once.Do(func() {
		close(s.quit)
		<-s.done
		s.ns.Shutdown()
		s.ns.WaitForShutdown()
	})
}

type natsLogger struct{ l *slog.Logger }

func (n natsLogger) Noticef(format string, v ...any) { n.l.Debug("nats: " + fmt.Sprintf(format, v...)) }
func (n natsLogger) Warnf(format string, v ...any)   { n.l.Warn("nats: " + fmt.Sprintf(format, v...)) }
func (n natsLogger) Fatalf(format string, v ...any)  { n.l.Error("nats: " + fmt.Sprintf(format, v...)) }
func (n natsLogger) Errorf(format string, v ...any)  { n.l.Error("nats: " + fmt.Sprintf(format, v...)) }
func (n natsLogger) Debugf(format string, v ...any)  {}
func (n natsLogger) Tracef(format string, v ...any)  {}
