package extract

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"

	"cpr/address"
	"cpr/date"
	"cpr/extract/p12170"
	"cpr/pnr"
	"cpr/register"
	"cpr/subscription"
)

// Stats describes a produced extract.
type Stats struct {
	Persons int   `json:"persons"`
	Events  int   `json:"events"`
	Records int   `json:"records"` // lines, start and end record included
	Bytes   int64 `json:"bytes"`
	// Seq is, for a status extract, the last change it holds: the
	// extract is the register as it stood just after change Seq.
	Seq uint64 `json:"seq"`
}

// header is what the start record says.
type header struct {
	kind       string // "change" or "status"
	sub        *subscription.Subscriber
	day, prev  date.Date
	production date.Date
	// partial marks a change extract of a day that had not ended (by the
	// register's clock) when the file was cut: changes registered later
	// that day are not in it. The start record says so: PartialMark in
	// SORTFELT-10 of P12170 record 000 (and so in the CSV start row), and
	// "partial": true in the JSON Lines start line. A complete file
	// leaves SORTFELT-10 blank and has no "partial" key.
	partial bool
}

// PartialMark is what SORTFELT-10 of the start record (000) holds in a
// partial change extract.
const PartialMark = "PARTIAL"

// partialDay reports whether day's change extract, cut now, is partial:
// the day has not ended by the register's clock. Ask before reading the
// journal, so a day that ends during the read is still marked.
func (x *Extractor) partialDay(day date.Date) bool { return day >= x.Reg.Today() }

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// appendWriter appends what is written to b.
type appendWriter struct{ b []byte }

func (a *appendWriter) Write(p []byte) (int, error) {
	a.b = append(a.b, p...)
	return len(p), nil
}

// formatter turns persons into the lines of one format, appended to a
// caller's buffer. It is not safe for concurrent use: a parallel extract
// has one per goroutine.
type formatter struct {
	f     Format
	sub   *subscription.Subscriber
	roads *address.Roads
	ids   identity
	on    date.Date
	rw    *recordWriter // P12170 and CSV
	aw    appendWriter  // JSON Lines and CSV write through it
	enc   *json.Encoder // JSON Lines
	csv   *csv.Writer   // CSV
	lines []byte        // CSV: the P12170 lines of one person
	// protectedNow tells whether a person has 0001 today, as the register
	// knows it now; nil when the person as of on tells it already
	// (Extractor.protectedNow).
	protectedNow func(p pnr.PNR) (bool, error)
}

func newFormatter(f Format, sub *subscription.Subscriber, roads *address.Roads, names func(pnr.PNR) (register.Name, bool), ids identity, on date.Date) *formatter {
	fm := &formatter{f: f, sub: sub, roads: roads, ids: ids, on: on, rw: newRecordWriter(sub, roads, names, ids)}
	fm.rw.on = on
	switch f {
	case JSONL:
		fm.enc = json.NewEncoder(&fm.aw)
	case CSV:
		fm.csv = csv.NewWriter(&fm.aw)
	}
	return fm
}

// flushRecords appends what the record writer wrote (P12170 lines) to dst
// in the formatter's format, and reports how many lines that was.
func (fm *formatter) flushRecords(dst []byte) ([]byte, int, error) {
	n := fm.rw.n
	fm.rw.n = 0
	if fm.f != CSV {
		dst, fm.rw.out = fm.rw.out, nil
		return dst, n, nil
	}
	fm.aw.b = dst
	err := fm.rows(fm.rw.out)
	fm.csv.Flush()
	if err == nil {
		err = fm.csv.Error()
	}
	dst, fm.aw.b = fm.aw.b, nil
	fm.lines = fm.rw.out[:0]
	return dst, n, err
}

// startRecords points the record writer at dst (P12170) or at the
// formatter's own scratch buffer (CSV).
func (fm *formatter) startRecords(dst []byte) {
	if fm.f == CSV {
		fm.rw.out = fm.lines[:0]
	} else {
		fm.rw.out = dst
	}
	fm.rw.n = 0
}

// begin appends the start record.
func (fm *formatter) begin(dst []byte, h header) ([]byte, error) {
	if fm.f == JSONL {
		start := map[string]any{"record": "start", "kind": h.kind, "subscriber": h.sub.ID,
			"task_number": h.sub.TaskNumber, "date": h.day, "production_date": h.production, "previous_production_date": h.prev}
		if h.partial {
			start["partial"] = true
		}
		return fm.encode(dst, start)
	}
	fm.startRecords(dst)
	b := fm.rw.b
	b.Reset("000")
	if h.partial {
		b.Set("SORTFELT-10", PartialMark)
	}
	b.SetInt("OPGAVENR", h.sub.TaskNumber)
	setDate(b, "PRODDTO", h.production)
	setDate(b, "PRODDTOFORRIG", h.prev)
	fm.rw.emit()
	dst, _, err := fm.flushRecords(dst)
	return dst, err
}

