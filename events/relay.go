package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/oklog/ulid/v2"
	"github.com/prometheus/client_golang/prometheus"

	"cpr/register"
)

// The relay. The journal in Pebble is the truth; the stream is a copy the
// relay keeps caught up. It publishes in sequence order with Nats-Msg-Id =
// the event id and Nats-Expected-Last-Msg-Id = the previous event's id, so
// the stream can never skip an event: if one is lost, every later publish
// is refused. After any failure, and at every start, it reads the last
// message the stream holds and goes on from the event after it; a stream
// that lost its unsynced tail is refilled, and nothing is published twice.

// RelayConfig configures StartRelay.
type RelayConfig struct {
	Register *register.Register
	// URL, User and Password reach NATS. The relay connects by itself,
	// and keeps trying while NATS is down.
	URL, User, Password string
	// MaxInFlight bounds the publishes awaiting an ack (default 4096).
	MaxInFlight int
	Logger      *slog.Logger
	Registerer  prometheus.Registerer // nil: no metrics
	// Replicas is the stream's replica count on a cluster (default 1).
	Replicas int
	// StallAfter is how long the stream may be behind the journal without
	// catching up before Ready reports it (default DefaultStallAfter).
	StallAfter time.Duration
}

// DefaultStallAfter is longer than a publish's timeout (10 s) plus the
// longest wait between tries (5 s): one failed try does not make the
// server unready, a cause that stays does.
const DefaultStallAfter = 30 * time.Second

// ErrStalled is Ready's error: the stream is behind and not catching up.
var ErrStalled = errors.New("events: the stream is behind the journal and not catching up")

// Relay publishes the journal to the CPR_EVENTS stream.
type Relay struct {
	cfg    RelayConfig
	reg    *register.Register
	nc     *nats.Conn
	js     jetstream.JetStream
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once

	reconnected chan struct{} // a reconnect: the stream may have lost its tail

	acked    atomic.Uint64 // highest sequence the stream has acknowledged
	progress atomic.Int64  // when acked last grew (Unix nanoseconds)
	synced   atomic.Bool   // a session is running
	lastErr  atomic.Value  // string
}

// Status is the relay's state for /readyz.
type Status struct {
	Connected bool   `json:"connected"`
	Published uint64 `json:"published_seq"`
	Journal   uint64 `json:"journal_seq"`
	Lag       uint64 `json:"lag"`
	LastError string `json:"last_error,omitempty"`
}

// StartRelay connects and starts relaying. NATS being down is not an
// error: the relay catches up when it comes back.
func StartRelay(cfg RelayConfig) (*Relay, error) {
	if cfg.Register == nil {
		return nil, errors.New("events: relay needs a register")
	}
	if cfg.MaxInFlight == 0 {
		cfg.MaxInFlight = 4096
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Replicas == 0 {
		cfg.Replicas = 1
	}
	if cfg.StallAfter <= 0 {
		cfg.StallAfter = DefaultStallAfter
	}
	reconnected := make(chan struct{}, 1)
	nc, err := nats.Connect(cfg.URL, nats.UserInfo(cfg.User, cfg.Password), nats.Name("cpr-relay"),
		nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond), nats.RetryOnFailedConnect(true),
		nats.ReconnectBufSize(-1), nats.ReconnectHandler(func(*nats.Conn) {
			select {
			case reconnected <- struct{}{}:
			default:
			}
		}))
	if err != nil {
		return nil, fmt.Errorf("events: connect: %w", err)
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(cfg.MaxInFlight),
		jetstream.WithPublishAsyncTimeout(10*time.Second))
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("events: jetstream: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Relay{cfg: cfg, reg: cfg.Register, nc: nc, js: js, log: cfg.Logger, ctx: ctx, cancel: cancel, done: make(chan struct{}),
		reconnected: reconnected}
	r.lastErr.Store("")
	if cfg.Registerer != nil {
		for _, c := range []prometheus.Collector{
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cpr_events_relay_lag",
				Help: "Journal events not yet acknowledged by the stream."}, func() float64 { return float64(r.Status().Lag) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cpr_events_published_seq",
				Help: "Highest journal sequence the stream has acknowledged."}, func() float64 { return float64(r.acked.Load()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cpr_events_relay_stalled",
				Help: "1 while the stream is behind the journal and not catching up (/readyz answers 503)."}, func() float64 {
				if r.Ready() != nil {
					return 1
				}
				return 0
			}),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cpr_events_relay_connected",
				Help: "1 while the relay is connected and in step with the stream."}, func() float64 {
				if r.Status().Connected {
					return 1
				}
				return 0
			}),
		} {
			if err := cfg.Registerer.Register(c); err != nil {
				cancel()
				nc.Close()
				return nil, err
			}
		}
	}
	go r.run()
	return r, nil
}

