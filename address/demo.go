package address

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// Demo's parameters: Demo() returns the same register as
// Synthetic(DemoSeed, DemoRoadsPerKommune).
const (
	DemoSeed            = 0xC0FFEE_2024
	DemoRoadsPerKommune = 200
)

// maxSyntheticRoads caps the ordinary roads Synthetic makes per kommune.
const maxSyntheticRoads = 2000

var demo = sync.OnceValue(func() *Roads { return Synthetic(DemoSeed, DemoRoadsPerKommune) })

// Demo returns a synthetic but realistic road register for all 98 kommuner:
// about 150-400 ordinary roads per kommune (more in København, Aarhus,
// Odense and Aalborg), named the Danish way ("Skovvej", "Kirkestræde",
// "Rosenvænget", plus some real names such as Vesterbrogade and
// Nørrebrogade in København), with vejkoder ascending in alphabetical order
// of name, spaced 2-8 apart from about 0004, and real post districts of the
// kommune. Every kommune also has the special roads 9900 "Uden fast bopæl",
// 9901 "Ukendt adresse" and 9999 "Kommunens adresse", in its main post
// district. The register is built once and is the same in every run.
func Demo() *Roads { return demo() }

// Synthetic builds a register like Demo's from a seed: the same seed and
// roadsPerKommune give the same register. roadsPerKommune is the mean number
// of ordinary roads per kommune (bigger kommuner get up to twice that);
// every kommune gets at least 1 and at most 2000 ordinary roads, plus the
// three special roads. Each kommune's roads depend only on the seed, the
// kommunekode and roadsPerKommune.
func Synthetic(seed uint64, roadsPerKommune float64) *Roads {
	if math.IsNaN(roadsPerKommune) || roadsPerKommune < 0 {
		roadsPerKommune = 0
	}
	var roads []Road
	for _, k := range Kommuner() {
		r := rand.New(rand.NewPCG(seed, uint64(k.Code)))
		roads = append(roads, kommuneRoads(r, k.Code, roadsPerKommune)...)
	}
	rs, err := NewRoads(roads)
	if err != nil {
		panic("address: Synthetic made an invalid register: " + err.Error())
	}
	return rs
}

// kommuneRoads generates one kommune's roads.
func kommuneRoads(r *rand.Rand, kommune uint16, mean float64) []Road {
	w, ok := sizeWeight[kommune]
	if !ok {
		w = 0.8 + 0.45*r.Float64()
	}
	n := int(math.Round(min(mean*w, maxSyntheticRoads)))
	n = max(1, n)

	names := sortDanish(roadNames(r, kommune, n))

	posts := postDistricts[kommune]
	maxStep := min(8, (MinSpecialVejkode-10)/n)
	minStep := min(2, maxStep)
	code := 1 + r.IntN(3)
	roads := make([]Road, 0, n+len(specialRoads))
	for _, name := range names {
		code += minStep + r.IntN(maxStep-minStep+1)
		// The main post district gets a double share.
		p := posts[max(0, r.IntN(len(posts)+1)-1)]
		roads = append(roads, Road{
			Kommunekode: kommune, Vejkode: uint16(code), Name: name,
			AddressingName: addressingName(name), Postnr: p.nr, By: p.by,
		})
	}
	for _, s := range specialRoads {
		roads = append(roads, Road{
			Kommunekode: kommune, Vejkode: s.vejkode, Name: s.name,
			AddressingName: addressingName(s.name), Postnr: posts[0].nr, By: posts[0].by,
		})
	}
	return roads
}

// roadNames returns n distinct road names for a kommune (fewer if there
// are not that many): its famous roads, then stem+suffix compounds, some
// with a prefix, drawn without replacement by weight.
func roadNames(r *rand.Rand, kommune uint16, n int) []string {
	names := make([]string, 0, n)
	used := make(map[string]bool, n)
	add := func(s string) {
		if len(names) < n && !used[s] {
			used[s] = true
			names = append(names, s)
		}
	}
	for _, s := range famousRoads[kommune] {
		add(s)
	}
	// Draw by weight, dropping repeats; when the draws keep repeating
	// (n near the number of candidates), fill up in candidate order.
	cands := nameCandidates()
	total := cands[len(cands)-1].cum
	for tries := 0; len(names) < n && tries < 4*n; tries++ {
		x := r.Float64() * total
		i, _ := slices.BinarySearchFunc(cands, x, func(c nameCandidate, x float64) int {
			return cmp.Compare(c.cum, x)
		})
		add(cands[min(i, len(cands)-1)].name)
	}
	for _, c := range cands {
		if len(names) == n {
			break
		}
		add(c.name)
	}
	return names
}

