package register

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
)

// Fact is the kind of fact a history entry records. The numbers are stored;
// never renumber.
type Fact uint8

// The facts with a history.
const (
	FactStatus      Fact = 1
	FactName        Fact = 2
	FactAddress     Fact = 3
	FactCivil       Fact = 4
	FactProtection  Fact = 5
	FactCitizenship Fact = 6
	FactChild       Fact = 7 // a child added (On) or removed (pnr change)
)

var factNames = [...]string{FactStatus: "status", FactName: "name", FactAddress: "address",
	FactCivil: "civil_status", FactProtection: "protection", FactCitizenship: "citizenship", FactChild: "child"}

func (f Fact) String() string {
	if int(f) < len(factNames) && factNames[f] != "" {
		return factNames[f]
	}
	return "unknown"
}

// Marker is the CPR correction marker of a history entry.
type Marker byte

// The correction markers. A correcting entry carries MarkCorrects (or
// MarkAnnuls) and the sequence number of the entry it replaces; in History
// the replaced entry is shown as corrected (K) or annulled (A).
const (
	MarkNone     Marker = ' '
	MarkCorrects Marker = 'k' // this entry replaces Target
	MarkAnnuls   Marker = 'a' // this entry withdraws Target
	MarkK        Marker = 'K' // shown on an entry that a later one corrected
	MarkA        Marker = 'A' // shown on an entry that a later one annulled
)

// Entry is one registration of one fact: what was true from when (valid
// time), and when the register learned it (registration time). Entries are
// only ever added; a correction is a new entry pointing at the old one.
type Entry struct {
	Seq        uint64 // journal sequence of the change that wrote it (0: bulk load)
	Ord        uint8  // position within that change
	Fact       Fact
	Registered time.Time
	From, To   date.Date // valid time; To zero is open-ended (only protections set it)
	Marker     Marker
	Target     uint64 // for a correction: Seq of the entry it replaces

	Status      Status
	Name        Name // From unused
	Address     address.Address
	Foreign     Foreign
	Civil       Civil
	Spouse      pnr.PNR
	Protection  Protection
	On          bool
	Citizenship uint16
	Child       pnr.PNR
}

const entryVersion = 1

func appendEntry(dst []byte, h *Entry) []byte {
	e := enc{dst}
	e.u8(entryVersion)
	e.u8(uint8(h.Fact))
	e.u64(uint64(h.Registered.UnixNano()))
	e.date(h.From)
	e.date(h.To)
	e.u8(uint8(h.Marker))
	e.uvarint(h.Target)
	appendFact(&e, h)
	return e.b
}

// appendFact writes what the entry records of its fact.
func appendFact(e *enc, h *Entry) {
	switch h.Fact {
	case FactStatus:
		e.u8(uint8(h.Status))
	case FactName:
		appendName(e, h.Name)
	case FactAddress:
		e.address(h.Address)
		appendForeign(e, h.Foreign)
	case FactCivil:
		e.u8(uint8(h.Civil))
		e.pnr(h.Spouse)
	case FactProtection:
		e.u16(uint16(h.Protection))
		e.u8(boolByte(h.On))
	case FactCitizenship:
		e.u16(h.Citizenship)
	case FactChild:
		e.pnr(h.Child)
		e.u8(boolByte(h.On))
	}
}

func decodeEntry(b []byte, seq uint64, ord uint8) (Entry, error) {
	d := dec{b: b}
	if v := d.u8(); v != entryVersion && d.fail == "" {
		d.fail = "version"
	}
	h := Entry{Seq: seq, Ord: ord}
	h.Fact = Fact(d.u8())
	h.Registered = time.Unix(0, int64(d.u64())).UTC()
	h.From = d.date()
	h.To = d.date()
	h.Marker = Marker(d.u8())
	h.Target = d.uvarint()
	decodeFact(&d, &h)
	return h, d.err("history entry")
}

