package bench

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// csvRows reads a CSV file of one-line rows, as population.csv's: a row
// is split in place (its fields are substrings of one string), and a row
// that is not simple (a quoted field running on to the next line, a
// quote out of place) is read by encoding/csv. It reads what
// encoding/csv reads.
type csvRows struct {
	r      *bufio.Reader
	fields []string
	rec    []byte
	want   int // fields a row must have: the header's
	line   int // of the last row's first line
	next   int // the line after the last row
}

var errFieldCount = errors.New("wrong number of fields")

func newCSVRows(r io.Reader) *csvRows { return &csvRows{r: bufio.NewReaderSize(r, 1<<20), next: 1} }

// readLine appends the next line, without its line end, to c.rec.
func (c *csvRows) readLine() error {
	for {
		b, err := c.r.ReadSlice('\n')
		c.rec = append(c.rec, b...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && len(b) > 0 {
			err = nil
		}
		if err != nil {
			return err
		}
		c.next++
		return nil
	}
}

// Read returns the next row's fields, valid until the next call; io.EOF
// at the end. The first row sets how many fields every row must have.
func (c *csvRows) Read() ([]string, error) {
	for {
		c.line = c.next
		c.rec = c.rec[:0]
		if err := c.readLine(); err != nil {
			return nil, err
		}
		if len(trimLineEnd(c.rec)) > 0 {
			break // encoding/csv passes over empty lines
		}
	}
	line := string(trimLineEnd(c.rec))
	if fields, ok := splitCSV(c.fields[:0], line); ok {
		c.fields = fields
		return c.fields, c.check()
	}
	return c.readQuoted()
}

// splitCSV splits one line into its fields, appended to dst. A quoted
// field is taken as encoding/csv takes it; ok is false for a line it
// cannot split alone (a quoted field that runs on to the next line, a
// bare quote, text after a closing quote).
func splitCSV(dst []string, line string) (fields []string, ok bool) {
	for {
		if len(line) > 0 && line[0] == '"' {
			f, rest, ok := quotedField(line[1:])
			if !ok {
				return dst, false
			}
			dst = append(dst, f)
			if rest == "" {
				return dst, true
			}
			if rest[0] != ',' {
				return dst, false
			}
			line = rest[1:]
			continue
		}
		i := strings.IndexByte(line, ',')
		f := line
		if i >= 0 {
			f = line[:i]
		}
		if strings.IndexByte(f, '"') >= 0 {
			return dst, false
		}
		dst = append(dst, f)
		if i < 0 {
			return dst, true
		}
		line = line[i+1:]
	}
}

// quotedField reads a quoted field's text (s starts after its opening
// quote) up to the closing quote, "" standing for one quote.
func quotedField(s string) (field, rest string, ok bool) {
	i := strings.IndexByte(s, '"')
	if i < 0 {
		return "", "", false
	}
	if i+1 >= len(s) || s[i+1] != '"' {
		return s[:i], s[i+1:], true
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			return "", "", false
		}
		b.WriteString(s[:i])
		if i+1 < len(s) && s[i+1] == '"' {
			b.WriteByte('"')
			s = s[i+2:]
			continue
		}
		return b.String(), s[i+1:], true
	}
}

// readQuoted reads a row splitCSV cannot: lines are added while a quoted
// field is open (an odd number of quotes so far), then encoding/csv reads
// the row (and says what is wrong with it).
func (c *csvRows) readQuoted() ([]string, error) {
	for bytes.Count(c.rec, []byte{'"'})%2 == 1 {
		if err := c.readLine(); err == io.EOF {
			break // encoding/csv says what is wrong
		} else if err != nil {
			return nil, err
		}
	}
	cr := csv.NewReader(bytes.NewReader(c.rec))
	cr.FieldsPerRecord = -1
	row, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("line %d: %v", c.line, err)
	}
	c.fields = append(c.fields[:0], row...)
	return c.fields, c.check()
}

func (c *csvRows) check() error {
	if c.want == 0 {
		c.want = len(c.fields)
	} else if len(c.fields) != c.want {
		return fmt.Errorf("line %d: %w", c.line, errFieldCount)
	}
	return nil
}

func trimLineEnd(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}