type nameCandidate struct {
	name string
	cum  float64 // sum of the weights of this and all earlier candidates
}

// nameCandidates lists every generated road name with its cumulative weight.
// A name's weight is its suffix's weight, and 1% of that for each prefixed
// variant.
var nameCandidates = sync.OnceValue(func() []nameCandidate {
	var cs []nameCandidate
	var sum float64
	for _, stem := range stems {
		for _, s := range suffixes {
			name, ok := compound(stem, s.s)
			if !ok {
				continue
			}
			w := float64(s.weight)
			sum += w
			cs = append(cs, nameCandidate{name, sum})
			if strings.Contains(name, " ") {
				continue
			}
			for _, p := range prefixes {
				if !strings.HasPrefix(name, p[:2]) {
					sum += w / 100
					cs = append(cs, nameCandidate{p + " " + name, sum})
				}
			}
		}
	}
	return cs
})

// compound joins stem and suffix, refusing doubled words such as
// "Bakkebakken" or "Enghavehave".
func compound(stem, suffix string) (string, bool) {
	if strings.Contains(strings.ToLower(stem), strings.TrimSuffix(suffix, "en")) {
		return "", false
	}
	return stem + suffix, true
}

// sortDanish sorts names with danishCompare, computing each key once.
func sortDanish(names []string) []string {
	type keyed struct{ key, name string }
	ks := make([]keyed, len(names))
	for i, s := range names {
		ks[i] = keyed{danishKey(s), s}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		return cmp.Or(strings.Compare(a.key, b.key), strings.Compare(a.name, b.name))
	})
	for i, k := range ks {
		names[i] = k.name
	}
	return names
}

// danishCompare orders names alphabetically the Danish way: case-blind,
// with æ, ø, å after z, é as e.
func danishCompare(a, b string) int {
	return cmp.Or(strings.Compare(danishKey(a), danishKey(b)), strings.Compare(a, b))
}

func danishKey(s string) string {
	return strings.Map(func(r rune) rune {
		switch r = unicode.ToLower(r); r {
		case 'æ':
			return '{'
		case 'ø':
			return '|'
		case 'å':
			return '}'
		case 'é':
			return 'e'
		}
		return r
	}, s)
}

// RandomAddress returns a plausible address on an ordinary (never special)
// road of the kommune, drawn with r: husnr 1-200 (mostly low, 10% with a
// letter), etage blank 60% of the time, else kl (rarely), st or 1-5, and
// with a floor mostly a door th, tv or mf. It returns the zero Address if
// the kommune has no ordinary road.
func (rs *Roads) RandomAddress(r *rand.Rand, kommunekode uint16) Address {
	if rs == nil {
		return Address{}
	}
	s, ok := rs.spans[kommunekode]
	if !ok || s.normal == s.lo {
		return Address{}
	}
	road := rs.all[s.lo+r.IntN(s.normal-s.lo)]
	a := Address{Kommunekode: road.Kommunekode, Vejkode: road.Vejkode}

	n := 1 + r.IntN(200)
	if r.IntN(10) < 7 {
		n = 1 + r.IntN(60)
	}
	a.Husnr = strconv.Itoa(n)
	if r.IntN(10) == 0 {
		a.Husnr += string(rune('A' + r.IntN(4)))
	}

	switch x := r.IntN(100); {
	case x < 60:
	case x < 62:
		a.Etage = "kl"
	case x < 78:
		a.Etage = "st"
	default:
		a.Etage = strconv.Itoa(1 + r.IntN(5))
	}
	if a.Etage != "" {
		switch x := r.IntN(100); {
		case x < 44:
			a.Sidedoer = "th"
		case x < 88:
			a.Sidedoer = "tv"
		case x < 94:
			a.Sidedoer = "mf"
		}
	}
	return a
}
