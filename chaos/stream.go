package chaos

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/oklog/ulid/v2"

	"cpr/events"
	"cpr/register"
)

// streamMsg is one message of CPR_EVENTS: the journal sequence it says it
// carries and its Nats-Msg-Id.
type streamMsg struct {
	seq uint64
	id  string
}

// natsLogin reaches NATS as one user.
type natsLogin struct {
	url, user, password string
	inbox               string // custom inbox prefix ("" for the default)
}

func (l natsLogin) connect() (*nats.Conn, error) {
	opts := []nats.Option{nats.UserInfo(l.user, l.password), nats.Name("cpr-chaos"), nats.Timeout(5 * time.Second)}
	if l.inbox != "" {
		opts = append(opts, nats.CustomInboxPrefix(l.inbox))
	}
	return nats.Connect(l.url, opts...)
}

// readStream waits (up to timeout) until the stream holds at least want
// messages, then reads all of them in order.
func readStream(ctx context.Context, l natsLogin, want int, timeout time.Duration) ([]streamMsg, error) {
	nc, err := l.connect()
	if err != nil {
		return nil, fmt.Errorf("chaos: nats: %w", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var n int
	for {
		st, err := js.Stream(ctx, events.StreamName)
		if err == nil {
			var info *jetstream.StreamInfo
			if info, err = st.Info(ctx); err == nil {
				if n = int(info.State.Msgs); n >= want {
					break
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("chaos: the stream holds %d messages, want %d: %v", n, want, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	if n == 0 {
		return nil, nil
	}
	cons, err := js.OrderedConsumer(ctx, events.StreamName, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return nil, fmt.Errorf("chaos: ordered consumer: %w", err)
	}
	out := make([]streamMsg, 0, n)
	for len(out) < n {
		batch, err := cons.Fetch(min(n-len(out), 2000), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return nil, fmt.Errorf("chaos: fetch: %w", err)
		}
		got := 0
		for m := range batch.Messages() {
			seq, _ := strconv.ParseUint(m.Headers().Get(events.HeaderSeq), 10, 64)
			out = append(out, streamMsg{seq: seq, id: m.Headers().Get(jetstream.MsgIDHeader)})
			got++
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			return nil, fmt.Errorf("chaos: fetch: %w", err)
		}
		if got == 0 {
			return nil, fmt.Errorf("chaos: read %d of %d stream messages, then nothing", len(out), n)
		}
	}
	return out, nil
}

// streamCheck compares the stream with the journal's first events: the
// stream must hold each of them once, in order, with its id. It returns
// how many stream messages repeat an earlier one (duplicates) and how
// many journal events are missing or out of place (gaps).
func streamCheck(msgs []streamMsg, journal []*register.Event) (duplicates, gaps int) {
	seen := make(map[string]bool, len(msgs))
	next := 0 // index into journal of the next expected event
	for _, m := range msgs {
		if seen[m.id] {
			duplicates++
			continue
		}
		seen[m.id] = true
		if next < len(journal) {
			ev := journal[next]
			if m.id != ulid.ULID(ev.ID).String() || m.seq != ev.Seq {
				gaps++
			}
			next++
		}
	}
	if next < len(journal) {
		gaps += len(journal) - next
	}
	return duplicates, gaps
}
