package peer

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// readPopulation turns population.csv into rows of the person table and
// of the history tables: every fact of every person from its from-date,
// registered now, as our bulk load writes them (status, name, address,
// civil status, citizenship, protections; the children are the person's
// children column).
func readPopulation(ctx context.Context, dir string, out map[string]chan<- [][]any) error {
	c, err := openCSV(dir, "population.csv", false)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.need("pnr", "sex", "birth_date", "status", "status_from", "first_name", "middle_name", "last_name",
		"addressing_name", "name_from", "kommunekode", "vejkode", "husnr", "etage", "sidedoer", "address_from",
		"foreign_country", "foreign_lines", "civil", "spouse", "civil_from", "mother", "father", "children",
		"citizenship", "citizenship_from", "protections"); err != nil {
		return err
	}
	b := map[string]*batcher{}
	for _, t := range loadTables {
		b[t.name] = &batcher{ctx: ctx, ch: out[t.name]}
	}
	now := time.Now()
	for {
		err := c.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := personRows(c, now, b); err != nil {
			return fmt.Errorf("%w: population.csv line %d: %v", ErrWorkload, c.line, err)
		}
	}
	for _, t := range loadTables {
		if err := b[t.name].flush(); err != nil {
			return err
		}
	}
	return nil
}

// row parses fields in order; the first error sticks.
type row struct {
	c   *csvFile
	err error
}

func (r *row) date(col string) any {
	v, err := optDate(r.c.get(col))
	r.fail(col, err)
	return v
}

func (r *row) pnr(col string) any {
	v, err := optPNR(r.c.get(col))
	r.fail(col, err)
	return v
}

func (r *row) code(col string) int16 {
	s := r.c.get(col)
	if s == "" {
		return 0
	}
	v, err := parseCode(s)
	r.fail(col, err)
	return v
}

func (r *row) optCode(col string) any {
	if r.c.get(col) == "" {
		return nil
	}
	return r.code(col)
}

func (r *row) fail(col string, err error) {
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("column %s: not in the documented format", col)
	}
}

