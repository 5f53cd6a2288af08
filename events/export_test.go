package events

import "github.com/nats-io/nats-server/v2/server"

// NATS is the embedded server itself, for tests that break JetStream
// under a running relay.
func (s *Server) NATS() *server.Server { return s.ns }

// HoldRevive keeps revive from turning JetStream on until the returned
// function is called, so a test can put a cause in place first.
func (s *Server) HoldRevive() (release func()) {
	s.mu.Lock()
	return s.mu.Unlock
}
