package peer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Each change is one transaction in two round trips: BEGIN, the rows of
// every person it concerns locked and read (SELECT ... FOR UPDATE, in pnr
// order) and the road checked, in one pipelined batch; then, if the
// register's rules allow the change, its writes (journal row, current
// rows, history rows closed and added) and COMMIT in a second batch. pgx
// prepares every statement once per connection and reuses it.

// Why a change is refused. Like our register's errors, none names a pnr.
var (
	errNotFound     = errors.New("person not found")
	errNotActive    = errors.New("person is not active")
	errDead         = errors.New("person is dead")
	errEmigrated    = errors.New("person has emigrated")
	errNotEmigrated = errors.New("person has not emigrated")
	errNotFree      = errors.New("person is not free to marry")
	errNotMarried   = errors.New("person is not married")
	errUnderage     = errors.New("person is under the age of marriage")
	errTooEarly     = errors.New("effective date before the fact in force")
	errFuture       = errors.New("effective date after the day")
	errSameAddress  = errors.New("person already lives at that address")
	errUnknownRoad  = errors.New("unknown road")
	errNoSuchEntry  = errors.New("no such history entry")
	errNotProtected = errors.New("person has no such protection")
	errBadInput     = errors.New("invalid input")
)

// rejected is a change the peer's rules refused.
type rejected struct{ err error }

func (r *rejected) Error() string { return "refused: " + r.err.Error() }

func refuse(err error) error { return &rejected{err} }

// Status codes and civil status letters, as in our register.
const (
	stActive     = 1
	stSpecial    = 3
	stAnnulled   = 30
	stDuplicate  = 50
	stPNRChanged = 60
	stEmigrated  = 80
	stDisapp     = 70
	stDead       = 90
)

// prow is a person row as the changes read it.
type prow struct {
	PNR                         int64
	Status                      int16
	StatusFrom                  *time.Time
	Sex                         string
	Birth                       time.Time
	First, Middle, Last, Addr   string
	NameFrom                    *time.Time
	Kommune, Vejkode            int16
	Husnr, Etage, Sidedoer      string
	AddressFrom, KommuneFrom    *time.Time
	PrevKommune, ForeignCountry *int16
	ForeignLines                []string
	Civil                       string
	Spouse                      *int64
	CivilFrom                   *time.Time
	Mother, Father              *int64
	Children                    []int64
	Citizenship                 int16
	CitizenFrom                 *time.Time
	Protections                 []int16 // types in force
	ProtFrom                    []time.Time
}

const selectPersons = `SELECT p.pnr, p.status, p.status_from, p.sex, p.birth_date, p.first_name, p.middle_name, p.last_name,
 p.addressing_name, p.name_from, p.kommune, p.vejkode, p.husnr, p.etage, p.sidedoer, p.address_from, p.kommune_from,
 p.previous_kommune, p.foreign_country, p.foreign_lines, p.civil, p.spouse, p.civil_from, p.mother, p.father, p.children,
 p.citizenship, p.citizen_from,
 ARRAY(SELECT type FROM protection x WHERE x.pnr = p.pnr AND x.valid_to IS NULL ORDER BY type),
 ARRAY(SELECT valid_from FROM protection x WHERE x.pnr = p.pnr AND x.valid_to IS NULL ORDER BY type)
 FROM person p WHERE p.pnr = ANY($1) ORDER BY p.pnr FOR UPDATE OF p`

func scanPerson(rows pgx.Rows) (*prow, error) {
	p := &prow{}
	err := rows.Scan(&p.PNR, &p.Status, &p.StatusFrom, &p.Sex, &p.Birth, &p.First, &p.Middle, &p.Last, &p.Addr, &p.NameFrom,
		&p.Kommune, &p.Vejkode, &p.Husnr, &p.Etage, &p.Sidedoer, &p.AddressFrom, &p.KommuneFrom, &p.PrevKommune,
		&p.ForeignCountry, &p.ForeignLines, &p.Civil, &p.Spouse, &p.CivilFrom, &p.Mother, &p.Father, &p.Children,
		&p.Citizenship, &p.CitizenFrom, &p.Protections, &p.ProtFrom)
	return p, err
}

func (p *prow) alive() error {
	switch p.Status {
	case stDead:
		return errDead
	case stAnnulled, stDuplicate, stPNRChanged:
		return errNotActive
	}
	return nil
}

func (p *prow) resident() error {
	if err := p.alive(); err != nil {
		return err
	}
	switch {
	case p.Status == stEmigrated:
		return errEmigrated
	case p.Status != stActive && p.Status != stSpecial:
		return errNotActive
	}
	return nil
}

