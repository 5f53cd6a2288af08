package peer

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// ExtractStats counts what a set of extracts held.
type ExtractStats struct {
	Extracts int64 `json:"extracts"`
	Persons  int64 `json:"persons"`
	Events   int64 `json:"events"`
	Records  int64 `json:"records"`
	Bytes    int64 `json:"bytes"`
}

func (s *ExtractStats) add(x *file) {
	s.Extracts++
	s.Persons += x.persons
	s.Events += x.events
	s.Records += x.records
	s.Bytes += x.bytes
}

// personCols are the columns of a person in an extract, in xperson's
// order, from person p, road r, the relatives sp, mo, fa, and the
// subscriber s; $1 is the extract's day.
const personCols = `p.pnr, coalesce(p.current_pnr, 0), coalesce(p.previous_pnr, 0), coalesce(mk.key, ''), p.status,
 coalesce(p.status_from, '0001-01-01'), p.sex, p.birth_date, p.first_name, p.middle_name, p.last_name, p.addressing_name,
 coalesce(p.name_from, '0001-01-01'), p.kommune, p.vejkode, p.husnr, p.etage, p.sidedoer,
 coalesce(p.address_from, '0001-01-01'), coalesce(p.kommune_from, '0001-01-01'), coalesce(p.previous_kommune, 0),
 coalesce(r.name, ''), coalesce(r.city, ''), coalesce(r.postnr, 0),
 p.civil, coalesce(p.spouse, 0), coalesce(p.civil_from, '0001-01-01'), %s,
 coalesce(p.mother, 0), coalesce(p.father, 0), %s, %s, p.children,
 ARRAY(SELECT x.type FROM protection x WHERE x.pnr = p.pnr AND x.valid_from <= $1 AND (x.valid_to IS NULL OR x.valid_to > $1) ORDER BY x.type),
 ARRAY(SELECT x.valid_from FROM protection x WHERE x.pnr = p.pnr AND x.valid_from <= $1 AND (x.valid_to IS NULL OR x.valid_to > $1) ORDER BY x.type),
 %s, %s, %s, %s, %s`

// history is the old entries of person p (records 023, 026, 029) as of
// $1, as JSON: addresses in Denmark, names and civil status no longer in
// force (ended by $1, or corrected K or annulled A); not the correcting
// entries themselves.
const historyJSON = `(SELECT json_agg(h ORDER BY h.seq, h.ord, h.f) FROM (
 SELECT 'A' AS f, seq, ord, marker AS m, valid_from AS fr, valid_to AS t, kommune AS k, vejkode AS v, husnr AS hn, etage AS e,
  sidedoer AS sd, NULL AS fn, NULL AS mn, NULL AS ln, NULL AS c, NULL::bigint AS sp
  FROM address_history WHERE pnr = p.pnr AND kommune <> 0 AND marker NOT IN ('k','a') AND (marker IN ('K','A') OR valid_to <= $1)
 UNION ALL
 SELECT 'N', seq, ord, marker, valid_from, valid_to, NULL, NULL, NULL, NULL, NULL, first_name, middle_name, last_name, NULL, NULL
  FROM name_history WHERE pnr = p.pnr AND marker NOT IN ('k','a') AND (marker IN ('K','A') OR valid_to <= $1)
 UNION ALL
 SELECT 'C', seq, ord, marker, valid_from, valid_to, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, civil, spouse
  FROM civil_history WHERE pnr = p.pnr AND marker NOT IN ('k','a') AND (marker IN ('K','A') OR valid_to <= $1)
 ) h)`

// hjson is one history entry as historyJSON gives it.
type hjson struct {
	F  string  `json:"f"`
	M  string  `json:"m"`
	Fr string  `json:"fr"`
	T  *string `json:"t"`
	K  int16   `json:"k"`
	V  int16   `json:"v"`
	Hn string  `json:"hn"`
	E  string  `json:"e"`
	Sd string  `json:"sd"`
	Fn string  `json:"fn"`
	Mn string  `json:"mn"`
	Ln string  `json:"ln"`
	C  string  `json:"c"`
	Sp *int64  `json:"sp"`
}

func decodeHistory(b []byte) ([]hrow, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var hs []hjson
	if err := json.Unmarshal(b, &hs); err != nil {
		return nil, err
	}
	out := make([]hrow, 0, len(hs))
	for _, h := range hs {
		r := hrow{Fact: h.F[0], Marker: h.M, Kommune: h.K, Vejkode: h.V, Husnr: h.Hn, Etage: h.E, Sidedoer: h.Sd,
			First: h.Fn, Middle: h.Mn, Last: h.Ln, Civil: h.C, Spouse: h.Sp}
		r.From, _ = parseDate(h.Fr)
		if h.T != nil {
			t, _ := parseDate(*h.T)
			r.To = &t
		}
		out = append(out, r)
	}
	return out, nil
}

