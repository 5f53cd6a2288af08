package chaos

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"cpr/date"
	"cpr/pnr"
	"cpr/register"
	"cpr/subscription"
)

// ExtractConfig configures Extract. Zero fields take the defaults.
type ExtractConfig struct {
	Dir      string // an empty directory (required)
	Persons  int    // default 3,000
	Clients  int    // clients posting changes (default 8)
	Extracts int    // status extracts taken under the stream (default 8)
	Seed     uint64
}

// ExtractReport is the outcome of Extract.
type ExtractReport struct {
	// Extracts were taken while changes streamed in, and each compared
	// with the same extract of a copy of the register that replayed the
	// acknowledged changes up to the extract's snapshot (Stats.Seq).
	Extracts int `json:"extracts"`
	Records  int `json:"records"` // records (lines) compared
	// Mismatches are records that differ, or are in one extract only.
	Mismatches int `json:"mismatches"`
	// FirstDifference names the first difference: extract, record type
	// and field (no person data).
	FirstDifference string `json:"first_difference,omitempty"`
	// MismatchesBy counts the mismatches by subscriber and format.
	MismatchesBy map[string]int `json:"mismatches_by,omitempty"`
	// ChangesDuring are changes committed while an extract ran (summed
	// over the extracts); ChangedBefore are persons in the extracts
	// whom the stream changed before the extract's snapshot.
	ChangesDuring int            `json:"changes_during"`
	ChangedBefore int            `json:"changed_before"`
	Changes       int            `json:"changes"` // acknowledged
	Refused       map[string]int `json:"refused,omitempty"`
	ServerErrors  int            `json:"server_errors"`
}

// The subscribers of the extract scenario: every way a status extract is
// made (see extract.Status): the whole country (relatives' names from the
// table), one kommune (names read one by one), no history in scope (no
// history read with the persons), and a circle of marks (read mark by
// mark).
var extractSubs = []subscription.Subscriber{
	{ID: "x-country", Name: "Chaos country", Kind: subscription.Public, TaskNumber: 911, Scope: allScopes},
	{ID: "x-kommune", Name: "Chaos kommune", Kind: subscription.Public, TaskNumber: 912, Scope: allScopes,
		Circle: subscription.Circle{Kommuner: []uint16{751}}},
	{ID: "x-nohistory", Name: "Chaos no history", Kind: subscription.Public, TaskNumber: 913,
		Scope: allScopes &^ subscription.ScopeHistory},
	{ID: "x-marks", Name: "Chaos marks", Kind: subscription.Public, TaskNumber: 914, Scope: allScopes,
		Circle: subscription.Circle{Marks: true}},
}

const allScopes = subscription.ScopePerson | subscription.ScopeAddress | subscription.ScopeClearAddress |
	subscription.ScopeProtection | subscription.ScopeName | subscription.ScopeCivil | subscription.ScopeChildren |
	subscription.ScopeParents | subscription.ScopeHistory

// taken is one status extract: what was asked, the file, its snapshot,
// and the journal before it was asked for and after it was done.
type taken struct {
	sub, format   string
	seq           uint64
	data          []byte
	before, after uint64
}

