package peer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoPostgres: no PostgreSQL server binaries were found.
var ErrNoPostgres = errors.New("peer: PostgreSQL binaries not found (apt-get install -y postgresql)")

// Settings are the server settings the peer runs with, for a 2-core,
// 24 GiB machine, as a DBA would set them for this workload. Durability is
// never turned off: fsync, synchronous_commit and full_page_writes are on,
// as our register syncs every commit. wal_level=minimal keeps crash
// safety; it only gives up replication and point-in-time recovery, which
// our register does not have either, and lets COPY into a table created in
// the same transaction skip the WAL (as our bulk load ingests sstables).
var Settings = []string{
	"fsync=on",
	"synchronous_commit=on",
	"full_page_writes=on",
	"wal_level=minimal",
	"max_wal_senders=0",
	"archive_mode=off",
	"shared_buffers=6GB",        // a quarter of memory
	"effective_cache_size=16GB", // what the page cache will hold
	"work_mem=64MB",             // sorts and hashes of the extract queries
	"maintenance_work_mem=2GB",  // index builds during the load
	"wal_buffers=64MB",          // 64 writers commit at once
	"max_wal_size=16GB",         // no forced checkpoints during the load
	"min_wal_size=1GB",          //
	"checkpoint_timeout=15min",  //
	"checkpoint_completion_target=0.9",
	"max_connections=100",
	"random_page_cost=1.1", // SSD
	"effective_io_concurrency=200",
	"max_worker_processes=4",
	"max_parallel_workers=2", // two cores
	"max_parallel_workers_per_gather=2",
	"max_parallel_maintenance_workers=2",
	"jit=off", // short OLTP statements; JIT compile time dominates them
	"huge_pages=try",
	"autovacuum=on",
	"logging_collector=off",
	"log_min_messages=warning",
}

// Server is a PostgreSQL server of our own, in a temporary directory,
// listening on a free port of 127.0.0.1 and on a unix socket in that
// directory.
type Server struct {
	Dir  string // the temporary directory: data in Dir/data, socket in Dir
	Port int
	Bin  string // the directory of initdb and postgres
	cmd  *exec.Cmd
	done chan error
	log  *os.File
}

// BinDir returns the directory of the newest installed PostgreSQL's
// server binaries (Debian: /usr/lib/postgresql/NN/bin), or ErrNoPostgres.
func BinDir() (string, error) {
	if d := os.Getenv("PG_BIN"); d != "" {
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
		return va - vb
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "postgres")); err == nil {
			return dirs[i], nil
		}
	}
	if p, err := exec.LookPath("postgres"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", ErrNoPostgres
}

// Start runs initdb in a new directory under base ("" is the system's
// temporary directory) and starts the server. initdb and postgres refuse
// to run as root: when we are root they run as the user "postgres" (which
// the Debian package creates). Stop stops it and removes the directory.
func Start(ctx context.Context, base string) (*Server, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(base, "cpr-peer-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, Bin: bin}
	cred, err := runAs(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	data := filepath.Join(dir, "data")
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres",
		"--auth=trust", "--encoding=UTF8", "--locale=C", "--no-instructions")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("peer: initdb: %w: %s", err, tail(out))
	}
	for try := 0; ; try++ {
		err = s.start(ctx, data, cred)
		if err == nil {
			return s, nil
		}
		if try == 3 || ctx.Err() != nil {
			s.Stop()
			return nil, err
		}
	}
}

// runAs chowns dir to the user the server runs as, and returns that user's
// credential (nil when we are not root).
func runAs(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("peer: running as root and no user postgres to run the server as: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	// The parent directories must be searchable by that user.
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func (s *Server) start(ctx context.Context, data string, cred *syscall.Credential) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	s.Port = port
	args := []string{"-D", data, "-c", "listen_addresses=127.0.0.1", "-c", "port=" + strconv.Itoa(port),
		"-c", "unix_socket_directories=" + s.Dir}
	for _, kv := range Settings {
		args = append(args, "-c", kv)
	}
	if s.log != nil {
		s.log.Close()
	}
	if s.log, err = os.Create(filepath.Join(s.Dir, "postgres.log")); err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(s.Bin, "postgres"), args...)
	// Pdeathsig: if we die without Stop (a test killed by its timeout),
	// the server gets SIGINT and shuts down instead of lingering.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true, Pdeathsig: syscall.SIGINT}
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("peer: start postgres: %w", err)
	}
	s.cmd, s.done = cmd, make(chan error, 1)
	go func() { s.done <- cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := pgx.Connect(ctx, s.URL())
		if err == nil {
			c.Close(ctx)
			return nil
		}
		select {
		case werr := <-s.done:
			s.cmd = nil
			b, _ := os.ReadFile(s.log.Name())
			return fmt.Errorf("peer: postgres exited: %v: %s", werr, tail(b))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("peer: postgres not ready after 60s: %w", err)
		}
	}
}

// URL is the connection string (TCP on the loopback port).
func (s *Server) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.Port)
}

// Stop stops the server (fast shutdown: SIGINT) and removes its directory.
// It may be called more than once.
func (s *Server) Stop() error {
	var errs []error
	if s.cmd != nil {
		s.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-s.done:
		case <-time.After(60 * time.Second):
			s.cmd.Process.Kill()
			<-s.done
			errs = append(errs, errors.New("peer: postgres did not stop in 60s; killed"))
		}
		s.cmd = nil
	}
	if s.log != nil {
		s.log.Close()
		s.log = nil
	}
	if s.Dir != "" {
		errs = append(errs, os.RemoveAll(s.Dir))
		s.Dir = ""
	}
	return errors.Join(errs...)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 2000 {
		s = s[len(s)-2000:]
	}
	return s
}
