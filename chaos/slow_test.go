package chaos

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"
)

// TestSlow: 400 slow connections against a cap of 50. /healthz answers
// every probe, the server holds no more than its cap, and its file
// descriptors stay far below what the clients opened. For a bigger run:
// CPR_CHAOS_SLOW_CLIENTS=15000 CPR_CHAOS_SLOW_MAX_CONNS=-1 (the server's
// own cap) CPR_CHAOS_SLOW_HOLD=10s.
func TestSlow(t *testing.T) {
	cfg := SlowConfig{Bin: cprBinary(t), Dir: t.TempDir(), Clients: 400, MaxConns: 50, Hold: 2 * time.Second}
	if n, err := strconv.Atoi(os.Getenv("CPR_CHAOS_SLOW_CLIENTS")); err == nil {
		cfg.Clients = n
	}
	if n, err := strconv.Atoi(os.Getenv("CPR_CHAOS_SLOW_MAX_CONNS")); err == nil {
		cfg.MaxConns = n
	}
	if d, err := time.ParseDuration(os.Getenv("CPR_CHAOS_SLOW_HOLD")); err == nil {
		cfg.Hold = d
	}
	rep, err := Slow(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("slow bodies: %+v", rep)
	if rep.HealthzProbes == 0 || rep.HealthzAnswered != rep.HealthzProbes {
		t.Errorf("/healthz answered %d of %d probes", rep.HealthzAnswered, rep.HealthzProbes)
	}
	// Shed at the cap or cut by the header timeout: the server lets go
	// of all but its cap.
	if rep.ServerOpen > rep.MaxConns || rep.HeldByClients > rep.MaxConns+1 {
		t.Errorf("server open %d, held %d (shed %d) with cap %d and %d clients", rep.ServerOpen, rep.HeldByClients, rep.ServerShed, rep.MaxConns, rep.Clients)
	}
	if rep.Clients > rep.MaxConns && rep.ServerFDs >= rep.Clients {
		t.Errorf("the server had %d file descriptors open for %d slow clients", rep.ServerFDs, rep.Clients)
	}
}
