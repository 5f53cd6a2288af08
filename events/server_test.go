package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/oklog/ulid/v2"

	"cpr/events"
)

// TestServerPermissions: nobody connects without the right password; the
// operator reads CPR_EVENTS through a durable pull consumer and can do
// nothing else.
func TestServerPermissions(t *testing.T) {
	e := newEnv(t, 1000)
	url := e.srv.URL()
	relay := startRelay(t, e.reg, url)
	applyMoves(t, e.reg, e.movers, 50, 4, 1)
	waitCaughtUp(t, relay, e.reg, 30*time.Second)
	evs := journal(t, e.reg)

	t.Run("refused", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			opts []nats.Option
		}{
			{"no credentials", nil},
			{"wrong password", []nats.Option{nats.UserInfo(operatorUser, "not-the-password")}},
			{"register user, operator password", []nats.Option{nats.UserInfo(registerUser, operatorPass)}},
			{"unknown user", []nats.Option{nats.UserInfo("mallory", operatorPass)}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				nc, err := nats.Connect(url, tc.opts...)
				if err == nil {
					nc.Close()
					t.Fatal("connected")
				}
				if !errors.Is(err, nats.ErrAuthorization) {
					t.Fatalf("err = %v, want %v", err, nats.ErrAuthorization)
				}
			})
		}
	})

	// The operator's connection collects the server's permission errors.
	var (
		mu       sync.Mutex
		denied   []error
		asyncErr = func(_ *nats.Conn, _ *nats.Subscription, err error) {
			mu.Lock()
			denied = append(denied, err)
			mu.Unlock()
		}
	)
	deniedFor := func(what, subject string) error {
		mu.Lock()
		defer mu.Unlock()
		for _, err := range denied {
			if errors.Is(err, nats.ErrPermissionViolation) && strings.Contains(err.Error(), what) && strings.Contains(err.Error(), `"`+subject+`"`) {
				return nil
			}
		}
		return fmt.Errorf("no permissions violation for %s %q among %v", what, subject, denied)
	}
	op, ojs := connect(t, url, operatorUser, operatorPass, nats.ErrorHandler(asyncErr), nats.PermissionErrOnSubscribe(true))
	reg, _ := connect(t, url, registerUser, registerPass)

	t.Run("operator reads with a durable pull consumer", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cons, err := ojs.CreateOrUpdateConsumer(ctx, events.StreamName, jetstream.ConsumerConfig{
			Durable: "ops", AckPolicy: jetstream.AckExplicitPolicy, DeliverPolicy: jetstream.DeliverAllPolicy,
		})
		if err != nil {
			t.Fatalf("create consumer: %v", err)
		}
		batch, err := cons.Fetch(len(evs), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatalf("fetch: %v", err)
		}
		n := 0
		for m := range batch.Messages() {
			var p events.Payload
			if err := json.Unmarshal(m.Data(), &p); err != nil {
				t.Fatal(err)
			}
			if want := ulid.ULID(evs[n].ID).String(); p.ID != want || p.Seq != evs[n].Seq {
				t.Fatalf("message %d: event %d %s, want %d %s", n, p.Seq, p.ID, evs[n].Seq, want)
			}
			if err := m.DoubleAck(ctx); err != nil {
				t.Fatalf("ack: %v", err)
			}
			n++
		}
		if err := batch.Error(); err != nil || n != len(evs) {
			t.Fatalf("read %d of %d events, err %v", n, len(evs), err)
		}
		info, err := cons.Info(ctx)
		if err != nil {
			t.Fatalf("consumer info: %v", err)
		}
		if info.AckFloor.Stream != uint64(len(evs)) || info.NumPending != 0 {
			t.Fatalf("consumer ack floor %d, pending %d", info.AckFloor.Stream, info.NumPending)
		}
		if _, err := ojs.Stream(ctx, events.StreamName); err != nil {
			t.Fatalf("stream info: %v", err)
		}
		if err := ojs.DeleteConsumer(ctx, events.StreamName, "ops"); err != nil {
			t.Fatalf("delete consumer: %v", err)
		}
	})

	t.Run("operator cannot publish", func(t *testing.T) {
		// The register user listens on everything under cpr.
		sub, err := reg.SubscribeSync("cpr.>")
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Unsubscribe()
		if err := reg.Flush(); err != nil {
			t.Fatal(err)
		}
		subjects := []string{"cpr.events.0101.move", "cpr.events.0101.death", "cpr.other", "cpr.events"}
		for _, s := range subjects {
			if err := op.Publish(s, []byte(`{"v":1}`)); err != nil {
				t.Fatal(err)
			}
		}
		// A flush on each connection: the server has handled the
		// operator's publishes, and delivered anything they matched.
		if err := op.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := reg.Flush(); err != nil {
			t.Fatal(err)
		}
		if m, err := sub.NextMsg(0); err == nil {
			t.Fatalf("the operator published on %s", m.Subject)
		}
		for _, s := range subjects {
			eventually(t, 5*time.Second, func() error { return deniedFor("Publish", s) })
		}
		// JetStream publishes and stream administration are refused too.
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		if _, err := ojs.Publish(ctx, "cpr.events.0101.move", []byte(`{"v":1}`)); err == nil {
			t.Fatal("the operator published to the stream")
		}
		ctx, cancel = context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		if err := ojs.DeleteStream(ctx, events.StreamName); err == nil {
			t.Fatal("the operator deleted the stream")
		}
		st := streamState(t, ojs)
		if st.Msgs != uint64(len(evs)) {
			t.Fatalf("the stream holds %d messages, the journal %d", st.Msgs, len(evs))
		}
		if err := deniedFor("Publish", "$JS.API.STREAM.DELETE."+events.StreamName); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("operator cannot read other subjects", func(t *testing.T) {
		for _, s := range []string{"cpr.other", "cpr.>", ">", "$JS.API.>", "secret.subject"} {
			sub, err := op.SubscribeSync(s)
			if err != nil {
				t.Fatal(err)
			}
			// The server refuses the subscription asynchronously; NextMsg
			// reports it.
			eventually(t, 5*time.Second, func() error {
				if _, err := sub.NextMsg(time.Millisecond); !errors.Is(err, nats.ErrPermissionViolation) {
					return fmt.Errorf("subscription to %q: NextMsg: %v", s, err)
				}
				return nil
			})
		}
	})

	// Fails: OperatorUser may subscribe to all of _INBOX.>, which holds
	// every client's replies, the register's included.
	t.Run("operator cannot read the register's replies", func(t *testing.T) {
		// The operator may subscribe to _INBOX.> for its own replies;
		// the replies to the register's requests (the relay's publish
		// acks, its reads of the stream) must not reach it.
		sub, err := op.SubscribeSync("_INBOX.>")
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Unsubscribe()
		if err := op.Flush(); err != nil {
			t.Fatal(err)
		}
		applyMoves(t, e.reg, e.movers, 5, 1, 2)
		waitCaughtUp(t, relay, e.reg, 30*time.Second)
		if err := op.Flush(); err != nil {
			t.Fatal(err)
		}
		if m, err := sub.NextMsg(100 * time.Millisecond); err == nil {
			t.Fatalf("the operator read %s: %s", m.Subject, m.Data)
		}
	})
}

// event is the example subscriber's view of a payload.
type event struct {
	ID          string `json:"id"`
	Seq         uint64 `json:"seq"`
	Kind        string `json:"kind"`
	PNR         string `json:"pnr"`
	Effective   string `json:"effective"`
	KommuneFrom string `json:"kommune_from"`
	KommuneTo   string `json:"kommune_to"`
}

// subscribe is examples/subscriber's run: as the operator, a durable pull
// consumer, Fetch, decode, Ack, and the connection closed at the end. It
// reads max events.
func subscribe(t *testing.T, url, durable, filter string, max int) ([]event, []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	nc, err := nats.Connect(url, nats.UserInfo(operatorUser, operatorPass), nats.Name("cpr-example-subscriber"),
		nats.CustomInboxPrefix(events.OperatorInboxPrefix))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, events.StreamName, jetstream.ConsumerConfig{
		Durable: durable, FilterSubject: filter, AckPolicy: jetstream.AckExplicitPolicy, DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		t.Fatalf("consumer: %v", err)
	}
	var evs []event
	var subjects []string
	for len(evs) < max {
		// Fetch exactly what is still wanted, so Fetch returns at once.
		batch, err := cons.Fetch(min(100, max-len(evs)), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatalf("fetch: %v", err)
		}
		got := 0
		for m := range batch.Messages() {
			var ev event
			if err := json.Unmarshal(m.Data(), &ev); err != nil {
				t.Fatalf("event %s: %v", m.Subject(), err)
			}
			if md, _ := m.Metadata(); md.NumDelivered != 1 {
				t.Errorf("seq %d delivered %d times", ev.Seq, md.NumDelivered)
			}
			if err := m.Ack(); err != nil {
				t.Fatal(err)
			}
			evs = append(evs, ev)
			subjects = append(subjects, m.Subject())
			got++
		}
		if err := batch.Error(); err != nil {
			t.Fatalf("fetch: %v", err)
		}
		if got == 0 {
			t.Fatalf("read %d of %d events, then nothing", len(evs), max)
		}
	}
	return evs, subjects
}

// consumerState waits until the durable has the acks it was sent, and
// returns its info.
func consumerState(t *testing.T, js jetstream.JetStream, durable string, acked uint64) *jetstream.ConsumerInfo {
	t.Helper()
	var info *jetstream.ConsumerInfo
	eventually(t, 10*time.Second, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, err := js.Consumer(ctx, events.StreamName, durable)
		if err != nil {
			return err
		}
		if info, err = c.Info(ctx); err != nil {
			return err
		}
		if info.AckFloor.Stream != acked || info.NumAckPending != 0 {
			return fmt.Errorf("consumer %s: ack floor %d, %d acks pending, want ack floor %d", durable, info.AckFloor.Stream, info.NumAckPending, acked)
		}
		return nil
	})
	return info
}

