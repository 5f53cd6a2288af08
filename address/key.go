package address

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// KeyLen is the length in bytes of an address key (see AppendKey and the
// package documentation for the layout).
const KeyLen = 12

// Etage byte values in a key. Floors n = 1..99 are n + etageFloor0.
const (
	etageBlank  = 0
	etageKl     = 1
	etageSt     = 2
	etageFloor0 = 2
)

// AppendKey appends a's 12-byte key to dst and returns the extended slice:
//
//	kommunekode  uint16 big-endian
//	vejkode      uint16 big-endian
//	husnr        uint16 big-endian number (0: none), then 1 byte letter ('A'-'Z', 0: none)
//	etage        1 byte: 0 blank, 1 kl, 2 st, n+2 for floor n
//	sidedoer     4 bytes, left-aligned, padded with 0 bytes
//
// Comparing keys bytewise orders addresses by kommune, road, house number,
// letter, floor (blank < kl < st < 1 < 2 ...) and door. Doors compare as
// bytes ("10" < "9", "mf" < "th" < "tv"). a must be in normal form (as
// returned by Parse); for other values the key is unspecified.
func (a Address) AppendKey(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint16(dst, a.Kommunekode)
	dst = binary.BigEndian.AppendUint16(dst, a.Vejkode)
	_, num, rest := splitNumber(a.Husnr)
	var n uint16
	for i := 0; i < len(num) && i < 4; i++ {
		n = n*10 + uint16(num[i]-'0')
	}
	var letter byte
	if rest != "" {
		letter = rest[0]
	}
	dst = binary.BigEndian.AppendUint16(dst, n)
	dst = append(dst, letter)

	var e byte
	switch a.Etage {
	case "":
		e = etageBlank
	case "kl":
		e = etageKl
	case "st":
		e = etageSt
	default:
		_, num, _ := splitNumber(a.Etage)
		f := 0
		for i := 0; i < len(num) && i < 3; i++ {
			f = f*10 + int(num[i]-'0')
		}
		e = byte(min(f+etageFloor0, 255))
	}
	dst = append(dst, e)

	var door [4]byte
	copy(door[:], a.Sidedoer)
	return append(dst, door[:]...)
}

// DecodeKey decodes a key written by AppendKey. Every valid address has
// exactly one key, so DecodeKey rejects anything AppendKey would not have
// written. Errors wrap ErrCorrupt and never contain the key bytes.
func DecodeKey(b []byte) (Address, error) {
	if len(b) != KeyLen {
		return Address{}, fmt.Errorf("%w: length %d, want %d", ErrCorrupt, len(b), KeyLen)
	}
	var a Address
	a.Kommunekode = binary.BigEndian.Uint16(b[0:2])
	a.Vejkode = binary.BigEndian.Uint16(b[2:4])

	n := binary.BigEndian.Uint16(b[4:6])
	letter := b[6]
	switch {
	case n == 0 && letter == 0:
	case n == 0 || n > 999 || letter != 0 && (letter < 'A' || letter > 'Z'):
		return Address{}, fmt.Errorf("%w: bad husnr", ErrCorrupt)
	case letter == 0:
		a.Husnr = strconv.Itoa(int(n))
	default:
		a.Husnr = strconv.Itoa(int(n)) + string(letter)
	}

	switch e := b[7]; {
	case e == etageBlank:
	case e == etageKl:
		a.Etage = "kl"
	case e == etageSt:
		a.Etage = "st"
	case int(e)-etageFloor0 <= 99:
		a.Etage = strconv.Itoa(int(e) - etageFloor0)
	default:
		return Address{}, fmt.Errorf("%w: bad etage", ErrCorrupt)
	}

	door := string(b[8:12])
	a.Sidedoer = strings.TrimRight(door, "\x00")

	if err := a.check(); err != nil {
		// Not wrapped: a corrupt key is not the caller's invalid input.
		var fe *FieldError
		errors.As(err, &fe)
		return Address{}, fmt.Errorf("%w: %s %s", ErrCorrupt, fe.Field, fe.Reason)
	}
	// A 0 byte inside the door, or a door that check accepts but that
	// would be written differently (e.g. a letter in upper case), is not
	// AppendKey output.
	if got := a.AppendKey(make([]byte, 0, KeyLen)); string(got) != string(b) {
		return Address{}, fmt.Errorf("%w: not in canonical form", ErrCorrupt)
	}
	return a, nil
}
