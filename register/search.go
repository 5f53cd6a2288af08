package register

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/cockroachdb/pebble/v2"

	"cpr/address"
	"cpr/date"
	"cpr/pnr"
)

// Query is a search. At least one of Name, a birth date range or Address
// must be given; Sex and Kommune only narrow the others.
type Query struct {
	Name      string // "Jens Hansen", "Hansen, Jens" or "hansen": the last word (or the word before a comma) is the last name
	Phonetic  bool   // also match names that sound alike
	BirthFrom date.Date
	BirthTo   date.Date
	Sex       pnr.Sex
	Kommune   uint16 // lives in this kommune now
	Address   *AddressQuery
	After     pnr.PNR // paging cursor: results after this pnr
	Limit     int     // default 20, at most 500
	// Hide, when set, leaves out persons the caller may not be shown
	// (a search by a lookup user does not list 0001 persons). A hidden
	// person neither fills a page nor ends one.
	Hide func(*Person) bool
}

// AddressQuery finds who lives or lived at an address: a road (Kommune,
// Vejkode), a house (Husnr too) or a unit (Etage and Sidedoer too).
type AddressQuery struct {
	Kommune, Vejkode uint16
	Husnr            string
	Etage, Sidedoer  string
	On               date.Date // lived there on this day (zero: today)
	Historical       bool      // anyone who ever lived there
}

// maxCandidates bounds the work of one search.
const maxCandidates = 500_000

// Search returns the persons matching q, in pnr order, and the cursor for
// the next page: the last person returned, and only when at least one more
// person matches (zero otherwise, so no page after a cursor is empty).
// Persons whose number was replaced, annulled or deleted as a duplicate,
// and those q.Hide leaves out, are skipped and do not count towards the
// page. The work of one call is bounded by the candidates of the query
// (at most maxCandidates), each read once.
func (r *Register) Search(q Query) ([]*Person, pnr.PNR, error) {
	if q.Limit <= 0 {
		q.Limit = 20
	}
	q.Limit = min(q.Limit, 500)
	today := date.InCopenhagen(r.clock())
	var (
		cands []pnr.PNR
		err   error
	)
	splits := splitName(q.Name)
	switch {
	case q.Address != nil:
		cands, err = r.addressCandidates(q.Address, today)
	case len(splits) > 0:
		for _, sp := range splits {
			c, err := r.nameCandidates(sp.last, q.Phonetic)
			if err != nil {
				return nil, 0, err
			}
			cands = append(cands, c...)
		}
	case q.BirthFrom != 0 || q.BirthTo != 0:
		to := q.BirthTo
		if to == 0 {
			to = today
		}
		err = r.ByBirthDate(q.BirthFrom, to, func(p pnr.PNR) bool {
			cands = append(cands, p)
			return len(cands) < maxCandidates
		})
	default:
		return nil, 0, invalid("query", "give a name, a birth date or an address")
	}
	if err != nil {
		return nil, 0, err
	}
	slices.Sort(cands)
	cands = slices.Compact(cands)
	start, _ := slices.BinarySearch(cands, q.After+1)
	var out []*Person
	for _, p := range cands[start:] {
		person, err := r.Get(p)
		if err == ErrNotFound {
			continue
		} else if err != nil {
			return nil, 0, err
		}
		if !matches(person, q, splits) || (q.Hide != nil && q.Hide(person)) {
			continue
		}
		if len(out) == q.Limit {
			// One more person is shown after this page: the cursor is
			// the last person on it, never a candidate left out.
			return out, out[len(out)-1].PNR, nil
		}
		out = append(out, person)
	}
	return out, 0, nil
}

