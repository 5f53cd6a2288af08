package population

import "math/rand/v2"

// rng is the generator's random source: a PCG, used directly where speed
// matters, and the same PCG behind a *rand.Rand for the library calls that
// want one (address.Roads.RandomAddress, NormFloat64). Both draw from one
// stream, so a run is a pure function of the seed.
type rng struct {
	src *rand.PCG
	r   *rand.Rand
}

func newRNG(seed1, seed2 uint64) *rng {
	src := rand.NewPCG(seed1, seed2)
	return &rng{src: src, r: rand.New(src)}
}

func (x *rng) u64() uint64 { return x.src.Uint64() }

// float returns a number in [0, 1).
func (x *rng) float() float64 { return float64(x.src.Uint64()>>11) * (1.0 / (1 << 53)) }

// chance reports true with probability p.
func (x *rng) chance(p float64) bool { return x.float() < p }

// intn returns a number in [0, n), n > 0.
func (x *rng) intn(n int) int { return int((x.src.Uint64() >> 32) * uint64(n) >> 32) }

// between returns a day in [lo, hi]; lo when hi < lo.
func (x *rng) between(lo, hi int32) int32 {
	if hi <= lo {
		return lo
	}
	return lo + int32(x.intn(int(hi-lo)+1))
}

// norm returns a normally distributed number with mean mu and deviation sd.
func (x *rng) norm(mu, sd float64) float64 { return mu + sd*x.r.NormFloat64() }

// exp returns an exponentially distributed number with the given mean.
func (x *rng) exp(mean float64) float64 { return mean * x.r.ExpFloat64() }

// alias is a table for drawing an index with given weights in constant
// time (Walker's alias method, Vose's construction).
type alias struct {
	prob  []uint32 // threshold in 1/2^32
	alias []uint16
}

// newAlias builds the table for weights w (at least one positive, at most
// 65535 of them).
func newAlias(w []float64) alias {
	n := len(w)
	var sum float64
	for _, v := range w {
		sum += max(v, 0)
	}
	a := alias{prob: make([]uint32, n), alias: make([]uint16, n)}
	p := make([]float64, n)
	var small, large []int
	for i, v := range w {
		p[i] = max(v, 0) * float64(n) / sum
		if p[i] < 1 {
			small = append(small, i)
		} else {
			large = append(large, i)
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		a.prob[s] = uint32(p[s] * (1 << 32))
		a.alias[s] = uint16(l)
		p[l] -= 1 - p[s]
		if p[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	// What is left is full up to rounding: it always picks itself.
	for _, i := range append(small, large...) {
		a.prob[i] = 1<<32 - 1
		a.alias[i] = uint16(i)
	}
	return a
}

// pick draws an index.
func (a *alias) pick(x *rng) int {
	u := x.u64()
	i := (u >> 32) * uint64(len(a.prob)) >> 32
	if uint32(u) < a.prob[i] {
		return int(i)
	}
	return int(a.alias[i])
}

// names is a list of strings with an alias table over their weights.
type names struct {
	list []string
	tab  alias
}

// ranked weights a list by rank, the way name frequencies fall off: the
// i-th name has weight 1/(i+4).
func ranked(list ...string) names {
	w := make([]float64, len(list))
	for i := range w {
		w[i] = 1 / float64(i+4)
	}
	return names{list: list, tab: newAlias(w)}
}

func (n *names) pick(x *rng) string { return n.list[n.tab.pick(x)] }
