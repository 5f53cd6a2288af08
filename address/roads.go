package address

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// Limits on road texts, in characters. CPR writes them in ISO-8859-1, so
// every character must be a printable Latin-1 character.
const (
	MaxRoadName       = 40 // VEJNVN
	MaxAddressingName = 20 // VEJADRNVN
	MaxBy             = 20 // POSTDISTTXT
)

// Road is one entry of the road register (vejregister): a road in a kommune
// with its name and post district.
type Road struct {
	Kommunekode uint16
	Vejkode     uint16 // 1-9999; 9900-9999 are special codes with no physical road
	Name        string // e.g. "Strandvejen", at most 40 characters
	// AddressingName is CPR's VEJADRNVN: the name shortened to at most 20
	// characters. NewRoads derives it from Name when it is empty.
	AddressingName string
	Postnr         uint16 // 1000-9999
	By             string // post district text, e.g. "Hellerup", at most 20 characters
}

// Roads is a road register. It is immutable once built and safe for
// concurrent use.
type Roads struct {
	all   []Road         // ascending (Kommunekode, Vejkode)
	index map[uint32]int // roadID -> position in all
	spans map[uint16]span
}

// span locates one kommune's roads: all[lo:hi], of which all[lo:normal] have
// ordinary (non-special) vejkoder.
type span struct{ lo, normal, hi int }

func roadID(kommunekode, vejkode uint16) uint32 {
	return uint32(kommunekode)<<16 | uint32(vejkode)
}

// NewRoads builds a register from rs (which it does not retain). Every road
// must have a known kommune, a vejkode 1-9999, a name of 1-40 printable
// Latin-1 characters without surrounding spaces, an addressing name (given or
// derived) of at most 20 such characters, a postnr 1000-9999 and a By of 1-20
// such characters; no two roads may share kommunekode and vejkode. Errors
// wrap ErrInvalidRoad and name the road by its index in rs.
func NewRoads(rs []Road) (*Roads, error) {
	roads := make([]Road, len(rs))
	seen := make(map[uint32]int, len(rs))
	for i, r := range rs {
		if r.AddressingName == "" {
			r.AddressingName = addressingName(r.Name)
		}
		if reason := checkRoad(r); reason != "" {
			return nil, fmt.Errorf("%w: road %d: %s", ErrInvalidRoad, i, reason)
		}
		id := roadID(r.Kommunekode, r.Vejkode)
		if j, dup := seen[id]; dup {
			return nil, fmt.Errorf("%w: road %d: same kommunekode and vejkode as road %d", ErrInvalidRoad, i, j)
		}
		seen[id] = i
		roads[i] = r
	}
	return build(roads), nil
}

// build indexes roads, which must be valid and free of duplicates; it sorts
// them in place.
func build(roads []Road) *Roads {
	slices.SortFunc(roads, func(a, b Road) int {
		return cmp.Compare(roadID(a.Kommunekode, a.Vejkode), roadID(b.Kommunekode, b.Vejkode))
	})
	rs := &Roads{
		all:   roads,
		index: make(map[uint32]int, len(roads)),
		spans: make(map[uint16]span),
	}
	for i, r := range roads {
		rs.index[roadID(r.Kommunekode, r.Vejkode)] = i
		s, ok := rs.spans[r.Kommunekode]
		if !ok {
			s = span{lo: i, normal: i}
		}
		s.hi = i + 1
		if !isSpecial(r.Vejkode) {
			s.normal = i + 1
		}
		rs.spans[r.Kommunekode] = s
	}
	return rs
}

// checkRoad returns why r is not a valid road, or "".
func checkRoad(r Road) string {
	switch {
	case !knownKommune(r.Kommunekode):
		return "unknown kommune"
	case r.Vejkode == 0 || r.Vejkode > MaxVejkode:
		return "vejkode must be 0001-9999"
	case !validText(r.Name, MaxRoadName):
		return "name must be 1-40 printable Latin-1 characters without surrounding spaces"
	case !validText(r.AddressingName, MaxAddressingName):
		return "addressing name must be 1-20 printable Latin-1 characters without surrounding spaces"
	case r.Postnr < 1000 || r.Postnr > 9999:
		return "postnr must be 1000-9999"
	case !validText(r.By, MaxBy):
		return "by must be 1-20 printable Latin-1 characters without surrounding spaces"
	}
	return ""
}

