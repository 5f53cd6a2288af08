package bench

import (
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

// csvAll reads every row of in with csvRows, or with encoding/csv.
func csvAll(in string, std bool) ([][]string, error) {
	var read func() ([]string, error)
	if std {
		r := csv.NewReader(strings.NewReader(in))
		read = r.Read
	} else {
		read = newCSVRows(strings.NewReader(in)).Read
	}
	var rows [][]string
	for {
		row, err := read()
		if err == io.EOF {
			return rows, nil
		} else if err != nil {
			return rows, err
		}
		rows = append(rows, slices.Clone(row))
	}
}

func TestCSVRows(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"plain", "a,b,c\n1,2,3\n4,,6\n"},
		{"no final newline", "a,b\n1,2"},
		{"crlf", "a,b\r\n1,2\r\n"},
		{"quoted comma", "a,b\n\"x, y\",2\n"},
		{"quoted quote", "a,b\n\"say \"\"hi\"\"\",2\n"},
		{"quoted newline", "a,b\n\"two\nlines\",2\n3,4\n"},
		{"empty fields", ",\n,\n"},
		{"latin-1 text", "navn,by\nSøren Æbelø,Århus\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, werr := csvAll(tc.in, true)
			got, err := csvAll(tc.in, false)
			if werr != nil || err != nil {
				t.Fatalf("errors: encoding/csv %v, csvRows %v", werr, err)
			}
			if !slices.EqualFunc(got, want, slices.Equal) {
				t.Fatalf("csvRows read %q, encoding/csv %q", got, want)
			}
		})
	}
	for _, tc := range []struct{ name, in string }{
		{"short row", "a,b,c\n1,2\n"},
		{"long row", "a,b\n1,2,3\n"},
		{"open quote", "a,b\n\"1,2\n"},
		{"bare quote", "a,b\n1\"x,2\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := csvAll(tc.in, false); err == nil {
				t.Fatal("no error")
			}
		})
	}
	if _, err := csvAll("a,b\n1\n", false); !errors.Is(err, errFieldCount) {
		t.Fatalf("short row: %v, want errFieldCount", err)
	}
}

// FuzzCSVRows: whatever encoding/csv reads without error, csvRows reads
// the same.
func FuzzCSVRows(f *testing.F) {
	f.Add("a,b\n1,2\n")
	f.Add("a,b\n\"x\ny\",\"\"\"\"\n")
	f.Add("a\r\nb\r\n")
	f.Fuzz(func(t *testing.T, in string) {
		want, werr := csvAll(in, true)
		if werr != nil {
			return
		}
		got, err := csvAll(in, false)
		if err != nil {
			t.Fatalf("csvRows: %v on input encoding/csv reads", err)
		}
		if !slices.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("csvRows read %q, encoding/csv %q", got, want)
		}
	})
}
