package bench

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"cpr/address"
	"cpr/date"
	"cpr/population"
	"cpr/register"
)

// GenConfig says what workload Gen writes. The zero value (with Out set)
// is the full country: 6 million persons, a year of changes at Danish
// rates, 1,000 subscribers with 10 million marks.
type GenConfig struct {
	// Out is the directory to write to (created if missing).
	Out string
	// Scale multiplies the population, the changes and the marks (default 1).
	Scale float64
	// Seed selects the workload (default 1).
	Seed uint64
	// Subscribers is how many subscribers (default 1,000; at least 130).
	Subscribers int
	// Marks is how many pnr marks the subscribers hold in all (default
	// 10 million times Scale).
	Marks int
	// Days limits the year to its first Days working days (0: all).
	Days int
	// Concurrency is the replay concurrency written to the manifest (default 64).
	Concurrency int
	// Logf, if set, is told the progress.
	Logf func(format string, args ...any)
}

// PopulationToday is the day the population snapshot describes; the year
// simulated is the next one.
const PopulationToday date.Date = 20250101

// Full-scale figures: the population and the changes of a year.
const (
	fullPersons = 6_000_000
	fullMarks   = 10_000_000
)

// yearRates are the changes of a year at scale 1 (Denmark, about 2024).
var yearRates = []struct {
	kind register.Kind
	n    int
}{
	{register.KindMove, 900_000},
	{register.KindImmigration, 90_000},
	{register.KindEmigration, 65_000},
	{register.KindBirth, 60_000},
	{register.KindDeath, 57_000},
	{register.KindName, 40_000},
	{register.KindMarriage, 30_000},
	{register.KindProtection, 20_000},
	{register.KindDivorce, 15_000},
	{register.KindCorrection, 8_000},
	{register.KindPNRChange, 1_500},
}

func (c *GenConfig) defaults() {
	if c.Scale <= 0 {
		c.Scale = 1
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Subscribers <= 0 {
		c.Subscribers = 1000
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 64
	}
	if c.Marks <= 0 {
		c.Marks = scaled(fullMarks, c.Scale)
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
}

func scaled(n int, f float64) int { return int(math.Round(float64(n) * f)) }

// Gen writes a workload (see README.md, "Workload format") and returns its
// manifest.
func Gen(ctx context.Context, cfg GenConfig) (Manifest, error) {
	cfg.defaults()
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return Manifest{}, err
	}
	start := time.Now()
	roads := address.Demo()
	rf, err := os.Create(filepath.Join(cfg.Out, FileRoads))
	if err != nil {
		return Manifest{}, err
	}
	if err := roads.WriteTSV(rf); err != nil {
		rf.Close()
		return Manifest{}, err
	}
	if err := rf.Close(); err != nil {
		return Manifest{}, err
	}

	persons := max(scaled(fullPersons, cfg.Scale), 1000)
	m := newModel(persons + persons/20)
	if err := writePopulation(ctx, filepath.Join(cfg.Out, FilePopulation), m, persons, cfg.Seed, roads); err != nil {
		return Manifest{}, err
	}
	cfg.Logf("population: %d persons in %s", persons, time.Since(start).Round(time.Millisecond))

	days := WorkingDays(PopulationToday)
	if cfg.Days > 0 && cfg.Days < len(days) {
		days = days[:cfg.Days]
	}
	r := rand.New(rand.NewPCG(cfg.Seed, 0xBE7C4))
	subs := makeSubscribers(cfg.Subscribers)
	markSizes(subs, max(cfg.Marks, len(subs)))
	ix, marks, err := writeSubscribers(cfg.Out, subs, m, len(m.ps), days[0], r)
	if err != nil {
		return Manifest{}, err
	}
	cfg.Logf("subscribers: %d with %d marks", len(subs), marks)

	y := &year{m: m, ix: ix, roads: roads, r: r, days: days, cfg: &cfg, kinds: map[string]int{}}
	if err := y.write(ctx, cfg.Out); err != nil {
		return Manifest{}, err
	}
	man := Manifest{
		Version: FormatVersion, Scale: cfg.Scale, Seed: cfg.Seed, PopulationToday: PopulationToday.String(),
		FirstDay: days[0].String(), LastDay: days[len(days)-1].String(), Days: len(days),
		Persons: persons, Changes: int(y.seq), Subscribers: len(subs), Marks: marks,
		StatusExtracts: y.statusExtracts, Concurrency: cfg.Concurrency, Kinds: y.kinds, Expected: y.expected,
	}
	if err := writeJSON(filepath.Join(cfg.Out, FileManifest), man); err != nil {
		return Manifest{}, err
	}
	cfg.Logf("workload written in %s: %d changes over %d days", time.Since(start).Round(time.Millisecond), y.seq, len(days))
	return man, nil
}

// populationHeader is the header row of population.csv.
var populationHeader = []string{"pnr", "sex", "birth_date", "status", "status_from",
	"first_name", "middle_name", "last_name", "addressing_name", "name_from",
	"kommunekode", "vejkode", "husnr", "etage", "sidedoer", "address_from",
	"foreign_country", "foreign_lines", "civil", "spouse", "civil_from",
	"mother", "father", "children", "citizenship", "citizenship_from", "protections"}

func writePopulation(ctx context.Context, path string, m *model, persons int, seed uint64, roads *address.Roads) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	if err := w.Write(populationHeader); err != nil {
		return err
	}
	ls := make([]links, 0, persons)
	row := make([]string, len(populationHeader))
	n := 0
	for p := range population.Generate(population.Config{Persons: persons, Seed: seed, Roads: roads, Today: PopulationToday}) {
		if n++; n%65536 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		personRow(row, p)
		if err := w.Write(row); err != nil {
			return err
		}
		m.add(p)
		ls = append(ls, links{p.Civil.Spouse, p.Mother, p.Father})
	}
	m.resolve(ls)
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Close()
}

func pad4(v uint16) string {
	if v == 0 {
		return ""
	}
	return fmt.Sprintf("%04d", v)
}

func pnrText(p interface {
	IsZero() bool
	String() string
}) string {
	if p.IsZero() {
		return ""
	}
	return p.String()
}

// personRow fills row with p's columns of population.csv.
func personRow(row []string, p *register.Person) {
	a := p.Residence.Address
	children := make([]string, len(p.Children))
	for i, c := range p.Children {
		children[i] = c.String()
	}
	prots := make([]string, len(p.Protections))
	for i, pp := range p.Protections {
		prots[i] = fmt.Sprintf("%04d:%s:%s", pp.Type, pp.From, pp.To)
	}
	copy(row, []string{
		p.PNR.String(), p.Sex.String(), p.BirthDate.String(), fmt.Sprintf("%02d", p.Status), p.StatusFrom.String(),
		p.Name.First, p.Name.Middle, p.Name.Last, p.Name.Addressing, p.Name.From.String(),
		pad4(a.Kommunekode), pad4(a.Vejkode), a.Husnr, a.Etage, a.Sidedoer, p.Residence.From.String(),
		pad4(p.Residence.Foreign.Country), strings.Join(p.Residence.Foreign.Lines, "|"),
		p.Civil.Code.String(), pnrText(p.Civil.Spouse), p.Civil.From.String(),
		pnrText(p.Mother), pnrText(p.Father), strings.Join(children, ";"),
		pad4(p.Citizenship), p.CitizenFrom.String(), strings.Join(prots, ";"),
	})
}

// itoa is strconv.Itoa, short.
func itoa(v int) string { return strconv.Itoa(v) }
