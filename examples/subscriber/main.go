// Command subscriber follows the register's change events with a durable
// pull consumer on the CPR_EVENTS stream and prints one line per event.
// It uses nothing but the plain nats.go client:
//
//	go run ./examples/subscriber -url nats://127.0.0.1:4222 -user operator -password ...
//
// The credentials are in the "nats" part of DATA/demo-tokens.json. A
// durable consumer remembers what was acknowledged: stop it and start it
// again, and it goes on where it stopped.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

type event struct {
	ID          string `json:"id"`
	Seq         uint64 `json:"seq"`
	Kind        string `json:"kind"`
	PNR         string `json:"pnr"`
	Effective   string `json:"effective"`
	KommuneFrom string `json:"kommune_from"`
	KommuneTo   string `json:"kommune_to"`
}

func main() {
	url := flag.String("url", "nats://127.0.0.1:4222", "NATS server")
	user := flag.String("user", "operator", "NATS user")
	password := flag.String("password", "", "NATS password")
	durable := flag.String("durable", "example", "durable consumer name")
	filter := flag.String("filter", "cpr.events.>", "subject filter, e.g. cpr.events.0101.move")
	max := flag.Int("max", 0, "stop after this many events (0: run until interrupted)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *url, *user, *password, *durable, *filter, *max); err != nil {
		fmt.Fprintln(os.Stderr, "subscriber:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url, user, password, durable, filter string, max int) error {
	// The operator's replies come to its own inbox prefix: the server lets
	// it read nothing else.
	nc, err := nats.Connect(url, nats.UserInfo(user, password), nats.Name("cpr-example-subscriber"),
		nats.CustomInboxPrefix("_INBOX_operator"))
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, "CPR_EVENTS", jetstream.ConsumerConfig{
		Durable: durable, FilterSubject: filter, AckPolicy: jetstream.AckExplicitPolicy, DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return err
	}
	for n := 0; max == 0 || n < max; {
		batch, err := cons.Fetch(100, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return err
		}
		for m := range batch.Messages() {
			var ev event
			if err := json.Unmarshal(m.Data(), &ev); err != nil {
				return fmt.Errorf("event %s: %w", m.Subject(), err)
			}
			fmt.Printf("%d %s %s %s %s->%s %s\n", ev.Seq, ev.ID, ev.Kind, ev.Effective, ev.KommuneFrom, ev.KommuneTo, m.Subject())
			if err := m.Ack(); err != nil {
				return err
			}
			if n++; max > 0 && n >= max {
				return nil
			}
		}
		if err := batch.Error(); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
	}
	return nil
}
