package bench

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
	"cpr/register"
)

// year writes the changes of the year, day by day, keeping the model in
// step and counting what each subscriber's change extract will hold.
type year struct {
	m     *model
	ix    *subIndex
	roads *address.Roads
	r     *rand.Rand
	days  []date.Date
	cfg   *GenConfig

	seq            uint64
	kinds          map[string]int
	expected       Expected
	statusExtracts int

	today   date.Date
	dayNo   uint16
	counts  []int64 // persons per subscriber slot, today
	changes *jsonlWriter
	routed  []routed
}

// routed is a person a change touched, and the kommuner it is routed by.
type routed struct {
	i      int32
	k1, k2 uint16
	after  bool // k1 is the kommune at the end of the day (a related person)
}

func (y *year) write(ctx context.Context, dir string) (err error) {
	if y.changes, err = createJSONL(filepath.Join(dir, FileChanges)); err != nil {
		return err
	}
	days, err := createJSONL(filepath.Join(dir, FileDays))
	if err != nil {
		y.changes.close()
		return err
	}
	exp, err := createJSONL(filepath.Join(dir, FileExpected))
	if err != nil {
		y.changes.close()
		days.close()
		return err
	}
	defer func() {
		if cerr := y.changes.close(); err == nil {
			err = cerr
		}
		if cerr := days.close(); err == nil {
			err = cerr
		}
		if cerr := exp.close(); err == nil {
			err = cerr
		}
	}()
	y.counts = make([]int64, len(y.ix.subs))
	nd := len(y.days)
	full := len(WorkingDays(PopulationToday))
	for d, day := range y.days {
		if err := ctx.Err(); err != nil {
			return err
		}
		y.today, y.dayNo = day, uint16(d+1)
		var todo []register.Kind
		for _, kr := range yearRates {
			n := scaled(kr.n, y.cfg.Scale)
			for range n*(d+1)/full - n*d/full {
				todo = append(todo, kr.kind)
			}
		}
		y.r.Shuffle(len(todo), func(i, j int) { todo[i], todo[j] = todo[j], todo[i] })
		first := y.seq + 1
		clear(y.counts)
		for _, k := range todo {
			if err := y.change(k); err != nil {
				return err
			}
		}
		for slot, n := range y.counts {
			if n == 0 || y.ix.subs[slot].spec.Kind == "research" {
				continue // research change extracts are monthly: no daily file
			}
			y.expected.ChangeExtractPersons += n
			y.expected.ChangeExtractEvents += n
			if err := exp.put(ExpectedLine{Day: day.String(), Subscriber: y.ix.subs[slot].spec.ID, Persons: n, Events: n}); err != nil {
				return err
			}
		}
		line := Day{Day: day.String(), FirstSeq: first, LastSeq: y.seq, Status: y.status(d)}
		if err := days.put(line); err != nil {
			return err
		}
		if d%25 == 24 || d == nd-1 {
			y.cfg.Logf("day %d/%d: %d changes so far", d+1, nd, y.seq)
		}
	}
	return nil
}

// change writes one change of kind k, if a person can be found for it.
func (y *year) change(k register.Kind) error {
	y.routed = y.routed[:0]
	var (
		l   *Line
		err error
	)
	seq := y.seq + 1
	switch k {
	case register.KindMove:
		l = y.move(seq)
	case register.KindBirth:
		l, err = y.birth(seq)
	case register.KindImmigration:
		l, err = y.immigration(seq)
	case register.KindEmigration:
		l = y.emigration()
	case register.KindDeath:
		l = y.death()
	case register.KindName:
		l = y.name(seq)
	case register.KindMarriage:
		l = y.marriage()
	case register.KindDivorce:
		l = y.divorce()
	case register.KindProtection:
		l = y.protection()
	case register.KindPNRChange:
		l, err = y.pnrChange(seq)
	case register.KindCorrection:
		l = y.correction(seq)
	}
	if err != nil || l == nil {
		return err
	}
	y.seq = seq
	l.Seq, l.Day, l.Kind = seq, y.today.String(), k.String()
	if l.Related == nil {
		l.Related = []string{}
	}
	y.kinds[l.Kind]++
	for _, rt := range y.routed {
		p := &y.m.ps[rt.i]
		p.day = y.dayNo
		k1 := rt.k1
		if rt.after {
			k1 = p.kommune
		}
		y.ix.route(k, p.pnr, p.birth, k1, rt.k2, y.today, func(slot int32) { y.counts[slot]++ })
	}
	return y.changes.put(l)
}

func body(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the bodies are plain structs
	}
	return b
}