// TestSubscriberResumes follows examples/subscriber: a durable pull
// consumer reads events and acknowledges them; stopped and started again,
// it goes on with the next event, with nothing redelivered.
func TestSubscriberResumes(t *testing.T) {
	e := newEnv(t, 2000)
	url := e.srv.URL()
	relay := startRelay(t, e.reg, url)
	applyMoves(t, e.reg, e.movers, 150, 8, 1)
	waitCaughtUp(t, relay, e.reg, 30*time.Second)
	_, js := connect(t, url, registerUser, registerPass)

	inOrder := func(t *testing.T, evs []event, from uint64) {
		t.Helper()
		all := journal(t, e.reg)
		for i, ev := range evs {
			want := all[from+uint64(i)-1]
			if ev.Seq != from+uint64(i) || ev.ID != ulid.ULID(want.ID).String() || ev.PNR != want.PNR.String() || ev.Kind != "move" {
				t.Fatalf("event %d: seq %d id %s, want seq %d id %s", i, ev.Seq, ev.ID, want.Seq, ulid.ULID(want.ID))
			}
		}
	}

	t.Run("all subjects", func(t *testing.T) {
		first, _ := subscribe(t, url, "example", "cpr.events.>", 100)
		inOrder(t, first, 1)
		consumerState(t, js, "example", 100)

		// More changes while the subscriber is stopped.
		applyMoves(t, e.reg, e.movers, 50, 8, 2)
		waitCaughtUp(t, relay, e.reg, 30*time.Second)
		second, _ := subscribe(t, url, "example", "cpr.events.>", 100)
		inOrder(t, second, 101)
		info := consumerState(t, js, "example", 200)
		if info.NumPending != 0 || info.NumRedelivered != 0 || info.Delivered.Stream != 200 {
			t.Fatalf("after the second run: %d pending, %d redelivered, delivered up to %d", info.NumPending, info.NumRedelivered, info.Delivered.Stream)
		}
	})

	t.Run("one kommune", func(t *testing.T) {
		// The kommune with the most events.
		count := map[string]int{}
		for _, ev := range journal(t, e.reg) {
			count[events.Subject(ev)]++
		}
		var subject string
		for s, n := range count {
			if n > count[subject] || (n == count[subject] && s < subject) {
				subject = s
			}
		}
		kommune := strings.Split(subject, ".")[2]
		filter := "cpr.events." + kommune + ".>"
		want := 0
		for s, n := range count {
			if strings.HasPrefix(s, "cpr.events."+kommune+".") {
				want += n
			}
		}
		half := want / 2
		evs, subjects := subscribe(t, url, "kommune-"+kommune, filter, half)
		rest, restSubjects := subscribe(t, url, "kommune-"+kommune, filter, want-half)
		evs, subjects = append(evs, rest...), append(subjects, restSubjects...)
		for i, ev := range evs {
			if i > 0 && ev.Seq <= evs[i-1].Seq {
				t.Fatalf("seq %d after %d", ev.Seq, evs[i-1].Seq)
			}
			if ev.KommuneTo != kommune || !strings.HasPrefix(subjects[i], "cpr.events."+kommune+".") {
				t.Fatalf("seq %d on %s to kommune %q, filter %s", ev.Seq, subjects[i], ev.KommuneTo, filter)
			}
		}
		info := consumerState(t, js, "kommune-"+kommune, evs[len(evs)-1].Seq)
		if info.NumPending != 0 {
			t.Fatalf("%d events of kommune %s left after reading the %d there are", info.NumPending, kommune, want)
		}
	})
}
