package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	"cpr/register"
	"cpr/subscription"
)

// loaded is what the load phase did.
type loaded struct {
	subs                    *subscription.Registry
	persons                 register.LoadStats
	subscribers             int
	daily                   int // subscribers with a daily change extract: all but research
	marks                   int64
	tPersons, tSubs, tMarks float64 // seconds of each part
}

// load bulk-loads population.csv into the empty register and, at the same
// time (the peer, too, loads its tables on connections of their own), the
// subscribers and then their marks.
func load(ctx context.Context, reg *register.Register, dir string, now func() time.Time) (*loaded, error) {
	ld := &loaded{}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg         sync.WaitGroup
		perr, lerr error
	)
	t := time.Now()
	wg.Go(func() {
		ld.persons, lerr = reg.Load(ctx, readPopulation(dir, &perr))
		ld.tPersons = since(t)
	})
	if err := ld.subscriptions(ctx, reg, dir, now); err != nil {
		cancel() // the persons' load stops too
		wg.Wait()
		return nil, err
	}
	wg.Wait()
	if err := firstErr(perr, lerr); err != nil {
		return nil, err
	}
	return ld, nil
}

// subscriptions loads the subscribers, then all the marks at once.
func (ld *loaded) subscriptions(ctx context.Context, reg *register.Register, dir string, now func() time.Time) error {
	t := time.Now()
	subs, err := subscription.Open(reg, now)
	if err != nil {
		return err
	}
	specs, err := readSubscribers(dir)
	if err != nil {
		return err
	}
	for _, s := range specs {
		if _, _, err := subs.Put(s); err != nil {
			return fmt.Errorf("%w: subscriber %s: %v", ErrWorkload, s.ID, err)
		}
	}
	ld.subs, ld.subscribers, ld.tSubs = subs, len(specs), since(t)
	for _, s := range specs {
		if s.Kind != subscription.Research {
			ld.daily++ // research change extracts are monthly, not daily
		}
	}
	t = time.Now()
	var merr error
	n, err := subs.ImportMarks(ctx, readMarks(dir, &merr))
	if merr != nil {
		return merr
	} else if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrWorkload, FileMarks, err)
	}
	ld.marks, ld.tMarks = int64(n), since(t)
	return nil
}
