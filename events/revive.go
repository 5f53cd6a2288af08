package events

import (
	"log/slog"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// DefaultReviveEvery is how often the embedded server looks whether
// JetStream is still on.
const DefaultReviveEvery = 5 * time.Second

// revive turns JetStream on again after nats-server turned it off. It
// does so by itself on a storage error (out of space, permission denied
// while writing a message), and stays off until a restart: the relay
// could never catch up, however soon the disk was freed. JetStream that
// is off is enabled again on the same store, once the shutdown has
// finished, and tried again every interval while enabling fails (the
// cause is still there). A negative interval never revives.
func (s *Server) revive(every time.Duration, log *slog.Logger) {
	defer close(s.done)
	if every < 0 {
		<-s.quit
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-t.C:
		}
		// Off, and done shutting down (the config is gone with it).
		if s.ns.JetStreamEnabled() || s.ns.JetStreamConfig() != nil || !s.ns.Running() {
			continue
		}
		s.mu.Lock()
		dir := s.opts.StoreDir
		s.mu.Unlock()
		if err := s.ns.EnableJetStream(&server.JetStreamConfig{StoreDir: dir}); err != nil {
			// A failed start leaves JetStream looking on: turn it off,
			// so that the next try starts afresh.
			s.ns.ShutdownJetStream()
			log.Warn("events: JetStream is off and cannot be turned on again yet", "err", err, "retry_in", every)
			continue
		}
		log.Warn("events: JetStream was off after a storage error; it is on again")
	}
}
