package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
	"cpr/register"
)

// change is one line of changes.jsonl made ready to apply.
type change struct {
	line   *Line
	c      register.Change
	want   pnr.PNR       // the number the register must allocate (0: none)
	target uint64        // a correction's target as a workload seq
	after  *change       // the allocating change with the same key before this one
	done   chan struct{} // closed when applied (allocating changes only)
	corr   *register.Correction
}

func parseDate(field, s string) (date.Date, error) {
	if s == "" {
		return 0, nil
	}
	d, err := date.Parse(s)
	if err != nil {
		return 0, fmt.Errorf("%s: not a date", field)
	}
	return d, nil
}

func parsePNR(field, s string) (pnr.PNR, error) {
	if s == "" {
		return 0, nil
	}
	p, err := pnr.Parse(s)
	if err != nil {
		return 0, fmt.Errorf("%s: not a pnr", field)
	}
	return p, nil
}

func parseAddr(a *addrIn) (address.Address, error) {
	if a == nil {
		return address.Address{}, nil
	}
	return address.Parse(a.Kommunekode, a.Vejkode, a.Husnr, a.Etage, a.Sidedoer)
}

func parseName(n *nameIn) register.Name {
	if n == nil {
		return register.Name{}
	}
	return register.Name{First: n.First, Middle: n.Middle, Last: n.Last, Addressing: n.Addressing}
}

func parseSex(s string) (pnr.Sex, error) {
	if s == "" {
		return 0, nil
	}
	return pnr.ParseSex(s)
}

// toChange turns a line into the register's change.
func toChange(l *Line) (*change, error) {
	ch := &change{line: l}
	err := ch.parse()
	if err != nil {
		return nil, fmt.Errorf("%w: %s line %d (%s): %v", ErrWorkload, FileChanges, l.Seq, l.Kind, err)
	}
	return ch, nil
}

