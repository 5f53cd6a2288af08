package pnr

import (
	"encoding/binary"
	"fmt"
)

// KeyLen is the length of the storage key [PNR.AppendKey] writes.
const KeyLen = 8

// AppendKey appends p as a storage key: the uint64 value, 8 bytes
// big-endian, so that byte order is numeric order. The layout is a storage
// format; do not change it.
func (p PNR) AppendKey(dst []byte) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(p))
}

// DecodeKey decodes a key written by [PNR.AppendKey] from the first 8 bytes
// of b; bytes after them are ignored. The error wraps ErrCorrupt if b is
// shorter than 8 bytes or does not hold a valid number (then it also wraps
// the reason, ErrLength or ErrDate).
func DecodeKey(b []byte) (PNR, error) {
	if len(b) < KeyLen {
		return 0, fmt.Errorf("%w: got %d bytes, want %d", ErrCorrupt, len(b), KeyLen)
	}
	p := PNR(binary.BigEndian.Uint64(b))
	if err := p.validate(); err != nil {
		return 0, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return p, nil
}
