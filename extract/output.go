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
}

// header is what the start record says.
type header struct {
	kind       string // "change" or "status"
	sub        *subscription.Subscriber
	day, prev  date.Date
	production date.Date
}

// output writes one extract in one format.
type output interface {
	begin(h header) error
	person(ps *person) error
	end() (Stats, error)
}

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

func newOutput(f Format, w io.Writer, sub *subscription.Subscriber, roads *address.Roads, names func(pnr.PNR) (register.Name, bool), ids identity) output {
	cw := &countingWriter{w: w}
	bw := bufio.NewWriterSize(cw, 256<<10)
	rw := newRecordWriter(sub, roads, names, ids)
	switch f {
	case JSONL:
		return &jsonlOutput{cw: cw, bw: bw, enc: json.NewEncoder(bw), sub: sub, roads: roads, ids: ids}
	case CSV:
		return &csvOutput{p12170Output{cw: cw, bw: bw, rw: rw}, csv.NewWriter(bw)}
	}
	return &p12170Output{cw: cw, bw: bw, rw: rw}
}

// p12170Output writes the fixed-width records, ISO-8859-1.
type p12170Output struct {
	cw    *countingWriter
	bw    *bufio.Writer
	rw    *recordWriter
	st    Stats
	lines func([]byte) error // nil: write the lines as they are
	flush func() error       // before the buffer is flushed (nil: none)
}

func (o *p12170Output) write() error {
	var err error
	if o.lines != nil {
		err = o.lines(o.rw.out)
	} else {
		_, err = o.bw.Write(o.rw.out)
	}
	o.st.Records += o.rw.n
	o.rw.out, o.rw.n = o.rw.out[:0], 0
	return err
}

func (o *p12170Output) begin(h header) error {
	o.rw.on = h.day
	b := o.rw.b
	b.Reset("000")
	b.SetInt("OPGAVENR", h.sub.TaskNumber)
	setDate(b, "PRODDTO", h.production)
	setDate(b, "PRODDTOFORRIG", h.prev)
	o.rw.emit()
	return o.write()
}

func (o *p12170Output) person(ps *person) error {
	o.rw.person(ps)
	o.st.Persons++
	o.st.Events += len(ps.events)
	return o.write()
}

func (o *p12170Output) end() (Stats, error) {
	b := o.rw.b
	b.Reset("999")
	b.Set("TAELLER", fmt.Sprintf("%08d", o.st.Records+1))
	o.rw.emit()
	if err := o.write(); err != nil {
		return o.st, err
	}
	if o.flush != nil {
		if err := o.flush(); err != nil {
			return o.st, err
		}
	}
	err := o.bw.Flush()
	o.st.Bytes = o.cw.n
	return o.st, err
}

// csvOutput writes the same records as P12170, one CSV row each: the
// record type, then the record's fields in layout order (trimmed, UTF-8).
type csvOutput struct {
	p12170Output
	cw2 *csv.Writer
}

func (o *csvOutput) rows(lines []byte) error {
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
		if err := o.cw2.Write(row); err != nil {
			return err
		}
		lines = lines[min(i+1, len(lines)):]
	}
	return nil
}

func (o *csvOutput) begin(h header) error {
	o.lines = o.rows
	o.flush = func() error {
		o.cw2.Flush()
		return o.cw2.Error()
	}
	return o.p12170Output.begin(h)
}

// jsonlOutput writes one JSON object a line: start, one per person, end.
type jsonlOutput struct {
	cw    *countingWriter
	bw    *bufio.Writer
	enc   *json.Encoder
	sub   *subscription.Subscriber
	roads *address.Roads
	ids   identity
	on    date.Date
	st    Stats
}

func (o *jsonlOutput) begin(h header) error {
	o.on = h.day
	o.st.Records++
	return o.enc.Encode(map[string]any{"record": "start", "kind": h.kind, "subscriber": h.sub.ID,
		"task_number": h.sub.TaskNumber, "date": h.day, "production_date": h.production, "previous_production_date": h.prev})
}

func (o *jsonlOutput) person(ps *person) error {
	o.st.Persons++
	o.st.Records++
	o.st.Events += len(ps.events)
	return o.enc.Encode(personJSON(ps, o.sub, o.roads, o.ids, o.on))
}

func (o *jsonlOutput) end() (Stats, error) {
	o.st.Records++
	if err := o.enc.Encode(map[string]any{"record": "end", "count": o.st.Records}); err != nil {
		return o.st, err
	}
	err := o.bw.Flush()
	o.st.Bytes = o.cw.n
	return o.st, err
}
