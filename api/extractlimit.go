package api

import (
	"errors"
	"fmt"
	"math"
	"time"

	"cpr/date"
)

// The limits on extracts, per subscriber: status extracts at once and
// bytes a day; change extracts count against the same limit at once. A status extract reads
// up to the whole register and writes a file of gigabytes, so one
// subscriber (or a stolen subscriber token) could otherwise keep the
// machine busy and its disk full.
const (
	// DefaultStatusExtractJobs: two at once lets a subscriber fetch two
	// formats or two dates side by side, and keeps a 2-core machine's
	// other work going.
	DefaultStatusExtractJobs = 2
	// DefaultStatusExtractBytes is a day's budget: 16 GiB. The whole
	// country (6 million persons, every record in scope) measured 5.96 GB
	// as P12170, and is estimated at 8.8 GiB as JSON Lines (the largest
	// format), so a whole-population status extract fits in any format,
	// with room for smaller ones the same day, but not two of the whole
	// country as JSON Lines.
	DefaultStatusExtractBytes int64 = 16 << 30
	// jobsRetryAfter is what a subscriber at its limit of jobs at once is
	// told to wait: how long a job will still run is not known.
	jobsRetryAfter = 30 * time.Second
)

// Errors of the status extract limits.
var (
	errTooManyExtracts = errors.New("api: too many extracts being made")
	errExtractBudget   = errors.New("api: daily status extract budget spent")
	errOverBudget      = errors.New("api: status extract larger than the daily budget")
)

// limitError refuses an extract; retry is when to ask again.
type limitError struct {
	err    error
	detail string
	retry  time.Duration
}

func (e *limitError) Error() string { return e.detail }
func (e *limitError) Unwrap() error { return e.err }

// retryAfter is the Retry-After value: whole seconds, rounded up.
func (e *limitError) retryAfter() string {
	return fmt.Sprint(int64(math.Ceil(e.retry.Seconds())))
}

// usage is one subscriber's status extracts: running now, and bytes
// started on day.
type usage struct {
	running int
	day     date.Date
	bytes   int64
}

// reserve counts a status extract of est bytes against subscriber sub's
// limits at now, or refuses it with a *limitError. The estimate is
// counted at the start (so jobs started together cannot pass the budget
// between them) and replaced by the real size when the job ends
// (release). It returns the day the bytes were counted on.
// j.mu must not be held.
func (j *jobs) reserve(sub string, est int64, now time.Time) (date.Date, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	u := j.use[sub]
	if u == nil {
		u = &usage{}
		j.use[sub] = u
	}
	day := date.InCopenhagen(now)
	if u.day != day {
		u.day, u.bytes = day, 0
	}
	if err := j.atOnce(u); err != nil {
		return day, err
	}
	if j.maxBytes > 0 && u.bytes+est > j.maxBytes {
		if est > j.maxBytes {
			return day, &limitError{err: errOverBudget,
				detail: fmt.Sprintf("the extract is estimated at %d bytes, more than the daily budget of %d bytes", est, j.maxBytes)}
		}
		closes := day.AddDays(1).StartIn(date.Copenhagen)
		return day, &limitError{err: errExtractBudget, retry: closes.Sub(now),
			detail: fmt.Sprintf("the extract is estimated at %d bytes; %d of the daily budget of %d bytes are spent; the budget renews at %s",
				est, u.bytes, j.maxBytes, closes.Format(time.RFC3339))}
	}
	u.running++
	u.bytes += est
	return day, nil
}

// atOnce refuses one more extract of a subscriber with u at its limit of
// extracts being made at once. j.mu must be held.
func (j *jobs) atOnce(u *usage) error {
	if j.maxJobs > 0 && u.running >= j.maxJobs {
		return &limitError{err: errTooManyExtracts, retry: jobsRetryAfter,
			detail: fmt.Sprintf("%d extracts of this subscriber are being made (status extracts running, change extracts being made and sent), the most at once; ask again when one has finished", u.running)}
	}
	return nil
}

// acquire counts a change extract being made against subscriber sub's
// limit of extracts at once (the one of status extracts: both read the
// register and write a file), or refuses it with a *limitError. Its bytes
// do not count against the daily budget: a change extract is of one day's
// changes, and made again on request. done ends it. j.mu must not be
// held.
func (j *jobs) acquire(sub string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	u := j.use[sub]
	if u == nil {
		u = &usage{}
		j.use[sub] = u
	}
	if err := j.atOnce(u); err != nil {
		return err
	}
	u.running++
	return nil
}

// done ends a change extract that acquire counted.
func (j *jobs) done(sub string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.use[sub].running--
}

// release ends a job that reserved est bytes on day: it no longer runs,
// and the day counts the bytes it really wrote (0 for a job that failed:
// no file was delivered).
func (j *jobs) release(sub string, day date.Date, est, wrote int64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	u := j.use[sub]
	u.running--
	if u.day == day {
		u.bytes += wrote - est
	}
}
