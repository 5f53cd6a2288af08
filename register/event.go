package register

import (
	"time"

	"github.com/oklog/ulid/v2"

	"cpr/date"
	"cpr/pnr"
)

// Kind is the kind of a change. The numbers are stored; never renumber.
type Kind uint8

// The change kinds.
const (
	KindBirth       Kind = 1
	KindMove        Kind = 2
	KindName        Kind = 3
	KindMarriage    Kind = 4
	KindDivorce     Kind = 5
	KindDeath       Kind = 6
	KindEmigration  Kind = 7
	KindImmigration Kind = 8
	KindProtection  Kind = 9
	KindPNRChange   Kind = 10
	KindCorrection  Kind = 11
)

var kindNames = [...]string{KindBirth: "birth", KindMove: "move", KindName: "name",
	KindMarriage: "marriage", KindDivorce: "divorce", KindDeath: "death",
	KindEmigration: "emigration", KindImmigration: "immigration",
	KindProtection: "protection", KindPNRChange: "pnr-change", KindCorrection: "correction"}

// String is the kind's name as used in NATS subjects and extracts.
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "unknown"
}

// Kinds lists every change kind.
func Kinds() []Kind {
	return []Kind{KindBirth, KindMove, KindName, KindMarriage, KindDivorce, KindDeath,
		KindEmigration, KindImmigration, KindProtection, KindPNRChange, KindCorrection}
}

// ParseKind reads a kind name.
func ParseKind(s string) (Kind, bool) {
	for _, k := range Kinds() {
		if k.String() == s {
			return k, true
		}
	}
	return 0, false
}

// Event is one accepted change: the journal entry.
type Event struct {
	ID          ulid.ULID
	Seq         uint64
	Kind        Kind
	PNR         pnr.PNR   // the person the change is about
	Related     []pnr.PNR // other persons whose records changed with it
	Effective   date.Date
	Registered  time.Time
	KommuneFrom uint16
	KommuneTo   uint16
	Actor       string
	Person      *Person // the person after the change
}

const eventVersion = 1

func appendEvent(dst []byte, ev *Event) []byte {
	e := enc{dst}
	e.u8(eventVersion)
	e.b = append(e.b, ev.ID[:]...)
	e.u64(ev.Seq)
	e.u8(uint8(ev.Kind))
	e.pnr(ev.PNR)
	e.uvarint(uint64(len(ev.Related)))
	for _, r := range ev.Related {
		e.pnr(r)
	}
	e.date(ev.Effective)
	e.u64(uint64(ev.Registered.UnixNano()))
	e.u16(ev.KommuneFrom)
	e.u16(ev.KommuneTo)
	e.str(ev.Actor)
	e.bytes(appendPerson(nil, ev.Person))
	return e.b
}

func decodeEvent(b []byte) (*Event, error) {
	d := dec{b: b}
	if v := d.u8(); v != eventVersion && d.fail == "" {
		d.fail = "version"
	}
	ev := &Event{}
	copy(ev.ID[:], d.take(16, "id"))
	ev.Seq = d.u64()
	ev.Kind = Kind(d.u8())
	ev.PNR = d.pnr()
	if n := d.count(len(d.b) / pnrLen); n > 0 {
		ev.Related = make([]pnr.PNR, n)
		for i := range ev.Related {
			ev.Related[i] = d.pnr()
		}
	}
	ev.Effective = d.date()
	ev.Registered = time.Unix(0, int64(d.u64())).UTC()
	ev.KommuneFrom = d.u16()
	ev.KommuneTo = d.u16()
	ev.Actor = d.str()
	pb := d.bytes()
	if err := d.err("event"); err != nil {
		return nil, err
	}
	p, err := decodePerson(pb)
	if err != nil {
		return nil, err
	}
	ev.Person = p
	return ev, nil
}