// person appends the lines of one person; n is how many.
func (fm *formatter) person(dst []byte, ps *person) (out []byte, n int, err error) {
	if fm.protectedNow != nil && !ps.p.Protected(register.ProtectNameAddress, fm.on) {
		if ps.protectedNow, err = fm.protectedNow(ps.p.PNR); err != nil {
			return dst, 0, err
		}
	}
	if fm.f == JSONL {
		out, err = fm.encode(dst, personJSON(ps, fm.sub, fm.roads, fm.ids, fm.on))
		return out, 1, err
	}
	fm.startRecords(dst)
	fm.rw.person(ps)
	return fm.flushRecords(dst)
}

// end appends the end record, after records lines.
func (fm *formatter) end(dst []byte, records int) ([]byte, error) {
	if fm.f == JSONL {
		return fm.encode(dst, map[string]any{"record": "end", "count": records + 1})
	}
	fm.startRecords(dst)
	b := fm.rw.b
	b.Reset("999")
	b.Set("TAELLER", fmt.Sprintf("%08d", records+1))
	fm.rw.emit()
	dst, _, err := fm.flushRecords(dst)
	return dst, err
}

func (fm *formatter) encode(dst []byte, v any) ([]byte, error) {
	fm.aw.b = dst
	err := fm.enc.Encode(v)
	dst, fm.aw.b = fm.aw.b, nil
	return dst, err
}

// rows writes the same records as P12170, one CSV row each: the record
// type, then the record's fields in layout order (trimmed, UTF-8).
func (fm *formatter) rows(lines []byte) error {
	for len(lines) > 0 {
		i := 0
		for i < len(lines) && lines[i] != '\n' {
			i++
		}
		pr, err := p12170.Parse(lines[:i])
		if err != nil {
			return err
		}
		rec, _ := p12170.Lookup(pr.Type)
		row := make([]string, 0, len(rec.Fields))
		for _, f := range rec.Fields {
			row = append(row, pr.Fields[f.Name])
		}
		if err := fm.csv.Write(row); err != nil {
			return err
		}
		lines = lines[min(i+1, len(lines)):]
	}
	return nil
}

// output writes one extract in one format, person by person or in chunks
// formatted elsewhere, and counts what it wrote.
type output struct {
	fm    *formatter
	cw    *countingWriter
	bw    *bufio.Writer
	buf   []byte
	st    Stats
	order *idOrder // a research subscriber's: persons in pseudonym order
}

func newOutput(f Format, w io.Writer, sub *subscription.Subscriber, roads *address.Roads, names func(pnr.PNR) (register.Name, bool), ids identity, on date.Date) *output {
	cw := &countingWriter{w: w}
	return &output{fm: newFormatter(f, sub, roads, names, ids, on), cw: cw, bw: bufio.NewWriterSize(cw, 256<<10)}
}

func (o *output) write(b []byte) error {
	_, err := o.bw.Write(b)
	o.buf = b[:0]
	return err
}

func (o *output) begin(h header) error {
	b, err := o.fm.begin(o.buf[:0], h)
	if err != nil {
		return err
	}
	o.st.Records++
	return o.write(b)
}

func (o *output) person(ps *person) error {
	b, n, err := o.fm.person(o.buf[:0], ps)
	if err != nil {
		return err
	}
	o.st.Persons++
	o.st.Events += len(ps.events)
	o.st.Records += n
	if o.order != nil {
		err = o.order.add(b)
		o.buf = b[:0]
		return err
	}
	return o.write(b)
}

// chunk writes lines a formatter made for persons, events and records
// counted in st.
func (o *output) chunk(b []byte, st Stats) error {
	o.st.Persons += st.Persons
	o.st.Events += st.Events
	o.st.Records += st.Records
	if o.order != nil {
		return o.order.add(b)
	}
	_, err := o.bw.Write(b)
	return err
}

// close lets go of what the research order holds (its runs on disk), also
// after an error; it is safe after end.
func (o *output) close() {
	if o.order != nil {
		o.order.close()
	}
}

func (o *output) end() (Stats, error) {
	if o.order != nil {
		if err := o.order.writeTo(o.bw); err != nil {
			return o.st, err
		}
	}
	b, err := o.fm.end(o.buf[:0], o.st.Records)
	if err != nil {
		return o.st, err
	}
	o.st.Records++
	if err := o.write(b); err != nil {
		return o.st, err
	}
	err = o.bw.Flush()
	o.st.Bytes = o.cw.n
	return o.st, err
}
