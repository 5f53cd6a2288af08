package peer

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

var (
	//go:embed schema.sql
	schemaSQL string
	//go:embed index.sql
	indexSQL string
)

// LoadStats is what the load phase did.
type LoadStats struct {
	Seconds     float64 `json:"seconds"`
	Persons     int64   `json:"persons"`
	Marks       int64   `json:"marks"`
	Subscribers int64   `json:"subscribers"`
	// HistoryRows are the history and protection rows derived from the
	// population (what our bulk load writes as history entries).
	HistoryRows  int64   `json:"history_rows"`
	CopySeconds  float64 `json:"copy_seconds"`
	IndexSeconds float64 `json:"index_seconds"`
}

// The tables the population fills, and their COPY columns.
var loadTables = []struct {
	name string
	cols []string
}{
	{"person", []string{"pnr", "status", "status_from", "sex", "birth_date", "first_name", "middle_name", "last_name",
		"addressing_name", "name_from", "kommune", "vejkode", "husnr", "etage", "sidedoer", "address_from", "kommune_from",
		"foreign_country", "foreign_lines", "civil", "spouse", "civil_from", "mother", "father", "children", "citizenship", "citizen_from"}},
	{"status_history", []string{"pnr", "seq", "ord", "valid_from", "registered", "status"}},
	{"name_history", []string{"pnr", "seq", "ord", "valid_from", "registered", "first_name", "middle_name", "last_name", "addressing_name"}},
	{"address_history", []string{"pnr", "seq", "ord", "valid_from", "registered", "kommune", "vejkode", "husnr", "etage", "sidedoer", "foreign_country", "foreign_lines"}},
	{"civil_history", []string{"pnr", "seq", "ord", "valid_from", "registered", "civil", "spouse"}},
	{"citizenship_history", []string{"pnr", "seq", "ord", "valid_from", "registered", "citizenship"}},
	{"protection", []string{"pnr", "seq", "ord", "type", "valid_from", "valid_to", "registered"}},
}

const batchRows = 2048

// load creates the schema and loads the workload's population, roads,
// subscribers and marks with COPY (one connection per table, all at
// once), then builds the keys and indexes and analyzes: all of it timed.
func load(ctx context.Context, pool *pgxpool.Pool, dir string) (LoadStats, error) {
	var st LoadStats
	if _, err := pool.Exec(ctx, schemaSQL); err != nil {
		return st, fmt.Errorf("peer: schema: %w", err)
	}
	start := time.Now()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	type job struct {
		table string
		cols  []string
		rows  chan [][]any
		n     int64
	}
	jobs := map[string]*job{}
	var order []*job
	add := func(table string, cols []string) *job {
		j := &job{table: table, cols: cols, rows: make(chan [][]any, 8)}
		jobs[table] = j
		order = append(order, j)
		return j
	}
	for _, t := range loadTables {
		add(t.name, t.cols)
	}
	add("road", []string{"kommune", "vejkode", "name", "postnr", "city"})
	add("subscriber", []string{"id", "kind", "task_number", "scope", "kommuner", "age_min", "age_max", "kinds", "marks"})
	add("mark", []string{"subscriber", "pnr", "key"})

	var wg sync.WaitGroup
	for _, j := range order {
		wg.Go(func() {
			n, err := copyTable(ctx, pool, j.table, j.cols, j.rows)
			j.n = n
			if err != nil {
				cancel(fmt.Errorf("peer: copy %s: %w", j.table, err))
				for range j.rows { // let the producer finish
				}
			}
		})
	}
	chans := map[string]chan<- [][]any{}
	for t, j := range jobs {
		chans[t] = j.rows
	}
	producers := []func() error{
		func() error { return readPopulation(ctx, dir, chans) },
		func() error { return readRoads(ctx, dir, jobs["road"].rows) },
		func() error { return readSubscribers(ctx, dir, jobs["subscriber"].rows) },
		func() error { return readMarks(ctx, dir, jobs["mark"].rows) },
	}
	var pwg sync.WaitGroup
	for _, p := range producers {
		pwg.Go(func() {
			if err := p(); err != nil {
				cancel(err)
			}
		})
	}
	pwg.Wait()
	for _, j := range order {
		close(j.rows)
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return st, err
	}
	st.CopySeconds = time.Since(start).Seconds()
	st.Persons, st.Marks, st.Subscribers = jobs["person"].n, jobs["mark"].n, jobs["subscriber"].n
	for _, t := range loadTables[1:] {
		st.HistoryRows += jobs[t.name].n
	}

	ix := time.Now()
	if err := buildIndexes(ctx, pool); err != nil {
		return st, err
	}
	if _, err := pool.Exec(ctx, "ANALYZE"); err != nil {
		return st, fmt.Errorf("peer: analyze: %w", err)
	}
	st.IndexSeconds = time.Since(ix).Seconds()
	st.Seconds = time.Since(start).Seconds()
	return st, nil
}

// copyTable COPYs the rows into table in one transaction that first
// truncates it: with wal_level=minimal PostgreSQL then writes the new
// table files directly and syncs them at commit, without WAL.
// It uses a connection of its own, not one of the pool's: every table's
// COPY must run at once, whatever the pool's size.
func copyTable(ctx context.Context, pool *pgxpool.Pool, table string, cols []string, rows <-chan [][]any) (int64, error) {
	conn, err := pgx.ConnectConfig(ctx, pool.Config().ConnConfig.Copy())
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	tx, err := conn.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "TRUNCATE "+table); err != nil {
		return 0, err
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, &chanSource{ctx: ctx, ch: rows})
	if err != nil {
		return n, err
	}
	return n, tx.Commit(ctx)
}

// chanSource is a pgx.CopyFromSource over batches of rows from a channel.
type chanSource struct {
	ctx context.Context
	ch  <-chan [][]any
	cur [][]any
	i   int
}

func (s *chanSource) Next() bool {
	s.i++
	for s.i >= len(s.cur) {
		b, ok := <-s.ch
		if !ok || s.ctx.Err() != nil {
			return false
		}
		s.cur, s.i = b, 0
	}
	return true
}

func (s *chanSource) Values() ([]any, error) { return s.cur[s.i], nil }

func (s *chanSource) Err() error { return context.Cause(s.ctx) }

// batcher collects rows for one table and sends them in batches.
type batcher struct {
	ctx context.Context
	ch  chan<- [][]any
	buf [][]any
}

func (b *batcher) add(row ...any) error {
	b.buf = append(b.buf, row)
	if len(b.buf) >= batchRows {
		return b.flush()
	}
	return nil
}

func (b *batcher) flush() error {
	if len(b.buf) == 0 {
		return nil
	}
	select {
	case b.ch <- b.buf:
	case <-b.ctx.Done():
		return context.Cause(b.ctx)
	}
	b.buf = make([][]any, 0, batchRows)
	return nil
}

func buildIndexes(ctx context.Context, pool *pgxpool.Pool) error {
	for _, stmt := range strings.Split(indexSQL, ";") {
		if strings.TrimSpace(stripComments(stmt)) == "" {
			continue
		}
		if _, err := pool.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("peer: %s: %w", strings.TrimSpace(stripComments(stmt)), err)
		}
	}
	return nil
}

func stripComments(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if i := strings.Index(l, "--"); i >= 0 {
			l = l[:i]
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}
