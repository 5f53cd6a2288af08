package bench

import (
	"bufio"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
	"cpr/register"
)

// gsub is a subscriber as the generator routes to it.
type gsub struct {
	spec     SubscriberSpec
	kommuner []uint16
	kinds    uint32 // bit k: register.Kind k; 0: all
	ageMin   int
	ageMax   int
	marks    bool
	nMarks   int
}

// subIndex routes changes the way subscription.Router does.
type subIndex struct {
	subs      []*gsub // by slot, ascending id
	everyone  []int32
	byKommune map[uint16][]int32
	marks     []uint64 // sorted pnr<<slotBits | slot
	slotBits  uint
	stamp     []uint32 // per slot: the last person counted
	serial    uint32
}

var (
	scopeAuthority = []string{"address", "clear_address", "name", "civil_status", "children", "parents", "protection"}
	scopeKommune   = []string{"address", "clear_address", "name", "civil_status", "children", "parents", "protection"}
	scopeBank      = []string{"address", "clear_address", "name", "civil_status", "protection"}
)

// makeSubscribers builds n subscribers (at least 130): authorities with
// the whole country, the 98 kommuner, subscribers of only deaths or only
// moves, two research recipients, and banks and insurers with marks.
func makeSubscribers(n int) []*gsub {
	n = max(n, 130)
	var out []*gsub
	add := func(id, name, kind string, scope []string, c CircleSpec) {
		out = append(out, &gsub{spec: SubscriberSpec{ID: id, Name: name, Kind: kind, Scope: scope, Circle: c}})
	}
	add("skat", "Skattestyrelsen", "public", scopeAuthority, CircleSpec{})
	add("udbetaling-danmark", "Udbetaling Danmark", "public", scopeAuthority, CircleSpec{})
	add("danmarks-statistik", "Danmarks Statistik", "public", append(slices.Clone(scopeAuthority), "history"), CircleSpec{})
	add("rigspolitiet", "Rigspolitiet", "public", []string{"address", "name", "protection"}, CircleSpec{})
	add("sundhedsdatastyrelsen", "Sundhedsdatastyrelsen", "public", []string{"address", "name", "parents", "children"}, CircleSpec{})
	add("styrelsen-for-arbejdsmarked", "Styrelsen for Arbejdsmarked og Rekruttering", "public", []string{"address", "name", "civil_status", "children"}, CircleSpec{})
	add("valgregistret", "Indenrigsministeriet, valglister", "public", []string{"address", "clear_address", "name"}, CircleSpec{Age: &AgeSpec{Min: 18}})
	for _, k := range address.Kommuner() {
		add(fmt.Sprintf("k%04d", k.Code), k.Name+" Kommune", "public", scopeKommune,
			CircleSpec{Kommuner: []string{fmt.Sprintf("%04d", k.Code)}})
	}
	add("atp", "ATP, dødsfald", "public", []string{"name", "civil_status"}, CircleSpec{Kinds: []string{"death"}})
	add("skifteretten", "Skifteretten, dødsfald", "public", []string{"address", "name", "civil_status", "children"}, CircleSpec{Kinds: []string{"death"}})
	add("adresseregistret", "Adresseregistret, flytninger", "public", []string{"address", "clear_address"}, CircleSpec{Kinds: []string{"move", "emigration", "immigration"}})
	add("pension-doedsfald", "Pensionskassen, dødsfald", "private", []string{"name"}, CircleSpec{Marks: true, Kinds: []string{"death"}})
	add("forsikring-flytning", "Forsikringen, flytninger", "private", []string{"address", "clear_address"}, CircleSpec{Marks: true, Kinds: []string{"move"}})
	add("forskning-boern", "Forskningsprojekt, børn og familier", "research", []string{"civil_status", "history"}, CircleSpec{Age: &AgeSpec{Max: 17}})
	add("forskning-aeldre", "Forskningsprojekt, ældre", "research", []string{"civil_status"}, CircleSpec{Age: &AgeSpec{Min: 65}})
	rest := n - len(out)
	banks := rest * 2 / 3
	for i := range rest {
		if i < banks {
			add(fmt.Sprintf("bank-%04d", i+1), fmt.Sprintf("Bank %d", i+1), "private", scopeBank, CircleSpec{Marks: true})
		} else {
			add(fmt.Sprintf("forsikring-%04d", i-banks+1), fmt.Sprintf("Forsikring %d", i-banks+1), "private", scopeBank, CircleSpec{Marks: true})
		}
	}
	for i, s := range out {
		s.spec.TaskNumber = 1000 + i
		s.marks = s.spec.Circle.Marks || s.spec.Kind == "private"
		for _, k := range s.spec.Circle.Kommuner {
			v, _ := strconv.Atoi(k)
			s.kommuner = append(s.kommuner, uint16(v))
		}
		for _, k := range s.spec.Circle.Kinds {
			kk, _ := register.ParseKind(k)
			s.kinds |= 1 << kk
		}
		if a := s.spec.Circle.Age; a != nil {
			s.ageMin, s.ageMax = a.Min, a.Max
		}
	}
	slices.SortFunc(out, func(a, b *gsub) int { return strings.Compare(a.spec.ID, b.spec.ID) })
	return out
}

