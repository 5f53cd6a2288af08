package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"cpr/events"
)

// NATSConfig configures NATS. Zero fields take the defaults.
type NATSConfig struct {
	Bin        string // the cpr binary (required)
	NATSServer string // the nats-server binary (required for the external kills)
	Dir        string // an empty directory (required)
	Persons    int    // default 2,000
	Clients    int    // default 16
	Kills      int    // kill -9 of the external NATS server (default 5)
	Restarts   int    // Shutdown and restart of the embedded one (default 5)
	Seed       uint64
}

// NATSReport is the outcome of NATS.
type NATSReport struct {
	ExternalKills     int `json:"external_kills"`
	EmbeddedRestarts  int `json:"embedded_restarts"`
	Acknowledged      int `json:"acknowledged"`
	Found             int `json:"found"`
	Lost              int `json:"lost"`
	Duplicates        int `json:"duplicates"`
	StreamMessages    int `json:"stream_messages"`
	StreamGaps        int `json:"stream_gaps"`
	StreamDuplicates  int `json:"stream_duplicates"`
	ServerErrors      int `json:"server_errors"`
	JournalAfterFault int `json:"journal_events"`
}

// NATS kills an external nats-server (built from the module's own
// nats-server) under load while cpr serve relays to it, and then stops
// and restarts the embedded server of an in-process stack under load; the
// stream must catch up with the journal with no gap and no duplicate.
func NATS(ctx context.Context, cfg NATSConfig) (NATSReport, error) {
	if cfg.Persons == 0 {
		cfg.Persons = 2000
	}
	if cfg.Clients == 0 {
		cfg.Clients = 16
	}
	if cfg.Kills == 0 {
		cfg.Kills = 5
	}
	if cfg.Restarts == 0 {
		cfg.Restarts = 5
	}
	var rep NATSReport
	if err := externalKills(ctx, cfg, &rep); err != nil {
		return rep, err
	}
	return rep, embeddedRestarts(ctx, cfg, &rep)
}

// natsServer is an external nats-server process.
type natsServer struct {
	bin, dir, conf string
	port           int
	cmd            *exec.Cmd
	done           chan struct{}
}