// Extract takes status extracts (every kind of circle, P12170 and JSON
// Lines) while clients post changes, then replays the acknowledged
// changes in journal order, with their registration times, on a copy of
// the register as it was before the stream, and takes the same extract
// of the copy when it reaches each extract's snapshot: the two must be
// equal record for record.
func Extract(ctx context.Context, cfg ExtractConfig) (ExtractReport, error) {
	if cfg.Persons == 0 {
		cfg.Persons = 3000
	}
	if cfg.Clients == 0 {
		cfg.Clients = 8
	}
	if cfg.Extracts == 0 {
		cfg.Extracts = 8
	}
	var rep ExtractReport
	live, replica := filepath.Join(cfg.Dir, "live"), filepath.Join(cfg.Dir, "replica")
	f, err := prepare(ctx, live, cfg.Persons)
	if err != nil {
		return rep, err
	}
	if err := addExtractSubs(filepath.Join(live, "register"), f.persons); err != nil {
		return rep, err
	}
	res, err := residents(filepath.Join(live, "register"), f.today)
	if err != nil {
		return rep, err
	}
	if err := copyDir(live, replica); err != nil {
		return rep, err
	}

	st := &stack{dir: live}
	if err := st.start(); err != nil {
		return rep, err
	}
	base := st.reg.LastSeq()
	hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Clients + 2}}
	tl := &tally{refused: map[string]int{}}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var stop atomic.Bool
	var wg sync.WaitGroup
	for i := range cfg.Clients {
		c := &streamClient{f: f, tl: tl, hc: hc, base: st.base, rng: rand.New(rand.NewPCG(cfg.Seed, uint64(100+i))),
			names: []string{"Anna", "Bent", "Carl", "Dorte", "Erik", "Frida", "Gunnar", "Hanne", "Ib", "Jytte"}}
		for j := i; j < len(res); j += cfg.Clients {
			c.mine = append(c.mine, res[j])
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.run(cctx, &stop)
		}()
	}
	var all []taken
	var runErr error
	for k := range cfg.Extracts {
		if !waitUntil(ctx, func() bool { return tl.count() >= 50*(k+1) }) {
			runErr = fmt.Errorf("chaos: extract: the stream stalled at %d changes", tl.count())
			break
		}
		sub := extractSubs[k%len(extractSubs)].ID
		format := []string{"p12170", "jsonl"}[k/len(extractSubs)%2]
		t := taken{sub: sub, format: format, before: st.reg.LastSeq()}
		if t.seq, t.data, runErr = statusExtract(ctx, hc, st.base, f.tokens[uAdmin], sub, format, f.today); runErr != nil {
			break
		}
		t.after = st.reg.LastSeq()
		all = append(all, t)
	}
	stop.Store(true)
	wg.Wait()
	registered := map[uint64]time.Time{}
	jerr := st.reg.Journal(base+1, func(ev *register.Event) error {
		registered[ev.Seq] = ev.Registered
		return nil
	})
	if err := st.stop(); err != nil || runErr != nil || jerr != nil {
		return rep, fmt.Errorf("chaos: extract: %w", errors.Join(runErr, jerr, err))
	}
	tl.mu.Lock()
	acks := slices.Clone(tl.acks)
	rep.Changes, rep.Refused, rep.ServerErrors = len(acks), tl.refused, tl.serverErrs
	tl.mu.Unlock()
	slices.SortFunc(acks, func(a, b sent) int { return cmp.Compare(a.seq, b.seq) })
	for i, a := range acks {
		if a.seq != base+1+uint64(i) {
			return rep, fmt.Errorf("chaos: extract: acknowledged changes are not the journal: %d at %d", a.seq, i)
		}
	}
	if len(registered) != len(acks) {
		return rep, fmt.Errorf("chaos: extract: the journal holds %d changes, %d acknowledged", len(registered), len(acks))
	}
	for _, t := range all {
		if t.seq < t.before || t.seq > t.after {
			return rep, fmt.Errorf("chaos: extract: snapshot %d outside the journal %d..%d of its run", t.seq, t.before, t.after)
		}
		rep.ChangesDuring += int(t.after - t.before)
		rep.ChangedBefore += changedBefore(t, acks)
	}
	return rep, compareReplayed(ctx, &rep, replica, f, all, acks, registered, hc)
}