// personSQL fills in personCols: relatives' names for public
// subscribers, private subscribers' customer keys, the history.
func personSQL(names, keys, history bool) string {
	sn, mn, fn := "''", "''", "''"
	if names {
		sn, mn, fn = "coalesce(sp.addressing_name, '')", "coalesce(mo.addressing_name, '')", "coalesce(fa.addressing_name, '')"
	}
	spk, mok, fak, chk := "''", "''", "''", "'{}'::text[]"
	if keys {
		k := func(col string) string {
			return "coalesce((SELECT m.key FROM mark m WHERE m.subscriber = s.id AND m.pnr = p." + col + "), '')"
		}
		spk, mok, fak = k("spouse"), k("mother"), k("father")
		chk = `ARRAY(SELECT coalesce(m.key, '') FROM unnest(p.children) WITH ORDINALITY AS c(pnr, i)
 LEFT JOIN mark m ON m.subscriber = s.id AND m.pnr = c.pnr ORDER BY c.i)`
	}
	h := "NULL::json"
	if history {
		h = `CASE WHEN 'history' = ANY(s.scope) AND s.kind = 'public' THEN ` + historyJSON + ` END`
	}
	return fmt.Sprintf(personCols, sn, mn, fn, spk, mok, fak, chk, h)
}

// personDest is where personCols scan to.
func personDest(p *xperson, hist *[]byte) []any {
	return []any{&p.PNR, &p.CurrentPNR, &p.PreviousPNR, &p.Key, &p.Status, &p.StatusFrom, &p.Sex, &p.Birth,
		&p.First, &p.Middle, &p.Last, &p.Addr, &p.NameFrom, &p.Kommune, &p.Vejkode, &p.Husnr, &p.Etage, &p.Sidedoer,
		&p.AddressFrom, &p.KommuneFrom, &p.PrevKommune, &p.RoadName, &p.City, &p.Postnr,
		&p.Civil, &p.Spouse, &p.CivilFrom, &p.SpouseName, &p.Mother, &p.Father, &p.MotherName, &p.FatherName, &p.Children,
		&p.ProtTypes, &p.ProtFrom, &p.SpouseKey, &p.MotherKey, &p.FatherKey, &p.ChildKeys, hist}
}

const relativeJoins = ` LEFT JOIN road r ON r.kommune = p.kommune AND r.vejkode = p.vejkode`

const nameJoins = ` LEFT JOIN person sp ON sp.pnr = p.spouse LEFT JOIN person mo ON mo.pnr = p.mother
 LEFT JOIN person fa ON fa.pnr = p.father`

// changeSQL routes the day's journal to the subscribers (the rule of
// subscription.Router, as bench/README.md states it) and returns, per
// subscriber and person, the person at the end of the day and the events
// delivered, ordered by subscriber and pnr. $1 is the day.
var changeSQL = `WITH ev AS (
 SELECT j.seq, j.kind, j.pnr AS who, j.kommune_from AS k1, j.kommune_to AS k2, false AS derived, j.effective, j.registered
 FROM journal j WHERE j.day = $1
 UNION ALL
 SELECT j.seq, j.kind, r.who, coalesce(p.kommune, 0), 0::smallint, true, j.effective, j.registered
 FROM journal j CROSS JOIN LATERAL unnest(j.related) AS r(who) LEFT JOIN person p ON p.pnr = r.who
 WHERE j.day = $1
), cand AS (
 SELECT s.id AS sub, e.* FROM ev e JOIN subscriber s ON cardinality(s.kommuner) = 0 AND NOT s.marks
 UNION
 SELECT sk.id, e.* FROM ev e JOIN (SELECT id, unnest(kommuner) AS k FROM subscriber) sk ON sk.k <> 0 AND sk.k IN (e.k1, e.k2)
 UNION
 SELECT m.subscriber, e.* FROM ev e JOIN mark m ON m.pnr = e.who
), del AS (
 SELECT c.sub, c.who, array_agg(c.seq ORDER BY c.seq) AS seqs, array_agg(c.kind ORDER BY c.seq) AS kinds,
  array_agg(c.effective ORDER BY c.seq) AS effs, array_agg(c.registered ORDER BY c.seq) AS regs,
  array_agg(c.derived ORDER BY c.seq) AS derived
 FROM cand c JOIN subscriber s ON s.id = c.sub JOIN person p ON p.pnr = c.who
 WHERE (cardinality(s.kinds) = 0 OR c.kind = ANY(s.kinds))
  AND (s.age_min = 0 OR p.birth_date <= $1::date - make_interval(years => s.age_min))
  AND (s.age_max = 0 OR p.birth_date > $1::date - make_interval(years => s.age_max + 1))
 GROUP BY c.sub, c.who
)
SELECT d.sub, ` + personSQL(true, true, true) + `, d.seqs, d.kinds, d.effs, d.regs, d.derived
FROM del d JOIN subscriber s ON s.id = d.sub JOIN person p ON p.pnr = d.who
 LEFT JOIN mark mk ON s.kind = 'private' AND mk.subscriber = s.id AND mk.pnr = p.pnr` + relativeJoins + nameJoins + `
ORDER BY d.sub, d.who`

