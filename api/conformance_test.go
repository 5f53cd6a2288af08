package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"cpr/address"
	"cpr/api"
	"cpr/date"
	"cpr/pnr"
)

// The conformance test is a property-based API tester driven by
// openapi.json alone. For every operation it generates requests from the
// document's schemas (path parameters, query parameters, bodies), some of
// them deliberately broken, sends each with the token of every role and
// with none to the real server (TestConformance uses the harness: a
// register of 2,000 persons in t.TempDir(), HTTP on loopback), and checks
// every answer:
//
//   - no 5xx;
//   - the status is documented for the operation ("default" covers only
//     5xx);
//   - the body validates against the documented schema for that status
//     and content type (JSON Schema 2020-12, formats asserted, with
//     github.com/santhosh-tekuri/jsonschema/v6), and the documented
//     required headers are there;
//   - a request the document accepts is not refused for its shape: a 400,
//     413 or 422 to a schema-valid request is a finding, unless its
//     problem code and field are in stateRefusals (refusals that depend on
//     the register's state, which no schema can say).
//
// The generator is seeded (conformanceSeed) and runs a fixed number of
// rounds, so a failure replays.

// The budget of a run: CPR_CONFORMANCE_SEED and CPR_CONFORMANCE_ROUNDS
// override it for a deeper sweep (40 rounds take about 25 s without -race).
var (
	conformanceSeed   = envInt("CPR_CONFORMANCE_SEED", 15)
	conformanceRounds = envInt("CPR_CONFORMANCE_ROUNDS", 5) // requests per operation and caller
)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// stateRefusals are the 400/422 answers a schema-valid request may get,
// by problem code and field: they depend on the register's state or on
// another field's value in ways the document describes in words only.
var stateRefusals = []struct{ code, field, detail, why string }{
	{"unknown_road", "*", "", "the road must be in the road register"},
	{"idempotency_key_reused", "*", "", "a key is bound to its first body"},
	{"format_not_allowed", "*", "", "the subscriber's kind limits its formats"},
	{"extract_over_budget", "*", "", "a status extract fits in the subscriber's daily budget"},
	{"research_monthly", "*", "", "a research subscriber's extracts are of the first day of a month, never partial"},
	{"invalid_input", "mother", "no such person", "the mother must be in the register"},
	{"invalid_input", "mother", "at most 200 children", "a parent has at most 200 children"},
	{"invalid_input", "father", "no such person", "the father must be in the register"},
	{"invalid_input", "father", "is the mother", "the father is not the mother"},
	{"invalid_input", "spouse", "no such person", "the spouse must be in the register"},
	{"invalid_input", "address", "the mother", "a birth needs an address when the mother lives abroad"},
	{"invalid_input", "address", "same kind", "a correction keeps the kind of address"},
	{"invalid_input", "address", "foreign address", "a foreign address is not corrected into a Danish one"},
	{"invalid_input", "effective", "change of status", "a correction cannot cross a change of status"},
	{"invalid_input", "effective", "died or left", "a correction cannot reach past death or emigration"},
	{"invalid_input", "annul", "", "the only entry, or a change that set the status, is not annulled"},
	{"invalid_input", "correction", "changes nothing", "a correction must change something"},
	{"invalid_input", "end", "after the effective date", "a protection ends after it starts"},
	{"invalid_input", "birth_date", "in the future", "a new birth date is not in the future"},
	{"invalid_input", "to", "before from", "to is not before from"},
	{"invalid_input", "circle.age", "min <= max", "min does not exceed a non-zero max"},
	{"invalid_input", "marks[*].key", "required for a private subscriber", "a private subscriber's marks need keys"},
	{"invalid_input", "query", "give a name", "a name of only punctuation gives no name to search"},
	{"invalid_input", "id", "personnummer", "a user id does not look like a personnummer"},
	{"invalid_input", "user", "personnummer", "a user id does not look like a personnummer"},
}

func stateRefusal(p problem) bool {
	field := p.Field
	if i := strings.Index(field, "["); i >= 0 {
		if j := strings.Index(field, "]"); j > i {
			field = field[:i+1] + "*" + field[j:]
		}
	}
	for _, r := range stateRefusals {
		if r.code == p.Code && (r.field == "*" || r.field == field) && strings.Contains(p.Detail, r.detail) {
			return true
		}
	}
	return false
}