func knownKommune(code uint16) bool {
	_, ok := LookupKommune(code)
	return ok
}

// validText reports whether s is 1-max printable Latin-1 characters with no
// leading or trailing space.
func validText(s string, max int) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' || !utf8.ValidString(s) {
		return false
	}
	n := 0
	for _, r := range s {
		if r < 0x20 || r > 0xFF || (r >= 0x7F && r < 0xA0) {
			return false
		}
		n++
	}
	return n <= max
}

// abbreviations shorten whole words of a road name, in this order, until the
// name fits in MaxAddressingName characters.
var abbreviations = []struct{ long, short string }{
	{"Boulevard", "Blvd."},
	{"Gammel", "Gl."},
	{"Dronningens", "Dronn."},
	{"Dronning", "Dr."},
	{"Kongens", "Kgs."},
	{"Sankt", "Skt."},
	{"Store", "St."},
	{"Lille", "Ll."},
	{"Nørre", "Nr."},
	{"Søndre", "Sdr."},
	{"Vestre", "V."},
	{"Østre", "Ø."},
}

// addressingName derives CPR's VEJADRNVN from a road name: the name itself if
// it fits in 20 characters, else the name with common words abbreviated
// ("Gammel" -> "Gl.", "Boulevard" -> "Blvd.", ...), cut to 20 characters if
// it is still too long.
func addressingName(name string) string {
	if utf8.RuneCountInString(name) <= MaxAddressingName {
		return name
	}
	words := strings.Split(name, " ")
	for _, ab := range abbreviations {
		for i, w := range words {
			if w == ab.long {
				words[i] = ab.short
			}
		}
		if s := strings.Join(words, " "); utf8.RuneCountInString(s) <= MaxAddressingName {
			return s
		}
	}
	return strings.TrimRight(truncateRunes(strings.Join(words, " "), MaxAddressingName), " ")
}

// truncateRunes returns the first n runes of s.
func truncateRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// Len returns the number of roads.
func (rs *Roads) Len() int {
	if rs == nil {
		return 0
	}
	return len(rs.all)
}

// Lookup returns the road with the given codes and whether it exists.
func (rs *Roads) Lookup(kommunekode, vejkode uint16) (Road, bool) {
	if rs == nil {
		return Road{}, false
	}
	i, ok := rs.index[roadID(kommunekode, vejkode)]
	if !ok {
		return Road{}, false
	}
	return rs.all[i], true
}

// InKommune returns a fresh copy of the kommune's roads in ascending vejkode
// order, special roads last; nil if it has none.
func (rs *Roads) InKommune(kommunekode uint16) []Road {
	if rs == nil {
		return nil
	}
	s, ok := rs.spans[kommunekode]
	if !ok {
		return nil
	}
	return slices.Clone(rs.all[s.lo:s.hi])
}

// Validate checks a against the register. The error is a *FieldError
// (matching ErrInvalid): the errors of Parse when a is malformed, "not in
// normal form" when a field is not as Parse would write it (a husnr is
// required unless the vejkode is special), and, for a vejkode the kommune
// does not have, Field "vejkode" wrapping ErrUnknownRoad.
func (rs *Roads) Validate(a Address) error {
	if err := a.check(); err != nil {
		return err
	}
	if _, ok := rs.Lookup(a.Kommunekode, a.Vejkode); !ok {
		return &FieldError{Field: fieldVejkode, Reason: reasonUnknownRoad, err: ErrUnknownRoad}
	}
	return nil
}

// tsvHeader is the first line of a road file.
const tsvHeader = "kommunekode\tvejkode\tname\tpostnr\tby"

