package events_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkRelay commits b.N moves from 64 goroutines into a register of
// 50,000 persons while the relay publishes them. It reports events/s end
// to end (from the start of the commits until the stream acknowledged the
// last one), changes/s (commits alone), and the largest relay lag seen.
func BenchmarkRelay(b *testing.B) {
	e := newEnv(b, 50_000)
	relay := startRelay(b, e.reg, e.srv.URL())
	waitCaughtUp(b, relay, e.reg, 30*time.Second)
	base := e.reg.LastSeq()

	var maxLag atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if l := relay.Status().Lag; l > maxLag.Load() {
				maxLag.Store(l)
			}
		}
	}()

	b.ResetTimer()
	start := time.Now()
	applyMoves(b, e.reg, e.movers, b.N, 64, uint64(b.N))
	committed := time.Since(start)
	last := e.reg.LastSeq()
	eventually(b, 2*time.Minute, func() error {
		if p := relay.Status().Published; p < last {
			return fmt.Errorf("stream acknowledged %d of %d", p, last)
		}
		return nil
	})
	endToEnd := time.Since(start)
	b.StopTimer()
	close(stop)
	wg.Wait()

	if n := last - base; n != uint64(b.N) {
		b.Fatalf("%d changes committed for b.N = %d", n, b.N)
	}
	_, js := connect(b, e.srv.URL(), registerUser, registerPass)
	if st := streamState(b, js); st.Msgs != last || st.LastSeq != last {
		b.Fatalf("stream holds %d messages up to seq %d, journal %d", st.Msgs, st.LastSeq, last)
	}
	b.ReportMetric(float64(b.N)/endToEnd.Seconds(), "events/s")
	b.ReportMetric(float64(b.N)/committed.Seconds(), "changes/s")
	b.ReportMetric(float64(maxLag.Load()), "max-lag")
}
