package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"cpr/access"
	"cpr/api"
)

// InputReport is the outcome of BadInput.
type InputReport struct {
	Sent         int `json:"sent"`
	ServerErrors int `json:"server_errors"`
	// NotProblem are refusals not answered with application/problem+json.
	NotProblem int `json:"not_problem_json"`
	// Changes are requests with a bad body that were accepted (2xx).
	Changes int `json:"changes"`
	// Classes counts the answers by class of bad input and status.
	Classes map[string]map[string]int `json:"classes"`
	// Examples are a few of the requests that failed a check: route,
	// class and status (no bodies: they may hold pnrs).
	Examples []string `json:"examples,omitempty"`
}

// probe is one bad request.
type probe struct {
	class, route string
	method, path string // path with query, escaped
	body         []byte
	token        string
	changes      bool // a 2xx answer would mean a change
}

// The bad values of each class, for string fields, path segments and
// query parameters.
var (
	badPNRs  = []string{"", "123", "abcdefghij", "3213991234", "0101701234x", "01017O1234", "٠١٠١٧٠١٢٣٤", "-101701234", "0101 701234", strings.Repeat("9", 40)}
	sqlish   = []string{"' OR '1'='1", "'; DROP TABLE persons; --", "1 UNION SELECT * FROM users", "%' AND 1=1 --", "\") OR 1=1 --", "$where: '1 == 1'"}
	controls = []string{"a\x00b", "\x1b[31mred", "line\r\nX-Injected: 1", "\u202eevil", "tab\there", "\x7f"}
	latin    = []string{"Łukasz", "Ωmega", "Jürgen😀", "李", "Zoë\u0301", "\u0410\u043d\u043d\u0430"}
	// invalid UTF-8 and Latin-1 bytes where UTF-8 belongs; sent raw.
	rawBytes    = []string{"M\xf8ller", "\xff\xfe", "S\xf8ren \xc6bel\xf8", "\xc3\x28", "\xed\xa0\x80"}
	badAddrs    = map[string][]string{"kommunekode": {"9999", "0000", "abc", "101", "01010"}, "vejkode": {"0000", "99999", "x1", "-1"}, "husnr": {"0", "1000", "12AB", "-1", "1 2"}, "etage": {"100", "x", "-1", "1.5"}, "sidedoer": {"abcde", "t h", "-", "00"}}
	wrongJSON   = []string{"{", `{"effective":`, "[]", `"x"`, "null", `{"a":1}{"b":2}`, `{'effective': 'x'}`, "\x00", "", `{"effective":"2026-01-01",}`, "\xef\xbb\xbf{}", "{\"effective\":\"2026-01-01\"}garbage", "1e999", `{"effective":"2026-01-01","effective":1}`}
	rawMarker   = "\x01RAW\x01"
	queryValues = map[string][]string{
		"sqlish": sqlish, "control_chars": controls, "wrong_types": {"[]", "{}", "true", "-1", "1e999", "0x10", "NaN"},
		"huge": {strings.Repeat("A", 100_000)}, "invalid_utf8": {"\xff\xfe", "M\xf8ller"}, "latin1": latin,
	}
)

