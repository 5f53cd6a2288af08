package events

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/oklog/ulid/v2"

	"cpr/register"
)

// The distributor publishes each change, as each subscriber whose circle
// it touches may see it, on cpr.dist.<subscriber id>. It is a live feed
// (core NATS, at most once, from the moment the register starts); the
// daily change extract is the complete record. Every message carries the
// Cpr-Seq header, so a subscriber can tell when it missed one. A research
// subscriber has no live feed: a change arriving live would tell its day
// and time, which its monthly extracts keep from it; its messages
// (Coarse) are not published.

// DistPrefix is the root of the subscribers' subjects.
const DistPrefix = "cpr.dist"

// DistMessage is one subscriber's message about one change.
type DistMessage struct {
	Subscriber string
	Data       []byte
	// Coarse: the subscriber is told dates to the month only (research).
	// Such a message is not published (research has no live feed); were
	// it, Nats-Msg-Id and Cpr-Seq would be left out: the event id holds
	// its time to the millisecond, and both are the same for every
	// subscriber, so they would link research pseudonyms across
	// recipients.
	Coarse bool
}

// DistConfig configures StartDistributor.
type DistConfig struct {
	Register            *register.Register
	URL, User, Password string
	// Messages builds the messages of one change (routing, scope and
	// privacy are the caller's).
	Messages func(ev *register.Event) ([]DistMessage, error)
	Logger   *slog.Logger
}

// Distributor publishes the live subscriber feeds.
type Distributor struct {
	cfg    DistConfig
	nc     *nats.Conn
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// StartDistributor connects and follows the journal from its end.
func StartDistributor(cfg DistConfig) (*Distributor, error) {
	if cfg.Register == nil || cfg.Messages == nil {
		return nil, errors.New("events: distributor needs a register and a message builder")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	nc, err := nats.Connect(cfg.URL, nats.UserInfo(cfg.User, cfg.Password), nats.Name("cpr-dist"),
		nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond), nats.RetryOnFailedConnect(true))
	if err != nil {
		return nil, fmt.Errorf("events: connect: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &Distributor{cfg: cfg, nc: nc, ctx: ctx, cancel: cancel, done: make(chan struct{})}
	go d.run(cfg.Register.LastSeq() + 1)
	return d, nil
}

// Close stops the distributor and waits for it. It is safe to call twice.
func (d *Distributor) Close() {
	d.once.Do(func() {
		d.cancel()
		<-d.done
		d.nc.Flush()
		d.nc.Close()
	})
}

func (d *Distributor) run(next uint64) {
	defer close(d.done)
	reg := d.cfg.Register
	for d.ctx.Err() == nil {
		committed := reg.Committed()
		last := reg.LastSeq()
		if next > last {
			select {
			case <-committed:
			case <-d.ctx.Done():
			}
			continue
		}
		err := reg.Journal(next, func(ev *register.Event) error {
			if ev.Seq > last || d.ctx.Err() != nil {
				return errStop
			}
			msgs, err := d.cfg.Messages(ev)
			if err != nil {
				return err
			}
			for _, m := range msgs {
				if m.Coarse {
					continue // a research subscriber: no live feed
				}
				msg := nats.NewMsg(DistPrefix + "." + m.Subscriber)
				msg.Data = m.Data
				if !m.Coarse {
					msg.Header.Set(jetstream.MsgIDHeader, ulid.ULID(ev.ID).String()+"."+m.Subscriber)
					msg.Header.Set(HeaderSeq, strconv.FormatUint(ev.Seq, 10))
				}
				if err := d.nc.PublishMsg(msg); err != nil {
					d.cfg.Logger.Warn("events: subscriber feed message dropped", "err", err)
				}
			}
			next = ev.Seq + 1
			return nil
		})
		if err != nil && !errors.Is(err, errStop) {
			d.cfg.Logger.Error("events: subscriber feed", "err", err)
			next++ // skip the event that cannot be built; the extracts have it
		}
	}
}

// SubscriberUser may read its own feed, cpr.dist.<id>, and nothing else.
func SubscriberUser(id, password string) User {
	return User{Name: "sub-" + id, Password: password, Subscribe: []string{DistPrefix + "." + id}, Publish: nil}
}