func matches(p *Person, q Query, splits []nameSplit) bool {
	switch p.Status {
	case StatusPNRChanged, StatusAnnulled, StatusDuplicate:
		return false
	}
	if q.Sex != 0 && p.Sex != q.Sex {
		return false
	}
	if q.Kommune != 0 && p.Kommune() != q.Kommune {
		return false
	}
	if (q.BirthFrom != 0 && p.BirthDate < q.BirthFrom) || (q.BirthTo != 0 && p.BirthDate > q.BirthTo) {
		return false
	}
	if len(splits) == 0 {
		return true
	}
	have := strings.Fields(FoldName(p.Name.First + " " + p.Name.Middle))
	for _, sp := range splits {
		if FoldName(p.Name.Last) != sp.last && !(q.Phonetic && phoneticWords(p.Name.Last) == phoneticWords(sp.last)) {
			continue
		}
		if !slices.ContainsFunc(sp.given, func(g string) bool {
			return !slices.ContainsFunc(have, func(h string) bool {
				return strings.HasPrefix(h, g) || (q.Phonetic && PhoneticName(h) == PhoneticName(g))
			})
		}) {
			return true
		}
	}
	return false
}

// nameSplit is one reading of a name query: a last name and given names.
type nameSplit struct {
	last  string
	given []string
}

// splitName reads a name query. "Hansen, Jens" is one reading; "Karla de
// Vries" is read with the last name "vries", "de vries" and "karla de
// vries" in turn, since last names can have several words.
func splitName(s string) []nameSplit {
	if i := strings.IndexByte(s, ','); i >= 0 {
		last := FoldName(s[:i])
		if last == "" {
			return nil
		}
		return []nameSplit{{last, strings.Fields(FoldName(s[i+1:]))}}
	}
	words := strings.Fields(FoldName(s))
	var out []nameSplit
	for i := len(words) - 1; i >= 0 && len(out) < 3; i-- {
		out = append(out, nameSplit{strings.Join(words[i:], " "), words[:i]})
	}
	return out
}

func phoneticWords(s string) string {
	var out []string
	for _, w := range strings.Fields(FoldName(s)) {
		out = append(out, PhoneticName(w))
	}
	return strings.Join(out, " ")
}

func (r *Register) nameCandidates(last string, phonetic bool) ([]pnr.PNR, error) {
	var out []pnr.PNR
	scan := func(tag byte, key string) error {
		prefix := append(append([]byte{tag}, key...), 0)
		return r.scanKeys(prefix, func(k []byte) bool {
			_, _, p, err := decodeNameKey(k)
			if err == nil {
				out = append(out, p)
			}
			return len(out) < maxCandidates
		})
	}
	if err := scan(tagName, last); err != nil {
		return nil, err
	}
	if phonetic {
		if err := scan(tagPhonetic, phoneticWords(last)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (r *Register) addressCandidates(q *AddressQuery, today date.Date) ([]pnr.PNR, error) {
	a := address.Address{Kommunekode: q.Kommune, Vejkode: q.Vejkode, Husnr: q.Husnr, Etage: q.Etage, Sidedoer: q.Sidedoer}
	key := appendResidencePrefix(nil, a)
	switch {
	case q.Etage != "" || q.Sidedoer != "":
	case q.Husnr != "":
		key = key[:1+7] // kommune, vej, husnr, letter
	default:
		key = key[:1+4] // kommune, vej
	}
	on := q.On
	if on == 0 && !q.Historical {
		on = today
	}
	var out []pnr.PNR
	err := r.scanKeysValues(key, func(k, v []byte) bool {
		_, p, from, err := decodeResidenceKey(k)
		if err != nil || len(v) != 4 {
			return true
		}
		to := date.Date(binary.BigEndian.Uint32(v))
		if on == 0 || (from <= on && (to == 0 || on < to)) {
			out = append(out, p)
		}
		return len(out) < maxCandidates
	})
	return out, err
}

func (r *Register) scanKeys(prefix []byte, fn func(k []byte) bool) error {
	return r.scanKeysValues(prefix, func(k, _ []byte) bool { return fn(k) })
}

func (r *Register) scanKeysValues(prefix []byte, fn func(k, v []byte) bool) error {
	it, err := r.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer it.Close()
	for ok := it.First(); ok && bytes.HasPrefix(it.Key(), prefix); ok = it.Next() {
		if !fn(it.Key(), it.Value()) {
			break
		}
	}
	return it.Error()
}
