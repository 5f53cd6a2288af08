package access

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cpr/pnr"
)

// BenchmarkLog logs from 64 goroutines, as 64 concurrent requests would,
// each Log a synced batch; Pebble's group commit shares the fsyncs.
func BenchmarkLog(b *testing.B) {
	const workers = 64
	s, _, _ := newTestService(b, Options{Clock: time.Now})
	persons := make([]pnr.PNR, 4096)
	for i := range persons {
		persons[i] = testPNR(b, i)
	}
	e := readEntry("", 0)
	e.UserKommune, e.PersonKommune = 101, 147
	var next atomic.Int64
	var failed atomic.Pointer[error]
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			e := e
			e.User = fmt.Sprintf("user-%d", w)
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				e.PNR = persons[i%int64(len(persons))]
				if err := s.Log(e); err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "entries/s")
	b.ReportMetric(float64(len(appendEntry(nil, &Entry{User: "user-17", Role: e.Role, PNR: persons[0], Call: e.Call,
		Purpose: e.Purpose, Outcome: e.Outcome, Status: e.Status, UserKommune: 101, PersonKommune: 147}))), "value-B/entry")
}
