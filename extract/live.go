package extract

import (
	"encoding/json"

	"cpr/date"
	"cpr/pnr"
	"cpr/register"
	"cpr/subscription"
)

// Live is one subscriber's message about one change on its live feed.
type Live struct {
	Subscriber string
	Data       []byte
	// Coarse: the subscriber is told dates to the month only (research):
	// publish it without the event's id or sequence number in headers.
	Coarse bool
}

// liveMessage is the body: the change, and the persons it touched in the
// subscriber's circle, as its scope and the privacy rules allow.
// A research subscriber's has no id or seq, and its dates are months.
type liveMessage struct {
	V          int            `json:"v"`
	ID         string         `json:"id,omitempty"`
	Seq        uint64         `json:"seq,omitempty"`
	Kind       string         `json:"kind"`
	Effective  jdate          `json:"effective"`
	Registered string         `json:"registered"`
	Persons    []personRecord `json:"persons"`
}

// LiveMessages routes a change and builds each subscriber's message.
func (x *Extractor) LiveMessages(ev *register.Event) ([]Live, error) {
	kommuneOf := func(p pnr.PNR) uint16 {
		if q, err := x.Reg.Get(p); err == nil {
			return q.Kommune()
		}
		return 0
	}
	deliveries := x.Subs.Router().Route(ev, kommuneOf)
	if len(deliveries) == 0 {
		return nil, nil
	}
	snaps := map[pnr.PNR]*register.Person{ev.PNR: ev.Person}
	on := date.InCopenhagen(ev.Registered)
	var out []Live
	for _, d := range deliveries {
		ids := x.identity(d.Sub)
		cs := coarse(d.Sub)
		msg := liveMessage{V: 1, Kind: ev.Kind.String(), Effective: jdate(ev.Effective), Registered: registeredText(ev.Registered, cs)}
		if cs {
			msg.Effective = jdate(monthOf(ev.Effective))
		} else {
			msg.ID, msg.Seq = ulidText(ev.ID), ev.Seq
		}
		for _, p := range d.PNRs {
			snap, ok := snaps[p]
			if !ok {
				q, err := x.Reg.Get(p)
				if err != nil {
					continue
				}
				snap, snaps[p] = q, q
			}
			name, ok := ids.of(p)
			if !ok {
				continue
			}
			sub := d.Sub
			if sub.Scope.Has(subscription.ScopeHistory) {
				// The live feed carries the facts after the change, not the history.
				s := *sub
				s.Scope &^= subscription.ScopeHistory
				sub = &s
			}
			msg.Persons = append(msg.Persons, personJSON(&person{id: name, p: snap}, sub, x.Reg.Roads(), ids, on))
		}
		if len(msg.Persons) == 0 {
			continue
		}
		b, err := json.Marshal(msg)
		if err != nil {
			return nil, err
		}
		out = append(out, Live{Subscriber: d.Sub.ID, Data: b, Coarse: cs})
	}
	return out, nil
}
