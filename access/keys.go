package access

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"

	"cpr/pnr"
)

// This file is the storage format of the package: every key and value it
// writes is encoded and decoded here and nowhere else (doc.go draws the
// table; testdata/format.golden pins the bytes). The register prepends
// the space tag; the keys below are what follows it.

const (
	hashLen    = 32 // sha256 of a token secret
	tokenIDLen = 8  // a token id is the first 8 bytes of the hash, 16 hex chars
	idLen      = 16 // a ULID
	pnrLen     = pnr.KeyLen

	// userTokenTag opens the user -> token index inside SpaceUsers. User
	// ids start with [a-z0-9], so no user key starts with it.
	userTokenTag byte = 0x00
	// citizenTag opens the pnr -> citizen user index inside SpaceUsers;
	// the tag alone is the key that says the index is complete.
	citizenTag byte = 0x01
	// userSep ends a user id inside a key; ids never hold it.
	userSep byte = 0x00

	// valueVersion opens every user and token record.
	valueVersion byte = 1
	// entryVersion opens every access log entry written now; entries of
	// entryVersion1 (no token, target or persons) are still read.
	entryVersion  byte = 2
	entryVersion1 byte = 1
)

// Entry flag bits.
const (
	flagProtected byte = 1 << 0
	flagToken     byte = 1 << 1 // version 2: the token id follows the flags
	entryFlags         = flagProtected | flagToken
)

// userKey is id (U | id).
func userKey(id string) []byte { return []byte(id) }

// firstUserKey is the lowest possible user key: it skips the token index.
func firstUserKey() []byte { return []byte{'0'} }

// userTokenKey is 0x00 | user | 0x00 | token id(8) (U | ...). The value is
// the token's hash, the key of its record.
func userTokenKey(user string, id [tokenIDLen]byte) []byte {
	k := userTokenPrefix(user)
	return append(k, id[:]...)
}

// userTokenPrefix is 0x00 | user | 0x00, the prefix of a user's token keys.
func userTokenPrefix(user string) []byte {
	k := make([]byte, 0, 2+len(user)+tokenIDLen)
	k = append(k, userTokenTag)
	k = append(k, user...)
	return append(k, userSep)
}

// citizenKey is 0x01 | pnr(8) (U | ...). The value is the citizen user's
// id.
func citizenKey(p pnr.PNR) []byte { return p.AppendKey([]byte{citizenTag}) }

// citizenIndexKey is 0x01 (U | 0x01): present once every citizen user
// has its citizenKey (value: version 1).
func citizenIndexKey() []byte { return []byte{citizenTag} }

// tokenKey is sha256(secret) (T | hash).
func tokenKey(h [hashLen]byte) []byte { return h[:] }

// tokenID is the public id of the token with hash h: the first 16 hex
// digits of the hash.
func tokenID(h [hashLen]byte) string { return hex.EncodeToString(h[:tokenIDLen]) }

// parseTokenID decodes a public token id: exactly 16 lowercase hex digits.
func parseTokenID(s string) ([tokenIDLen]byte, bool) {
	var id [tokenIDLen]byte
	if len(s) != 2*tokenIDLen {
		return id, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return id, false
		}
	}
	_, err := hex.Decode(id[:], []byte(s))
	return id, err == nil
}

// appendLogKey is ulid(16) (L | ulid).
func appendLogKey(dst []byte, id ulid.ULID) []byte { return append(dst, id[:]...) }

// appendPNRLogKey is pnr(8) | ulid(16) (X | ...).
func appendPNRLogKey(dst []byte, p pnr.PNR, id ulid.ULID) []byte {
	return append(p.AppendKey(dst), id[:]...)
}

// appendUserLogKey is user | 0x00 | ulid(16) (Y | ...).
func appendUserLogKey(dst []byte, user string, id ulid.ULID) []byte {
	dst = append(dst, user...)
	dst = append(dst, userSep)
	return append(dst, id[:]...)
}

