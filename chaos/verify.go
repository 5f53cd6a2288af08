package chaos

import (
	"fmt"
	"path/filepath"

	"github.com/oklog/ulid/v2"

	"cpr/address"
	"cpr/pnr"
	"cpr/register"
)

// ack is a change the server acknowledged (201).
type ack struct {
	pnr pnr.PNR
	to  address.Address
	id  string // the event's ULID
	seq uint64
}

// registerCheck is what the data directory holds, checked against what
// the clients were told.
type registerCheck struct {
	journal []*register.Event
	found   int // acknowledged changes present, once, at their seq
	lost    int // acknowledged changes not found
	// duplicates are events beyond what the clients asked for: more move
	// events of a person than its acknowledged and unanswered moves.
	duplicates int
	// gaps are journal sequence numbers out of step.
	gaps int
	// halfVisible are changes seen in one place (journal, person record,
	// history) but not in another.
	halfVisible int
}

// checkRegister opens the register in dir read-only (the server must be
// stopped) and checks it against acks; unanswered counts the moves of
// each person sent without an answer yet.
func checkRegister(dir string, acks []ack, unanswered map[pnr.PNR]int) (c registerCheck, err error) {
	reg, err := register.Open(filepath.Join(dir, "register"), register.Options{ReadOnly: true, CacheBytes: 16 << 20})
	if err != nil {
		return c, fmt.Errorf("chaos: open the register after the server: %w", err)
	}
	defer func() {
		if cerr := reg.Close(); err == nil {
			err = cerr
		}
	}()
	byPNR := map[pnr.PNR][]*register.Event{}
	if err := reg.Journal(1, func(ev *register.Event) error {
		if ev.Seq != uint64(len(c.journal)+1) {
			c.gaps++
		}
		c.journal = append(c.journal, ev)
		if ev.Kind == register.KindMove {
			byPNR[ev.PNR] = append(byPNR[ev.PNR], ev)
		}
		return nil
	}); err != nil {
		return c, err
	}
	acked := map[pnr.PNR]int{}
	for _, a := range acks {
		acked[a.pnr]++
		if a.seq == 0 || a.seq > uint64(len(c.journal)) {
			c.lost++
			continue
		}
		ev := c.journal[a.seq-1]
		if ulid.ULID(ev.ID).String() != a.id || ev.PNR != a.pnr || ev.Person == nil || ev.Person.Residence.Address != a.to {
			c.lost++
			continue
		}
		c.found++
	}
	for p, evs := range byPNR {
		if extra := len(evs) - acked[p] - unanswered[p]; extra > 0 {
			c.duplicates += extra
		}
		bad, err := personAgrees(reg, p, evs)
		if err != nil {
			return c, err
		}
		c.halfVisible += bad
	}
	return c, nil
}

// personAgrees checks a person's record and history against the move
// events of the journal: the record is at the last event's address, each
// event wrote its history entry, and no history entry lacks its event. It
// returns the number of disagreements.
func personAgrees(reg *register.Register, p pnr.PNR, evs []*register.Event) (int, error) {
	bad := 0
	cur, err := reg.Get(p)
	if err != nil {
		return 0, fmt.Errorf("chaos: read a moved person: %w", err)
	}
	if last := evs[len(evs)-1]; cur.Residence.Address != last.Person.Residence.Address {
		bad++
	}
	hist, err := reg.History(p)
	if err != nil {
		return 0, err
	}
	wrote := map[uint64]address.Address{}
	for _, h := range hist {
		if h.Fact == register.FactAddress && h.Seq > 0 {
			wrote[h.Seq] = h.Address
		}
	}
	inJournal := map[uint64]bool{}
	for _, ev := range evs {
		inJournal[ev.Seq] = true
		if a, ok := wrote[ev.Seq]; !ok || a != ev.Person.Residence.Address {
			bad++
		}
	}
	for seq := range wrote {
		if !inJournal[seq] {
			bad++
		}
	}
	return bad, nil
}
