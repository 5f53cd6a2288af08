package chaos

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is one "cpr serve" process on a data directory. Every start
// listens on fresh loopback ports (port 0) and reports them on its
// output, which start reads.
type server struct {
	bin, dir string
	extra    []string // more serve flags (--nats-url ...)

	cmd    *exec.Cmd
	exited chan struct{}
	api    string // http://127.0.0.1:port
	nats   string // nats://127.0.0.1:port (embedded only)

	mu   sync.Mutex
	tail []string // the last lines of its log, for errors
}

var (
	listening = regexp.MustCompile(`listening on (http://\S+)`)
	natsAt    = regexp.MustCompile(`embedded NATS listening.* url=(nats://\S+)`)
)

// start runs the server and waits until it serves.
func (s *server) start(ctx context.Context) error {
	args := append([]string{"serve", "--data", s.dir, "--addr", "127.0.0.1:0", "--nats-addr", "127.0.0.1:0",
		"--log-level", "info"}, s.extra...)
	cmd := exec.Command(s.bin, args...)
	cmd.Env = append(os.Environ(), "CPR_DEMO=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	s.cmd, s.exited, s.api, s.nats = cmd, make(chan struct{}), "", ""
	ready := make(chan string, 1)
	natsURL := make(chan string, 1)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		s.scan(stdout, listening, ready)
	}()
	go func() {
		defer wg.Done()
		s.scan(stderr, natsAt, natsURL)
	}()
	go func() {
		wg.Wait() // the pipes are read to the end before Wait closes them
		cmd.Wait()
		close(s.exited)
	}()
	timer := time.NewTimer(2 * time.Minute)
	defer timer.Stop()
	select {
	case s.api = <-ready:
	case <-s.exited:
		return fmt.Errorf("chaos: cpr serve exited at start: %s", s.lastLines())
	case <-timer.C:
		s.kill()
		return fmt.Errorf("chaos: cpr serve did not start in time: %s", s.lastLines())
	case <-ctx.Done():
		s.kill()
		return ctx.Err()
	}
	if slices.Contains(s.extra, "--nats-url") {
		return nil
	}
	select {
	case s.nats = <-natsURL:
	case <-time.After(10 * time.Second):
		return errors.New("chaos: cpr serve did not say where its NATS listens")
	}
	return nil
}

// scan keeps the last lines of r and sends the first match of re's group.
func (s *server) scan(r io.Reader, re *regexp.Regexp, found chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	sent := false
	for sc.Scan() {
		line := sc.Text()
		s.mu.Lock()
		s.tail = append(s.tail, line)
		if len(s.tail) > 20 {
			s.tail = s.tail[1:]
		}
		s.mu.Unlock()
		if m := re.FindStringSubmatch(line); m != nil && !sent {
			found <- m[1]
			sent = true
		}
	}
}

func (s *server) lastLines() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.tail, "\n")
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
	s.cmd = nil
}

// stop asks the server to finish (SIGTERM) and waits; it kills it if it
// takes longer than a minute.
func (s *server) stop() error {
	if s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(time.Minute):
		s.kill()
		return errors.New("chaos: cpr serve did not stop in a minute; killed")
	}
	ok := s.cmd.ProcessState != nil && s.cmd.ProcessState.Success()
	s.cmd = nil
	if !ok {
		return fmt.Errorf("chaos: cpr serve stopped with an error: %s", s.lastLines())
	}
	return nil
}
