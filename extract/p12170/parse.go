package p12170

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Errors returned by Parse and Scanner.Err, wrapped with the record type,
// field name, position or line number, never with any of the line's
// content: test with errors.Is.
var (
	// ErrLength: the line is not its record type's length (or shorter
	// than a record type), or a file's last line has no newline.
	ErrLength = errors.New("p12170: wrong record length")
	// ErrType: the first three bytes are not a record type of the layout.
	ErrType = errors.New("p12170: unknown record type")
	// ErrNumeric: a Numeric field holds something other than digits.
	ErrNumeric = errors.New("p12170: non-digit in Numeric field")
	// ErrControl: an Alpha field holds a control character (C0, DEL or
	// C1), which Builder never writes.
	ErrControl = errors.New("p12170: control character in Alpha field")
	// ErrFiller: bytes no field covers are not spaces.
	ErrFiller = errors.New("p12170: non-blank filler")
)

// Parsed is one decoded record line.
type Parsed struct {
	// Type is the record type, "001".
	Type string
	// Fields holds every field of the record type by Field.Name
	// (RECORDTYPE and the "#2" repeats included), decoded from ISO-8859-1
	// to UTF-8. Alpha values lose their trailing spaces (leading ones are
	// kept); Numeric values are the field's digits as written, leading
	// zeros included ("0101", PNRs that start with 0), all zeros when
	// blank.
	Fields map[string]string
}

// Parse decodes one record line, without its "\n". It returns an error
// wrapping ErrLength, ErrType, ErrNumeric, ErrControl or ErrFiller; the
// error never contains any of the line's content.
func Parse(line []byte) (Parsed, error) {
	if len(line) < 3 {
		return Parsed{}, fmt.Errorf("%w: %d bytes, shorter than a record type", ErrLength, len(line))
	}
	rec := layout.lookupBytes(line[0], line[1], line[2])
	if rec == nil {
		return Parsed{}, ErrType
	}
	if len(line) != rec.Len {
		return Parsed{}, fmt.Errorf("%w: record %s has %d bytes, want %d", ErrLength, rec.Type, len(line), rec.Len)
	}
	for _, g := range rec.gaps {
		for j := g[0]; j < g[1]; j++ {
			if line[j] != ' ' {
				return Parsed{}, fmt.Errorf("%w: record %s, position %d", ErrFiller, rec.Type, j+1)
			}
		}
	}
	p := Parsed{Type: rec.Type, Fields: make(map[string]string, len(rec.Fields))}
	for i := range rec.Fields {
		f := &rec.Fields[i]
		v := line[f.Pos-1 : f.End()]
		if f.Numeric {
			for _, c := range v {
				if !isDigit(c) {
					return Parsed{}, fmt.Errorf("%w: record %s field %s (%d/%d)", ErrNumeric, rec.Type, f.Name, f.Pos, f.Len)
				}
			}
			p.Fields[f.Name] = string(v)
			continue
		}
		ascii := true
		for _, c := range v {
			if c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) {
				return Parsed{}, fmt.Errorf("%w: record %s field %s (%d/%d)", ErrControl, rec.Type, f.Name, f.Pos, f.Len)
			}
			ascii = ascii && c < utf8.RuneSelf
		}
		for len(v) > 0 && v[len(v)-1] == ' ' {
			v = v[:len(v)-1]
		}
		p.Fields[f.Name] = decodeLatin1(v, ascii)
	}
	return p, nil
}

// decodeLatin1 converts ISO-8859-1 bytes to a UTF-8 string: byte b is rune
// U+00bb.
func decodeLatin1(v []byte, ascii bool) string {
	if ascii {
		return string(v)
	}
	var sb strings.Builder
	sb.Grow(2 * len(v))
	for _, c := range v {
		sb.WriteRune(rune(c))
	}
	return sb.String()
}

// LineError is a Scanner error: the 1-based line number and the Parse (or
// framing) error, which it wraps.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string {
	return fmt.Sprintf("p12170: line %d: %s", e.Line, strings.TrimPrefix(e.Err.Error(), "p12170: "))
}

func (e *LineError) Unwrap() error { return e.Err }

// Scanner reads a whole extract file record by record:
//
//	s := p12170.NewScanner(f)
//	for s.Scan() {
//		rec := s.Record()
//		...
//	}
//	if err := s.Err(); err != nil { ... }
//
// Every line must end with "\n". Scanning stops at the first bad line; Err
// then returns a *LineError wrapping the Parse error.
type Scanner struct {
	r    *bufio.Reader
	line int
	raw  []byte
	rec  Parsed
	err  error
}

// NewScanner returns a Scanner reading from r.
func NewScanner(r io.Reader) *Scanner {
	return &Scanner{r: bufio.NewReaderSize(r, 4096)}
}

// Scan advances to the next record; it returns false at the end of the
// input or on an error (see Err).
func (s *Scanner) Scan() bool {
	if s.err != nil || s.r == nil {
		return false
	}
	line, err := s.r.ReadSlice('\n')
	switch {
	case err == nil:
	case errors.Is(err, bufio.ErrBufferFull):
		s.err = &LineError{Line: s.line + 1, Err: fmt.Errorf("%w: longer than any record", ErrLength)}
		return false
	case errors.Is(err, io.EOF):
		s.r = nil
		if len(line) == 0 {
			return false
		}
		s.err = &LineError{Line: s.line + 1, Err: fmt.Errorf("%w: last line has no newline", ErrLength)}
		return false
	default:
		s.err = err
		return false
	}
	s.line++
	s.raw = line[:len(line)-1]
	p, err := Parse(s.raw)
	if err != nil {
		s.err = &LineError{Line: s.line, Err: err}
		return false
	}
	s.rec = p
	return true
}

// Record returns the record Scan last read.
func (s *Scanner) Record() Parsed { return s.rec }

// Bytes returns the raw line Scan last read, without "\n"; valid until
// the next Scan.
func (s *Scanner) Bytes() []byte { return s.raw }

// Line returns the 1-based number of the line Scan last read.
func (s *Scanner) Line() int { return s.line }

// Err returns the first error Scan met, or nil at a clean end of input.
func (s *Scanner) Err() error { return s.err }