// Status reports the lag between the journal and the stream.
func (r *Relay) Status() Status {
	j, a := r.reg.LastSeq(), r.acked.Load()
	st := Status{Connected: r.nc.IsConnected() && r.synced.Load(), Published: a, Journal: j, LastError: r.lastErr.Load().(string)}
	if j > a {
		st.Lag = j - a
	}
	return st
}

// ack records that the stream holds the journal up to seq. Progress
// clears the last error.
func (r *Relay) ack(seq uint64) {
	if old := r.acked.Swap(seq); seq > old {
		r.progress.Store(time.Now().UnixNano())
		r.lastErr.Store("")
	}
}

// Ready is nil unless the stream has been behind the journal for
// StallAfter without catching up: the oldest event it lacks was
// registered more than StallAfter ago, and nothing was acknowledged in
// that time. A relay that is behind but publishing (catching up after an
// outage) is ready; one that cannot write (NATS or JetStream down, a
// storage failure, a stream that refuses messages) is not, until it has
// caught up or is making progress again. /readyz answers 503 then.
func (r *Relay) Ready() error {
	a := r.acked.Load()
	if r.reg.LastSeq() <= a {
		return nil
	}
	since := time.Unix(0, r.progress.Load())
	errFound := errors.New("found")
	err := r.reg.Journal(a+1, func(ev *register.Event) error {
		if ev.Registered.After(since) {
			since = ev.Registered
		}
		return errFound
	})
	if err != nil && !errors.Is(err, errFound) {
		return fmt.Errorf("%w: journal: %w", ErrStalled, err)
	}
	behind := time.Since(since)
	if behind < r.cfg.StallAfter {
		return nil
	}
	st := r.Status()
	err = fmt.Errorf("%w: %d events behind, no progress for %v", ErrStalled, st.Lag, behind.Round(time.Second))
	if st.LastError != "" {
		err = fmt.Errorf("%w; last error: %s", err, st.LastError)
	}
	return err
}

// Close stops the relay, waits for it, and closes its connection. It is
// safe to call twice.
func (r *Relay) Close() error {
	r.once.Do(func() {
		r.cancel()
		<-r.done
		r.nc.Close()
	})
	return nil
}

