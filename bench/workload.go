package bench

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// The files of a workload directory (see README.md, "Workload format").
const (
	FileManifest    = "manifest.json"
	FileRoads       = "roads.tsv"
	FilePopulation  = "population.csv"
	FileChanges     = "changes.jsonl"
	FileSubscribers = "subscribers.json"
	FileMarks       = "marks.csv"
	FileDays        = "days.jsonl"
	FileExpected    = "expected.jsonl"
)

// FormatVersion is the version of the workload format this package writes
// and reads.
const FormatVersion = 1

// ErrWorkload is a workload directory that cannot be replayed: a missing
// file, a line that does not parse, a change the register refused.
var ErrWorkload = errors.New("bench: bad workload")

// Manifest is manifest.json.
type Manifest struct {
	Version         int            `json:"version"`
	Scale           float64        `json:"scale"`
	Seed            uint64         `json:"seed"`
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
	Expected        Expected       `json:"expected"`
}

// Expected are the totals a replay must reproduce.
type Expected struct {
	ChangeExtractPersons int64 `json:"change_extract_persons"`
	ChangeExtractEvents  int64 `json:"change_extract_events"`
	StatusExtractPersons int64 `json:"status_extract_persons"`
}

// Line is one line of changes.jsonl.
type Line struct {
	Seq     uint64          `json:"seq"`
	Day     string          `json:"day"`
	Kind    string          `json:"kind"`
	PNR     string          `json:"pnr"`
	NewPNR  string          `json:"new_pnr,omitempty"`
	Related []string        `json:"related"`
	Body    json.RawMessage `json:"body"`
}

// The request bodies of changes.jsonl, as the HTTP API takes them.
type (
	addrIn struct {
		Kommunekode string `json:"kommunekode"`
		Vejkode     string `json:"vejkode"`
		Husnr       string `json:"husnr,omitempty"`
		Etage       string `json:"etage,omitempty"`
		Sidedoer    string `json:"sidedoer,omitempty"`
	}
	nameIn struct {
		First      string `json:"first,omitempty"`
		Middle     string `json:"middle,omitempty"`
		Last       string `json:"last"`
		Addressing string `json:"addressing,omitempty"`
	}
	birthBody struct {
		Mother      string  `json:"mother"`
		Father      string  `json:"father,omitempty"`
		BirthDate   string  `json:"birth_date"`
		Sex         string  `json:"sex"`
		Name        *nameIn `json:"name,omitempty"`
		Address     *addrIn `json:"address,omitempty"`
		Citizenship int     `json:"citizenship,omitempty"`
	}
	immigrationBody struct {
		PNR         string  `json:"pnr,omitempty"`
		Effective   string  `json:"effective"`
		Address     *addrIn `json:"address"`
		BirthDate   string  `json:"birth_date,omitempty"`
		Sex         string  `json:"sex,omitempty"`
		Name        *nameIn `json:"name,omitempty"`
		Civil       string  `json:"civil,omitempty"`
		Citizenship int     `json:"citizenship,omitempty"`
	}
	emigrationBody struct {
		Effective string   `json:"effective"`
		Country   int      `json:"country"`
		Lines     []string `json:"lines,omitempty"`
	}
	moveBody struct {
		Effective string  `json:"effective"`
		Address   *addrIn `json:"address"`
	}
	nameChangeBody struct {
		Effective string  `json:"effective"`
		Name      *nameIn `json:"name"`
	}
	marriageBody struct {
		Spouse      string `json:"spouse"`
		Effective   string `json:"effective"`
		Partnership bool   `json:"partnership,omitempty"`
	}
	effectiveBody struct {
		Effective string `json:"effective"`
	}
	protectionBody struct {
		Type      string `json:"type"`
		On        bool   `json:"on"`
		Effective string `json:"effective"`
		End       string `json:"end,omitempty"`
	}
	pnrChangeBody struct {
		Effective string `json:"effective"`
		BirthDate string `json:"birth_date,omitempty"`
		Sex       string `json:"sex,omitempty"`
	}
	correctionBody struct {
		Fact        string  `json:"fact"`
		Target      uint64  `json:"target"`
		Annul       bool    `json:"annul,omitempty"`
		Effective   string  `json:"effective,omitempty"`
		Name        *nameIn `json:"name,omitempty"`
		Address     *addrIn `json:"address,omitempty"`
		Citizenship int     `json:"citizenship,omitempty"`
	}
)

// SubscriberSpec is one element of subscribers.json: the PUT body and id.
type SubscriberSpec struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Kind       string     `json:"kind"`
	TaskNumber int        `json:"task_number"`
	Scope      []string   `json:"scope"`
	Circle     CircleSpec `json:"circle"`
}

// CircleSpec is a subscriber's circle as the API takes it.
type CircleSpec struct {
	Kommuner []string `json:"kommuner,omitempty"`
	Age      *AgeSpec `json:"age,omitempty"`
	Kinds    []string `json:"kinds,omitempty"`
	Marks    bool     `json:"marks,omitempty"`
}

// AgeSpec is an age range (0: no bound).
type AgeSpec struct {
	Min int `json:"min,omitempty"`
	Max int `json:"max,omitempty"`
}

// Day is one line of days.jsonl.
type Day struct {
	Day      string       `json:"day"`
	FirstSeq uint64       `json:"first_seq"`
	LastSeq  uint64       `json:"last_seq"`
	Status   []StatusSpec `json:"status"`
}

// StatusSpec is one status extract of a day.
type StatusSpec struct {
	Subscriber string `json:"subscriber"`
	AsOf       string `json:"as_of"`
	Format     string `json:"format"`
	Persons    int64  `json:"persons"`
}

// ExpectedLine is one line of expected.jsonl.
type ExpectedLine struct {
	Day        string `json:"day"`
	Subscriber string `json:"subscriber"`
	Persons    int64  `json:"persons"`
	Events     int64  `json:"events"`
}

// jsonlWriter writes one JSON value a line.
type jsonlWriter struct {
	f  *os.File
	bw *bufio.Writer
	e  *json.Encoder
}

func createJSONL(path string) (*jsonlWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	e := json.NewEncoder(bw)
	e.SetEscapeHTML(false)
	return &jsonlWriter{f: f, bw: bw, e: e}, nil
}

func (w *jsonlWriter) put(v any) error { return w.e.Encode(v) }

func (w *jsonlWriter) close() error {
	return errors.Join(w.bw.Flush(), w.f.Close())
}

// writeJSON writes v to path, indented.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// readJSON reads path into v.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrWorkload, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrWorkload, filepath.Base(path), err)
	}
	return nil
}

// eachJSONL calls fn with every line of path decoded into a new T.
func eachJSONL[T any](path string, fn func(*T) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrWorkload, err)
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	for n := 1; ; n++ {
		v := new(T)
		if err := dec.Decode(v); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("%w: %s line %d: %v", ErrWorkload, filepath.Base(path), n, err)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
}

// ReadManifest reads the manifest of workload directory dir.
func ReadManifest(dir string) (Manifest, error) {
	var m Manifest
	if err := readJSON(filepath.Join(dir, FileManifest), &m); err != nil {
		return m, err
	}
	if m.Version != FormatVersion {
		return m, fmt.Errorf("%w: format version %d, this build reads %d", ErrWorkload, m.Version, FormatVersion)
	}
	return m, nil
}
