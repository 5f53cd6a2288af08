package events

import "github.com/nats-io/nats-server/v2/server"

// NATS is the embedded server itself, for tests that break JetStream
// under a running relay.
func (s *Server) NATS() *server.Server { return s.ns }
