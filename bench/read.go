package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
	"cpr/register"
	"cpr/subscription"
)

// readRoads reads roads.tsv.
func readRoads(dir string) (*address.Roads, error) {
	f, err := os.Open(filepath.Join(dir, FileRoads))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrWorkload, err)
	}
	defer f.Close()
	rs, err := address.LoadRoads(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrWorkload, FileRoads, err)
	}
	return rs, nil
}

// The columns of population.csv, in populationHeader's order.
const (
	colPNR = iota
	colSex
	colBirthDate
	colStatus
	colStatusFrom
	colFirstName
	colMiddleName
	colLastName
	colAddressingName
	colNameFrom
	colKommunekode
	colVejkode
	colHusnr
	colEtage
	colSidedoer
	colAddressFrom
	colForeignCountry
	colForeignLines
	colCivil
	colSpouse
	colCivilFrom
	colMother
	colFather
	colChildren
	colCitizenship
	colCitizenshipFrom
	colProtections
)

// fieldParser reads the fields of one CSV row, remembering the first error.
type fieldParser struct {
	row  []string
	col  []int // the row index of each column
	err  error
	line int
	slab []register.Person // persons are allocated a slab at a time
}

// newPerson returns a zero person from the slab.
func (fp *fieldParser) newPerson() *register.Person {
	if len(fp.slab) == 0 {
		fp.slab = make([]register.Person, 512)
	}
	p := &fp.slab[0]
	fp.slab = fp.slab[1:]
	return p
}

func (fp *fieldParser) fail(name, why string) {
	if fp.err == nil {
		fp.err = fmt.Errorf("%w: %s line %d: %s: %s", ErrWorkload, FilePopulation, fp.line, name, why)
	}
}

func (fp *fieldParser) str(c int) string { return fp.row[fp.col[c]] }

func (fp *fieldParser) pnr(c int) pnr.PNR {
	s := fp.str(c)
	if s == "" {
		return 0
	}
	p, err := pnr.Parse(s)
	if err != nil {
		fp.fail(populationHeader[c], "not a pnr")
	}
	return p
}

func (fp *fieldParser) date(c int) date.Date {
	d, err := date.Parse(fp.str(c))
	if err != nil && fp.str(c) != "" {
		fp.fail(populationHeader[c], "not a date")
	}
	return d
}

func (fp *fieldParser) num(c int) uint16 {
	s := fp.str(c)
	if s == "" {
		return 0
	}
	v, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		fp.fail(populationHeader[c], "not a number")
	}
	return uint16(v)
}

// readPopulation returns the persons of population.csv, one after another;
// *perr is set if a row does not parse (the sequence then ends).
func readPopulation(dir string, perr *error) iter.Seq[*register.Person] {
	return func(yield func(*register.Person) bool) {
		f, err := os.Open(filepath.Join(dir, FilePopulation))
		if err != nil {
			*perr = fmt.Errorf("%w: %v", ErrWorkload, err)
			return
		}
		defer f.Close()
		r := newCSVRows(f)
		head, err := r.Read()
		if err != nil {
			*perr = fmt.Errorf("%w: %s: %v", ErrWorkload, FilePopulation, err)
			return
		}
		fp := &fieldParser{col: make([]int, len(populationHeader))}
		head = slices.Clone(head)
		for c, h := range populationHeader {
			if fp.col[c] = slices.Index(head, h); fp.col[c] < 0 {
				*perr = fmt.Errorf("%w: %s: no column %s", ErrWorkload, FilePopulation, h)
				return
			}
		}
		for {
			row, err := r.Read()
			fp.line = r.line
			if err == io.EOF {
				return
			} else if err != nil {
				*perr = fmt.Errorf("%w: %s: %v", ErrWorkload, FilePopulation, err)
				return
			}
			fp.row = row
			p := fp.person()
			if fp.err != nil {
				*perr = fp.err
				return
			}
			if !yield(p) {
				return
			}
		}
	}
}

