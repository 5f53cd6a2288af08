package pnr_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"cpr/pnr"
)

// checkResult is a CheckLines output line. Its field order is the one
// CheckLines writes, so json.Marshal of it gives the expected bytes.
type checkResult struct {
	Input     string `json:"input"`
	Valid     bool   `json:"valid"`
	PNR       string `json:"pnr,omitempty"`
	BirthDate string `json:"birth_date,omitempty"`
	Sex       string `json:"sex,omitempty"`
	Mod11     *bool  `json:"mod11,omitempty"`
	Error     string `json:"error,omitempty"`
}

// expectedCheck builds, with Parse and encoding/json, the line CheckLines
// must write for line.
func expectedCheck(line string) checkResult {
	res := checkResult{Input: line}
	p, err := pnr.Parse(line)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	mod11 := p.Mod11()
	res.Valid, res.PNR, res.BirthDate, res.Sex, res.Mod11 = true, p.String(), p.BirthDate().Format("2006-01-02"), p.Sex().String(), &mod11
	return res
}

func runCheck(t testing.TB, in string) []string {
	t.Helper()
	var out bytes.Buffer
	if err := pnr.CheckLines(strings.NewReader(in), &out); err != nil {
		t.Fatalf("CheckLines: %v", err)
	}
	if out.Len() == 0 {
		return nil
	}
	if !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
		t.Fatalf("output does not end in a newline: %q", out.String())
	}
	return strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
}

func TestCheckLinesExample(t *testing.T) {
	got := runCheck(t, "0101701234\n290200-4002\n")
	want := []string{
		`{"input":"0101701234","valid":true,"pnr":"0101701234","birth_date":"1970-01-01","sex":"F","mod11":false}`,
		`{"input":"290200-4002","valid":true,"pnr":"2902004002","birth_date":"2000-02-29","sex":"F","mod11":false}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("CheckLines =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestCheckLines(t *testing.T) {
	long := strings.Repeat("1", 100<<10)
	tests := []struct {
		name   string
		in     string
		inputs []string // the input field of each output line
		valid  []bool
		errs   []error
	}{
		{"empty input", "", nil, nil, nil},
		{"one line without newline", "0707614285", []string{"0707614285"}, []bool{true}, []error{nil}},
		{"crlf", "0707614285\r\n290200-0001\r\n", []string{"0707614285", "290200-0001"}, []bool{true, false}, []error{nil, pnr.ErrDate}},
		{"final cr", "0707614285\r", []string{"0707614285"}, []bool{true}, []error{nil}},
		{"empty lines", "\n\r\n\n", []string{"", "", ""}, []bool{false, false, false}, []error{pnr.ErrLength, pnr.ErrLength, pnr.ErrLength}},
		{"spaces kept in input", "  070761-4285\t\n", []string{"  070761-4285\t"}, []bool{true}, []error{nil}},
		{"errors", "12345\n01017a1234\n011370-1234\n", []string{"12345", "01017a1234", "011370-1234"}, []bool{false, false, false}, []error{pnr.ErrLength, pnr.ErrNonDigit, pnr.ErrDate}},
		{"invalid utf-8", "\xff\xfe0101701234\n", []string{"\ufffd\ufffd0101701234"}, []bool{false}, []error{pnr.ErrNonDigit}},
		{"control and html characters", "\x00\x01\b\f\t\"\\<>&\u2028\u2029é\n", []string{"\x00\x01\b\f\t\"\\<>&\u2028\u2029é"}, []bool{false}, []error{pnr.ErrNonDigit}},
		{"100 KiB line", long + "\n0707614285", []string{long, "0707614285"}, []bool{false, true}, []error{pnr.ErrLength, nil}},
		{"100 KiB line at the end", "0707614285\n" + long, []string{"0707614285", long}, []bool{true, false}, []error{nil, pnr.ErrLength}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lines := runCheck(t, tc.in)
			if len(lines) != len(tc.inputs) {
				t.Fatalf("%d output lines, want %d", len(lines), len(tc.inputs))
			}
			for i, line := range lines {
				var got checkResult
				if err := json.Unmarshal([]byte(line), &got); err != nil {
					t.Fatalf("line %d is not JSON: %v", i, err)
				}
				if got.Input != tc.inputs[i] || got.Valid != tc.valid[i] {
					t.Errorf("line %d: input %q valid %v; want %q, %v", i, got.Input, got.Valid, tc.inputs[i], tc.valid[i])
				}
				if tc.errs[i] != nil && !strings.HasPrefix(got.Error, tc.errs[i].Error()) {
					t.Errorf("line %d: error %q, want %q", i, got.Error, tc.errs[i])
				}
				if tc.valid[i] && (got.PNR == "" || got.BirthDate == "" || got.Sex == "" || got.Mod11 == nil || got.Error != "") {
					t.Errorf("line %d: valid but fields missing: %s", i, line)
				}
				if !tc.valid[i] && (got.PNR != "" || got.BirthDate != "" || got.Sex != "" || got.Mod11 != nil || got.Error == "") {
					t.Errorf("line %d: invalid with wrong fields: %s", i, line)
				}
				// Byte for byte what encoding/json would write, in the documented key order.
				want, _ := json.Marshal(expectedCheck(strings.TrimSuffix(strings.Split(strings.ReplaceAll(tc.in, "\r\n", "\n"), "\n")[i], "\r")))
				if line != string(want) {
					t.Errorf("line %d:\n got %.200s\nwant %.200s", i, line, want)
				}
			}
		})
	}
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

func TestCheckLinesIOErrors(t *testing.T) {
	boom := errors.New("boom")
	t.Run("read", func(t *testing.T) {
		var out bytes.Buffer
		r := iotest.TimeoutReader(strings.NewReader(strings.Repeat("0707614285\n", 10000)))
		err := pnr.CheckLines(r, &out)
		if !errors.Is(err, iotest.ErrTimeout) {
			t.Fatalf("CheckLines = %v, want the read error", err)
		}
		// Lines read before the error are written out.
		if n := bytes.Count(out.Bytes(), []byte("\n")); n == 0 || !bytes.HasSuffix(out.Bytes(), []byte("}\n")) {
			t.Fatalf("%d complete lines written before the error", n)
		}
	})
	t.Run("write", func(t *testing.T) {
		err := pnr.CheckLines(strings.NewReader(strings.Repeat("0707614285\n", 10000)), failWriter{boom})
		if !errors.Is(err, boom) {
			t.Fatalf("CheckLines = %v, want the write error", err)
		}
	})
	t.Run("flush", func(t *testing.T) {
		err := pnr.CheckLines(strings.NewReader("0707614285\n"), failWriter{boom})
		if !errors.Is(err, boom) {
			t.Fatalf("CheckLines = %v, want the write error", err)
		}
	})
	t.Run("one byte at a time", func(t *testing.T) {
		var out bytes.Buffer
		if err := pnr.CheckLines(iotest.OneByteReader(strings.NewReader("0707614285\r\n290200-4002")), &out); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(&out)
		n := 0
		for sc.Scan() {
			var res checkResult
			if err := json.Unmarshal(sc.Bytes(), &res); err != nil || !res.Valid {
				t.Fatalf("line %q: %v", sc.Text(), err)
			}
			n++
		}
		if n != 2 {
			t.Fatalf("%d lines, want 2", n)
		}
	})
}
