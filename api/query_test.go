package api_test

import (
	"net/http"
	"testing"
)

// TestMalformedQueryAndUncleanPaths: a query string that does not parse is
// a 400 problem naming the parameter (or query) before the handler runs,
// where net/url would drop the pair and the call go on with a default;
// a path with an empty or dot segment is a 404 no_route problem, not
// net/http's text/html redirect.
func TestMalformedQueryAndUncleanPaths(t *testing.T) {
	h := startHarness(t)
	h.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, tc := range []struct{ path, field string }{
		{"/v1/search?name=Hansen&limit=%zz", "limit"},
		{"/v1/search?limit=%2&name=Hansen", "limit"},
		{"/v1/search?name=Hansen&%zz=1", "query"},
		{"/v1/search?name=Hansen;limit=3", "query"},
		{"/v1/persons/0101900002?at=%", "at"},
		{"/v1/access-log?from=2026-03-02T00:00:00Z&pnr=%G1", "pnr"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			a := h.get(t, tc.path, uLookup)
			if tc.field == "pnr" {
				a = h.get(t, tc.path, uAuditor)
			}
			wantProblem(t, a, http.StatusBadRequest, "invalid_input", tc.field)
			if ct := a.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("content type %q", ct)
			}
		})
	}
	// Well-formed escapes still pass.
	ok(t, h.get(t, "/v1/search?name=H%61nsen&limit=2", uLookup), http.StatusOK, nil)

	for _, path := range []string{"/v1//persons/0101900002", "/v1/./search?name=Hansen", "/v1/persons/../search?name=Hansen",
		"/v1/search/..", "//v1/search?name=Hansen", "/v1/search/."} {
		t.Run(path, func(t *testing.T) {
			a := h.get(t, path, uLookup)
			wantProblem(t, a, http.StatusNotFound, "no_route", "")
			if a.Header.Get("Location") != "" || a.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("headers %v", a.Header)
			}
		})
	}
}