func addrBody(a address.Address) *addrIn {
	return &addrIn{Kommunekode: fmt.Sprintf("%04d", a.Kommunekode), Vejkode: fmt.Sprintf("%04d", a.Vejkode),
		Husnr: a.Husnr, Etage: a.Etage, Sidedoer: a.Sidedoer}
}

func nmBody(n register.Name) *nameIn {
	return &nameIn{First: n.First, Middle: n.Middle, Last: n.Last, Addressing: register.AddressingName(n)}
}

// pick returns a random person for whom ok holds and who is not touched
// today, or -1.
func (y *year) pick(ok func(p *mperson) bool) int32 {
	for range 20_000 {
		i := int32(y.r.IntN(len(y.m.ps)))
		if p := &y.m.ps[i]; p.day != y.dayNo && ok(p) {
			return i
		}
	}
	return -1
}

func (y *year) free(i int32) bool { return i < 0 || y.m.ps[i].day != y.dayNo }

// back is a day up to n days before today, not before lo.
func (y *year) back(lo date.Date, n int) date.Date {
	return max(y.today.AddDays(-y.r.IntN(n+1)), lo)
}

// kommune is a kommune drawn by population: where a random resident lives.
func (y *year) kommune() uint16 {
	for {
		if p := &y.m.ps[y.r.IntN(len(y.m.ps))]; p.resident() && p.kommune != 0 {
			return p.kommune
		}
	}
}

// newAddress is an ordinary address in kommune k other than the person's.
func (y *year) newAddress(i int32, k uint16) address.Address {
	cur := y.m.address(i)
	for {
		if a := y.roads.RandomAddress(y.r, k); a != cur {
			return a
		}
	}
}

func (y *year) touch(i int32, k1, k2 uint16) {
	y.routed = append(y.routed, routed{i: i, k1: k1, k2: k2})
}
func (y *year) related(i int32)      { y.routed = append(y.routed, routed{i: i, after: true}) }
func (y *year) pnrOf(i int32) string { return y.m.ps[i].pnr.String() }
func (y *year) firstName(sex pnr.Sex) uint32 {
	return y.m.ps[y.pick(func(p *mperson) bool { return p.sex == sex && p.age(y.today) < 30 })].first
}
func (y *year) someLast() uint32          { return y.m.ps[y.r.IntN(len(y.m.ps))].last }
func adult(p *mperson, on date.Date) bool { return p.age(on) >= 18 }
func (y *year) setName(p *mperson, from date.Date, seq uint64) {
	p.nameFrom, p.nameSeq = from, uint32(seq)
}

// status picks the day's three status extracts. Two are of subscribers
// with marks drawn at random among those with at most 20,000 marks at
// scale 1 (most hold a few thousand). The third is, on the first working
// day of each quarter, one of the four biggest kommuner (a pass over the
// whole register), and otherwise another subscriber with marks.
func (y *year) status(d int) []StatusSpec {
	var small, holders, kommuner []int
	limit := max(20, scaled(20_000, y.cfg.Scale))
	for slot, s := range y.ix.subs {
		switch {
		case s.marks && len(s.kommuner) == 0:
			holders = append(holders, slot)
			if s.nMarks <= limit {
				small = append(small, slot)
			}
		case len(s.kommuner) > 0:
			kommuner = append(kommuner, slot)
		}
	}
	if len(small) == 0 {
		small = holders
	}
	var out []StatusSpec
	add := func(slot int, n int64) {
		s := y.ix.subs[slot]
		f := "p12170"
		if s.spec.Kind != "public" {
			f = "jsonl"
		}
		out = append(out, StatusSpec{Subscriber: s.spec.ID, AsOf: y.today.String(), Format: f, Persons: n})
		y.statusExtracts++
		y.expected.StatusExtractPersons += n
	}
	marked := func() {
		slot := small[y.r.IntN(len(small))]
		add(slot, int64(y.ix.subs[slot].nMarks))
	}
	marked()
	marked()
	quarter := d == 0 || (y.days[d].Month()-1)/3 != (y.days[d-1].Month()-1)/3
	if !quarter || len(kommuner) == 0 {
		marked()
		return out
	}
	count := map[uint16]int64{}
	for i := range y.m.ps {
		count[y.m.ps[i].kommune]++
	}
	slices.SortFunc(kommuner, func(a, b int) int {
		return cmp.Compare(count[y.ix.subs[b].kommuner[0]], count[y.ix.subs[a].kommuner[0]])
	})
	slot := kommuner[(int(y.days[d].Month())-1)/3%min(4, len(kommuner))]
	add(slot, count[y.ix.subs[slot].kommuner[0]])
	return out
}