func personRows(c *csvFile, now time.Time, b map[string]*batcher) error {
	r := &row{c: c}
	pnr := r.pnr("pnr")
	status := r.code("status")
	statusFrom := r.date("status_from")
	nameFrom := r.date("name_from")
	addrFrom := r.date("address_from")
	civilFrom := r.date("civil_from")
	citFrom := r.date("citizenship_from")
	kommune, vejkode := r.code("kommunekode"), r.code("vejkode")
	husnr, etage, sidedoer := c.get("husnr"), c.get("etage"), c.get("sidedoer")
	country := r.optCode("foreign_country")
	var lines any
	if s := c.get("foreign_lines"); s != "" {
		lines = strings.Split(s, "|")
	}
	var children []int64
	if s := c.get("children"); s != "" {
		for _, ch := range strings.Split(s, ";") {
			n, err := parsePNR(ch)
			r.fail("children", err)
			children = append(children, n)
		}
	}
	civil, spouse := c.get("civil"), r.pnr("spouse")
	citizenship := r.code("citizenship")
	first, middle, last, addressing := c.get("first_name"), c.get("middle_name"), c.get("last_name"), c.get("addressing_name")
	type prot struct {
		typ      int16
		from, to any
	}
	var prots []prot
	if s := c.get("protections"); s != "" {
		for _, p := range strings.Split(s, ";") {
			f := strings.Split(p, ":")
			if len(f) != 3 {
				r.fail("protections", fmt.Errorf("bad"))
				break
			}
			t, err := parseCode(f[0])
			r.fail("protections", err)
			from, err := optDate(f[1])
			r.fail("protections", err)
			to, err := optDate(f[2])
			r.fail("protections", err)
			prots = append(prots, prot{t, from, to})
		}
	}
	if r.err != nil {
		return r.err
	}
	var kommuneFrom any
	if kommune != 0 {
		kommuneFrom = addrFrom
	}
	if children == nil {
		children = []int64{}
	}
	errs := []error{
		b["person"].add(pnr, status, statusFrom, c.get("sex"), r.date("birth_date"), first, middle, last, addressing, nameFrom,
			kommune, vejkode, husnr, etage, sidedoer, addrFrom, kommuneFrom, country, lines, civil, spouse, civilFrom,
			r.pnr("mother"), r.pnr("father"), children, citizenship, citFrom),
		b["status_history"].add(pnr, int64(0), int16(0), statusFrom, now, status),
		b["name_history"].add(pnr, int64(0), int16(0), nameFrom, now, first, middle, last, addressing),
		b["address_history"].add(pnr, int64(0), int16(0), addrFrom, now, kommune, vejkode, husnr, etage, sidedoer, country, lines),
		b["civil_history"].add(pnr, int64(0), int16(0), civilFrom, now, civil, spouse),
		b["citizenship_history"].add(pnr, int64(0), int16(0), citFrom, now, citizenship),
	}
	for i, p := range prots {
		errs = append(errs, b["protection"].add(pnr, int64(0), int16(i), p.typ, p.from, p.to, now))
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return r.err
}

// readRoads reads roads.tsv into the road table.
func readRoads(ctx context.Context, dir string, out chan<- [][]any) error {
	c, err := openCSV(dir, "roads.tsv", true)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.need("kommunekode", "vejkode", "name", "postnr", "by"); err != nil {
		return err
	}
	b := &batcher{ctx: ctx, ch: out}
	for {
		err := c.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		r := &row{c: c}
		k, v, p := r.code("kommunekode"), r.code("vejkode"), r.code("postnr")
		if r.err != nil {
			return fmt.Errorf("%w: roads.tsv line %d: %v", ErrWorkload, c.line, r.err)
		}
		if err := b.add(k, v, c.get("name"), p, c.get("by")); err != nil {
			return err
		}
	}
	return b.flush()
}

// readSubscribers reads subscribers.json into the subscriber table.
func readSubscribers(ctx context.Context, dir string, out chan<- [][]any) error {
	var subs []Subscriber
	if err := readJSON(dir, "subscribers.json", &subs); err != nil {
		return err
	}
	b := &batcher{ctx: ctx, ch: out}
	for _, s := range subs {
		var ks []int16
		for _, k := range s.Circle.Kommuner {
			n, err := parseCode(k)
			if err != nil {
				return fmt.Errorf("%w: subscribers.json: subscriber %s: circle.kommuner", ErrWorkload, s.ID)
			}
			ks = append(ks, n)
		}
		if ks == nil {
			ks = []int16{}
		}
		amin, amax := 0, 0
		if s.Circle.Age != nil {
			amin, amax = s.Circle.Age.Min, s.Circle.Age.Max
		}
		kinds := s.Circle.Kinds
		if kinds == nil {
			kinds = []string{}
		}
		scope := append([]string{"person"}, s.Scope...)
		marks := s.Circle.Marks || s.Kind == "private"
		if err := b.add(s.ID, s.Kind, int32(s.TaskNumber), scope, ks, int32(amin), int32(amax), kinds, marks); err != nil {
			return err
		}
	}
	return b.flush()
}

// readMarks reads marks.csv into the mark table.
func readMarks(ctx context.Context, dir string, out chan<- [][]any) error {
	c, err := openCSV(dir, "marks.csv", false)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.need("subscriber", "pnr", "key"); err != nil {
		return err
	}
	b := &batcher{ctx: ctx, ch: out}
	ci, pi, ki := c.col["subscriber"], c.col["pnr"], c.col["key"]
	interned := map[string]string{}
	for {
		err := c.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		p, err := strconv.ParseInt(c.row[pi], 10, 64)
		if err != nil || len(c.row[pi]) != 10 {
			return fmt.Errorf("%w: marks.csv line %d: column pnr: not 10 digits", ErrWorkload, c.line)
		}
		sub, ok := interned[c.row[ci]]
		if !ok {
			sub = strings.Clone(c.row[ci])
			interned[sub] = sub
		}
		if err := b.add(sub, p, strings.Clone(c.row[ki])); err != nil {
			return err
		}
	}
	return b.flush()
}
