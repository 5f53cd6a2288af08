package register

import (
	"github.com/cockroachdb/pebble/v2"

	"cpr/date"
	"cpr/pnr"
)

// View is one consistent, read-only view of the register, for a scan
// split into pnr ranges that several goroutines read at once: every range
// sees the same state. It is safe for concurrent use. Close it when done.
type View struct {
	snap *pebble.Snapshot
}

// View opens a view of the register as it is now.
func (r *Register) View() *View { return &View{snap: r.db.NewSnapshot()} }

// Close releases the view.
func (v *View) Close() error { return v.snap.Close() }

// Scan is Register.Scan over the persons from pnr from up to, not
// including, pnr to (0: to the end), as the view holds them.
func (v *View) Scan(from, to pnr.PNR, withHistory bool, fn func(p *Person, history []Entry) bool) error {
	return scanRange(v.snap, from, to, withHistory, fn)
}

// Today is the day by the register's clock, in Danish time: the day Get
// returns the person in force on.
func (r *Register) Today() date.Date { return date.InCopenhagen(r.clock()) }
