package main

import (
	"testing"

	"github.com/nats-io/nats.go"

	"cpr/events"
	"cpr/subscription"
)

// TestNoResearchNATSUser: syncUsers makes a NATS user for a public
// subscriber, none for a research one (no live feed), whose login with
// the password it would have had is refused.
func TestNoResearchNATSUser(t *testing.T) {
	sec := natsSecrets{RegisterPassword: secret(), OperatorPassword: secret(), SubscriberKey: secret()}
	srv, err := events.StartServer(events.ServerConfig{Dir: t.TempDir(), Addr: "127.0.0.1:0",
		Users: []events.User{events.RegisterUser("cpr-register", sec.RegisterPassword)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	n := &natsConn{url: srv.URL(), srv: srv, secrets: sec}
	err = n.syncUsers([]subscription.Subscriber{{ID: "pub", Kind: subscription.Public}, {ID: "uni", Kind: subscription.Research}})
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{"pub": true, "uni": false} {
		nc, err := nats.Connect(srv.URL(), nats.UserInfo("sub-"+id, n.subscriberPassword(id)), nats.MaxReconnects(0))
		if got := err == nil; got != want {
			t.Errorf("%s logs in: %v (%v), want %v", id, got, err, want)
		}
		if nc != nil {
			nc.Close()
		}
	}
}
