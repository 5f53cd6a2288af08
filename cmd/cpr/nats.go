package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"cpr/events"
	"cpr/subscription"
)

// natsConn is how the register reaches NATS, and the operator's login.
type natsConn struct {
	url, user, password string
	operator            *demoNATS
	srv                 *events.Server // nil: an external NATS
	secrets             natsSecrets
}

// subscriberPassword is a subscriber's password on the embedded NATS.
func (n *natsConn) subscriberPassword(id string) string {
	m := hmac.New(sha256.New, []byte(n.secrets.SubscriberKey))
	m.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:24])
}

// syncUsers gives every subscriber but a research one its NATS user on the
// embedded server: research subscribers have no live feed (a change
// arriving live tells its day; their extracts are monthly).
func (n *natsConn) syncUsers(subs []subscription.Subscriber) error {
	if n.srv == nil {
		return nil
	}
	users := []events.User{
		events.RegisterUser("cpr-register", n.secrets.RegisterPassword),
		events.OperatorUser("operator", n.secrets.OperatorPassword),
	}
	for _, s := range subs {
		if s.Kind == subscription.Research {
			continue
		}
		users = append(users, events.SubscriberUser(s.ID, n.subscriberPassword(s.ID)))
	}
	return n.srv.SetUsers(users)
}

// subscriberLogin is what a subscriber needs to follow its live feed.
func (n *natsConn) subscriberLogin(id string) (any, error) {
	if n.srv == nil {
		return nil, errors.New("serve: subscriber feeds on an external NATS are configured there")
	}
	return map[string]string{"url": n.url, "user": "sub-" + id, "password": n.subscriberPassword(id),
		"subject": events.DistPrefix + "." + id}, nil
}

// natsSecrets are the embedded server's passwords, kept in DATA/nats.json
// (mode 0600) so that they survive restarts.
type natsSecrets struct {
	RegisterPassword string `json:"register_password"`
	OperatorPassword string `json:"operator_password"`
	SubscriberKey    string `json:"subscriber_key"`
}

// startNATS starts the embedded NATS server, or uses the external one.
func startNATS(c *serveConfig, log *slog.Logger) (*natsConn, func(), error) {
	if c.natsURL != "" {
		if c.natsUser == "" {
			return nil, nil, errors.New("serve: --nats-url needs --nats-user and --nats-password")
		}
		return &natsConn{url: c.natsURL, user: c.natsUser, password: c.natsPass}, func() {}, nil
	}
	sec, err := loadSecrets(filepath.Join(c.data, "nats.json"))
	if err != nil {
		return nil, nil, err
	}
	srv, err := events.StartServer(events.ServerConfig{
		Dir: filepath.Join(c.data, "nats"), Addr: c.natsAddr, Logger: log,
		Users: []events.User{
			events.RegisterUser("cpr-register", sec.RegisterPassword),
			events.OperatorUser("operator", sec.OperatorPassword),
		},
	})
	if err != nil {
		return nil, nil, err
	}
	log.Info("embedded NATS listening", "url", srv.URL())
	op := &demoNATS{URL: srv.URL(), User: "operator", Password: sec.OperatorPassword}
	return &natsConn{url: srv.URL(), user: "cpr-register", password: sec.RegisterPassword, operator: op, srv: srv, secrets: sec},
		srv.Shutdown, nil
}

func loadSecrets(path string) (natsSecrets, error) {
	var s natsSecrets
	b, err := os.ReadFile(path)
	if err == nil {
		if err := json.Unmarshal(b, &s); err != nil {
			return s, fmt.Errorf("serve: %s: %w", path, err)
		}
		if s.SubscriberKey != "" {
			return s, nil
		}
		s.SubscriberKey = secret()
		b, _ = json.MarshalIndent(s, "", "  ")
		return s, os.WriteFile(path, append(b, '\n'), 0o600)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return s, err
	}
	s = natsSecrets{RegisterPassword: secret(), OperatorPassword: secret(), SubscriberKey: secret()}
	b, _ = json.MarshalIndent(s, "", "  ")
	return s, os.WriteFile(path, append(b, '\n'), 0o600)
}

func secret() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
