package api

import "strings"

// allowed lists the methods of the routes whose pattern matches path, for
// a 405 answer's Allow header.
func (s *Server) allowed(path string) []string {
	var out []string
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for _, rt := range s.routes {
		ps := strings.Split(strings.Trim(rt.pattern, "/"), "/")
		if len(ps) != len(segs) {
			continue
		}
		match := true
		for i := range ps {
			if !strings.HasPrefix(ps[i], "{") && ps[i] != segs[i] {
				match = false
				break
			}
		}
		if match {
			out = append(out, rt.method)
		}
	}
	return out
}
