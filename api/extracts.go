package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"cpr/access"
	"cpr/date"
	"cpr/extract"
	"cpr/register"
	"cpr/subscription"
)

var (
	errNoExtract      = errors.New("api: no such status extract")
	errExtractRunning = errors.New("api: the status extract is not finished")
)

func contentType(f extract.Format) string {
	switch f {
	case extract.JSONL:
		return "application/x-ndjson"
	case extract.CSV:
		return "text/csv; charset=utf-8"
	}
	return "text/plain; charset=iso-8859-1"
}

// changeExtract answers a subscriber's change extract for a day. It is
// produced on request, and the same day asked twice gives the same bytes.
func (s *Server) changeExtract(c *call) error {
	id := c.r.PathValue("id")
	if err := c.ownSubscriber(id); err != nil {
		return err
	}
	day, err := date.Parse(c.r.PathValue("date"))
	if err != nil {
		return badField("date", err)
	}
	f, err := extract.ParseFormat(c.r.URL.Query().Get("format"))
	if err != nil {
		return &fieldError{field: "format", reason: "must be p12170, jsonl or csv", err: register.ErrInvalid}
	}
	sub, _, err := s.subs.Get(id)
	if err != nil {
		return err
	}
	var open bool
	if sub.Kind == subscription.Research {
		err = s.monthClosed(day, c.r.URL.Query().Get("partial"))
	} else {
		open, err = s.dayClosed(day, c.r.URL.Query().Get("partial"))
	}
	if err != nil {
		return err
	}
	// Within the subscriber's limit of extracts at once: each makes a
	// temporary file of up to the whole circle.
	if err := s.jobs.acquire(id); err != nil {
		return s.refuseExtract(c, id, err)
	}
	defer s.jobs.done(id)
	// Produce into a temporary file, so an error is still a clean problem.
	tmp, err := os.CreateTemp("", "cpr-change-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	st, err := s.extractor.Change(c.r.Context(), id, day, f, tmp)
	if err != nil {
		return err
	}
	if err := c.auditDownload(id, "change-extract", day, f, st.Persons); err != nil {
		return err
	}
	if _, err := tmp.Seek(0, 0); err != nil {
		return err
	}
	c.w.Header().Set("Content-Type", contentType(f))
	c.w.Header().Set("Content-Disposition", `attachment; filename="`+extract.FileName(extract.ChangeFile, &sub, day, f)+`"`)
	c.w.Header().Set("X-Extract-Persons", strconv.Itoa(st.Persons))
	c.w.Header().Set("X-Extract-Records", strconv.Itoa(st.Records))
	if open {
		c.w.Header().Set("X-Extract-Partial", "true")
	}
	c.status = http.StatusOK
	http.ServeContent(c.w, c.r, "", time.Time{}, tmp)
	return nil
}

// Errors of a change extract asked for too early.
var (
	errDayNotEnded   = errors.New("api: the day has not ended")
	errDayNotStarted = errors.New("api: the day has not begun")
	errMonthNotEnded = errors.New("api: the month has not ended")
	// errNoResearchLive refuses the live feed to a research subscriber
	// (GET /v1/subscribers/{id}/nats): a change arriving live tells its
	// day and time, which its monthly extracts keep from it.
	errNoResearchLive = errors.New("api: research subscribers have no live feed; their change extracts are monthly")
)

// monthClosed checks the day of a research subscriber's change extract:
// the first of a month (422 research_monthly) that has ended by the
// server's clock (409 month_not_ended, with closes_at). It is never
// partial: partial=true is refused.
func (s *Server) monthClosed(day date.Date, partial string) error {
	switch partial {
	case "", "false":
	case "true":
		return &fieldError{field: "partial", reason: "a research subscriber's change extract is monthly and never partial", err: extract.ErrResearchMonthly}
	default:
		return &fieldError{field: "partial", reason: "must be true or false", err: register.ErrInvalid}
	}
	if day.Day() != 1 {
		return &fieldError{field: "date", reason: "a research subscriber's change extract is monthly: the first day of a month", err: extract.ErrResearchMonthly}
	}
	next := extract.NextMonth(day)
	if date.InCopenhagen(s.clock()) < next {
		return &openDayError{err: errMonthNotEnded, closes: next.StartIn(date.Copenhagen)}
	}
	return nil
}

// openDayError refuses the change extract of a day that has not ended:
// the problem says when it closes (closes_at).
type openDayError struct {
	err    error // errDayNotEnded or errDayNotStarted
	closes time.Time
}

func (e *openDayError) Error() string {
	if e.err == errMonthNotEnded {
		return "a research subscriber's change extract is monthly; this month's can be had from " + e.closes.Format(time.RFC3339)
	}
	if e.err == errDayNotStarted {
		return "the day is in the future; its change extract can be had from " + e.closes.Format(time.RFC3339)
	}
	return "the day closes at " + e.closes.Format(time.RFC3339) +
		"; ask with partial=true for what is registered so far"
}

func (e *openDayError) Unwrap() error { return e.err }

// dayClosed refuses the change extract of a day that has not ended by the
// server's clock (Copenhagen time), unless partial is "true"; a day in
// the future is refused even so, as nothing of it can be registered yet.
// open tells that the day is today, asked for as partial.
func (s *Server) dayClosed(day date.Date, partial string) (open bool, err error) {
	var ok bool
	switch partial {
	case "", "false":
	case "true":
		ok = true
	default:
		return false, &fieldError{field: "partial", reason: "must be true or false", err: register.ErrInvalid}
	}
	today := date.InCopenhagen(s.clock())
	closes := day.AddDays(1).StartIn(date.Copenhagen)
	switch {
	case day > today:
		return false, &openDayError{err: errDayNotStarted, closes: closes}
	case day == today && !ok:
		return false, &openDayError{err: errDayNotEnded, closes: closes}
	}
	return day == today, nil
}

// statusJob is one status extract being made or made.
type statusJob struct {
	ID         string           `json:"id"`
	Subscriber string           `json:"subscriber"`
	Date       date.Date        `json:"date"`
	Format     extract.Format   `json:"format"`
	Status     string           `json:"status"` // running, done, failed
	Estimate   extract.Estimate `json:"estimate"`
	Done       int              `json:"persons_done"`
	Stats      *extract.Stats   `json:"stats,omitempty"`
	Error      string           `json:"error,omitempty"`
	Started    time.Time        `json:"started"`
	Finished   *time.Time       `json:"finished,omitempty"`
	path       string
	counted    date.Date // the day its bytes count on
}

// jobs runs status extracts in the background, one file each in dir,
// within each subscriber's limits (extractlimit.go).
type jobs struct {
	mu   sync.Mutex
	dir  string
	all  map[string]*statusJob
	wg   sync.WaitGroup
	stop context.CancelFunc
	ctx  context.Context

	maxJobs  int   // running at once per subscriber; 0: no limit
	maxBytes int64 // bytes per subscriber and Copenhagen day; 0: no limit
	use      map[string]*usage
}

// newJobs makes the jobs of dir; maxJobs and maxBytes are 0 for the
// default limits and negative for none.
func newJobs(dir string, maxJobs int, maxBytes int64) *jobs {
	ctx, cancel := context.WithCancel(context.Background())
	if maxJobs == 0 {
		maxJobs = DefaultStatusExtractJobs
	}
	if maxBytes == 0 {
		maxBytes = DefaultStatusExtractBytes
	}
	return &jobs{dir: dir, all: map[string]*statusJob{}, ctx: ctx, stop: cancel,
		maxJobs: max(maxJobs, 0), maxBytes: max(maxBytes, 0), use: map[string]*usage{}}
}

// close cancels the running extracts and waits for them.
func (j *jobs) close() {
	j.stop()
	j.wg.Wait()
}

func (j *jobs) get(id string) (statusJob, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	job, ok := j.all[id]
	if !ok {
		return statusJob{}, false
	}
	return *job, true
}

func (s *Server) postStatusExtract(c *call) error {
	var b struct {
		Subscriber string `json:"subscriber"`
		Date       string `json:"date"`
		Format     string `json:"format"`
	}
	if _, err := c.decode(&b); err != nil {
		return err
	}
	if err := c.ownSubscriber(b.Subscriber); err != nil {
		return err
	}
	sub, _, err := s.subs.Get(b.Subscriber)
	if err != nil {
		return err
	}
	today := date.InCopenhagen(s.clock())
	on := today
	if sub.Kind == subscription.Research {
		on = date.MustNew(on.Year(), on.Month(), 1) // monthly: as of the first
	}
	if b.Date != "" {
		if on, err = date.Parse(b.Date); err != nil {
			return badField("date", err)
		}
		// A research subscriber's is as of the first of a month not after
		// today: a future month's, asked daily, would tell the day of each
		// change registered ahead. Other subscribers may ask a future day
		// (what is registered to take effect by then).
		err := extract.Monthly(&sub, on)
		if err == nil && sub.Kind == subscription.Research && on > today {
			err = extract.ErrResearchMonthly
		}
		if err != nil {
			return &fieldError{field: "date", reason: "a research subscriber's status extract is as of the first day of a month not after today", err: err}
		}
	}
	f, err := extract.ParseFormat(b.Format)
	if err != nil {
		return &fieldError{field: "format", reason: "must be p12170, jsonl or csv", err: register.ErrInvalid}
	}
	est, err := s.extractor.EstimateStatus(b.Subscriber, f)
	if err != nil {
		return err
	}
	if _, err := s.extractor.Check(b.Subscriber, f); err != nil {
		return err
	}
	if s.jobs.dir == "" {
		return fmt.Errorf("%w: no extract directory", register.ErrUnavailable)
	}
	now := s.clock()
	counted, err := s.jobs.reserve(b.Subscriber, est.Bytes, now)
	if err != nil {
		return s.refuseExtract(c, b.Subscriber, err)
	}
	var rb [8]byte
	rand.Read(rb[:])
	job := &statusJob{ID: hex.EncodeToString(rb[:]), Subscriber: b.Subscriber, Date: on, Format: f, Status: "running",
		Estimate: est, Started: now.UTC(), counted: counted}
	job.path = filepath.Join(s.jobs.dir, job.ID+"."+string(f))
	if err := c.logAccess(access.Entry{Outcome: "read", Status: http.StatusAccepted}); err != nil {
		s.jobs.release(job.Subscriber, counted, est.Bytes, 0)
		return err
	}
	s.jobs.mu.Lock()
	s.jobs.all[job.ID] = job
	s.jobs.mu.Unlock()
	// The answer is a copy taken before the job starts: runStatus writes
	// the job under s.jobs.mu from then on.
	answer := *job
	s.jobs.wg.Add(1)
	go s.runStatus(job)
	return c.json(http.StatusAccepted, answer)
}

// refuseExtract answers err; a *limitError is logged (the subscriber and
// the reason) and says when to ask again (Retry-After).
func (s *Server) refuseExtract(c *call, sub string, err error) error {
	var le *limitError
	if errors.As(err, &le) {
		s.log.Info("api: extract refused", "subscriber", sub, "reason", problemFor(err).Code)
		if le.retry > 0 {
			c.w.Header().Set("Retry-After", le.retryAfter())
		}
	}
	return err
}

func (s *Server) runStatus(job *statusJob) {
	defer s.jobs.wg.Done()
	fail := func(err error) {
		s.log.Error("api: status extract failed", "extract", job.ID, "err", err)
		s.jobs.release(job.Subscriber, job.counted, job.Estimate.Bytes, 0)
		s.jobs.mu.Lock()
		job.Status, job.Error = "failed", "the extract could not be made"
		now := s.clock().UTC()
		job.Finished = &now
		s.jobs.mu.Unlock()
	}
	f, err := os.Create(job.path + ".tmp")
	if err != nil {
		fail(err)
		return
	}
	st, err := s.extractor.Status(s.jobs.ctx, job.Subscriber, job.Date, job.Format, f, func(n int) {
		s.jobs.mu.Lock()
		job.Done = n
		s.jobs.mu.Unlock()
	})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(job.path+".tmp", job.path)
	}
	if err != nil {
		os.Remove(job.path + ".tmp")
		fail(err)
		return
	}
	s.jobs.release(job.Subscriber, job.counted, job.Estimate.Bytes, st.Bytes)
	s.jobs.mu.Lock()
	job.Status, job.Stats, job.Done = "done", &st, st.Persons
	now := s.clock().UTC()
	job.Finished = &now
	s.jobs.mu.Unlock()
}

