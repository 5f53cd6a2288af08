package chaos

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"cpr/register"
)

// AbuseConfig configures Abuse.
type AbuseConfig struct {
	Bin     string // the cpr binary (required)
	Dir     string // an empty directory (required)
	Persons int    // default 2,000
	// Rounds of random bad input after the fixed set (0: the fixed set).
	Rounds int
	Seed   uint64
	// Flood is how many bad-token requests the unauthenticated flood
	// sends (default 20,000; negative: none).
	Flood int
}

// Abuse starts cpr serve on a prepared directory and sends it bad input
// (BadInput) and requests it must refuse (Access). Bad input must change
// nothing: the journal, the users, tokens, subscribers and marks are the
// same before and after.
func Abuse(ctx context.Context, cfg AbuseConfig) (InputReport, AccessReport, error) {
	if cfg.Persons == 0 {
		cfg.Persons = 2000
	}
	f, err := prepare(ctx, cfg.Dir, cfg.Persons)
	if err != nil {
		return InputReport{}, AccessReport{}, err
	}
	before, err := stateHash(cfg.Dir)
	if err != nil {
		return InputReport{}, AccessReport{}, err
	}
	srv := &server{bin: cfg.Bin, dir: cfg.Dir}
	if err := srv.start(ctx); err != nil {
		return InputReport{}, AccessReport{}, err
	}
	defer srv.kill()
	in, err := BadInput(ctx, srv.api, f, cfg.Rounds, cfg.Seed)
	if err != nil {
		return in, AccessReport{}, err
	}
	seq, err := journalSeq(ctx, http.DefaultClient, srv.api)
	if err != nil {
		return in, AccessReport{}, err
	}
	if seq != 0 {
		in.Changes++
		in.Examples = append(in.Examples, fmt.Sprintf("the journal holds %d events after bad input only", seq))
	}
	acc, err := Access(ctx, srv.api, f)
	if err != nil {
		return in, acc, err
	}
	if err := srv.stop(); err != nil {
		return in, acc, err
	}
	if cfg.Flood >= 0 {
		if err := flood(ctx, srv, cfg.Flood, &acc); err != nil {
			return in, acc, err
		}
	}
	after, err := stateHash(cfg.Dir)
	if err != nil {
		return in, acc, err
	}
	if after != before {
		in.Changes++
		in.Examples = append(in.Examples, "users, tokens, subscribers or marks changed")
	}
	return in, acc, nil
}

// flood sends n requests with well-formed but unknown tokens to a
// person lookup, from 8 connections, and measures how much the
// register's directory grew: the server is stopped before and after, so
// the bytes are what was made durable. One start and stop without
// requests comes first, so that what Pebble does at open (the WAL of the
// earlier run flushed) is not counted. srv is stopped on return.
func flood(ctx context.Context, srv *server, n int, rep *AccessReport) error {
	if n == 0 {
		n = 20000
	}
	if err := srv.start(ctx); err != nil {
		return err
	}
	if err := srv.stop(); err != nil {
		return err
	}
	before, err := dirBytes(filepath.Join(srv.dir, "register"))
	if err != nil {
		return err
	}
	if err := srv.start(ctx); err != nil {
		return err
	}
	start := time.Now()
	hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	defer hc.CloseIdleConnections()
	var (
		next  atomic.Int64
		wrong atomic.Int64
		wg    sync.WaitGroup
		errs  = make(chan error, 8)
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				// A fresh well-formed secret each time: the server must
				// look every one up.
				token := fmt.Sprintf("cpr_%042dA", i)
				status, _, err := send(ctx, hc, http.MethodGet, srv.api+"/v1/persons/0101011235", token, nil)
				if err != nil {
					errs <- err
					return
				}
				if status != http.StatusUnauthorized {
					wrong.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return fmt.Errorf("chaos: flood: %w", err)
	}
	rep.FloodRequests = n
	rep.FloodPerSecond = float64(n) / time.Since(start).Seconds()
	if w := wrong.Load(); w > 0 {
		rep.Allowed += int(w)
		rep.Examples = append(rep.Examples, fmt.Sprintf("%d flood requests with unknown tokens were not answered 401", w))
	}
	if err := srv.stop(); err != nil {
		return err
	}
	after, err := dirBytes(filepath.Join(srv.dir, "register"))
	if err != nil {
		return err
	}
	rep.FloodGrowthBytes = after - before
	return nil
}

// dirBytes is the size of the files under dir.
func dirBytes(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		n += info.Size()
		return nil
	})
	return n, err
}

// stateHash is a hash of the records bad input must not change: users,
// tokens, subscribers and marks (not the access log, which grows).
func stateHash(dir string) (sum [32]byte, err error) {
	reg, err := register.Open(filepath.Join(dir, "register"), register.Options{ReadOnly: true, CacheBytes: 8 << 20})
	if err != nil {
		return sum, err
	}
	defer reg.Close()
	h := sha256.New()
	for _, sp := range []register.Space{register.SpaceUsers, register.SpaceTokens, register.SpaceSubscribers, register.SpaceMarks} {
		if err := reg.ScanRecords(sp, nil, nil, false, func(k, v []byte) bool {
			h.Write([]byte{byte(sp)})
			h.Write(k)
			h.Write(v)
			return true
		}); err != nil {
			return sum, err
		}
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}