// spec is the document with its schemas compiled on demand.
type spec struct {
	doc      map[string]any
	compiler *jsonschema.Compiler
	compiled map[string]*jsonschema.Schema
}

const docURL = "file:///openapi.json"

func loadSpec(t *testing.T) *spec {
	t.Helper()
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	s := &spec{compiled: map[string]*jsonschema.Schema{}, compiler: jsonschema.NewCompiler()}
	if err := json.Unmarshal(raw, &s.doc); err != nil {
		t.Fatal(err)
	}
	s.compiler.AssertFormat()
	if err := s.compiler.AddResource(docURL, inst); err != nil {
		t.Fatal(err)
	}
	return s
}

// schemaAt compiles the schema at a JSON pointer of the document.
func (s *spec) schemaAt(t *testing.T, ptr string) *jsonschema.Schema {
	t.Helper()
	if sch, ok := s.compiled[ptr]; ok {
		return sch
	}
	sch, err := s.compiler.Compile(docURL + "#" + ptr)
	if err != nil {
		t.Fatalf("compile %s: %v", ptr, err)
	}
	s.compiled[ptr] = sch
	return sch
}

// at is the value at a JSON pointer ("/components/schemas/Person").
func (s *spec) at(ptr string) any {
	var cur any = s.doc
	for _, part := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			cur = c[part]
		case []any:
			i, _ := strconv.Atoi(part)
			cur = c[i]
		}
	}
	return cur
}

// deref follows a local $ref, returning the target and its pointer.
func (s *spec) deref(v map[string]any, ptr string) (map[string]any, string) {
	for {
		ref, ok := v["$ref"].(string)
		if !ok {
			return v, ptr
		}
		ptr = strings.TrimPrefix(ref, "#")
		v = s.at(ptr).(map[string]any)
	}
}

func valid(sch *jsonschema.Schema, v any) bool {
	b, _ := json.Marshal(v)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	return err == nil && sch.Validate(inst) == nil
}

