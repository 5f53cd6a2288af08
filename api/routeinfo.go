package api

import "cpr/access"

// RouteInfo is one entry of the route table, for the tests that walk
// every route (the end-to-end tests, the chaos suite).
type RouteInfo struct {
	Method, Pattern string
	Roles           []access.Role // nil: no token needed
}

// Key is "METHOD pattern", the route label of the metrics and the call of
// the access log.
func (r RouteInfo) Key() string { return r.Method + " " + r.Pattern }

// Routes returns the route table.
func Routes() []RouteInfo {
	var out []RouteInfo
	for _, rt := range (&Server{}).table() {
		out = append(out, RouteInfo{Method: rt.method, Pattern: rt.pattern, Roles: rt.roles})
	}
	return out
}
