package register

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
)

// This file is the storage format: every key the register writes is
// encoded and decoded here and nowhere else. Keys are fixed width and
// big-endian, so byte order is logical order. A tag byte opens every key;
// tags are never reused or renumbered (see doc.go for the table).

// Key tags.
const (
	tagMeta        byte = 'm' // m | name                          -> meta value
	tagPerson      byte = 'P' // P | pnr(8)                        -> person record
	tagHistory     byte = 'H' // H | pnr(8) | seq(8) | ord(1)      -> history entry
	tagJournal     byte = 'J' // J | seq(8)                        -> event
	tagResidence   byte = 'A' // A | address(12) | pnr(8) | from(4) -> to(4)
	tagBirthDate   byte = 'B' // B | birth date(4) | pnr(8)        -> empty
	tagIdempotency byte = 'I' // I | sha256(actor, key)(32)        -> idempotency record
	tagName        byte = 'N' // N | last 0 given 0 | pnr(8)       -> empty (folded names)
	tagPhonetic    byte = 'F' // F | last 0 given 0 | pnr(8)       -> empty (sound keys)
)

// formatVersion is written under the meta key "format" on first open.
// Rewriting testdata/keys.golden is a migration, reviewed as one.
//
//	1  the first format
//	2  a bulk load writes a person's entries as one load bundle (see
//	   loadBundle); version 1 data reads as it is and is upgraded on open
const (
	formatVersion uint32 = 2
	oldestFormat  uint32 = 1
)

const (
	pnrLen       = 8
	seqLen       = 8
	dateLen      = 4
	addrLen      = 12
	idemHashLen  = 32
	personKeyLen = 1 + pnrLen
	historyKeyLn = 1 + pnrLen + seqLen + 1
	journalKeyLn = 1 + seqLen
	residenceLen = 1 + addrLen + pnrLen + dateLen
	birthKeyLen  = 1 + dateLen + pnrLen
	idemKeyLen   = 1 + idemHashLen
)

func metaKey(name string) []byte { return append([]byte{tagMeta}, name...) }

func appendPersonKey(dst []byte, p pnr.PNR) []byte {
	return p.AppendKey(append(dst, tagPerson))
}

func decodePersonKey(k []byte) (pnr.PNR, error) {
	if len(k) != personKeyLen || k[0] != tagPerson {
		return 0, fmt.Errorf("%w: person key", ErrCorrupt)
	}
	return decodePNR(k[1:])
}

// appendHistoryPrefix is the prefix of every history entry of one person.
func appendHistoryPrefix(dst []byte, p pnr.PNR) []byte {
	return p.AppendKey(append(dst, tagHistory))
}

func appendHistoryKey(dst []byte, p pnr.PNR, seq uint64, ord uint8) []byte {
	dst = appendHistoryPrefix(dst, p)
	dst = binary.BigEndian.AppendUint64(dst, seq)
	return append(dst, ord)
}

func decodeHistoryKey(k []byte) (p pnr.PNR, seq uint64, ord uint8, err error) {
	if len(k) != historyKeyLn || k[0] != tagHistory {
		return 0, 0, 0, fmt.Errorf("%w: history key", ErrCorrupt)
	}
	if p, err = decodePNR(k[1:]); err != nil {
		return 0, 0, 0, err
	}
	return p, binary.BigEndian.Uint64(k[1+pnrLen:]), k[historyKeyLn-1], nil
}

func appendJournalKey(dst []byte, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(append(dst, tagJournal), seq)
}

func decodeJournalKey(k []byte) (uint64, error) {
	if len(k) != journalKeyLn || k[0] != tagJournal {
		return 0, fmt.Errorf("%w: journal key", ErrCorrupt)
	}
	return binary.BigEndian.Uint64(k[1:]), nil
}

// appendResidencePrefix is the prefix of every residence at one address.
func appendResidencePrefix(dst []byte, a address.Address) []byte {
	return a.AppendKey(append(dst, tagResidence))
}

func appendResidenceKey(dst []byte, a address.Address, p pnr.PNR, from date.Date) []byte {
	dst = p.AppendKey(appendResidencePrefix(dst, a))
	return binary.BigEndian.AppendUint32(dst, uint32(from))
}

func decodeResidenceKey(k []byte) (a address.Address, p pnr.PNR, from date.Date, err error) {
	if len(k) != residenceLen || k[0] != tagResidence {
		return a, 0, 0, fmt.Errorf("%w: residence key", ErrCorrupt)
	}
	if a, err = address.DecodeKey(k[1 : 1+addrLen]); err != nil {
		return a, 0, 0, fmt.Errorf("%w: residence key address", ErrCorrupt)
	}
	if p, err = decodePNR(k[1+addrLen:]); err != nil {
		return a, 0, 0, err
	}
	return a, p, date.Date(binary.BigEndian.Uint32(k[1+addrLen+pnrLen:])), nil
}

func appendBirthKey(dst []byte, d date.Date, p pnr.PNR) []byte {
	dst = binary.BigEndian.AppendUint32(append(dst, tagBirthDate), uint32(d))
	return p.AppendKey(dst)
}

func decodeBirthKey(k []byte) (date.Date, pnr.PNR, error) {
	if len(k) != birthKeyLen || k[0] != tagBirthDate {
		return 0, 0, fmt.Errorf("%w: birth date key", ErrCorrupt)
	}
	p, err := decodePNR(k[1+dateLen:])
	return date.Date(binary.BigEndian.Uint32(k[1:])), p, err
}

func appendIdempotencyKey(dst []byte, hash [idemHashLen]byte) []byte {
	return append(append(dst, tagIdempotency), hash[:]...)
}

func decodePNR(b []byte) (pnr.PNR, error) {
	p, err := pnr.DecodeKey(b)
	if err != nil {
		return 0, fmt.Errorf("%w: pnr in key", ErrCorrupt)
	}
	return p, nil
}

// prefixEnd returns the smallest key greater than every key with prefix.
func prefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// appendNameKey is tag | last | 0x00 | given | 0x00 | pnr. Folded names
// hold no 0x00, so the separator keeps whole last names together.
func appendNameKey(dst []byte, tag byte, last, given string, p pnr.PNR) []byte {
	return appendNameKey2(dst, tag, last, given, "", p)
}

// appendNameKey2 is appendNameKey with the given names in two parts, to
// be joined by a space when both are there.
func appendNameKey2(dst []byte, tag byte, last, given1, given2 string, p pnr.PNR) []byte {
	dst = append(dst, tag)
	dst = append(dst, last...)
	dst = append(dst, 0)
	dst = append(dst, given1...)
	if given1 != "" && given2 != "" {
		dst = append(dst, ' ')
	}
	dst = append(dst, given2...)
	dst = append(dst, 0)
	return p.AppendKey(dst)
}

// decodeNameKey returns the given names and pnr of a name key.
func decodeNameKey(k []byte) (last, given string, p pnr.PNR, err error) {
	if len(k) < 1+2+pnrLen || (k[0] != tagName && k[0] != tagPhonetic) {
		return "", "", 0, fmt.Errorf("%w: name key", ErrCorrupt)
	}
	body := k[1 : len(k)-pnrLen]
	i := bytes.IndexByte(body, 0)
	if i < 0 || i == len(body)-1 || body[len(body)-1] != 0 {
		return "", "", 0, fmt.Errorf("%w: name key", ErrCorrupt)
	}
	p, err = decodePNR(k[len(k)-pnrLen:])
	return string(body[:i]), string(body[i+1 : len(body)-1]), p, err
}
