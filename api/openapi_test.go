package api

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPIMatchesRoutes: every route is documented, every documented
// operation exists, and the document is well formed: OpenAPI 3.1, every
// operation answers, every $ref resolves, every path parameter is declared.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi = %v, want 3.1.0", doc["openapi"])
	}
	paths, _ := doc["paths"].(map[string]any)
	documented := map[string]bool{}
	for p, item := range paths {
		for method, op := range item.(map[string]any) {
			key := strings.ToUpper(method) + " " + p
			documented[key] = true
			o := op.(map[string]any)
			if rs, _ := o["responses"].(map[string]any); len(rs) == 0 {
				t.Errorf("%s has no responses", key)
			}
			var declared []string
			params, _ := o["parameters"].([]any)
			for _, prm := range params {
				m := prm.(map[string]any)
				if m["in"] == "path" {
					declared = append(declared, m["name"].(string))
				}
			}
			for _, seg := range strings.Split(p, "/") {
				if strings.HasPrefix(seg, "{") && !slices.Contains(declared, strings.Trim(seg, "{}")) {
					t.Errorf("%s does not declare path parameter %s", key, seg)
				}
			}
		}
	}
	s := &Server{}
	for _, rt := range s.table() {
		key := rt.method + " " + rt.pattern
		if !documented[key] {
			t.Errorf("route %s is not in openapi.json", key)
		}
		delete(documented, key)
	}
	for key := range documented {
		t.Errorf("openapi.json documents %s, which is not a route", key)
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				if !resolves(doc, ref) {
					t.Errorf("$ref %s does not resolve", ref)
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(doc)
}

func resolves(doc map[string]any, ref string) bool {
	if !strings.HasPrefix(ref, "#/") {
		return false
	}
	var cur any = doc
	for _, part := range strings.Split(ref[2:], "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[part]; !ok {
			return false
		}
	}
	return true
}

// TestOpenAPIStrict: the document's own rules. Every 4xx of an operation
// is application/problem+json with the Problem schema; an operation that
// needs a token documents 401 with WWW-Authenticate; a 429 carries
// Retry-After; every request body refuses unknown fields; every limit has
// bounds; every parameter naming a pnr, a date, a kommune or a road has a
// schema that says its form.
func TestOpenAPIStrict(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	deref := func(v any) map[string]any {
		m, _ := v.(map[string]any)
		for {
			ref, ok := m["$ref"].(string)
			if !ok {
				return m
			}
			var cur any = doc
			for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
				cur = cur.(map[string]any)[part]
			}
			m = cur.(map[string]any)
		}
	}
	formed := map[string]bool{"pnr": true, "date": true, "at": true, "kommunekode": true, "kode": true, "vejkode": true,
		"husnr": true, "etage": true, "sidedoer": true, "birth_date": true, "from": true, "to": true, "known": true}
	for p, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			key := strings.ToUpper(method) + " " + p
			o := op.(map[string]any)
			rs := o["responses"].(map[string]any)
			secured := true
			if sec, ok := o["security"].([]any); ok && len(sec) == 0 {
				secured = false
			}
			if _, ok := rs["401"]; secured && !ok {
				t.Errorf("%s needs a token but does not document 401", key)
			}
			for code, r := range rs {
				if len(code) != 3 || code[0] != '4' {
					continue
				}
				res := deref(r)
				content, _ := res["content"].(map[string]any)
				media, _ := content["application/problem+json"].(map[string]any)
				if len(content) != 1 || media == nil || deref(media["schema"])["properties"].(map[string]any)["code"] == nil {
					t.Errorf("%s %s is not application/problem+json with the Problem schema", key, code)
				}
				headers, _ := res["headers"].(map[string]any)
				for status, h := range map[string]string{"401": "WWW-Authenticate", "429": "Retry-After"} {
					if code == status && headers[h] == nil {
						t.Errorf("%s %s does not document %s", key, code, h)
					}
				}
			}
			if rb, ok := o["requestBody"].(map[string]any); ok {
				s := deref(rb["content"].(map[string]any)["application/json"].(map[string]any)["schema"])
				if s["additionalProperties"] != false {
					t.Errorf("%s: the request body does not refuse unknown fields", key)
				}
			}
			params, _ := o["parameters"].([]any)
			for _, prm := range params {
				m := deref(prm)
				name := m["name"].(string)
				s := deref(m["schema"])
				if name == "limit" && (s["minimum"] == nil || s["maximum"] == nil) {
					t.Errorf("%s: limit has no bounds", key)
				}
				if formed[name] && s["pattern"] == nil && s["enum"] == nil && s["format"] == nil {
					t.Errorf("%s: parameter %s does not say its form", key, name)
				}
			}
		}
	}
}