// extractor makes the extracts of the days.
type extractor struct {
	pool *pgxpool.Pool
	subs []*sub // by id
	byID map[string]*sub
}

func newExtractor(ctx context.Context, pool *pgxpool.Pool) (*extractor, error) {
	x := &extractor{pool: pool, byID: map[string]*sub{}}
	rows, err := pool.Query(ctx, `SELECT id, kind, task_number, scope FROM subscriber ORDER BY id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		s := &sub{scope: map[string]bool{}}
		var scope []string
		if err := rows.Scan(&s.ID, &s.Kind, &s.TaskNumber, &scope); err != nil {
			rows.Close()
			return nil, err
		}
		for _, k := range scope {
			s.scope[k] = true
		}
		switch s.Kind { // subscription.Subscriber.Allowed
		case "research":
			rand.Read(s.secret[:])
			for _, k := range []string{"name", "address", "clear_address", "protection", "parents", "children"} {
				delete(s.scope, k)
			}
		case "private":
			s.scope["protection"] = true
		}
		if s.Kind != "research" { // research change extracts are monthly: no daily file
			x.subs = append(x.subs, s)
		}
		x.byID[s.ID] = s
	}
	return x, rows.Err()
}

// join is filepath.Join, or "" (no file) when dir is "".
func join(dir, name string) string {
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, name)
}

// fileName is the CPR file name of an extract, as extract.FileName
// makes it: kind 'D' for a change extract, 'S' for a status extract.
func fileName(kind byte, s *sub, day time.Time) string {
	name := fmt.Sprintf("%c%02d%02d%02d.L%06d", kind, day.Year()%100, int(day.Month()), day.Day(), s.TaskNumber)
	if s.Kind != "public" {
		name += ".jsonl"
	}
	return name
}

// changeExtracts writes the day's change extract of every subscriber but
// a research one (an empty one for those with nobody) into dir.
// It returns the totals and, per subscriber, the persons and events.
func (x *extractor) changeExtracts(ctx context.Context, day time.Time, dir string) (ExtractStats, map[string][2]int64, error) {
	st, st0 := ExtractStats{}, ExtractStats{}
	per := map[string][2]int64{}
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return st0, nil, err
		}
	}
	rows, err := x.pool.Query(ctx, changeSQL, day)
	if err != nil {
		return st0, nil, fmt.Errorf("peer: change extracts: %w", err)
	}
	defer rows.Close()
	prev := day.AddDate(0, 0, -1)
	next := 0 // the next subscriber (by id) without its file yet
	var cur *file
	finish := func() error {
		if cur == nil {
			return nil
		}
		err := cur.close()
		st.add(cur)
		if cur.persons > 0 {
			per[cur.s.ID] = [2]int64{cur.persons, cur.events}
		}
		cur = nil
		return err
	}
	open := func(upto string) error {
		// Every subscriber before upto gets its (empty) file.
		for next < len(x.subs) && x.subs[next].ID <= upto {
			s := x.subs[next]
			next++
			f, err := createFile(join(dir, fileName('D', s, day)), s, day, prev)
			if err != nil {
				return err
			}
			if s.ID == upto {
				cur = f
				return nil
			}
			if err := f.close(); err != nil {
				return err
			}
			st.add(f)
		}
		return nil
	}
	var p xperson
	var subID string
	var hist []byte
	for rows.Next() {
		p = xperson{}
		hist = hist[:0]
		dst := append([]any{&subID}, personDest(&p, &hist)...)
		dst = append(dst, &p.EvSeq, &p.EvKind, &p.EvEffective, &p.EvReg, &p.EvDerived)
		if err := rows.Scan(dst...); err != nil {
			return st0, nil, err
		}
		if s := x.byID[subID]; s != nil && s.Kind == "research" {
			continue // monthly, not in the day's files
		}
		if cur == nil || cur.s.ID != subID {
			if err := finish(); err != nil {
				return st0, nil, err
			}
			if err := open(subID); err != nil {
				return st0, nil, err
			}
			if cur == nil {
				return st0, nil, fmt.Errorf("peer: change extracts: a delivery to an unknown subscriber")
			}
		}
		h, err := decodeHistory(hist)
		if err != nil {
			return st0, nil, err
		}
		if _, err := cur.person(&p, h); err != nil {
			return st0, nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return st0, nil, err
	}
	if err := finish(); err != nil {
		return st0, nil, err
	}
	if err := open("\xff"); err != nil {
		return st0, nil, err
	}
	return st, per, nil
}

// statusExtract writes one status extract: every person the register
// holds who is in the subscriber's circle on the day, whatever the
// status, ordered by pnr, streamed.
// dir "" counts the bytes only; n numbers the day's status extracts.
func (x *extractor) statusExtract(ctx context.Context, spec Status, n int, day time.Time, dir string) (*file, error) {
	s, ok := x.byID[spec.Subscriber]
	if !ok {
		return nil, fmt.Errorf("%w: days.jsonl: status extract of an unknown subscriber", ErrWorkload)
	}
	if asOf, err := parseDate(spec.AsOf); err != nil || !asOf.Equal(day) {
		return nil, fmt.Errorf("%w: days.jsonl: the peer makes status extracts as of the day itself", ErrWorkload)
	}
	var circle struct {
		kommuner []int16
		marks    bool
	}
	if err := x.pool.QueryRow(ctx, `SELECT kommuner, marks FROM subscriber WHERE id = $1`, s.ID).Scan(&circle.kommuner, &circle.marks); err != nil {
		return nil, err
	}
	names := s.Kind == "public" && (s.has("civil_status") || s.has("parents"))
	cols := personSQL(names, s.Kind == "private", s.has("history") && s.Kind == "public")
	var from, where string
	switch {
	case len(circle.kommuner) == 0 && circle.marks:
		from = ` FROM subscriber s JOIN mark mk ON mk.subscriber = s.id JOIN person p ON p.pnr = mk.pnr`
		where = ` WHERE s.id = $2`
	case len(circle.kommuner) > 0:
		from = ` FROM subscriber s JOIN person p ON p.kommune = ANY(s.kommuner)
 LEFT JOIN mark mk ON s.kind = 'private' AND mk.subscriber = s.id AND mk.pnr = p.pnr`
		where = ` WHERE s.id = $2`
		if circle.marks {
			from = ` FROM subscriber s JOIN person p ON p.kommune = ANY(s.kommuner)
  OR EXISTS (SELECT 1 FROM mark m WHERE m.subscriber = s.id AND m.pnr = p.pnr)
 LEFT JOIN mark mk ON s.kind = 'private' AND mk.subscriber = s.id AND mk.pnr = p.pnr`
		}
	default:
		from = ` FROM subscriber s CROSS JOIN person p
 LEFT JOIN mark mk ON s.kind = 'private' AND mk.subscriber = s.id AND mk.pnr = p.pnr`
		where = ` WHERE s.id = $2`
	}
	where += ` AND (s.age_min = 0 OR p.birth_date <= $1::date - make_interval(years => s.age_min))
 AND (s.age_max = 0 OR p.birth_date > $1::date - make_interval(years => s.age_max + 1))`
	joins := relativeJoins
	if names {
		joins += nameJoins
	}
	sql := `SELECT ` + cols + from + joins + where + ` ORDER BY p.pnr`
	rows, err := x.pool.Query(ctx, sql, day, s.ID)
	if err != nil {
		return nil, fmt.Errorf("peer: status extract: %w", err)
	}
	defer rows.Close()
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	f, err := createFile(join(dir, fmt.Sprintf("%d-%s", n, fileName('S', s, day))), s, day, time.Time{})
	if err != nil {
		return nil, err
	}
	var p xperson
	var hist []byte
	for rows.Next() {
		p = xperson{}
		hist = hist[:0]
		if err := rows.Scan(personDest(&p, &hist)...); err != nil {
			f.close()
			return nil, err
		}
		h, err := decodeHistory(hist)
		if err != nil {
			f.close()
			return nil, err
		}
		if _, err := f.person(&p, h); err != nil {
			f.close()
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		f.close()
		return nil, err
	}
	return f, f.close()
}
