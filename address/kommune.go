package address

import (
	_ "embed"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// kommunerTSV is a byte-identical copy of shared/data/kommuner.tsv: a header
// line "kommunekode\tnavn" and one "NNNN\tName" line per kommune.
//
//go:embed kommuner.tsv
var kommunerTSV string

// Kommune is one of the 98 Danish municipalities in CPR's authority table.
type Kommune struct {
	Code uint16 // kommunekode, 101-860
	Name string // e.g. "København"
}

type kommuneTable struct {
	list   []Kommune // ascending Code
	byCode map[uint16]Kommune
}

// kommuner parses the embedded table once. The table is compiled into the
// binary and checked by the tests, so a malformed line is a programming error
// and panics.
var kommuner = sync.OnceValue(func() kommuneTable {
	lines := strings.Split(strings.TrimSuffix(kommunerTSV, "\n"), "\n")
	if len(lines) == 0 || lines[0] != "kommunekode\tnavn" {
		panic("address: embedded kommuner.tsv has an unexpected header")
	}
	t := kommuneTable{byCode: make(map[uint16]Kommune, len(lines)-1)}
	for i, line := range lines[1:] {
		code, name, ok := strings.Cut(line, "\t")
		n, err := strconv.ParseUint(code, 10, 16)
		if !ok || len(code) != 4 || err != nil || name == "" {
			panic("address: embedded kommuner.tsv: bad line " + strconv.Itoa(i+2))
		}
		k := Kommune{Code: uint16(n), Name: name}
		t.list = append(t.list, k)
		t.byCode[k.Code] = k
	}
	slices.SortFunc(t.list, func(a, b Kommune) int { return int(a.Code) - int(b.Code) })
	return t
})

// Kommuner returns all 98 kommuner in ascending code order. The slice is a
// fresh copy the caller may modify.
func Kommuner() []Kommune {
	return slices.Clone(kommuner().list)
}

// LookupKommune returns the kommune with the given code and whether it exists.
func LookupKommune(code uint16) (Kommune, bool) {
	k, ok := kommuner().byCode[code]
	return k, ok
}

// ParseKommunekode parses a kommunekode written as exactly 4 digits, such as
// "0101". Errors are a *FieldError with Field "kommunekode" (so they match
// ErrInvalid): the text is not 4 digits, or no kommune has that code.
func ParseKommunekode(s string) (uint16, error) {
	n, ok := parse4(s)
	if !ok {
		return 0, &FieldError{Field: fieldKommunekode, Reason: reasonFourDigits}
	}
	if _, ok := LookupKommune(n); !ok {
		return 0, &FieldError{Field: fieldKommunekode, Reason: reasonUnknownKommune}
	}
	return n, nil
}

// parse4 parses exactly four ASCII digits.
func parse4(s string) (uint16, bool) {
	if len(s) != 4 {
		return 0, false
	}
	var n uint16
	for i := range 4 {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint16(c-'0')
	}
	return n, true
}

// pad4 writes n as four digits, zero-padded; values above 9999 come out
// longer (and so fail parse4).
func pad4(n uint16) string {
	var b [5]byte
	s := strconv.AppendUint(b[:0], uint64(n), 10)
	if len(s) >= 4 {
		return string(s)
	}
	return strings.Repeat("0", 4-len(s)) + string(s)
}
