package events

import (
	"time"

	"github.com/oklog/ulid/v2"

	"cpr/address"
	"cpr/date"
	"cpr/register"
	"cpr/wire"
)

// Version is the payload schema version (the "v" key).
const Version = 1

// Payload is the JSON body of one event message. Scripts rely on v, id,
// seq, kind, pnr, related, effective, registered, kommune_from,
// kommune_to, actor and person; see event.schema.json. Related are the
// other persons whose records the change rewrote (never null).
type Payload struct {
	V           int         `json:"v"`
	ID          string      `json:"id"`
	Seq         uint64      `json:"seq"`
	Kind        string      `json:"kind"`
	PNR         string      `json:"pnr"`
	Related     []string    `json:"related"`
	Effective   date.Date   `json:"effective"`
	Registered  time.Time   `json:"registered"`
	KommuneFrom string      `json:"kommune_from"`
	KommuneTo   string      `json:"kommune_to"`
	Actor       string      `json:"actor"`
	Person      wire.Person `json:"person"`
}

// PayloadOf is the payload of a journal event.
func PayloadOf(ev *register.Event, roads *address.Roads) Payload {
	p := Payload{
		V: Version, ID: ulid.ULID(ev.ID).String(), Seq: ev.Seq, Kind: ev.Kind.String(), PNR: ev.PNR.String(),
		Related: []string{}, Effective: ev.Effective, Registered: ev.Registered.UTC(),
		KommuneFrom: code(ev.KommuneFrom), KommuneTo: code(ev.KommuneTo), Actor: ev.Actor,
		Person: wire.PersonOf(ev.Person, roads),
	}
	for _, r := range ev.Related {
		p.Related = append(p.Related, r.String())
	}
	return p
}

func code(k uint16) string {
	if k == 0 {
		return ""
	}
	return wire.Code4(k)
}

// Subject is the subject an event is published on:
// cpr.events.<kommunekode>.<kind>, under the receiving kommune (the kommune
// left, for an emigration or a death). It never holds a pnr.
func Subject(ev *register.Event) string {
	k := ev.KommuneTo
	if k == 0 {
		k = ev.KommuneFrom
	}
	return SubjectPrefix + "." + wire.Code4(k) + "." + ev.Kind.String()
}

// SubjectPrefix is the root of the event subjects.
const SubjectPrefix = "cpr.events"

// StreamName is the JetStream stream holding every event.
const StreamName = "CPR_EVENTS"

// Headers of every event message besides Nats-Msg-Id (the event id).
const (
	HeaderSeq = "Cpr-Seq" // the register sequence number
)