// pnrLogPrefix is pnr(8), the prefix of a person's X keys.
func pnrLogPrefix(p pnr.PNR) []byte { return p.AppendKey(make([]byte, 0, pnrLen+idLen)) }

// userLogPrefix is user | 0x00, the prefix of a user's Y keys.
func userLogPrefix(user string) []byte {
	k := make([]byte, 0, len(user)+1+idLen)
	k = append(k, user...)
	return append(k, userSep)
}

// userTokenEnd is the smallest key after a user's token keys.
func userTokenEnd(user string) []byte {
	k := userTokenPrefix(user)
	k[len(k)-1] = userSep + 1
	return k
}

// tokenIDEnd is the smallest key after the token keys whose hash starts
// with id, or nil if there is none.
func tokenIDEnd(id [tokenIDLen]byte) []byte {
	end := id[:]
	for i := len(end) - 1; i >= 0; i-- {
		end[i]++
		if end[i] != 0 {
			return end[:i+1]
		}
	}
	return nil
}

// decodeIndexID returns the ULID that ends an X or Y key.
func decodeIndexID(k []byte) (ulid.ULID, error) {
	var id ulid.ULID
	if len(k) < idLen {
		return id, fmt.Errorf("%w: short index key", ErrCorrupt)
	}
	copy(id[:], k[len(k)-idLen:])
	return id, nil
}

// decodeLogKey decodes an L key.
func decodeLogKey(k []byte) (ulid.ULID, error) {
	var id ulid.ULID
	if len(k) != idLen {
		return id, fmt.Errorf("%w: log key of %d bytes", ErrCorrupt, len(k))
	}
	copy(id[:], k)
	return id, nil
}

// boundID is the lowest ULID of the millisecond ms.
func boundID(ms uint64) ulid.ULID {
	var id ulid.ULID
	_ = id.SetTime(ms) // ms is clamped to ulid.MaxTime by the callers
	return id
}

// Role and outcome codes in log values. Codes are never renumbered.
var (
	roleCodes    = []Role{"", RoleClerk, RoleLookup, RoleAuditor, RoleCitizen, RoleSubscriber, RoleAdmin}
	outcomeCodes = []string{"", OutcomeRead, OutcomeDenied, OutcomeChanged, OutcomeReplayed, OutcomeRefused, OutcomeAdmin}
)

func code[T comparable](table []T, v T) byte {
	for i, x := range table {
		if x == v {
			return byte(i)
		}
	}
	return 0xff
}