func (fp *fieldParser) person() *register.Person {
	p := fp.newPerson()
	p.PNR, p.BirthDate, p.StatusFrom = fp.pnr(colPNR), fp.date(colBirthDate), fp.date(colStatusFrom)
	sex, err := pnr.ParseSex(fp.str(colSex))
	if err != nil {
		fp.fail("sex", "not M or F")
	}
	p.Sex = sex
	st, err := strconv.Atoi(fp.str(colStatus))
	if err != nil || !register.Status(st).Valid() {
		fp.fail("status", "not a status code")
	}
	p.Status = register.Status(st)
	p.Name = register.Name{First: fp.str(colFirstName), Middle: fp.str(colMiddleName), Last: fp.str(colLastName),
		Addressing: fp.str(colAddressingName), From: fp.date(colNameFrom)}
	if fp.str(colKommunekode) != "" {
		a, err := address.Parse(fp.str(colKommunekode), fp.str(colVejkode), fp.str(colHusnr), fp.str(colEtage), fp.str(colSidedoer))
		if err != nil {
			fp.fail("address", "not an address")
		}
		p.Residence.Address = a
	}
	p.Residence.From = fp.date(colAddressFrom)
	if c := fp.num(colForeignCountry); c != 0 {
		p.Residence.Foreign = register.Foreign{Country: c}
		if l := fp.str(colForeignLines); l != "" {
			p.Residence.Foreign.Lines = strings.Split(l, "|")
		}
	}
	if c := fp.str(colCivil); len(c) == 1 {
		p.Civil.Code = register.Civil(c[0])
	}
	p.Civil.Spouse, p.Civil.From = fp.pnr(colSpouse), fp.date(colCivilFrom)
	p.Mother, p.Father = fp.pnr(colMother), fp.pnr(colFather)
	if cs := fp.str(colChildren); cs != "" {
		for _, c := range strings.Split(cs, ";") {
			q, err := pnr.Parse(c)
			if err != nil {
				fp.fail("children", "not a pnr")
			}
			p.Children = append(p.Children, q)
		}
	}
	p.Citizenship, p.CitizenFrom = fp.num(colCitizenship), fp.date(colCitizenshipFrom)
	if ps := fp.str(colProtections); ps != "" {
		for _, s := range strings.Split(ps, ";") {
			parts := strings.Split(s, ":")
			if len(parts) != 3 {
				fp.fail("protections", "not TYPE:FROM:TO")
				continue
			}
			t, err := strconv.Atoi(parts[0])
			from, err1 := date.Parse(parts[1])
			to, err2 := date.Parse(parts[2])
			if err != nil || err1 != nil || (err2 != nil && parts[2] != "") {
				fp.fail("protections", "not TYPE:FROM:TO")
			}
			p.Protections = append(p.Protections, register.ProtectionPeriod{Type: register.Protection(t), From: from, To: to})
		}
	}
	return p
}

// readSubscribers reads subscribers.json into the registry's form.
func readSubscribers(dir string) ([]subscription.Subscriber, error) {
	var specs []SubscriberSpec
	if err := readJSON(filepath.Join(dir, FileSubscribers), &specs); err != nil {
		return nil, err
	}
	out := make([]subscription.Subscriber, 0, len(specs))
	for _, s := range specs {
		scope, err := subscription.ParseScope(s.Scope)
		if err != nil {
			return nil, fmt.Errorf("%w: subscriber %s: %v", ErrWorkload, s.ID, err)
		}
		sub := subscription.Subscriber{ID: s.ID, Name: s.Name, Kind: subscription.Kind(s.Kind), TaskNumber: s.TaskNumber,
			Scope: scope, Circle: subscription.Circle{Marks: s.Circle.Marks}}
		for _, k := range s.Circle.Kommuner {
			v, err := strconv.ParseUint(k, 10, 16)
			if err != nil {
				return nil, fmt.Errorf("%w: subscriber %s: kommune %q", ErrWorkload, s.ID, k)
			}
			sub.Circle.Kommuner = append(sub.Circle.Kommuner, uint16(v))
		}
		for _, k := range s.Circle.Kinds {
			kind, ok := register.ParseKind(k)
			if !ok {
				return nil, fmt.Errorf("%w: subscriber %s: kind %q", ErrWorkload, s.ID, k)
			}
			sub.Circle.Kinds = append(sub.Circle.Kinds, kind)
		}
		if s.Circle.Age != nil {
			sub.Circle.AgeMin, sub.Circle.AgeMax = s.Circle.Age.Min, s.Circle.Age.Max
		}
		out = append(out, sub)
	}
	return out, nil
}