// free reports whether the civil status allows a marriage.
func free(c string) bool {
	switch c {
	case "U", "F", "E", "O", "L":
		return true
	}
	return false
}

func d(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func latest(ts ...time.Time) time.Time {
	m := ts[0]
	for _, t := range ts[1:] {
		if t.After(m) {
			m = t
		}
	}
	return m
}

func yearsOn(birth, on time.Time) int {
	y := on.Year() - birth.Year()
	if on.Month()*100+time.Month(on.Day()) < birth.Month()*100+time.Month(birth.Day()) {
		y--
	}
	return y
}

func special(vejkode int16) bool { return vejkode >= 9900 }

func statusFor(vejkode int16) int16 {
	if special(vejkode) {
		return stSpecial
	}
	return stActive
}

// txn is one change being applied: what it read and the writes it queues.
type txn struct {
	ch      *Change
	body    Body
	day     time.Time
	persons map[int64]*prow
	roadOK  bool
	target  *targetRow // a correction's target entry, if found
	w       pgx.Batch
	ord     map[string]int16 // next ord per history table
	// the journal row
	kind   string
	pnr    int64
	k1, k2 int16
	eff    time.Time
}

func (t *txn) person(p int64) (*prow, error) {
	if r, ok := t.persons[p]; ok {
		return r, nil
	}
	return nil, errNotFound
}

// q queues a write.
func (t *txn) q(sql string, args ...any) { t.w.Queue(sql, args...) }

// hist queues a history row of table for person p, first closing the one
// in force (valid_to = from).
func (t *txn) hist(table string, p int64, from time.Time, cols string, vals ...any) {
	t.q(`UPDATE `+table+` SET valid_to = $2 WHERE pnr = $1 AND valid_to IS NULL AND marker NOT IN ('K','A','a')`, p, from)
	t.add(table, p, from, cols, vals...)
}

// add queues a history row without closing anything.
func (t *txn) add(table string, p int64, from time.Time, cols string, vals ...any) {
	if t.ord == nil {
		t.ord = map[string]int16{}
	}
	o := t.ord[table]
	t.ord[table]++
	args := append([]any{p, o, from}, vals...)
	ph := ""
	for i := range vals {
		ph += fmt.Sprintf(", $%d", i+4)
	}
	t.q(`INSERT INTO `+table+` (pnr, seq, ord, valid_from, registered, `+cols+`) VALUES ($1, currval('journal_seq'), $2, $3, now()`+ph+`)`, args...)
}

// statusHist: status_history has no marker column.
func (t *txn) statusHist(p int64, from time.Time, st int16) {
	t.q(`UPDATE status_history SET valid_to = $2 WHERE pnr = $1 AND valid_to IS NULL`, p, from)
	t.add("status_history", p, from, "status", st)
}

func (t *txn) checkEffective(eff, min time.Time, ahead int) error {
	if eff.IsZero() {
		return refuse(errBadInput)
	}
	if eff.After(t.day.AddDate(0, 0, ahead)) {
		return refuse(errFuture)
	}
	if eff.Before(min) {
		return refuse(errTooEarly)
	}
	return nil
}

// applier applies changes; safe for concurrent use.
type applier struct {
	pool *pgxpool.Pool
	// seqOf maps a workload seq to the peer's journal seq (a correction's
	// target); written by the day that applies the change, read by later
	// days only.
	seqOf []int64
	mu    sync.Mutex
}

// apply applies one change in one transaction. It returns a *rejected
// error when the rules refuse it (nothing is written), and retries on a
// deadlock or serialization failure.
func (a *applier) apply(ctx context.Context, ch *Change, day time.Time) error {
	for try := 0; ; try++ {
		err := a.try(ctx, ch, day)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001") && try < 5 {
			continue
		}
		return err
	}
}

