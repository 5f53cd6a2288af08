package extract

import (
	"cpr/extract/p12170"
	"cpr/subscription"
)

// Estimate is the size of an extract, known before it is made.
type Estimate struct {
	Persons int   `json:"persons"`
	Records int   `json:"records"`
	Bytes   int64 `json:"bytes"`
}

// What a person carries on average, by scope: records and their count.
var perPerson = []struct {
	scope   subscription.Scope
	record  string
	records float64
}{
	{subscription.ScopePerson, "001", 1},
	{subscription.ScopeAddress, "002", 0.98},
	{subscription.ScopeClearAddress, "003", 0.98},
	{subscription.ScopeProtection, "004", 0.08},
	{subscription.ScopeName, "008", 1},
	{subscription.ScopeCivil, "012", 1},
	{subscription.ScopeChildren, "014", 0.5},
	{subscription.ScopeParents, "015", 0.3},
	{subscription.ScopeHistory, "023", 0.5},
	{subscription.ScopeHistory, "026", 0.2},
	{subscription.ScopeHistory, "029", 0.4},
}

// EstimateStatus sizes the status extract of subscriber id, from
// Pebble's disk-space estimates and the subscriber's marks: no person is
// read.
func (x *Extractor) EstimateStatus(id string, f Format) (Estimate, error) {
	s, marks, err := x.Subs.Get(id)
	if err != nil {
		return Estimate{}, err
	}
	all, inK, err := x.Reg.EstimatePersons(s.Circle.Kommuner)
	if err != nil {
		return Estimate{}, err
	}
	var e Estimate
	switch {
	case len(s.Circle.Kommuner) > 0:
		e.Persons = inK + marks
	case s.UsesMarks():
		e.Persons = marks
	default:
		e.Persons = all
	}
	if s.Circle.AgeMin > 0 || s.Circle.AgeMax > 0 {
		span := s.Circle.AgeMax - s.Circle.AgeMin
		if s.Circle.AgeMax == 0 {
			span = 100 - s.Circle.AgeMin
		}
		e.Persons = e.Persons * max(span, 1) / 100
	}
	var recs, bytes float64
	for _, pp := range perPerson {
		if s.Scope.Has(pp.scope) {
			r, _ := p12170.Lookup(pp.record)
			recs += pp.records
			bytes += pp.records * float64(r.Len+1)
		}
	}
	e.Records = int(recs*float64(e.Persons)) + 2
	switch f {
	case JSONL:
		bytes *= 1.4
	case CSV:
		bytes *= 0.6
	}
	e.Bytes = int64(bytes*float64(e.Persons)) + 100
	return e, nil
}