func (r *Relay) run() {
	defer close(r.done)
	backoff := 100 * time.Millisecond
	for r.ctx.Err() == nil {
		started := time.Now()
		err := r.session()
		r.synced.Store(false)
		if r.ctx.Err() != nil {
			return
		}
		if err != nil {
			r.lastErr.Store(err.Error())
			r.log.Warn("events: relay paused", "err", err, "retry_in", backoff)
		}
		if time.Since(started) > 30*time.Second {
			backoff = 100 * time.Millisecond
		}
		select {
		case <-r.ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// session finds where the stream ends and publishes from there until
// something fails.
func (r *Relay) session() error {
	if !r.nc.IsConnected() {
		return errors.New("events: not connected to NATS")
	}
	ctx, cancel := context.WithTimeout(r.ctx, 15*time.Second)
	defer cancel()
	st, err := r.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: StreamName, Subjects: []string{SubjectPrefix + ".>"}, Storage: jetstream.FileStorage,
		Retention: jetstream.LimitsPolicy, Duplicates: 2 * time.Minute, Replicas: r.cfg.Replicas,
	})
	if err != nil {
		return fmt.Errorf("events: stream: %w", err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		return fmt.Errorf("events: stream info: %w", err)
	}
	next, prevID, chained := uint64(1), "", true
	if info.State.Msgs > 0 {
		raw, err := lastMessage(ctx, st, info.State.FirstSeq, info.State.LastSeq)
		if err != nil {
			return err
		}
		seq, err := strconv.ParseUint(raw.Header.Get(HeaderSeq), 10, 64)
		if err != nil {
			return fmt.Errorf("events: last message has no %s header", HeaderSeq)
		}
		next, prevID = seq+1, raw.Header.Get(jetstream.MsgIDHeader)
		// A store that lost its tail may still count the lost sequences
		// as its last; then the first publish cannot name what it follows.
		chained = raw.Sequence == info.State.LastSeq
	}
	if j := r.reg.LastSeq(); next > j+1 {
		r.log.Warn("events: the stream is ahead of the journal", "stream_seq", next-1, "journal_seq", j)
	}
	r.ack(next - 1)
	r.synced.Store(true)
	// The last error stays until the stream takes something again: a
	// stream that refuses every message still answers where it ends.
	if next > r.reg.LastSeq() {
		r.lastErr.Store("")
	}
	if !chained {
		prevID = unchained
	}
	return r.pump(next, prevID)
}

// unchained marks a first publish that names no predecessor.
const unchained = "\x00"

// lastMessage finds the last message the stream really holds, walking back
// from its last sequence (a store that lost its tail may count sequences
// it no longer has).
func lastMessage(ctx context.Context, st jetstream.Stream, first, last uint64) (*jetstream.RawStreamMsg, error) {
	for seq := last; seq >= first && seq > 0; seq-- {
		raw, err := st.GetMsg(ctx, seq)
		if err == nil {
			return raw, nil
		}
		if !errors.Is(err, jetstream.ErrMsgNotFound) {
			return nil, fmt.Errorf("events: last message: %w", err)
		}
	}
	return nil, errors.New("events: the stream counts messages it does not hold")
}

var errStop = errors.New("stop")

type pending struct {
	seq uint64
	f   jetstream.PubAckFuture
}

// pump publishes the journal from next on, in order, keeping at most
// MaxInFlight publishes unacknowledged.
func (r *Relay) pump(next uint64, prevID string) error {
	var q []pending
	// settle takes acks off the head of q; with wait it blocks for one.
	settle := func(wait bool) error {
		for len(q) > 0 {
			h := q[0]
			if wait {
				select {
				case <-h.f.Ok():
				case err := <-h.f.Err():
					return fmt.Errorf("events: publish of seq %d: %w", h.seq, err)
				case <-r.ctx.Done():
					return r.ctx.Err()
				}
				wait = false
			} else {
				select {
				case <-h.f.Ok():
				case err := <-h.f.Err():
					return fmt.Errorf("events: publish of seq %d: %w", h.seq, err)
				default:
					return nil
				}
			}
			r.ack(h.seq)
			q = q[1:]
		}
		return nil
	}
	for r.ctx.Err() == nil {
		if err := settle(false); err != nil {
			return err
		}
		committed := r.reg.Committed()
		last := r.reg.LastSeq()
		if next > last {
			if len(q) > 0 {
				if err := settle(true); err != nil {
					return err
				}
				continue
			}
			select {
			case <-committed:
			case <-r.ctx.Done():
			case <-r.reconnected:
				return errors.New("events: reconnected to NATS; reading where the stream ends")
			case <-time.After(time.Second):
				if !r.nc.IsConnected() {
					return errors.New("events: connection to NATS lost")
				}
			}
			continue
		}
		err := r.reg.Journal(next, func(ev *register.Event) error {
			if ev.Seq > last || r.ctx.Err() != nil {
				return errStop
			}
			if ev.Seq != next {
				return fmt.Errorf("%w: journal gap at seq %d", register.ErrCorrupt, next)
			}
			for len(q) >= r.cfg.MaxInFlight {
				if err := settle(true); err != nil {
					return err
				}
			}
			msg, err := r.message(ev, prevID)
			if err != nil {
				return err
			}
			f, err := r.js.PublishMsgAsync(msg)
			if err != nil {
				return fmt.Errorf("events: publish: %w", err)
			}
			q = append(q, pending{ev.Seq, f})
			prevID, next = msg.Header.Get(jetstream.MsgIDHeader), ev.Seq+1
			return nil
		})
		if err != nil && !errors.Is(err, errStop) {
			return err
		}
	}
	return nil
}

func (r *Relay) message(ev *register.Event, prevID string) (*nats.Msg, error) {
	data, err := json.Marshal(PayloadOf(ev, r.reg.Roads()))
	if err != nil {
		return nil, err
	}
	m := nats.NewMsg(Subject(ev))
	m.Data = data
	m.Header.Set(jetstream.MsgIDHeader, ulid.ULID(ev.ID).String())
	m.Header.Set(HeaderSeq, strconv.FormatUint(ev.Seq, 10))
	switch prevID {
	case unchained:
	case "":
		m.Header.Set(jetstream.ExpectedLastSeqHeader, "0")
	default:
		m.Header.Set(jetstream.ExpectedLastMsgIDHeader, prevID)
	}
	return m, nil
}