func (a *applier) try(ctx context.Context, ch *Change, day time.Time) error {
	t := &txn{ch: ch, day: day, persons: map[int64]*prow{}, kind: ch.Kind}
	if err := json.Unmarshal(ch.Body, &t.body); err != nil {
		return refuse(errBadInput)
	}
	pnrs, road, err := t.reads()
	if err != nil {
		return err
	}
	conn, err := a.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	var rb pgx.Batch
	rb.Queue("BEGIN")
	rb.Queue(selectPersons, pnrs)
	if road != nil {
		rb.Queue(`SELECT EXISTS (SELECT 1 FROM road WHERE kommune = $1 AND vejkode = $2)`, road[0], road[1])
	}
	table := ""
	if ch.Kind == "correction" {
		if table = correctionTable(t.body.Fact); table == "" {
			return refuse(errBadInput)
		}
		cols := "kommune, vejkode"
		if table != "address_history" {
			cols = "0::smallint, 0::smallint"
		}
		rb.Queue(`SELECT ord, valid_from, valid_to, `+cols+` FROM `+table+` WHERE pnr = $1 AND seq = $2
 AND marker NOT IN ('K','A','a') ORDER BY ord LIMIT 1`, t.pnr0(), a.journalSeq(t.body.Target))
	}
	if err := func() error {
		br := conn.SendBatch(ctx, &rb)
		defer br.Close()
		if _, err := br.Exec(); err != nil {
			return err
		}
		rows, err := br.Query()
		if err != nil {
			return err
		}
		for rows.Next() {
			p, err := scanPerson(rows)
			if err != nil {
				rows.Close()
				return err
			}
			t.persons[p.PNR] = p
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if road != nil {
			if err := br.QueryRow().Scan(&t.roadOK); err != nil {
				return err
			}
		}
		if table != "" {
			var tr targetRow
			err := br.QueryRow().Scan(&tr.ord, &tr.from, &tr.to, &tr.kommune, &tr.vejkode)
			if err == nil {
				t.target = &tr
			} else if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		return br.Close()
	}(); err != nil {
		conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		return err
	}
	if err := t.rules(a); err != nil {
		if _, rerr := conn.Exec(context.WithoutCancel(ctx), "ROLLBACK"); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	// The journal row comes first: the history rows take its seq.
	var wb pgx.Batch
	wb.Queue(`INSERT INTO journal (kind, pnr, related, effective, registered, day, kommune_from, kommune_to)
 VALUES ($1, $2, $3, $4, now(), $5, $6, $7) RETURNING seq`, t.kind, t.pnr, t.related(), t.eff, day, t.k1, t.k2)
	wb.QueuedQueries = append(wb.QueuedQueries, t.w.QueuedQueries...)
	wb.Queue("COMMIT")
	var seq int64
	err = func() error {
		br := conn.SendBatch(ctx, &wb)
		defer br.Close()
		if err := br.QueryRow().Scan(&seq); err != nil {
			return err
		}
		for range len(wb.QueuedQueries) - 1 {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		return br.Close()
	}()
	if err != nil {
		conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		return err
	}
	if conn.Conn().PgConn().TxStatus() != 'I' {
		return errors.New("peer: transaction not committed")
	}
	a.mu.Lock()
	a.seqOf[ch.Seq] = seq
	a.mu.Unlock()
	return nil
}

// targetRow is the history entry a correction replaces.
type targetRow struct {
	ord              int16
	from             time.Time
	to               *time.Time
	kommune, vejkode int16
}

// correctionTable is the history table of a corrected fact.
func correctionTable(fact string) string {
	switch fact {
	case "address":
		return "address_history"
	case "name":
		return "name_history"
	}
	return ""
}

// journalSeq is the peer's journal seq of workload change seq (0: the
// bulk load).
func (a *applier) journalSeq(seq int64) int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	if seq <= 0 || seq >= int64(len(a.seqOf)) {
		return 0
	}
	return a.seqOf[seq]
}

// pnr0 is the change's pnr as a number (0 if bad).
func (t *txn) pnr0() int64 {
	n, _ := parsePNR(t.ch.PNR)
	return n
}

// related is the change's related pnrs as numbers (for the journal row):
// for a pnr change the old number first (the journal row is about the
// new one).
func (t *txn) related() []int64 {
	out := []int64{}
	if t.ch.Kind == "pnr-change" {
		out = append(out, t.pnr0())
	}
	for _, r := range t.ch.Related {
		if n, err := parsePNR(r); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// reads returns the persons a change reads and locks, and the road to
// check (nil: none).
func (t *txn) reads() ([]int64, []int16, error) {
	var pnrs []int64
	addP := func(s string) error {
		if s == "" {
			return nil
		}
		n, err := parsePNR(s)
		if err != nil {
			return refuse(errBadInput)
		}
		if !slices.Contains(pnrs, n) {
			pnrs = append(pnrs, n)
		}
		return nil
	}
	b := &t.body
	for _, s := range append([]string{t.ch.PNR, t.ch.NewPNR, b.Mother, b.Father, b.Spouse, b.PNR}, t.ch.Related...) {
		if err := addP(s); err != nil {
			return nil, nil, err
		}
	}
	slices.Sort(pnrs)
	var road []int16
	if b.Address != nil {
		k, err1 := parseCode(b.Address.Kommunekode)
		v, err2 := parseCode(b.Address.Vejkode)
		if err1 != nil || err2 != nil {
			return nil, nil, refuse(errBadInput)
		}
		road = []int16{k, v}
	}
	return pnrs, road, nil
}
