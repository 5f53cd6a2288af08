package api

import (
	"net/http"

	"cpr/address"
	"cpr/wire"
)

func (s *Server) kommuner(c *call) error {
	type k struct {
		Kode string `json:"kode"`
		Navn string `json:"navn"`
	}
	out := []k{}
	for _, km := range address.Kommuner() {
		out = append(out, k{wire.Code4(km.Code), km.Name})
	}
	return c.json(http.StatusOK, map[string]any{"kommuner": out})
}

func (s *Server) roads(c *call) error {
	code, err := address.ParseKommunekode(c.r.PathValue("kode"))
	if err != nil {
		return badField("kode", err)
	}
	type road struct {
		Vejkode string `json:"vejkode"`
		Name    string `json:"name"`
		Postnr  string `json:"postnr"`
		By      string `json:"by"`
	}
	out := []road{}
	for _, r := range s.reg.Roads().InKommune(code) {
		out = append(out, road{wire.Code4(r.Vejkode), r.Name, wire.Code4(r.Postnr), r.By})
	}
	return c.json(http.StatusOK, map[string]any{"roads": out})
}
