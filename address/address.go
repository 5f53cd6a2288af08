package address

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Errors of this package. Every *FieldError matches ErrInvalid.
var (
	// ErrInvalid: an address field is malformed or not in normal form.
	ErrInvalid = errors.New("address: invalid")
	// ErrCorrupt: stored key bytes do not decode to a valid address.
	ErrCorrupt = errors.New("address: corrupt key")
	// ErrUnknownRoad: the road register has no road with the address's
	// kommunekode and vejkode.
	ErrUnknownRoad = errors.New("address: unknown road")
	// ErrInvalidRoad: a road register entry (or a line of a road file) is
	// malformed, or a duplicate.
	ErrInvalidRoad = errors.New("address: invalid road")
)

// Field names used in FieldError; they are the JSON member names.
const (
	fieldKommunekode = "kommunekode"
	fieldVejkode     = "vejkode"
	fieldHusnr       = "husnr"
	fieldEtage       = "etage"
	fieldSidedoer    = "sidedoer"
)

// Reasons used in FieldError. They describe the rule, never the input:
// addresses are personal data and errors may leave the process.
const (
	reasonFourDigits     = "must be 4 digits"
	reasonUnknownKommune = "unknown kommune"
	reasonVejkodeRange   = "must be 0001-9999"
	reasonHusnr          = "must be a number 1-999 with an optional letter"
	reasonHusnrRequired  = "required unless the vejkode is special (9900-9999)"
	reasonEtage          = "must be st, kl or a floor 1-99"
	reasonSidedoer       = "must be th, tv, mf or 1-4 letters and digits (a number 1-9999)"
	reasonNotNormal      = "not in normal form"
	reasonUnknownRoad    = "unknown road"
	reasonJSONString     = "must be a JSON string"
)

// FieldError reports which field of an address is wrong and why. Reason
// describes the rule that was broken and never contains the input.
// errors.Is(err, ErrInvalid) is true for every *FieldError; one made by
// Roads.Validate for a missing road also matches ErrUnknownRoad.
type FieldError struct {
	Field  string // kommunekode, vejkode, husnr, etage or sidedoer
	Reason string

	err error // optional cause, returned by Unwrap
}

// Error returns "address: <field>: <reason>".
func (e *FieldError) Error() string { return "address: " + e.Field + ": " + e.Reason }

// Is reports whether target is ErrInvalid.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// Unwrap returns the underlying cause, such as ErrUnknownRoad, or nil.
func (e *FieldError) Unwrap() error { return e.err }

// Special vejkoder (9900-9999) name no physical road; CPR uses them for
// persons without a fixed abode and similar cases.
const (
	MinSpecialVejkode = 9900
	MaxVejkode        = 9999
)

// Address is a Danish address as CPR codes it. Values returned by Parse,
// ParseFixed, DecodeKey and UnmarshalJSON are in normal form; the zero value
// means "no address".
type Address struct {
	Kommunekode uint16 // one of the 98 kommuner
	Vejkode     uint16 // 1-9999; 9900-9999 are special codes with no physical road
	Husnr       string // "12", "12A": 1-999 without leading zeros, optional letter A-Z; "" only for special vejkoder
	Etage       string // "", "st", "kl" or "1".."99" without leading zeros
	Sidedoer    string // "", "th", "tv", "mf", or 1-4 of [0-9a-z] (all-digit: 1-9999 without leading zeros)
}

// IsZero reports whether a is the zero Address.
func (a Address) IsZero() bool { return a == Address{} }

// IsSpecial reports whether a's vejkode is a special code (9900-9999).
func (a Address) IsSpecial() bool { return isSpecial(a.Vejkode) }

func isSpecial(vejkode uint16) bool {
	return vejkode >= MinSpecialVejkode && vejkode <= MaxVejkode
}

// Parse checks and normalises the five address fields as text.
//
// kommunekode and vejkode must be exactly 4 digits ("0101", "0234"); the
// kommune must exist and the vejkode be 0001-9999. The other fields may carry
// surrounding spaces and are normalised:
//   - husnr: "012a" -> "12A"; a number 1-999 and an optional letter; empty
//     only for a special vejkode (9900-9999);
//   - etage: "ST", "st.", "St" -> "st"; "KL" -> "kl"; "01", "1." -> "1";
//     floors 1-99;
//   - sidedoer: "TH", "th." -> "th" (likewise tv, mf); other designations are
//     1-4 ASCII letters and digits, lower-cased; all-digit ones lose leading
//     zeros ("0003" -> "3") and must be 1-9999.
//
// Parse does not consult a road register; see Roads.Validate. The error is a
// *FieldError (matching ErrInvalid) naming the first bad field.
func Parse(kommunekode, vejkode, husnr, etage, sidedoer string) (Address, error) {
	var a Address
	var err error
	if a.Kommunekode, err = ParseKommunekode(kommunekode); err != nil {
		return Address{}, err
	}
	v, ok := parse4(vejkode)
	if !ok {
		return Address{}, &FieldError{Field: fieldVejkode, Reason: reasonFourDigits}
	}
	if v == 0 {
		return Address{}, &FieldError{Field: fieldVejkode, Reason: reasonVejkodeRange}
	}
	a.Vejkode = v
	if a.Husnr, ok = normHusnr(husnr); !ok {
		return Address{}, &FieldError{Field: fieldHusnr, Reason: reasonHusnr}
	}
	if a.Husnr == "" && !a.IsSpecial() {
		return Address{}, &FieldError{Field: fieldHusnr, Reason: reasonHusnrRequired}
	}
	if a.Etage, ok = normEtage(etage); !ok {
		return Address{}, &FieldError{Field: fieldEtage, Reason: reasonEtage}
	}
	if a.Sidedoer, ok = normSidedoer(sidedoer); !ok {
		return Address{}, &FieldError{Field: fieldSidedoer, Reason: reasonSidedoer}
	}
	return a, nil
}

