package chaos

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"path/filepath"

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