func (c *call) statusJob() (statusJob, error) {
	job, ok := c.s.jobs.get(c.r.PathValue("id"))
	if !ok {
		return job, errNoExtract
	}
	if err := c.ownSubscriber(job.Subscriber); err != nil {
		return job, err
	}
	return job, nil
}

func (s *Server) getStatusExtract(c *call) error {
	job, err := c.statusJob()
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, job)
}

func (s *Server) getStatusExtractData(c *call) error {
	job, err := c.statusJob()
	if err != nil {
		return err
	}
	if job.Status != "done" {
		return errExtractRunning
	}
	f, err := os.Open(job.path)
	if err != nil {
		return err
	}
	defer f.Close()
	sub, _, err := s.subs.Get(job.Subscriber)
	if err != nil {
		return err
	}
	if err := c.auditDownload(job.Subscriber, "status-extract:"+job.ID, job.Date, job.Format, job.Stats.Persons); err != nil {
		return err
	}
	c.w.Header().Set("Content-Type", contentType(job.Format))
	c.w.Header().Set("Content-Disposition", `attachment; filename="`+extract.FileName(extract.StatusFile, &sub, job.Date, job.Format)+`"`)
	c.status = http.StatusOK
	http.ServeContent(c.w, c.r, "", time.Time{}, f)
	return nil
}
