package api

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"cpr/access"
	"cpr/pnr"
)

// The read limit: how many persons one user may read through lookups,
// search and residents. Persons are counted, not requests, so paging a
// search costs what it returns, across any cursors and any of the
// user's tokens.
//
// Each user has two token buckets: an hour bucket of PersonsPerHour
// persons refilled at PersonsPerHour an hour, and a day bucket of
// PersonsPerDay refilled at PersonsPerDay a day. A read of n persons
// takes n from both, or nothing and is refused with 429 and the seconds
// until both hold n. A lookup by pnr costs one person, found or not (that
// a number exists is information); a search or residents call costs the
// persons it returns, at least one. A call refused with 403 costs one
// (see call.refuse), so refusals in a loop end in 429s, of which one a
// minute is written down.
//
// The defaults are sized for a busy folkeregister clerk: about 100 cases
// a day at the counter, each a search page or two of 20 and a few
// lookups, is some 5,000 persons a day and well under 1,000 in an hour;
// the defaults are twice that, 2,000 an hour and 10,000 a day. Reading
// the population of 6 million at that pace takes more than 500 days, and
// every refusal is in the access log, where the auditor's flags show it
// (access.RuleReadLimit). The buckets are in memory: a restart refills
// them.
const (
	DefaultPersonsPerHour = 2_000
	DefaultPersonsPerDay  = 10_000
)

// errReadLimit refuses a read over the user's read limit.
var errReadLimit = errors.New("api: read limit reached")

// limiter holds every user's buckets. A bucket that has refilled is the
// same as none and is dropped, so memory holds only the users who read
// within the last day.
type limiter struct {
	hour, day float64 // capacities; 0: no limit
	mu        sync.Mutex
	users     map[string]*buckets
	swept     time.Time
}

// buckets are one user's persons left in the hour and the day bucket, as
// of at, and the user's refusals not yet recorded.
type buckets struct {
	hour, day float64
	at        time.Time
	recorded  time.Time // the last refusal written down
	refused   int       // refusals since
}

// recordEvery: of a user's refusals, one a minute is written to the
// access log and the process log (with the number since the last); a
// client hammering at its limit does not add a row a request.
const recordEvery = time.Minute

func newLimiter(perHour, perDay int) *limiter {
	return &limiter{hour: float64(max(perHour, 0)), day: float64(max(perDay, 0)), users: map[string]*buckets{}}
}

// take takes n persons from user's buckets at now. If they do not hold n,
// it takes nothing and returns the time until they will, and whether to
// record this refusal (with the refusals since the last recorded one,
// this one included). A read of more than a bucket holds passes when the
// bucket is full and leaves it owing.
func (l *limiter) take(user string, n int, now time.Time) (ok bool, wait time.Duration, record bool, refused int) {
	if l.hour == 0 && l.day == 0 {
		return true, 0, false, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > 10*time.Minute || now.Before(l.swept) {
		l.sweep(now)
	}
	b := l.users[user]
	if b == nil {
		b = &buckets{hour: l.hour, day: l.day, at: now}
		l.users[user] = b
	}
	b.refill(l, now)
	need := float64(n)
	var secs float64
	for _, x := range []struct{ left, capacity, window float64 }{
		{b.hour, l.hour, time.Hour.Seconds()}, {b.day, l.day, 24 * time.Hour.Seconds()},
	} {
		if x.capacity == 0 || math.Min(need, x.capacity) <= x.left {
			continue
		}
		short := math.Min(need, x.capacity) - x.left
		secs = math.Max(secs, short*x.window/x.capacity)
	}
	if secs > 0 {
		b.refused++
		if record = b.recorded.IsZero() || now.Sub(b.recorded) >= recordEvery || now.Before(b.recorded); record {
			refused, b.refused, b.recorded = b.refused, 0, now
		}
		return false, time.Duration(math.Ceil(secs)) * time.Second, record, refused
	}
	b.hour, b.day = b.hour-need, b.day-need
	return true, 0, false, 0
}

// refill adds what the time since b.at has refilled.
func (b *buckets) refill(l *limiter, now time.Time) {
	d := now.Sub(b.at).Seconds()
	if d <= 0 {
		return
	}
	b.hour = math.Min(l.hour, b.hour+d*l.hour/time.Hour.Seconds())
	b.day = math.Min(l.day, b.day+d*l.day/(24*time.Hour.Seconds()))
	b.at = now
}

// sweep drops the buckets that have refilled.
func (l *limiter) sweep(now time.Time) {
	l.swept = now
	for u, b := range l.users {
		b.refill(l, now)
		if b.hour >= l.hour && b.day >= l.day {
			delete(l.users, u)
		}
	}
}

// spend counts n persons (at least one) read by this call against the
// user's read limit. Over the limit, it answers 429 with Retry-After and
// returns errAnswered; one refusal a minute per user is written down: a
// denied entry (with the pnr asked for, if any) in the access log, and a
// line without it, with the refusals since the last, in the process log.
func (c *call) spend(n int, p pnr.PNR) error {
	ok, wait, record, refused := c.s.limit.take(c.user.ID, max(n, 1), c.s.clock())
	if ok {
		return nil
	}
	secs := int(wait / time.Second)
	p2 := problemFor(errReadLimit)
	p2.Detail = fmt.Sprintf("read limit of %d persons an hour and %d a day reached; %d asked for; retry after %d s",
		int(c.s.limit.hour), int(c.s.limit.day), max(n, 1), secs)
	if record {
		c.s.log.Warn("api: read limit reached", "user", c.user.ID, "route", c.rt.pattern, "persons", n, "retry_after", secs,
			"refused", refused)
		if err := c.logAccess(access.Entry{PNR: p, Outcome: access.OutcomeDenied, Status: http.StatusTooManyRequests}); err != nil {
			return err
		}
	}
	c.w.Header().Set("Retry-After", strconv.Itoa(secs))
	c.status = p2.Status
	writeProblem(c.w, p2)
	return errAnswered
}

// orInt is n, or def when n is 0.
func orInt(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}
