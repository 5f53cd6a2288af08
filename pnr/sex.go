package pnr

import (
	"fmt"
	"strconv"
)

// Sex is the sex a personnummer encodes. The zero value means unknown.
type Sex uint8

// The sexes, numbered as in ISO/IEC 5218.
const (
	Female Sex = 1
	Male   Sex = 2
)

// String returns "F" or "M", "" for the zero value, and "Sex(n)" otherwise.
func (s Sex) String() string {
	switch s {
	case 0:
		return ""
	case Female:
		return "F"
	case Male:
		return "M"
	}
	return "Sex(" + strconv.Itoa(int(s)) + ")"
}

// ParseSex parses "F" or "M" (upper case only). Other input gives an error
// wrapping ErrSex.
func ParseSex(s string) (Sex, error) {
	switch s {
	case "F":
		return Female, nil
	case "M":
		return Male, nil
	}
	return 0, fmt.Errorf("%w: want F or M", ErrSex)
}

// MarshalText implements [encoding.TextMarshaler]: "F", "M", or empty for the
// zero value. Other values give an error wrapping ErrSex.
func (s Sex) MarshalText() ([]byte, error) {
	switch s {
	case 0, Female, Male:
		return []byte(s.String()), nil
	}
	return nil, fmt.Errorf("%w: value out of range", ErrSex)
}

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParseSex]; empty
// text gives the zero value.
func (s *Sex) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*s = 0
		return nil
	}
	v, err := ParseSex(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
