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
// the next page (zero when there is none). Persons whose number was
// replaced, annulled or deleted as a duplicate are left out.
func (r *Register) Search(q Query) ([]*Person, pnr.PNR, error) {
	if q.Limit <= 0 {
		q.Limit = 20
	}
	q.Limit = min(q.Limit, 500)
	today := date.InCopenhagen(r.clock())
	var (
		cands []pnr.PNR
		err   error
		given []string
	)
	last, given := splitName(q.Name)
	switch {
	case q.Address != nil:
		cands, err = r.addressCandidates(q.Address, today)
	case last != "":
		cands, err = r.nameCandidates(last, q.Phonetic)
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
	var out []*Person
	for i, p := range cands {
		if p <= q.After {
			continue
		}
		if len(out) == q.Limit {
			return out, cands[i-1], nil
		}
		person, err := r.Get(p)
		if err == ErrNotFound {
			continue
		} else if err != nil {
			return nil, 0, err
		}
		if matches(person, q, last, given) {
			out = append(out, person)
		}
	}
	return out, 0, nil
}

func matches(p *Person, q Query, last string, given []string) bool {
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
	if last == "" {
		return true
	}
	if FoldName(p.Name.Last) != last && !(q.Phonetic && phoneticWords(p.Name.Last) == phoneticWords(last)) {
		return false
	}
	have := strings.Fields(FoldName(p.Name.First + " " + p.Name.Middle))
	for _, g := range given {
		if !slices.ContainsFunc(have, func(h string) bool {
			return strings.HasPrefix(h, g) || (q.Phonetic && PhoneticName(h) == PhoneticName(g))
		}) {
			return false
		}
	}
	return true
}

// splitName reads a name query: "Hansen, Jens" or "Jens Hansen".
func splitName(s string) (last string, given []string) {
	if i := strings.IndexByte(s, ','); i >= 0 {
		return FoldName(s[:i]), strings.Fields(FoldName(s[i+1:]))
	}
	words := strings.Fields(FoldName(s))
	if len(words) == 0 {
		return "", nil
	}
	return words[len(words)-1], words[:len(words)-1]
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