func escapePtr(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// operation is one documented method and path.
type operation struct {
	method, path, ptr string
	op                map[string]any
	params            []map[string]any // resolved
	paramPtrs         []string
}

func (s *spec) operations() []operation {
	var ops []operation
	paths := s.doc["paths"].(map[string]any)
	for _, p := range slices.Sorted(mapKeys(paths)) {
		item := paths[p].(map[string]any)
		for _, m := range slices.Sorted(mapKeys(item)) {
			o := operation{method: strings.ToUpper(m), path: p, ptr: "/paths/" + escapePtr(p) + "/" + m, op: item[m].(map[string]any)}
			prms, _ := o.op["parameters"].([]any)
			for i, prm := range prms {
				pm, pp := s.deref(prm.(map[string]any), fmt.Sprintf("%s/parameters/%d", o.ptr, i))
				o.params = append(o.params, pm)
				o.paramPtrs = append(o.paramPtrs, pp)
			}
			ops = append(ops, o)
		}
	}
	return ops
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// gen makes values from schemas. pools holds values of the world (pnrs of
// the population, real roads, the subscriber) that a generated value
// takes often, so that requests reach past "not found".
type gen struct {
	s     *spec
	rnd   *rand.Rand
	pools map[string][]any // by schema name (the last part of a $ref)
}

func (g *gen) value(sch map[string]any, depth int) any {
	if ref, ok := sch["$ref"].(string); ok {
		name := ref[strings.LastIndex(ref, "/")+1:]
		if pool := g.pools[name]; len(pool) > 0 && g.rnd.IntN(10) < 6 {
			return pool[g.rnd.IntN(len(pool))]
		}
		target, _ := g.s.deref(sch, "")
		return g.value(target, depth)
	}
	if c, ok := sch["const"]; ok {
		return c
	}
	if e, ok := sch["enum"].([]any); ok {
		return e[g.rnd.IntN(len(e))]
	}
	typ := sch["type"]
	if ts, ok := typ.([]any); ok {
		typ = ts[0]
	}
	switch typ {
	case "boolean":
		return g.rnd.IntN(2) == 0
	case "integer", "number":
		lo, hi := -5.0, 1000.0
		if v, ok := sch["minimum"].(float64); ok {
			lo = v
		}
		if v, ok := sch["maximum"].(float64); ok {
			hi = v
		}
		switch g.rnd.IntN(3) {
		case 0:
			return int64(lo)
		case 1:
			return int64(hi)
		}
		return int64(lo) + g.rnd.Int64N(int64(hi-lo)+1)
	case "array":
		n := g.rnd.IntN(4)
		if mx, ok := sch["maxItems"].(float64); ok && int(mx) < n {
			n = int(mx)
		}
		out := []any{}
		items, _ := sch["items"].(map[string]any)
		for range n {
			out = append(out, g.value(items, depth+1))
		}
		return out
	case "object":
		out := map[string]any{}
		props, _ := sch["properties"].(map[string]any)
		var required []string
		for _, r := range asList(sch["required"]) {
			required = append(required, r.(string))
		}
		for _, k := range slices.Sorted(mapKeys(props)) {
			if slices.Contains(required, k) || (depth < 3 && g.rnd.IntN(2) == 0) {
				out[k] = g.value(props[k].(map[string]any), depth+1)
			}
		}
		return out
	case "string":
		return g.str(sch)
	}
	return nil
}

func asList(v any) []any { l, _ := v.([]any); return l }

func (g *gen) str(sch map[string]any) string {
	switch sch["format"] {
	case "date-time":
		t := monday10.Add(time.Duration(g.rnd.Int64N(int64(72*time.Hour))) - 48*time.Hour)
		return t.UTC().Format(time.RFC3339Nano)
	}
	if p, ok := sch["pattern"].(string); ok {
		re, err := syntax.Parse(p, syntax.Perl)
		if err == nil {
			var b strings.Builder
			g.regex(&b, re.Simplify())
			out := []rune(b.String())
			if mx, ok := sch["maxLength"].(float64); ok && len(out) > int(mx) {
				out = out[:int(mx)]
			}
			return string(out)
		}
	}
	n := g.rnd.IntN(12)
	if mn, ok := sch["minLength"].(float64); ok && n < int(mn) {
		n = int(mn)
	}
	const letters = "abcdefghijklmnopqrstuvwxyzæøå ABC-.'0123"
	var b strings.Builder
	for range n {
		b.WriteByte(letters[g.rnd.IntN(len(letters)-3)])
	}
	return b.String()
}

// regex writes a string that re matches.
func (g *gen) regex(b *strings.Builder, re *syntax.Regexp) {
	switch re.Op {
	case syntax.OpLiteral:
		b.WriteString(string(re.Rune))
	case syntax.OpCharClass:
		b.WriteRune(g.classRune(re.Rune))
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteRune(rune('a' + g.rnd.IntN(26)))
	case syntax.OpCapture:
		g.regex(b, re.Sub[0])
	case syntax.OpConcat:
		for _, s := range re.Sub {
			g.regex(b, s)
		}
	case syntax.OpAlternate:
		g.regex(b, re.Sub[g.rnd.IntN(len(re.Sub))])
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := 0, 6
		switch re.Op {
		case syntax.OpPlus:
			lo = 1
		case syntax.OpQuest:
			hi = 1
		case syntax.OpRepeat:
			lo, hi = re.Min, re.Max
			if hi < 0 || hi > lo+6 {
				hi = lo + 6
			}
		}
		for range lo + g.rnd.IntN(hi-lo+1) {
			g.regex(b, re.Sub[0])
		}
	}
}

// classRune picks a rune of a character class, mostly from Latin-1 (a
// negated class spans all of Unicode), never a surrogate.
func (g *gen) classRune(ranges []rune) rune {
	var small []rune
	for i := 0; i+1 < len(ranges); i += 2 {
		lo, hi := ranges[i], min(ranges[i+1], 0xff)
		if lo <= hi {
			small = append(small, lo, hi)
		}
	}
	if len(small) > 0 && g.rnd.IntN(10) > 0 {
		ranges = small
	}
	for {
		i := 2 * g.rnd.IntN(len(ranges)/2)
		lo, hi := ranges[i], ranges[i+1]
		r := lo + rune(g.rnd.Int64N(int64(hi-lo)+1))
		if !unicode.Is(unicode.Cs, r) && (r < 0xd800 || r > 0xdfff) {
			return r
		}
	}
}

// request is one generated request and whether the document accepts it.
type request struct {
	method, path, query string
	body                any // nil: none; []byte: raw
	headers             []string
	valid               bool
	broken              string // how it was broken, if it was
}

func (g *gen) request(t *testing.T, o operation) request {
	r := request{method: o.method, valid: true}
	path := o.path
	q := url.Values{}
	given := map[string]bool{}
	for i, p := range o.params {
		name, in := p["name"].(string), p["in"].(string)
		schema := p["schema"].(map[string]any)
		sch := g.s.schemaAt(t, o.paramPtrs[i]+"/schema")
		if in != "path" && g.rnd.IntN(2) == 0 {
			continue // an optional parameter left out
		}
		v := fmt.Sprint(g.value(schema, 0))
		if p["x-opaque"] == true {
			// A cursor this API handed out (made up, it would be refused).
			pool := g.pools["next "+o.path]
			if len(pool) == 0 {
				continue
			}
			v = pool[g.rnd.IntN(len(pool))].(string)
		}
		if !valid(sch, v) {
			r.valid = false
		}
		given[name] = true
		switch in {
		case "path":
			path = strings.Replace(path, "{"+name+"}", url.PathEscape(v), 1)
		case "query":
			q.Set(name, v)
		case "header":
			r.headers = append(r.headers, name, v)
		}
	}
	for _, p := range o.params {
		for _, need := range asList(p["x-requires"]) {
			if given[p["name"].(string)] && !given[need.(string)] {
				r.valid = false
			}
		}
	}
	if one := asList(o.op["x-one-of-params"]); len(one) > 0 && !slices.ContainsFunc(one, func(n any) bool { return given[n.(string)] }) {
		r.valid = false
	}
	if _, ok := o.op["requestBody"]; ok {
		ptr := o.ptr + "/requestBody/content/application~1json/schema"
		sch := g.s.schemaAt(t, ptr)
		body := g.value(g.s.at(ptr).(map[string]any), 0)
		r.body = body
		if !valid(sch, body) {
			r.valid = false
		}
	}
	r.path, r.query = path, q.Encode()
	if g.rnd.IntN(5) == 0 {
		g.breakRequest(&r, o)
	}
	return r
}

// breakRequest spoils one part of r: a path value, a query value or the
// body.
func (g *gen) breakRequest(r *request, o operation) {
	r.valid = false
	junk := []string{"", "x", "0000000000", "3102991234", "2026-02-30", "-1", "0", "99999999999", "%ff", "ab%2Fcd", "æøå", "null"}
	j := junk[g.rnd.IntN(len(junk))]
	switch n := g.rnd.IntN(4); {
	case n == 0 && strings.Contains(o.path, "{"):
		segs := strings.Split(r.path, "/")
		for i := len(segs) - 1; i > 0; i-- {
			if strings.Contains(o.path, "{") && strings.Split(o.path, "/")[i] != segs[i] {
				segs[i] = j
				if j == "" {
					segs[i] = "%20"
				}
				break
			}
		}
		r.path, r.broken = strings.Join(segs, "/"), "path value "+j
	case n == 1 && len(o.params) > 0:
		p := o.params[g.rnd.IntN(len(o.params))]
		if p["in"] == "query" {
			q, _ := url.ParseQuery(r.query)
			q.Set(p["name"].(string), j)
			r.query, r.broken = q.Encode(), "query "+p["name"].(string)+"="+j
		}
	case n == 2 && r.body != nil:
		m, ok := r.body.(map[string]any)
		if ok {
			m["no_such_field"] = 1
			r.broken = "unknown body field"
		}
	case n == 3 && r.body != nil:
		bodies := [][]byte{[]byte(`[]`), []byte(`{"a":`), []byte(`"x"`), []byte(``), []byte(`{} {}`), []byte(`{"effective":12}`)}
		r.body = bodies[g.rnd.IntN(len(bodies))]
		r.broken = "body " + string(r.body.([]byte))
	}
}

// TestConformance runs the generated requests against the real server.
// The read limit is raised for the sweep, so that the lookup and clerk
// users reach past it to the routes' other answers (on a clock that
// stands still their buckets never refill); TestConformanceLimits checks
// the limits' own answers.
func TestConformance(t *testing.T) {
	h := startHarness(t, func(o *api.Options) { o.PersonsPerHour, o.PersonsPerDay = 1<<30, 1<<30 })
	s := loadSpec(t)
	rnd := rand.New(rand.NewPCG(uint64(conformanceSeed), 0))
	addSubscriber(t, h)

	g := &gen{s: s, rnd: rnd, pools: map[string][]any{
		"SubscriberID": {"sub-one"}, "UserID": {uAdmin, uLookup, uClerk101, uCitizen, "no-such-user"},
	}}
	var pnrs []any
	var addrs []any
	for i, p := range h.pop {
		if i%20 == 0 {
			pnrs = append(pnrs, p.PNR.String())
		}
		if a := p.Residence.Address; !a.IsZero() && i%25 == 0 {
			addrs = append(addrs, addressIn(a))
		}
	}
	pnrs = append(pnrs, h.citizen.PNR.String())
	g.pools["PNRIn"], g.pools["PNR"], g.pools["AddressIn"] = pnrs, pnrs, addrs
	g.pools["Date"] = []any{today, yesterday, "2025-12-31", "2000-02-29", "1990-06-15"}

	callers := []string{uAdmin, uLookup, uAuditor, uClerk101, uCitizen, uSubscriber, ""}
	counts := map[string]int{}
	findings, validCount := 0, 0
	allowed := map[string]int{}      // state-dependent refusals of schema-valid requests
	byOp := map[string]map[int]int{} // answers by operation and status
	for _, o := range s.operations() {
		who := callers
		if sec, ok := o.op["security"].([]any); ok && len(sec) == 0 {
			who = []string{""}
		}
		reached := map[string]bool{} // callers the operation answered past authentication and role
		for round := 0; round < 4*conformanceRounds; round++ {
			for _, user := range who {
				if round >= conformanceRounds && !reached[user] {
					continue
				}
				r := g.request(t, o)
				if o.path == "/v1/addresses/{kommunekode}/{vejkode}/{husnr}/residents" && r.broken == "" && rnd.IntN(2) == 0 {
					a := addrs[rnd.IntN(len(addrs))].(map[string]any)
					if a["husnr"] != nil {
						r.path = fmt.Sprintf("/v1/addresses/%s/%s/%s/residents", a["kommunekode"], a["vejkode"], url.PathEscape(a["husnr"].(string)))
					}
				}
				a, f := send(t, h, s, o, r, user)
				if a.Status != 401 && a.Status != 403 {
					reached[user] = true
				}
				var page struct{ Next string }
				if a.Status == 200 && json.Unmarshal(a.Body, &page) == nil && page.Next != "" {
					g.pools["next "+o.path] = append(g.pools["next "+o.path], page.Next)
				}
				if o.method == "POST" && (a.Status == 201 || a.Status == 202) {
					g.learn(o, a)
				}
				if o.method == "PATCH" && o.path == "/v1/users/{id}" && a.Status == 200 {
					// A caller the sweep disabled (the admin itself, too)
					// is enabled again, so that its requests go on reaching
					// past authentication.
					for _, u := range callers[:len(callers)-1] {
						if err := h.acc.SetDisabled(u, false); err != nil {
							t.Fatal(err)
						}
					}
				}
				if r.valid && (a.Status == 400 || a.Status == 422) {
					var p problem
					json.Unmarshal(a.Body, &p)
					allowed[p.Code+" "+p.Field]++
				}
				if f != "" {
					findings++
					if findings <= 40 {
						t.Error(f)
					}
				}
				counts[o.method+" "+o.path]++
				if byOp[o.method+" "+o.path] == nil {
					byOp[o.method+" "+o.path] = map[int]int{}
				}
				byOp[o.method+" "+o.path][a.Status]++
				if r.valid {
					validCount++
				}
			}
		}
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	t.Logf("%d requests (%d schema-valid) over %d operations, %d findings", total, validCount, len(counts), findings)
	byStatus := map[string]int{}
	h.mu.Lock()
	for _, a := range h.answers {
		byStatus[strconv.Itoa(a.status)]++
	}
	h.mu.Unlock()
	t.Logf("answers by status: %v", byStatus)
	for _, k := range slices.Sorted(mapKeys(byOp)) {
		t.Logf("  %s: %v", k, byOp[k])
	}
	t.Logf("schema-valid requests refused for the register's state: %v", allowed)
	if n := byStatus["429"] - statusExtracts429(h); n > 0 {
		t.Errorf("%d answers 429 outside the status extract limits: the raised read limit did not hold", n)
	}
}

// addSubscriber creates sub-one, the subscriber the subscriber user
// speaks for.
func addSubscriber(t *testing.T, h *harness) {
	t.Helper()
	sub := map[string]any{"name": "Sub one", "kind": "public", "task_number": 7, "scope": []string{"address", "name"},
		"circle": map[string]any{"kommuner": []string{"0101"}}}
	if a := h.do(t, "PUT", "/v1/subscribers/sub-one", uAdmin, sub); a.Status != 201 {
		t.Fatalf("subscriber: %d %s", a.Status, a.Body)
	}
}

// statusExtracts429 counts the answers 429 to POST /v1/status-extracts.
func statusExtracts429(h *harness) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, a := range h.answers {
		if a.status == 429 && a.method == "POST" && a.path == "/v1/status-extracts" {
			n++
		}
	}
	return n
}

// TestConformanceLimits: the refusals of the limits are answers the
// document lists, with their headers and schemas: a read over the read
// limit (429 read_limit with Retry-After) on each of the four routes it
// counts, for a lookup and a clerk user, and a status extract larger than
// the daily budget (422 extract_over_budget).
func TestConformanceLimits(t *testing.T) {
	h := startHarness(t, func(o *api.Options) { o.PersonsPerHour, o.PersonsPerDay, o.StatusExtractBytes = 1, 1, 1 })
	s := loadSpec(t)
	addSubscriber(t, h)
	ops := map[string]operation{}
	for _, o := range s.operations() {
		ops[o.method+" "+o.path] = o
	}
	p := h.citizen.PNR.String()
	a := addressIn(h.citizen.Residence.Address)
	residents := fmt.Sprintf("/v1/addresses/%s/%s/%s/residents", a["kommunekode"], a["vejkode"], url.PathEscape(a["husnr"].(string)))
	cases := []struct {
		op, path, query, user string
		body                  any
		status                int
		code                  string
	}{
		{"GET /v1/persons/{pnr}", "/v1/persons/" + p, "", uLookup, nil, 200, ""}, // fills the bucket of one
		{"GET /v1/persons/{pnr}", "/v1/persons/" + p, "", uLookup, nil, 429, "read_limit"},
		{"GET /v1/persons/{pnr}/history", "/v1/persons/" + p + "/history", "", uLookup, nil, 429, "read_limit"},
		{"GET /v1/search", "/v1/search", "name=Hansen", uLookup, nil, 429, "read_limit"},
		{"GET /v1/addresses/{kommunekode}/{vejkode}/{husnr}/residents", residents, "", uLookup, nil, 429, "read_limit"},
		{"GET /v1/search", "/v1/search", "birth_date=1980", uClerk101, nil, 200, ""},
		{"GET /v1/addresses/{kommunekode}/{vejkode}/{husnr}/residents", residents, "", uClerk101, nil, 429, "read_limit"},
		{"GET /v1/persons/{pnr}/history", "/v1/persons/" + p + "/history", "", uClerk101, nil, 429, "read_limit"},
		{"POST /v1/status-extracts", "/v1/status-extracts", "", uSubscriber, map[string]any{"subscriber": "sub-one", "format": "jsonl"},
			422, "extract_over_budget"},
	}
	for _, c := range cases {
		o, ok := ops[c.op]
		if !ok {
			t.Fatalf("%s is not in the document", c.op)
		}
		got, f := send(t, h, s, o, request{method: o.method, path: c.path, query: c.query, body: c.body, valid: true}, c.user)
		if f != "" {
			t.Error(f)
		}
		var pr problem
		json.Unmarshal(got.Body, &pr)
		if got.Status != c.status || pr.Code != c.code {
			t.Errorf("%s %s?%s as %s: %d %q, want %d %q: %s", o.method, c.path, c.query, c.user, got.Status, pr.Code, c.status, c.code, got.Body)
		}
		if c.status == 429 && got.Header.Get("Retry-After") == "" {
			t.Errorf("%s as %s: 429 without Retry-After", c.path, c.user)
		}
	}
}

// learn adds the id a POST created to the pool of its schema (an
// ExtractID, a TokenID), so that the routes about it (sorted after the
// POST) reach past "not found".
func (g *gen) learn(o operation, a answer) {
	media := asMap(asMap(asMap(asMap(o.op["responses"])[strconv.Itoa(a.Status)])["content"])["application/json"])
	sch, _ := g.s.deref(asMap(media["schema"]), "")
	ref, _ := asMap(asMap(sch["properties"])["id"])["$ref"].(string)
	var body struct{ ID string }
	if ref == "" || json.Unmarshal(a.Body, &body) != nil || body.ID == "" {
		return
	}
	name := ref[strings.LastIndex(ref, "/")+1:]
	g.pools[name] = append(g.pools[name], body.ID)
}

func addressIn(a address.Address) map[string]any {
	m := map[string]any{"kommunekode": fmt.Sprintf("%04d", a.Kommunekode), "vejkode": fmt.Sprintf("%04d", a.Vejkode)}
	if a.Husnr != "" {
		m["husnr"] = a.Husnr
	}
	if a.Etage != "" {
		m["etage"] = a.Etage
	}
	if a.Sidedoer != "" {
		m["sidedoer"] = a.Sidedoer
	}
	return m
}

// send sends r as user and returns the answer and a finding, or "".
func send(t *testing.T, h *harness, s *spec, o operation, r request, user string) (answer, string) {
	t.Helper()
	path := r.path
	if r.query != "" {
		path += "?" + r.query
	}
	a := h.do(t, r.method, path, user, r.body, r.headers...)
	what := fmt.Sprintf("%s %s as %q (valid %v%s)", r.method, path, orNone(user), r.valid, brokenNote(r))
	if a.Status >= 500 {
		return a, "" // h.do has reported it
	}
	responses := o.op["responses"].(map[string]any)
	code := strconv.Itoa(a.Status)
	resp, ok := responses[code].(map[string]any)
	if !ok {
		return a, fmt.Sprintf("%s: status %d is not documented: %.300s", what, a.Status, a.Body)
	}
	resp, rptr := s.deref(resp, o.ptr+"/responses/"+code)
	for name, hv := range asMap(resp["headers"]) {
		if asMap(hv)["required"] == true && a.Header.Get(name) == "" {
			return a, fmt.Sprintf("%s: %d without the %s header", what, a.Status, name)
		}
	}
	if content := asMap(resp["content"]); len(content) > 0 && len(a.Body) > 0 {
		ct, _, _ := strings.Cut(a.Header.Get("Content-Type"), ";")
		media, ok := content[ct].(map[string]any)
		if !ok {
			return a, fmt.Sprintf("%s: %d answered %s, documented %v", what, a.Status, ct, slices.Sorted(mapKeys(content)))
		}
		if _, has := media["schema"]; has && strings.HasSuffix(ct, "json") {
			sch := s.schemaAt(t, rptr+"/content/"+escapePtr(ct)+"/schema")
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(a.Body))
			if err != nil {
				return a, fmt.Sprintf("%s: %d body is not JSON: %v", what, a.Status, err)
			}
			if err := sch.Validate(inst); err != nil {
				return a, fmt.Sprintf("%s: %d body outside the schema: %v\n%.400s", what, a.Status, err, a.Body)
			}
		}
	}
	if r.valid && (a.Status == 400 || a.Status == 413 || a.Status == 422) {
		var p problem
		json.Unmarshal(a.Body, &p)
		if !stateRefusal(p) {
			return a, fmt.Sprintf("%s: schema-valid request refused %d %s field %q (%s); body %s", what, a.Status, p.Code, p.Field, p.Detail, bodyText(r.body))
		}
	}
	return a, ""
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }

func orNone(u string) string {
	if u == "" {
		return "no token"
	}
	return u
}

func brokenNote(r request) string {
	if r.broken == "" {
		return ""
	}
	return ", broken: " + r.broken
}

func bodyText(b any) string {
	switch v := b.(type) {
	case nil:
		return "none"
	case []byte:
		return string(v)
	}
	j, _ := json.Marshal(b)
	return string(j)
}

// TestSchemasAgreeWithParsers: whatever a format schema of the document
// accepts, the server's parser accepts too. Random strings over the
// characters that matter, and the edge cases by hand, are checked against
// pnr.Parse, date.Parse, time.Parse (RFC 3339) and address.Parse.
func TestSchemasAgreeWithParsers(t *testing.T) {
	s := loadSpec(t)
	okAddr := func(k, v, husnr, etage, door string) bool {
		_, err := address.Parse(k, v, husnr, etage, door)
		return err == nil
	}
	parsers := map[string]func(string) bool{
		"PNRIn": func(v string) bool { _, err := pnr.Parse(v); return err == nil },
		"PNR":   func(v string) bool { _, err := pnr.Parse(v); return err == nil },
		"Date":  func(v string) bool { _, err := date.Parse(v); return err == nil },
		"BirthDate": func(v string) bool {
			d, err := date.Parse(v)
			return err == nil && d.Year() >= pnr.MinYear && d.Year() <= pnr.MaxYear
		},
		"DateOut":     func(v string) bool { _, err := date.Parse(v); return err == nil },
		"DateTime":    func(v string) bool { _, err := time.Parse(time.RFC3339Nano, v); return err == nil },
		"Kommunekode": func(v string) bool { _, err := address.ParseKommunekode(v); return err == nil },
		"Vejkode":     func(v string) bool { return okAddr("0101", v, "1", "", "") },
		"Husnr":       func(v string) bool { return okAddr("0101", "0001", v, "", "") },
		"Etage":       func(v string) bool { return okAddr("0101", "0001", "1", v, "") },
		"Sidedoer":    func(v string) bool { return okAddr("0101", "0001", "1", "", v) },
	}
	edge := []string{"", "0", "0000", "0101", "9999", "1A", "st", "kl", "ST", "th", "0a", "00", "01", "100",
		"0101701234", "010170-1234", "3102701234", "2902001234", "2902004234", "2902041234", "2902051234", "0000000000",
		"2024-02-29", "2023-02-29", "2000-02-29", "1900-02-29", "0000-02-29", "0000-01-01", "2026-13-01", "2026-04-31",
		"2026-03-02T10:00:00Z", "2026-03-02t10:00:00z", "2026-03-02T10:00:60Z", "2026-03-02T24:00:00Z",
		"2026-03-02T10:00:00.123456789+01:00", "2026-03-02T10:00:00.1234567891Z", "2026-02-30T10:00:00Z"}
	rnd := rand.New(rand.NewPCG(uint64(conformanceSeed), 1))
	const chars = "0123456789012345678901234567890123456789-:TZ.tz+ aAkls"
	for range 8000 {
		n := rnd.IntN(22)
		b := make([]byte, n)
		for i := range b {
			b[i] = chars[rnd.IntN(len(chars))]
		}
		edge = append(edge, string(b))
	}
	g := &gen{s: s, rnd: rnd}
	for name, parse := range parsers {
		sch := s.schemaAt(t, "/components/schemas/"+name)
		values := slices.Clone(edge)
		for range 2000 { // and what the schema's own pattern makes
			values = append(values, g.value(s.at("/components/schemas/"+name).(map[string]any), 0).(string))
		}
		accepted := 0
		for _, v := range values {
			if valid(sch, v) {
				accepted++
				if !parse(v) {
					t.Errorf("%s accepts %q, which the server refuses", name, v)
				}
			}
		}
		if accepted == 0 {
			t.Errorf("%s accepts none of %d values", name, len(values))
		}
	}
}
