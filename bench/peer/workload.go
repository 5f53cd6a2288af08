package peer

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The workload files, as bench/README.md "Workload format" describes them.
// The peer reads them itself, as any other system would: it shares no
// code with our runner.

// ErrWorkload: a workload file is missing or not in the documented format.
var ErrWorkload = errors.New("peer: bad workload")

// formatVersion is the workload format version the peer reads.
const formatVersion = 1

// Manifest is manifest.json.
type Manifest struct {
	Version         int            `json:"version"`
	Scale           float64        `json:"scale"`
	Seed            int64          `json:"seed"`
	PopulationToday string         `json:"population_today"`
	FirstDay        string         `json:"first_day"`
	LastDay         string         `json:"last_day"`
	Days            int            `json:"days"`
	Persons         int            `json:"persons"`
	Changes         int            `json:"changes"`
	Subscribers     int            `json:"subscribers"`
	Marks           int            `json:"marks"`
	StatusExtracts  int            `json:"status_extracts"`
	Concurrency     int            `json:"concurrency"`
	Kinds           map[string]int `json:"kinds"`
	Expected        struct {
		ChangeExtractPersons int64 `json:"change_extract_persons"`
		ChangeExtractEvents  int64 `json:"change_extract_events"`
		StatusExtractPersons int64 `json:"status_extract_persons"`
	} `json:"expected"`
}

func readManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrWorkload, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%w: manifest.json: %v", ErrWorkload, err)
	}
	if m.Version != formatVersion {
		return nil, fmt.Errorf("%w: format version %d, the peer reads %d", ErrWorkload, m.Version, formatVersion)
	}
	return &m, nil
}

// Change is one line of changes.jsonl.
type Change struct {
	Seq     int64           `json:"seq"`
	Day     string          `json:"day"`
	Kind    string          `json:"kind"`
	PNR     string          `json:"pnr"`
	NewPNR  string          `json:"new_pnr"`
	Related []string        `json:"related"`
	Body    json.RawMessage `json:"body"`
}

// Body is the union of the request bodies of every kind of change.
type Body struct {
	Effective   string          `json:"effective"`
	Address     *Address        `json:"address"`
	Name        *Name           `json:"name"`
	Mother      string          `json:"mother"`
	Father      string          `json:"father"`
	BirthDate   string          `json:"birth_date"`
	Sex         string          `json:"sex"`
	Citizenship json.RawMessage `json:"citizenship"`
	Civil       string          `json:"civil"`
	PNR         string          `json:"pnr"`
	Country     json.RawMessage `json:"country"`
	Lines       []string        `json:"lines"`
	Spouse      string          `json:"spouse"`
	Partnership bool            `json:"partnership"`
	Type        string          `json:"type"`
	On          bool            `json:"on"`
	End         string          `json:"end"`
	Fact        string          `json:"fact"`
	Target      int64           `json:"target"`
}

// Address is an address in a body.
type Address struct {
	Kommunekode string `json:"kommunekode"`
	Vejkode     string `json:"vejkode"`
	Husnr       string `json:"husnr"`
	Etage       string `json:"etage"`
	Sidedoer    string `json:"sidedoer"`
}

// Name is a name in a body.
type Name struct {
	First      string `json:"first"`
	Middle     string `json:"middle"`
	Last       string `json:"last"`
	Addressing string `json:"addressing"`
}

// Day is one line of days.jsonl.
type Day struct {
	Day      string   `json:"day"`
	FirstSeq int64    `json:"first_seq"`
	LastSeq  int64    `json:"last_seq"`
	Status   []Status `json:"status"`
}

// Status is one status extract of a day.
type Status struct {
	Subscriber string `json:"subscriber"`
	AsOf       string `json:"as_of"`
	Format     string `json:"format"`
	Persons    int64  `json:"persons"`
}

// Expected is one line of expected.jsonl.
type Expected struct {
	Day        string `json:"day"`
	Subscriber string `json:"subscriber"`
	Persons    int64  `json:"persons"`
	Events     int64  `json:"events"`
}

// Subscriber is one element of subscribers.json.
type Subscriber struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Kind       string   `json:"kind"`
	TaskNumber int      `json:"task_number"`
	Scope      []string `json:"scope"`
	Circle     struct {
		Kommuner []string `json:"kommuner"`
		Marks    bool     `json:"marks"`
		Age      *struct {
			Min int `json:"min"`
			Max int `json:"max"`
		} `json:"age"`
		Kinds []string `json:"kinds"`
	} `json:"circle"`
}

func readJSON(dir, name string, v any) error {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrWorkload, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrWorkload, name, err)
	}
	return nil
}

// readLines calls fn with every line of a JSON Lines file, decoded.
func readLines[T any](dir, name string, fn func(*T) error) error {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrWorkload, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	n := 0
	for sc.Scan() {
		n++
		if len(sc.Bytes()) == 0 {
			continue
		}
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return fmt.Errorf("%w: %s line %d: %v", ErrWorkload, name, n, err)
		}
		if err := fn(&v); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrWorkload, name, err)
	}
	return nil
}

// csvFile reads a CSV file with a header row, giving each row's fields by
// column name.
type csvFile struct {
	f    *os.File
	r    *csv.Reader
	col  map[string]int
	row  []string
	name string
	line int
}

func openCSV(dir, name string, tsv bool) (*csvFile, error) {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrWorkload, err)
	}
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	r.ReuseRecord = true
	if tsv {
		r.Comma = '\t'
		r.LazyQuotes = true
	}
	head, err := r.Read()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %s: %v", ErrWorkload, name, err)
	}
	c := &csvFile{f: f, r: r, col: map[string]int{}, name: name, line: 1}
	for i, h := range head {
		c.col[h] = i
	}
	return c, nil
}

// need checks that the file has every column named.
func (c *csvFile) need(cols ...string) error {
	for _, k := range cols {
		if _, ok := c.col[k]; !ok {
			return fmt.Errorf("%w: %s has no column %q", ErrWorkload, c.name, k)
		}
	}
	return nil
}

// next reads the next row; io.EOF at the end.
func (c *csvFile) next() error {
	row, err := c.r.Read()
	if err == io.EOF {
		return err
	}
	c.line++
	if err != nil {
		return fmt.Errorf("%w: %s line %d: %v", ErrWorkload, c.name, c.line, err)
	}
	c.row = row
	return nil
}

func (c *csvFile) get(col string) string { return c.row[c.col[col]] }

func (c *csvFile) Close() error { return c.f.Close() }

// Parsing helpers. A bad value is an error naming the file, line and
// column, never the value (it may be a pnr or a name).

func parseDate(s string) (time.Time, error) {
	return time.Parse(time.DateOnly, s)
}

// optDate is a date or nil for "".
func optDate(s string) (any, error) {
	if s == "" {
		return nil, nil
	}
	return parseDate(s)
}

func parsePNR(s string) (int64, error) {
	if len(s) != 10 {
		return 0, errors.New("pnr is not 10 digits")
	}
	return strconv.ParseInt(s, 10, 64)
}

// optPNR is a pnr or nil for "".
func optPNR(s string) (any, error) {
	if s == "" {
		return nil, nil
	}
	return parsePNR(s)
}

func parseCode(s string) (int16, error) {
	n, err := strconv.ParseUint(s, 10, 15)
	return int16(n), err
}

// code4 reads a code given as a JSON string ("5120") or number (5120).
func code4(raw json.RawMessage) (int16, error) {
	s := strings.Trim(string(raw), `"`)
	if s == "" || s == "null" {
		return 0, nil
	}
	return parseCode(s)
}
