package extract

import (
	"bytes"
	"context"
	"testing"
	"time"

	"cpr/address"
	"cpr/date"
	"cpr/register"
	"cpr/subscription"
)

// TestPrivateProtectedSince: 0001 put on today hides the person's name
// and (still current) address from a private subscriber also in an
// extract of an earlier day: the status extract as of yesterday and the
// change extract of yesterday, in every format it may have. A public subscriber
// still gets them (the person is in the files).
func TestPrivateProtectedSince(t *testing.T) {
	f := newFixture(t)
	scope, _ := subscription.ParseScope([]string{"address", "name", "history"})
	f.put(subscription.Subscriber{ID: "bank", Name: "B", Kind: subscription.Private, TaskNumber: 51, Scope: scope})
	f.put(subscription.Subscriber{ID: "auth", Name: "A", Kind: subscription.Public, TaskNumber: 52, Scope: scope})
	p := f.resident(101, 1)[0]
	if _, err := f.subs.AddMarks("bank", []subscription.Mark{{PNR: p.PNR, Key: "K-00"}}); err != nil {
		t.Fatal(err)
	}
	yesterday := date.InCopenhagen(f.clock.Now())
	road := address.Demo().InKommune(101)[1]
	f.apply(register.Move{PNR: p.PNR, Effective: yesterday, Address: address.Address{Kommunekode: 101, Vejkode: road.Vejkode, Husnr: "7"}})
	f.clock.set(yesterday.AddDays(1).StartIn(date.Copenhagen).Add(9 * time.Hour))
	today := date.InCopenhagen(f.clock.Now())
	f.apply(register.ProtectionChange{PNR: p.PNR, Type: register.ProtectNameAddress, On: true, Effective: today})

	ids := map[string]string{"bank": "K-00", "auth": p.PNR.String()}
	for _, sub := range []string{"bank", "auth"} {
		for _, fm := range []Format{P12170, JSONL, CSV} {
			if _, err := f.x.Check(sub, fm); err != nil {
				continue // a format the subscriber may not have
			}
			status := func() []byte {
				var b bytes.Buffer
				if _, err := f.x.Status(context.Background(), sub, yesterday, fm, &b, nil); err != nil {
					t.Fatal(err)
				}
				return b.Bytes()
			}
			for kind, b := range map[string][]byte{"change": must(f.extract(sub, yesterday, fm)), "status": status()} {
				var got map[string]seen
				if fm == JSONL {
					got = seenJSONL(t, b)
				} else {
					got = seenRecords(t, b, fm)
				}
				s, ok := got[ids[sub]]
				if !ok {
					t.Errorf("%s %s %s: the person is not in the file", sub, kind, fm)
					continue
				}
				if want := sub == "auth"; s.name != want || s.address != want {
					t.Errorf("%s %s %s: name %v address %v; want %v", sub, kind, fm, s.name, s.address, want)
				}
			}
		}
	}
}
