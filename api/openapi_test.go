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
