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
//   - research subscribers get a pseudonym for every pnr ("R" and 7
//     characters, never a pnr), stable for that subscriber and unlinkable
//     across subscribers (a permutation keyed with the subscriber's
//     secret), and no date finer than a month: every date is written with
//     day 00 in P12170 and CSV ("2026-03-00", "202603000000") and as
//     "2026-03" in JSON, registration times included; they never get the
//     name, address, protection, parents or children scopes
//     (subscription.Subscriber.Allowed), nor an event's id or sequence
//     number (the id holds its time to the millisecond, and both are the
//     same for every recipient);
//   - private subscribers always get the protections in force, so they
//     can honour 0002 (local directories) and 0003 (marketing).
package extract

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

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
	// ErrResearchMonthly refuses a research subscriber's extract as of a
	// day other than the first of a month (Monthly).
	ErrResearchMonthly = errors.New("extract: a research subscriber's extracts are monthly, as of the first day of a month")
	// ErrMonthOpen refuses a research subscriber's change extract of a
	// month that has not ended: it is never partial.
	ErrMonthOpen = errors.New("extract: the month has not ended")
)

// Monthly checks the day of a research subscriber's extract: the first
// day of a month. A day-by-day series of extracts would tell each
// person's day of birth (a pseudonym appears the day after) and the day
// of each change, which the month-coarse dates keep from it.
func Monthly(s *subscription.Subscriber, day date.Date) error {
	if s.Kind == subscription.Research && day.Day() != 1 {
		return ErrResearchMonthly
	}
	return nil
}

// NextMonth is the first day of the month after day's.
func NextMonth(day date.Date) date.Date {
	return date.Of(date.MustNew(day.Year(), day.Month(), 1).Time().AddDate(0, 1, 0))
}

// FileKind is the kind of an extract, the first letter of its file name.
type FileKind byte

const (
	ChangeFile FileKind = 'D' // a change extract (dataudtræk of a day)
	StatusFile FileKind = 'S' // a status extract (the circle as of a day)
)

// FileName is the CPR file name of an extract: D<YYMMDD>.L<task number>
// for a change extract, S<YYMMDD>.L<task number> for a status extract,
// day being the day the extract is of (a status extract's as-of date),
// and .jsonl or .csv after it in those formats. The API's
// Content-Disposition, the offline command and the bench all name files
// by it.
func FileName(k FileKind, s *subscription.Subscriber, day date.Date, f Format) string {
	name := fmt.Sprintf("%c%02d%02d%02d.L%06d", k, day.Year()%100, int(day.Month()), day.Day(), s.TaskNumber)
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
	ps   *pseudonyms                    // a research subscriber's
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
		if id.ps == nil {
			return Pseudonym(id.sub.Secret, p), true
		}
		return id.ps.of(p), true
	}
	return p.String(), true
}

// pseudonyms is one research subscriber's keyed permutation of the pnr
// space: a Feistel network of 8 rounds over 34 bits (every pnr is below
// 2^34), its round function AES-256 under a key drawn from the
// subscriber's secret. A permutation, so no two persons share a
// pseudonym; keyed by a secret of each subscriber, so two subscribers'
// pseudonyms of one person are unrelated.
type pseudonyms struct{ c cipher.Block }

func newPseudonyms(secret [32]byte) *pseudonyms {
	k := sha256.Sum256(append([]byte("cpr pseudonym 2\x00"), secret[:]...))
	c, err := aes.NewCipher(k[:])
	if err != nil {
		panic(err) // a 32-byte key is always valid
	}
	return &pseudonyms{c: c}
}

// pseudonymAlphabet is Crockford's base 32: digits and capitals without
// I, L, O and U.
const pseudonymAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

func (ps *pseudonyms) of(p pnr.PNR) string {
	const half = 17
	x := uint64(p)
	l, r := uint32(x>>half)&(1<<half-1), uint32(x)&(1<<half-1)
	var in, out [16]byte
	for round := range 8 {
		in[0] = byte(round)
		binary.BigEndian.PutUint32(in[12:], r)
		ps.c.Encrypt(out[:], in[:])
		l, r = r, l^binary.BigEndian.Uint32(out[:4])&(1<<half-1)
	}
	y := uint64(l)<<half | uint64(r)
	var b [8]byte
	b[0] = 'R'
	for i := 7; i >= 1; i-- {
		b[i] = pseudonymAlphabet[y&31]
		y >>= 5
	}
	return string(b[:])
}

// Pseudonym is a research subscriber's stable name for a pnr: "R" and 7
// characters of Crockford's base 32 ("R3K9ZQ2M"), 8 characters that are
// visibly not a personnummer and fit the 10-character PNR fields. Distinct
// pnrs get distinct pseudonyms (a keyed permutation); another secret gives
// unrelated ones.
func Pseudonym(secret [32]byte, p pnr.PNR) string { return newPseudonyms(secret).of(p) }

// hidesNameAddress reports whether the subscriber may not see the person's
// name and address: a private subscriber and a person with 0001 in force
// on the extract's day, or today as the register knows it when the file
// is made (person.protectedNow): an extract of an earlier day does not
// give the name and the still current address of a person protected
// since.
func hidesNameAddress(s *subscription.Subscriber, ps *person, on date.Date) bool {
	return s.Kind == subscription.Private && (ps.protectedNow || ps.p.Protected(register.ProtectNameAddress, on))
}

func ulidText(id [16]byte) string { return ulid.ULID(id).String() }