// appendEntry appends the log value of e (version 2):
//
//	version u8 = 2
//	nanoseconds within the id's millisecond  uvarint
//	user      uvarint length | bytes
//	role      u8 code (0 none, 1 clerk, 2 lookup, 3 auditor, 4 citizen, 5 subscriber, 6 admin)
//	pnr       uvarint (0 none)
//	call      uvarint length | bytes
//	purpose   uvarint length | bytes
//	outcome   u8 code (1 read, 2 denied, 3 changed, 4 replayed, 5 refused, 6 admin)
//	status    uvarint
//	person kommune, user kommune  uvarint each
//	flags     u8 (bit 0: protected, bit 1: token id follows)
//	token     8 bytes, if flag bit 1 (the public token id in binary)
//	target    uvarint length | bytes
//	persons   uvarint
//
// Version 1 ends at the flags (bit 0 only). The id is the key; the time is
// the id's millisecond plus the stored nanoseconds. e must be valid (see
// prepare).
func appendEntry(dst []byte, e *Entry) []byte {
	dst = append(dst, entryVersion)
	dst = binary.AppendUvarint(dst, uint64(e.Time.Nanosecond()%int(time.Millisecond)))
	dst = appendString(dst, e.User)
	dst = append(dst, code(roleCodes, e.Role))
	dst = binary.AppendUvarint(dst, uint64(e.PNR))
	dst = appendString(dst, e.Call)
	dst = appendString(dst, e.Purpose)
	dst = append(dst, code(outcomeCodes, e.Outcome))
	dst = binary.AppendUvarint(dst, uint64(e.Status))
	dst = binary.AppendUvarint(dst, uint64(e.PersonKommune))
	dst = binary.AppendUvarint(dst, uint64(e.UserKommune))
	var flags byte
	if e.Protected {
		flags |= flagProtected
	}
	tid, hasToken := parseTokenID(e.Token)
	if hasToken {
		flags |= flagToken
	}
	dst = append(dst, flags)
	if hasToken {
		dst = append(dst, tid[:]...)
	}
	dst = appendString(dst, e.Target)
	return binary.AppendUvarint(dst, uint64(e.Persons))
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// decodeEntry decodes a log value (version 1 or 2) stored under id.
// Errors wrap ErrCorrupt.
func decodeEntry(id ulid.ULID, b []byte) (Entry, error) {
	d := decoder{b: b}
	version := d.byte()
	if version != entryVersion && version != entryVersion1 {
		return Entry{}, fmt.Errorf("%w: log entry version %d", ErrCorrupt, version)
	}
	nanos := d.uvarint(uint64(time.Millisecond - 1))
	var e Entry
	e.ID = id.String()
	e.User = d.string(maxIDLen)
	e.Role = lookupCode(&d, roleCodes)
	e.PNR = pnr.PNR(d.uvarint(1<<63 - 1))
	e.Call = d.string(maxCallLen)
	e.Purpose = d.string(utf8.UTFMax * maxPurposeLen)
	e.Outcome = lookupCode(&d, outcomeCodes)
	e.Status = int(d.uvarint(999))
	e.PersonKommune = uint16(d.uvarint(1<<16 - 1))
	e.UserKommune = uint16(d.uvarint(1<<16 - 1))
	flags := d.byte()
	allowed := flagProtected
	if version == entryVersion {
		allowed = entryFlags
		if flags&flagToken != 0 {
			tid := d.bytes(tokenIDLen)
			if len(tid) == tokenIDLen {
				e.Token = hex.EncodeToString(tid)
			}
		}
		e.Target = d.string(maxTargetLen)
		e.Persons = int(d.uvarint(maxPersons))
	}
	if d.bad || len(d.b) != 0 {
		return Entry{}, fmt.Errorf("%w: log entry", ErrCorrupt)
	}
	if flags&^allowed != 0 || (e.PNR != 0 && !e.PNR.Valid()) || e.Outcome == "" ||
		!utf8.ValidString(e.Call) || !utf8.ValidString(e.Purpose) || !utf8.ValidString(e.Target) {
		return Entry{}, fmt.Errorf("%w: log entry field", ErrCorrupt)
	}
	e.Protected = flags&flagProtected != 0
	e.Time = time.UnixMilli(int64(id.Time())).Add(time.Duration(nanos)).UTC()
	return e, nil
}

// decoder reads a value; the first short read or out-of-range number sets
// bad, and every later read returns zero.
type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) fail() { d.bad, d.b = true, nil }

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) bytes(n int) []byte {
	if len(d.b) < n {
		d.fail()
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) uvarint(max uint64) uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 || v > max {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string(max int) string {
	n := d.uvarint(uint64(max))
	if uint64(len(d.b)) < n {
		d.fail()
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func lookupCode[T any](d *decoder, table []T) T {
	c := d.byte()
	if int(c) >= len(table) {
		d.fail()
		var zero T
		return zero
	}
	return table[c]
}

// appendRecord is version | JSON, the value of a user or token record.
func appendRecord(dst []byte, v any) ([]byte, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(append(dst, valueVersion), j...), nil
}

// decodeRecord decodes a value written by appendRecord. Errors wrap
// ErrCorrupt and never quote the value.
func decodeRecord(b []byte, v any) error {
	if len(b) == 0 || b[0] != valueVersion {
		return fmt.Errorf("%w: record version", ErrCorrupt)
	}
	if err := json.Unmarshal(b[1:], v); err != nil {
		return fmt.Errorf("%w: record", ErrCorrupt)
	}
	return nil
}