// maxLine bounds a line of a road file.
const maxLine = 4096

// LoadRoads reads a road file: UTF-8 text, one road a line, tab-separated,
// after the header line
//
//	kommunekode	vejkode	name	postnr	by
//
// kommunekode and postnr are 4 digits, vejkode 1-4 digits; the addressing
// name is derived from the name. Lines may end in "\r\n"; empty lines are
// skipped; a UTF-8 byte order mark before the header is ignored. The roads
// must pass NewRoads's checks. Errors wrap ErrInvalidRoad and give the
// 1-based line number, or are the reader's error.
func LoadRoads(r io.Reader) (*Roads, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1024), maxLine)
	var roads []Road
	lineOf := make(map[uint32]int)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSuffix(sc.Text(), "\r")
		if line == 1 {
			if strings.TrimPrefix(text, "\uFEFF") != tsvHeader {
				return nil, fmt.Errorf("%w: line 1: header must be %q", ErrInvalidRoad, tsvHeader)
			}
			continue
		}
		if text == "" {
			continue
		}
		rd, reason := parseRoadLine(text)
		if reason == "" {
			rd.AddressingName = addressingName(rd.Name)
			reason = checkRoad(rd)
		}
		if reason != "" {
			return nil, fmt.Errorf("%w: line %d: %s", ErrInvalidRoad, line, reason)
		}
		id := roadID(rd.Kommunekode, rd.Vejkode)
		if prev, dup := lineOf[id]; dup {
			return nil, fmt.Errorf("%w: line %d: same kommunekode and vejkode as line %d", ErrInvalidRoad, line, prev)
		}
		lineOf[id] = line
		roads = append(roads, rd)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%w: line %d: longer than %d bytes", ErrInvalidRoad, line+1, maxLine)
		}
		return nil, err
	}
	if line == 0 {
		return nil, fmt.Errorf("%w: line 1: missing header", ErrInvalidRoad)
	}
	return build(roads), nil
}

// parseRoadLine splits one data line; the texts are checked by checkRoad.
func parseRoadLine(text string) (Road, string) {
	if !utf8.ValidString(text) {
		return Road{}, "not valid UTF-8"
	}
	f := strings.Split(text, "\t")
	if len(f) != 5 {
		return Road{}, "want 5 tab-separated fields"
	}
	var rd Road
	var ok bool
	if rd.Kommunekode, ok = parse4(f[0]); !ok {
		return Road{}, "kommunekode must be 4 digits"
	}
	if rd.Vejkode, ok = parseVejkode(f[1]); !ok {
		return Road{}, "vejkode must be 1-4 digits"
	}
	rd.Name = f[2]
	if rd.Postnr, ok = parse4(f[3]); !ok {
		return Road{}, "postnr must be 4 digits"
	}
	rd.By = f[4]
	return rd, ""
}

// parseVejkode parses 1-4 ASCII digits.
func parseVejkode(s string) (uint16, bool) {
	if len(s) == 0 || len(s) > 4 {
		return 0, false
	}
	return parse4(strings.Repeat("0", 4-len(s)) + s)
}

// WriteTSV writes the register in the format LoadRoads reads, ordered by
// kommunekode and vejkode, codes zero-padded to 4 digits. Addressing names
// are not written: LoadRoads derives them again, so a register whose
// addressing names were derived round-trips exactly. Errors are w's.
func (rs *Roads) WriteTSV(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(tsvHeader + "\n")
	if rs != nil {
		for _, r := range rs.all {
			bw.WriteString(pad4(r.Kommunekode))
			bw.WriteByte('\t')
			bw.WriteString(pad4(r.Vejkode))
			bw.WriteByte('\t')
			bw.WriteString(r.Name)
			bw.WriteByte('\t')
			bw.WriteString(pad4(r.Postnr))
			bw.WriteByte('\t')
			bw.WriteString(r.By)
			bw.WriteByte('\n')
		}
	}
	return bw.Flush()
}
