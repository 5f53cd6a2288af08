package subscription

import (
	"slices"

	"cpr/date"
	"cpr/pnr"
	"cpr/register"
)

// Delivery is one subscriber's share of a change: the persons the change
// touched that are in its circle.
type Delivery struct {
	Sub  *Subscriber
	PNRs []pnr.PNR
}

// Router routes changes with one snapshot of the index and reusable
// scratch space. It is not safe for concurrent use; make one per goroutine.
type Router struct {
	ix    *index
	cands []int32
	at    map[int32]int
	out   []Delivery
}

// Router returns a router over the subscribers as they are now.
func (r *Registry) Router() *Router {
	return &Router{ix: r.ix.Load(), at: map[int32]int{}}
}

// Route returns the deliveries of one change, ordered by subscriber id.
// kommuneOf gives the current kommune of the other persons the change
// touched (the person it is about is routed by the kommuner of the event:
// before and after). The result is valid until the next call.
func (rt *Router) Route(ev *register.Event, kommuneOf func(pnr.PNR) uint16) []Delivery {
	clear(rt.at)
	rt.out = rt.out[:0]
	rt.person(ev, ev.PNR, ev.KommuneFrom, ev.KommuneTo)
	for _, p := range ev.Related {
		k := uint16(0)
		if kommuneOf != nil {
			k = kommuneOf(p)
		}
		rt.person(ev, p, k, 0)
	}
	slices.SortFunc(rt.out, func(a, b Delivery) int {
		switch {
		case a.Sub.ID < b.Sub.ID:
			return -1
		case a.Sub.ID > b.Sub.ID:
			return 1
		}
		return 0
	})
	return rt.out
}

func (rt *Router) person(ev *register.Event, p pnr.PNR, k1, k2 uint16) {
	ix := rt.ix
	c := append(rt.cands[:0], ix.everyone...)
	if k1 != 0 {
		c = append(c, ix.byKommune[k1]...)
	}
	if k2 != 0 && k2 != k1 {
		c = append(c, ix.byKommune[k2]...)
	}
	lo, _ := slices.BinarySearch(ix.marks, uint64(p)<<slotBits)
	for i := lo; i < len(ix.marks) && ix.marks[i]>>slotBits == uint64(p); i++ {
		c = append(c, int32(ix.marks[i]&(1<<slotBits-1)))
	}
	rt.cands = c
	age := -1
	for _, slot := range c {
		s := ix.subs[slot]
		if len(s.Circle.Kinds) > 0 && !slices.Contains(s.Circle.Kinds, ev.Kind) {
			continue
		}
		if s.Circle.AgeMin > 0 || s.Circle.AgeMax > 0 {
			if age < 0 {
				age = date.Of(p.BirthDate()).YearsOn(date.InCopenhagen(ev.Registered))
			}
			if age < s.Circle.AgeMin || (s.Circle.AgeMax > 0 && age > s.Circle.AgeMax) {
				continue
			}
		}
		i, ok := rt.at[slot]
		if !ok {
			i = len(rt.out)
			rt.at[slot] = i
			if i < cap(rt.out) {
				rt.out = rt.out[:i+1]
				rt.out[i].Sub, rt.out[i].PNRs = s, rt.out[i].PNRs[:0]
			} else {
				rt.out = append(rt.out, Delivery{Sub: s})
			}
		}
		if d := &rt.out[i]; !slices.Contains(d.PNRs, p) {
			d.PNRs = append(d.PNRs, p)
		}
	}
}

// InCircle reports whether person p (as it stands on day on) is in the
// subscriber's circle, for status extracts: marked, or living in one of
// its kommuner, or everyone, and within its age range.
func (r *Registry) InCircle(s *Subscriber, p *register.Person, on date.Date) bool {
	return r.InCircleOf(s, p.PNR, p.Kommune(), p.BirthDate, on)
}

// InAgeRange reports whether a person born on birth is within the
// circle's age range on day on (always, without one).
func (s *Subscriber) InAgeRange(birth, on date.Date) bool {
	if s.Circle.AgeMin == 0 && s.Circle.AgeMax == 0 {
		return true
	}
	age := birth.YearsOn(on)
	return age >= s.Circle.AgeMin && (s.Circle.AgeMax == 0 || age <= s.Circle.AgeMax)
}

// InCircleOf is InCircle for a person given by pnr, kommune (0: no
// address) and birth date: all a circle asks of a person.
func (r *Registry) InCircleOf(s *Subscriber, p pnr.PNR, kommune uint16, birth date.Date, on date.Date) bool {
	if !s.InAgeRange(birth, on) {
		return false
	}
	if len(s.Circle.Kommuner) == 0 && !s.UsesMarks() {
		return true
	}
	if slices.Contains(s.Circle.Kommuner, kommune) {
		return true
	}
	if s.UsesMarks() {
		ix := r.ix.Load()
		if slot, ok := ix.slot[s.ID]; ok {
			_, found := slices.BinarySearch(ix.marks, uint64(p)<<slotBits|uint64(slot))
			return found
		}
	}
	return false
}