func (n *natsServer) start() error {
	n.cmd = exec.Command(n.bin, "-c", n.conf)
	n.done = make(chan struct{})
	if err := n.cmd.Start(); err != nil {
		return err
	}
	go func() { n.cmd.Wait(); close(n.done) }()
	url := "127.0.0.1:" + strconv.Itoa(n.port)
	for range 200 {
		if c, err := net.Dial("tcp", url); err == nil {
			c.Close()
			return nil
		}
		select {
		case <-n.done:
			return fmt.Errorf("chaos: nats-server exited at start")
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("chaos: nats-server did not listen")
}

func (n *natsServer) kill() {
	if n.cmd != nil && n.cmd.Process != nil {
		n.cmd.Process.Signal(syscall.SIGKILL)
		<-n.done
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func externalKills(ctx context.Context, cfg NATSConfig, rep *NATSReport) error {
	dir := filepath.Join(cfg.Dir, "external")
	f, err := prepare(ctx, dir, cfg.Persons)
	if err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	const user, pw = "cpr-register", "chaos-register-password"
	ns := &natsServer{bin: cfg.NATSServer, dir: dir, conf: filepath.Join(dir, "nats.conf"), port: port}
	conf := fmt.Sprintf("listen: 127.0.0.1:%d\nserver_name: chaos\njetstream { store_dir: %q }\nauthorization { users: [ {user: %s, password: %s} ] }\n",
		port, filepath.Join(dir, "nats-store"), user, pw)
	if err := os.WriteFile(ns.conf, []byte(conf), 0o600); err != nil {
		return err
	}
	if err := ns.start(); err != nil {
		return err
	}
	defer ns.kill()
	url := "nats://127.0.0.1:" + strconv.Itoa(port)
	srv := &server{bin: cfg.Bin, dir: dir, extra: []string{"--nats-url", url, "--nats-user", user, "--nats-password", pw}}
	if err := srv.start(ctx); err != nil {
		return err
	}
	defer srv.kill()
	fl := startFleet(ctx, f, srv.api, cfg.Clients, cfg.Seed)
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x4A75))
	for range cfg.Kills {
		before := fl.acked()
		waitFor(ctx, 30*time.Second, func() bool { return fl.acked() > before+200 })
		ns.kill()
		rep.ExternalKills++
		// NATS stays down a while; changes go on meanwhile.
		select {
		case <-time.After(time.Duration(100+rng.IntN(400)) * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := ns.start(); err != nil {
			return err
		}
	}
	fl.finish()
	seq, err := journalSeq(ctx, fl.hc, srv.api)
	if err != nil {
		return err
	}
	msgs, err := readStream(ctx, natsLogin{url: url, user: user, password: pw}, int(seq), 2*time.Minute)
	if err != nil {
		return err
	}
	if err := srv.stop(); err != nil {
		return err
	}
	return rep.add(dir, fl, msgs)
}

// add checks the register in dir and the stream against what the fleet
// was told.
func (rep *NATSReport) add(dir string, fl *fleet, msgs []streamMsg) error {
	acks, un := fl.led.snapshot()
	chk, err := checkRegister(dir, acks, un)
	if err != nil {
		return err
	}
	d, g := streamCheck(msgs, chk.journal)
	if len(msgs) > len(chk.journal) {
		g += len(msgs) - len(chk.journal)
	}
	rep.Acknowledged += len(acks)
	rep.Found += chk.found
	rep.Lost += chk.lost
	rep.Duplicates += chk.duplicates
	rep.StreamMessages += len(msgs)
	rep.StreamGaps += g
	rep.StreamDuplicates += d
	rep.JournalAfterFault += len(chk.journal)
	fl.led.mu.Lock()
	rep.ServerErrors += fl.led.serverErrs
	fl.led.mu.Unlock()
	return nil
}

func embeddedRestarts(ctx context.Context, cfg NATSConfig, rep *NATSReport) error {
	dir := filepath.Join(cfg.Dir, "embedded")
	f, err := prepare(ctx, dir, cfg.Persons)
	if err != nil {
		return err
	}
	users := []events.User{events.RegisterUser("cpr-register", "chaos-pw")}
	natsDir := filepath.Join(dir, "nats")
	ns, err := events.StartServer(events.ServerConfig{Dir: natsDir, Addr: "127.0.0.1:0", Users: users})
	if err != nil {
		return err
	}
	addr := ns.URL()[len("nats://"):]
	st := &stack{dir: dir, nats: func() (string, string, string) { return ns.URL(), "cpr-register", "chaos-pw" }}
	if err := st.start(); err != nil {
		ns.Shutdown()
		return err
	}
	fl := startFleet(ctx, f, st.base, cfg.Clients, cfg.Seed)
	for range cfg.Restarts {
		before := fl.acked()
		waitFor(ctx, 30*time.Second, func() bool { return fl.acked() > before+200 })
		ns.Shutdown()
		rep.EmbeddedRestarts++
		down := fl.acked()
		waitFor(ctx, 30*time.Second, func() bool { return fl.acked() > down+100 })
		if ns, err = events.StartServer(events.ServerConfig{Dir: natsDir, Addr: addr, Users: users}); err != nil {
			st.stop()
			return err
		}
	}
	fl.finish()
	defer ns.Shutdown()
	msgs, err := readStream(ctx, natsLogin{url: ns.URL(), user: "cpr-register", password: "chaos-pw"}, int(st.reg.LastSeq()), 2*time.Minute)
	if err != nil {
		st.stop()
		return err
	}
	if err := st.stop(); err != nil {
		return err
	}
	return rep.add(dir, fl, msgs)
}