// markSizes shares total marks among the subscribers with marks: a few
// with about a tenth each, most with a few thousand (at scale 1).
func markSizes(subs []*gsub, total int) {
	var holders []*gsub
	for _, s := range subs {
		if s.marks {
			holders = append(holders, s)
		}
	}
	w := make([]float64, len(holders))
	sum := 0.0
	for i := range w {
		w[i] = 1 / math.Pow(float64(i)+3, 1.15)
		sum += w[i]
	}
	left := total
	for i, s := range holders {
		s.nMarks = max(1, int(float64(total)*w[i]/sum))
		left -= s.nMarks
	}
	for i := 0; left > 0; i = (i + 1) % len(holders) {
		holders[i].nMarks++
		left--
	}
}

// writeSubscribers writes subscribers.json and marks.csv and builds the
// routing index. Marks go to living adults of the loaded population.
func writeSubscribers(dir string, subs []*gsub, m *model, loaded int, first date.Date, r *rand.Rand) (*subIndex, int, error) {
	specs := make([]SubscriberSpec, len(subs))
	for i, s := range subs {
		specs[i] = s.spec
	}
	if err := writeJSON(filepath.Join(dir, FileSubscribers), specs); err != nil {
		return nil, 0, err
	}
	ix := &subIndex{subs: subs, byKommune: map[uint16][]int32{}, stamp: make([]uint32, len(subs))}
	ix.slotBits = uint(bits.Len(uint(len(subs))))
	f, err := os.Create(filepath.Join(dir, FileMarks))
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	bw.WriteString("subscriber,pnr,key\n")
	seen := make([]uint64, (loaded+63)/64)
	total := 0
	for slot, s := range subs {
		for _, k := range s.kommuner {
			ix.byKommune[k] = append(ix.byKommune[k], int32(slot))
		}
		if len(s.kommuner) == 0 && !s.marks {
			ix.everyone = append(ix.everyone, int32(slot))
		}
		want := min(s.nMarks, loaded/2)
		clear(seen)
		var picked []int32
		for tries := 0; len(picked) < want && tries < 50*want+1000; tries++ {
			i := int32(r.IntN(loaded))
			p := &m.ps[i]
			if seen[i/64]&(1<<(i%64)) != 0 || !p.alive() || p.age(first) < 18 {
				continue
			}
			seen[i/64] |= 1 << (i % 64)
			picked = append(picked, i)
		}
		slices.Sort(picked)
		s.nMarks = len(picked)
		for n, i := range picked {
			p := m.ps[i].pnr
			bw.WriteString(s.spec.ID)
			bw.WriteByte(',')
			bw.WriteString(p.String())
			bw.WriteByte(',')
			bw.WriteString(markKey(n))
			bw.WriteByte('\n')
			ix.marks = append(ix.marks, uint64(p)<<ix.slotBits|uint64(slot))
		}
		total += len(picked)
	}
	slices.Sort(ix.marks)
	if err := bw.Flush(); err != nil {
		return nil, 0, err
	}
	return ix, total, f.Close()
}

// markKey is the customer key of the n-th mark (from 0) of a subscriber, as
// marks.csv writes it.
func markKey(n int) string { return "K" + strings.ToUpper(strconv.FormatUint(uint64(n+1), 36)) }

// route counts the deliveries of one touched person: k1 and k2 are the
// kommuner it is routed by. count is called once per subscriber that gets
// the person.
func (ix *subIndex) route(kind register.Kind, p pnr.PNR, birth date.Date, k1, k2 uint16, on date.Date, count func(slot int32)) {
	ix.serial++
	age := -1
	try := func(slot int32) {
		if ix.stamp[slot] == ix.serial {
			return
		}
		s := ix.subs[slot]
		if s.kinds != 0 && s.kinds&(1<<kind) == 0 {
			return
		}
		if s.ageMin > 0 || s.ageMax > 0 {
			if age < 0 {
				age = birth.YearsOn(on)
			}
			if age < s.ageMin || (s.ageMax > 0 && age > s.ageMax) {
				return
			}
		}
		ix.stamp[slot] = ix.serial
		count(slot)
	}
	for _, s := range ix.everyone {
		try(s)
	}
	if k1 != 0 {
		for _, s := range ix.byKommune[k1] {
			try(s)
		}
	}
	if k2 != 0 && k2 != k1 {
		for _, s := range ix.byKommune[k2] {
			try(s)
		}
	}
	lo, _ := slices.BinarySearch(ix.marks, uint64(p)<<ix.slotBits)
	for i := lo; i < len(ix.marks) && ix.marks[i]>>ix.slotBits == uint64(p); i++ {
		try(int32(ix.marks[i] & (1<<ix.slotBits - 1)))
	}
}
