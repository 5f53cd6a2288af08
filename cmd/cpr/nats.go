package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"cpr/events"
)

// natsConn is how the register reaches NATS, and the operator's login.
type natsConn struct {
	url, user, password string
	operator            *demoNATS
}

// natsSecrets are the embedded server's passwords, kept in DATA/nats.json
// (mode 0600) so that they survive restarts.
type natsSecrets struct {
	RegisterPassword string `json:"register_password"`
	OperatorPassword string `json:"operator_password"`
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
	return &natsConn{url: srv.URL(), user: "cpr-register", password: sec.RegisterPassword, operator: op}, srv.Shutdown, nil
}

func loadSecrets(path string) (natsSecrets, error) {
	var s natsSecrets
	b, err := os.ReadFile(path)
	if err == nil {
		if err := json.Unmarshal(b, &s); err != nil {
			return s, fmt.Errorf("serve: %s: %w", path, err)
		}
		return s, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return s, err
	}
	s = natsSecrets{RegisterPassword: secret(), OperatorPassword: secret()}
	b, _ = json.MarshalIndent(s, "", "  ")
	return s, os.WriteFile(path, append(b, '\n'), 0o600)
}

func secret() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