// decodeFact reads what the entry records of its fact h.Fact.
func decodeFact(d *dec, h *Entry) {
	switch h.Fact {
	case FactStatus:
		h.Status = Status(d.u8())
	case FactName:
		h.Name = decodeName(d)
	case FactAddress:
		h.Address = d.address()
		h.Foreign = decodeForeign(d)
	case FactCivil:
		h.Civil = Civil(d.u8())
		h.Spouse = d.pnr()
	case FactProtection:
		h.Protection = Protection(d.u16())
		h.On = d.flag()
	case FactCitizenship:
		h.Citizenship = d.u16()
	case FactChild:
		h.Child = d.pnr()
		h.On = d.flag()
	default:
		if d.fail == "" {
			d.fail = "fact"
		}
	}
}

// loadBundle opens the history value of a bulk-loaded person: all its
// loaded entries under one key (sequence 0, ord 0). A single entry's value
// opens with entryVersion instead. One key a person, not one an entry,
// makes the load and every scan of the history pass over a sixth of the
// keys. The entries of a load share their registration time and carry no
// correction marker, so the bundle holds them once:
//
//	loadBundle | registered u64 | entry...
//	entry: length uvarint | fact u8 | from u32 | to u32 | the fact's fields
const loadBundle = 2

// appendLoadBundle appends the load bundle of es, in ord order. Every
// entry must have the registration time of the first and no marker.
func appendLoadBundle(dst []byte, es []Entry) ([]byte, error) {
	if len(es) == 0 || len(es) > math.MaxUint8+1 {
		return dst, fmt.Errorf("register: a load bundle of %d entries", len(es))
	}
	e := enc{dst}
	e.u8(loadBundle)
	e.u64(uint64(es[0].Registered.UnixNano()))
	for i := range es {
		h := &es[i]
		if !h.Registered.Equal(es[0].Registered) || h.Marker != MarkNone || h.Target != 0 {
			return dst, fmt.Errorf("register: entry %d does not fit a load bundle", i)
		}
		// The entry is written after a one-byte length, which is moved
		// on for the rare entry of 128 bytes or more.
		at := len(e.b)
		e.u8(0)
		e.u8(uint8(h.Fact))
		e.date(h.From)
		e.date(h.To)
		appendFact(&e, h)
		n := len(e.b) - at - 1
		if n < 0x80 {
			e.b[at] = byte(n)
			continue
		}
		var l [binary.MaxVarintLen64]byte
		ll := binary.PutUvarint(l[:], uint64(n))
		e.b = append(e.b, l[:ll-1]...)
		copy(e.b[at+ll:], e.b[at+1:at+1+n])
		copy(e.b[at:], l[:ll])
	}
	return e.b, nil
}

// appendEntries decodes the history value v stored under (seq, ord) onto
// dst: one entry, or the entries of a load bundle.
func appendEntries(dst []Entry, v []byte, seq uint64, ord uint8) ([]Entry, error) {
	if len(v) == 0 || v[0] != loadBundle {
		h, err := decodeEntry(v, seq, ord)
		if err != nil {
			return dst, err
		}
		return append(dst, h), nil
	}
	if seq != 0 || ord != 0 {
		return dst, fmt.Errorf("%w: history load bundle under seq %d ord %d", ErrCorrupt, seq, ord)
	}
	d := dec{b: v[1:]}
	regT := time.Unix(0, int64(d.u64())).UTC()
	if d.fail == "" && len(d.b) == 0 {
		d.fail = "entry count"
	}
	for i := 0; d.fail == "" && len(d.b) > 0; i++ {
		if i > math.MaxUint8 {
			d.fail = "entry count"
			break
		}
		one := dec{b: d.take(d.count(len(d.b)), "entry")}
		h := Entry{Ord: uint8(i), Registered: regT, Marker: MarkNone}
		h.Fact = Fact(one.u8())
		h.From = one.date()
		h.To = one.date()
		decodeFact(&one, &h)
		if err := one.err("history load bundle entry"); err != nil {
			return dst, err
		}
		dst = append(dst, h)
	}
	return dst, d.err("history load bundle")
}

func boolByte(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}