// readMarks yields marks.csv's marks, subscriber by subscriber; a read
// or parse error ends it in *perr.
func readMarks(dir string, perr *error) iter.Seq2[string, subscription.Mark] {
	return func(yield func(string, subscription.Mark) bool) {
		f, err := os.Open(filepath.Join(dir, FileMarks))
		if err != nil {
			*perr = fmt.Errorf("%w: %v", ErrWorkload, err)
			return
		}
		defer f.Close()
		sc := bufio.NewScanner(bufio.NewReaderSize(f, 1<<20))
		for n := 1; sc.Scan(); n++ {
			if n == 1 {
				continue // header
			}
			line := sc.Text()
			sub, rest, ok1 := strings.Cut(line, ",")
			p, key, ok2 := strings.Cut(rest, ",")
			if !ok1 || !ok2 || strings.IndexByte(key, ',') >= 0 {
				*perr = fmt.Errorf("%w: %s line %d: want subscriber,pnr,key", ErrWorkload, FileMarks, n)
				return
			}
			pn, err := pnr.Parse(p)
			if err != nil {
				*perr = fmt.Errorf("%w: %s line %d: not a pnr", ErrWorkload, FileMarks, n)
				return
			}
			if !yield(sub, subscription.Mark{PNR: pn, Key: key}) {
				return
			}
		}
		if err := sc.Err(); err != nil {
			*perr = fmt.Errorf("%w: %s: %v", ErrWorkload, FileMarks, err)
		}
	}
}

// readExpected reads expected.jsonl: persons and events by day and
// subscriber.
func readExpected(dir string) (map[string]map[string]ExpectedLine, error) {
	out := map[string]map[string]ExpectedLine{}
	err := eachJSONL(filepath.Join(dir, FileExpected), func(e *ExpectedLine) error {
		m := out[e.Day]
		if m == nil {
			m = map[string]ExpectedLine{}
			out[e.Day] = m
		}
		m[e.Subscriber] = *e
		return nil
	})
	return out, err
}

// changeReader reads changes.jsonl a day at a time.
type changeReader struct {
	f    *os.File
	dec  *json.Decoder
	next *Line
}

func openChanges(dir string) (*changeReader, error) {
	f, err := os.Open(filepath.Join(dir, FileChanges))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrWorkload, err)
	}
	return &changeReader{f: f, dec: json.NewDecoder(bufio.NewReaderSize(f, 1<<20))}, nil
}

// upTo returns the lines with seq up to last, which must follow on from
// the lines returned before.
func (cr *changeReader) upTo(last uint64) ([]*Line, error) {
	var out []*Line
	for {
		if cr.next == nil {
			l := new(Line)
			if err := cr.dec.Decode(l); err == io.EOF {
				return out, nil
			} else if err != nil {
				return nil, fmt.Errorf("%w: %s: %v", ErrWorkload, FileChanges, err)
			}
			cr.next = l
		}
		if cr.next.Seq > last {
			return out, nil
		}
		out = append(out, cr.next)
		cr.next = nil
	}
}

func (cr *changeReader) close() error { return cr.f.Close() }