// BadInput sends bad requests to every route of the server at base, as a
// user who may call it, and checks every answer: a 4xx problem+json,
// never a 5xx, never a change. Extra random rounds mix the bad values
// into other fields; rounds 0 sends the fixed set once.
func BadInput(ctx context.Context, base string, f *fixture, rounds int, seed uint64) (InputReport, error) {
	rep := InputReport{Classes: map[string]map[string]int{}}
	g := &probeGen{f: f, rng: rand.New(rand.NewPCG(seed, 0xBAD))}
	probes := g.all()
	for range rounds {
		probes = append(probes, g.all()...)
	}
	hc := &http.Client{}
	defer hc.CloseIdleConnections()
	var mu sync.Mutex
	work := make(chan probe)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range work {
				status, ctype, err := sendProbe(ctx, hc, base, p)
				mu.Lock()
				rep.record(p, status, ctype, err)
				mu.Unlock()
			}
		}()
	}
	for _, p := range probes {
		select {
		case work <- p:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	return rep, ctx.Err()
}

func sendProbe(ctx context.Context, hc *http.Client, base string, p probe) (int, string, error) {
	var rd *bytes.Reader
	if p.body != nil {
		rd = bytes.NewReader(p.body)
	}
	var req *http.Request
	var err error
	if rd != nil {
		req, err = http.NewRequestWithContext(ctx, p.method, base+p.path, rd)
	} else {
		req, err = http.NewRequestWithContext(ctx, p.method, base+p.path, nil)
	}
	if err != nil {
		return 0, "", err
	}
	if p.token != "" {
		req.Header.Set("Authorization", "Bearer "+p.token)
	}
	if p.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	var sink bytes.Buffer
	sink.ReadFrom(res.Body)
	return res.StatusCode, res.Header.Get("Content-Type"), nil
}

func (r *InputReport) record(p probe, status int, ctype string, err error) {
	r.Sent++
	cl := r.Classes[p.class]
	if cl == nil {
		cl = map[string]int{}
		r.Classes[p.class] = cl
	}
	example := func(what string) {
		if len(r.Examples) < 20 {
			r.Examples = append(r.Examples, fmt.Sprintf("%s %s: %s", p.class, p.route, what))
		}
	}
	switch {
	case err != nil:
		cl["no_answer"]++
		r.ServerErrors++
		example("no answer: " + err.Error())
		return
	case status >= 500:
		r.ServerErrors++
		example(strconv.Itoa(status))
	case status >= 200 && status < 300:
		cl["2xx"]++
		if p.changes {
			r.Changes++
			example("accepted")
		}
		return
	}
	cl[strconv.Itoa(status)]++
	if mt, _, _ := mime.ParseMediaType(ctype); mt != "application/problem+json" {
		r.NotProblem++
		example("answered " + ctype)
	}
}

// probeGen makes the probes for every route.
type probeGen struct {
	f   *fixture
	rng *rand.Rand
}

// who is the user that may call a route, and the path values that let
// the request through to its checks.
func (g *probeGen) who(rt api.RouteInfo) (token string, vals map[string]string) {
	f := g.f
	vals = map[string]string{"pnr": f.citizen.String(), "kommunekode": "0101", "vejkode": fmt.Sprintf("%04d", roads.InKommune(101)[0].Vejkode),
		"husnr": "1", "kode": "0101", "id": subA, "date": f.today.String()}
	if rt.Roles == nil {
		return "", vals
	}
	switch r := rt.Roles; {
	case hasRole(r, access.RoleClerk):
		token = f.tokens[clerkOf(101)]
	case hasRole(r, access.RoleLookup):
		token = f.tokens[uLookup]
	case hasRole(r, access.RoleAuditor):
		token = f.tokens[uAuditor]
	case hasRole(r, access.RoleCitizen):
		token = f.tokens[uCitizen]
	case hasRole(r, access.RoleSubscriber):
		token = f.tokens[uSubA]
	default:
		token = f.tokens[uAdmin]
	}
	if strings.HasPrefix(rt.Pattern, "/v1/tokens/") {
		vals["id"] = "0123456789abcdef"
	}
	return token, vals
}

func hasRole(rs []access.Role, r access.Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// fill puts vals (path-escaped) into a route pattern.
func fill(pattern string, vals map[string]string) string {
	out := pattern
	for k, v := range vals {
		out = strings.ReplaceAll(out, "{"+k+"}", url.PathEscape(v))
	}
	return out
}

// baseBody is a valid body of each route that takes one.
func (g *probeGen) baseBody(rt api.RouteInfo) map[string]any {
	f := g.f
	today := f.today.String()
	addr := map[string]any{"kommunekode": "0101", "vejkode": fmt.Sprintf("%04d", roads.InKommune(101)[0].Vejkode), "husnr": "7", "etage": "2", "sidedoer": "th"}
	name := map[string]any{"first": "Søren", "middle": "Æbelø", "last": "Østergård"}
	switch {
	case strings.HasSuffix(rt.Pattern, "/births"):
		return map[string]any{"mother": f.citizen.String(), "birth_date": today, "sex": "F", "name": map[string]any{"first": "Anna"}}
	case strings.HasSuffix(rt.Pattern, "/immigrations"):
		return map[string]any{"effective": today, "address": addr, "birth_date": "1990-05-17", "sex": "F", "name": name, "citizenship": 5110}
	case strings.HasSuffix(rt.Pattern, "/moves"):
		return map[string]any{"effective": today, "address": addr}
	case strings.HasSuffix(rt.Pattern, "/names"):
		return map[string]any{"effective": today, "name": name}
	case strings.HasSuffix(rt.Pattern, "/marriages"):
		return map[string]any{"spouse": f.movers[0].pnr.String(), "effective": today, "partnership": false}
	case strings.HasSuffix(rt.Pattern, "/divorces"), strings.HasSuffix(rt.Pattern, "/death"):
		return map[string]any{"effective": today}
	case strings.HasSuffix(rt.Pattern, "/emigration"):
		return map[string]any{"effective": today, "country": 5120, "lines": []any{"Storgatan 1", "Stockholm"}}
	case strings.HasSuffix(rt.Pattern, "/protections"):
		return map[string]any{"type": "0001", "on": true, "effective": today}
	case strings.HasSuffix(rt.Pattern, "/pnr-change"):
		return map[string]any{"effective": today, "sex": "F"}
	case strings.HasSuffix(rt.Pattern, "/corrections"):
		return map[string]any{"fact": "address", "target": 1, "address": addr}
	case rt.Pattern == "/v1/users":
		return map[string]any{"id": "chaos-new", "role": "lookup", "name": "Ny Bruger"}
	case rt.Pattern == "/v1/tokens":
		return map[string]any{"user": uLookup, "ttl_hours": 1}
	case strings.HasSuffix(rt.Pattern, "/marks"):
		return map[string]any{"marks": []any{map[string]any{"pnr": f.citizen.String(), "key": "C-1"}}}
	case rt.Pattern == "/v1/subscribers/{id}":
		return map[string]any{"name": "Ny", "kind": "public", "task_number": 5, "scope": []any{"address"}, "circle": map[string]any{"kommuner": []any{"0101"}}}
	case rt.Pattern == "/v1/status-extracts":
		return map[string]any{"subscriber": subA, "format": "p12170"}
	}
	return nil
}

// all is one set of probes for every route.
func (g *probeGen) all() []probe {
	var out []probe
	for _, rt := range api.Routes() {
		token, vals := g.who(rt)
		mk := func(class, path string, body []byte) probe {
			return probe{class: class, route: rt.Key(), method: rt.Method, path: path, body: body, token: token,
				changes: rt.Method != http.MethodGet}
		}
		// Path values.
		for name := range vals {
			if !strings.Contains(rt.Pattern, "{"+name+"}") {
				continue
			}
			for class, vs := range pathValues(name) {
				for _, v := range vs {
					vv := clone(vals)
					vv[name] = v
					var body []byte
					if b := g.baseBody(rt); b != nil {
						body, _ = json.Marshal(b)
					}
					out = append(out, mk(class, fill(rt.Pattern, vv), body))
				}
			}
		}
		path := fill(rt.Pattern, vals)
		// Query parameters of reads.
		if rt.Method == http.MethodGet {
			for _, q := range queryParams(rt.Pattern) {
				for class, vs := range queryValues {
					for _, v := range vs {
						out = append(out, mk(class, path+"?"+q+"="+url.QueryEscape(v), nil))
					}
				}
			}
		}
		base := g.baseBody(rt)
		if base == nil {
			continue
		}
		for _, b := range wrongJSON {
			out = append(out, mk("malformed_json", path, []byte(b)))
		}
		big, _ := json.Marshal(map[string]any{"effective": strings.Repeat("x", 2<<20)})
		out = append(out, mk("huge", path, big))
		out = append(out, mk("huge", path, []byte(strings.Repeat("[", 500_000)+strings.Repeat("]", 500_000))))
		for _, leaf := range leaves(base, "") {
			for _, v := range wrongTypes(leaf.v) {
				out = append(out, mk("wrong_types", path, setLeaf(base, leaf.path, v)))
			}
			s, isString := leaf.v.(string)
			if !isString {
				continue
			}
			out = append(out, mk("huge", path, setLeaf(base, leaf.path, strings.Repeat(s+"x", 200_000/(len(s)+1)))))
			last := leaf.path[strings.LastIndex(leaf.path, ".")+1:]
			if isPNRField(last) {
				for _, v := range badPNRs {
					out = append(out, mk("invalid_pnr", path, setLeaf(base, leaf.path, v)))
				}
			}
			if bad, ok := badAddrs[last]; ok && strings.Contains(leaf.path, "address") {
				for _, v := range bad {
					out = append(out, mk("invalid_address", path, setLeaf(base, leaf.path, v)))
				}
			}
			if !freeText(leaf.path) {
				for _, v := range sqlish {
					out = append(out, mk("sqlish", path, setLeaf(base, leaf.path, v)))
				}
			}
			for _, v := range controls {
				out = append(out, mk("control_chars", path, setLeaf(base, leaf.path, v)))
			}
			for _, v := range rawBytes {
				out = append(out, mk("invalid_utf8", path, setRaw(base, leaf.path, v)))
			}
			if isNameField(leaf.path) {
				for _, v := range latin {
					out = append(out, mk("latin1", path, setLeaf(base, leaf.path, v)))
				}
				out = append(out, mk("latin1", path, setRaw(base, leaf.path, "J\xf8rgensen")))
			}
		}
		for _, o := range objects(base, "") {
			out = append(out, mk("unknown_fields", path, setLeaf(base, joinPath(o, "zzz_unknown"), 1)))
			out = append(out, mk("unknown_fields", path, setLeaf(base, joinPath(o, "0101701234"), "x")))
		}
	}
	g.rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func isPNRField(name string) bool {
	switch name {
	case "pnr", "mother", "father", "spouse":
		return true
	}
	return false
}

// isNameField: a person's name or foreign address, which go to P12170
// files in ISO-8859-1.
func isNameField(path string) bool {
	return strings.HasPrefix(path, "name.") || strings.HasPrefix(path, "lines.")
}

// freeText fields (the name of an official or a subscriber, a foreign
// address line, a customer key) may hold quotes and signs; SQL-ish text
// there is text, not an attack. They still refuse control characters and
// invalid UTF-8.
func freeText(path string) bool {
	return path == "name" || strings.HasPrefix(path, "lines.") || strings.HasSuffix(path, ".key")
}

// pathValues are the bad values of a path parameter, by class.
func pathValues(name string) map[string][]string {
	m := map[string][]string{"sqlish": sqlish, "control_chars": controls, "invalid_utf8": rawBytes,
		"huge": {strings.Repeat("9", 5000)}}
	switch name {
	case "pnr":
		m["invalid_pnr"] = badPNRs[1:]
	case "kommunekode", "vejkode", "husnr", "kode":
		m["invalid_address"] = badAddrs[map[string]string{"kode": "kommunekode"}[name]+name][0:]
		if name == "kode" {
			m["invalid_address"] = badAddrs["kommunekode"]
		}
	case "date":
		m["wrong_types"] = []string{"2026-02-30", "tomorrow", "20260101", "-1"}
	}
	return m
}

// queryParams are the query parameters a read takes (from the OpenAPI
// document's words; unknown parameters are ignored by design).
func queryParams(pattern string) []string {
	switch pattern {
	case "/v1/persons/{pnr}":
		return []string{"at", "known"}
	case "/v1/search":
		return []string{"name", "birth_date", "sex", "kommunekode", "vejkode", "husnr", "limit", "cursor", "phonetic", "historical"}
	case "/v1/addresses/{kommunekode}/{vejkode}/{husnr}/residents":
		return []string{"at", "etage", "sidedoer"}
	case "/v1/access-log":
		return []string{"pnr", "user", "from", "to", "limit", "cursor"}
	case "/v1/access-log/flags":
		return []string{"from", "to"}
	case "/v1/me/access-log":
		return []string{"limit", "cursor"}
	case "/v1/subscribers/{id}/change-extracts/{date}":
		return []string{"format"}
	}
	return nil
}

type leaf struct {
	path string
	v    any
}

// leaves lists the scalar fields of a body, with dotted paths (list
// items by index).
func leaves(v any, prefix string) []leaf {
	var out []leaf
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, leaves(x[k], joinPath(prefix, k))...)
		}
	case []any:
		for i, e := range x {
			out = append(out, leaves(e, joinPath(prefix, strconv.Itoa(i)))...)
		}
	default:
		out = append(out, leaf{prefix, v})
	}
	return out
}

