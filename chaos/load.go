package chaos

import (
	"context"
	"time"

	"cpr/bench"
)

// p99Limit is the latency the load ramp must hold.
const p99Limit = 100 * time.Millisecond

// LoadStep is one level of the ramp.
type LoadStep struct {
	Clients   int     `json:"clients"`
	PerSecond float64 `json:"per_second"`
	P99Ms     float64 `json:"p99_ms"`
	Errors    int     `json:"errors"`
}

// LoadReport is the outcome of Load.
type LoadReport struct {
	Steps []LoadStep `json:"steps"`
	// HeldPerSecond is the highest rate (lookups and moves together) at
	// which p99 stayed under 100 ms.
	HeldPerSecond float64 `json:"held_per_second"`
	HeldClients   int     `json:"held_clients"`
}

// Load runs the HTTP load test (bench.RunHTTP: lookups and moves
// together, in-process, with its check that no acknowledged move is lost)
// at doubling numbers of clients until p99 passes 100 ms or maxClients
// is reached.
func Load(ctx context.Context, persons, maxClients int, step time.Duration) (LoadReport, error) {
	var rep LoadReport
	for clients := 1; clients <= maxClients; clients *= 2 {
		r, err := bench.RunHTTP(ctx, bench.HTTPConfig{Clients: clients, Duration: step, Persons: persons, Moves: true, Lookups: true})
		if err != nil {
			return rep, err
		}
		rep.Steps = append(rep.Steps, LoadStep{Clients: clients, PerSecond: r.PerSecond, P99Ms: r.P99Ms, Errors: r.Errors})
		if r.P99Ms > float64(p99Limit.Milliseconds()) {
			break
		}
		if r.PerSecond > rep.HeldPerSecond {
			rep.HeldPerSecond, rep.HeldClients = r.PerSecond, clients
		}
	}
	return rep, nil
}
