// Package extract produces what subscribers receive: the daily change
// extract (ændringsudtræk) and the status extract (statusudtræk), in the
// CPR P12170 fixed-width layout, JSON Lines or CSV, with the same content
// in each. Each person comes as a full snapshot of the records the
// subscriber's data scope allows; the privacy rules are applied here:
//
//   - private subscribers never receive a pnr (their customer key stands
//     in its place, and other persons' numbers are left out), and never the
//     name or address of a person with name and address protection; they
//     get JSON Lines or CSV, not P12170;
//   - research subscribers get a pseudonym for every pnr, stable for that
//     subscriber and unlinkable across subscribers (HMAC-SHA256 with the
//     subscriber's secret), and the birth year and month only.
package extract

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	"github.com/oklog/ulid/v2"

	"cpr/date"
	"cpr/pnr"
	"cpr/register"
	"cpr/subscription"
)

// Format is an extract file format.
type Format string

// The formats.
const (
	P12170 Format = "p12170"
	JSONL  Format = "jsonl"
	CSV    Format = "csv"
)

// ParseFormat reads a format name ("" is p12170).
func ParseFormat(s string) (Format, error) {
	switch Format(s) {
	case "", P12170:
		return P12170, nil
	case JSONL, CSV:
		return Format(s), nil
	}
	return "", fmt.Errorf("%w: format must be p12170, jsonl or csv", ErrInvalid)
}

// Errors.
var (
	ErrInvalid   = errors.New("extract: invalid request")
	ErrForbidden = errors.New("extract: private subscribers receive JSON Lines or CSV, not P12170")
)

// FileName is the CPR file name of an extract: D<YYMMDD>.L<task number>.
func FileName(s *subscription.Subscriber, day date.Date, f Format) string {
	name := fmt.Sprintf("D%02d%02d%02d.L%06d", day.Year()%100, int(day.Month()), day.Day(), s.TaskNumber)
	switch f {
	case JSONL:
		name += ".jsonl"
	case CSV:
		name += ".csv"
	}
	return name
}

// identity turns pnrs into what a subscriber may see.
type identity struct {
	sub  *subscription.Subscriber
	keys func(p pnr.PNR) (string, bool) // customer keys of a private subscriber
}

// of is the subscriber's name for p: the pnr, the customer key, or the
// pseudonym. ok is false when the subscriber may not see p at all (a
// person related to a private subscriber's customer).
func (id identity) of(p pnr.PNR) (string, bool) {
	if p.IsZero() {
		return "", false
	}
	switch id.sub.Kind {
	case subscription.Private:
		if id.keys == nil {
			return "", false
		}
		return id.keys(p)
	case subscription.Research:
		return Pseudonym(id.sub.Secret, p), true
	}
	return p.String(), true
}

// Pseudonym is a research subscriber's stable number for a pnr: 10 digits
// from HMAC-SHA256 keyed with the subscriber's secret.
func Pseudonym(secret [32]byte, p pnr.PNR) string {
	m := hmac.New(sha256.New, secret[:])
	m.Write(p.AppendKey(nil))
	n := binary.BigEndian.Uint64(m.Sum(nil)) % 10_000_000_000
	s := strconv.FormatUint(n, 10)
	for len(s) < 10 {
		s = "0" + s
	}
	return s
}

// hidesNameAddress reports whether the subscriber may not see p's name and
// address: a private subscriber and a protected person.
func hidesNameAddress(s *subscription.Subscriber, p *register.Person, on date.Date) bool {
	return s.Kind == subscription.Private && p.Protected(register.ProtectNameAddress, on)
}

func ulidText(id [16]byte) string { return ulid.ULID(id).String() }
