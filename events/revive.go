package events

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// DefaultReviveEvery is how often the embedded server looks whether
// JetStream is still on and its streams can still be written.
const DefaultReviveEvery = 5 * time.Second

// restartWaits bounds the wait between two restarts of JetStream for a
// stream that keeps a write error, in intervals (1 min by default).
const restartWaits = 12

// revive keeps JetStream writable after a storage error, which
// nats-server would leave in place until a restart: the relay could
// never catch up, however soon the cause was gone.
//
// JetStream off: nats-server turns it off by itself on some storage
// errors (out of space, permission denied while writing a message). It is
// turned on again on the same store, once the shutdown has finished.
//
// A stream that keeps a write error while JetStream stays on: on any
// other error while writing (too many open files, an I/O error, a block
// file that cannot be made) nats-server keeps the error on the stream and
// refuses every later message, without an answer. JetStream is restarted
// on the same store, which loads the stream from disk without the error;
// the relay then reads where the stream ends and goes on, so nothing
// acknowledged is lost and nothing is published twice. Restarts wait from
// one interval, doubling, up to restartWaits intervals, for a cause that
// comes back; the wait starts over once the streams have stayed writable
// that long.
//
// Either way JetStream is only (re)started once checkStore finds every
// stream's files in order: nats-server deletes a stream whose files it
// cannot load when it starts.
//
// A negative interval never revives.
func (s *Server) revive(every time.Duration, log *slog.Logger) {
	defer close(s.done)
	if every < 0 {
		<-s.quit
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	maxWait := restartWaits * every
	wait, waitLog := every, every
	var restarted, logged time.Time
	for {
		select {
		case <-s.quit:
			return
		case <-t.C:
		}
		if !s.ns.Running() {
			continue
		}
		on := s.ns.JetStreamEnabled()
		var stuck []string
		if on {
			if stuck = s.streamErrors("write error"); len(stuck) == 0 {
				if time.Since(restarted) > maxWait {
					wait = every
				}
				waitLog = every
				continue
			}
		} else if s.ns.JetStreamConfig() != nil {
			continue // still shutting down (the config goes last)
		}
		if err := checkStore(s.storeDir()); err != nil {
			if time.Since(logged) >= waitLog {
				log.Warn("events: JetStream cannot be (re)started on its store yet", "err", err,
					"stuck_streams", strings.Join(stuck, "; "))
				logged, waitLog = time.Now(), min(2*waitLog, maxWait)
			}
			continue
		}
		if !on {
			if s.enableJetStream(log) {
				log.Warn("events: JetStream was off after a storage error; it is on again")
			}
			continue
		}
		if time.Since(restarted) < wait {
			continue
		}
		restarted, wait, waitLog = time.Now(), min(2*wait, maxWait), every
		log.Warn("events: a stream refuses every message after a write error; restarting JetStream on the same store",
			"streams", strings.Join(stuck, "; "), "next_restart_after", wait)
		if err := s.ns.ShutdownJetStream(); err != nil {
			log.Warn("events: JetStream restart: shutdown", "err", err)
		}
		if s.enableJetStream(log) {
			log.Warn("events: JetStream restarted; the streams take messages again")
		}
	}
}

// storeDir is JetStream's own directory in the store.
func (s *Server) storeDir() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return filepath.Join(s.opts.StoreDir, server.JetStreamStoreDir)
}

// enableJetStream turns JetStream on on the same store. A failed start
// leaves it off, so that the next try starts afresh.
func (s *Server) enableJetStream(log *slog.Logger) bool {
	s.mu.Lock()
	dir := s.opts.StoreDir
	s.mu.Unlock()
	before := streamDirs(s.storeDir())
	if err := s.ns.EnableJetStream(&server.JetStreamConfig{StoreDir: dir}); err != nil {
		// A failed start leaves JetStream looking on.
		s.ns.ShutdownJetStream()
		log.Warn("events: JetStream is off and cannot be turned on again yet", "err", err)
		return false
	}
	for _, d := range before {
		if _, err := os.Stat(d); errors.Is(err, fs.ErrNotExist) {
			log.Error("events: nats-server could not load a stream and deleted it; the relay fills it again from the journal",
				"stream", filepath.Base(d))
		}
	}
	return true
}

// streamErrors are nats-server's health check's errors about streams
// that hold what, such as "write error" (a stream that keeps a write
// error).
func (s *Server) streamErrors(what string) []string {
	var out []string
	for _, e := range s.ns.Healthz(&server.HealthzOptions{Details: true}).Errors {
		if e.Type == server.HealthzErrorStream && strings.Contains(e.Error, what) {
			out = append(out, e.Error)
		}
	}
	return out
}

// streamDirs are the streams' directories in JetStream's directory.
func streamDirs(js string) []string {
	out, _ := filepath.Glob(filepath.Join(js, "*", "streams", "*"))
	return out
}

// checkStore tells whether JetStream can load every stream in its
// directory js: the stream's description can be read, each message block
// is a file that can be opened, and a file can be made next to them (the
// next block). It is a look before the leap: nats-server deletes a stream
// it cannot load when JetStream starts, and the cause of a write error
// (too many open files, a path in the way, a disk that fails) is often
// still there. A store that does not exist yet is in order.
func checkStore(js string) error {
	if _, err := os.Stat(js); errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	if _, err := os.ReadDir(js); err != nil {
		return err
	}
	for _, d := range streamDirs(js) {
		if err := checkStream(d); err != nil {
			return fmt.Errorf("stream %s: %w", filepath.Base(d), err)
		}
	}
	return nil
}

func checkStream(dir string) error {
	if _, err := os.ReadFile(filepath.Join(dir, "meta.inf")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	msgs := filepath.Join(dir, "msgs")
	des, err := os.ReadDir(msgs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	for _, de := range des {
		if !strings.HasSuffix(de.Name(), ".blk") {
			continue
		}
		if !de.Type().IsRegular() {
			return fmt.Errorf("%s is not a file", de.Name())
		}
		f, err := os.Open(filepath.Join(msgs, de.Name()))
		if err != nil {
			return err
		}
		f.Close()
	}
	f, err := os.CreateTemp(msgs, ".cpr-check-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}
