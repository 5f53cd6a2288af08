package events_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"cpr/events"
	"cpr/register"
)

// TestDistributorCoarse: a research subscriber's message (Coarse) is not
// published at all (no live feed: its arrival would date the change); a
// public subscriber's goes out with Nats-Msg-Id and Cpr-Seq. The second
// change sends "uni" a plain message as a marker: published after the
// first change's, it must be the first "uni" receives.
func TestDistributorCoarse(t *testing.T) {
	dir := t.TempDir()
	srv, err := events.StartServer(events.ServerConfig{Dir: dir + "/nats", Addr: "127.0.0.1:0", Users: append(testUsers(),
		events.SubscriberUser("auth", "auth-secret"), events.SubscriberUser("uni", "uni-secret"))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	reg := openRegister(t, dir+"/register")
	ms := loadPopulation(t, reg, 200, 7)
	d, err := events.StartDistributor(events.DistConfig{Register: reg, URL: srv.URL(), User: registerUser, Password: registerPass,
		Messages: func(ev *register.Event) ([]events.DistMessage, error) {
			return []events.DistMessage{{Subscriber: "auth", Data: []byte(`{}`)},
				{Subscriber: "uni", Data: []byte(`{}`), Coarse: ev.Seq == 1}}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	subs := map[string]*nats.Subscription{}
	for id, pw := range map[string]string{"auth": "auth-secret", "uni": "uni-secret"} {
		nc, err := nats.Connect(srv.URL(), nats.UserInfo("sub-"+id, pw))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		if subs[id], err = nc.SubscribeSync(events.DistPrefix + "." + id); err != nil {
			t.Fatal(err)
		}
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2 {
		if _, err := reg.Apply(context.Background(), randomMove(rng, reg.Roads(), ms, 0.5), register.Meta{Actor: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	for id, want := range map[string][]string{"auth": {"1", "2"}, "uni": {"2"}} {
		for _, w := range want {
			m, err := subs[id].NextMsg(10 * time.Second)
			if err != nil {
				t.Fatalf("%s: %v", id, err)
			}
			seq, msgID := m.Header.Get(events.HeaderSeq), m.Header.Get(jetstream.MsgIDHeader)
			if seq != w || msgID == "" {
				t.Fatalf("%s: message with Cpr-Seq %q, Nats-Msg-Id %q; want seq %s (a research message was published?)", id, seq, msgID, w)
			}
		}
	}
}
