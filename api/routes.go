package api

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"cpr/access"
)

var (
	readers     = []access.Role{access.RoleLookup, access.RoleClerk, access.RoleCitizen}
	lookup      = []access.Role{access.RoleLookup, access.RoleClerk}
	clerks      = []access.Role{access.RoleClerk}
	admins      = []access.Role{access.RoleAdmin}
	auditors    = []access.Role{access.RoleAuditor}
	citizens    = []access.Role{access.RoleCitizen}
	subscribers = []access.Role{access.RoleSubscriber, access.RoleAdmin}
	anyone      = []access.Role{access.RoleClerk, access.RoleLookup, access.RoleAuditor, access.RoleCitizen,
		access.RoleSubscriber, access.RoleAdmin}
)

// table is every route of the API. The OpenAPI test checks that it and
// openapi.json agree.
func (s *Server) table() []route {
	return []route{
		{"GET", "/healthz", nil, "liveness", s.healthz},
		{"GET", "/readyz", nil, "readiness: storage and event relay", s.readyz},
		{"GET", "/metrics", nil, "Prometheus metrics", s.metricsHandler()},
		{"GET", "/v1/openapi.json", nil, "this API's OpenAPI document", s.openapi},

		{"GET", "/v1/persons/{pnr}", readers, "a person now, as of a date, or as known at a time", s.getPerson},
		{"GET", "/v1/persons/{pnr}/history", readers, "every registered fact of a person", s.getHistory},
		{"GET", "/v1/search", lookup, "search by name, birth date, address", s.search},
		{"GET", "/v1/addresses/{kommunekode}/{vejkode}/{husnr}/residents", lookup, "who lives or lived at an address", s.residents},

		{"POST", "/v1/births", clerks, "register a birth", s.postBirth},
		{"POST", "/v1/immigrations", clerks, "register an immigration", s.postImmigration},
		{"POST", "/v1/persons/{pnr}/moves", clerks, "register a move", s.postMove},
		{"POST", "/v1/persons/{pnr}/names", clerks, "register a name change", s.postName},
		{"POST", "/v1/persons/{pnr}/marriages", clerks, "register a marriage or partnership", s.postMarriage},
		{"POST", "/v1/persons/{pnr}/divorces", clerks, "register a divorce or dissolution", s.postDivorce},
		{"POST", "/v1/persons/{pnr}/death", clerks, "register a death", s.postDeath},
		{"POST", "/v1/persons/{pnr}/emigration", clerks, "register an emigration", s.postEmigration},
		{"POST", "/v1/persons/{pnr}/protections", clerks, "put a protection on or off", s.postProtection},
		{"POST", "/v1/persons/{pnr}/pnr-change", clerks, "give a person a new pnr", s.postPNRChange},
		{"POST", "/v1/persons/{pnr}/corrections", clerks, "correct a registered fact", s.postCorrection},

		{"GET", "/v1/kommuner", anyone, "the kommune table", s.kommuner},
		{"GET", "/v1/kommuner/{kode}/roads", anyone, "the road register of a kommune", s.roads},

		{"POST", "/v1/users", admins, "create a user", s.postUser},
		{"GET", "/v1/users", admins, "list users", s.listUsers},
		{"PATCH", "/v1/users/{id}", admins, "disable or enable a user", s.patchUser},
		{"POST", "/v1/tokens", admins, "issue a personal token", s.postToken},
		{"DELETE", "/v1/tokens/{id}", admins, "revoke a token", s.revokeToken},

		{"PUT", "/v1/subscribers/{id}", admins, "create or replace a subscriber", s.putSubscriber},
		{"GET", "/v1/subscribers/{id}", subscribers, "a subscriber", s.getSubscriber},
		{"GET", "/v1/subscribers/{id}/nats", subscribers, "how to follow the live feed cpr.dist.<id>", s.subscriberNATS},
		{"POST", "/v1/subscribers/{id}/marks", admins, "add pnr marks (up to 100,000 a call)", s.postMarks},
		{"DELETE", "/v1/subscribers/{id}/marks/{pnr}", admins, "remove a pnr mark", s.deleteMark},
		{"GET", "/v1/subscribers/{id}/change-extracts/{date}", subscribers, "a subscriber's change extract for a day", s.changeExtract},
		{"POST", "/v1/status-extracts", subscribers, "start a status extract", s.postStatusExtract},
		{"GET", "/v1/status-extracts/{id}", subscribers, "a status extract's progress", s.getStatusExtract},
		{"GET", "/v1/status-extracts/{id}/data", subscribers, "a status extract's file", s.getStatusExtractData},

		{"GET", "/v1/access-log", auditors, "the access log", s.accessLog},
		{"GET", "/v1/access-log/flags", auditors, "unusual access patterns", s.flags},
		{"GET", "/v1/me/access-log", citizens, "who looked me up", s.myAccessLog},
	}
}

func (s *Server) metricsHandler() func(*call) error {
	var h http.Handler = http.NotFoundHandler()
	if g, ok := s.gatherer(); ok {
		h = promhttp.HandlerFor(g, promhttp.HandlerOpts{})
	}
	return func(c *call) error {
		c.status = http.StatusOK
		h.ServeHTTP(c.w, c.r)
		return nil
	}
}

func (s *Server) gatherer() (prometheus.Gatherer, bool) {
	g, ok := s.registerer.(prometheus.Gatherer)
	return g, ok
}