// compareReplayed replays acks on the copy of the register in dir, with
// their original registration times, and compares each extract with the
// copy's at the extract's snapshot.
func compareReplayed(ctx context.Context, rep *ExtractReport, dir string, f *fixture, all []taken, acks []sent,
	registered map[uint64]time.Time, hc *http.Client) error {
	var now atomic.Int64
	if len(acks) > 0 {
		now.Store(registered[acks[0].seq].UnixNano())
	} else {
		now.Store(time.Now().UnixNano())
	}
	st := &stack{dir: dir, clock: func() time.Time { return time.Unix(0, now.Load()) }}
	if err := st.start(); err != nil {
		return err
	}
	order := slices.Clone(all)
	slices.SortStableFunc(order, func(a, b taken) int { return cmp.Compare(a.seq, b.seq) })
	next := 0
	var err error
	for _, t := range order {
		for ; next < len(acks) && acks[next].seq <= t.seq && err == nil; next++ {
			a := acks[next]
			now.Store(registered[a.seq].UnixNano())
			err = replay(ctx, hc, st.base, f.tokens[a.user], a)
		}
		if err != nil {
			break
		}
		var seq uint64
		var want []byte
		if seq, want, err = statusExtract(ctx, hc, st.base, f.tokens[uAdmin], t.sub, t.format, f.today); err != nil {
			break
		}
		if seq != t.seq {
			err = fmt.Errorf("chaos: extract: the copy's extract is at %d, want %d", seq, t.seq)
			break
		}
		n, bad, first := compareExtract(t.format, t.data, want)
		rep.Extracts++
		rep.Records += n
		rep.Mismatches += bad
		if bad > 0 {
			if rep.MismatchesBy == nil {
				rep.MismatchesBy = map[string]int{}
			}
			rep.MismatchesBy[t.sub+" "+t.format] += bad
		}
		if first != "" && rep.FirstDifference == "" {
			rep.FirstDifference = fmt.Sprintf("%s %s: %s", t.sub, t.format, first)
		}
	}
	return errors.Join(err, st.stop())
}

// replay sends an acknowledged change again; it must get the same
// sequence number.
func replay(ctx context.Context, hc *http.Client, base, token string, a sent) error {
	status, body, err := send(ctx, hc, a.method, base+a.path, token, a.body)
	if err != nil {
		return err
	}
	var ans struct {
		Seq uint64 `json:"seq"`
	}
	json.Unmarshal(body, &ans)
	if status != http.StatusCreated || ans.Seq != a.seq {
		return fmt.Errorf("chaos: extract: the copy answered change %d with %d, seq %d", a.seq, status, ans.Seq)
	}
	return nil
}

// statusExtract asks base for a status extract, waits for it, and returns
// its snapshot (stats.seq) and file.
func statusExtract(ctx context.Context, hc *http.Client, base, token, sub, format string, on date.Date) (uint64, []byte, error) {
	b, _ := json.Marshal(map[string]string{"subscriber": sub, "format": format, "date": on.String()})
	status, body, err := send(ctx, hc, http.MethodPost, base+"/v1/status-extracts", token, b)
	if err != nil {
		return 0, nil, err
	}
	var job struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Stats  *struct {
			Seq uint64 `json:"seq"`
		} `json:"stats"`
	}
	if status != http.StatusAccepted || json.Unmarshal(body, &job) != nil {
		return 0, nil, fmt.Errorf("chaos: status extract: %d %s", status, body)
	}
	url := base + "/v1/status-extracts/" + job.ID
	ok := waitUntil(ctx, func() bool {
		status, body, err = send(ctx, hc, http.MethodGet, url, token, nil)
		return err != nil || status != http.StatusOK || json.Unmarshal(body, &job) != nil || job.Status != "running"
	})
	if err != nil {
		return 0, nil, err
	}
	if !ok || job.Status != "done" || job.Stats == nil {
		return 0, nil, fmt.Errorf("chaos: status extract: %d %s", status, body)
	}
	status, data, err := send(ctx, hc, http.MethodGet, url+"/data", token, nil)
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("chaos: status extract data: %d", status)
	}
	return job.Stats.Seq, data, err
}

// waitUntil polls cond until it holds, for up to two minutes.
func waitUntil(ctx context.Context, cond func() bool) bool {
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// addExtractSubs creates the scenario's subscribers in the register in
// dir, with every third person marked for the circle of marks.
func addExtractSubs(dir string, persons []pnr.PNR) error {
	reg, err := register.Open(dir, register.Options{CacheBytes: 8 << 20})
	if err != nil {
		return err
	}
	subs, err := subscription.Open(reg, nil)
	if err == nil {
		for _, s := range extractSubs {
			if _, _, err = subs.Put(s); err != nil {
				break
			}
		}
	}
	if err == nil {
		var marks []subscription.Mark
		for i := 0; i < len(persons); i += 3 {
			marks = append(marks, subscription.Mark{PNR: persons[i]})
		}
		_, err = subs.AddMarks("x-marks", marks)
	}
	return errors.Join(err, reg.Close())
}

// copyDir copies the files of a closed data directory.
func copyDir(from, to string) error {
	return filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o750)
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(dst)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}