func (ch *change) parse() error {
	l := ch.line
	p, err := parsePNR("pnr", l.PNR)
	if err != nil {
		return err
	}
	dec := func(v any) error { return json.Unmarshal(l.Body, v) }
	var errs [4]error
	switch l.Kind {
	case "birth":
		var b birthBody
		if err := dec(&b); err != nil {
			return err
		}
		c := register.Birth{Name: parseName(b.Name), Citizenship: uint16(b.Citizenship)}
		c.Mother, errs[0] = parsePNR("mother", b.Mother)
		c.Father, errs[1] = parsePNR("father", b.Father)
		c.BirthDate, errs[2] = parseDate("birth_date", b.BirthDate)
		c.Sex, errs[3] = parseSex(b.Sex)
		if c.Address, err = parseAddr(b.Address); err != nil {
			return err
		}
		ch.c, ch.want = c, p
	case "immigration":
		var b immigrationBody
		if err := dec(&b); err != nil {
			return err
		}
		c := register.Immigration{Name: parseName(b.Name), Citizenship: uint16(b.Citizenship)}
		c.PNR, errs[0] = parsePNR("pnr", b.PNR)
		c.Effective, errs[1] = parseDate("effective", b.Effective)
		c.BirthDate, errs[2] = parseDate("birth_date", b.BirthDate)
		c.Sex, errs[3] = parseSex(b.Sex)
		if len(b.Civil) == 1 {
			c.Civil = register.Civil(b.Civil[0])
		}
		if c.Address, err = parseAddr(b.Address); err != nil {
			return err
		}
		ch.c = c
		if c.PNR.IsZero() {
			ch.want = p
		}
	case "emigration":
		var b emigrationBody
		if err := dec(&b); err != nil {
			return err
		}
		c := register.Emigration{PNR: p, Foreign: register.Foreign{Country: uint16(b.Country), Lines: b.Lines}}
		c.Effective, errs[0] = parseDate("effective", b.Effective)
		ch.c = c
	case "move":
		var b moveBody
		if err := dec(&b); err != nil {
			return err
		}
		c := register.Move{PNR: p}
		c.Effective, errs[0] = parseDate("effective", b.Effective)
		if c.Address, err = parseAddr(b.Address); err != nil {
			return err
		}
		ch.c = c
	case "name":
		var b nameChangeBody
		if err := dec(&b); err != nil {
			return err
		}
		c := register.NameChange{PNR: p, Name: parseName(b.Name)}
		c.Effective, errs[0] = parseDate("effective", b.Effective)
		ch.c = c
	case "marriage":
		var b marriageBody
		if err := dec(&b); err != nil {
			return err
		}
		c := register.Marriage{PNR: p, Partnership: b.Partnership}
		c.Spouse, errs[0] = parsePNR("spouse", b.Spouse)
		c.Effective, errs[1] = parseDate("effective", b.Effective)
		ch.c = c
	case "divorce", "death":
		var b effectiveBody
		if err := dec(&b); err != nil {
			return err
		}
		eff, err := parseDate("effective", b.Effective)
		if err != nil {
			return err
		}
		if l.Kind == "death" {
			ch.c = register.Death{PNR: p, Effective: eff}
		} else {
			ch.c = register.Divorce{PNR: p, Effective: eff}
		}
	case "protection":
		var b protectionBody
		if err := dec(&b); err != nil {
			return err
		}
		c := register.ProtectionChange{PNR: p, On: b.On}
		var t int
		if _, err := fmt.Sscanf(b.Type, "%d", &t); err != nil {
			return fmt.Errorf("type: not a protection type")
		}
		c.Type = register.Protection(t)
		c.Effective, errs[0] = parseDate("effective", b.Effective)
		c.End, errs[1] = parseDate("end", b.End)
		ch.c = c
	case "pnr-change":
		var b pnrChangeBody
		if err := dec(&b); err != nil {
			return err
		}
		c := register.PNRChange{PNR: p}
		c.Effective, errs[0] = parseDate("effective", b.Effective)
		c.BirthDate, errs[1] = parseDate("birth_date", b.BirthDate)
		c.Sex, errs[2] = parseSex(b.Sex)
		ch.want, errs[3] = parsePNR("new_pnr", l.NewPNR)
		ch.c = c
	case "correction":
		var b correctionBody
		if err := dec(&b); err != nil {
			return err
		}
		c := register.Correction{PNR: p, Annul: b.Annul, Citizenship: uint16(b.Citizenship)}
		switch b.Fact {
		case "name":
			c.Fact = register.FactName
		case "address":
			c.Fact = register.FactAddress
		case "citizenship":
			c.Fact = register.FactCitizenship
		default:
			return fmt.Errorf("fact: not name, address or citizenship")
		}
		c.Effective, errs[0] = parseDate("effective", b.Effective)
		if b.Name != nil {
			n := parseName(b.Name)
			c.Name = &n
		}
		if b.Address != nil {
			a, err := parseAddr(b.Address)
			if err != nil {
				return err
			}
			c.Address = &a
		}
		ch.target, ch.corr = b.Target, &c
	default:
		return fmt.Errorf("kind: unknown")
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	if ch.want != 0 && ch.want.Sex() == 0 {
		return fmt.Errorf("new pnr: not a pnr")
	}
	return nil
}

// allocKey groups the changes that allocate numbers from the same pool:
// the date part of the number and the sex.
func allocKey(p pnr.PNR) uint64 { return uint64(p/10000)<<1 | uint64(p%2) }

// applier applies the changes of a day with a fixed concurrency.
type applier struct {
	reg     *register.Register
	workers int
	seqs    []uint64 // workload seq -> journal seq
	latency []time.Duration
}

// day applies a day's changes: up to workers at a time, allocating changes
// with the same key in workload order.
func (a *applier) day(ctx context.Context, chs []*change) error {
	last := map[uint64]*change{}
	for _, ch := range chs {
		if ch.want == 0 {
			continue
		}
		k := allocKey(ch.want)
		ch.after, ch.done = last[k], make(chan struct{})
		last[k] = ch
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	lat := make([]time.Duration, len(chs))
	for range min(a.workers, len(chs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(chs) || ctx.Err() != nil {
					return
				}
				d, err := a.apply(ctx, chs[i])
				if err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					return
				}
				lat[i] = d
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	a.latency = append(a.latency, lat...)
	return ctx.Err()
}

func (a *applier) apply(ctx context.Context, ch *change) (time.Duration, error) {
	if ch.done != nil {
		defer close(ch.done)
	}
	if ch.after != nil {
		select {
		case <-ch.after.done:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	c := ch.c
	if ch.corr != nil {
		corr := *ch.corr
		if ch.target != 0 {
			if ch.target >= uint64(len(a.seqs)) || a.seqs[ch.target] == 0 {
				return 0, fmt.Errorf("%w: change %d (correction): target %d not applied before", ErrWorkload, ch.line.Seq, ch.target)
			}
			corr.Target = a.seqs[ch.target]
		}
		c = corr
	}
	start := time.Now()
	res, err := a.reg.Apply(ctx, c, register.Meta{Actor: "bench"})
	d := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("%w: change %d (%s) refused: %v", ErrWorkload, ch.line.Seq, ch.line.Kind, err)
	}
	if ch.want != 0 && res.PNR != ch.want {
		return 0, fmt.Errorf("%w: change %d (%s): the register allocated another number than the workload says", ErrWorkload, ch.line.Seq, ch.line.Kind)
	}
	if ch.line.Seq < uint64(len(a.seqs)) {
		a.seqs[ch.line.Seq] = res.Seq
	}
	return d, nil
}
