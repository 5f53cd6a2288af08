package access

import (
	"errors"
	"fmt"
	"slices"

	"cpr/pnr"
	"cpr/register"
)

// maxPNRChain bounds the walk of a person's numbers (a guard against a
// loop in bad data; a person has one or two numbers in practice).
const maxPNRChain = 16

// PNRs returns every number person p has had, oldest first, p among
// them: the register's pnr change links (an old number's CurrentPNR, a
// new one's PreviousPNR) are followed both ways. A number the register
// does not hold is returned alone.
func (s *Service) PNRs(p pnr.PNR) ([]pnr.PNR, error) {
	get := func(n pnr.PNR) (*register.Person, error) {
		q, err := s.reg.Get(n)
		if errors.Is(err, register.ErrNotFound) {
			return nil, nil
		} else if err != nil {
			return nil, fmt.Errorf("access: read person: %w", err)
		}
		return q, nil
	}
	newest := p
	for range maxPNRChain {
		q, err := get(newest)
		if err != nil {
			return nil, err
		}
		if q == nil || q.CurrentPNR.IsZero() || q.CurrentPNR == newest {
			break
		}
		newest = q.CurrentPNR
	}
	out := []pnr.PNR{newest}
	for n := newest; len(out) < maxPNRChain; {
		q, err := get(n)
		if err != nil {
			return nil, err
		}
		if q == nil || q.PreviousPNR.IsZero() || slices.Contains(out, q.PreviousPNR) {
			break
		}
		n = q.PreviousPNR
		out = append(out, n)
	}
	if !slices.Contains(out, p) {
		out = append(out, p) // a broken link: keep the number asked about
	}
	slices.Reverse(out)
	return out, nil
}
