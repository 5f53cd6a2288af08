package main

import (
	"log/slog"
	"net"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"cpr/api"
)

// headerTimeout is how long a request's headers may take to arrive.
const headerTimeout = 10 * time.Second

// Sizing the connection cap from the open-file limit: fdReserve
// descriptors stay for storage (Pebble keeps up to 1,000 tables open),
// the embedded NATS server, extract files and logs; connections get half
// of the rest, at least minConns and at most maxConns (each costs some
// 20 KB of memory; 10,000 is far more than a register's clients need at
// once, behind or without a proxy).
const (
	fdReserve = 2048
	minConns  = 64
	maxConns  = 10_000
)

// connCap is the connection cap for an open-file limit.
func connCap(nofile uint64) int {
	if nofile <= fdReserve+2*minConns {
		return minConns
	}
	return int(min((nofile-fdReserve)/2, maxConns))
}

// limitConns caps ln at n connections (0: sized from the open-file limit,
// whose soft value is first raised to the hard one) and registers the
// cap's metrics.
func limitConns(ln net.Listener, n int, log *slog.Logger, reg prometheus.Registerer) (*api.ConnLimit, error) {
	nofile, err := fileLimit()
	if err != nil {
		log.Warn("serve: open-file limit unknown", "err", err)
	}
	if n <= 0 {
		n = connCap(nofile)
	}
	if nofile > 0 && uint64(n)+fdReserve > nofile {
		log.Warn("serve: the connection cap leaves few file descriptors", "max_conns", n, "open_files", nofile)
	}
	l := api.LimitConns(ln, n)
	log.Info("serve: connections capped", "max_conns", n, "open_files", nofile)
	for _, c := range []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cpr_http_connections_max", Help: "Most HTTP connections open at once."},
			func() float64 { return float64(n) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cpr_http_connections_open", Help: "HTTP connections open."},
			func() float64 { return float64(l.Open()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "cpr_http_connections_shed_total",
			Help: "HTTP connections closed at the cap to make room: the longest waiting for their request."},
			func() float64 { return float64(l.Shed()) }),
	} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return l, nil
}