// check reports whether a is a valid address in normal form, with the same
// errors as Parse, or a *FieldError "not in normal form".
func (a Address) check() error {
	b, err := Parse(pad4(a.Kommunekode), pad4(a.Vejkode), a.Husnr, a.Etage, a.Sidedoer)
	if err != nil {
		return err
	}
	switch {
	case b.Husnr != a.Husnr:
		return &FieldError{Field: fieldHusnr, Reason: reasonNotNormal}
	case b.Etage != a.Etage:
		return &FieldError{Field: fieldEtage, Reason: reasonNotNormal}
	case b.Sidedoer != a.Sidedoer:
		return &FieldError{Field: fieldSidedoer, Reason: reasonNotNormal}
	}
	return nil
}

// splitNumber splits s into a leading run of ASCII digits, its value with
// leading zeros dropped (as text) and the rest.
func splitNumber(s string) (digits, value, rest string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	digits, rest = s[:i], s[i:]
	return digits, strings.TrimLeft(digits, "0"), rest
}

func normHusnr(s string) (string, bool) {
	s = strings.Trim(s, " ")
	if s == "" {
		return "", true
	}
	digits, num, rest := splitNumber(s)
	if len(digits) == 0 || len(digits) > 4 || num == "" || len(num) > 3 || len(rest) > 1 {
		return "", false
	}
	if rest == "" {
		return num, true
	}
	c := rest[0]
	switch {
	case c >= 'A' && c <= 'Z':
	case c >= 'a' && c <= 'z':
		c -= 'a' - 'A'
	default:
		return "", false
	}
	return num + string(c), true
}

// trimDot trims spaces and one trailing dot; ok is false when only the dot
// was there.
func trimDot(s string) (string, bool) {
	s = strings.Trim(s, " ")
	t := strings.TrimSuffix(s, ".")
	return t, t != "" || s == ""
}

func normEtage(s string) (string, bool) {
	s, ok := trimDot(s)
	if !ok {
		return "", false
	}
	switch strings.ToLower(s) {
	case "":
		return "", true
	case "st":
		return "st", true
	case "kl":
		return "kl", true
	}
	digits, num, rest := splitNumber(s)
	if rest != "" || len(digits) > 2 || num == "" {
		return "", false
	}
	return num, true
}

func normSidedoer(s string) (string, bool) {
	s, ok := trimDot(s)
	if !ok {
		return "", false
	}
	if s == "" {
		return "", true
	}
	if len(s) > 4 {
		return "", false
	}
	b := []byte(s)
	allDigits := true
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9':
		case c >= 'a' && c <= 'z':
			allDigits = false
		case c >= 'A' && c <= 'Z':
			b[i] = c + ('a' - 'A')
			allDigits = false
		default:
			return "", false
		}
	}
	if !allDigits {
		return string(b), true
	}
	_, num, _ := splitNumber(s)
	if num == "" {
		return "", false
	}
	return num, true
}

// jsonAddress is the JSON shape of an Address.
type jsonAddress struct {
	Kommunekode string `json:"kommunekode"`
	Vejkode     string `json:"vejkode"`
	Husnr       string `json:"husnr"`
	Etage       string `json:"etage"`
	Sidedoer    string `json:"sidedoer"`
}

// MarshalJSON encodes a as
//
//	{"kommunekode":"0101","vejkode":"0234","husnr":"12A","etage":"st","sidedoer":"tv"}
//
// with the codes as 4-digit zero-padded strings and every member present. The
// zero Address encodes as null.
func (a Address) MarshalJSON() ([]byte, error) {
	if a.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(jsonAddress{
		Kommunekode: pad4(a.Kommunekode),
		Vejkode:     pad4(a.Vejkode),
		Husnr:       a.Husnr,
		Etage:       a.Etage,
		Sidedoer:    a.Sidedoer,
	})
}

// UnmarshalJSON decodes the form written by MarshalJSON and passes the
// members through Parse, so the result is normalised. A missing or null
// member counts as "". null leaves a unchanged, as encoding/json expects.
// Errors match ErrInvalid: a *FieldError from Parse, a *FieldError for a
// member that is not a string, or a wrapped ErrInvalid for JSON that is not
// an object or has a member of another name.
func (a *Address) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("%w: want a JSON object", ErrInvalid)
	}
	var fields [5]string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		raw := m[k]
		var i int
		switch k {
		case fieldKommunekode:
			i = 0
		case fieldVejkode:
			i = 1
		case fieldHusnr:
			i = 2
		case fieldEtage:
			i = 3
		case fieldSidedoer:
			i = 4
		default:
			return fmt.Errorf("%w: unknown JSON member", ErrInvalid)
		}
		var s *string
		if err := json.Unmarshal(raw, &s); err != nil {
			return &FieldError{Field: k, Reason: reasonJSONString}
		}
		if s != nil {
			fields[i] = *s
		}
	}
	v, err := Parse(fields[0], fields[1], fields[2], fields[3], fields[4])
	if err != nil {
		return err
	}
	*a = v
	return nil
}
