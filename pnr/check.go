package pnr

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// CheckLines is the `cpr pnr check` filter. It reads one number a line from
// r and writes one JSON object a line to w:
//
//	{"input":"010170-1234","valid":true,"pnr":"0101701234","birth_date":"1970-01-01","sex":"F","mod11":false}
//	{"input":"311370-1234","valid":false,"error":"pnr: not a valid birth date: month out of range"}
//
// input is the line without its line ending ("\n", "\r\n", or "\r" at the
// end of a final line without "\n"), escaped exactly as encoding/json does
// (invalid UTF-8 becomes U+FFFD). The number is parsed as by [Parse], so
// surrounding spaces and tabs are allowed; an empty line is invalid with an
// ErrLength error. Lines may be of any length; memory grows with the longest.
//
// Invalid numbers are reported in the output, not as errors: the error
// returned is nil or a wrapped read or write error.
func CheckLines(r io.Reader, w io.Writer) error {
	br := bufio.NewReaderSize(r, 64<<10)
	bw := bufio.NewWriterSize(w, 64<<10)
	var long []byte // a line longer than br's buffer, being collected
	out := make([]byte, 0, 512)
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, line...)
			continue
		}
		if err != nil && err != io.EOF {
			if ferr := bw.Flush(); ferr != nil {
				return fmt.Errorf("pnr: check: write: %w", ferr)
			}
			return fmt.Errorf("pnr: check: read: %w", err)
		}
		if len(long) > 0 {
			long = append(long, line...)
			line = long
		}
		if len(line) > 0 {
			out = appendCheck(out[:0], trimEOL(line))
			if _, werr := bw.Write(out); werr != nil {
				return fmt.Errorf("pnr: check: write: %w", werr)
			}
		}
		long = long[:0]
		if err == io.EOF {
			break
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("pnr: check: write: %w", err)
	}
	return nil
}

// trimEOL removes a trailing "\n", "\r\n" or "\r".
func trimEOL(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line
}

// appendCheck appends the JSON object, and a newline, that CheckLines
// writes for line.
func appendCheck(dst, line []byte) []byte {
	dst = append(dst, `{"input":`...)
	dst = appendJSONString(dst, line)
	p, err := parse(line)
	if err != nil {
		dst = append(dst, `,"valid":false,"error":`...)
		dst = appendJSONString(dst, err.Error())
		return append(dst, "}\n"...)
	}
	dst = append(dst, `,"valid":true,"pnr":"`...)
	dst = p.appendDigits(dst)
	dst = append(dst, `","birth_date":"`...)
	dst = appendDate(dst, p.year(), p.month(), p.day())
	dst = append(dst, `","sex":"`...)
	dst = append(dst, p.Sex().String()...)
	dst = append(dst, `","mod11":`...)
	dst = strconv.AppendBool(dst, p.Mod11())
	return append(dst, "}\n"...)
}

// appendDate appends YYYY-MM-DD.
func appendDate(dst []byte, y, m, d int) []byte {
	return append(dst,
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-',
		byte('0'+d/10), byte('0'+d%10))
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string, escaped byte for byte as
// encoding/json.Marshal does: HTML-sensitive <, > and & and U+2028/U+2029
// escaped, each invalid UTF-8 byte replaced by U+FFFD.
func appendJSONString[T string | []byte](dst []byte, s T) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		n := min(len(s)-i, utf8.UTFMax)
		c, size := utf8.DecodeRuneInString(string(s[i : i+n])) // small, does not escape
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
