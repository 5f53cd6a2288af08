package api

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"cpr/register"
)

// metrics are the server's Prometheus metrics. Labels are route patterns
// and status codes only: never a pnr, a name or an address.
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// unauthenticated counts 401s by reason (authReasons).
	unauthenticated *prometheus.CounterVec
	// logFailures counts access log entries of accepted writes that
	// could not be written.
	logFailures prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, r *register.Register) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cpr_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "cpr_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
		unauthenticated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cpr_http_unauthenticated_total",
			Help: "Calls answered 401, by reason (missing, scheme, malformed, unknown, expired, revoked, disabled); not stored in the access log.",
		}, []string{"reason"}),
		logFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cpr_access_log_failures_total",
			Help: "Access log entries of accepted writes that could not be written (the journal still names the actor).",
		}),
	}
	for _, r := range authReasons {
		m.unauthenticated.WithLabelValues(r)
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{
		m.requests, m.latency, m.unauthenticated, m.logFailures, registerCollector{r},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *metrics) observe(route string, status int, d time.Duration) {
	if status == 0 {
		status = 200
	}
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

// registerCollector reads the register's counters and Pebble's metrics at
// scrape time.
type registerCollector struct{ r *register.Register }

var (
	descSeq       = prometheus.NewDesc("cpr_journal_sequence", "Sequence number of the last committed change.", nil, nil)
	descCommits   = prometheus.NewDesc("cpr_register_commits_total", "Synced group commits.", nil, nil)
	descChanges   = prometheus.NewDesc("cpr_register_changes_total", "Accepted changes.", nil, nil)
	descHealthy   = prometheus.NewDesc("cpr_register_storage_healthy", "1 if the last commit succeeded.", nil, nil)
	descDiskBytes = prometheus.NewDesc("cpr_pebble_disk_usage_bytes", "Pebble disk space in use.", nil, nil)
	descL0Files   = prometheus.NewDesc("cpr_pebble_l0_files", "Files in Pebble level 0.", nil, nil)
	descCompact   = prometheus.NewDesc("cpr_pebble_compactions_total", "Pebble compactions.", nil, nil)
	descMemtable  = prometheus.NewDesc("cpr_pebble_memtable_bytes", "Pebble memtable size.", nil, nil)
	descCacheHit  = prometheus.NewDesc("cpr_pebble_block_cache_hits_total", "Pebble block cache hits.", nil, nil)
	descCacheMiss = prometheus.NewDesc("cpr_pebble_block_cache_misses_total", "Pebble block cache misses.", nil, nil)
	descWALBytes  = prometheus.NewDesc("cpr_pebble_wal_bytes_written_total", "Bytes written to Pebble's WAL.", nil, nil)
)

func (c registerCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descSeq, descCommits, descChanges, descHealthy, descDiskBytes,
		descL0Files, descCompact, descMemtable, descCacheHit, descCacheMiss, descWALBytes} {
		ch <- d
	}
}

func (c registerCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.r.Stats()
	healthy := 1.0
	if st.Failed {
		healthy = 0
	}
	pm := st.Pebble
	ch <- prometheus.MustNewConstMetric(descSeq, prometheus.GaugeValue, float64(st.LastSeq))
	ch <- prometheus.MustNewConstMetric(descCommits, prometheus.CounterValue, float64(st.Commits))
	ch <- prometheus.MustNewConstMetric(descChanges, prometheus.CounterValue, float64(st.Changes))
	ch <- prometheus.MustNewConstMetric(descHealthy, prometheus.GaugeValue, healthy)
	ch <- prometheus.MustNewConstMetric(descDiskBytes, prometheus.GaugeValue, float64(pm.DiskSpaceUsage()))
	ch <- prometheus.MustNewConstMetric(descL0Files, prometheus.GaugeValue, float64(pm.Levels[0].TablesCount))
	ch <- prometheus.MustNewConstMetric(descCompact, prometheus.CounterValue, float64(pm.Compact.Count))
	ch <- prometheus.MustNewConstMetric(descMemtable, prometheus.GaugeValue, float64(pm.MemTable.Size))
	ch <- prometheus.MustNewConstMetric(descCacheHit, prometheus.CounterValue, float64(pm.BlockCache.Hits))
	ch <- prometheus.MustNewConstMetric(descCacheMiss, prometheus.CounterValue, float64(pm.BlockCache.Misses))
	ch <- prometheus.MustNewConstMetric(descWALBytes, prometheus.CounterValue, float64(pm.WAL.BytesWritten))
}