// objects lists the paths of the objects in a body ("" is the body).
func objects(v any, prefix string) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		out = append(out, prefix)
		for k, e := range x {
			out = append(out, objects(e, joinPath(prefix, k))...)
		}
	case []any:
		for i, e := range x {
			out = append(out, objects(e, joinPath(prefix, strconv.Itoa(i)))...)
		}
	}
	return out
}

func joinPath(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

// wrongTypes are values of another JSON type than v.
func wrongTypes(v any) []any {
	switch v.(type) {
	case string:
		return []any{12345, true, []any{}, map[string]any{}, 1.5}
	case bool:
		return []any{"yes", 1, []any{}}
	case float64, int:
		return []any{"12", true, []any{1}, 1e300, -1.5}
	}
	return []any{"x", 1}
}

// setLeaf returns the JSON of body with the field at path set to v.
func setLeaf(body map[string]any, path string, v any) []byte {
	c := deepClone(body).(map[string]any)
	var cur any = c
	parts := strings.Split(path, ".")
	for i, p := range parts {
		last := i == len(parts)-1
		switch x := cur.(type) {
		case map[string]any:
			if last {
				x[p] = v
			} else {
				cur = x[p]
			}
		case []any:
			n, _ := strconv.Atoi(p)
			if last {
				x[n] = v
			} else {
				cur = x[n]
			}
		}
	}
	b, _ := json.Marshal(c)
	return b
}

// setRaw is setLeaf with raw bytes in a string (json.Marshal would make
// invalid UTF-8 valid).
func setRaw(body map[string]any, path, raw string) []byte {
	b := setLeaf(body, path, rawMarker)
	marker, _ := json.Marshal(rawMarker)
	return bytes.Replace(b, marker, append(append([]byte{'"'}, raw...), '"'), 1)
}

func deepClone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		c := make(map[string]any, len(x))
		for k, e := range x {
			c[k] = deepClone(e)
		}
		return c
	case []any:
		c := make([]any, len(x))
		for i, e := range x {
			c[i] = deepClone(e)
		}
		return c
	}
	return v
}

func clone(m map[string]string) map[string]string {
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
