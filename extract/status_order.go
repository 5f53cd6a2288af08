package extract

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// errStop ends an inOrder run early without an error (write returns it).
var errStop = errors.New("extract: stop")

// inOrder runs work(worker, i, buf) for every i in [0, n) on workers
// goroutines and hands the results to write on the caller's goroutine,
// in order of i. Workers run at most a few pieces ahead of write, so
// memory holds a few pieces whatever n is; the buffers write is given go
// back to the workers. It stops at the first error of work or write (or
// when ctx ends) and returns it; a write returning errStop stops it
// without an error. Every goroutine it started has ended when it returns.
func inOrder(ctx context.Context, n, workers int, work func(worker, i int, buf []byte) ([]byte, Stats, error), write func(buf []byte, st Stats) error) error {
	type result struct {
		buf []byte
		st  Stats
		err error
	}
	workers = max(workers, 1)
	window := 2*workers + 1
	ctx, cancel := context.WithCancel(ctx)
	results := make([]chan result, window) // piece i goes to results[i%window]
	for i := range results {
		results[i] = make(chan result, 1)
	}
	tokens := make(chan struct{}, window) // a piece taken but not yet written holds one
	for range window {
		tokens <- struct{}{}
	}
	free := make(chan []byte, window) // buffers written, for reuse
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tokens:
				}
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				var buf []byte
				select {
				case buf = <-free:
				default:
				}
				var r result
				r.buf, r.st, r.err = work(w, i, buf[:0])
				results[i%window] <- r
			}
		}()
	}
	defer func() {
		cancel()
		wg.Wait()
	}()
	for i := 0; i < n; i++ {
		var r result
		select {
		case r = <-results[i%window]:
		case <-ctx.Done():
			return ctx.Err()
		}
		if r.err != nil {
			return r.err
		}
		if err := write(r.buf, r.st); err != nil {
			if errors.Is(err, errStop) {
				return nil
			}
			return err
		}
		select {
		case free <- r.buf:
		default:
		}
		tokens <- struct{}{}
	}
	return nil
}
